"""Uploaded files: type checked by content, size-limited, stored outside the web root.

Files are written under `UPLOAD_DIR` with random names (never the user's), atomically, and
are only ever served through a view that checks who is asking.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image

from app.domain.errors import DomainError
from ml.ocr.loading import MAX_PIXELS  # what the OCR reads; larger pictures are refused

ALLOWED = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/tiff": ".tif",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "application/pdf": ".pdf",
}
# Types a browser cannot show in an <img>: the clerk and citizen see a JPEG preview instead.
NEEDS_PREVIEW = {"image/tiff", "image/heic", "image/heif", "application/pdf"}

try:  # iPhone photos (HEIC): PIL opens them through pillow-heif
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is in requirements.txt
    del ALLOWED["image/heic"], ALLOWED["image/heif"]
MAX_FILENAME = 200


@dataclass
class StoredFile:
    """A file now on disk under a random name."""

    stored_name: str
    mime_type: str
    size: int
    sha256: str


def clean_filename(name: str | None) -> str:
    """An uploaded file's name as it may be stored and shown: its last path part, without
    control, format (e.g. right-to-left overrides) or line-separator characters, without
    leading dots, at most MAX_FILENAME characters. Letters of every script are kept
    (Werkzeug's `secure_filename` keeps ASCII only and would empty a Chinese name)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch
        for ch in name
        if unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in ("Zl", "Zp")
    )
    name = name.strip().lstrip(".").strip()
    return name[:MAX_FILENAME] or "upload"


def sniff(data: bytes) -> str | None:
    """The MIME type from the file's content (magic numbers), or None if not allowed."""
    kind = filetype.guess(data[:8192])
    if kind is None:
        return None
    return kind.mime if kind.mime in ALLOWED else None


@dataclass(frozen=True)
class CheckedContent:
    """What the upload checks learned of a file: its real type and, for a PDF, how many
    objects its pages draw (0 for a picture), which decides its job lane (`file_lanes`)."""

    mime_type: str
    drawn_objects: int = 0


def check_content(data: bytes, filename: str) -> str:
    """Refuse empty, oversize, disguised, corrupt or bomb files; return the real MIME type."""
    return inspect_content(data, filename).mime_type


def inspect_content(data: bytes, filename: str) -> CheckedContent:
    """`check_content`, also returning how much drawing the file asks for."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if not data:
        raise DomainError("empty_file", _l("The file %(name)s is empty.", name=filename))
    if len(data) > limit:
        raise DomainError(
            "too_large",
            _l(
                "The file %(name)s is larger than %(mb)d MB. "
                "Scan at a lower resolution or compress it.",
                name=filename,
                mb=limit // (1024 * 1024),
            ),
        )
    mime = sniff(data)
    if mime is None:
        raise DomainError(
            "bad_type",
            _l(
                "%(name)s is not a JPEG, PNG, WebP, TIFF, HEIC or PDF "
                "file (checked by its content, not its name).",
                name=filename,
            ),
        )
    if mime.startswith("image/"):
        _check_image(data, filename)
    elif not data[:1024].lstrip().startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise DomainError(
            "corrupt",
            _l("%(name)s is damaged or incomplete. Save it again and re-upload.", name=filename),
        )
    if mime == "application/pdf":
        return CheckedContent(mime, _check_pdf_pages(data, filename))
    return CheckedContent(mime)


def _check_image(data: bytes, filename: str) -> None:
    import io

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                img.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(
            "too_many_pixels",
            _l(
                "%(name)s has too many pixels. Use a picture under %(mp)d megapixels.",
                name=filename,
                mp=MAX_PIXELS // 1_000_000,
            ),
        ) from None
    except Exception:  # noqa: BLE001 — PIL raises many types for broken files
        raise DomainError(
            "corrupt",
            _l(
                "%(name)s is damaged or incomplete. Take the picture again and re-upload.",
                name=filename,
            ),
        ) from None


def _check_pdf_pages(data: bytes, filename: str) -> int:
    """Refuse a PDF of more than MAX_PDF_PAGES pages; return how many objects the pages a
    review reads draw. Counted in a bounded worker process (opening a hostile PDF is itself
    work); a PDF that cannot be opened there in time is refused as too complex, one that is
    merely damaged is left to the review to report."""
    from app.services import file_workers
    from ml.bounded import BoundedTaskFailed
    from ml.ocr import UnreadableDocument
    from ml.ocr.loading import MAX_PDF_PAGES as READ_PAGES
    from ml.ocr.loading import inspect_pdf

    limit = current_app.config["MAX_PDF_PAGES"]
    try:
        pages, objects = file_workers.inspect_upload(inspect_pdf, data, max_pages=READ_PAGES)
    except UnreadableDocument:
        return 0
    except BoundedTaskFailed:
        raise DomainError(
            "too_complex",
            _l(
                "%(name)s is too complex to be checked. Export the PDF again, "
                "or scan the pages as pictures.",
                name=filename,
            ),
        ) from None
    if pages > limit:
        raise DomainError(
            "too_many_pages",
            _l(
                "%(name)s has %(pages)d pages; at most %(limit)d are accepted. "
                "Scan only the pages asked for.",
                name=filename,
                pages=pages,
                limit=limit,
            ),
        )
    return objects


def store(data: bytes, mime: str) -> StoredFile:
    """Write `data` under a random name in UPLOAD_DIR (atomic rename)."""
    name = secrets.token_hex(16) + ALLOWED[mime]
    path = path_for(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return StoredFile(name, mime, len(data), hashlib.sha256(data).hexdigest())


def path_for(stored_name: str) -> Path:
    """Where a stored file lives. Names are ours (hex), never taken from a request."""
    if not stored_name or "/" in stored_name or ".." in stored_name:
        raise ValueError("bad stored name")
    return Path(current_app.config["UPLOAD_DIR"]) / stored_name[:2] / stored_name


PREVIEW_PAGES = 5  # a PDF's first pages that get a preview (evidence boxes on each)


def preview_path_for(stored_name: str, page: int = 0) -> Path:
    """Where the JPEG preview of a stored file's page (0: the first) is kept (see
    services.previews)."""
    path_for(stored_name)  # checks the name
    suffix = "" if page == 0 else f".p{int(page) + 1}"
    return Path(current_app.config["UPLOAD_DIR"]) / "previews" / f"{stored_name}{suffix}.jpg"


def later_preview_paths(stored_name: str) -> list[str]:
    """Where a PDF's pages 2 … PREVIEW_PAGES get their previews."""
    return [str(preview_path_for(stored_name, p)) for p in range(1, PREVIEW_PAGES)]


def remove(stored_name: str) -> None:
    """Delete a stored file and its previews if they exist."""
    pages = [preview_path_for(stored_name, p) for p in range(PREVIEW_PAGES)]
    for path in (path_for(stored_name), *pages):
        path.unlink(missing_ok=True)
