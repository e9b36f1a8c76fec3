"""Benchmark: milliseconds to write one notice PDF (ReportLab, embedded CJK font, QR code).

Times `notice_documents.render` on a two-page-ish decision (不予行政许可决定书 with reasons
and remedies) plus the SHA-256 and the file write that `notices.issue` adds, and prints it
next to a baseline measured in the same run: the same layout in Helvetica with ASCII text and
no QR code (what ReportLab costs without the CJK subset and the barcode). Notices are no
longer rendered inside the use case's transaction (issue 18: the case records the notice's
content and the PDF is rendered on first download or verification); the budget
(:data:`IN_TRANSACTION_BUDGET_MS`) now bounds what a first download waits for.
The font is loaded once per process (reported separately).

    .venv/bin/python benchmarks/notice_pdf.py [--repeat R]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.platypus import Paragraph, SimpleDocTemplate  # noqa: E402

from app.services import notice_documents  # noqa: E402
from app.services.notice_documents import NoticeContent  # noqa: E402

IN_TRANSACTION_BUDGET_MS = 200.0

CONTENT = NoticeContent(
    title="不予行政许可决定书",
    number="编号：YW20261130000123-BY03",
    agency="市场监督管理局、税务局、人力资源和社会保障局",
    date="2026年11月30日",
    applicant="张三",
    facts=[
        ("案件编号", "YW20261130000123"),
        ("办理事项", "企业开办"),
        ("申请日期", "2026年11月2日"),
    ],
    body=[
        (
            "你（单位）于2026年11月2日提出的“企业开办”申请（案件编号：YW20261130000123），经审查，"
            "不符合法定条件、标准。根据《中华人民共和国行政许可法》第三十八条第二款的规定，本机关"
            "决定不予许可。理由如下："
        )
    ],
    items=["注册资本认缴期限超过法定期限", "住所（经营场所）证明材料与登记地址不一致"] * 3,
    closing=[
        (
            "申请人如对本决定书不服，可以自收到本决定书之日起六十日内依照《中华人民共和国行政复议法》"
            "的规定申请行政复议，或者自收到本决定书之日起六个月内依照《中华人民共和国行政诉讼法》"
            "的规定向人民法院提起行政诉讼。"
        )
    ],
    verify_url="https://onewindow.example.gov.cn/verify/notices/Ab3dEf6hIjKlMnOpQrStUvWx",
)


def baseline_pdf() -> bytes:
    """The same amount of text in Helvetica (ASCII), no QR code."""
    style = ParagraphStyle("b", fontName="Helvetica", fontSize=11.5, leading=19)
    words = "Lorem ipsum dolor sit amet consectetur " * 12
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build([Paragraph(words, style) for _ in range(10)])
    return buf.getvalue()


def timed(func, repeat: int) -> list[float]:
    """Seconds of each of *repeat* calls of *func* (after one warm-up call)."""
    func()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return samples


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print ms per notice."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    source = notice_documents.ensure_font()
    font_ms = (time.perf_counter() - started) * 1000
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "notice.pdf"

        def notice():
            pdf = notice_documents.render(CONTENT)
            hashlib.sha256(pdf).hexdigest()
            target.write_bytes(pdf)

        samples = timed(notice, args.repeat)
        base = statistics.median(timed(baseline_pdf, args.repeat))
    median = statistics.median(samples)
    p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
    size = len(notice_documents.render(CONTENT))
    print(f"font {source}: loaded once per process in {font_ms:.0f} ms")
    print(f"{'baseline (Helvetica, no QR)':32s}{base * 1000:7.1f} ms")
    print(
        f"{'notice PDF (median)':32s}{median * 1000:7.1f} ms  ({median / base:4.1f}x)  {size} bytes"
    )
    print(f"{'notice PDF (p95)':32s}{p95 * 1000:7.1f} ms")
    verdict = "within" if p95 * 1000 < IN_TRANSACTION_BUDGET_MS else "OVER"
    print(f"p95 is {verdict} the in-transaction budget of {IN_TRANSACTION_BUDGET_MS:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
