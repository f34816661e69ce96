"""A seal that hides a number completely: the cell is masked (or inferred), never a wrong value."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

pytest.importorskip("rapidocr")

import govreport
from govreport.synth.__main__ import generate


@pytest.mark.ocr
def test_opaque_seal_over_a_number_is_masked(tmp_path):
    files, truth = generate("png", "gov2021", seed=3, quality="none", out=tmp_path)
    cells = [c for c in truth["cells"] if c["table"] == "applications" and c["status"] == "read"
             and c["value"] and c["row"] == "new" and c["col"] == "natural_person"]
    assert cells, "the generated report has a non-zero natural_person.new cell"
    cell = cells[0]
    pages = [Image.open(f).convert("RGB") for f in files]
    img = pages[cell["page"] - 1]
    x0, y0, x1, y1 = cell["bbox"]
    r = 1.3 * max(x1 - x0, y1 - y0) / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ImageDraw.Draw(img).ellipse([cx - r, cy - r, cx + r, cy + r], fill=(220, 30, 30))  # opaque red ink
    tiff = tmp_path / "report.tif"
    pages[0].save(tiff, save_all=True, append_images=pages[1:], compression="tiff_deflate")
    report = govreport.extract(tiff)
    got = report.cell("applications", "new", "natural_person")
    # hidden: masked, or recovered exactly by the row and column arithmetic
    assert (got.status == "masked" and got.value is None) or (got.status == "inferred" and got.value == cell["value"])
    assert np.isfinite(got.bbox).all() if got.bbox else True
    json.dumps(report.to_dict())
