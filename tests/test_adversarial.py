"""Black boxes and seals over table structure, tables split across pages: generated the way the
world makes them (govreport.synth.adversarial), read end to end. Every cell right or flagged,
never a silent wrong value.

Born-digital PDFs (a redaction box is a black vector fill over the text layer, the text under it
removed or left in place) are fast and drawn by hypothesis in the default suite; scans (boxes
drawn over the rendered page, then scanned) read with the real OCR models, a fixed pair in the
default suite and a wider draw marked slow.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

import govreport
from govreport.layout.pdf_text import read_pdf, read_pdf_pages
from govreport.layout.tokens import Kind
from govreport.settings import ExtractSettings
from govreport.synth.__main__ import generate
from govreport.synth.adversarial import ATTACKS, plan_attacks, split_rows, value_inks
from govreport.synth.printed import printed_document
from govreport.synth.render_pdf import layout_document
from govreport.synth.truth import random_truth

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_truth, score_report
from scanfixtures import token_rows

S = ExtractSettings()


def _run(tmp: Path, kind: str, seed: int, attack: str, quality: str = "office", redaction: str = "removed",
         ) -> tuple[object, dict]:
    out = tmp / f"{kind}_{attack}_{seed}_{redaction}_{quality}"
    files, _ = generate(kind, "gov2021", seed, quality, out, attacks=[attack], redaction=redaction)
    truth = load_truth(out / "truth.json")
    return score_report(govreport.extract(str(files[0])).to_dict(), truth, examples=10), truth


# -- the generator --------------------------------------------------------------------------------


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a != "split"])
def test_marks_land_where_they_hurt(attack: str) -> None:
    """Each attack lays its mark over the table part it names, and a box hides a value cell's
    number wholly or not at all (the truth never depends on a half-hidden digit)."""
    for seed in range(6):
        doc = printed_document(random_truth("gov2021", seed=seed))
        pages = layout_document(doc)
        status = dict.fromkeys(doc.cell_text, "read")
        marks = plan_attacks(pages, doc, [attack], random.Random(seed), status)
        assert marks and all(m.attack == attack for m in marks)
        for m in marks:
            if m.kind == "seal":  # pressed like ink: the print under it stays legible
                assert not m.covers
                continue
            x0, y0, x1, y1 = m.bbox
            for key, ink in value_inks(pages[m.page]):
                inside = x0 <= ink[0] and y0 <= ink[1] and ink[2] <= x1 and ink[3] <= y1
                apart = ink[2] <= x0 or x1 <= ink[0] or ink[3] <= y0 or y1 <= ink[1]
                assert inside or apart, (attack, key)
                assert inside == (key in m.covers)
        assert sorted(k for k, s in status.items() if s == "masked") == sorted(k for m in marks for k in m.covers)


def test_split_breaks_every_table() -> None:
    doc = printed_document(random_truth("gov2021", seed=3))
    splits = split_rows(doc, random.Random(3))
    assert set(splits) == {t.table_id for t in doc.tables()}
    pages = layout_document(doc, splits=splits)
    for table in splits:
        assert len({p.number for p in pages for b in p.printed if b.table == table}) == 2, table


# -- born-digital ---------------------------------------------------------------------------------


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), attack=st.sampled_from(ATTACKS), redaction=st.sampled_from(["removed", "kept"]))
@example(seed=7, attack="box_appeals_header", redaction="kept")
@example(seed=1, attack="split", redaction="removed")
def test_born_digital_pdf_every_cell_right(tmp_path: Path, seed: int, attack: str, redaction: str) -> None:
    score, _ = _run(tmp_path, "text_pdf", seed, attack, redaction=redaction)
    assert score.silent == 0, score.silent_examples
    assert score.correct == score.cells, score.silent_examples


def test_a_black_fill_is_a_mask_and_no_rule(tmp_path: Path) -> None:
    """A box drawn over a value cell's number: the number under it is not read (whether the
    text is still in the layer or not), the cell is a mask, and the box's edges are no rules."""
    got = {}
    for redaction in ("removed", "kept"):
        out = tmp_path / redaction
        files, truth = generate("text_pdf", "gov2021", 5, "office", out, attacks=["box_rule"], redaction=redaction)
        hidden = {tuple(h[:3]): h[3] for h in truth["synth"]["hidden"]}
        covered = [tuple(k) for m in truth["synth"]["marks"] for k in m["covers"]]
        assert covered and all(k in hidden for k in covered)
        r = govreport.extract(str(files[0]))
        for k in covered:
            c = r.cell(*k)
            assert c.status == "masked" or (c.status == "inferred" and c.value == hidden[k])
        pages = read_pdf_pages(files[0], S)
        got[redaction] = pages
        assert any(p.fills for p in pages)
    plain = tmp_path / "plain"
    generate("text_pdf", "gov2021", 5, "office", plain)
    base = read_pdf_pages(plain / "report.pdf", S)
    for redaction, pages in got.items():
        for a, b in zip(pages, base, strict=True):
            assert sorted(a.hsegs) == sorted(b.hsegs) and sorted(a.vsegs) == sorted(b.vsegs), redaction


def test_a_box_over_the_labels_of_a_short_table_leaves_them_masked(tmp_path: Path) -> None:
    """A redaction box across the rule between the two labels of 第二十条第（六）项, the words
    under it removed: both label cells show empty under a box, so they are masked labels (placed
    by their neighbours), never empty cells that lose the table."""
    files, truth = generate("text_pdf", "gov2021", 2000, "office", tmp_path / "a", attacks=["box_rule"],
                            redaction="removed")
    (mark,) = truth["synth"]["marks"]
    want = {(c["row"], c["col"]): c for c in truth["cells"] if c["table"] == "art20_6"}
    _, y0, x1, y1 = mark["bbox"]
    labels_top = min(c["bbox"][1] for c in want.values())
    rule = max(c["bbox"][1] for c in want.values())
    assert not mark["covers"] and x1 <= min(c["bbox"][0] for c in want.values())  # over the labels only
    assert labels_top < y0 < rule < y1  # across the rule between them
    r = govreport.extract(str(files[0]))
    for (row, col), c in want.items():
        assert r.cell("art20_6", row, col).value == c["value"], (row, col)


def test_a_square_annotation_filled_black_masks_what_it_covers(tmp_path: Path) -> None:
    import ctypes

    import pypdfium2
    import pypdfium2.raw as pr

    files, truth = generate("text_pdf", "gov2021", 6, "none", tmp_path / "a")
    cell = next(c for c in truth["cells"] if c["table"] == "applications" and c["status"] == "read"
                and c["value"] and c["row"] == "disclosed")
    pdf = pypdfium2.PdfDocument(str(files[0]))
    page = pdf[cell["page"] - 1]
    h = page.get_height()
    x0, y0, x1, y1 = cell["bbox"]
    annot = pr.FPDFPage_CreateAnnot(page.raw, pr.FPDF_ANNOT_SQUARE)
    rect = pr.FS_RECTF(x0 + 4, h - y0 - 4, x1 - 4, h - y1 + 4)
    assert pr.FPDFAnnot_SetRect(annot, ctypes.byref(rect))
    assert pr.FPDFAnnot_SetColor(annot, pr.FPDFANNOT_COLORTYPE_InteriorColor, 0, 0, 0, 255)
    pr.FPDFPage_CloseAnnot(annot)
    pdf.save(str(tmp_path / "boxed.pdf"))
    r = govreport.extract(str(tmp_path / "boxed.pdf"))
    c = r.cell("applications", "disclosed", cell["col"])
    assert c.status in ("masked", "inferred") and (c.status == "masked" or c.value == cell["value"])


def test_masked_title_stays_a_title_in_a_pdf(tmp_path: Path) -> None:
    """A box over 行政复议 leaves the appeals table's numbers where they are printed."""
    for seed in range(3):
        files, _ = generate("text_pdf", "gov2021", seed, "office", tmp_path / str(seed),
                                attacks=["box_appeals_header"], redaction="removed")
        res = read_pdf(files[0], S)
        value_rows = [row for row in token_rows(res.tokens) if sum(t.kind is Kind.NUMBER for t in row) >= 10]
        assert value_rows and all(t.kind is not Kind.TEXT for t in value_rows[-1])
        assert len(value_rows[-1]) == 15


# -- the lattice on a page image (no OCR) -----------------------------------------------------------


def _ruled_page(box: tuple[int, int, int, int] | None) -> np.ndarray:
    """A ruled table: a header spanning three columns over three column titles, then two rows of
    values; ``box`` drawn black over it."""
    img = Image.new("L", (1400, 1000), 255)
    d = ImageDraw.Draw(img)
    xs, ys = [200, 500, 700, 900, 1100], [200, 280, 360, 440, 520]
    for y in ys:
        d.line([(xs[0], y), (xs[-1], y)], fill=0, width=3)
    for x in xs:
        d.line([(x, ys[0] if x in (xs[0], xs[1], xs[-1]) else ys[1]), (x, ys[-1])], fill=0, width=3)
    if box:
        d.rectangle(box, fill=0)
    return np.asarray(img)


def _table(binary: np.ndarray):  # type: ignore[no-untyped-def]
    from govreport.ocr.rules import find_tables

    (table,) = find_tables(binary).tables
    return table


def _cells(table) -> list[tuple[int, int, int, int]]:  # type: ignore[no-untyped-def]
    return [(c.r0, c.r1, c.c0, c.c1) for c in table.cells]


def test_a_box_over_a_spanning_title_makes_no_column() -> None:
    """A box over a title spanning three columns: its edges are no rules (the lattice is the
    table's), and the title's cells stay titles, however the box's cover is cut."""
    from govreport.layout.grid import Reading, table_roles

    plain = _table(255 - _ruled_page(None))
    assert (0, 1, 1, 4) in _cells(plain)  # the title over three columns
    boxed = _table(255 - _ruled_page((560, 215, 1040, 268)))
    assert np.allclose(boxed.xs, plain.xs, atol=3) and np.allclose(boxed.ys, plain.ys, atol=3)
    seen = {(c.r0, c.c0): Reading("mask" if c.r0 == 0 and c.c0 >= 1 else "text" if c.r0 <= 1 or c.c0 == 0
                                  else "number", size=4) for c in boxed.cells}
    roles = table_roles(boxed, seen)
    assert all(roles.role(0, c.c0, c.c1) == "header" for c in boxed.rows[0])
    assert [roles.role(2, c.c0, c.c1) for c in boxed.rows[2]] == ["label", "value", "value", "value"]


def _appeals_like_page() -> np.ndarray:
    """Two titles over three columns each, a title per column under them, one row of values (the
    appeals table's shape: no label column)."""
    img = Image.new("L", (1400, 700), 255)
    d = ImageDraw.Draw(img)
    xs, ys = [200, 350, 500, 650, 800, 950, 1100], [200, 280, 360, 440]
    for y in ys:
        d.line([(xs[0], y), (xs[-1], y)], fill=0, width=3)
    for x in xs:
        d.line([(x, ys[0] if x in (xs[0], xs[3], xs[-1]) else ys[1]), (x, ys[-1])], fill=0, width=3)
    return np.asarray(img)


@pytest.mark.parametrize("first", ["mask", "number"])
def test_a_masked_first_value_under_a_group_title_stays_a_value(first: str) -> None:
    """A box over the first value of a table with no label column (行政复议 over its five
    columns): the masked cell is a value of the first column, not a label that shifts the row."""
    from govreport.layout.grid import Reading, table_roles

    table = _table(255 - _appeals_like_page())
    assert len(table.rows) == 3 and (0, 1, 0, 3) in _cells(table)
    seen = {(c.r0, c.c0): Reading("text", size=4) if c.r0 <= 1 else
            Reading(first if c.c0 == 0 else "number", size=1) for c in table.cells}
    roles = table_roles(table, seen)
    assert roles.label_end == 0
    got = [roles.role(2, c.c0, c.c1) for c in table.rows[2]]
    assert got[0] != "label" and got[1:] == ["value"] * 5


def test_a_box_over_a_row_rule_hides_it() -> None:
    """A box over the rule between the two value rows, in the middle columns: the rule runs on
    under it (it is seen beside it), so the rows stay apart."""
    plain = _cells(_table(255 - _ruled_page(None)))
    boxed = _cells(_table(255 - _ruled_page((520, 420, 880, 462))))
    assert boxed == plain


# -- scans, with the OCR models ------------------------------------------------------------------


@pytest.mark.ocr
@pytest.mark.parametrize(("attack", "seed"), [("box_appeals_header", 3), ("box_rule", 14)])
def test_office_scan_every_cell_right_or_flagged(tmp_path: Path, attack: str, seed: int) -> None:
    pytest.importorskip("rapidocr")
    score, _ = _run(tmp_path, "scanned_pdf", seed, attack)
    assert score.silent == 0, score.silent_examples
    assert score.correct >= score.cells - 2


@pytest.mark.ocr
@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), attack=st.sampled_from(ATTACKS), quality=st.sampled_from(["office", "poor"]))
def test_scans_every_cell_right_or_flagged(tmp_path: Path, seed: int, attack: str, quality: str) -> None:
    pytest.importorskip("rapidocr")
    score, _ = _run(tmp_path, "scanned_pdf", seed, attack, quality)
    assert score.silent == 0, score.silent_examples
