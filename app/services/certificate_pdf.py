"""The layout of an e-certificate as a PDF (ReportLab), before it is signed.

`render(content)` turns a `CertificateContent` — title, number, holder, facts, issuing
department, dates, verification URL — into the bytes of an A4 PDF whose Chinese text is set
in a CJK TrueType font embedded as a subset with its Unicode map (so it can be selected,
searched and extracted), with a QR code (`notice_documents.qr_code`: ReportLab's, with a
fixed mask) holding the public verification URL, also printed beneath it. The certificate
number is the document's subject (PDF metadata) too, so a checker can find it without
reading the page.

The font is looked for at run time: `CERTIFICATE_FONT` (a .ttf/.ttc path) if set, else the
TrueType CJK fonts of the Debian packages the Makefile installs (fonts-wqy-zenhei first).
Noto CJK has PostScript outlines, which ReportLab cannot embed. Without a usable font,
`cjk_font.CjkFontMissing` says what to install.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.services import cjk_font
from app.services.notice_documents import qr_code

FONT_NAME = "OneWindowCertificateCJK"
RED = colors.HexColor("#b22222")


@dataclass(frozen=True)
class CertificateContent:
    """Everything a certificate prints, in Chinese (it is an official document)."""

    title: str  # 营业执照, 居住证, …
    number: str
    holder_label: str  # 名称 / 姓名
    holder_name: str
    code_label: str  # 统一社会信用代码 / 公民身份号码
    holder_code: str
    agency: str
    issued_on: str  # 2026年11月30日
    valid_until: str  # 2027年11月29日, or 长期
    facts: list[tuple[str, str]] = field(default_factory=list)
    verify_url: str = ""


def ensure_font(configured: str | None = None) -> str:
    """Register this document's CJK font once per process; returns the file it came from."""
    return cjk_font.ensure_font(
        FONT_NAME, configured, what="e-certificates", setting="CERTIFICATE_FONT"
    )


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def render(content: CertificateContent, *, font: str | None = None) -> bytes:
    """The certificate as the bytes of an unsigned A4 PDF."""
    ensure_font(font)
    base = ParagraphStyle("base", fontName=FONT_NAME, fontSize=12, leading=19, wordWrap="CJK")
    title = ParagraphStyle(
        "title", base, fontSize=30, leading=40, alignment=TA_CENTER, textColor=RED
    )
    centered = ParagraphStyle("centered", base, alignment=TA_CENTER)
    small = ParagraphStyle(
        "small", base, fontSize=8.5, leading=12, textColor=colors.HexColor("#444444")
    )
    rows = [
        ("证照编号", content.number),
        (content.holder_label, content.holder_name),
        (content.code_label, content.holder_code),
        *content.facts,
        ("发证机关", content.agency),
        ("发证日期", content.issued_on),
        ("有效期至", content.valid_until),
    ]
    table = Table(
        [[_p(label, base), _p(value, base)] for label, value in rows], colWidths=[44 * mm, None]
    )
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, RED),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#fbf1f1")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    qr = qr_code(content.verify_url or content.number, size=32 * mm)
    footer = Table(
        [
            [
                [
                    _p(f"{content.agency}（电子签章）", base),
                    Spacer(1, 4),
                    _p(
                        "本证照由一网通办签发并附数字签名（PAdES）；内容被改动时，"
                        "PDF 阅读器将显示签名无效。扫描二维码或访问下方网址核验证照状态。",
                        small,
                    ),
                    _p(content.verify_url, small),
                ],
                qr,
            ]
        ],
        colWidths=[None, 36 * mm],
    )
    footer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [
        _p("中华人民共和国", centered),
        Spacer(1, 4),
        _p(content.title, title),
        _p("电子证照", centered),
        Spacer(1, 14),
        table,
        Spacer(1, 18),
        footer,
    ]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=24 * mm,
        bottomMargin=20 * mm,
        title=f"{content.title} {content.number}",
        subject=content.number,
        author=content.agency,
        creator="OneWindow 一网通办",
    )
    doc.build(story)
    return buf.getvalue()
