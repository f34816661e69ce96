"""What scanning and redaction do to a report, with the truth kept in step.

Two levels:

- the printed model (:func:`redact_printed`): value cells printed as ``****`` (masked) and zero
  cells printed empty (blank), for every input kind;
- page images (:func:`degrade_pages`): black boxes over cells (masked), red seals pressed over
  numbers (still legible, so still read), uneven lighting, skew, pages turned 90/180/270,
  blur, noise and JPEG; every value cell's box is carried through each geometric step.

:func:`truth_json` writes the contract JSON of what a document should give.

>>> q = QUALITIES["office"]
>>> 200 <= min(q.dpi) and max(q.dpi) <= 300 and q.skew == 3.0
True
>>> rotate_bbox((0, 0, 10, 20), 90, (100, 50))  # a page 100 wide, 50 high, turned 90° CCW
(0.0, 90.0, 20.0, 100.0)
"""

from __future__ import annotations

import io
import logging
import math
import random
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from govreport.models.template import get_template
from govreport.synth.printed import PrintedDocument
from govreport.types import BBox, CellRef

log = logging.getLogger(__name__)

Placement = tuple[int, BBox]  # (0-based page index, bbox in page pixels or points)


@dataclass(frozen=True)
class Quality:
    """How a document is printed, redacted and scanned."""

    name: str
    dpi: tuple[int, ...] = (200,)  #: scan resolution, one picked per document
    skew: float = 0.0  #: largest skew, degrees either way
    p_skew: float = 0.0  #: chance a page is skewed
    rotations: tuple[int, ...] = ()  #: quarter turns a page may get (90, 180, 270)
    p_rotate: float = 0.0  #: chance a page is turned
    blur: tuple[float, float] = (0.0, 0.0)  #: Gaussian blur radius range, pixels at 200 dpi
    noise: float = 0.0  #: Gaussian noise sigma (0-255)
    speckle: float = 0.0  #: fraction of pixels turned into dust
    jpeg: tuple[int, int] = (92, 95)  #: JPEG quality range
    lighting: float = 0.0  #: darkening at the worst corner (0-1)
    seals_over_numbers: int = 0  #: extra seals pressed over table numbers
    black_boxes: tuple[int, int] = (0, 0)  #: cells covered by a black box
    star_masks: tuple[int, int] = (0, 0)  #: value cells printed as ****
    p_blank_zeros: float = 0.0  #: chance a document prints its zero counts as empty cells
    split_tables: bool = False  #: force the applications table across a page break
    grayscale: float = 0.0  #: chance the scan is grayscale
    white_point: float = 255.0  #: input level mapped to white (scanner auto levels)


QUALITIES: dict[str, Quality] = {
    "none": Quality("none", dpi=(200,)),
    "office": Quality("office", dpi=(200, 240, 300), skew=3.0, p_skew=0.7, blur=(0.0, 0.6), noise=4.0,
                      speckle=0.0002, jpeg=(70, 85), lighting=0.08, seals_over_numbers=1,
                      black_boxes=(1, 3), star_masks=(0, 1), p_blank_zeros=0.15, split_tables=True,
                      grayscale=0.3, white_point=225.0),
    "poor": Quality("poor", dpi=(150,), skew=5.0, p_skew=0.9, rotations=(180, 180, 90, 270), p_rotate=0.35,
                    blur=(0.8, 1.4), noise=9.0, speckle=0.001, jpeg=(25, 40), lighting=0.25,
                    seals_over_numbers=2, black_boxes=(2, 4), star_masks=(0, 2), p_blank_zeros=0.15,
                    split_tables=True, grayscale=0.6),
}


# -- printed model ---------------------------------------------------------------------------------
def redact_printed(doc: PrintedDocument, q: Quality, rng: random.Random) -> dict[CellRef, str]:
    """Edit ``doc`` in place (``****`` masks, empty zeros); return each value cell's status."""
    status: dict[CellRef, str] = dict.fromkeys(doc.cell_text, "read")
    cells = {c.key: c for t in doc.tables() for row in t.rows for c in row if c.key is not None}
    if q.p_blank_zeros and rng.random() < q.p_blank_zeros:
        for key, cell in cells.items():
            if key[0] == "applications" and doc.truth.values[key] == 0:
                cell.text = ""
                status[key] = "blank"
    lo, hi = q.star_masks
    candidates = [k for k in cells if status[k] == "read" and k[0] in ("applications", "appeals")]
    for key in rng.sample(candidates, min(len(candidates), rng.randint(lo, hi))):
        cells[key].text = "****"
        status[key] = "masked"
    for key, cell in cells.items():
        doc.cell_text[key] = cell.text
    return status


# -- geometry --------------------------------------------------------------------------------------
def _corners(b: BBox) -> np.ndarray:
    return np.array([[b[0], b[1]], [b[2], b[1]], [b[0], b[3]], [b[2], b[3]]], dtype=float)


def _hull(pts: np.ndarray) -> BBox:
    return (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))


def rotate_bbox(b: BBox, quarter: int, size: tuple[int, int]) -> BBox:
    """Box after turning a ``size`` (w, h) page ``quarter`` degrees counter-clockwise
    (PIL ``transpose`` ROTATE_90/180/270)."""
    w, h = size
    p = _corners(b)
    x, y = p[:, 0], p[:, 1]
    if quarter % 360 == 90:
        q = np.stack([y, w - x], axis=1)
    elif quarter % 360 == 180:
        q = np.stack([w - x, h - y], axis=1)
    elif quarter % 360 == 270:
        q = np.stack([h - y, x], axis=1)
    else:
        q = p
    return _hull(q)


def skew_bbox(b: BBox, angle: float, size: tuple[int, int]) -> BBox:
    """Box (its axis-aligned hull) after ``Image.rotate(angle)`` about the page centre."""
    cx, cy = size[0] / 2, size[1] / 2
    t = math.radians(angle)
    p = _corners(b)
    dx, dy = p[:, 0] - cx, p[:, 1] - cy
    q = np.stack([cx + dx * math.cos(t) + dy * math.sin(t), cy - dx * math.sin(t) + dy * math.cos(t)], axis=1)
    return _hull(q)


# -- page images -----------------------------------------------------------------------------------
def black_box(img: Image.Image, cell: BBox, text_w: float, rng: random.Random) -> BBox:
    """Cover a cell's number with a black rectangle; returns the rectangle."""
    x0, y0, x1, y1 = cell
    cw, ch = x1 - x0, y1 - y0
    half_w = min(cw / 2 - 1, max(text_w / 2 + 0.12 * cw, cw * rng.uniform(0.3, 0.45)))
    half_h = min(ch / 2 - 1, ch * rng.uniform(0.3, 0.42))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    box = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    ImageDraw.Draw(img).rectangle(box, fill=(0, 0, 0))
    return box


def _lighting(size: tuple[int, int], strength: float, rng: random.Random) -> Image.Image:
    """A smooth multiplicative light field (L mode, 255 = full light)."""
    gw, gh = 48, 64
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    ang = rng.uniform(0, 2 * math.pi)
    ramp = (math.cos(ang) * xx / gw + math.sin(ang) * yy / gh)
    ramp = (ramp - ramp.min()) / max(1e-6, float(np.ptp(ramp)))
    cx, cy = rng.uniform(0, gw), rng.uniform(0, gh)
    vign = ((xx - cx) ** 2 + (yy - cy) ** 2) / (gw**2 + gh**2)
    field = 1 - strength * (0.6 * ramp + 0.8 * vign).clip(0, 1)
    return Image.fromarray((field * 255).astype(np.uint8)).resize(size, Image.Resampling.BILINEAR)


def degrade_pages(images: list[Image.Image], cells: dict[CellRef, Placement], q: Quality,
                  rng: random.Random, status: dict[CellRef, str], agency: str, dpi: int,
                  ) -> tuple[list[Image.Image], dict[CellRef, Placement], list[dict[str, Any]], dict[str, Any]]:
    """Degrade rendered page images like a scan of quality ``q``.

    Updates ``status`` (black-boxed cells become ``masked``) and returns the new images, the
    value cells' new placements, one record per page (size, turn, skew) and notes (which cells
    were boxed or sealed). The steps draw from one random stream in a fixed order (so a seed
    gives the same scan), which is why they stay in one function.
    """
    from govreport.synth.fonts import text_width
    from govreport.synth.seal import seal_image, stamp

    cells = dict(cells)
    notes: dict[str, Any] = {"black_boxed": [], "sealed": []}
    s = dpi / 72.0
    if q.name == "none":
        return images, cells, [{"page": i + 1, "size": list(im.size), "rotation": 0, "skew": 0.0}
                               for i, im in enumerate(images)], notes
    # black boxes: the truth becomes masked
    lo, hi = q.black_boxes
    readable = [k for k, st in status.items() if st == "read" and k in cells]
    for key in rng.sample(readable, min(len(readable), rng.randint(lo, hi))):
        page, bbox = cells[key]
        black_box(images[page], bbox, text_width("8" * 6, 9.5) * s, rng)
        status[key] = "masked"
        notes["black_boxed"].append(list(key))
    # seals pressed over numbers: multiply blend keeps black digits, so they stay ``read``
    in_tables = [k for k in readable if k[0] in ("applications", "appeals") and status[k] == "read"]
    for _ in range(q.seals_over_numbers):
        if not in_tables:
            break
        page, bbox = cells[rng.choice(in_tables)]
        diam = round(120 * s * rng.uniform(0.9, 1.05))
        cx = (bbox[0] + bbox[2]) / 2 + rng.uniform(-0.3, 0.3) * diam
        cy = (bbox[1] + bbox[3]) / 2 + rng.uniform(-0.3, 0.3) * diam
        stamp(images[page], seal_image(agency, px=diam, angle=rng.uniform(-25, 25)), (cx, cy))
        for k, (p, b) in cells.items():
            if p == page and math.hypot((b[0] + b[2]) / 2 - cx, (b[1] + b[3]) / 2 - cy) < diam / 2:
                notes["sealed"].append(list(k))
    gray = rng.random() < q.grayscale
    out: list[Image.Image] = []
    info: list[dict[str, Any]] = []
    for i, img in enumerate(images):
        size = img.size
        # paper tint and uneven light
        arr = np.asarray(img, dtype=np.float32) * rng.uniform(0.95, 0.99)
        if q.lighting:
            light = np.asarray(_lighting(size, q.lighting * rng.uniform(0.5, 1.0), rng), dtype=np.float32)
            arr *= (light / 255.0)[..., None]
        img = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
        if gray:
            img = img.convert("L").convert("RGB")
        angle = rng.uniform(-q.skew, q.skew) if q.skew and rng.random() < q.p_skew else 0.0
        if angle:
            bg = tuple(int(v) for v in np.asarray(img)[5:25, 5:25].reshape(-1, 3).mean(axis=0))
            img = img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=bg)
        quarter = rng.choice(q.rotations) if q.rotations and rng.random() < q.p_rotate else 0
        if quarter:
            img = img.transpose({90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
                                 270: Image.Transpose.ROTATE_270}[quarter])
        for k, (p, b) in list(cells.items()):
            if p == i:
                b2 = skew_bbox(b, angle, size) if angle else b
                cells[k] = (p, rotate_bbox(b2, quarter, size) if quarter else b2)
        if q.noise or q.speckle:
            a = np.asarray(img, dtype=np.float32)
            nrng = np.random.default_rng(rng.getrandbits(32))
            if q.noise:
                a += nrng.normal(0, q.noise, a.shape[:2]).astype(np.float32)[..., None]
            if q.speckle:
                dust = nrng.random(a.shape[:2]) < q.speckle
                a[dust] = nrng.uniform(0, 90)
            if q.white_point < 255:  # the scanner's auto levels: paper comes out white
                a = (a - 8.0) * (255.0 / (q.white_point - 8.0))
            img = Image.fromarray(a.clip(0, 255).astype(np.uint8))
        radius = rng.uniform(*q.blur) * dpi / 200.0
        if radius > 0.05:
            img = img.filter(ImageFilter.GaussianBlur(radius))
        out.append(img)
        info.append({"page": i + 1, "size": list(img.size), "rotation": quarter, "skew": round(angle, 3)})
    return out, cells, info, notes


def jpeg_roundtrip(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


# -- truth -----------------------------------------------------------------------------------------
def truth_json(doc: PrintedDocument, status: dict[CellRef, str], source: str, input_kind: str,
               placements: dict[CellRef, Placement] | None = None, pages: int | None = None,
               dpi: int | None = None, synth: dict[str, Any] | None = None) -> dict[str, Any]:
    """The contract JSON the document should give (``cells`` in template order)."""
    tr = doc.truth
    tpl = get_template(tr.template)
    meta: dict[str, Any] = {"year": tr.year, "agency": tr.agency, "pages": pages, "input_kind": input_kind}
    if dpi is not None:
        meta["dpi"] = dpi
    cells: list[dict[str, Any]] = []
    hidden: list[list[Any]] = []
    masked: dict[str, list[list[str]]] = {}
    for table in tpl.tables:
        variant = tr.variant if table.id == "applications" else None
        for row in table.active_rows(variant):
            for col in table.columns:
                key = (table.id, row.id, col.id)
                if key not in doc.cell_text:
                    continue
                st = status.get(key, "read")
                text: str | None = doc.cell_text[key]
                if st == "masked":
                    hidden.append([*key, tr.values[key]])
                    masked.setdefault(table.id, []).append([row.id, col.id])
                    text = text if text == "****" else None
                place = (placements or {}).get(key)
                cells.append({
                    "table": table.id, "row": row.id, "col": col.id,
                    "value": tr.values[key] if st == "read" else None, "status": st, "text": text,
                    "confidence": None,
                    "page": None if place is None else place[0] + 1,
                    "bbox": None if place is None else [round(v, 1) for v in place[1]],
                })
    issues = [{"kind": "masked", "table": t, "message": f"{len(rc)} redacted cell(s)", "cells": rc}
              for t, rc in masked.items()]
    extra = {"variant": tr.variant, "hidden": hidden,
             "bbox_units": None if placements is None else ("pt" if dpi is None else "px"),
             "bbox_origin": "top-left", **(synth or {})}
    return {"source": source, "template": tr.template, "meta": meta, "cells": cells, "issues": issues,
            "synth": extra}
