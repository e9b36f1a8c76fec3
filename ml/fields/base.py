"""Building blocks for field extractors: OCR lines with character-level boxes, label
search, and the field record format ``{value, text, page, box}``.

Extractors work on :class:`Line` objects: the words of one OCR line joined into a string
(width-folded character by character so offsets stay aligned), with a map from character
offsets back to word boxes so that a regex match yields the evidence box to highlight.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ml.ocr.types import OcrResult, _is_cjk

Box = tuple[int, int, int, int]
FieldRecord = dict  # {"value": str, "text": str, "page": int, "box": [x, y, w, h] | None}
Extractor = Callable[["Document"], dict[str, FieldRecord]]  # what a DocType's extractor names


def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    folded = {
        "：": ":",
        "（": "(",
        "）": ")",
        "，": ",",
        "；": ";",
        "〈": "(",
        "〉": ")",
        "《": "<",
        "》": ">",
        "—": "-",
        "～": "~",
        "“": "",
        "”": "",
        "‘": "",
        "’": "",
    }.get(folded, folded)
    return folded if len(folded) == 1 else char if folded else " "


@dataclass
class Line:
    """One text line: folded text plus (start, end, box) spans of its words."""

    page: int
    index: int
    text: str
    spans: list[tuple[int, int, Box | None]] = field(default_factory=list)

    def box_of(self, start: int, end: int) -> Box | None:
        """Union of the boxes of the words overlapping characters [start, end)."""
        boxes = [b for s, e, b in self.spans if b is not None and s < end and e > start]
        if not boxes:
            return None
        left = min(b[0] for b in boxes)
        top = min(b[1] for b in boxes)
        right = max(b[0] + b[2] for b in boxes)
        bottom = max(b[1] + b[3] for b in boxes)
        return (left, top, right - left, bottom - top)


class Document:
    """The OCR result seen as lines, with search helpers used by the extractors."""

    def __init__(self, ocr: OcrResult | str) -> None:
        self.lines: list[Line] = list(_build_lines(ocr))
        self.text = "\n".join(line.text for line in self.lines)

    def search(
        self, pattern: str | re.Pattern, *, flags: int = 0
    ) -> Iterator[tuple[Line, re.Match]]:
        """Yield (line, match) for every line matching *pattern*, in reading order."""
        regex = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        for line in self.lines:
            for match in regex.finditer(line.text):
                yield line, match

    def first(
        self,
        pattern: str | re.Pattern,
        *,
        group: int | str = 0,
        check: Callable[[str], bool] | None = None,
        clean: Callable[[str], str | None] | None = None,
    ) -> FieldRecord | None:
        """First match of *pattern* (optionally only where ``check(value)`` holds) as a
        field record; *clean* converts the matched text into the value."""
        for line, match in self.search(pattern):
            raw = match.group(group)
            if raw is None:
                continue
            value = clean(raw) if clean else raw.strip()
            if not value or (check and not check(value)):
                continue
            return record(value, line, match.start(group), match.end(group))
        return None

    def after_label(
        self,
        labels: Iterable[str],
        value_pattern: str,
        *,
        clean: Callable[[str], str | None] | None = None,
        check: Callable[[str], bool] | None = None,
        next_lines: int = 1,
    ) -> FieldRecord | None:
        """Value matching *value_pattern* right after one of *labels* on the same line,
        or at the start of one of the next *next_lines* lines."""
        label_re = "|".join(_spaced(label) for label in labels)
        sep = r"[\s:;,.|\"'“”_\-、=]*"  # "=": a colon read as two strokes
        same = re.compile(rf"(?:{label_re}){sep}(?P<v>{value_pattern})")
        alone = re.compile(rf"^\s*(?P<v>{value_pattern})")
        for number, line in enumerate(self.lines):
            match = same.search(line.text)
            candidates = [(line, match)] if match else []
            if not match and re.search(rf"(?:{label_re}){sep}$", line.text):
                for nxt in self.lines[number + 1 : number + 1 + next_lines]:
                    candidates.append((nxt, alone.search(nxt.text)))
            for cand_line, cand in candidates:
                if not cand:
                    continue
                raw = cand.group("v")
                value = clean(raw) if clean else raw.strip()
                if value and (check is None or check(value)):
                    return record(value, cand_line, cand.start("v"), cand.end("v"))
        return None

    def beside(
        self,
        labels: Iterable[str],
        value_pattern: str,
        *,
        side: str = "right",
        clean: Callable[[str], str | None] | None = None,
        check: Callable[[str], bool] | None = None,
    ) -> FieldRecord | None:
        """Value printed in the same row as a label, found by word boxes: for forms
        and two-column layouts that OCR reads column by column, so that the label
        (姓名) and its value (谢嘉) land on different text lines. *side* "right" takes
        the nearest word right of the label, "left" the nearest word left of it; the
        value must match *value_pattern* at the start of that word's text."""
        label_re = re.compile("|".join(_spaced(label) for label in labels))
        value_re = re.compile(rf"\s*(?P<v>{value_pattern})")
        for line in self.lines:
            for match in label_re.finditer(line.text):
                lbox = line.box_of(match.start(), match.end())
                if lbox is None:
                    continue
                top, bottom = lbox[1], lbox[1] + lbox[3]
                nearest = []
                for other in self.lines:
                    if other.page != line.page:
                        continue
                    for start, end, box in other.spans:
                        if box is None or other is line and match.start() <= start < match.end():
                            continue
                        middle = box[1] + box[3] / 2
                        if not top <= middle <= bottom:
                            continue
                        gap = (
                            box[0] - (lbox[0] + lbox[2])
                            if side == "right"
                            else lbox[0] - (box[0] + box[2])
                        )
                        if gap >= -2:
                            nearest.append((gap, other, start, end))
                if not nearest:
                    continue
                _gap, other, start, _end = min(nearest, key=lambda item: item[0])
                if side == "left":  # a value left of the label starts at its first word
                    start = min(s for _g, o, s, _e in nearest if o is other)
                found = value_re.match(other.text, start)
                if not found:
                    continue
                raw = found.group("v")
                value = clean(raw) if clean else raw.strip()
                if value and (check is None or check(value)):
                    return record(value, other, found.start("v"), found.end("v"))
        return None


def _spaced(label: str) -> str:
    """Regex for a label whose characters may be separated by OCR spaces or by the specks
    OCR reads between widely spaced glyphs (姓 - 名 on an ID card photo)."""
    return r"[\s\-_=~]*".join(re.escape(char) for char in label if not char.isspace())


def record(value: str, line: Line, start: int, end: int) -> FieldRecord:
    """A field record for characters [start, end) of *line*."""
    box = line.box_of(start, end)
    return {
        "value": value,
        "text": line.text[start:end].strip(),
        "page": line.page,
        "box": list(box) if box else None,
    }


def _build_lines(ocr: OcrResult | str) -> Iterator[Line]:
    if isinstance(ocr, str) or not any(page.words for page in ocr.pages):
        text = ocr if isinstance(ocr, str) else ocr.text
        for index, raw in enumerate(text.splitlines()):
            folded = "".join(_fold_char(c) for c in raw)
            if folded.strip():
                yield Line(0, index, folded, [(0, len(folded), None)])
        return
    for page_number, page in enumerate(ocr.pages):
        for index, words in enumerate(page.lines()):
            text, spans = "", []
            for word in words:
                piece = "".join(_fold_char(c) for c in word.text)
                if not piece.strip():
                    continue
                if text and not (_is_cjk(text[-1]) and _is_cjk(piece[0])):
                    text += " "
                spans.append((len(text), len(text) + len(piece), tuple(word.box)))
                text += piece
            if text.strip():
                yield Line(page_number, index, text, spans)


CJK_NAME = r"[\u4e00-\u9fff]{2,4}"
ORG_NAME = (
    r"[\u4e00-\u9fff()A-Za-z0-9]{2,30}?(?:有限责任公司|股份有限公司|有限公司|集团公司|公司"
    r"|研究院|研究所|医院|中心|事务所|银行|大学|学院|学校|委员会|局|厂|店)"
)
