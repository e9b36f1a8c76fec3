"""E-certificates: an approved business registration enters the register as the company's
business licence, with a PDF signed by the agency that pyHanko's own validator accepts and
that shows any change; the QR page works without log-in and masks the holder; the wallet
shows it to its holder only; an administrator revokes it and every page says so."""

from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from app.extensions import db
from app.models import Application, ECertificate
from app.services import ecertificates, signing
from ml.validators import check_credit_code
from tests import decisions, journeys


def _pyhanko_status(pdf: bytes, ca_file):
    """pyHanko's own verdict on the PDF's signature, trusting only the demo CA."""
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca_file))])
    signature = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[0]
    return validate_pdf_signature(signature, context)


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return "".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def _tampered(pdf: bytes) -> bytes:
    """The PDF with one byte of its signed first revision changed (the producer's name)."""
    at = pdf.index(b"ReportLab")
    return pdf[:at] + b"X" + pdf[at + 1 :]


@pytest.mark.slow
def test_approved_business_registration_gets_a_signed_verifiable_licence(
    app, client, make_client, wait_jobs
):
    app_id = decisions.decided_case(
        app, client, make_client, wait_jobs, seed=21, mobile="13911112101"
    )
    wait_jobs()  # the signing job
    person = journeys.make_materials(seed=21)["person"]
    with app.app_context():
        application = db.session.get(Application, app_id)
        cert = db.session.execute(
            db.select(ECertificate).where(ECertificate.application_id == app_id)
        ).scalar_one()
        assert cert.number == application.certificate_number
        assert cert.cert_type == "business_licence"
        assert (cert.holder_kind, cert.holder_name) == ("company", "上海示例科技有限公司")
        assert check_credit_code(cert.holder_code).ok, cert.holder_code
        assert cert.representative_id_number == person["id_number"]
        assert cert.department.code == "market_regulation"
        assert cert.valid_until is None and cert.pdf_error is None
        number, code, holder_code = cert.number, cert.verify_code, cert.holder_code
        cert_id, stored_sha = cert.id, cert.pdf_sha256
        ca_file = signing.signing_files().ca
        assert ecertificates.pdf_path(cert).parent.name == "certificates"

    # The holder's legal representative finds it in the wallet and downloads the signed PDF.
    wallet = client.get("/wallet").get_data(as_text=True)
    assert f'data-certificate="{number}" data-status="valid"' in wallet
    resp = client.get(f"/wallet/{cert_id}/pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pdf = resp.data
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == stored_sha

    status = _pyhanko_status(pdf, ca_file)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    broken = _pyhanko_status(_tampered(pdf), ca_file)
    # `valid` is about the signer's signature over the signed digest, which still holds;
    # the document no longer matches that digest, so the verdict fails.
    assert not broken.intact and not broken.bottom_line

    text = _text(pdf)
    assert number in text and "上海示例科技有限公司" in text and holder_code in text
    assert person["name"] in text  # the legal representative
    assert f"/verify/certificates/{code}" in text  # the QR code's address, printed under it

    # The QR page needs no log-in and shows the holder masked.
    anonymous = make_client()
    page = anonymous.get(f"/verify/certificates/{code}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-status="valid"' in body and number in body
    assert "上海" in body and "上海示例科技有限公司" not in body
    assert holder_code[:4] + "*" * 10 + holder_code[-4:] in body and holder_code not in body
    assert anonymous.get("/verify/certificates/NOSUCHCODE2345").status_code == 404

    # Someone else neither sees it in their wallet nor downloads it.
    other = make_client()
    journeys.register(other, journeys.make_materials(seed=22)["person"], mobile="13911112102")
    assert number not in other.get("/wallet").get_data(as_text=True)
    assert other.get(f"/wallet/{cert_id}/pdf").status_code == 404

    # A logged-in user has a PDF checked: the original is genuine, the altered one is not.
    def check(data: bytes) -> str:
        return other.post(
            "/certificates/check",
            {"file": (io.BytesIO(data), "licence.pdf")},
            content_type="multipart/form-data",
        ).get_data(as_text=True)

    assert 'data-genuine="yes"' in check(pdf)
    altered = check(_tampered(pdf))
    assert 'data-genuine="no"' in altered
    assert 'data-check="intact" data-ok="no"' in altered and number in altered

    # The CLI says the same, with its exit status.
    runner = app.test_cli_runner()
    tmp = app.config["UPLOAD_DIR"] + "/check-me.pdf"
    with open(tmp, "wb") as fh:
        fh.write(pdf)
    result = runner.invoke(args=["certificates", "verify", tmp])
    assert result.exit_code == 0 and "signature intact: yes" in result.output, result.output
    with open(tmp, "wb") as fh:
        fh.write(_tampered(pdf))
    result = runner.invoke(args=["certificates", "verify", tmp])
    assert result.exit_code == 1 and "signature intact: no" in result.output, result.output

    # An administrator revokes it with a reason: the QR page, the wallet and the check say so.
    admin = make_client()
    admin.login("admin")
    assert number in admin.get("/admin/certificates").get_data(as_text=True)
    assert admin.post(f"/admin/certificates/{cert_id}/revoke", {"reason": ""}).status_code == 302
    with app.app_context():
        assert db.session.get(ECertificate, cert_id).status == "valid"  # a reason is required
    resp = admin.post(f"/admin/certificates/{cert_id}/revoke", {"reason": "以欺骗手段取得登记"})
    assert resp.status_code == 302
    body = anonymous.get(f"/verify/certificates/{code}").get_data(as_text=True)
    assert 'data-status="revoked"' in body
    assert f'data-certificate="{number}" data-status="revoked"' in client.get("/wallet").get_data(
        as_text=True
    )
    assert re.search(r'id="check-status">[^<]*</span>', check(pdf))
    with app.app_context():
        from app.services import timeline

        steps = timeline.events(db.session.get(Application, app_id))
        revoked = [s for s in steps if s.kind == "certificate_revoked"]
        assert len(revoked) == 1 and revoked[0].message == "以欺骗手段取得登记"


def test_masking_and_expiry(ctx):
    assert ecertificates.mask_name("张三") == "张*"
    assert ecertificates.mask_name("欧阳娜娜") == "欧***"
    assert ecertificates.mask_name("上海示例科技有限公司", "company") == "上海****有限公司"
    assert ecertificates.mask_code("913101150123456781") == "9131**********6781"
    assert ecertificates.mask_code("11010519491231002X") == "1101**********002X"
    from datetime import date

    cert = ECertificate(status="valid", valid_until=date(2026, 1, 31))
    assert ecertificates.status_of(cert, today=date(2026, 1, 31)) == "valid"
    assert ecertificates.status_of(cert, today=date(2026, 2, 1)) == "expired"
    cert.status = "revoked"
    assert ecertificates.status_of(cert, today=date(2026, 1, 1)) == "revoked"


def test_assigned_credit_codes_are_well_formed(ctx):
    codes = {ecertificates.assign_credit_code() for _ in range(20)}
    assert len(codes) == 20
    assert all(check_credit_code(c).ok and c.startswith("91310115") for c in codes)


@pytest.mark.slow
def test_a_signing_failure_leaves_the_decision_and_the_register_entry(
    app, client, make_client, wait_jobs, monkeypatch, tmp_path, local_jobs
):
    # (local_jobs: the broken key is this process's setting; a Celery worker has its own)
    monkeypatch.setitem(app.config, "SIGNING_KEY_FILE", str(tmp_path / "no-such-key.pem"))
    app_id = decisions.decided_case(
        app, client, make_client, wait_jobs, seed=23, mobile="13911112103"
    )
    wait_jobs()  # every attempt of the signing job fails
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.decision == "approved"
        cert = db.session.execute(
            db.select(ECertificate).where(ECertificate.application_id == app_id)
        ).scalar_one()
        assert cert.pdf_name is None and "no-such-key.pem" in cert.pdf_error
        assert ecertificates.status_of(cert) == "valid"
        number, cert_id = cert.number, cert.id
    wallet = client.get("/wallet").get_data(as_text=True)
    assert f'data-certificate="{number}"' in wallet
    assert f"/wallet/{cert_id}/pdf" not in wallet
    assert client.get(f"/wallet/{cert_id}/pdf").status_code == 404

    # Once the key is back, an administrator has it signed again.
    monkeypatch.setitem(app.config, "SIGNING_KEY_FILE", None)
    admin = make_client()
    admin.login("admin")
    assert f'data-sign-again="{cert_id}"' in admin.get("/admin/certificates").get_data(as_text=True)
    assert admin.post(f"/admin/certificates/{cert_id}/sign").status_code == 302
    wait_jobs()
    resp = client.get(f"/wallet/{cert_id}/pdf")
    assert resp.status_code == 200
    with app.app_context():
        assert signing.check_pdf(resp.data).ok
        assert db.session.get(ECertificate, cert_id).pdf_error is None


@pytest.mark.slow
def test_a_residence_permit_is_held_by_the_person_for_a_year(app, client, make_client, wait_jobs):
    import random
    from datetime import timedelta

    from ml.synthetic import render

    app_id = decisions.corrected_case(
        app, client, make_client, wait_jobs, seed=24, mobile="13911112104"
    )
    wait_jobs()
    _, person = render("id_card_front", random.Random(24), capture="clean")
    with app.app_context():
        cert = db.session.execute(
            db.select(ECertificate).where(ECertificate.application_id == app_id)
        ).scalar_one()
        assert (cert.cert_type, cert.holder_kind) == ("residence_permit", "person")
        assert (cert.holder_code, cert.holder_name) == (person["id_number"], person["name"])
        assert cert.representative_id_number is None
        assert cert.valid_until == ecertificates.issued_on(cert) + timedelta(days=364)
        assert cert.department.code == "public_security"
        number, code = cert.number, cert.verify_code
    assert f'data-certificate="{number}" data-status="valid"' in client.get("/wallet").get_data(
        as_text=True
    )
    page = make_client().get(f"/verify/certificates/{code}").get_data(as_text=True)
    masked = person["name"][0] + "*" * (len(person["name"]) - 1)
    assert masked in page and person["name"] not in page and person["id_number"] not in page
