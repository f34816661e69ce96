"""Every issue kind the reconstruction raises has a Chinese message that names what the report prints
(table titles, row and column labels), and no contract ID (issue 26).

One fixture per kind, each a document made the way the class of report is made (tab text of a
template-consistent report, with the one fault that raises the kind); the messages are read in
Chinese, the JSON's IDs stay as the contract says."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

import govreport
from govreport.i18n import language
from govreport.layout.text import text_to_tokens
from govreport.layout.tokens import LayoutResult
from govreport.models.template import templates
from govreport.pipeline import build_report
from govreport.settings import ExtractSettings
from govreport.synth.truth import random_truth

from .test_review_load import APPS, OUTCOMES, tab_text

CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]+")


def contract_ids() -> set[str]:
    """Every table, row and column ID of the templates (one-word IDs too: in a Chinese message
    'total' or 'review' is an ID that leaked)."""
    ids: set[str] = set()
    for tpl in templates().values():
        for t in tpl.tables:
            ids.add(t.id)
            ids.update(r.id for r in t.rows)
            ids.update(c.id for c in t.columns)
    return ids


def _recognised(text: str, confidence: float = 0.99, low: set[str] = frozenset()) -> govreport.Report:
    tokens = [dataclasses.replace(t, confidence=0.3 if t.text in low else confidence) for t in text_to_tokens(text)]
    return build_report(LayoutResult(tokens, text, "image"), "t", ExtractSettings())


def _fixtures() -> dict[str, govreport.Report]:
    truth = random_truth("gov2021", seed=4, variant="split")
    out: dict[str, govreport.Report] = {}
    part = next(k for k in sorted(truth.values) if k[0] == APPS and k[1] in OUTCOMES and k[2] != "total"
                and truth.values[k] > 0)
    # a printed inconsistency (text: about the report) and a misreading the arithmetic corrects (a scan)
    out["inconsistent"] = govreport.extract(tab_text(truth, blank=lambda k: False).replace(
        f"\t{truth.values[part]}\t", f"\t{truth.values[part] + 1}\t", 1))
    out["corrected"] = _recognised(tab_text(truth).replace(f"\t{truth.values[part]}\t", "\t9999\t", 1))
    # a column the report leaves empty
    empty = {(APPS, r, "total") for r in OUTCOMES}
    out["empty_column"] = govreport.extract(tab_text(truth, blank=lambda k: k in empty))
    # one number lost from one row: the printed-empty ambiguity
    out["ambiguous"] = govreport.extract(tab_text(truth, blank=lambda k: k == part))
    # a placement that more than one way fits (zeros printed empty, rows dropping their empty fields)
    t2 = random_truth("gov2021", seed=2, variant="split")
    rng = random.Random(2)
    dropped = {r for r in range(40) if rng.random() < 0.5}
    out["placement"] = govreport.extract(tab_text(t2, blank=lambda k: k[0] == APPS and t2.values[k] == 0,
                                                  drop_empty=lambda r: r in dropped))
    # redacted cells, a table not printed, an amount too large for 万元, doubtful readings
    text = tab_text(truth)
    licensing = next(line for line in text.split("\n") if line.startswith("行政许可\t"))
    out["masked"] = govreport.extract(text.replace(licensing, "行政许可\t****", 1))  # no arithmetic recovers it
    cut = text.index("四、政府信息公开行政复议")
    end = text.index("五、", cut)
    out["missing"] = govreport.extract(text[:cut] + text[end:])
    fees = next(line for line in text.split("\n") if line.startswith("行政事业性收费\t"))
    out["unit"] = govreport.extract(text.replace("本年收费金额（单位：万元）", "本年收费金额", 1)
                                    .replace(fees, "行政事业性收费\t3510000", 1))  # 元 printed with no unit
    # (a doubtful reading in a table without arithmetic: the applications table's would confirm it)
    out["low_confidence"] = _recognised(text, low={licensing.split("\t")[1]})
    # a row with more numbers than the table has columns
    row = next(line for line in text.split("\n") if line.startswith("（二）部分公开"))
    out["unplaced"] = govreport.extract(text.replace(row, row + "\t7\t8", 1))
    # an ordinal that names another row where the arithmetic cannot pin it
    out["structure"] = govreport.extract(text.replace("3.危及", "4.危及", 1))
    return out


@pytest.fixture(scope="module")
def reports() -> dict[str, govreport.Report]:
    with language("zh"):
        return _fixtures()


def test_each_kind_is_raised_by_its_fixture(reports):
    kinds = {i.kind for r in reports.values() for i in r.issues}
    assert {"inconsistent", "corrected", "empty_column", "ambiguous", "masked", "missing", "unit",
            "low_confidence", "unplaced", "structure"} <= kinds, kinds


def test_every_message_is_chinese_and_names_no_contract_id(reports):
    ids = contract_ids()
    for name, report in reports.items():
        for issue in report.issues:
            assert CJK.search(issue.message), (name, issue.kind, issue.message)
            leaked = set(WORD.findall(issue.message)) & ids
            assert not leaked, (name, issue.kind, issue.message, leaked)
            for alt in issue.alternatives:
                assert CJK.search(alt.why), (name, issue.kind, alt.why)


def test_the_json_ids_are_the_same_in_both_languages():
    truth = random_truth("gov2021", seed=4, variant="split")
    text = tab_text(truth, blank=lambda k: k in {(APPS, r, "total") for r in OUTCOMES})
    with language("zh"):
        zh = govreport.extract(text).to_dict()
    with language("en"):
        en = govreport.extract(text).to_dict()
    strip = lambda d: [{k: v for k, v in i.items() if k not in ("message", "alternatives")} for i in d["issues"]]  # noqa: E731
    assert zh["cells"] == en["cells"] and strip(zh) == strip(en)
    assert [[a["values"] for a in i["alternatives"]] for i in zh["issues"]] == \
        [[a["values"] for a in i["alternatives"]] for i in en["issues"]]
