"""Result types of the OCR step: words with boxes, pages, the whole result, errors."""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field


class UnreadableDocument(Exception):
    """The input cannot be OCR'd: corrupt, empty, encrypted, too large or a bomb.

    ``reason`` is a short machine-friendly code (``empty``, ``corrupt``, ``encrypted``,
    ``too_large``, ``bomb``, ``unsupported``, ``too_many_pages``) and ``detail`` a sentence.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    def __reduce__(self):  # keeps reason and detail across processes (ml.bounded)
        return (type(self), (self.reason, self.detail))


class EngineUnavailable(RuntimeError):
    """The requested OCR engine is registered but cannot run here (missing package)."""


@dataclass
class Word:
    """One recognised word: text, confidence 0-100, box (x, y, w, h) in page pixels,
    and the index of its line on the page (lines numbered top to bottom from 0)."""

    text: str
    conf: float
    box: tuple[int, int, int, int]
    line: int


@dataclass
class OcrPage:
    """One page: its pixel size (the frame the word boxes refer to) and its words."""

    width: int
    height: int
    words: list[Word] = field(default_factory=list)
    rotation: int = 0
    source: str = "ocr"  # "ocr" or "pdf_text" (text layer of a PDF)

    def lines(self) -> list[list[Word]]:
        """Words grouped by line index, in line order."""
        grouped: dict[int, list[Word]] = {}
        for word in self.words:
            grouped.setdefault(word.line, []).append(word)
        return [sorted(grouped[key], key=lambda w: w.box[0]) for key in sorted(grouped)]


@dataclass
class OcrResult:
    """Text and word boxes of a whole document, with timing and provenance."""

    text: str
    pages: list[OcrPage]
    seconds: float
    engine: str
    lang: str
    cached: bool = False
    warnings: list[str] = field(default_factory=list)
    # Upright first page as a small PNG (<= 256 px), for the classifier's layout features
    # without decoding the upload a second time. None for PDF text-layer pages.
    preview_png: bytes | None = field(default=None, repr=False)

    @property
    def mean_conf(self) -> float:
        """Mean word confidence over all pages (0 when there are no words)."""
        confs = [w.conf for p in self.pages for w in p.words if w.conf >= 0]
        return sum(confs) / len(confs) if confs else 0.0

    def to_dict(self) -> dict:
        """JSON-friendly dict (boxes become lists, the preview base64); inverse of
        :meth:`from_dict`."""
        data = asdict(self)
        if self.preview_png is not None:
            data["preview_png"] = base64.b64encode(self.preview_png).decode("ascii")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> OcrResult:
        """Rebuild a result from :meth:`to_dict` output."""
        pages = [
            OcrPage(
                width=p["width"],
                height=p["height"],
                words=[
                    Word(w["text"], float(w["conf"]), tuple(w["box"]), int(w["line"]))
                    for w in p["words"]
                ],
                rotation=p.get("rotation", 0),
                source=p.get("source", "ocr"),
            )
            for p in data["pages"]
        ]
        return cls(
            text=data["text"],
            pages=pages,
            seconds=float(data["seconds"]),
            engine=data["engine"],
            lang=data["lang"],
            cached=bool(data.get("cached", False)),
            warnings=list(data.get("warnings", [])),
            preview_png=base64.b64decode(data["preview_png"]) if data.get("preview_png") else None,
        )

    def preview_image(self):
        """The first-page preview as a PIL image, or None."""
        if not self.preview_png:
            return None
        import io

        from PIL import Image

        return Image.open(io.BytesIO(self.preview_png))


def page_text(page: OcrPage) -> str:
    """Plain text of a page: words joined per line (no space between CJK characters)."""
    return "\n".join(join_words([w.text for w in line]) for line in page.lines())


def _is_cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def join_words(texts: list[str]) -> str:
    """Join word texts with a space, except between two CJK characters."""
    out = ""
    for text in texts:
        if not text:
            continue
        if out and not (_is_cjk(out[-1]) and _is_cjk(text[0])):
            out += " "
        out += text
    return out
