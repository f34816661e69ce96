"""The audit of one report or a batch: everything the law and the template ask, in one pass.

Feed :class:`Auditor` one contract dict at a time (``add``), then ``finish`` it: each report gets its
``compliance`` and ``deadline`` findings and its indicators; the batch gets the cross-year findings per
body, the boilerplate shared between reports, the indicators' percentile ranks and outliers, a series
table (one row per body and year) and the bodies ranked by open issues. Only small summaries are kept
per report; full texts are read back through a loader when a comparison needs them.

>>> import govreport
>>> a = Auditor()
>>> _ = a.add("r1", govreport.extract("samples/sample_2021_tabs.txt").to_dict())
>>> audit = a.finish(lambda rid: None)
>>> [(f.kind, f.severity) for f in audit.findings_for("r1")]
[('deadline', 'info')]
>>> audit.reports[0].indicators["disclosure_rate"].name
'公开率'
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from govreport.checks.boilerplate import PartSketch, boilerplate_findings, sketch_parts
from govreport.checks.compliance import check_compliance
from govreport.checks.cross_year import YearPoint, cross_year_findings, watched_cells, year_point
from govreport.checks.deadlines import DeadlineCheck, MetaRow, check_deadline, meta_for
from govreport.checks.findings import SEVERITY_ORDER, Finding
from govreport.checks.indicators import Indicator, rank_batch, report_indicators
from govreport.checks.rules import body_kind, norm_agency, rules

Loader = Callable[[str], "dict[str, Any] | None"]


@dataclass(slots=True)
class ReportAudit:
    """What the audit keeps of one report."""

    id: str
    source: str
    agency: str | None
    body: str
    year: int | None
    template: str | None
    kind: str | None
    deadline: DeadlineCheck
    indicators: dict[str, Indicator]
    findings: list[Finding]  #: this report's own audit findings (compliance, deadline)
    issues: list[Finding]  #: the extraction's issues, as findings
    values: dict[str, Any] = field(default_factory=dict)  #: the series table's cells


@dataclass(slots=True)
class Audit:
    reports: list[ReportAudit]
    batch: list[Finding]  #: cross-year, boilerplate and indicator findings (each names its report)

    def report(self, rid: str) -> ReportAudit:
        return next(r for r in self.reports if r.id == rid)

    def findings_for(self, rid: str) -> list[Finding]:
        """The audit's findings about one report (its own, then the batch's), most severe first."""
        own = [*self.report(rid).findings, *(f for f in self.batch if f.report_id == rid)]
        return sorted(own, key=lambda f: SEVERITY_ORDER[f.severity])

    def all_findings(self, rid: str) -> list[Finding]:
        """The extraction's issues and the audit's findings about one report, most severe first."""
        r = self.report(rid)
        return sorted([*r.issues, *self.findings_for(rid)], key=lambda f: SEVERITY_ORDER[f.severity])

    def counts(self, rid: str) -> Counter[str]:
        return Counter(f.severity for f in self.all_findings(rid))

    def series(self) -> list[dict[str, Any]]:
        """One row per body and year (the first filing's values; ``reports`` says how many there were)."""
        groups: dict[tuple[str, int | None], list[ReportAudit]] = defaultdict(list)
        for r in self.reports:
            groups[(r.body or r.source, r.year)].append(r)
        rows = []
        for (body, year), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or 0)):
            rs = sorted(rs, key=lambda r: (r.source, r.id))
            first = rs[0]
            counts: Counter[str] = Counter()
            for r in rs:
                counts += self.counts(r.id)
            row: dict[str, Any] = {
                "body": body, "agency": first.agency, "year": year, "kind": first.kind, "template": first.template,
                "reports": len(rs), "report_ids": ";".join(r.id for r in rs),
                "date": first.deadline.date, "date_source": first.deadline.date_source,
                "deadline": first.deadline.deadline, "deadline_status": first.deadline.status,
                "errors": counts["error"], "warnings": counts["warning"], "notes": counts["info"]}
            row.update(first.values)
            row.update({f"indicator.{k}": v.value for k, v in first.indicators.items()})
            row.update({f"percentile.{k}": v.percentile for k, v in first.indicators.items()})
            rows.append(row)
        return rows

    def ranking(self) -> list[dict[str, Any]]:
        """Bodies by open issues: most errors first, then warnings."""
        by_body: dict[str, list[ReportAudit]] = defaultdict(list)
        for r in self.reports:
            by_body[r.body or r.source].append(r)
        rows = []
        for body, rs in by_body.items():
            counts: Counter[str] = Counter()
            for r in rs:
                counts += self.counts(r.id)
            years = sorted({r.year for r in rs if r.year is not None})
            rows.append({"body": body, "agency": next((r.agency for r in rs if r.agency), body), "reports": len(rs),
                         "years": years, "errors": counts["error"], "warnings": counts["warning"],
                         "notes": counts["info"], "report_ids": [r.id for r in sorted(rs, key=lambda r: r.source)]})
        rows.sort(key=lambda r: (-r["errors"], -r["warnings"], -r["notes"], r["body"]))
        return rows


def series_cells() -> list[str]:
    """The cells the series table shows (those the cross-year checks use; carried totals only)."""
    return sorted(k for k in watched_cells() if not k.startswith("applications.carried_") or k.endswith(".total"))


def series_columns() -> list[str]:
    """The series table's columns, in order."""
    head = ["body", "agency", "year", "kind", "template", "reports", "report_ids", "date", "date_source", "deadline",
            "deadline_status", "errors", "warnings", "notes"]
    ids = [i.id for i in rules().indicators]
    return head + series_cells() + [f"indicator.{i}" for i in ids] + [f"percentile.{i}" for i in ids]


class Auditor:
    """Collects one report at a time; :meth:`finish` runs the batch-wide checks."""

    def __init__(self, meta: dict[str, MetaRow] | None = None) -> None:
        self.meta = meta or {}
        self.reports: list[ReportAudit] = []
        self.points: list[YearPoint] = []
        self.sketches: list[PartSketch] = []
        self._watch = set(series_cells())

    def add(self, rid: str, data: dict[str, Any]) -> ReportAudit:
        """Audit one report (its contract dict) on its own and keep what the batch checks need."""
        meta = data.get("meta") or {}
        source = str(data.get("source", ""))
        agency = meta.get("agency")
        year = meta.get("year") if isinstance(meta.get("year"), int) else None
        given = meta_for(source, self.meta)
        kind = (given.kind if given else None) or body_kind(agency)
        deadline = check_deadline(year, agency, meta.get("dates"), given.date if given else None, kind)
        findings = [*check_compliance(data.get("parts"), year, agency, kind), *deadline.findings]
        for f in findings:
            f.report_id = rid
        issues = [Finding.from_issue(i, rid) for i in data.get("issues", [])]
        values = {f"{c['table']}.{c['row']}.{c['col']}": c.get("value") for c in data.get("cells", [])
                  if f"{c['table']}.{c['row']}.{c['col']}" in self._watch}
        body = norm_agency(agency)
        r = ReportAudit(rid, source, agency, body, year, data.get("template"), kind, deadline,
                        report_indicators(data), findings, issues, values)
        self.reports.append(r)
        point = year_point(rid, data, body)
        if point is not None:
            self.points.append(point)
        self.sketches += sketch_parts(rid, source, body or source, agency or source, year, data.get("parts"))
        return r

    def finish(self, load: Loader) -> Audit:
        """The batch-wide checks; ``load(report_id)`` gives a report's contract dict back (for full texts)."""
        self.reports.sort(key=lambda r: (r.source, r.id))
        batch = cross_year_findings(self.points)
        batch += boilerplate_findings(self.sketches, lambda rid: (load(rid) or {}).get("parts"))
        batch += rank_batch([(r.id, r.year, r.indicators) for r in self.reports])
        return Audit(self.reports, batch)
