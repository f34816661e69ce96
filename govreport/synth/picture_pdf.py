"""Born-digital PDFs as office software makes them from pictures, with known truth.

- :func:`write_picture_pdf`: the report's prose as a real text layer and its tables pasted as
  pictures, the way a clerk pastes a screenshot into Word and exports a PDF: a screenshot at 1×
  (96 dpi, PNG), at 2× (192 dpi, PNG, placed at half size), a JPEG of it (quality 55-70), or a
  scanned table (200 dpi, gray, noise, JPEG) pasted in two parts cut between rows.
- :func:`write_layer_pdf`: a scanned page image under an invisible text layer (render mode 3), as
  a scanner's "searchable PDF" does, where the layer is the print's words with some digits changed
  (``wrong=True``) or exactly the print's (``wrong=False``).

Both draw with reportlab (the images through Pillow's encoders), from the same page layout as
every other generator, so each value cell's truth is the printed one.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

from govreport.synth.degrade import truth_json
from govreport.synth.office import printed_report
from govreport.synth.render_image import render_page
from govreport.synth.render_pdf import PageLayout, Text

PICTURE_FORMS = ("screenshot1x", "screenshot2x", "jpeg", "scan_parts")


def _inside(t: Text, box: tuple[float, float, float, float]) -> bool:
    y = t.baseline - t.size / 3
    return box[0] - 2 <= t.x <= box[2] + 2 and box[1] - 2 <= y <= box[3] + 2


def _encode(img: Image.Image, fmt: str, quality: int = 90) -> io.BytesIO:
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(buf, "JPEG", quality=quality, optimize=True)
    else:
        img.save(buf, "PNG", optimize=True)
    buf.seek(0)
    return buf


def _scanned(img: Image.Image, rng: random.Random) -> Image.Image:
    """A table printed and scanned again: gray, a little blur and noise, paper not quite white."""
    a = np.asarray(img.convert("L"), dtype=np.float32) * rng.uniform(0.9, 0.96) + 6
    nrng = np.random.default_rng(rng.getrandbits(32))
    a += nrng.normal(0, 5, a.shape).astype(np.float32)
    out = Image.fromarray(a.clip(0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.5))
    return out


def _cut_row(page: PageLayout, box: tuple[float, float, float, float]) -> float | None:
    """A horizontal rule inside the table near its middle, to cut a pasted scan in two."""
    ys = sorted({round(r.y0, 2) for r in page.rules if abs(r.y0 - r.y1) < 0.1 and box[1] + 20 < r.y0 < box[3] - 20
                 and r.x1 - r.x0 > 0.8 * (box[2] - box[0])})
    if not ys:
        return None
    mid = (box[1] + box[3]) / 2
    return min(ys, key=lambda y: abs(y - mid))


def write_picture_pdf(path: Path, layouts: list[PageLayout], form: str, rng: random.Random, title: str) -> None:
    """The document of ``layouts`` with its prose as text and every table fragment as a picture
    of form ``form`` (:data:`PICTURE_FORMS`)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from govreport.synth.fonts import FONT_NAME, cjk_font

    cjk_font()
    dpi = {"screenshot1x": 96, "screenshot2x": 192, "jpeg": 120, "scan_parts": 200}[form]
    c = canvas.Canvas(str(path), pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle(title)
    c.setCreator("Microsoft® Word 2016")  # what a clerk's export says
    for page in layouts:
        h = page.height
        boxes = [b for _, b in page.tables]
        image = render_page(page, dpi) if boxes else None
        s = dpi / 72
        for t in page.texts:
            if not any(_inside(t, b) for b in boxes):
                c.setFont(FONT_NAME, t.size)
                c.drawString(t.x, h - t.baseline, t.text)
        for box in boxes:
            assert image is not None
            x0, y0, x1, y1 = box[0] - 3, box[1] - 3, box[2] + 3, box[3] + 3
            parts = [(y0, y1)]
            if form == "scan_parts":
                cut = _cut_row(page, box)
                if cut is not None:
                    parts = [(y0, cut + 1), (cut - 1, y1)]  # the two scans overlap on the rule
            for a, b in parts:
                crop = image.crop((round(x0 * s), round(a * s), round(x1 * s), round(b * s)))
                if form == "scan_parts":
                    crop = _scanned(crop, rng)
                    data = _encode(crop, "JPEG", rng.randint(60, 75))
                elif form == "jpeg":
                    data = _encode(crop, "JPEG", rng.randint(55, 70))
                else:
                    data = _encode(crop, "PNG")
                c.drawImage(ImageReader(data), x0, h - b, x1 - x0, b - a)
        c.showPage()
    c.save()


def _changed(text: str, rng: random.Random) -> str:
    """``text`` with one digit changed (never the leading digit to 0)."""
    pos = [i for i, ch in enumerate(text) if ch.isdigit()]
    i = rng.choice(pos)
    choices = [d for d in "0123456789" if d != text[i] and not (i == pos[0] and d == "0" and len(pos) > 1)]
    return text[:i] + rng.choice(choices) + text[i + 1:]


def write_layer_pdf(path: Path, layouts: list[PageLayout], rng: random.Random, title: str, wrong: bool,
                    ) -> list[dict[str, str]]:
    """Page images (a 200 dpi office scan, JPEG) under an invisible text layer of the print's
    words; with ``wrong``, a share of the table's numbers carry a changed digit. Returns the
    changes (page, printed, layer)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from govreport.synth.fonts import FONT_NAME, cjk_font, text_width

    cjk_font()
    dpi = 200
    c = canvas.Canvas(str(path), pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle(title)
    c.setCreator("Scan to PDF (OCR)")
    changes: list[dict[str, str]] = []
    for page in layouts:
        h = page.height
        img = render_page(page, dpi).convert("L")
        a = np.asarray(img, dtype=np.float32) * rng.uniform(0.92, 0.97) + 5
        a += np.random.default_rng(rng.getrandbits(32)).normal(0, 3, a.shape).astype(np.float32)
        img = Image.fromarray(a.clip(0, 255).astype(np.uint8))
        c.drawImage(ImageReader(_encode(img, "JPEG", 80)), 0, 0, page.width, h)
        in_tables = [b for _, b in page.tables]
        for t in page.texts:
            text = t.text
            if wrong and text.isdigit() and any(_inside(t, b) for b in in_tables) and rng.random() < 0.12:
                new = _changed(text, rng)
                changes.append({"page": str(page.number), "printed": text, "layer": new})
                text = new
            obj = c.beginText()
            obj.setTextRenderMode(3)
            obj.setFont(FONT_NAME, t.size)
            obj.setTextOrigin(t.x, h - t.baseline)
            # the layer's glyphs as wide as the print's (an OCR layer is fitted to the words it read)
            width = text_width(t.text, t.size)
            if text and width > 0:
                obj.setHorizScale(100.0 * width / max(1e-6, text_width(text, t.size)))
            obj.textOut(text)
            c.drawText(obj)
        c.showPage()
    c.save()
    return changes


def generate(form: str, seed: int, out: Path, template: str = "gov2021") -> tuple[Path, dict[str, Any]]:
    """One document of ``form`` (a picture form, ``wrong_layer`` or ``right_layer``) and its truth."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{template}:{seed}:{form}")
    truth, doc, status, layouts = printed_report(template, seed, rng)
    title = f"{truth.agency}{truth.year}年政府信息公开工作年度报告"
    path = out / "report.pdf"
    synth: dict[str, Any] = {"generator": "govreport.synth.picture_pdf", "seed": seed, "form": form}
    if form in PICTURE_FORMS:
        write_picture_pdf(path, layouts, form, rng, title)
    elif form in ("wrong_layer", "right_layer"):
        synth["layer_changes"] = write_layer_pdf(path, layouts, rng, title, wrong=form == "wrong_layer")
    else:
        raise ValueError(f"unknown form {form!r}")
    data = truth_json(doc, status, path.name, "mixed_pdf", pages=len(layouts), synth=synth)
    (out / "truth.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path, data
