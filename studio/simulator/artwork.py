"""Cover art for the simulator: a gradient with soft glowing shapes, a few waves and a caption.

Seeded by the prompt, so the same prompt always gives the same picture.
"""

from __future__ import annotations

import colorsys
import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from studio.simulator.seeds import seed_from


def render_image(prompt: str, width: int = 1024, height: int = 1024, fmt: str = "JPEG") -> bytes:
    """Cover art seeded by the prompt: a gradient with soft glowing shapes and a few waves."""
    fmt = {"JPG": "JPEG"}.get(fmt.upper(), fmt.upper())
    if fmt not in ("JPEG", "PNG") or width < 1 or height < 1:
        raise ValueError(f"cannot render a {width}x{height} {fmt} image")
    rng = np.random.default_rng(seed_from(prompt))
    # Drawn small and scaled up: the shapes are soft anyway, and it keeps this fast.
    scale = min(1.0, 320 / max(width, height))
    w, h = max(8, round(width * scale)), max(8, round(height * scale))
    hue = rng.random()
    # Each layer draws from rng in turn: keep this order, or every picture changes.
    image = _gradient(rng, hue, w, h)
    image.alpha_composite(_glow(rng, hue, w, h))
    image.alpha_composite(_waves(rng, w, h))
    image = image.convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
    _caption(image, prompt)
    buf = io.BytesIO()
    if fmt == "JPEG":
        image.save(buf, "JPEG", quality=88)
    else:
        image.save(buf, "PNG", compress_level=3)
    return buf.getvalue()


def _rgb(hue: float, sat: float, val: float) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(hue % 1.0, sat, val)) * 255


def _gradient(rng: np.random.Generator, hue: float, w: int, h: int) -> Image.Image:
    """A dark-to-light ramp of two neighbouring hues at a random angle."""
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w]
    ramp = xx / w * np.cos(angle) + yy / h * np.sin(angle)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-9)
    dark, light = _rgb(hue, 0.6, 0.22), _rgb(hue + rng.uniform(0.08, 0.25), 0.55, 0.85)
    base = dark + ramp[..., None] * (light - dark)
    return Image.fromarray(base.astype(np.uint8), "RGB").convert("RGBA")


def _glow(rng: np.random.Generator, hue: float, w: int, h: int) -> Image.Image:
    """A few blurred translucent discs in colours near the hue."""
    glow = Image.new("RGBA", (w, h))
    draw = ImageDraw.Draw(glow)
    for _ in range(int(rng.integers(4, 9))):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.06, 0.28) * min(w, h)
        colour = _rgb(hue + rng.normal(0, 0.15), 0.45, 0.95).astype(int)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*colour, int(rng.integers(50, 150))))
    return glow.filter(ImageFilter.GaussianBlur(min(w, h) / 40))


def _waves(rng: np.random.Generator, w: int, h: int) -> Image.Image:
    """Two to four faint white sine lines across the picture."""
    waves = Image.new("RGBA", (w, h))
    draw = ImageDraw.Draw(waves)
    xs = np.linspace(0, w, 64)
    for _ in range(int(rng.integers(2, 5))):
        y0, amp, cycles = rng.uniform(0.3, 0.8) * h, rng.uniform(0.02, 0.08) * h, rng.uniform(1, 3)
        ys = y0 + amp * np.sin(2 * np.pi * cycles * xs / w + rng.uniform(0, 2 * np.pi))
        points = list(zip(xs.tolist(), ys.tolist(), strict=True))
        draw.line(
            points, fill=(255, 255, 255, 90), width=max(2, round(min(w, h) / 100)), joint="curve"
        )
    return waves.filter(ImageFilter.GaussianBlur(1.0))


def _caption(image: Image.Image, prompt: str) -> None:
    """The prompt's first words in the bottom-left corner, with a drop shadow."""
    words = " ".join(prompt.split()[:4])[:40]
    if not words:
        return
    width, height = image.size
    size = max(10, min(width, height) // 40)
    font = ImageFont.load_default(size=size)
    draw = ImageDraw.Draw(image)
    at = (size, height - 2 * size)
    draw.text((at[0] + 1, at[1] + 1), words, font=font, fill=(0, 0, 0))
    draw.text(at, words, font=font, fill=(240, 240, 240))
