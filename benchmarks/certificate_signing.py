"""Benchmark: milliseconds per e-certificate — rendering the PDF, signing it (PAdES), and
checking a signature — next to a baseline measured in the same run (a one-line ReportLab PDF
with no CJK font, no QR code and no signature), so the figures compare across machines.

Uses a throw-away demo CA in a temporary folder; nothing touches the database.

    .venv/bin/python benchmarks/certificate_signing.py [--repeat R]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportlab.pdfgen import canvas  # noqa: E402

from app import create_app  # noqa: E402
from app.services import certificate_pdf, signing  # noqa: E402

CONTENT = certificate_pdf.CertificateContent(
    title="营业执照",
    number="CERT2026113012345678",
    holder_label="名称",
    holder_name="上海示例科技有限公司",
    code_label="统一社会信用代码",
    holder_code="91310115123456784X",
    agency="市场监督管理局",
    issued_on="2026年11月30日",
    valid_until="长期",
    facts=[("法定代表人", "张三"), ("住所", "上海市浦东新区世纪大道100号")],
    verify_url="https://onewindow.example.gov.cn/verify/certificates/ABCDEFGHJKLMNPQR",
)


def median_ms(func, repeat: int) -> float:
    """Median milliseconds of `repeat` calls of `func` (after one warm-up call)."""
    func()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def plain_pdf() -> bytes:
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(100, 700, CONTENT.number)
    page.save()
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        UPLOAD_DIR=folder,
        SIGNING_DIR=folder + "/signing",
    )
    with app.app_context():
        signing.init_demo_ca()
        unsigned = certificate_pdf.render(CONTENT)
        signed = signing.sign_pdf(unsigned, reason="benchmark")
        figures = {
            "baseline: one-line PDF": median_ms(plain_pdf, args.repeat),
            "render certificate (CJK, QR)": median_ms(
                lambda: certificate_pdf.render(CONTENT), args.repeat
            ),
            "sign (PAdES, RSA-2048)": median_ms(
                lambda: signing.sign_pdf(unsigned, reason="benchmark"), args.repeat
            ),
            "render + sign": median_ms(
                lambda: signing.sign_pdf(certificate_pdf.render(CONTENT), reason="b"),
                args.repeat,
            ),
            "check signature (pyHanko)": median_ms(lambda: signing.check_pdf(signed), args.repeat),
        }
    base = figures["baseline: one-line PDF"]
    for name, ms in figures.items():
        print(f"{name:<32} {ms:8.1f} ms   {ms / base:6.1f} × baseline")
    print(f"signed PDF: {len(signed)} bytes (unsigned {len(unsigned)})")


if __name__ == "__main__":
    main()
