"""Text as real converters leave it, one class at a time (issue 13): each mechanism on a small input whose
truth is known by construction."""

from __future__ import annotations

import govreport
from govreport.layout.text import is_glued, text_to_tokens, unglue
from govreport.synth.convert import convert, damaged
from govreport.synth.flatten import Damage, flatten
from govreport.synth.printed import printed_document
from govreport.synth.score import score
from govreport.synth.truth import random_truth


def _tabs(seed: int = 4, template: str = "gov2021"):
    truth = random_truth(template, seed=seed)
    text, _ = flatten(printed_document(truth), "tabs", Damage(), seed=1)
    return truth, text.split("\n")


def _issue_cells(report, kind: str) -> set[tuple[str, str, str]]:
    return {(i.table, *rc) for i in report.issues if i.kind == kind for rc in i.cells}


def test_markdown_row_with_numbers_wins_over_heading_repeating_its_label():
    truth, _ = _tabs()
    report = govreport.extract(convert(printed_document(truth), "md-headings"))
    assert {c.key: c.value for c in report.cells} == truth.values


def test_markdown_outer_pipes_are_no_cells():
    toks = text_to_tokens("### 一、本年新收\n| 类别 | 数据1 |\n|---|---|\n| 本年新收 | 705 |\n")
    row = [t.text for t in toks[toks.index(next(t for t in toks if t.text == "本年新收")):]]
    assert row == ["本年新收", "705", ""]  # "" is the row's break


def test_generic_and_wrong_headers_never_move_columns():
    truth, _ = _tabs(seed=9)
    report = govreport.extract(convert(printed_document(truth), "md-split"))
    assert {c.key: c.value for c in report.cells} == truth.values


def test_glued_rows_split_by_the_arithmetic_and_ordinals_stay_labels():
    assert is_glued("（一）予以公开7000007（二）部分公开1000001（三）不予公开1.属于国家秘密00000002.其他")
    assert not is_glued("畅通12345热线，整改不规范描述22处、失效链接43处，收取380元。（二）加强培训")
    assert [t.text for t in unglue("5000005（五）不予处理1.信访举报投诉类申请00000002.重复申请")] == [
        "5000005", "(五)不予处理1.信访举报投诉类申请", "0000000", "2.重复申请"]
    truth, _ = _tabs(seed=21)
    report = govreport.extract(convert(printed_document(truth), "lxml-glued"))
    assert report.template == "gov2021"
    assert score(report, truth.values).silent == []
    apps = [c for c in report.cells if c.table == "applications"]
    assert sum(c.value == truth.values[c.key] for c in apps) >= 0.9 * len(apps)


def test_glued_row_without_arithmetic_is_flagged_not_guessed():
    truth, _ = _tabs(seed=21)
    truth.values[("art20_5", "licensing", "decisions")] = 12345
    report = govreport.extract(convert(printed_document(truth), "lxml-glued"))
    # art20 rows have no equations: a run such as 0130575 splits many ways
    flagged = _issue_cells(report, "ambiguous") | {c.key for c in report.cells if c.status == "missing"}
    for c in report.cells:
        if c.table == "art20_1" and c.value != truth.values[c.key]:
            assert c.key in flagged


def test_rows_without_labels_take_the_heading_above():
    truth, _ = _tabs(seed=5)
    report = govreport.extract(convert(printed_document(truth), "md-nolabel"))
    assert {c.key: c.value for c in report.cells} == truth.values


def test_unlabelled_rows_in_a_gap_with_room_for_another_placement_are_flagged():
    truth, lines = _tabs(seed=6)
    # two rows lose their labels; three template rows lie between their labelled neighbours
    out = []
    for ln in lines:
        if ln.startswith(("\t\t2.其他法律", "\t\t3.危及")):
            ln = "\t\t\t" + ln.split("\t", 3)[3]
        if ln.startswith("\t\t4.保护第三方"):
            continue
        out.append(ln)
    report = govreport.extract("\n".join(out))
    assert score(report, truth.values).silent == []
    assert ("applications", "withheld_law", "natural_person") in _issue_cells(report, "structure")


def test_tab_rows_that_lost_trailing_empty_cells_are_anchored_by_the_header():
    truth = random_truth("gov2021", seed=3)
    doc = printed_document(truth)
    dmg = Damage(deleted={k for k in doc.cell_text if k[0] == "applications" and k[2] == "total"})
    report = govreport.extract(convert(damaged(doc, dmg), "tabs-trimmed"))
    assert score(report, truth.values, dmg.deleted).silent == []


def test_amounts_in_yuan_converted_and_unexplained_magnitudes_flagged():
    _truth, lines = _tabs(seed=2, template="gov2019")
    i = next(n for n, ln in enumerate(lines) if ln.startswith("政府集中采购"))
    fields = lines[i].split("\t")
    lines[i] = "\t".join([fields[0], fields[1], "251000元"])
    report = govreport.extract("\n".join(lines))
    cell = report.cell("art20_9", "procurement", "amount")
    assert (cell.value, cell.text) == (25.1, "251000元")
    lines[i] = "\t".join([fields[0], fields[1], "12.5亿元"])
    assert govreport.extract("\n".join(lines)).value("art20_9", "procurement", "amount") == 125000
    lines[i] = "\t".join([fields[0], fields[1], "251000"])
    report = govreport.extract("\n".join(lines))
    assert ("art20_9", "procurement", "amount") in _issue_cells(report, "unit")


def test_empty_rows_the_arithmetic_needs_make_an_inconsistent_issue():
    _truth, lines = _tabs()
    out = []
    for ln in lines:
        if ln.startswith(("一、本年新收", "二、上年结转")):
            ln = "\t".join(ln.split("\t")[:3] + [""] * 7)
        out.append(ln)
    report = govreport.extract("\n".join(out))
    assert ("applications", "new", "natural_person") in _issue_cells(report, "inconsistent")
    assert report.cell("applications", "new", "natural_person").status in ("blank", "missing")


def test_inferred_rests_only_on_trusted_readings():
    """A row whose numbers could sit in other columns: nothing is inferred from it."""
    truth, lines = _tabs(seed=8)
    out = []
    for ln in lines:
        if ln.startswith("一、本年新收"):
            fields = [f for f in ln.split("\t") if f]
            ln = " ".join(fields[:1] + [f for f in fields[1:] if f != "0"])  # zeros vanish, columns unknown
        out.append(ln)
    report = govreport.extract("\n".join(out))
    assert score(report, truth.values).silent == []
    inferred = [c for c in report.cells if c.status in ("inferred", "corrected")]
    assert all(c.value == truth.values[c.key] for c in inferred)


def test_cells_one_per_line_with_pipes_as_page_scrapers_write_them():
    """``x |`` per line (a lone ``|`` an empty cell, ``|||`` the columns a cell spans), the same with a
    lone ``|`` opening each row, and a lone ``|`` between cells whose text may wrap: every cell read."""
    for template in ("gov2021", "gov2019"):
        truth = random_truth(template, seed=11)
        for shape in ("pipe-closed", "pipe-opened", "pipe-between"):
            report = govreport.extract(convert(printed_document(truth), shape))
            assert {c.key: c.value for c in report.cells} == truth.values, (template, shape)


def test_lone_pipes_are_empty_cells_or_row_openers_by_style():
    closed = "\n".join(["第二十条第（一）项 |", "|||", "信息内容 |", "本年新制作数量 |", "本年新公开数量 |",
                        "对外公开总数量 |", "规章 |", "3 |", "3 |", "|", "规范性文件 |", "|", "2 |",
                        "7 |"])
    kinds = [t.kind.value for t in text_to_tokens(closed)]
    assert kinds[-8:] == ["text", "number", "number", "blank", "text", "blank", "number", "number"]
    opened = "\n".join(["二、主动公开政府信息情况", "|", "第二十条第（一）项 | ||||", "|", "信息内容 |",
                        "本年新制作数量 |", "本年新公开数量 |", "对外公开总数量 |", "|", "规章 |", "3 |", "3 |", "|",
                        "|", "规范性文件 |", "|", "2 |", "7 |"])
    kinds = [t.kind.value for t in text_to_tokens(opened)]
    # a lone pipe before a label opens a row; before a number or another lone pipe it is an empty cell
    assert kinds[-10:] == ["break", "text", "number", "number", "blank",
                           "break", "text", "blank", "number", "number"]


def test_scraped_pipe_cells_place_an_empty_cell_rather_than_guess():
    text = "\n".join(["二、主动公开政府信息情况", "第二十条第（一）项 |", "信息内容 |", "本年新制作数量 |",
                      "本年新公开数量 |", "对外公开总数量 |", "规章 |", "0 |", "0 |", "|", "规范性文件 |", "4 |",
                      "4 |", "|", "第二十条第（五）项 |", "信息内容 |", "上一年项目数量 |", "本年增/减 |",
                      "处理决定数量 |", "行政许可 |", "6 |", "减4 |", "2 |", "其他对外管理服务事项 |", "0 |", "0 |",
                      "0 |"])
    report = govreport.extract(text)
    got = {c.key: (c.value, c.status) for c in report.cells if c.table in ("art20_1", "art20_5")}
    assert got[("art20_1", "normative_documents", "new_made")] == (4, "read")
    assert got[("art20_1", "normative_documents", "total_published")] == (None, "blank")
    assert got[("art20_5", "licensing", "items_change")] == (-4, "read")  # 减4: a decrease of 4
    assert got[("art20_5", "licensing", "decisions")] == (2, "read")


def test_double_spaced_cells_in_short_text_are_no_rows_of_their_own():
    cells = ("二、主动公开政府信息情况 第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 "
             "规章 0 0 0 行政规范性文件 3 0 17 第二十条第（五）项 信息内容 本年处理决定数量 行政许可 3 "
             "第二十条第（六）项 信息内容 本年处理决定数量 行政处罚 1 行政强制 0")
    report = govreport.extract("\n\n".join(cells.split(" ")) + "\n")  # every cell followed by an empty line
    got = {c.key: c.value for c in report.cells if c.table.startswith("art20") and c.value is not None}
    want = {("art20_1", "regulations", c): 0 for c in ("issued", "repealed", "in_force")}
    want |= {("art20_1", "normative_documents", "issued"): 3, ("art20_1", "normative_documents", "repealed"): 0,
             ("art20_1", "normative_documents", "in_force"): 17, ("art20_5", "licensing", "decisions"): 3,
             ("art20_6", "penalties", "decisions"): 1, ("art20_6", "coercion", "decisions"): 0}
    assert got == want
    assert not [i for i in report.issues if i.table == "art20_1"]


def test_report_served_in_traditional_characters():
    """A site (or a mirror of it) serving the report in traditional characters: 行政處罰, 第二十條第（六）項."""
    from govreport.layout.tokens import TRADITIONAL

    pairs = list(zip(TRADITIONAL[0::2], TRADITIONAL[1::2], strict=True))
    to_traditional = str.maketrans({s: t for t, s in reversed(pairs)})  # 复: the first of 復複覆
    for template in ("gov2021", "gov2019"):
        truth, lines = _tabs(seed=12, template=template)
        text = "\n".join(lines).translate(to_traditional)
        assert "行政處罰" in text and "政府信息公開" in text
        report = govreport.extract(text)
        assert report.template == template
        assert {c.key: c.value for c in report.cells} == truth.values
