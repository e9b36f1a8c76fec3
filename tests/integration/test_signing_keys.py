"""The agency's signing files: `flask certificates init-ca` makes a demo CA once, with keys
readable by their owner only; an encrypted key needs its passphrase; a PDF signed with one
agency's key is not trusted against another CA."""

from __future__ import annotations

import io
import stat

import pytest
from reportlab.pdfgen import canvas

from app.services import signing


def _pdf() -> bytes:
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(100, 700, "CERT0001")
    page.save()
    return buf.getvalue()


def test_init_ca_creates_the_files_once_with_private_keys(app, empty_db, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path / "signing"))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["certificates", "init-ca"])
    assert first.exit_code == 0 and "created" in first.output, first.output
    files = signing.signing_files()
    assert not files.missing()
    for key in (files.key, files.ca_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    cert_before = files.cert.read_bytes()
    again = runner.invoke(args=["certificates", "init-ca"])
    assert "already there" in again.output and files.cert.read_bytes() == cert_before
    assert signing.check_pdf(signing.sign_pdf(_pdf(), reason="t")).ok


def test_an_encrypted_key_needs_its_passphrase(app, empty_db, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path / "signing"))
    monkeypatch.setitem(app.config, "SIGNING_KEY_PASSPHRASE", "correct horse")
    files = signing.init_demo_ca()
    assert b"ENCRYPTED" in files.key.read_bytes()
    assert signing.check_pdf(signing.sign_pdf(_pdf(), reason="t")).ok
    monkeypatch.setitem(app.config, "SIGNING_KEY_PASSPHRASE", "wrong")
    with pytest.raises(signing.SigningNotConfigured):
        signing.sign_pdf(_pdf(), reason="t")


def test_a_signature_by_another_ca_is_intact_but_not_trusted(app, empty_db, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path / "other"))
    signing.init_demo_ca()
    signed_elsewhere = signing.sign_pdf(_pdf(), reason="t")
    monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path / "ours"))
    signing.init_demo_ca()
    check = signing.check_pdf(signed_elsewhere)
    assert check.signed and check.intact and not check.trusted and not check.ok
