"""Drawing the tray icon with Pillow: the bell artwork and the count badge.

This module is the source of the artwork; ``assets/`` holds the files it
renders (``python assets/build_icons.py``).
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from ..core.badge import Look, badge_text

SUPERSAMPLE = 4

BLUE = (37, 99, 235, 255)
GREY = (148, 155, 166, 255)
RED = (220, 38, 38, 255)
SLATE = (75, 85, 99, 255)
WHITE = (255, 255, 255, 255)
OUTLINE = (255, 255, 255, 255)


def _bell(draw: ImageDraw.ImageDraw, s: float, color: tuple[int, int, int, int]) -> None:
    """A bell filling a square of side ``s``: knob, dome, flared body, rim, clapper."""
    draw.ellipse((0.44 * s, 0.06 * s, 0.56 * s, 0.18 * s), fill=color)
    draw.ellipse((0.22 * s, 0.14 * s, 0.78 * s, 0.62 * s), fill=color)
    draw.polygon(
        [(0.22 * s, 0.38 * s), (0.78 * s, 0.38 * s), (0.86 * s, 0.74 * s), (0.14 * s, 0.74 * s)],
        fill=color,
    )
    draw.rounded_rectangle((0.08 * s, 0.70 * s, 0.92 * s, 0.80 * s), radius=0.05 * s, fill=color)
    draw.ellipse((0.40 * s, 0.78 * s, 0.60 * s, 0.96 * s), fill=color)


@lru_cache(maxsize=32)
def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=px)


def _badge(draw: ImageDraw.ImageDraw, s: float, text: str, fill: tuple[int, int, int, int]) -> None:
    """A pill in the top-right corner with ``text`` in white, sized to stay legible."""
    h = 0.62 * s
    font = _font(max(1, round(h * 0.82)))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font, stroke_width=0)
    tw, th = right - left, bottom - top
    w = min(s, max(h, tw + 0.28 * h))
    x1, y0 = s, 0.0
    x0, y1 = s - w, h
    ring = max(1.0, 0.05 * s)
    draw.rounded_rectangle((x0 - ring, y0, x1, y1 + ring), radius=(h + ring) / 2, fill=OUTLINE)
    draw.rounded_rectangle((x0, y0, x1, y1), radius=h / 2, fill=fill)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    draw.text(
        (cx - tw / 2 - left, cy - th / 2 - top),
        text,
        font=font,
        fill=WHITE,
        stroke_width=max(1, round(s * 0.012)),
        stroke_fill=WHITE,
    )


def render_icon(look: Look, count: int, size: int = 64) -> Image.Image:
    """The tray icon for ``look`` and ``count`` as an RGBA square of ``size`` pixels."""
    s = size * SUPERSAMPLE
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    text = badge_text(count)
    if look is Look.SIGNED_OUT:
        _bell(draw, s, GREY)
        w = 0.10 * s
        draw.line((0.08 * s, 0.08 * s, 0.92 * s, 0.92 * s), fill=OUTLINE, width=round(w * 1.8))
        draw.line((0.08 * s, 0.08 * s, 0.92 * s, 0.92 * s), fill=RED, width=round(w))
    elif look is Look.OFFLINE:
        _bell(draw, s, GREY)
        if text:
            _badge(draw, s, text, SLATE)
    else:
        _bell(draw, s, BLUE)
        if look is Look.UNREAD and text:
            _badge(draw, s, text, RED)
    return image.resize((size, size), Image.Resampling.LANCZOS)
