"""Column headings a person reads in ``reports.xlsx`` (CSV and Parquet keep the IDs for programs), and
each value's state in ``reports.csv``/``reports.xlsx``: read, inferred, corrected, verified, or in doubt.

>>> from govreport.i18n import language
>>> with language("zh"):
...     heading("appeals.review.upheld"), heading("appeals.review.upheld.status")[-4:], heading("agency")
('政府信息公开行政复议、行政诉讼情况·行政复议·结果维持', '（状态）', '单位')
>>> value_state({"status": "read"}, set()), value_state({"status": "read"}, {"ambiguous"})
('read', 'in_doubt')
"""

from __future__ import annotations

from functools import cache
from typing import Any

from govreport.i18n import N_, _, current_language
from govreport.output.words import status_word

STATUS_SUFFIX = ".status"
IN_DOUBT = "in_doubt"
#: the non-cell columns of the exports, as a person reads them
WORDS = {
    "report_id": N_("report ID"), "source": N_("source file"), "agency": N_("agency"), "year": N_("year"),
    "template": N_("template"), "input_kind": N_("input kind"), "pages": N_("pages"),
    "issue_count": N_("issues"), "kind": N_("kind"), "table": N_("table"), "message": N_("message"),
    "cells": N_("cells"), "related_report_id": N_("related report"), "severity": N_("severity"),
    "body": N_("body"), "reports": N_("reports"), "report_ids": N_("report IDs"), "date": N_("published"),
    "date_source": N_("date from"), "deadline": N_("deadline"), "deadline_status": N_("deadline kept"),
    "errors": N_("errors"), "warnings": N_("warnings"), "notes": N_("notes"),
}


@cache
def _printed(lang: str) -> dict[str, str]:
    """``table.row.col`` -> ``title·row·column`` as the templates print them (gov2021 first)."""
    from govreport.models.template import templates

    out: dict[str, str] = {}
    for tpl in templates().values():
        for t in tpl.tables:
            for r in t.rows:
                for c in t.columns:
                    label = r.labels[0] if r.labels else r.id
                    out.setdefault(f"{t.id}.{r.id}.{c.id}", f"{t.title}·{label}·{c.label}")
    return out


def heading(column: str) -> str:
    """The heading a person reads for an export column (the ID itself in English, or when unknown)."""
    if current_language() == "en":
        return column
    if column.endswith(STATUS_SUFFIX) and column.count(".") == 3:
        return _("{column} (status)").format(column=heading(column[: -len(STATUS_SUFFIX)]))
    if column in WORDS:
        return _(WORDS[column])
    return _printed(current_language()).get(column, column)


def value_state(cell: dict[str, Any], doubts: set[str]) -> str:
    """What a value in ``reports.csv`` is: its status, or ``in_doubt`` when an issue doubts it (a value a
    person verified is never in doubt)."""
    status = str(cell.get("status"))
    return IN_DOUBT if doubts and status != "verified" else status


def state_word(state: str) -> str:
    """A value's state as ``reports.xlsx`` shows it."""
    return _("in doubt") if state == IN_DOUBT else status_word(state)
