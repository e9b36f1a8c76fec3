"""The notice PDF layout (no database): the Chinese text is embedded so that it extracts,
the QR code holds the verification URL, and a missing CJK font is a clear error."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from app.services import cjk_font, notice_documents
from app.services.cjk_font import CjkFontMissing
from app.services.notice_documents import NoticeContent, render

URL = "https://onewindow.example.gov.cn/verify/notices/Ab3dEf6hIjKlMnOpQrStUvWx"


def pdf_text(data: bytes) -> str:
    """Every page's extracted text, without whitespace (lines wrap inside Chinese text)."""
    pdf = pdfium.PdfDocument(data)
    try:
        text = "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()
    return "".join(text.split())


def content(**overrides) -> NoticeContent:
    values = dict(
        title="不予行政许可决定书",
        number="编号：YW20261130000001-BY03",
        agency="市场监督管理局、税务局",
        date="2026年11月30日",
        applicant="张三",
        facts=[("案件编号", "YW20261130000001"), ("办理事项", "企业开办")],
        body=["经审查，不符合法定条件、标准，本机关决定不予许可。理由如下："],
        items=["注册资本未实缴", "经营场所证明缺失"],
        closing=["可以自收到本决定书之日起六十日内申请行政复议。"],
        verify_url=URL,
    )
    values.update(overrides)
    return NoticeContent(**values)


def test_the_chinese_text_of_a_notice_can_be_extracted():
    text = pdf_text(render(content()))
    for part in (
        "市场监督管理局、税务局",
        "不予行政许可决定书",
        "编号：YW20261130000001-BY03",
        "申请人：张三",
        "案件编号YW20261130000001",
        "1.注册资本未实缴",
        "2.经营场所证明缺失",
        "六十日内申请行政复议",
        "2026年11月30日",
        URL,
    ):
        assert part in text, part


def test_the_qr_code_holds_the_verification_url(monkeypatch):
    encoded = []
    original = notice_documents.QrCode

    def spy(value, **kw):
        encoded.append(value)
        return original(value, **kw)

    monkeypatch.setattr(notice_documents, "QrCode", spy)
    render(content())
    assert encoded == [URL]
    encoded.clear()
    render(content(verify_url=""))
    assert encoded == []


def test_the_font_is_embedded_as_a_subset():
    data = render(content())
    assert b"/FontFile2" in data  # TrueType program inside the PDF
    assert b"/ToUnicode" in data  # the map that makes the text extractable


def test_a_missing_font_says_what_to_install(tmp_path):
    with pytest.raises(CjkFontMissing, match="fonts-wqy-zenhei") as missing:
        cjk_font.find_font("TestCJK", candidates=[(str(tmp_path / "none.ttc"), 0)])
    assert "none.ttc" in str(missing.value)
    with pytest.raises(CjkFontMissing, match="NOTICE_FONT"):
        cjk_font.find_font("TestCJK", str(tmp_path / "configured.ttf"), setting="NOTICE_FONT")


def test_a_font_reportlab_cannot_embed_is_passed_over(tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font at all")
    fallback = next((c for c in cjk_font.FONT_CANDIDATES if Path(c[0]).is_file()), None)
    if fallback is None:
        pytest.skip("no CJK TrueType font installed (make run installs fonts-wqy-zenhei)")
    _font, path = cjk_font.find_font("TestCJK", candidates=[(str(broken), 0), fallback])
    assert path == fallback[0]
