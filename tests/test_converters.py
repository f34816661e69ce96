"""Generated reports as real converters leave them (poppler's pdftotext, pdfminer.six, pdfplumber,
lxml/BeautifulSoup text without separators, html2text, pandoc, mammoth, hand-written Markdown shapes),
with random damage: every cell right or flagged, never silently wrong; printed inconsistencies found.
Converters whose tool is not installed are skipped (``govreport.synth.convert.available``)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govreport
from govreport.synth.convert import CONVERTERS, available, convert, damaged
from govreport.synth.flatten import Damage
from govreport.synth.printed import printed_document
from govreport.synth.score import score
from govreport.synth.truth import random_truth

AVAILABLE = [name for name in CONVERTERS if available(name)]


def _silent(report, truth, unreadable=()) -> list[str]:
    """Silent wrong values; a cell the report lacks (a row variant it could not tell) counts as
    missing, as the acceptance check and benchmarks/common.py count it."""
    return [x for x in score(report, truth.values, unreadable).silent if "no such cell" not in x]


def _report(seed: int, template: str, name: str, damage: bool):
    rng = random.Random(seed)
    truth = random_truth(template, rng=rng)
    doc = printed_document(truth)
    dmg = Damage.random(doc, rng) if damage else Damage()
    return truth, dmg, govreport.extract(convert(damaged(doc, dmg, seed), name))


@settings(max_examples=16, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), template=st.sampled_from(["gov2021", "gov2019"]),
       name=st.sampled_from(AVAILABLE))
def test_converted_reports_never_silently_wrong(seed, template, name):
    truth, dmg, report = _report(seed, template, name, damage=True)
    assert report.template == template
    assert _silent(report, truth, dmg.masked | dmg.blank_zero | dmg.deleted) == []


@pytest.mark.parametrize("name", list(CONVERTERS))
def test_each_converter_clean(name):
    """A clean report through each converter: nothing silently wrong, and most cells read."""
    if not available(name):
        pytest.skip(f"{name}: its tool is not installed")
    truth, _, report = _report(7, "gov2021", name, damage=False)
    assert _silent(report, truth) == []
    read = sum(1 for c in report.cells if c.value is not None and c.value == truth.values[c.key])
    # pdfminer prints tables column by column: its numbers are flagged, not placed
    assert read >= (0.1 if name == "pdfminer" else 0.85) * len(truth.values)


@pytest.mark.parametrize("name", list(CONVERTERS))
def test_printed_inconsistency_survives(name):
    """（七）总计 printed 6 short in one column (and in its own row total, so no one cell fixes it): an
    ``inconsistent`` issue whatever the converter did to the text."""
    if not available(name):
        pytest.skip(f"{name}: its tool is not installed")
    truth = random_truth("gov2021", seed=11)
    doc = printed_document(truth)
    for col in ("natural_person", "total"):
        key = ("applications", "total_handled", col)
        truth.values[key] += 6
        doc.cell_text[key] = str(truth.values[key])
    for table in doc.tables():
        for row in table.rows:
            for cell in row:
                if cell.key in doc.cell_text:
                    cell.text = doc.cell_text[cell.key]
    report = govreport.extract(convert(doc, name))
    assert any(i.kind == "inconsistent" for i in report.issues)
    assert _silent(report, truth) == []
