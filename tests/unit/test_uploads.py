"""Upload checks: content sniffing, size limits, corrupt files and decompression bombs."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from app.domain.errors import DomainError
from app.services import uploads


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        yield app


def _png(w=40, h=30) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), "white").save(buf, format="PNG")
    return buf.getvalue()


def _bomb_png(w=20000, h=20000) -> bytes:
    """A tiny PNG whose header claims 400 megapixels."""
    raw = zlib.compress(b"\x00" * 100)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_a_real_png_is_accepted(app_ctx):
    assert uploads.check_content(_png(), "scan.png") == "image/png"


def test_type_comes_from_content_not_name(app_ctx):
    assert uploads.check_content(_png(), "contract.pdf") == "image/png"
    with pytest.raises(DomainError) as err:
        uploads.check_content(b"MZ\x90\x00" + b"\x00" * 200, "id_card.jpg")  # an .exe
    assert err.value.code == "bad_type"
    with pytest.raises(DomainError) as err:
        uploads.check_content(b"<html><script>alert(1)</script></html>", "photo.png")
    assert err.value.code == "bad_type"


def test_empty_and_oversize_files_are_refused(app_ctx):
    with pytest.raises(DomainError) as err:
        uploads.check_content(b"", "a.png")
    assert err.value.code == "empty_file"
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (app_ctx.config["MAX_UPLOAD_BYTES"] + 1)
    with pytest.raises(DomainError) as err:
        uploads.check_content(big, "a.png")
    assert err.value.code == "too_large"


def test_truncated_image_is_refused(app_ctx):
    data = _png(400, 300)
    with pytest.raises(DomainError) as err:
        uploads.check_content(data[: len(data) // 2], "half.png")
    assert err.value.code == "corrupt"


def test_decompression_bomb_is_refused(app_ctx):
    with pytest.raises(DomainError) as err:
        uploads.check_content(_bomb_png(), "bomb.png")
    assert err.value.code == "too_many_pixels"


def test_truncated_pdf_is_refused(app_ctx):
    with pytest.raises(DomainError) as err:
        uploads.check_content(b"%PDF-1.7\n1 0 obj << >> endobj\n", "cut.pdf")
    assert err.value.code == "corrupt"


def test_stored_files_get_random_names_outside_the_web_root(app_ctx):
    stored = uploads.store(_png(), "image/png")
    path = uploads.path_for(stored.stored_name)
    assert path.read_bytes() == _png()
    assert str(path).startswith(app_ctx.config["UPLOAD_DIR"])
    assert "static" not in str(path)
    other = uploads.store(_png(), "image/png")
    assert other.stored_name != stored.stored_name
    with pytest.raises(ValueError):
        uploads.path_for("../../etc/passwd")
