"""The terminal summary of ``govreport extract``: printed labels, fitted to the width, never cut."""

from __future__ import annotations

import pytest

import govreport
from govreport.cli import main
from govreport.models.template import get_template
from govreport.output.summary import render_summary
from govreport.report import Issue

from .conftest import SAMPLES


@pytest.fixture(scope="module")
def report():
    r = govreport.extract(SAMPLES / "sample_2021_tabs.txt")
    r.issues.append(Issue("low_confidence", "applications", "2 cell(s)", [["new", "total"],
                                                                          ["partially_disclosed", "research"]]))
    return r


@pytest.mark.parametrize("width", [40, 60, 80, 100, 160])
def test_fits_the_width_and_cuts_nothing(report, width):
    text = render_summary(report, width=width)
    assert max(map(len, text.splitlines())) <= width
    assert "…" not in text and "..." not in text
    assert "83!" in text.replace(" ", "")  # the flagged total is marked


@pytest.mark.parametrize("width", [80, 100, 160])
def test_rows_and_columns_under_their_printed_labels(report, width):
    text = render_summary(report, width=width)
    # the row-label column read down (a wrapped label continues on the next line)
    column = "".join(line.split("│")[1].strip() for line in text.splitlines() if line.startswith("│"))
    tpl = get_template("gov2021")
    for spec in tpl.tables:
        for row in spec.active_rows(report.meta.get("variant", {}).get(spec.id)):
            assert any(label in column for label in row.labels), (width, row.id)  # one of its own labels, whole
    lines = text.splitlines()
    assert any("自然" in x for x in lines) and any("行政复议" in x for x in lines)
    assert "natural_person" not in text and "partially_disclosed" not in text
    if width >= 160:
        assert "一、本年新收政府信息公开申请数量" in text and "自然人" in text


def test_ids_instead(report):
    text = render_summary(report, width=120, ids=True)
    assert "natural_person" in text and "partially_disclosed" in text and "自然人" not in text


def test_extract_ids_option(capsys):
    assert main(["extract", str(SAMPLES / "sample_2019_pipes.md"), "--ids"]) == 0
    assert "withheld_state_secret" in capsys.readouterr().out
    assert main(["extract", str(SAMPLES / "sample_2019_pipes.md")]) == 0
    out = capsys.readouterr().out
    assert "属于国家秘密" in out and "withheld_state_secret" not in out


@pytest.mark.parametrize("width", [80, 120])
def test_short_column_headers_are_never_wrapped(report, width):
    """自然人, 其他, 总计 stay whole on one line: row labels give way to their short forms first."""
    text = render_summary(report, width=width)
    heads = [line for line in text.splitlines() if line.startswith("┃")]
    assert any("自然人" in line for line in heads) and any("总计" in line for line in heads)
    assert any("其他" in line for line in heads)
