"""The prose check (issue 8): seeds, samples, phrasing and the Chinese-numeral parser."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

import govreport
from govreport.checks.cn_numbers import cn_to_int, int_to_cn
from govreport.checks.narrative import check_narrative, find_figures, prose_paragraphs
from govreport.report import Cell, Report
from govreport.synth.truth import random_truth

from .conftest import SAMPLES


def _linked(entries: list[dict]) -> dict[str, list]:
    out: dict[str, list] = {}
    for e in entries:
        out.setdefault(e["quantity"], []).append(e["figure"])
    return out


def _run(path):
    report = govreport.extract(path)
    text = path.read_text(encoding="utf-8")
    return report, *check_narrative(text, report)


# -- seeds -------------------------------------------------------------------------------------------
def test_seed_000_figures_linked_and_agreeing(seeds):
    _report, entries, issues = _run(seeds / "000_5d1d9146809215bf.txt")
    assert issues == []
    got = _linked(entries)
    assert got["applications.new.total"] == [17, 17]  # 接收…申请17宗 and 共收到和处理…申请17宗
    assert got["applications.total_handled.total"] == [15]  # 已办结15宗
    assert got["applications.carried_forward.total"] == [2]  # 2宗结转下年度继续办理
    assert got["appeals.review.total"] == [0]  # 全年未因信息公开申请提起行政复议
    assert got["art20_1.regulations.issued"] == [0] and got["art20_1.normative_documents.issued"] == [0]
    assert got["proactive.items"] == [393]
    proactive = next(e for e in entries if e["quantity"] == "proactive.items")
    assert proactive["cells"] == [] and proactive["agrees"] is None and proactive["table_value"] is None
    for e in entries:
        if e["cells"]:
            assert e["agrees"] is True, e
    handled = next(e for e in entries if e["quantity"] == "applications.total_handled.total")
    assert handled["cells"] == [["applications", "total_handled", "total"]] and handled["table_value"] == 15
    assert "已办结15宗" in handled["sentence"]


def test_seed_001_real_mismatch_direct_suit_upheld(seeds):
    report, entries, issues = _run(seeds / "001_1cf9a5287485332c.txt")
    # the table prints direct_suit 4 0 1 1 7; the prose says 结果维持7起
    assert [c.value for c in report.cells if c.row == "direct_suit"] == [4, 0, 1, 1, 7]
    assert len(issues) == 1
    issue = issues[0]
    assert issue.kind == "narrative_mismatch" and issue.table == "appeals"
    assert issue.cells == [["direct_suit", "upheld"]]
    assert "7" in issue.message and "4" in issue.message
    got = _linked(entries)
    assert got["appeals.review.total"] == [13]
    assert got["appeals.review.upheld"] == [7] and got["appeals.review.other"] == [5]
    assert got["appeals.direct_suit.total"] == [7] and got["appeals.direct_suit.upheld"] == [7]
    assert got["appeals.suit_after_review.total"] == [2] and got["appeals.suit_after_review.pending"] == [1]
    assert got["applications.new.total"] == [2] and got["applications.total_handled.total"] == [2]
    assert got["art20_5.licensing.decisions"] == [696] and got["art20_6.penalties.decisions"] == [19902]
    assert got["art20_5.other_services.decisions"] == [41055]
    assert got["art20_1.normative_documents.new_made"] == [102]  # the 2019 template's column
    assert got["art20_9.procurement.projects"] == [234] and got["art20_9.procurement.amount"] == [21672.16]
    wrong = [e for e in entries if e["agrees"] is False]
    assert [e["quantity"] for e in wrong] == ["appeals.direct_suit.upheld"]
    # the table is never changed by the prose
    assert report.value("appeals", "direct_suit", "upheld") == 4


def test_seed_003_masked_prose(seeds):
    _report, entries, issues = _run(seeds / "003_164254f647ab523c.txt")
    assert issues == []
    got = _linked(entries)
    assert got["applications.new.total"] == [4]  # 全年共接收和办理完成各类申请4件 (under （二）依申请公开情况)
    assert all(e["agrees"] in (True, None) for e in entries)
    assert all(q.startswith(("applications", "proactive")) for q in got)


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*") if p.suffix in (".txt", ".md")))
def test_samples_prose_agrees(name):
    report, entries, issues = _run(SAMPLES / name)
    assert issues == []
    got = _linked(entries)
    assert got["applications.new.total"] == [report.value("applications", "new", "total")]
    assert all(e["agrees"] is True for e in entries)


def test_fast_enough(seeds):
    text = (seeds / "001_1cf9a5287485332c.txt").read_text(encoding="utf-8")
    report = govreport.extract(text)
    check_narrative(text, report)
    t = time.perf_counter()
    for _ in range(5):
        check_narrative(text, report)
    assert (time.perf_counter() - t) / 5 < 0.05


# -- phrasing ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def report() -> Report:
    truth = random_truth("gov2021", seed=3, variant="split")
    return Report("x", "gov2021", meta={"year": 2024},
                  cells=[Cell(*k, value=v, status="read") for k, v in truth.values.items()])


CASES: list[tuple[str, list[tuple[str, int | float]]]] = [
    ("本年度共收到政府信息公开申请十七件，较上年增加5件。", [("applications.new.total", 17)]),
    ("2023年共收到政府信息公开申请12件。", []),
    ("上年度收到政府信息公开申请30件，今年收到政府信息公开申请20件。", [("applications.new.total", 20)]),
    ("去年同期收到政府信息公开申请10件。", []),
    ("与2023年相比，收到政府信息公开申请增加5件。", []),
    ("本年度新收政府信息公开申请二十三件，上年结转两件，办结一百零五件，结转下年度三件。",
     [("applications.new.total", 23), ("applications.carried_over.total", 2),
      ("applications.total_handled.total", 105), ("applications.carried_forward.total", 3)]),
    ("共收到政府信息公开申请19件(含上年结转2件)。",
     [("applications.new+carried_over.total", 19), ("applications.carried_over.total", 2)]),
    ("依申请公开方面，予以公开3件，部分公开4件，不予公开2件，无法提供6件，不予处理1件，其他处理0件。",
     [("applications.disclosed.total", 3), ("applications.partially_disclosed.total", 4),
      ("applications.withheld.total", 2), ("applications.unable.total", 6), ("applications.rejected.total", 1),
      ("applications.other_handling.total", 0)]),
    ("收到政府信息公开申请17件，其中自然人15件，法人或其他组织2件。",
     [("applications.new.total", 17), ("applications.new.natural_person", 15),
      ("applications.new.organisations", 2)]),
    ("本年度未收到政府信息公开申请。", [("applications.new.total", 0)]),
    ("全年办理政府信息公开申请17件。", []),  # 办理: received or handled? not attributable
    ("本年度共办结政府信息公开申请15件，其中按期办结15件。", [("applications.total_handled.total", 15)]),
    ("受理各类政务服务申请12000件，政府信息公开工作有序开展。", []),
    ("行政复议和行政诉讼案件共3起。", []),
    ("行政复议、行政诉讼各1起。", []),
    ("未发生因政府信息公开引起的行政复议、行政诉讼。", [("appeals.review.total", 0), ("appeals.suits.total", 0)]),
    ("行政复议、行政诉讼案件均为0。", [("appeals.review.total", 0), ("appeals.suits.total", 0)]),
    ("未出现行政复议被纠错的情况。", []),
    ("尚未审结的行政复议案件1起。", []),
    ("发生行政诉讼5起，其中维持3起，纠正1起，尚未审结1起。",
     [("appeals.suits.total", 5), ("appeals.suits.upheld", 3), ("appeals.suits.corrected", 1),
      ("appeals.suits.pending", 1)]),
    ("收到行政复议申请3件，已办结2件。", [("appeals.review.total", 3)]),
    ("经复议后提起行政诉讼2起。", [("appeals.suit_after_review.total", 2)]),
    ("行政复议维持2起，纠正一起，合计3起。",
     [("appeals.review.upheld", 2), ("appeals.review.corrected", 1), ("appeals.review.total", 3)]),
    ("主动公开行政处罚决定120件，行政许可信息300条。", [("proactive.items", 120)]),
    ("受理行政许可申请500件，作出行政许可决定480件。", [("art20_5.licensing.decisions", 480)]),
    ("行政处罚案件4835起，同比下降12起。", [("art20_6.penalties.decisions", 4835)]),
    ("行政许可、行政处罚共12件。", []),
    ("本年度收取行政事业性收费12.5万元。", [("art20_8.fees.amount", 12.5)]),
    ("本年度未产生信息公开处理费，收取信息处理费0元。", []),
    ("未采取行政强制措施。", [("art20_6.coercion.decisions", 0)]),
    ("对受理的每一起公开申请做到及时答复。", []),
    ("政府信息公开工作是一项系统性工作，一是加强培训，二是完善制度。", []),
    ("全年共发布政务信息1160余条，主动公开政府信息68条。", [("proactive.items", 68)]),
    ("本年度制定规范性文件3件，废止规章1件，现行有效规范性文件20件。",
     [("art20_1.normative_documents.issued", 3), ("art20_1.regulations.repealed", 1),
      ("art20_1.normative_documents.in_force", 20)]),
    ("本单位制定内部规章制度5项。", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_phrasing(report, sentence, expected):
    entries, issues = check_narrative(sentence, report)
    assert [(e["quantity"], e["figure"]) for e in entries] == expected
    for e in entries:
        if e["cells"]:
            assert e["table_value"] is not None
            assert (e["agrees"] is False) == (e["figure"] != e["table_value"])
    assert len(issues) == len({(e["quantity"], e["figure"]) for e in entries if e["agrees"] is False})


def test_approximate_figures_are_not_checked(report):
    entries, issues = check_narrative("全年共收到政府信息公开申请约300件。", report)
    assert entries[0]["quantity"] == "applications.new.total" and entries[0]["agrees"] is None
    assert issues == []


def test_masked_cells_are_not_compared():
    cells = [Cell("appeals", r, c, value=None if (r, c) == ("review", "total") else 0,
                  status="masked" if (r, c) == ("review", "total") else "read")
             for r in ("review", "direct_suit", "suit_after_review")
             for c in ("upheld", "corrected", "other", "pending", "total")]
    r = Report("x", "gov2021", meta={"year": 2024}, cells=cells)
    entries, issues = check_narrative("本年度受理行政复议5起。", r)
    assert entries[0]["table_value"] is None and entries[0]["agrees"] is None and issues == []


def test_no_template_no_links():
    entries, issues = check_narrative("本年度受理行政复议5起。", Report("x", None))
    assert entries[0]["cells"] == [] and entries[0]["agrees"] is None and issues == []


def test_report_unchanged(report):
    before = [(c.key, c.value, c.status) for c in report.cells]
    check_narrative("本年度共收到政府信息公开申请99999件，受理行政复议88起。", report)
    assert [(c.key, c.value, c.status) for c in report.cells] == before
    assert report.issues == [] and report.narrative == []


def test_table_lines_are_not_prose():
    text = "行政许可\t12件\n规章 | 0 | 3件\n一、本年新收 5 6 7\n标题\n\n全年共收到申请,\n\n17件。\n"
    assert prose_paragraphs(text) == ["标题", "全年共收到申请,17件。"]


# -- Chinese numerals ----------------------------------------------------------------------------------
@given(st.integers(0, 10**12 - 1), st.booleans())
def test_cn_round_trip(n, liang):
    assert cn_to_int(int_to_cn(n, liang=liang)) == n


@pytest.mark.parametrize(("text", "value"), [
    ("零", 0), ("〇", 0), ("一", 1), ("两", 2), ("十", 10), ("十七", 17), ("一十七", 17), ("二十", 20),
    ("二十三", 23), ("一百", 100), ("一百零五", 105), ("一百一十", 110), ("两百", 200), ("一千零一", 1001),
    ("三千零二十", 3020), ("一万", 10000), ("一万零五", 10005), ("十万", 100000), ("二十三万四千", 234000),
    ("一亿零一万", 100010000), ("二〇二四", 2024), ("一〇五", 105),
])
def test_cn_values(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text", ["", "百", "十十", "一二百", "abc", "十七件", "零五", "万"])
def test_cn_rejects(text):
    assert cn_to_int(text) is None


@given(st.integers(0, 10**7), st.sampled_from("件宗条起项个"), st.booleans())
def test_figures_in_chinese_and_digits(n, unit, chinese):
    written = int_to_cn(n) if chinese else str(n)
    figs = find_figures(f"受理{written}{unit}")
    assert [(f.value, f.unit) for f in figs] == [(n, unit)]


def test_figure_units_and_money():
    figs = find_figures("共计234件,21672.16万元,收取50000元,约300件,3万件,增长5%,2024年")
    assert [(f.value, f.unit, f.approx) for f in figs] == [
        (234, "件", False), (21672.16, "万元", False), (5, "万元", False), (300, "件", True), (30000, "件", False)]


@pytest.mark.parametrize("text", [
    "行政复议" + "共计" * 40 + "x5起", "收到政府信息公开申请5件，" + "另有" * 40 + "x5件", "5" + " " * 100_000 + "x",
    "未" + "因" * 20_000 + "行政复议", "一" * 50_000 + "件", "9" * 5000 + "件", "收到申请," * 20_000,
])
def test_hostile_prose_stays_fast(text):
    t = time.perf_counter()
    check_narrative(text, Report("x", "gov2021"))
    assert time.perf_counter() - t < 1.0
