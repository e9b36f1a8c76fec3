"""The layout of a written notice as a PDF (ReportLab), with its Chinese text embedded.

`render(content)` turns a `NoticeContent` — title, number, agency, date, applicant, facts,
body paragraphs, verification URL — into the bytes of an A4 PDF. The text is set in a CJK
TrueType font embedded as a subset with its Unicode map, so it can be selected, searched and
extracted (`pdftotext`, pdfium); the QR code (ReportLab's own `barcode.qr`) holds the
public verification URL, which is also printed beneath it.

The font is looked for at run time: `NOTICE_FONT` (a .ttf/.ttc path) if set, else the
TrueType CJK fonts of the Debian packages the Makefile installs (fonts-wqy-zenhei first).
Noto CJK (fonts-noto-cjk) has PostScript outlines, which ReportLab cannot embed. No usable
font stops the notice with `cjk_font.CjkFontMissing`, which says what to install.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from app.services import cjk_font

FONT_NAME = "OneWindowCJK"


@dataclass(frozen=True)
class NoticeContent:
    """Everything a notice prints, already in Chinese (it is an official document)."""

    title: str  # 受理回执, 不予许可决定书, …
    number: str
    agency: str
    date: str  # 2026年11月30日 (Beijing time)
    applicant: str
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value) rows
    body: list[str] = field(default_factory=list)  # paragraphs
    items: list[str] = field(default_factory=list)  # a numbered list (e.g. what to correct)
    closing: list[str] = field(default_factory=list)  # paragraphs after the list (remedies)
    verify_url: str = ""


def ensure_font(configured: str | None = None) -> str:
    """Register this document's CJK font once per process; returns the file it came from."""
    return cjk_font.ensure_font(
        FONT_NAME, configured, what="written notices", setting="NOTICE_FONT"
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=FONT_NAME, fontSize=11.5, leading=19, wordWrap="CJK", firstLineIndent=23
    )
    return {
        "agency": ParagraphStyle("agency", base, fontSize=15, leading=22, alignment=TA_CENTER,
                                 firstLineIndent=0),
        "title": ParagraphStyle("title", base, fontSize=21, leading=30, alignment=TA_CENTER,
                                firstLineIndent=0, spaceBefore=4, spaceAfter=4),
        "number": ParagraphStyle("number", base, fontSize=10.5, alignment=TA_RIGHT,
                                 firstLineIndent=0),
        "plain": ParagraphStyle("plain", base, firstLineIndent=0),
        "body": base,
        "item": ParagraphStyle("item", base, firstLineIndent=0, leftIndent=23),
        "signature": ParagraphStyle("signature", base, alignment=TA_RIGHT, firstLineIndent=0),
        "small": ParagraphStyle("small", base, fontSize=8.5, leading=12, firstLineIndent=0,
                                textColor=colors.HexColor("#444444")),
    }  # fmt: skip


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


QR_MASK = 2  # vertical stripes every third column: one of the eight patterns the standard allows


class _FixedMaskEncoder(qrencoder.QRCode):
    """ReportLab's QR encoder with a fixed mask pattern. Any of the eight masks makes a valid
    symbol (the chosen one is written in its format information); choosing the "best" one
    builds and scores the symbol eight more times, most of a QR code's cost (~10 ms, far
    more under load)."""

    def getBestMaskPattern(self):  # noqa: N802 — ReportLab's name
        return QR_MASK


def qr_code(value: str, size: float = 28 * mm) -> QrCode:
    """A QR code holding `value`, `size` wide: ReportLab's flowable, drawn straight onto the
    page (its widget twin builds a shape per module and takes several times longer), with
    a fixed mask pattern (`_FixedMaskEncoder`)."""
    code = QrCode(value, width=size, height=size, qrLevel="M")
    code.qr.__class__ = _FixedMaskEncoder  # the same encoder state, without the mask search
    return code


def render(content: NoticeContent, *, font: str | None = None) -> bytes:
    """The notice as the bytes of an A4 PDF."""
    ensure_font(font)
    s = _styles()
    story = [
        _p(content.agency, s["agency"]),
        _p(content.title, s["title"]),
        _p(content.number, s["number"]),
        HRFlowable(width="100%", thickness=0.8, color=colors.HexColor("#b22222"), spaceAfter=8),
        _p(f"申请人：{content.applicant}", s["plain"]),
        Spacer(1, 4),
    ]
    if content.facts:
        table = Table(
            [[_p(label, s["plain"]), _p(value, s["plain"])] for label, value in content.facts],
            colWidths=[34 * mm, None],
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [table, Spacer(1, 8)]
    story += [_p(text, s["body"]) for text in content.body]
    story += [_p(f"{n}. {item}", s["item"]) for n, item in enumerate(content.items, 1)]
    story += [_p(text, s["body"]) for text in content.closing]
    story += [
        Spacer(1, 16),
        _p(content.agency, s["signature"]),
        _p(content.date, s["signature"]),
        Spacer(1, 14),
    ]
    if content.verify_url:
        verify = Table(
            [
                [
                    qr_code(content.verify_url),
                    _p(
                        f"扫描二维码或访问以下网址核验本文书真伪：\n{content.verify_url}",
                        s["small"],
                    ),
                ]
            ],
            colWidths=[32 * mm, None],
        )
        verify.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(verify)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=f"{content.title} {content.number}",
        author=content.agency,
        subject=content.title,
        creator="OneWindow",
    )
    doc.build(story)
    return buf.getvalue()
