"""The three real reports in ../shared/seeds. Expected values were read off the texts by hand."""

from __future__ import annotations

import govreport


def _values(report, table: str, row: str) -> list:
    return [c.value for c in report.cells if c.table == table and c.row == row]


def test_000_one_cell_per_line(seeds):
    r = govreport.extract(seeds / "000_5d1d9146809215bf.txt")
    assert r.template == "gov2021"
    assert r.meta["year"] == 2024 and r.meta["agency"] == "东湖新技术开发区公安分局"
    assert _values(r, "art20_1", "regulations") == [0, 0, 0]
    assert r.value("art20_5", "licensing", "decisions") == 221595
    assert _values(r, "art20_6", "penalties") + _values(r, "art20_6", "coercion") == [4835, 3286]
    assert r.value("art20_8", "fees", "amount") == 94
    assert _values(r, "applications", "new") == [17, 0, 0, 0, 0, 0, 17]
    assert _values(r, "applications", "disclosed") == [3, 0, 0, 0, 0, 0, 3]
    assert _values(r, "applications", "partially_disclosed") == [4, 0, 0, 0, 0, 0, 4]
    assert _values(r, "applications", "withheld_enforcement_file") == [2, 0, 0, 0, 0, 0, 2]
    assert _values(r, "applications", "unable_not_held") == [6, 0, 0, 0, 0, 0, 6]
    assert _values(r, "applications", "total_handled") == [15, 0, 0, 0, 0, 0, 15]
    assert _values(r, "applications", "carried_forward") == [2, 0, 0, 0, 0, 0, 2]
    # the row printed all blank is fixed to zeros by the column totals
    third = [c for c in r.cells if c.row == "withheld_third_party"]
    assert {(c.status, c.value) for c in third} == {("inferred", 0)}
    # blanks beside the 2 in row 7 are fixed by that row's total
    assert r.cell("applications", "withheld_enforcement_file", "commercial").status == "inferred"
    assert all(c.value == 0 for c in r.cells if c.table == "appeals")
    assert r.issues == []


def test_001_tabs_2019_and_inconsistent_appeals(seeds):
    r = govreport.extract(seeds / "001_1cf9a5287485332c.txt")
    assert r.template == "gov2019"
    assert r.meta["year"] == 2019 and r.meta["agency"] == "东西湖区公安分局"
    assert _values(r, "art20_1", "normative_documents") == [102, None, None]
    assert [c.status for c in r.cells if c.row == "normative_documents"] == ["read", "blank", "blank"]
    assert _values(r, "art20_5", "licensing") == [12, 0, 696]
    assert _values(r, "art20_5", "other_services") == [24, 0, 41055]
    assert _values(r, "art20_6", "penalties") == [46, 0, 19902]
    assert _values(r, "art20_8", "fees") == [8, 0]
    assert _values(r, "art20_9", "procurement") == [234, 21672.16]
    assert _values(r, "appeals", "review") == [7, 1, 5, 0, 13]
    assert _values(r, "appeals", "direct_suit") == [4, 0, 1, 1, 7]
    assert _values(r, "appeals", "suit_after_review") == [1, 0, 0, 1, 2]
    bad = [i for i in r.issues if i.kind == "inconsistent"]
    assert len(bad) == 1 and bad[0].table == "appeals"
    assert ["direct_suit", "total"] in bad[0].cells and ["direct_suit", "upheld"] in bad[0].cells
    assert all(c.status == "read" for c in r.cells if c.row == "direct_suit")  # never "fixed" silently
    # only the 总计 column and the first row's 自然人 are printed: the report leaves 自然人 empty below
    # its first row (the truth: printed nothing there), said once about the report, no cell flagged
    assert r.cell("applications", "new", "natural_person").status == "read"
    assert _values(r, "applications", "new") == [2, 0, 0, 0, 0, 0, 2]
    assert _values(r, "applications", "disclosed")[1:] == [0, 0, 0, 0, 0, 2]
    assert _values(r, "applications", "total_handled")[1:] == [0, 0, 0, 0, 0, 2]
    for row in ("disclosed", "total_handled"):
        assert r.cell("applications", row, "natural_person").status == "blank"
    assert _values(r, "applications", "carried_forward") == [0] * 7
    gaps = [i for i in r.issues if i.kind == "empty_column"]
    assert len(gaps) == 1 and gaps[0].about == "report" and gaps[0].cells == [] and "自然人" in gaps[0].message
    flagged = r.issue_cells()
    assert {k for k in flagged if k[0] == "applications"} == set()
    assert len(flagged) <= 5  # the printed inconsistency of direct_suit, nothing else
    assert bad[0].about == "report"
    assert "other_handling" in {c.row for c in r.cells}


def test_003_pipes_masked_labels_by_order(seeds):
    r = govreport.extract(seeds / "003_164254f647ab523c.txt")
    assert r.template == "gov2021"
    assert r.meta["year"] == 2024 and r.meta["agency"] is None  # the issuing body is masked
    # 一、****政府信息公开申请数量 and 二、****政府信息公开申请数量: told apart by order
    assert _values(r, "applications", "new") == [4, 0, 0, 0, 0, 0, 4]
    assert _values(r, "applications", "carried_over") == [0] * 7
    assert _values(r, "applications", "disclosed") == [3, 0, 0, 0, 0, 0, 3]
    assert _values(r, "applications", "unable_not_held") == [1, 0, 0, 0, 0, 0, 1]
    assert _values(r, "applications", "total_handled") == [4, 0, 0, 0, 0, 0, 4]
    assert r.value("art20_5", "licensing", "decisions") == 2149
    assert r.value("art20_6", "penalties", "decisions") == 48
    assert all(c.status == "read" for c in r.cells)
    assert r.issues == []
