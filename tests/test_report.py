"""The Report model, pandas views and the HTML view."""

from __future__ import annotations

import re

import govreport
from govreport.report import Report

from .conftest import SAMPLES


def test_views_and_round_trip():
    r = govreport.extract(SAMPLES / "sample_2019_pipes.md")
    df = r.to_pandas()
    assert len(df) == len(r.cells) and list(df.columns)[:5] == ["table", "row", "col", "value", "status"]
    apps = r.table("applications")
    assert apps.shape == (23, 7) and "other_handling" in apps.index
    # printed column sums equal printed totals (the template's own arithmetic)
    outcome_rows = [x for x in apps.index if x not in ("new", "carried_over", "total_handled", "carried_forward")]
    assert (apps.loc[outcome_rows].sum() == apps.loc["total_handled"]).all()
    assert Report.from_dict(r.to_dict()).to_dict() == r.to_dict()


def test_repr_html_marks_every_cell():
    r = govreport.extract(SAMPLES / "sample_2021_tabs.txt")
    html = r._repr_html_()
    statuses = re.findall(r"data-status='(\w+)'", html)
    assert len(statuses) == len(r.cells)
    assert sorted(statuses) == sorted(c.status for c in r.cells)
