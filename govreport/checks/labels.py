"""Cells by their printed labels (the template's own words), for messages a person reads.

>>> cell_label("art20_1.normative_documents.in_force"), cell_label("appeals.review.total")
('行政规范性文件·现行有效件数', '行政复议·总计')
>>> cell_label("applications.new.total"), cell_label("applications.withheld_law.natural_person")
('本年新收·总计', '不予公开·2.其他法律行政法规禁止公开·自然人')
>>> cell_label("appeals.direct_suit.corrected"), cell_label("nowhere.x.y")
('行政诉讼·未经复议直接起诉·结果纠正', 'nowhere.x.y')
"""

from __future__ import annotations

import re
from functools import cache

_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")
_REMARK = re.compile(r"（[^（）]*(?:只计|不计)[^（）]*）")
_SHORT = {("applications", "new"): "本年新收", ("applications", "carried_over"): "上年结转",
          ("applications", "carried_forward"): "结转下年度继续办理", ("applications", "total_handled"): "办理结果总计"}
_GROUPS = {"withheld_": "不予公开", "unable_": "无法提供", "rejected_": "不予处理", "other_": "其他处理"}
_APPEAL_GROUP = {"direct_suit": "行政诉讼", "suit_after_review": "行政诉讼"}


@cache
def _labels(template: str) -> dict[tuple[str, str], str]:
    from govreport.models.template import templates

    tpl = templates().get(template) or templates()["gov2021"]
    out: dict[tuple[str, str], str] = {}
    for t in tpl.tables:
        for r in t.rows:
            label = _SHORT.get((t.id, r.id)) or _REMARK.sub("", _ORDINAL.sub("", r.labels[0]))
            group = next((g for p, g in _GROUPS.items() if r.id.startswith(p) and r.id != "other_handling"), None)
            if t.id == "applications" and group and not label.startswith("（"):
                label = f"{group}·{label}"
            if t.id == "appeals" and r.id in _APPEAL_GROUP:
                label = f"{_APPEAL_GROUP[r.id]}·{label}"
            out[(t.id, "row:" + r.id)] = label
        for c in t.columns:
            out[(t.id, "col:" + c.id)] = c.label
    return out


def row_label(table: str, row: str, template: str | None = None) -> str:
    return _labels(template or "gov2021").get((table, "row:" + row), row)


def col_label(table: str, col: str, template: str | None = None) -> str:
    return _labels(template or "gov2021").get((table, "col:" + col), col)


def cell_label(key: str, template: str | None = None) -> str:
    """``table.row.col`` as printed: 行 · 列 (the key itself when the template has no such cell)."""
    parts = key.split(".")
    if len(parts) != 3:
        return key
    table, row, col = parts
    labels = _labels(template or "gov2021")
    if (table, "row:" + row) not in labels or (table, "col:" + col) not in labels:
        return key
    return f"{labels[(table, 'row:' + row)]}·{labels[(table, 'col:' + col)]}"
