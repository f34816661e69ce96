"""One audit finding, and the severity of every issue kind.

A :class:`Finding` is an :class:`~govreport.report.Issue` with what an auditor needs beside it: how
serious it is, the rule and the article it comes from, and the text it quotes (``evidence``; ``None``
when the finding is that something is absent, which its message then says).

>>> f = Finding("compliance", "error", "part 五 not found", rule="art50(4)", source="条例第五十条第（四）项")
>>> f.to_issue().message
'[art50(4)] part 五 not found'
>>> severity_of("inconsistent"), severity_of("corrected"), severity_of("something_new")
('error', 'info', 'warning')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govreport.report import Issue, default_about
from govreport.types import CellRef

#: severity of the extraction's issue kinds and of the audit's own (a finding may set its own)
KIND_SEVERITY: dict[str, str] = {
    "inconsistent": "error", "unplaced": "error", "missing": "error", "structure": "error",
    "ambiguous": "warning", "masked": "warning", "low_confidence": "warning", "unverified": "warning",
    "narrative_mismatch": "warning", "corrected": "info",
    "compliance": "error", "deadline": "error",
    "cross_year_mismatch": "error", "cross_year_stock_flow": "error", "cross_year_duplicate": "warning",
    "cross_year_gap": "warning", "cross_year_jump": "warning", "boilerplate": "warning",
    "indicator_outlier": "warning",
}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
#: issue kinds whose cells are as good as read: fixed by the arithmetic, or verified by a person (whose value
#: stands whatever a new extraction reads)
TRUSTING = frozenset({"corrected", "verified_conflict"})


def severity_of(kind: str) -> str:
    return KIND_SEVERITY.get(kind, "warning")


def quote(text: str, limit: int = 120) -> str:
    """``text`` in Chinese quotation marks, cut to ``limit`` characters.

    >>> quote("无。"), quote("一二三四五", limit=3)
    ('“无。”', '“一二三…”')
    """
    text = " ".join(text.split())
    return f"“{text[:limit]}…”" if len(text) > limit else f"“{text}”"


@dataclass(slots=True)
class Finding:
    kind: str
    severity: str
    message: str
    rule: str | None = None
    source: str | None = None  #: the article or text the rule comes from
    evidence: str | None = None  #: quoted text; None when something is absent
    table: str | None = None
    cells: list[list[str]] = field(default_factory=list)
    report_id: str | None = None
    related_report_id: str | None = None
    about: str = "report"  #: "reading" (the tool's doubt, an extraction issue) or "report" (the document's fault)

    def to_issue(self) -> Issue:
        msg = f"[{self.rule}] {self.message}" if self.rule else self.message
        about = "reading" if self.about == "reading" else "report"
        return Issue(self.kind, self.table, msg, [list(c) for c in self.cells], about=about)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": self.severity, "message": self.message, "rule": self.rule,
                "source": self.source, "evidence": self.evidence, "table": self.table, "cells": self.cells,
                "report_id": self.report_id, "related_report_id": self.related_report_id, "about": self.about}

    @classmethod
    def from_issue(cls, issue: Issue | dict[str, Any], report_id: str | None = None) -> Finding:
        """An extraction issue as a finding (severity by its kind)."""
        d = issue.to_dict() if isinstance(issue, Issue) else issue
        about = d.get("about") if d.get("about") in ("reading", "report") else default_about(d["kind"])
        return cls(d["kind"], severity_of(d["kind"]), d["message"], table=d.get("table"),
                   cells=[list(c) for c in d.get("cells", [])], report_id=report_id, about=about)


def other_scope_cells(data: dict[str, Any]) -> set[CellRef]:
    """The cells a prose figure for another scope (全市, 全县 …) disagrees with, and no figure for the report's own
    scope does: a ``narrative_mismatch`` on these alone is a note, not a fault (the scopes are expected to differ).

    >>> other_scope_cells({"narrative": [{"agrees": False, "scope": "全市",
    ...                                   "cells": [["applications", "new", "total"]]}]})
    {('applications', 'new', 'total')}
    """
    own, other = set(), set()
    for e in data.get("narrative", []):
        if e.get("agrees") is False:
            (other if e.get("scope") else own).update(tuple(c) for c in e.get("cells", []))
    return other - own  # type: ignore[return-value]


def flagged_cells(data: dict[str, Any]) -> dict[CellRef, set[str]]:
    """The cells of a report (its contract dict) that an issue doubts, with the issue kinds.

    Every issue counts but those of ``TRUSTING`` kinds, except that a ``narrative_mismatch`` doubts a cell only
    when the prose figure it disagrees with is stated for the report's own scope (a figure for 全市 does
    not make the body's own count doubtful).

    >>> data = {"issues": [{"kind": "narrative_mismatch", "table": "applications", "cells": [["new", "total"]]}],
    ...         "narrative": [{"agrees": False, "scope": "全市", "cells": [["applications", "new", "total"]]}]}
    >>> flagged_cells(data)
    {}
    """
    own_scope = {tuple(c) for e in data.get("narrative", []) if e.get("agrees") is False and not e.get("scope")
                 for c in e.get("cells", [])}
    out: dict[CellRef, set[str]] = {}
    for i in data.get("issues", []):
        kind, table = i.get("kind"), i.get("table")
        if kind in TRUSTING or not table:
            continue
        for rc in i.get("cells", []):
            key = (table, rc[0], rc[1]) if len(rc) == 2 else None
            if key is None or (kind == "narrative_mismatch" and key not in own_scope):
                continue
            out.setdefault(key, set()).add(kind)
    return out
