"""The three real reports in ../shared/real, each in the form it was found in, against their hand-checked
truth: every cell equal to the truth or flagged (an issue names it, or it is masked/missing), none silently
wrong. The classes: an OCR-to-Markdown conversion (headings repeating labels, columns 数据1..6), a web
archiver's glued text (digits run into labels and each other), a report's own HTML (totals printed empty,
an amount in 元)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import govreport

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
TRUTHS = sorted(REAL.glob("*.truth.json")) if REAL.is_dir() else []


def _document(truth_path: Path) -> Path:
    stem = truth_path.name[: -len(".truth.json")]
    return next(p for p in truth_path.parent.glob(stem + ".*") if not p.name.endswith(".truth.json"))


@pytest.fixture(scope="module", params=TRUTHS or [None], ids=lambda p: p.name.split(".")[0] if p else "none")
def real(request):
    if request.param is None:
        pytest.skip("../shared/real is not beside this checkout")
    truth = json.loads(request.param.read_text(encoding="utf-8"))
    return truth, govreport.extract(_document(request.param))


def _right(c, want) -> bool:
    """As the acceptance check scores: the true value, or empty where the report printed nothing or 0."""
    return (want is None and c.value in (None, 0)) or (
        want is not None and c.value is not None and abs(float(c.value) - float(want)) < 1e-6
    ) or (want == 0 and c.value is None and c.status == "blank")


def test_every_cell_right_or_flagged(real):
    truth, report = real
    assert report.template == truth["template"]
    cells = {c.key: c for c in report.cells}
    named = report.issue_cells()
    silent = []
    for t in truth["cells"]:
        key = (t["table"], t["row"], t["col"])
        c = cells.get(key)
        want = t["value"]
        if c is None or c.status in ("masked", "missing") or key in named:
            continue
        if not _right(c, want):
            silent.append(f"{'.'.join(key)}: {c.value!r} ({c.status}), truth {want!r}")
    assert silent == []


def test_printed_inconsistencies_found(real):
    truth, report = real
    inconsistent = {(i.table, tuple(tuple(k) for k in i.cells)) for i in report.issues if i.kind == "inconsistent"}
    for table, row in (tuple(x) for x in truth.get("inconsistent_rows", [])):
        assert any(t == table and any(k[0] == row for k in cells) for t, cells in inconsistent), (table, row)


def test_mostly_read(real):
    """Flagging is the fallback, not the answer: these three are read right cell for cell."""
    truth, report = real
    cells = {c.key: c for c in report.cells}
    wrong = [t for t in truth["cells"] if not _right(cells[(t["table"], t["row"], t["col"])], t["value"])]
    assert wrong == []


def test_amount_printed_in_yuan_is_converted():
    path = REAL / "shanghai_office_2019.html"
    if not path.exists():
        pytest.skip("../shared/real is not beside this checkout")
    cell = govreport.extract(path).cell("art20_9", "procurement", "amount")
    assert (cell.value, cell.status) == (25.1, "read")
    assert cell.text == "251000元"
