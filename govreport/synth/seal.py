"""The issuing agency's red round seal, and pressing it onto a page image like ink."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

from govreport.synth.fonts import pil_font

SEAL_RED = (214, 32, 38)


def seal_image(agency: str, px: int = 400, angle: float = 0.0) -> Image.Image:
    """A round official seal (RGBA, red ink): ring, agency name on the upper arc, star."""
    ss = 2  # draw at twice the size, then downsample for smooth edges
    n = px * ss
    img = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    ink = (*SEAL_RED, 235)
    ring = max(2, n // 32)
    draw.ellipse([ring // 2, ring // 2, n - ring // 2 - 1, n - ring // 2 - 1], outline=ink, width=ring)
    c = n / 2
    # five-pointed star
    r_out, r_in = n * 0.17, n * 0.17 * 0.382
    pts = []
    for k in range(10):
        rr = r_out if k % 2 == 0 else r_in
        a = math.pi / 2 + k * math.pi / 5
        pts.append((c + rr * math.cos(a), c - rr * math.sin(a)))
    draw.polygon(pts, fill=ink)
    # agency name along the upper arc, each character's top facing outwards
    chars = list(agency)
    size = max(8, round(n * 0.13 if len(chars) <= 10 else n * 0.11))
    f = pil_font(size)
    radius = c - ring - size * 0.75
    span = min(250.0, 20.0 * len(chars) + 40)
    start = 90 + span / 2
    step = span / max(1, len(chars) - 1)
    for i, ch in enumerate(chars):
        phi = start - i * step
        tile = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((size, size), ch, font=f, fill=ink, anchor="mm")
        tile = tile.rotate(phi - 90, resample=Image.Resampling.BICUBIC)
        x = c + radius * math.cos(math.radians(phi))
        y = c - radius * math.sin(math.radians(phi))
        img.alpha_composite(tile, (round(x - size), round(y - size)))
    label = "公章" if len(agency) < 12 else "专用章"
    draw.text((c, c + n * 0.3), label, font=pil_font(round(size * 0.9)), fill=ink, anchor="mm")
    if angle:
        img = img.rotate(angle, resample=Image.Resampling.BICUBIC)
    return img.resize((px, px), Image.Resampling.LANCZOS)


def stamp(page: Image.Image, seal: Image.Image, center: tuple[float, float]) -> None:
    """Press ``seal`` onto ``page`` (in place) like ink: multiply, so black print stays legible."""
    import numpy as np

    w, h = seal.size
    x0, y0 = round(center[0] - w / 2), round(center[1] - h / 2)
    box = (max(0, x0), max(0, y0), min(page.width, x0 + w), min(page.height, y0 + h))
    if box[2] <= box[0] or box[3] <= box[1]:
        return
    region = np.asarray(page.crop(box), dtype=np.float32)
    s = np.asarray(seal.crop((box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)), dtype=np.float32)
    alpha = s[..., 3:4] / 255.0
    ink = s[..., :3] / 255.0
    out = region * (1 - alpha + alpha * ink)
    page.paste(Image.fromarray(out.clip(0, 255).astype(np.uint8)), box[:2])
