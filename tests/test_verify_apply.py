"""Decisions applied: cells ``verified``, the arithmetic re-run trusting them, issues settled, and the
dataset (JSONs, exports, batch re-runs) keeping them."""

from __future__ import annotations

import copy
import csv
import json

import pandas as pd
import pytest

import govreport
from govreport.batch.run import run_batch
from govreport.output.dataset import EXPORTS, export_dataset
from govreport.report import Cell, Issue, Report
from govreport.verify.apply import apply_decisions, apply_to_data, recheck
from govreport.verify.store import CorrectionStore, Decision, digest, doc_hash

from .verifykit import damaged_text, flagged_dataset

COLS = ("upheld", "corrected", "other", "pending", "total")


def appeals(values: dict[str, int | None], status: dict[str, str] | None = None) -> Report:
    status = status or {}
    cells = [Cell("appeals", "review", c, values.get(c), status.get(c, "read" if values.get(c) is not None
                                                                     else "masked"),
                  "" if status.get(c) == "blank" else str(values.get(c)) if values.get(c) is not None else "■")
             for c in COLS]
    return Report("x.txt", "gov2021", {}, cells)


def test_verified_value_makes_the_arithmetic_infer_a_masked_cell():
    r = appeals({"upheld": 2, "corrected": 1, "other": None, "pending": 0, "total": None})
    r.issues = [Issue("masked", "appeals", "2 redacted cell(s) the arithmetic cannot recover",
                      [["review", "other"], ["review", "total"]])]
    r.verify("appeals", "review", "total", 5, reviewer="ann")
    assert r.cell("appeals", "review", "total").status == "verified"
    other = r.cell("appeals", "review", "other")
    assert (other.status, other.value) == ("inferred", 2)  # 5 - 2 - 1 - 0, checked by hand
    assert r.issues == []  # the masked issue is settled
    assert r.meta["review"]["decided"] == ["appeals.review.total"]


def test_inconsistent_issue_goes_when_the_equation_holds_and_comes_when_a_value_breaks_it():
    r = appeals({"upheld": 2, "corrected": 1, "other": 0, "pending": 0, "total": 4})
    recheck(r, {"appeals"}, set())
    assert [i.kind for i in r.issues] == ["inconsistent"]  # 2+1+0+0 != 4
    r.verify("appeals", "review", "upheld", 3)
    assert r.issues == []
    r.verify("appeals", "review", "total", 9)  # a typo: now the verified cells disagree
    kinds = [i.kind for i in r.issues]
    assert kinds == ["inconsistent"] and ["review", "total"] in r.issues[0].cells


def test_the_template_ids_and_values_are_checked():
    r = appeals({"upheld": 2, "corrected": 1, "other": 0, "pending": 0, "total": 3})
    with pytest.raises(KeyError):
        r.verify("appeals", "review", "nope", 1)
    with pytest.raises(ValueError):
        r.verify("appeals", "review", "total", 2.5)  # counts are whole numbers
    with pytest.raises(ValueError):
        r.verify("appeals", "review", "total", -1)


def test_printed_blank_and_generic_issues_lose_reviewed_cells():
    r = appeals({"upheld": 2, "corrected": 0, "other": 0, "pending": 0, "total": 2})
    r.issues = [Issue("low_confidence", "appeals", "2 cell(s) read with confidence under 0.6",
                      [["review", "upheld"], ["review", "total"]])]
    r.verify("appeals", "review", "upheld", None)  # printed blank
    cell = r.cell("appeals", "review", "upheld")
    assert (cell.status, cell.value) == ("blank", None)  # the reviewer's word stands (issue 30) ...
    kinds = {i.kind: i for i in r.issues}
    # ... and the arithmetic that now fails (0+0+0+0 = 0, total printed 2) says so
    assert "inconsistent" in kinds and ["review", "upheld"] in kinds["inconsistent"].cells
    assert "a reviewer found 行政复议·结果维持 printed blank" in kinds["inconsistent"].message
    assert kinds["low_confidence"].cells == [["review", "total"]]
    assert kinds["low_confidence"].message.startswith("1 cell(s)")


def test_applying_twice_changes_nothing_and_a_fresh_extraction_gets_the_decisions():
    text, truth = damaged_text(4)
    fresh = govreport.extract(text).to_dict()
    report = Report.from_dict(fresh)
    flagged = [k for k in (c.key for c in report.cells) if k in report.issue_cells()]
    decisions = [Decision.make("0" * 16, *k, "value", truth[k], old_value=report.value(*k),
                               old_status=report.cell(*k).status, reviewer="ann") for k in flagged]
    once = apply_to_data(fresh, decisions)
    assert apply_to_data(once, decisions) is once  # the fingerprint matches: nothing to do
    again = Report.from_dict(copy.deepcopy(once))
    again.meta["review"].pop("digest")
    assert apply_decisions(again, decisions, fingerprint=digest(decisions))  # re-applied in full ...
    assert again.to_dict() == once  # ... the same
    assert not [i for i in once["issues"] if i["kind"] == "verified_conflict"]
    for c in once["cells"]:
        k = (c["table"], c["row"], c["col"])
        if k in flagged:
            assert c["status"] == "verified" and c["value"] == truth[k]
    assert apply_to_data(fresh, decisions) == once  # a fresh extraction: the same result


def test_a_new_extraction_that_disagrees_gets_a_verified_conflict():
    r = appeals({"upheld": 2, "corrected": 1, "other": 0, "pending": 0, "total": 3})
    data = r.to_dict()
    d = Decision.make("0" * 16, "appeals", "review", "upheld", "value", 2, old_value=7, old_status="read",
                      reviewer="ann")
    out = apply_to_data(data, [d])  # the reviewer saw 7, typed 2; this extraction reads 2: agreed
    assert not [i for i in out["issues"] if i["kind"] == "verified_conflict"]
    data["cells"][0]["value"], data["cells"][0]["text"] = 5, "5"  # a new version reads 5
    out = apply_to_data(data, [d])
    conflicts = [i for i in out["issues"] if i["kind"] == "verified_conflict"]
    assert len(conflicts) == 1 and conflicts[0]["cells"] == [["review", "upheld"]]
    assert out["cells"][0]["value"] == 2 and out["cells"][0]["status"] == "verified"  # the decision stands
    assert out["cells"][0]["text"] == "5"  # text keeps what the tool read
    again = Decision.make("0" * 16, "appeals", "review", "upheld", "confirm", 2, old_value=2, old_status="verified",
                          reviewer="bo", seen=(5,))  # a reviewer looked at the conflict and confirmed
    settled = apply_to_data(out, [d, again])
    assert not [i for i in settled["issues"] if i["kind"] == "verified_conflict"]
    assert apply_to_data(data, [d, again]) == {**settled, "meta": settled["meta"]}  # fresh: no conflict either


def _decide_all(folder, truths):
    store = CorrectionStore(folder)
    decided = {}
    for rid, truth in truths.items():
        data = json.loads((folder / f"{rid}.json").read_text(encoding="utf-8"))
        report = Report.from_dict(data)
        for k in sorted(report.issue_cells()):
            store.append(Decision.make(doc_hash(rid), *k, "value", truth[k], old_value=report.value(*k),
                                       old_status=report.cell(*k).status, reviewer="ann", report=rid))
            decided[(rid, *k)] = truth[k]
    return decided


def test_batch_reruns_and_exports_keep_the_decisions(tmp_path):
    truths = flagged_dataset(tmp_path, 3)
    ds = tmp_path / "ds"
    decided = _decide_all(ds, truths)
    export_dataset(ds)  # --export-only: the decisions reach the JSONs and every export
    cells = pd.read_parquet(ds / "cells.parquet")
    got = {(r.report_id, r.table, r.row, r.col): (r.status, r.value) for r in cells.itertuples()}
    for k, v in decided.items():
        assert got[k] == ("verified", v)
    issues = list(csv.DictReader((ds / "issues.csv").open(encoding="utf-8-sig")))
    named = {(i["report_id"], i["table"], *rc) for i in issues for rc in json.loads(i["cells"])}
    assert not named & set(decided)
    reports = list(csv.DictReader((ds / "reports.csv").open(encoding="utf-8-sig")))
    for (rid, t, r, c), v in decided.items():
        row = next(x for x in reports if x["report_id"] == rid)
        assert float(row[f"{t}.{r}.{c}"]) == v
    before = {e: (ds / e).read_bytes() for e in EXPORTS} | {p.name: p.read_bytes() for p in ds.glob("*.json")}
    run_batch([tmp_path / "in"], ds, workers=0, progress=False)  # a rerun: nothing changes
    assert before == {e: (ds / e).read_bytes() for e in EXPORTS} | {p.name: p.read_bytes() for p in ds.glob("*.json")}
    for p in ds.glob("*-r*.json"):
        p.unlink()  # as if a new version re-extracted everything
    run_batch([tmp_path / "in"], ds, workers=0, progress=False)
    for (rid, t, r, c), v in decided.items():
        cell = Report.from_dict(json.loads((ds / f"{rid}.json").read_text(encoding="utf-8"))).cell(t, r, c)
        assert (cell.status, cell.value) == ("verified", v)
    assert pd.read_parquet(ds / "cells.parquet").equals(cells)


def _undo(k, report_value=None):
    return Decision.make("0" * 16, *k, "undo", old_value=report_value, old_status="verified", reviewer="ann")


def test_an_undo_brings_the_cell_and_its_issues_back_to_the_extraction():
    text, truth = damaged_text(4)
    fresh = govreport.extract(text).to_dict()
    report = Report.from_dict(fresh)
    flagged = [k for k in (c.key for c in report.cells) if k in report.issue_cells()]
    assert len(flagged) >= 2
    decisions = [Decision.make("0" * 16, *k, "value", truth[k] + 1, old_value=report.value(*k),
                               old_status=report.cell(*k).status, reviewer="ann") for k in flagged]
    once = apply_to_data(fresh, decisions)
    k0 = flagged[0]
    undo = _undo(k0)
    undone = apply_to_data(once, [*decisions, undo])
    cells = {(c["table"], c["row"], c["col"]): c for c in undone["cells"]}
    assert (cells[k0]["status"], cells[k0]["value"]) == (report.cell(*k0).status, report.value(*k0))
    assert k0[1:] in [tuple(rc) for i in undone["issues"] if i["table"] == k0[0] for rc in i["cells"]]  # flagged again
    for k in flagged[1:]:
        assert (cells[k]["status"], cells[k]["value"]) == ("verified", truth[k] + 1)
    assert "".join(k0) not in "".join(undone["meta"]["review"]["decided"]).replace(".", "")
    assert apply_to_data(fresh, [*decisions, undo]) == undone  # the same on a fresh extraction
    every = [*decisions, undo, *(_undo(k) for k in flagged[1:])]
    back = apply_to_data(undone, every)
    assert back["cells"] == fresh["cells"] and back["issues"] == fresh["issues"]  # the extraction, exactly
    assert back["meta"]["review"]["decided"] == []


def test_an_undo_withdraws_only_the_last_decision():
    r = appeals({"upheld": 2, "corrected": 1, "other": 0, "pending": 0, "total": 4})
    recheck(r, {"appeals"}, set())
    data = r.to_dict()
    k = ("appeals", "review", "total")
    first = Decision.make("0" * 16, *k, "value", 3, old_value=4, old_status="read", reviewer="ann")
    second = Decision.make("0" * 16, *k, "value", 9, old_value=3, old_status="verified", reviewer="bo")
    out = apply_to_data(data, [first, second, _undo(k, 9)])
    cell = next(c for c in out["cells"] if c["col"] == "total")
    assert (cell["status"], cell["value"]) == ("verified", 3)  # the first decision is in force again
    assert out["issues"] == []  # 2 + 1 + 0 + 0 = 3
    out = apply_to_data(out, [first, second, _undo(k, 9), _undo(k, 3)])
    cell = next(c for c in out["cells"] if c["col"] == "total")
    assert (cell["status"], cell["value"]) == ("read", 4)
    assert [i["kind"] for i in out["issues"]] == ["inconsistent"]  # 2 + 1 + 0 + 0 != 4 again


def test_an_undo_on_a_json_reviewed_before_the_extraction_was_kept_flags_the_cell():
    r = appeals({"upheld": 2, "corrected": 1, "other": 0, "pending": 0, "total": 3})
    data = r.to_dict()
    k = ("appeals", "review", "upheld")
    d = Decision.make("0" * 16, *k, "value", 5, old_value=2, old_status="read", reviewer="ann")
    once = apply_to_data(data, [d])
    del once["meta"]["review"]["extracted"]  # as an older version wrote it
    out = apply_to_data(once, [d, _undo(k, 5)])
    cell = out["cells"][0]
    assert (cell["status"], cell["value"]) == ("read", 2)  # what the decision found there
    assert any(i["kind"] == "low_confidence" and i["cells"] == [["review", "upheld"]] for i in out["issues"])
