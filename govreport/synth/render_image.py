"""Page images of the same layout as the born-digital PDF, with the agency's red round seal.

>>> from govreport.synth.truth import random_truth
>>> from govreport.synth.printed import printed_document
>>> from govreport.synth.render_pdf import layout_document
>>> page = layout_document(printed_document(random_truth("gov2021", seed=3)))[0]
>>> render_page(page, dpi=100).size
(827, 1169)
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from govreport.synth.fonts import pil_font
from govreport.synth.render_pdf import PageLayout
from govreport.synth.seal import seal_image, stamp
from govreport.types import BBox


def page_size_px(page: PageLayout, dpi: int) -> tuple[int, int]:
    s = dpi / 72.0
    return round(page.width * s), round(page.height * s)


def scale_bbox(bbox: BBox, dpi: int) -> BBox:
    """Points (top-left origin) to pixels at ``dpi``."""
    s = dpi / 72.0
    return (bbox[0] * s, bbox[1] * s, bbox[2] * s, bbox[3] * s)


def render_page(page: PageLayout, dpi: int = 200, seal_agency: str | None = None) -> Image.Image:
    """Draw one page (white RGB) at ``dpi``; stamp the seal where the layout says if asked."""
    s = dpi / 72.0
    img = Image.new("RGB", page_size_px(page, dpi), "white")
    draw = ImageDraw.Draw(img)
    for r in page.rules:
        w = max(1, round(r.width * s))
        draw.line([(r.x0 * s, r.y0 * s), (r.x1 * s, r.y1 * s)], fill=(0, 0, 0), width=w)
    for t in page.texts:
        draw.text((t.x * s, t.baseline * s), t.text, font=pil_font(round(t.size * s)), fill=(0, 0, 0),
                  anchor="ls")
    if seal_agency and page.seal_center is not None:
        cx, cy = page.seal_center
        diam = round(120 * s)
        stamp(img, seal_image(seal_agency, px=diam), (cx * s, cy * s))
    return img
