"""Degradations keep the truth's boxes on the printed cells; redactions are masked in truth."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from govreport.synth.degrade import (
    QUALITIES,
    Quality,
    degrade_pages,
    redact_printed,
    rotate_bbox,
    skew_bbox,
    truth_json,
)
from govreport.synth.printed import printed_document
from govreport.synth.render_image import render_page, scale_bbox
from govreport.synth.render_pdf import layout_document
from govreport.synth.truth import random_truth


def _marked(size: tuple[int, int], box: tuple[int, int, int, int]) -> Image.Image:
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).rectangle(box, fill="black")
    return img


def _dark(img: Image.Image, box: tuple[float, float, float, float]) -> float:
    a = np.asarray(img.convert("L"), dtype=float)
    x0, y0, x1, y1 = (round(v) for v in box)
    return float((a[y0:y1, x0:x1] < 128).mean())


@pytest.mark.parametrize("quarter", [90, 180, 270])
def test_quarter_turn_moves_bbox_with_the_page(quarter: int) -> None:
    box = (30, 50, 70, 60)
    img = _marked((120, 200), box)
    turned = img.transpose({90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
                            270: Image.Transpose.ROTATE_270}[quarter])
    new = rotate_bbox((30, 50, 71, 61), quarter, img.size)
    assert _dark(turned, new) == pytest.approx(1.0)
    assert (turned.width, turned.height) == ((200, 120) if quarter != 180 else (120, 200))


@pytest.mark.parametrize("angle", [-4.0, 2.5])
def test_skew_bbox_covers_the_rotated_box(angle: float) -> None:
    img = _marked((300, 400), (100, 150, 180, 170))
    rot = img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor="white")
    x0, y0, x1, y1 = skew_bbox((100, 150, 181, 171), angle, img.size)
    a = np.asarray(rot.convert("L")) < 128
    ys, xs = np.nonzero(a)
    assert x0 - 1 <= xs.min() and xs.max() <= x1 + 1 and y0 - 1 <= ys.min() and ys.max() <= y1 + 1
    assert (x1 - x0) * (y1 - y0) < 1.6 * 81 * 21  # a hull, not the whole page


def test_degrade_pages_keeps_boxes_on_black_boxed_cells() -> None:
    doc = printed_document(random_truth("gov2021", seed=5))
    layouts = layout_document(doc)
    dpi = 72
    images = [render_page(p, dpi) for p in layouts]
    cells = {k: (p.number - 1, scale_bbox(b, dpi)) for p in layouts for k, b in p.cells.items()}
    status = dict.fromkeys(doc.cell_text, "read")
    q = Quality("test", dpi=(dpi,), skew=4.0, p_skew=1.0, rotations=(90, 270), p_rotate=1.0,
                black_boxes=(4, 4), seals_over_numbers=1, noise=2.0)
    out, moved, info, notes = degrade_pages(images, cells, q, random.Random(3), status, doc.truth.agency, dpi)
    assert len(notes["black_boxed"]) == 4 and notes["sealed"]
    for key in map(tuple, notes["black_boxed"]):
        assert status[key] == "masked"
        page, box = moved[key]
        assert info[page]["rotation"] in (90, 270)
        img = out[page]
        assert img.size == tuple(info[page]["size"]) == (images[page].height, images[page].width)
        # the centre of the truth box is inside the black rectangle
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        assert _dark(img, (cx - 1, cy - 1, cx + 2, cy + 2)) > 0.5
    for page, box in moved.values():
        w, h = out[page].size
        assert -2 <= box[0] < box[2] <= w + 2 and -2 <= box[1] < box[3] <= h + 2


def test_printed_masks_and_blanks_reach_truth() -> None:
    doc = printed_document(random_truth("gov2021", seed=8))
    q = Quality("t", star_masks=(3, 3), p_blank_zeros=1.0)
    status = redact_printed(doc, q, random.Random(1))
    truth = truth_json(doc, status, "x.html", "html")
    by = {(c["table"], c["row"], c["col"]): c for c in truth["cells"]}
    masked = [c for c in truth["cells"] if c["status"] == "masked"]
    assert len(masked) == 3 and all(c["text"] == "****" and c["value"] is None for c in masked)
    blank = [c for c in truth["cells"] if c["status"] == "blank"]
    assert blank and all(doc.truth.values[(c["table"], c["row"], c["col"])] == 0 for c in blank)
    assert all(c["text"] == "" for c in blank)
    hidden = {tuple(h[:3]): h[3] for h in truth["synth"]["hidden"]}
    assert set(hidden) == {(c["table"], c["row"], c["col"]) for c in masked}
    assert by[("appeals", "review", "total")]["status"] in ("read", "masked")


def test_quality_presets() -> None:
    office, poor = QUALITIES["office"], QUALITIES["poor"]
    assert office.skew == 3.0 and not office.rotations and office.black_boxes[1] >= 1
    assert poor.dpi == (150,) and poor.skew == 5.0 and 180 in poor.rotations and poor.jpeg[1] <= 40
