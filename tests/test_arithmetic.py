"""The arithmetic on small hand-made tables."""

from __future__ import annotations

import pytest

import govreport
from govreport.models.template import Equation, get_template
from govreport.synth.printed import printed_document
from govreport.synth.truth import random_truth
from govreport.tables.solve import analyse

ROW = [Equation("row_total", "r", (("r", "t"),), (("r", "a"), ("r", "b"), ("r", "c")))]


def test_blank_fixed_by_total_is_inferred():
    res = analyse(ROW, {("r", "t"): 7, ("r", "a"): 3, ("r", "b"): 4}, [("r", "c")])
    assert res.feasible and res.fixed == {("r", "c"): 0.0}


def test_two_unknowns_are_not_fixed():
    res = analyse(ROW, {("r", "t"): 7, ("r", "a"): 3}, [("r", "b"), ("r", "c")])
    assert res.feasible and res.fixed == {}


def test_zero_total_fixes_every_unknown_by_non_negativity():
    res = analyse(ROW, {("r", "t"): 0}, [("r", "a"), ("r", "b"), ("r", "c")])
    assert res.fixed == {("r", "a"): 0.0, ("r", "b"): 0.0, ("r", "c"): 0.0}


def test_single_equation_cannot_pick_which_cell_is_wrong():
    known = {("r", "t"): 7, ("r", "a"): 3, ("r", "b"): 4, ("r", "c"): 1}
    res = analyse(ROW, known, [], correctable=list(known))
    assert not res.feasible and res.correction is None and len(res.violated) == 1


def _apps_text(values_override: dict) -> str:
    """A consistent gov2021 report as tab text, with some printed numbers replaced."""
    truth = random_truth("gov2021", seed=4, variant="split")
    doc = printed_document(truth)
    lines = []
    for b in doc.blocks:
        if hasattr(b, "rows"):
            for row in b.grid():
                cells = []
                for c in row:
                    if c is None:
                        cells.append("")
                    elif c.key in values_override:
                        cells.append(values_override[c.key])
                    else:
                        cells.append(c.text)
                lines.append("\t".join(cells))
        else:
            lines.append(b.text)
    return "\n".join(lines), truth


def _as_recognised(text: str) -> govreport.Report:
    """The text's tokens as a recogniser would hand them (each with a confidence): a reading."""
    import dataclasses

    from govreport.layout.text import text_to_tokens
    from govreport.layout.tokens import LayoutResult
    from govreport.pipeline import build_report
    from govreport.settings import ExtractSettings

    tokens = [dataclasses.replace(t, confidence=0.99) for t in text_to_tokens(text)]
    return build_report(LayoutResult(tokens, text, "image"), "t", ExtractSettings())


def test_misread_cell_in_rows_and_columns_is_corrected_uniquely():
    key = ("applications", "disclosed", "natural_person")
    text, truth = _apps_text({key: "9999"})
    r = _as_recognised(text)
    c = r.cell(*key)
    assert (c.status, c.value, c.text) == ("corrected", truth.values[key], "9999")
    assert any(i.kind == "corrected" and [key[1], key[2]] in i.cells for i in r.issues)
    assert not [i for i in r.issues if i.kind == "inconsistent"]


def test_an_exact_source_is_never_corrected_its_inconsistency_is_the_reports():
    """The same planted number in a text file is what the document prints: it stands (``read``), and
    the equations it breaks are findings about the report, not doubts about the reading."""
    key = ("applications", "disclosed", "natural_person")
    text, _ = _apps_text({key: "9999"})
    r = govreport.extract(text)
    c = r.cell(*key)
    assert (c.status, c.value) == ("read", 9999)
    assert not any(cell.status == "corrected" for cell in r.cells)
    bad = [i for i in r.issues if i.kind == "inconsistent"]
    assert bad and all(i.about == "report" for i in bad)
    assert all([key[1], key[2]] in i.cells for i in bad)


def test_two_misreads_are_flagged_not_corrected():
    a, b = ("applications", "disclosed", "natural_person"), ("applications", "new", "research")
    text, _ = _apps_text({a: "9999", b: "8888"})
    r = govreport.extract(text)
    assert r.cell(*a).status == "read" and r.cell(*b).status == "read"
    flagged = r.issue_cells()
    assert a in flagged and b in flagged


@pytest.mark.parametrize("template_id", ["gov2021", "gov2019"])
def test_equation_counts(template_id):
    t = get_template(template_id).table("applications")
    rows = len(t.active_rows())
    assert len(t.equations()) == rows + 7 + 7


def test_doubtful_readings_are_set_aside_when_the_arithmetic_fails():
    """Two misreads OCR was unsure of break the table; set aside, the arithmetic fixes them and
    the masked cell too. Each correction is checked by a row and a column of sure cells, so the
    equations that failed as read are settled: the corrections' issues say what was read."""
    import dataclasses

    from govreport.layout.text import text_to_tokens
    from govreport.layout.tokens import LayoutResult
    from govreport.pipeline import build_report
    from govreport.settings import ExtractSettings

    a, b = ("applications", "disclosed", "natural_person"), ("applications", "new", "research")
    m = ("applications", "withheld_law", "total")
    text, truth = _apps_text({a: "9999", b: "8888", m: "****"})
    tokens = [dataclasses.replace(t, confidence=0.6) if t.text in ("9999", "8888")
              else dataclasses.replace(t, confidence=0.99) for t in text_to_tokens(text)]
    r = build_report(LayoutResult(tokens, text, "image"), "t", ExtractSettings())
    for key in (a, b):
        c = r.cell(*key)
        assert (c.status, c.value) == ("corrected", truth.values[key])
    assert (r.cell(*m).status, r.cell(*m).value) == ("inferred", truth.values[m])
    flagged = r.issue_cells()
    assert a in flagged and b in flagged
    assert not any(i.kind == "inconsistent" for i in r.issues)
    for key in (a, b):
        issue = next(i for i in r.issues if i.kind == "corrected" and [key[1], key[2]] in i.cells)
        assert any(alt.values == [[key[1], key[2], int(r.cell(*key).text)]] for alt in issue.alternatives)


def test_confident_misreads_are_not_set_aside():
    """The same misreads read with confidence stay as read, flagged: nothing says which is wrong."""
    import dataclasses

    from govreport.layout.text import text_to_tokens
    from govreport.layout.tokens import LayoutResult
    from govreport.pipeline import build_report
    from govreport.settings import ExtractSettings

    a, b = ("applications", "disclosed", "natural_person"), ("applications", "new", "research")
    text, _ = _apps_text({a: "9999", b: "8888"})
    tokens = [dataclasses.replace(t, confidence=0.99) for t in text_to_tokens(text)]
    r = build_report(LayoutResult(tokens, text, "image"), "t", ExtractSettings())
    assert r.cell(*a).status == "read" and r.cell(*b).status == "read"
    assert a in r.issue_cells() and b in r.issue_cells()
