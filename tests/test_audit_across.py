"""Across reports: one body under its name variants, the ranking by the reports' own defects, and the three
false alarms the audit raised on real reports (part 五 without its heading, 受理 = 新收 + 结转, a 全市 figure)."""

from __future__ import annotations

import pytest

from govreport.checks.audit import Auditor
from govreport.checks.bodies import UNIDENTIFIED, build_bodies, canonical, read_bodies_csv
from govreport.checks.compliance import check_compliance
from govreport.checks.narrative import check_narrative
from govreport.checks.parts import split_parts
from govreport.report import Cell, Report

# -- part 五 found by its content ------------------------------------------------------------------------------
LOST_HEADING = """某县财政局2023年政府信息公开工作年度报告
一、总体情况
全年工作平稳，制度健全。
二、主动公开政府信息情况
规章\t0\t0\t1
三、收到和处理政府信息公开申请情况
本年新收\t3
四、政府信息公开行政复议、行政诉讼情况
行政复议\t0
（一）主要问题
一是公开内容不够全面。二是更新不够及时。
（二）改进情况
下一步将加强培训，完善制度。
六、其他需要报告的事项
本年度未收取信息处理费。
"""


def test_part5_is_found_by_its_sub_headings_when_its_heading_is_lost():
    parts = split_parts(LOST_HEADING)
    p5 = next(p for p in parts if p["id"] == "part5")
    assert p5["found_by"] == "content" and "一是公开内容不够全面" in p5["text"] and "下一步将加强培训" in p5["text"]
    p4 = next(p for p in parts if p["id"] == "part4")
    assert "主要问题" not in p4["text"]  # part 四 ends where part 五's content begins
    findings = check_compliance(parts, 2023, "某县财政局")
    assert not [f for f in findings if f.rule == "art50(4)" and f.severity != "info"]
    (note,) = [f for f in findings if f.rule == "art50(4)"]
    assert note.evidence == "(一)主要问题"


def test_a_problems_line_alone_is_not_part5():
    """Only both sub-headings, in order, stand for part 五: a lone （一）主要问题 in part 四 does not."""
    text = LOST_HEADING.replace("（二）改进情况\n", "")
    assert "part5" not in [p["id"] for p in split_parts(text)]
    findings = check_compliance(split_parts(text), 2023, "某局")
    assert any(f.rule == "art50(4)" and f.severity == "error" for f in findings)


# -- 受理 = 新收 + 上年结转 ---------------------------------------------------------------------------------------
def _apps(**rows: dict[str, int]) -> Report:
    cols = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org")
    cells = []
    for row, vals in rows.items():
        for c in cols:
            cells.append(Cell("applications", row, c, value=vals.get(c, 0), status="read"))
        cells.append(Cell("applications", row, "total", value=sum(vals.values()), status="read"))
    return Report("x.txt", "gov2021", cells=cells, meta={"year": 2025, "agency": "某县人民政府"})


def test_received_counts_the_carried_over_before_blaming_a_scope():
    # as 沭阳县 2025 prints it: 新收 705 + 3 + 5, 结转 36 (自然人); the prose 749 = 713 + 36, 741 = 705 + 36
    r = _apps(new={"natural_person": 705, "commercial": 3, "legal_service": 5}, carried_over={"natural_person": 36})
    sentence = "全县全年共受理政府信息公开申请749件，其中自然人申请741件，法人或其他组织申请8件。"
    entries, issues = check_narrative(sentence, r)
    assert issues == []
    got = {(e["quantity"], e["figure"], e["table_value"], e["agrees"]) for e in entries}
    assert ("applications.new+carried_over.natural_person", 741, 741, True) in got  # 705 + 36, by hand
    assert ("applications.new+carried_over.total", 749, 749, True) in got  # 713 + 36


def test_a_figure_that_is_neither_new_nor_new_plus_carried_is_still_flagged():
    r = _apps(new={"natural_person": 705}, carried_over={"natural_person": 36})
    _, issues = check_narrative("本机关共受理政府信息公开申请，其中自然人申请750件。", r)
    assert [i.kind for i in issues] == ["narrative_mismatch"]


# -- figures for another scope are notes -----------------------------------------------------------------------
def _data(agency: str, year: int, issues: list[dict], narrative: list[dict] | None = None,
          cells: list[dict] | None = None) -> dict:
    return {"source": f"{agency}{year}.txt", "template": "gov2021", "meta": {"year": year, "agency": agency},
            "cells": cells or [], "issues": issues, "narrative": narrative or [], "parts": None}


def _mismatch(scope: str | None) -> tuple[list[dict], list[dict]]:
    issue = {"kind": "narrative_mismatch", "table": "applications", "message": "m", "cells": [["new", "total"]],
             "about": "report"}
    entry = {"agrees": False, "figure": 999, "cells": [["applications", "new", "total"]], "quantity": "x"}
    if scope:
        entry["scope"] = scope
    return [issue], [entry]


@pytest.mark.parametrize(("scope", "severity"), [("全市", "info"), ("全县", "info"), (None, "warning")])
def test_a_figure_for_another_scope_is_a_note(scope, severity):
    a = Auditor()
    issues, narrative = _mismatch(scope)
    r = a.add("r", _data("云溪县人民政府", 2023, issues, narrative))
    (f,) = [f for f in r.issues if f.kind == "narrative_mismatch"]
    assert f.severity == severity


# -- the ranking ---------------------------------------------------------------------------------------------
def test_ranking_puts_real_defects_before_reading_doubts():
    doubts = [{"kind": k, "table": "applications", "message": k, "cells": [["new", "total"]]}
              for k in ["missing"] * 9 + ["structure"] * 2 + ["ambiguous"] * 9]
    defect = [{"kind": "inconsistent", "table": "appeals", "message": "printed so", "about": "report",
               "cells": [["review", "total"]]}]
    a = Auditor()
    a.add("doubts", _data("甲区人民政府", 2023, doubts))
    a.add("defect", _data("乙区人民政府", 2023, defect))
    ranking = a.finish(lambda rid: None).ranking()
    assert [r["body"] for r in ranking] == ["乙区人民政府", "甲区人民政府"]
    assert ranking[0]["score"] > 0 and ranking[0]["defects"] == {"inconsistent": 1}
    assert ranking[1]["to_check"] == 20 and ranking[1]["score"] == 0  # doubts: their own column, never the rank


# -- body identity -------------------------------------------------------------------------------------------
def test_name_variants_meet():
    assert canonical("洪泽区 人民政府") == canonical("洪泽区人民政府") == canonical("洪泽区政府")
    assert canonical("洪泽区人民政府（本级）") == canonical("洪泽区人民政府(本级)")
    m = build_bodies([("江苏省淮安市洪泽区人民政府", 2022), ("淮安市洪泽区人民政府", 2023),
                      ("洪泽区人民政府办公室", 2024), ("洪泽区人民政府", 2021), ("临江市生态环境局", 2023)])
    assert len({m.key(n) for n in ("江苏省淮安市洪泽区人民政府", "淮安市洪泽区人民政府", "洪泽区人民政府办公室",
                                   "洪泽区人民政府")}) == 1
    assert m.key("临江市生态环境局") != m.key("洪泽区人民政府")
    assert (m.entry("淮安市洪泽区人民政府").level, m.entry("淮安市洪泽区人民政府").kind) == ("县", "政府")


def test_an_ambiguous_short_name_and_an_office_filing_beside_its_government_stay_apart():
    m = build_bodies([("宿迁市洪泽区财政局", 2023), ("淮安市洪泽区财政局", 2023), ("洪泽区财政局", 2022),
                      ("北湖县人民政府办公室", 2022), ("北湖县人民政府", 2022)])
    assert len({m.key(n) for n in ("宿迁市洪泽区财政局", "淮安市洪泽区财政局", "洪泽区财政局")}) == 3
    assert m.key("北湖县人民政府办公室") != m.key("北湖县人民政府")
    assert len(m.notes) == 2 and all("not merged" in n for n in m.notes)


def test_unread_body_is_unidentified_and_never_grouped():
    a = Auditor()
    for rid in ("x1", "x2"):
        data = _data("某局", 2023, [])
        data["meta"]["agency"] = None
        a.add(rid, data)
    a.add("ok", _data("临江市生态环境局", 2023, []))
    audit = a.finish(lambda rid: None)
    assert [r.id for r in audit.unidentified()] == ["x1", "x2"]
    assert [r["body"] for r in audit.ranking()] == ["临江市生态环境局"]
    series = audit.series()
    assert [s["body"] for s in series].count(UNIDENTIFIED) == 2  # one row each, not one body


def test_the_users_bodies_csv_overrides(tmp_path):
    path = tmp_path / "bodies.csv"
    m = build_bodies([("洪泽区人民政府", 2023), ("洪泽县政府", 2019)])
    assert m.key("洪泽县政府") != m.key("洪泽区人民政府")  # 撤县设区: the name alone cannot tell
    text = m.to_csv().replace("洪泽县人民政府,洪泽县人民政府", "洪泽县人民政府,洪泽区人民政府")
    text = text.replace("洪泽县政府,洪泽县政府", "洪泽县政府,洪泽区人民政府")
    path.write_text(text, encoding="utf-8")
    given = read_bodies_csv(path)
    m2 = build_bodies([("洪泽区人民政府", 2023), ("洪泽县政府", 2019)], given)
    assert m2.key("洪泽县政府") == m2.key("洪泽区人民政府") and m2.entry("洪泽县政府").given
    path.write_text("variant,body,level\n某局,某局,镇\n", encoding="utf-8")
    with pytest.raises(ValueError, match="level"):
        read_bodies_csv(path)
