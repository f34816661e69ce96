"""Faxed and photocopied reports, made the way a fax machine makes them, with known truth.

A fax machine scans at 204x98 dpi ("standard") or 204x196 dpi ("fine") and sends one bit per
pixel: the page is thresholded (no gray), thin rules break where they fall between scan lines,
dust and line noise leave speckle, and the receiving software stretches a standard page back to
square pixels (each scan line twice). A bad photocopy (150 dpi) adds toner smear. The pages are
written as the multi-page TIFF a fax server stores (CCITT Group 4, through Pillow's libtiff).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

from govreport.synth.degrade import truth_json
from govreport.synth.office import printed_report
from govreport.synth.render_image import render_page

FAX_MODES = {"standard": (200, 100), "fine": (200, 200), "photocopy": (150, 150)}


def fax_page(img: Image.Image, mode: str, rng: random.Random) -> Image.Image:
    """One page rendered at the fax's horizontal resolution, sent as a fax of ``mode``."""
    nrng = np.random.default_rng(rng.getrandbits(32))
    xdpi, ydpi = FAX_MODES[mode]
    w, h = img.size
    gray = img.convert("L")
    # a slight skew from the feeder, and the sensor's blur
    gray = gray.rotate(rng.uniform(-1.2, 1.2), resample=Image.Resampling.BILINEAR, fillcolor=255)
    gray = gray.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.8)))
    if ydpi < xdpi:  # standard mode: every other scan line
        gray = gray.resize((w, round(h * ydpi / xdpi)), Image.Resampling.BOX)
    a = np.asarray(gray, dtype=np.float32)
    a += nrng.normal(0, 10, a.shape).astype(np.float32)
    if mode == "photocopy":  # toner smear: a few faint streaks down the page, darker background
        for x in nrng.integers(0, a.shape[1], rng.randint(2, 5)):
            a[:, max(0, x - 2): x + 2] -= rng.uniform(40, 90)
        a -= 20
    threshold = rng.uniform(130, 165)  # the machine's fixed threshold: faint strokes drop out
    bits = a < threshold
    # thin rules break: short gaps along printed lines
    for _ in range(rng.randint(40, 90)):
        y, x = int(nrng.integers(0, bits.shape[0])), int(nrng.integers(0, bits.shape[1]))
        bits[y:y + 3, x:x + int(nrng.integers(3, 9))] = False
        bits[y:y + int(nrng.integers(3, 9)), x:x + 3] = False
    # speckle: isolated black dots, and white drop-outs in strokes
    bits |= nrng.random(bits.shape) < rng.uniform(0.0005, 0.002)
    bits &= ~(nrng.random(bits.shape) < 0.01)
    page = Image.fromarray(np.where(bits, 0, 255).astype(np.uint8)).convert("1")
    if ydpi < xdpi:  # the receiver stretches it back: each scan line twice
        page = page.resize((w, h), Image.Resampling.NEAREST)
    return page


def generate(mode: str, seed: int, out: Path, template: str = "gov2021") -> tuple[Path, dict[str, Any]]:
    """One faxed report (``mode`` of :data:`FAX_MODES`) as ``out/report.tif`` and its truth."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{template}:{seed}:fax:{mode}")
    _truth, doc, status, layouts = printed_report(template, seed, rng)
    xdpi = FAX_MODES[mode][0]
    pages = [fax_page(render_page(p, xdpi), mode, rng) for p in layouts]
    path = out / "report.tif"
    pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:], compression="group4",
                  dpi=(xdpi, xdpi))
    synth = {"generator": "govreport.synth.fax", "seed": seed, "mode": mode}
    data = truth_json(doc, status, path.name, "image", pages=len(pages), dpi=xdpi, synth=synth)
    (out / "truth.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path, data
