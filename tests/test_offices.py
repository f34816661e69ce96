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


def _pasted_picture(table: str, dpi: int, seed: int = 11) -> tuple[np.ndarray, dict]:
    """Table ``table`` of a generated report as a clerk's screenshot at ``dpi``, shown at 200 dpi
    (as a PDF page is rendered for OCR), with a white border; and the report's truth cells."""
    from govreport.synth.printed import printed_document
    from govreport.synth.render_image import render_page
    from govreport.synth.render_pdf import layout_document
    from govreport.synth.truth import random_truth

    truth = random_truth("gov2021", seed=seed)
    for page in layout_document(printed_document(truth)):
        for tid, (x0, y0, x1, y1) in page.tables:
            if tid == table:
                s = dpi / 72
                shot = render_page(page, dpi).convert("RGB").crop(
                    (round((x0 - 3) * s), round((y0 - 3) * s), round((x1 + 3) * s), round((y1 + 3) * s)))
                f = 200 / dpi
                img = cv2.resize(np.asarray(shot), None, fx=f, fy=f, interpolation=cv2.INTER_LINEAR)
                img = cv2.copyMakeBorder(img, 24, 24, 24, 24, cv2.BORDER_CONSTANT, value=(255, 255, 255))
                return img, dict(truth.values)
    raise AssertionError(f"no {table} table")


@pytest.mark.parametrize("table", ["art20_5", "art20_8"])
def test_lattice_of_a_small_low_resolution_picture(table):
    """A one-row table pasted as a 1x screenshot: at 200 dpi its glyphs' strokes are longer than a
    share of so small an image, and once cut its cells into columns (issue 31's lost tables)."""
    from govreport.ocr.preprocess import binarize, normalize_illumination
    from govreport.ocr.rules import find_tables
    from govreport.ocr.scan import CUTOUT_RULE_IN

    img, _ = _pasted_picture(table, 96)
    binary = binarize(normalize_illumination(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)))
    grid = find_tables(binary, min_rule=round(CUTOUT_RULE_IN * 200))
    assert [len(t.xs) for t in grid.tables] == [3]  # label and value columns, no glyph strokes
    assert [len(t.ys) for t in grid.tables] == [4]  # title, header, the one row
    assert len(find_tables(binary).tables[0].xs) > 3  # what a share of the image alone found


def test_pasted_table_is_read_as_a_picture_not_a_photo(monkeypatch):
    """A cut-out picture whose table frame fills it is never taken for a photographed page (such a
    frame, rendered by pdfium, once passed for the page's quadrilateral and was "unwarped"); a
    1x screenshot of the appeals table reads right."""
    from govreport.ocr import scan
    from govreport.ocr.render import PageImage
    from govreport.ocr.scan import tokens_from_page_images

    img, truth = _pasted_picture("appeals", 96)
    h, w = img.shape[:2]
    seen = np.array([[20, 10], [w - 5, 30], [w - 30, h - 5], [5, h - 20]], np.float64)
    monkeypatch.setattr(scan, "find_page_quad", lambda image: seen)  # what a frame may pass for
    scans: list = []
    _toks, text = tokens_from_page_images([PageImage(1, img, 200, 1.0, cutout=True)], ExtractSettings(), scans=scans)
    assert not any("photo" in n for n in scans[0].notes), scans[0].notes
    assert len(scans[0].grid.tables) == 1
    rows = ("review", "direct_suit", "suit_after_review")
    cols = ("upheld", "corrected", "other", "pending", "total")
    want = " ".join(str(truth[("appeals", r, c)]) for r in rows for c in cols)
    assert want in text.splitlines(), text


@pytest.mark.slow
@pytest.mark.parametrize("form", ["screenshot1x", "jpeg", "scan_parts"])
def test_picture_forms(tmp_path, form):
    from govreport.synth import picture_pdf

    path, truth = picture_pdf.generate(form, 6, tmp_path)
    s = score_report(_extract_json(path), truth)
    assert s.silent == 0 and s.accuracy >= 0.98, s.silent_examples


# -- faxes: streaks and broken rules ----------------------------------------------------------


def test_toner_streak_is_found_and_a_rule_is_not():
    from govreport.ocr.preprocess import remove_streaks, toner_streaks

    page = np.full((1600, 1100), 255, np.uint8)
    page[200:1400:50, 100:1000] = 0  # a tall table's rules: none reaches the margins
    page[200:1351, 100:1000:150] = 0
    assert not toner_streaks(page).any()
    rng = np.random.default_rng(1)
    page[:, 620:624] = np.where(rng.random((1600, 4)) < 0.3, 0, 255)  # a dotted streak, top to bottom
    cols = np.flatnonzero(toner_streaks(page))
    assert cols.min() >= 618 and cols.max() <= 625 and 620 in cols
    clean, n = remove_streaks(page)
    assert n == 1 and clean[:, 620:624].min() == 255 and clean[200, 100:1000].min() == 0


def _fax_page_tables(tmp_path: Path, mode: str, seed: int, number: int, repair: bool) -> list[tuple[int, int]]:
    from govreport.ocr import scan
    from govreport.ocr.engines import get_engine
    from govreport.ocr.page import ScanPage
    from govreport.ocr.render import image_pages
    from govreport.ocr.rules import find_tables
    from govreport.synth import fax

    path, _ = fax.generate(mode, seed, tmp_path)
    page = next(p for p in image_pages(path) if p.number == number)
    sp = ScanPage(number)
    settings = ExtractSettings()
    _gray, binary = scan._prepare(page, get_engine(settings.engine, settings.device), sp)
    assert sp.bilevel
    return [(len(t.xs) - 1, len(t.ys) - 1) for t in find_tables(binary, repair=repair).tables]


@pytest.mark.parametrize("mode", ["standard", "photocopy"])
def test_broken_rules_of_a_fax_are_repaired(tmp_path, mode):
    """Page 1 of a faxed report (four small ruled tables; rules of one or two pixels broken by the
    threshold, dropouts and deskewing): each table's full lattice, not pieces of it."""
    want = [(4, 4), (2, 3), (2, 4), (2, 3)]  # art20_1, art20_5, art20_6, art20_8: columns x rows
    assert _fax_page_tables(tmp_path, mode, 2000, 1, repair=True) == want
    assert _fax_page_tables(tmp_path, mode, 2000, 1, repair=False) != want


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
