"""The audit of one report or a batch: everything the law and the template ask, in one pass.

Feed :class:`Auditor` one contract dict at a time (``add``), then ``finish`` it: each report gets its
``compliance`` and ``deadline`` findings and its indicators; the batch gets the cross-year findings per
body (one body under its name variants, :mod:`govreport.checks.bodies`), the boilerplate shared between
reports, the indicators' percentile ranks and outliers, a series table (one row per body and year) and the
bodies ranked by their reports' own defects (findings about the report, weighted by severity; the tool's
reading doubts are counted apart, as 待核对, and never ranked). Only small summaries are kept
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

from govreport.checks.bodies import UNIDENTIFIED, BodyEntry, BodyMap, build_bodies, canonical
from govreport.checks.boilerplate import PartSketch, boilerplate_findings, sketch_parts
from govreport.checks.compliance import check_compliance
from govreport.checks.cross_year import YearPoint, cross_year_findings, watched_cells, year_point
from govreport.checks.deadlines import DeadlineCheck, MetaRow, check_deadline, meta_for
from govreport.checks.findings import SEVERITY_ORDER, Finding, other_scope_cells
from govreport.checks.indicators import Indicator, rank_batch, report_indicators
from govreport.checks.rules import body_kind, rules

Loader = Callable[[str], "dict[str, Any] | None"]

#: what a finding about the report weighs in the ranking, by its severity (a note weighs nothing)
SEVERITY_WEIGHT = {"error": 3, "warning": 1, "info": 0}
#: the ranking's columns of defects: a finding's kind -> its class
DEFECT_CLASS = {"compliance": "compliance", "deadline": "deadline", "inconsistent": "inconsistent",
                "empty_column": "inconsistent", "narrative_mismatch": "narrative", "boilerplate": "boilerplate",
                "indicator_outlier": "outlier"}
DEFECT_CLASSES = ("compliance", "deadline", "inconsistent", "cross_year", "boilerplate", "narrative", "outlier")


def defect_class(kind: str) -> str:
    return "cross_year" if kind.startswith("cross_year") else DEFECT_CLASS.get(kind, "other")


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
    bodies: BodyMap = field(default_factory=BodyMap)  #: every printed name and the body it is

    def unidentified(self) -> list[ReportAudit]:
        """The reports whose body was not read (未识别): never a body of their own."""
        return [r for r in self.reports if r.body == UNIDENTIFIED]

    def body_entry(self, r: ReportAudit) -> BodyEntry | None:
        return self.bodies.entry(r.agency)

    def body_name(self, key: str) -> str:
        return UNIDENTIFIED if key == UNIDENTIFIED else self.bodies.display(key)

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
        groups: dict[tuple[str, int | None, str], list[ReportAudit]] = defaultdict(list)
        for r in self.reports:  # a report whose body was not read is a row of its own
            groups[(r.body, r.year, r.id if r.body == UNIDENTIFIED else "")].append(r)
        rows = []
        for (key, year, _rid), rs in sorted(groups.items(),
                                            key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or 0, kv[0][2])):
            body = self.body_name(key)
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
                "errors": counts["error"], "warnings": counts["warning"], "notes": counts["info"],
                "decisions_open": sum(len(self.to_check(r.id)) for r in rs)}
            row.update(first.values)
            row.update({f"indicator.{k}": v.value for k, v in first.indicators.items()})
            row.update({f"percentile.{k}": v.percentile for k, v in first.indicators.items()})
            rows.append(row)
        return rows

    def defects(self, rid: str) -> list[Finding]:
        """The report's own defects: findings about the report that weigh something (not notes)."""
        return [f for f in self.all_findings(rid) if f.about == "report" and SEVERITY_WEIGHT[f.severity] > 0]

    def to_check(self, rid: str) -> list[Finding]:
        """The tool's doubts about its reading of the report (待核对): a reviewer's queue, never ranked."""
        return [f for f in self.all_findings(rid) if f.about == "reading"]

    def ranking(self) -> list[dict[str, Any]]:
        """Bodies by their reports' own defects (``score``: each weighted by its severity, ``SEVERITY_WEIGHT``),
        then errors; ``to_check`` (待核对) counts the reading doubts beside, outside the rank. Reports whose
        body was not read are left out (:meth:`unidentified`)."""
        by_body: dict[str, list[ReportAudit]] = defaultdict(list)
        for r in self.reports:
            if r.body != UNIDENTIFIED:
                by_body[r.body].append(r)
        rows = []
        for key, rs in by_body.items():
            defects = [f for r in rs for f in self.defects(r.id)]
            counts = Counter(f.severity for f in defects)
            classes = Counter(defect_class(f.kind) for f in defects)
            years = sorted({r.year for r in rs if r.year is not None})
            entry = self.bodies.of_key(key)
            rows.append({"body": self.body_name(key), "agency": self.body_name(key),
                         "variants": sorted({r.agency for r in rs if r.agency}),
                         "level": entry.level if entry else None, "kind": entry.kind if entry else None,
                         "reports": len(rs), "years": years,
                         "score": sum(SEVERITY_WEIGHT[f.severity] for f in defects),
                         "errors": counts["error"], "warnings": counts["warning"],
                         "defects": {c: classes[c] for c in (*DEFECT_CLASSES, "other") if classes[c]},
                         "to_check": sum(len(self.to_check(r.id)) for r in rs),
                         "notes": sum(1 for r in rs for f in self.all_findings(r.id) if f.severity == "info"),
                         "report_ids": [r.id for r in sorted(rs, key=lambda r: (r.year or 0, r.source))]})
        rows.sort(key=lambda r: (-r["score"], -r["errors"], -r["warnings"], r["body"]))
        return rows


def series_cells() -> list[str]:
    """The cells the series table shows (those the cross-year checks use; carried totals only)."""
    return sorted(k for k in watched_cells() if not k.startswith("applications.carried_") or k.endswith(".total"))


def series_columns() -> list[str]:
    """The series table's columns, in order."""
    head = ["body", "agency", "year", "kind", "template", "reports", "report_ids", "date", "date_source", "deadline",
            "deadline_status", "errors", "warnings", "notes", "decisions_open"]
    ids = [i.id for i in rules().indicators]
    return head + series_cells() + [f"indicator.{i}" for i in ids] + [f"percentile.{i}" for i in ids]


class Auditor:
    """Collects one report at a time; :meth:`finish` runs the batch-wide checks."""

    def __init__(self, meta: dict[str, MetaRow] | None = None, bodies: dict[str, BodyEntry] | None = None) -> None:
        self.meta = meta or {}
        self.given_bodies = bodies or {}  #: the user's bodies.csv (:func:`~govreport.checks.bodies.read_bodies_csv`)
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
        other = other_scope_cells(data)
        for f in issues:  # a figure for 全市, 全县 … differs from the body's own table as expected: a note
            if f.kind == "narrative_mismatch" and f.table and f.cells and \
                    all((f.table, *c) in other for c in f.cells):
                f.severity = "info"
        values = {f"{c['table']}.{c['row']}.{c['col']}": c.get("value") for c in data.get("cells", [])
                  if f"{c['table']}.{c['row']}.{c['col']}" in self._watch}
        body = canonical(agency) or UNIDENTIFIED  # provisional: the batch's names settle it (finish)
        r = ReportAudit(rid, source, agency, body, year, data.get("template"), kind, deadline,
                        report_indicators(data), findings, issues, values)
        self.reports.append(r)
        point = year_point(rid, data, "" if body == UNIDENTIFIED else body)
        if point is not None:
            self.points.append(point)
        self.sketches += sketch_parts(rid, source, body, agency or UNIDENTIFIED, year, data.get("parts"))
        return r

    def finish(self, load: Loader) -> Audit:
        """The batch-wide checks; ``load(report_id)`` gives a report's contract dict back (for full texts)."""
        self.reports.sort(key=lambda r: (r.source, r.id))
        bodies = build_bodies([(r.agency, r.year) for r in self.reports], self.given_bodies)
        keys = {r.id: bodies.key(r.agency) for r in self.reports}
        for r in self.reports:
            r.body = keys[r.id]
        for p in self.points:
            p.body = keys[p.id]
        for s in self.sketches:  # no two unread bodies are one
            s.body = f"{UNIDENTIFIED}:{s.report_id}" if keys[s.report_id] == UNIDENTIFIED else keys[s.report_id]
        batch = cross_year_findings(self.points)
        batch += boilerplate_findings(self.sketches, lambda rid: (load(rid) or {}).get("parts"))
        names = {r.id: r.agency or UNIDENTIFIED for r in self.reports}
        batch += rank_batch([(r.id, r.year, r.indicators) for r in self.reports], names)
        return Audit(self.reports, batch, bodies)
