"""Documents as offices send them (issue 31): phone photos, faxes, tables pasted as pictures in
born-digital PDFs, invisible text layers that disagree with the print, folders of page images, and
a report's year against its template. Generated documents with known truth, read with real OCR;
the heavy ones are marked slow (``benchmarks/bench_offices.py`` measures them all)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from common import load_truth, score_report

from govreport.layout.grid import cluster
from govreport.settings import ExtractSettings


def _extract_json(target: Path) -> dict:
    """``govreport extract TARGET --json`` in its own process: stdout must be exactly the JSON."""
    proc = subprocess.run([sys.executable, "-m", "govreport.cli", "extract", str(target), "--json"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-500:]
    return json.loads(proc.stdout)


# -- never crash -------------------------------------------------------------------------------


def test_cluster_of_no_weight_is_no_line():
    assert cluster([10.0, 11.0, 50.0], [0.0, 0.0, 0.0], tol=2.0, min_share=0.15) == []
    assert cluster([10.0, 11.0, 50.0], [0.0, 0.0, 4.0], tol=2.0, min_share=0.15) == [50.0]
    assert cluster([], [], tol=2.0) == []


def test_rules_all_under_solid_ink_do_not_crash():
    """A page where every rule runs through solid ink (a photo's dark desk, a black fax band): the
    rule pieces weigh nothing, which once divided by zero."""
    from govreport.ocr.rules import find_tables

    binary = np.zeros((1200, 900), np.uint8)
    binary[100:1100, 100:800] = 255  # one solid block: its edges are the only straight pieces
    for y in range(150, 1100, 60):
        binary[y:y + 2, 50:850] = 255
    grid = find_tables(binary)
    assert all(len(t.cells) >= 2 for t in grid.tables)


# -- OCR: a reading at confidence near 0 is no fact -------------------------------------------


def test_nothing_is_inferred_from_a_reading_at_confidence_near_zero():
    """A fax's total read "0" at confidence 0.02, its parts printed empty: the parts are not inferred
    as zeros from it (the arithmetic trusts no doubtful reading); the total and the parts are flagged.
    Read at confidence 0.99 instead, the same total fixes them (so the test can fail)."""
    import dataclasses

    from govreport.layout.text import text_to_tokens
    from govreport.layout.tokens import LayoutResult
    from govreport.pipeline import build_report
    from govreport.synth.truth import random_truth

    from .test_review_load import tab_text

    truth = random_truth("gov2021", seed=4, variant="split")
    parts = [("appeals", "review", c) for c in ("upheld", "corrected", "other", "pending")]
    for k in [*parts, ("appeals", "review", "total")]:
        truth.values[k] = 0
    text = tab_text(truth, blank=lambda k: k in parts)
    sure = [dataclasses.replace(t, confidence=0.99) for t in text_to_tokens(text)]
    total = _first_zero_after(sure, "行政复议")
    key = ("appeals", "review", "total")
    r0 = build_report(LayoutResult(sure, text, "image"), "t", ExtractSettings())
    assert all(r0.cell(*k).status == "inferred" and r0.cell(*k).value == 0 for k in parts)
    doubtful = [dataclasses.replace(t, confidence=0.02) if t is total else t for t in sure]
    r = build_report(LayoutResult(doubtful, text, "image"), "t", ExtractSettings())
    assert r.cell(*key).confidence == 0.02
    flagged = r.issue_cells()
    assert key in flagged
    for k in parts:
        assert r.cell(*k).status != "inferred", k
        assert k in flagged, k


def _first_zero_after(tokens, label):  # type: ignore[no-untyped-def]
    """The first number token 0 after the token reading ``label`` (the appeals row's total here)."""
    at = next(i for i, t in enumerate(tokens) if label in t.text)
    return next(t for t in tokens[at:] if t.kind.value == "number" and t.value == 0)


# -- photos: the page's quadrilateral ----------------------------------------------------------


def test_page_quad_found_on_a_desk_and_not_on_a_scan():
    from govreport.ocr.preprocess import find_page_quad, unwarp

    page = np.full((1100, 780, 3), 245, np.uint8)
    cv2.rectangle(page, (80, 100), (700, 1000), (0, 0, 0), 2)
    frame = np.zeros((1500, 1125, 3), np.uint8)
    frame[:] = (120, 85, 50)  # a desk
    corners = np.array([[180, 160], [930, 190], [990, 1350], [120, 1330]], np.float32)
    m = cv2.getPerspectiveTransform(np.array([[0, 0], [780, 0], [780, 1100], [0, 1100]], np.float32), corners)
    warped = cv2.warpPerspective(page, m, (1125, 1500))
    inside = cv2.warpPerspective(np.ones((1100, 780), np.uint8), m, (1125, 1500)) > 0
    frame[inside] = warped[inside]
    quad = find_page_quad(frame)
    assert quad is not None
    assert np.abs(quad - corners).max() < 25
    flat, back = unwarp(frame, quad)
    assert 0.6 < flat.shape[1] / flat.shape[0] < 0.8  # an A4-like page, seen square on
    corner = back @ np.array([0.0, 0.0, 1.0])
    assert np.abs(corner[:2] / corner[2] - quad[0]).max() < 1.0
    assert find_page_quad(page) is None  # a scan: the page fills the frame


# -- template against year ---------------------------------------------------------------------


def test_a_2022_report_on_the_2019_template_is_named(tmp_path):
    from govreport import extract
    from govreport.synth.printed import printed_document
    from govreport.synth.render_html import write_html
    from govreport.synth.truth import random_truth

    truth = random_truth("gov2019", seed=5)
    truth.year = 2022
    path = write_html(printed_document(truth), tmp_path / "r.html")
    report = extract(path)
    misfit = [i for i in report.issues if i.kind == "template"]
    assert misfit and misfit[0].about == "reading"
    assert "2022" in misfit[0].message


def test_year_and_template_that_fit_raise_nothing(tmp_path):
    from govreport import extract
    from govreport.synth.printed import printed_document
    from govreport.synth.render_html import write_html
    from govreport.synth.truth import random_truth

    path = write_html(printed_document(random_truth("gov2021", seed=5)), tmp_path / "r.html")
    assert not [i for i in extract(path).issues if i.kind == "template"]


# -- folders of page images --------------------------------------------------------------------


def test_page_folder_rules(tmp_path):
    from govreport.errors import BadInputError
    from govreport.page_folder import is_page_folder, page_files

    png = cv2.imencode(".png", np.full((20, 20), 255, np.uint8))[1].tobytes()
    for name in ("p10.png", "p2.png", "p1.png"):
        (tmp_path / name).write_bytes(png)
    files = page_files(tmp_path, ExtractSettings())
    assert [p.name for p in files] == ["p1.png", "p2.png", "p10.png"]
    assert is_page_folder(tmp_path, files)
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in page_files(tmp_path, ExtractSettings())] == ["p1.png", "p2.png", "p10.png"]
    other = tmp_path / "mixed"
    other.mkdir()
    (other / "a.png").write_bytes(png)
    (other / "report.txt").write_text("x")
    with pytest.raises(BadInputError, match="is a directory"):
        page_files(other, ExtractSettings())
    assert not is_page_folder(other, sorted(other.iterdir()))


def test_folder_of_page_images_is_one_report(tmp_path):
    from govreport.synth.__main__ import generate

    pages = tmp_path / "pages"
    generate("png", "gov2021", 11, "none", pages)
    truth = load_truth(pages / "truth.json")
    (pages / "truth.json").rename(tmp_path / "truth.json")
    data = _extract_json(pages)
    assert data["meta"]["pages"] == truth["meta"]["pages"] >= 2
    s = score_report(data, truth)
    assert s.silent == 0 and s.accuracy >= 0.98, s.silent_examples


def test_batch_takes_a_page_folder_as_one_report(tmp_path):
    from govreport.batch.archive import discover
    from govreport.synth.__main__ import generate

    generate("png", "gov2021", 12, "none", tmp_path / "in" / "scan")
    (tmp_path / "in" / "other.txt").write_text("行政许可\t3\n", encoding="utf-8")
    found = list(discover([tmp_path / "in"], ExtractSettings(), exclude=("truth.json",)))
    assert sorted(Path(f.source).name for f in found) == ["other.txt", "scan"]


# -- born-digital PDFs: pictures, invisible layers ---------------------------------------------


def test_wrong_invisible_layer_is_flagged_and_read_by_ocr(tmp_path):
    from govreport.synth import picture_pdf

    path, truth = picture_pdf.generate("wrong_layer", 3, tmp_path)
    assert truth["synth"]["layer_changes"]
    data = _extract_json(path)
    layer = [i for i in data["issues"] if i["kind"] == "text_layer"]
    assert layer and all(i["about"] == "reading" for i in layer)
    s = score_report(data, truth)
    assert s.silent == 0 and s.accuracy >= 0.98, s.silent_examples


@pytest.mark.slow
def test_right_invisible_layer_is_believed(tmp_path):
    from govreport.synth import picture_pdf

    path, truth = picture_pdf.generate("right_layer", 4, tmp_path)
    data = _extract_json(path)
    assert not [i for i in data["issues"] if i["kind"] == "text_layer"]
    s = score_report(data, truth)
    assert s.silent == 0 and s.accuracy >= 0.98, s.silent_examples


def test_tables_pasted_as_pictures_are_read(tmp_path):
    from govreport.synth import picture_pdf

    path, truth = picture_pdf.generate("screenshot2x", 5, tmp_path)
    data = _extract_json(path)
    s = score_report(data, truth)
    assert s.silent == 0 and s.accuracy >= 0.98, s.silent_examples


@pytest.mark.slow
@pytest.mark.parametrize("form", ["screenshot1x", "jpeg", "scan_parts"])
def test_picture_forms(tmp_path, form):
    from govreport.synth import picture_pdf

    path, truth = picture_pdf.generate(form, 6, tmp_path)
    s = score_report(_extract_json(path), truth)
    assert s.silent == 0 and s.accuracy >= 0.98, s.silent_examples


# -- faxes and photos (slow: whole documents through OCR) --------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["standard", "fine"])
def test_fax(tmp_path, mode):
    from govreport.synth import fax

    path, truth = fax.generate(mode, 7, tmp_path)
    s = score_report(_extract_json(path), truth)
    assert s.silent == 0 and s.accuracy >= 0.9, s.silent_examples


@pytest.mark.slow
def test_phone_photos(tmp_path):
    from govreport.synth import photo

    files, truth = photo.generate(8, tmp_path)
    s = score_report(_extract_json(files[0].parent), truth)
    assert s.silent == 0 and s.accuracy >= 0.95, s.silent_examples
