"""Drawing helpers shared by the synthetic document layouts.

:class:`Page` wraps a PIL image with a chosen font and offers the few primitives that
government documents need: text, label/value pairs, wrapped paragraphs, table grids,
red round stamps and a portrait photo box.
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw, ImageFilter

from ml.synthetic.fonts import MONO_FONTS, load_font

INK = (25, 25, 30)
RED = (205, 30, 35)


class Page:
    """A blank page plus a main font; every coordinate is in pixels."""

    def __init__(
        self,
        width: int,
        height: int,
        rng: random.Random,
        fonts: list[str],
        background: tuple[int, int, int] = (255, 255, 255),
    ) -> None:
        self.rng = rng
        self.image = Image.new("RGB", (width, height), background)
        self.draw = ImageDraw.Draw(self.image)
        self.font_path = rng.choice(fonts)
        self.title_font_path = rng.choice(fonts)
        self.width, self.height = width, height

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: int,
        *,
        fill=INK,
        font: str | None = None,
        anchor: str = "la",
    ) -> int:
        """Draw *s* at (x, y); return its width in pixels."""
        face = load_font(font or self.font_path, size)
        self.draw.text((x, y), s, font=face, fill=fill, anchor=anchor)
        return int(self.draw.textlength(s, font=face))

    def title(self, y: float, s: str, size: int, *, spaced: bool = False, fill=INK) -> None:
        """Draw a centred title (optionally with spaces between the characters)."""
        if spaced:
            s = " ".join(s)
        self.text(self.width / 2, y, s, size, fill=fill, font=self.title_font_path, anchor="ma")

    def mono(self, x: float, y: float, s: str, size: int, fill=INK) -> None:
        """Draw *s* in a monospaced Latin font (MRZ lines, codes)."""
        self.draw.text((x, y), s, font=load_font(MONO_FONTS[0], size), fill=fill)

    def label_value(
        self,
        x: float,
        y: float,
        label: str,
        value: str,
        size: int,
        *,
        gap: int | None = None,
        label_fill=INK,
        value_fill=INK,
    ) -> None:
        """Draw "label value" with the value starting *gap* pixels after the label start."""
        width = self.text(x, y, label, size, fill=label_fill)
        self.text(
            x + (gap if gap is not None else width + size // 2), y, value, size, fill=value_fill
        )

    def paragraph(
        self,
        x: float,
        y: float,
        width: float,
        s: str,
        size: int,
        *,
        spacing: float = 1.7,
        indent: bool = True,
    ) -> float:
        """Draw *s* wrapped to *width*; return the y below the last line."""
        face = load_font(self.font_path, size)
        line = "\u3000\u3000" if indent else ""
        for ch in s:
            if self.draw.textlength(line + ch, font=face) > width:
                self.draw.text((x, y), line, font=face, fill=INK)
                y += size * spacing
                line = ""
            line += ch
        if line:
            self.draw.text((x, y), line, font=face, fill=INK)
            y += size * spacing
        return y

    def grid(
        self,
        x: float,
        y: float,
        col_widths: list[float],
        row_height: float,
        rows: int,
        width: int = 2,
    ) -> None:
        """Draw a table grid and leave cell content to the caller."""
        total = sum(col_widths)
        for r in range(rows + 1):
            self.draw.line(
                [(x, y + r * row_height), (x + total, y + r * row_height)], fill=INK, width=width
            )
        cx = x
        for w in [0, *col_widths]:
            cx += w
            self.draw.line([(cx, y), (cx, y + rows * row_height)], fill=INK, width=width)

    def stamp(
        self, cx: float, cy: float, radius: float, ring_text: str, centre_text: str = ""
    ) -> None:
        """Draw a red round seal with text along the ring and a star in the middle."""
        layer = Image.new("RGBA", self.image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        alpha = self.rng.randint(150, 230)
        colour = (*RED, alpha)
        draw.ellipse(
            [cx - radius, cy - radius, cx + radius, cy + radius],
            outline=colour,
            width=max(3, int(radius / 18)),
        )
        star = [
            (
                cx
                + radius * 0.28 * math.cos(math.radians(-90 + i * 36)) * (1 if i % 2 == 0 else 0.4),
                cy
                + radius * 0.28 * math.sin(math.radians(-90 + i * 36)) * (1 if i % 2 == 0 else 0.4),
            )
            for i in range(10)
        ]
        draw.polygon(star, fill=colour)
        size = max(10, int(radius * 0.26))
        face = load_font(self.font_path, size)
        n = max(1, len(ring_text))
        span = min(250.0, 22.0 * n)
        for i, ch in enumerate(ring_text):
            angle = -90 - span / 2 + span * (i + 0.5) / n
            px = cx + (radius - size * 0.9) * math.cos(math.radians(angle))
            py = cy + (radius - size * 0.9) * math.sin(math.radians(angle))
            glyph = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((size, size), ch, font=face, fill=colour, anchor="mm")
            glyph = glyph.rotate(-(angle + 90), resample=Image.BICUBIC)
            layer.alpha_composite(glyph, (int(px - size), int(py - size)))
        if centre_text:
            draw.text(
                (cx, cy + radius * 0.5),
                centre_text,
                font=load_font(self.font_path, int(size * 0.8)),
                fill=colour,
                anchor="mm",
            )
        self.image.paste(Image.alpha_composite(self.image.convert("RGBA"), layer).convert("RGB"))
        self.draw = ImageDraw.Draw(self.image)

    def photo_box(self, x: float, y: float, w: float, h: float) -> None:
        """Draw a portrait placeholder: light background, head and shoulders silhouette."""
        rng = self.rng
        bg = tuple(rng.randint(200, 250) for _ in range(3))
        self.draw.rectangle([x, y, x + w, y + h], fill=bg)
        skin = (rng.randint(170, 230), rng.randint(130, 190), rng.randint(100, 160))
        self.draw.ellipse([x + w * 0.3, y + h * 0.15, x + w * 0.7, y + h * 0.58], fill=skin)
        self.draw.ellipse(
            [x + w * 0.28, y + h * 0.1, x + w * 0.72, y + h * 0.32], fill=(30, 25, 25)
        )
        self.draw.pieslice(
            [x + w * 0.05, y + h * 0.62, x + w * 0.95, y + h * 1.4],
            180,
            360,
            fill=tuple(rng.randint(20, 90) for _ in range(3)),
        )

    def pattern_background(self, strength: int = 12) -> None:
        """Tint the page with a faint guilloche-like wave pattern (security print)."""
        rng = self.rng
        tint = tuple(rng.randint(215, 245) for _ in range(3))
        for k in range(0, self.height, 9):
            phase = rng.random() * 6.28
            pts = [
                (x, k + strength * math.sin(x / 37.0 + phase))
                for x in range(0, self.width + 10, 10)
            ]
            self.draw.line(pts, fill=tint, width=1)

    def soften(self) -> None:
        """Apply a tiny blur so rendered glyph edges look printed rather than vector-sharp."""
        self.image = self.image.filter(ImageFilter.GaussianBlur(0.4))
        self.draw = ImageDraw.Draw(self.image)
