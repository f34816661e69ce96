"""The structure check after placement (tables/structure.py), on token streams built from a
generated report's layout: every cell at its printed place, as a perfect reader would give it,
then damaged the way readers go wrong (a row without its label, a number in the wrong column, an
extra row). The check knows nothing of the reader."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from govreport.layout.text import text_to_tokens
from govreport.layout.tokens import BREAK, Kind, LayoutResult, Token, classify
from govreport.models.template import get_template
from govreport.pipeline import build_report
from govreport.report import Cell
from govreport.settings import ExtractSettings
from govreport.synth.printed import printed_document
from govreport.synth.render_pdf import layout_document
from govreport.synth.truth import random_truth
from govreport.tables.match import Match
from govreport.tables.structure import check_structure, expected_ordinals, ordinals

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from common import score_report

S = ExtractSettings()


def _tab_text(seed: int, edit: dict[str, str | None]) -> tuple[str, dict]:
    """A gov2021 report as tab text; ``edit`` replaces a row's label (``None`` drops the row)."""
    truth = random_truth("gov2021", seed=seed, variant="split")
    doc = printed_document(truth)
    lines: list[str] = []
    for b in doc.blocks:
        if not hasattr(b, "rows"):
            lines.append(b.text)
            continue
        for row in b.grid():
            keys = [c.key for c in row if c is not None and c.key is not None]
            rid = keys[0][1] if keys else None
            if rid in edit and edit[rid] is None:
                continue
            cells = []
            for c in row:
                if c is None:
                    cells.append("")
                elif c.key is None and rid in edit and c.text and c.text[0] in "0123456789":
                    cells.append(edit[rid] or "")
                else:
                    cells.append(c.text)
            lines.append("\t".join(cells))
    return "\n".join(lines), truth


def _truth_json(truth) -> dict:  # type: ignore[no-untyped-def]
    cells = [{"table": t, "row": r, "col": c, "status": "read", "value": v} for (t, r, c), v in truth.values.items()
             if t in ("applications", "appeals") and (truth.variant == "split" or not r.startswith("other_"))]
    return {"cells": cells, "synth": {"hidden": []}}


def test_ordinals_of_the_template() -> None:
    want = expected_ordinals(get_template("gov2021").table("applications"), "split")
    assert want["withheld_law"] == {"arabic": 2, "paren": 3, "cn": 3}
    assert want["unable_unclear"] == {"arabic": 3, "paren": 4, "cn": 3}
    assert want["total_handled"] == {"paren": 7, "cn": 3} and want["carried_forward"] == {"cn": 4}
    assert ordinals("(1)属于国家秘密") == {"arabic": 1} and ordinals("3.50") == {}
    assert ordinals("（十二）其他") == {"paren": 12} and ordinals("2019年") == {}


@pytest.mark.parametrize(("gone", "kept", "label"), [("withheld_third_party", "withheld_security", "3.■■■■■"),
                                                    ("withheld_security", "withheld_third_party", "4.■■■■■")])
def test_a_legible_ordinal_names_the_row(gone: str, kept: str, label: str) -> None:
    """One row of （三） is not printed and the other shows only its ordinal: its numbers go to
    the row the ordinal names, never to the missing one (by order alone either would do)."""
    text, truth = _tab_text(11, {gone: None, kept: label})
    r = build_report(LayoutResult(text_to_tokens(text), text, "text"), "t", S)
    for c in get_template("gov2021").table("applications").columns:
        got = r.cell("applications", kept, c.id)
        assert got.value == truth.values[("applications", kept, c.id)]
        assert r.cell("applications", gone, c.id).status != "read"
    assert score_report(r, _truth_json(truth)).silent == 0


def test_an_ordinal_that_contradicts_its_row_is_flagged() -> None:
    """Row 3 printed with the ordinal 4 (and no legible words): it cannot be row 4, which is
    printed too, so its numbers stay in row 3 with a structure issue naming them."""
    text, _ = _tab_text(12, {"withheld_security": "4.■■■■"})
    r = build_report(LayoutResult(text_to_tokens(text), text, "text"), "t", S)
    doubted = {tuple(k) for i in r.issues if i.kind == "structure" for k in i.cells}
    assert ("withheld_security", "natural_person") in doubted
    assert ("withheld_third_party", "natural_person") not in doubted


def test_an_extra_row_of_values_puts_its_section_in_doubt() -> None:
    text, truth = _tab_text(13, {})
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if "3.危及" in line)
    lines.insert(at, "\t".join(["", "", "9.■■■■"] + ["1"] * 7))
    text = "\n".join(lines)
    r = build_report(LayoutResult(text_to_tokens(text), text, "text"), "t", S)
    issues = [i for i in r.issues if i.kind == "structure"]
    assert issues and "match no template row" in issues[0].message
    assert ["withheld_security", "total"] in issues[0].cells
    assert score_report(r, _truth_json(truth)).silent == 0


def _grid_cells(skew: float = 0.0, turn: int = 0, moved: tuple[str, str] | None = None) -> list[Cell]:
    """Cells of the applications table at the positions of a printed lattice (page 1), the page
    skewed and turned; ``moved`` is read from the next column's place."""
    spec = get_template("gov2021").table("applications")
    cells = []
    for i, row in enumerate(spec.active_rows("split")):
        for j, col in enumerate(spec.columns):
            jj = j + 1 if moved == (row.id, col.id) else j
            x, y = 200 + 60 * jj, 300 + 30 * i
            t = math.radians(skew)
            x, y = x * math.cos(t) - y * math.sin(t), x * math.sin(t) + y * math.cos(t)
            if turn == 90:
                x, y = 2000 - y, x
            box = [x - 25, y - 12, x + 25, y + 12] if turn == 0 else [x - 12, y - 25, x + 12, y + 25]
            cells.append(Cell("applications", row.id, col.id, 1, "read", "1", 0.99, 1, box))
    return cells


@pytest.mark.parametrize(("skew", "turn"), [(0.0, 0), (3.0, 0), (-4.0, 90)])
def test_a_value_off_its_lattice_column_is_flagged(skew: float, turn: int) -> None:
    match = Match(get_template("gov2021"), {"applications": "split"})
    assert check_structure(match, [], _grid_cells(skew, turn)) == []
    issues = check_structure(match, [], _grid_cells(skew, turn, moved=("withheld_law", "research")))
    assert [i.cells for i in issues] == [[["withheld_law", "research"]]]
    assert issues[0].kind == "structure" and issues[0].table == "applications"


def _layout_tokens(seed: int, shift_appeals: bool = False) -> tuple[LayoutResult, object]:
    """Every table cell of a generated report as a perfect reader gives it (text, page, box);
    ``shift_appeals``: a masked title read as a value before the appeals table's numbers (what a
    reader that takes a box over 行政复议 for a value cell gives)."""
    truth = random_truth("gov2021", seed=seed, variant="split")
    doc = printed_document(truth)
    tokens: list[Token] = []
    for page in layout_document(doc):
        rows: dict[tuple[str, int], list] = {}
        for b in page.printed:
            rows.setdefault((b.table, b.row), []).append(b)
        for (table, _), boxes in sorted(rows.items(), key=lambda kv: (kv[1][0].bbox[1], kv[1][0].bbox[0])):
            row: list[Token] = []
            for b in sorted(boxes, key=lambda b: b.bbox[0]):
                if b.key is not None:
                    row.append(classify(b.text, page=page.number, bbox=b.bbox, confidence=0.99))
                elif b.text and b.lines:
                    row.append(Token(Kind.TEXT, b.text, None, page.number, b.bbox, 0.99))
            if shift_appeals and table == "appeals" and row and all(t.kind is not Kind.TEXT for t in row):
                first = row[0].bbox
                row.insert(0, Token(Kind.MASK, "■", None, page.number, (first[0] - 30, first[1], first[0], first[3])))
            tokens += [*row, BREAK]
    return LayoutResult(tokens, "", "text_pdf"), truth


def test_perfect_reading_raises_no_structure_issue() -> None:
    layout, truth = _layout_tokens(21)
    r = build_report(layout, "t", S)
    assert [i for i in r.issues if i.kind == "structure"] == []
    assert r.value("appeals", "review", "total") == truth.values[("appeals", "review", "total")]


def test_appeals_values_off_their_titles_are_flagged() -> None:
    """A masked title read as a value cell pushes the appeals numbers one column on: the cells
    that end up away from the titles printed over them are named."""
    layout, truth = _layout_tokens(22, shift_appeals=True)
    r = build_report(layout, "t", S)
    doubted = {tuple(k) for i in r.issues if i.kind == "structure" and i.table == "appeals" for k in i.cells}
    wrong = {(c.row, c.col) for c in r.cells if c.table == "appeals" and c.value is not None
             and c.value != truth.values[("appeals", c.row, c.col)]}
    assert wrong and wrong <= doubted


def test_an_ordinal_the_arithmetic_contradicts_is_no_doubt() -> None:
    """一、本年新收 printed as 三、本年新收 (a misprint, as in a real county report): every equation
    holds as printed and the row's numbers would break them in any other row, so its place is not
    in doubt."""
    text, truth = _tab_text(12, {})
    assert "一、本年新收" in text
    text = text.replace("一、本年新收", "三、本年新收", 1)
    r = build_report(LayoutResult(text_to_tokens(text), text, "text"), "t", S)
    doubted = {tuple(k) for i in r.issues if i.kind == "structure" for k in i.cells}
    assert not any(k[0] == "new" for k in doubted)
    assert score_report(r, _truth_json(truth)).silent == 0
    assert r.value("applications", "new", "total") == truth.values[("applications", "new", "total")]


def test_an_ordinal_doubt_stays_where_rows_could_trade_places() -> None:
    """Two rows of （三） whose numbers could trade places without breaking an equation: the
    contradicting ordinal keeps its doubt (the arithmetic cannot tell them apart)."""
    text, _ = _tab_text(12, {"withheld_security": "4.■■■■"})
    r = build_report(LayoutResult(text_to_tokens(text), text, "text"), "t", S)
    doubted = {tuple(k) for i in r.issues if i.kind == "structure" for k in i.cells}
    assert ("withheld_security", "natural_person") in doubted
