"""On-disk cache of OCR results keyed by content hash.

The directory comes from ``ML_CACHE_DIR`` (default ``~/.cache/onewindow-ml``); set it to
``off`` (or an empty string) to disable caching. Entries are JSON files written to a
temporary name and moved into place with :func:`os.replace`, so concurrent threads and
processes never see half-written entries; a corrupt entry is treated as a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from .types import OcrResult

_DISABLED = {"", "off", "0", "none", "false"}


def cache_dir() -> Path | None:
    """The cache directory, or None when caching is switched off."""
    value = os.environ.get("ML_CACHE_DIR")
    if value is None:
        return Path.home() / ".cache" / "onewindow-ml"
    if value.strip().lower() in _DISABLED:
        return None
    return Path(value).expanduser()


def make_key(content_hash: str, **options: object) -> str:
    """Cache key from the content hash and every option that changes the result."""
    blob = json.dumps(options, sort_keys=True, default=str)
    return hashlib.sha256(f"{content_hash}|{blob}".encode()).hexdigest()


def _entry_path(directory: Path, key: str) -> Path:
    return directory / "ocr" / key[:2] / f"{key}.json"


def load(key: str) -> OcrResult | None:
    """Cached result for *key* (with ``cached=True``), or None on a miss."""
    directory = cache_dir()
    if directory is None:
        return None
    path = _entry_path(directory, key)
    try:
        result = OcrResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    result.cached = True
    return result


def store(key: str, result: OcrResult) -> None:
    """Write *result* under *key* atomically; I/O errors are ignored (cache is optional)."""
    directory = cache_dir()
    if directory is None:
        return
    path = _entry_path(directory, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(result.to_dict(), out, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        return
