"""The audit's checks one by one: parts, dates and deadlines, required content, indicators, cross-year
series, boilerplate and the scope of prose figures. Expected values are worked out by hand."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from govreport.checks.boilerplate import MIN_SHARE, boilerplate_findings, compare_parts, sketch_parts
from govreport.checks.compliance import check_compliance
from govreport.checks.cross_year import YearPoint, cross_year_findings
from govreport.checks.deadlines import check_deadline, find_dates, parse_date, read_meta_csv
from govreport.checks.indicators import MIN_SAMPLE, Indicator, rank_batch, report_indicators
from govreport.checks.narrative import check_narrative
from govreport.checks.parts import split_parts
from govreport.checks.rules import body_kind, rules
from govreport.i18n import language
from govreport.report import Cell, Issue, Report
from govreport.synth.prose import IMPROVEMENTS, PROBLEMS

TITLES = [p.title for p in rules().parts]


# -- rules --------------------------------------------------------------------------------------------------
def test_every_rule_names_its_source():
    r = rules()
    for p in r.parts:
        assert p.source.startswith(("条例第五十条", "格式")), p
    for c in r.content:
        assert c.source.startswith(("条例第五十条", "格式")), c
    assert r.deadline_source == "条例第四十九条"
    assert {d.kind: (d.month, d.day) for d in r.deadlines} == {"department": (1, 31), "government": (3, 31)}
    assert all(sf.source.startswith("条例第二十条") for sf in r.stock_flow)


@pytest.mark.parametrize(("name", "kind"), [
    ("青山区人民政府", "government"), ("长河市人民政府", "government"), ("云溪县人民政府", "government"),
    ("青山区人民政府办公室", "department"), ("上海市人民政府办公厅", "department"), ("临江市生态环境局", "department"),
    ("北湖县发展和改革委员会", "department"), ("东川市公安局西城分局", "department"),
    ("白沙镇人民政府", "township_government"), ("东湖街道办事处", "subdistrict"),
    ("平潭综合实验区", "other"), ("东湖新技术开发区管理委员会", "other"), (None, None)])
def test_body_kind(name, kind):
    assert body_kind(name) == kind


# -- parts ---------------------------------------------------------------------------------------------------
ORDINALS = ["一、", "二、", "三、", "四、", "五、", "六、"]


@st.composite
def report_texts(draw):
    """A report with some of the six parts, headings in one of the styles reports use, and what each says."""
    style = draw(st.sampled_from(["lines", "markdown", "dot", "run_on", "part_word", "year_lead"]))
    present = draw(st.lists(st.booleans(), min_size=6, max_size=6))
    rng = random.Random(draw(st.integers(0, 10_000)))
    intro = "本报告依据《条例》编制，全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等六个部分。"
    chunks, expected = [f"某局2023年政府信息公开工作年度报告\n{intro}"], {}
    for n, (title, here) in enumerate(zip(TITLES, present, strict=True)):
        if not here:
            continue
        name = title[2:]
        heading = {"lines": title, "markdown": f"## {title}", "dot": f"{'一二三四五六'[n]}.{name}",
                   "run_on": title, "part_word": f"第{'一二三四五六'[n]}部分 {name}",
                   "year_lead": f"{title[:2]}2023年度{name}"}[style]
        body = "，".join(rng.sample(PROBLEMS, 2)) + "。"
        expected[rules().parts[n].id] = body
        chunks.append(heading + ("" if style == "run_on" else "\n") + body)
    sep = "" if style == "run_on" else "\n"
    return sep.join(chunks) + "\n某局\n2024年1月20日", expected


@given(report_texts())
@example(("一、总体情况\n全年平稳。\n（一）基本情况\n主要做法。\n六、其他需要报告的事项\n无。",
          {"part1": "全年平稳。\n（一）基本情况\n主要做法。", "part6": "无。"}))
def test_parts_are_found_in_every_heading_style(case):
    text, expected = case
    parts = split_parts(text)
    assert {p["id"]: p["text"] for p in parts} == {k: unicodedata.normalize("NFKC", v) for k, v in expected.items()}


def test_parts_keep_tables_apart_and_drop_the_signature():
    text = ("二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\t本年制发件数\n规章\t0\t0\t3\n"
            "五、存在的主要问题及改进情况\n一是解读不够。\n六、其他需要报告的事项\n未收取信息处理费。\n"
            "临江市生态环境局\n2024年1月20日")
    parts = {p["id"]: p for p in split_parts(text)}
    assert parts["part2"]["text"] == "" and parts["part2"]["table_lines"] == 3
    assert parts["part6"]["text"] == "未收取信息处理费。"


# -- dates and deadlines -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "iso"), [
    ("2025年1月20日", "2025-01-20"), ("2025 年 1 月 2 日", "2025-01-02"), ("二〇二五年一月二十日", "2025-01-20"),
    ("二○二四年十二月三十一日", "2024-12-31"), ("2025-01-20", "2025-01-20"), ("2025/3/1", "2025-03-01"),
    ("2025.02.28", "2025-02-28"), ("2025年2月30日", None), ("第2025号", None)])
def test_parse_date(text, iso):
    d = parse_date(text)
    assert (d.isoformat() if d else None) == iso


def test_find_dates_web_page_and_signature():
    page = "某局2024年报告\n发布时间：2025-01-20 09:30\n来源：某局\n正文……\n某局\n2025年1月18日"
    assert find_dates(page) == {"published": {"date": "2025-01-20", "text": "发布时间:2025-01-20"},
                                "signed": {"date": "2025-01-18", "text": "2025年1月18日"}}
    head = ("某县人民政府2024年政府信息公开工作年度报告\n某县人民政府\n（2025年3月2日）\n"
            "正文……统计期限为2024年1月1日至2024年12月31日。")
    assert find_dates(head) == {"signed": {"date": "2025-03-02", "text": "(2025年3月2日)"}}
    assert find_dates("正文……统计期限为2024年1月1日至2024年12月31日。\n以上。") == {}


def _signed(iso: str) -> dict:
    return {"signed": {"date": iso, "text": iso}}


@pytest.mark.parametrize(("agency", "date", "status", "severities"), [
    ("临江市生态环境局", "2025-01-31", "on_time", []),
    ("临江市生态环境局", "2025-02-01", "late", ["error"]),
    ("长河市人民政府", "2025-03-31", "on_time", []),
    ("长河市人民政府", "2025-04-01", "late", ["error"]),
    ("平潭综合实验区", "2025-01-20", "on_time", []),
    ("平潭综合实验区", "2025-02-20", "unknown", ["warning"]),  # late only if it is a department
    ("平潭综合实验区", "2025-04-02", "late", ["error"]),
    ("白沙镇人民政府", "2025-05-01", "not_checked", ["info"]),
    ("临江市生态环境局", "2024-12-20", "on_time", ["warning"]),  # dated before the year ended
])
def test_deadline(agency, date, status, severities):
    c = check_deadline(2024, agency, _signed(date))
    assert c.status == status
    assert [f.severity for f in c.findings] == severities
    assert all(f.rule == "art49" and f.source == "条例第四十九条" for f in c.findings)


def test_deadline_prefers_meta_then_page_and_never_guesses():
    both = {"published": {"date": "2025-02-10", "text": "发布日期:2025-02-10"}, **_signed("2025-01-10")}
    assert check_deadline(2024, "某局", both).status == "late"  # the page's 发布日期 counts over the signature
    assert check_deadline(2024, "某局", both, meta_date="2025-01-05").date_source == "meta"
    none = check_deadline(2024, "某局", {})
    assert none.status == "unknown" and none.date is None
    assert "no signing or publication date is printed" in none.findings[0].message


def test_meta_csv(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("source,date,kind\nreports/a.pdf,2025-02-03,government\nb.txt,2025年1月5日,\n", encoding="utf-8")
    table = read_meta_csv(p)
    assert table["a.pdf"].date == "2025-02-03" and table["a.pdf"].kind == "government"
    assert table["b.txt"].date == "2025-01-05" and table["b.txt"].kind is None
    p.write_text("source,date\na.pdf,soon\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a date"):
        read_meta_csv(p)


# -- required content ----------------------------------------------------------------------------------------
def _parts(**texts: str) -> list[dict]:
    return [{"id": pid, "heading": rules().part(pid).title, "text": t, "table_lines": 0} for pid, t in texts.items()]


ALL = {"part1": "总体平稳。", "part2": "主动公开信息20条。", "part3": "收到申请3件。", "part4": "未发生行政复议。",
       "part5": "问题是解读不足。", "part6": "本年度未收取信息处理费。"}


def test_complete_department_report_has_no_finding():
    assert check_compliance(_parts(**ALL), 2023, "临江市生态环境局") == []


def test_government_must_report_assessment_review_and_accountability():
    found = check_compliance(_parts(**ALL), 2023, "长河市人民政府")
    assert [(f.rule, f.severity) for f in found] == [("art50(4)-government", "error")]
    assert "工作考核、社会评议、责任追究 not stated" in found[0].message and found[0].evidence is None
    told = dict(ALL, part6="未收取信息处理费。将公开工作纳入考核，开展社会评议2次，未发生责任追究。")
    assert check_compliance(_parts(**told), 2023, "长河市人民政府") == []


def test_information_fee_from_2021():
    no_fee = dict(ALL, part6="无其他需要报告的事项。")
    assert [f.rule for f in check_compliance(_parts(**no_fee), 2020, "某局")] == ["art50(5)"]  # says only 无
    found = check_compliance(_parts(**no_fee), 2021, "某局")
    assert [f.rule for f in found] == ["art50(5)", "format-6-fee"]
    assert "“无其他需要报告的事项。”" in found[1].message
    elsewhere = dict(ALL, part6="无。", part5="问题是解读不足。本年度未收取信息处理费。")
    fee = [f for f in check_compliance(_parts(**elsewhere), 2022, "某局") if f.rule == "format-6-fee"]
    assert fee[0].severity == "info" and "outside part" in fee[0].message


def test_missing_and_empty_parts():
    found = check_compliance(_parts(**{k: v for k, v in ALL.items() if k != "part3"}, ), 2023, "某局")
    assert [f.message.split(":")[0] for f in found] == ["part 三、收到和处理政府信息公开申请情况 not found"]
    empty = check_compliance(_parts(**dict(ALL, part5="")), 2023, "某局")
    assert [(f.rule, f.severity, f.evidence) for f in empty] == [("art50(4)", "error", "五、存在的主要问题及改进情况")]
    assert check_compliance(None, 2023, "某局")[0].severity == "info"  # no prose kept: said, not judged


# -- indicators ----------------------------------------------------------------------------------------------
def _apps(values: dict[str, int | None], status: str = "read") -> dict:
    cells = [Cell("applications", row, "total", value=v, status=status if v is not None else "masked")
             for row, v in values.items()]
    return Report("x", "gov2021", cells=cells).to_dict()


def test_indicator_values_by_hand():
    data = _apps({"disclosed": 6, "partially_disclosed": 2, "withheld_state_secret": 1, "withheld_law": 3,
                  "unable_not_held": 4, "total_handled": 20, "carried_forward": 5, "new": 22, "carried_over": 3})
    inds = report_indicators(data)
    assert inds["disclosure_rate"].value == 0.4  # (6 + 2) / 20
    assert inds["withheld_rate"].value == 0.2  # (1 + 3) / 20
    assert inds["unable_rate"].value == 0.2  # 4 / 20
    assert inds["carry_rate"].value == 0.2  # 5 / (22 + 3)
    assert inds["correction_rate"].value is None and "not in this template" in " ".join(inds["correction_rate"].notes)


def test_indicator_never_silent_about_its_cells():
    masked = report_indicators(_apps({"disclosed": None, "partially_disclosed": 2, "total_handled": 20}))
    assert masked["disclosure_rate"].value is None
    assert "（一）予以公开·总计: masked, no value" in masked["disclosure_rate"].notes  # the cell by its printed label
    with language("zh"):
        notes = report_indicators(_apps({"disclosed": None, "partially_disclosed": 2, "total_handled": 20}))
    assert notes["disclosure_rate"].notes == ["未计算：所需单元格无数值", "（一）予以公开·总计：被遮挡，无数值"]
    data = _apps({"disclosed": 6, "partially_disclosed": 2, "total_handled": 20})
    data["cells"][1].update(value=None, status="blank")
    blank = report_indicators(data)["disclosure_rate"]
    assert blank.value == 0.3 and "（二）部分公开·总计: printed empty, counted as 0" in blank.notes
    data["issues"] = [Issue("low_confidence", "applications", "x", [["disclosed", "total"]]).to_dict(),
                      Issue("corrected", "applications", "x", [["total_handled", "total"]]).to_dict()]
    doubtful = report_indicators(data)["disclosure_rate"]
    assert doubtful.value == 0.3 and doubtful.doubtful == ["applications.disclosed.total (low_confidence)"]
    assert not doubtful.rankable


def test_percentiles_and_outliers():
    def ind(v: float, den: int = 100) -> dict[str, Indicator]:
        return {"disclosure_rate": Indicator("disclosure_rate", "公开率", "", value=v, numerator=v * den,
                                             denominator=den)}
    values = [0.40, 0.42, 0.44, 0.45, 0.45, 0.46, 0.48, 0.50, 0.52, 0.95]
    items = [(f"r{i}", 2023, ind(v)) for i, v in enumerate(values)]
    items.append(("small", 2023, ind(1.0, den=2)))  # too few cases to rank
    found = rank_batch(items)
    assert items[3][2]["disclosure_rate"].percentile == 40.0  # 3 below, 2 equal: (3 + 2 / 2) / 10
    assert items[0][2]["disclosure_rate"].percentile == 5.0
    assert items[-1][2]["disclosure_rate"].percentile is None
    assert [f.report_id for f in found] == ["r9"] and "公开率 95.0%" in found[0].message
    few = [(f"r{i}", 2024, ind(v)) for i, v in enumerate(values[: MIN_SAMPLE - 1])]
    assert rank_batch(few) == [] and few[0][2]["disclosure_rate"].percentile is None
    assert "fewer than" in few[0][2]["disclosure_rate"].notes[-1]


# -- across years --------------------------------------------------------------------------------------------
def _point(rid: str, year: int, body: str = "某局", source: str | None = None, digest: str = "d",
           **values: float | None) -> YearPoint:
    cells = {k.replace("__", "."): (v, "read") for k, v in values.items()}
    return YearPoint(rid, source or f"{rid}.txt", body, body, year, "gov2021", cells, {}, digest)


def test_stock_and_flow():
    good = [_point("a", 2021, art20_1__regulations__in_force=10),
            _point("b", 2022, art20_1__regulations__in_force=12, art20_1__regulations__issued=3,
                   art20_1__regulations__repealed=1)]
    assert cross_year_findings(good) == []
    bad = [good[0], _point("b", 2022, art20_1__regulations__in_force=15, art20_1__regulations__issued=3,
                           art20_1__regulations__repealed=1)]
    (f,) = cross_year_findings(bad)
    assert (f.kind, f.report_id, f.related_report_id) == ("cross_year_stock_flow", "b", "a")
    # the body and both years named, and the cells by their printed labels (checked by hand against gov2021.toml)
    assert f.message.startswith("某局 2021–2022: 规章·现行有效件数 15 in 2022")
    assert "10 in 2021 + 本年制发件数 3 − 本年废止件数 1 = 12" in f.message
    masked = [good[0], _point("b", 2022, art20_1__regulations__in_force=None, art20_1__regulations__issued=3,
                              art20_1__regulations__repealed=1)]
    assert cross_year_findings(masked) == []  # nothing to compare


def test_gap_duplicate_jump_and_carry():
    k = "applications__new__total"
    pts = [_point("a", 2019, **{k: 20}), _point("b", 2020, **{k: 200}), _point("c", 2022, **{k: 15}),
           _point("d", 2022, source="z.docx", digest="other", **{k: 15}),
           _point("e", 2023, **{k: 2}), _point("f", 2024, **{k: 25})]
    found = {(f.kind, f.report_id) for f in cross_year_findings(pts)}
    assert ("cross_year_jump", "b") in found  # 20 -> 200
    assert ("cross_year_gap", "c") in found  # no 2021
    assert ("cross_year_duplicate", "d") in found
    assert ("cross_year_jump", "e") not in found  # 15 -> 2: the smaller is under JUMP_MIN_BASE
    assert ("cross_year_jump", "f") not in found  # 2 -> 25, likewise
    dup = next(f for f in cross_year_findings(pts) if f.kind == "cross_year_duplicate")
    assert "with different tables" in dup.message
    carry = [_point("a", 2021, applications__carried_forward__total=4),
             _point("b", 2022, applications__carried_over__total=5)]
    (f,) = cross_year_findings(carry)
    assert f.kind == "cross_year_mismatch" and f.cells == [["carried_over", "total"]]
    assert f.message.startswith("某局 2021–2022: 上年结转·总计 5 in 2022 ≠ 结转下年度继续办理·总计 4 in 2021")
    jump = next(f for f in cross_year_findings(pts) if f.kind == "cross_year_jump")
    assert jump.message.startswith("某局 2019–2020: 本年新收·总计 200 in 2020 is 10.0 times 20 in 2019")


# -- boilerplate ---------------------------------------------------------------------------------------------
def _prose(rng: random.Random) -> str:
    return (f"本年度仍存在{'、'.join(rng.sample(PROBLEMS, 3))}等问题，与{rng.choice(PROBLEMS)}相比还有差距。"
            f"下一步将{'，'.join(rng.sample(IMPROVEMENTS, 4))}，全年开展培训{rng.randint(2, 90)}次。")


def test_boilerplate_same_body_and_across_bodies():
    rng = random.Random(5)
    texts = {f"r{i}": unicodedata.normalize("NFKC", _prose(rng)) for i in range(12)}  # as split_parts gives them
    texts["copy_prev"] = texts["r0"]  # the same body's next year, copied
    texts["copy_other"] = "另外，" + texts["r5"]  # another body's part, taken over
    reports = {rid: [{"id": "part5", "heading": "五、存在的主要问题及改进情况", "text": t}] for rid, t in texts.items()}
    plan = {f"r{i}": (f"body{i}", 2022) for i in range(12)} | {"copy_prev": ("body0", 2023),
                                                                "copy_other": ("body99", 2022)}
    sketches = [s for rid, (body, year) in plan.items()
                for s in sketch_parts(rid, rid + ".txt", body, body, year, reports[rid])]
    found = boilerplate_findings(sketches, reports.get)
    by = {(f.report_id, f.related_report_id) for f in found}
    assert ("copy_prev", "r0") in by and ("copy_other", "r5") in by
    assert {f.report_id for f in found} <= {"copy_prev", "copy_other", "r5", "r0"}
    for f in found:
        assert f.evidence in texts[f.report_id] and f.evidence in texts[f.related_report_id]
        assert len(f.evidence) >= 60


def test_compare_parts_share():
    a = {"text": "一是解读形式较为单一，二是更新不够及时。下一步将加强培训，完善审核机制，丰富解读方式。"}
    b = {"text": "一是解读形式较为单一，二是更新不够及时。今后要拓展公众参与渠道，推进公开专栏规范化建设。"}
    res = compare_parts(a, b)
    assert 0.2 < res.share < MIN_SHARE  # about half shared: not called copying
    assert res.passage == "一是解读形式较为单一,二是更新不够及时"


# -- prose scope ---------------------------------------------------------------------------------------------
def _apps_report(new: int) -> Report:
    return Report("x", "gov2021", cells=[Cell("applications", r, "total", value=v, status="read") for r, v in
                                         (("new", new), ("carried_over", 0), ("total_handled", new),
                                          ("carried_forward", 0))])


@pytest.mark.parametrize(("sentence", "scope", "agrees"), [
    ("全市共收到政府信息公开申请1234件。", "全市", False),
    ("全县各级行政机关共收到政府信息公开申请300件。", "全县各级行政机关", False),
    ("本机关代表区政府受理政府信息公开申请17件。", "代表区政府", True),
    ("以市政府名义受理政府信息公开申请17件。", "代表市政府", True),
    ("全年收到政府信息公开申请17件。", None, True),
])
def test_figures_are_linked_to_their_scope(sentence, scope, agrees):
    entries, issues = check_narrative(sentence, _apps_report(17))
    (e,) = entries
    assert e.get("scope") == scope and e["agrees"] is agrees
    if not agrees:
        assert f"for {scope} (another scope than the table's)" in issues[0].message


def test_own_scope_after_another():
    text = "全市共收到政府信息公开申请1234件，本机关收到政府信息公开申请18件。"
    entries, issues = check_narrative(text, _apps_report(17))
    assert [(e.get("scope"), e["figure"]) for e in entries] == [("全市", 1234), (None, 18)]
    assert "for 全市" in issues[0].message and "for " not in issues[1].message
