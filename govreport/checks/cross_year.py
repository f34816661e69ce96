"""One body's reports across years: stock and flow, gaps, reports filed twice, abrupt jumps.

Reports are grouped by body (the issuing body's name, normalised as the dataset exports do) and year.
Each finding names the report it is about and the related report (``related_report_id``):

- ``cross_year_mismatch``: ``carried_forward`` of year N ≠ ``carried_over`` of year N+1, per applicant column;
- ``cross_year_stock_flow``: 现行有效 this year ≠ last year's 现行有效 + 本年制发 − 本年废止 (the rules
  file's stock-and-flow rows, gov2021's 第二十条第（一）项 for 规章 and 行政规范性文件);
- ``cross_year_gap``: a year missing between two of the body's reports;
- ``cross_year_duplicate``: two reports of one body for one year (the same tables or not, it says);
- ``cross_year_jump``: a count ten times (or a tenth of) last year's, both at least ``JUMP_MIN_BASE``.

>>> def point(rid, year, in_force, issued, repealed):
...     cells = {f"art20_1.regulations.{c}": (v, "read") for c, v in
...              (("in_force", in_force), ("issued", issued), ("repealed", repealed))}
...     return YearPoint(rid, rid + ".txt", "某局", "某局", year, "gov2021", cells, {}, "")
>>> [f.message for f in cross_year_findings([point("a", 2022, 10, 1, 0), point("b", 2023, 12, 3, 0)])]
['某局 2022–2023: 规章·现行有效件数 12 in 2023, but 10 in 2022 + 本年制发件数 3 − 本年废止件数 0 = 13']
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govreport.checks.findings import Finding, flagged_cells
from govreport.checks.labels import cell_label, col_label
from govreport.checks.rules import rules
from govreport.i18n import _

JUMP_FACTOR = 10.0  #: a count this many times last year's (or this fraction of it) is an abrupt jump
JUMP_MIN_BASE = 3  #: ... when the smaller of the two is at least this (1 → 10 is no news)
APPLICATION_COLS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org",
                    "total")


@dataclass(slots=True)
class YearPoint:
    """What the cross-year checks keep of one report."""

    id: str
    source: str
    body: str  #: the grouping key (normalised agency)
    agency: str  #: as printed
    year: int
    template: str | None
    values: dict[str, tuple[Any, str]]  #: "table.row.col" -> (value, status), the cells the checks use
    flagged: dict[str, list[str]]  #: "table.row.col" -> issue kinds naming it
    digest: str  #: hash of every cell's value (two filings with the same tables have the same digest)


def watched_cells() -> set[str]:
    r = rules()
    out = set(r.jump_cells)
    out.update(f"applications.{row}.{col}" for row in ("carried_over", "carried_forward") for col in APPLICATION_COLS)
    for sf in r.stock_flow:
        out.update(f"{sf.table}.{row}.{col}" for row in sf.rows for col in (sf.stock, sf.inflow, sf.outflow))
    return out


def year_point(rid: str, data: dict[str, Any], body: str) -> YearPoint | None:
    """The summary of one report (its contract dict); ``None`` without a body or a year."""
    meta = data.get("meta") or {}
    year = meta.get("year")
    if not body or not isinstance(year, int):
        return None
    watch = watched_cells()
    values: dict[str, tuple[Any, str]] = {}
    everything = []
    for c in data.get("cells", []):
        key = f"{c['table']}.{c['row']}.{c['col']}"
        everything.append((key, c.get("value")))
        if key in watch:
            values[key] = (c.get("value"), c.get("status"))
    flagged = {".".join(k): sorted(kinds) for k, kinds in flagged_cells(data).items() if ".".join(k) in watch}
    digest = hashlib.sha256(json.dumps(sorted(everything), ensure_ascii=False).encode()).hexdigest()[:16]
    return YearPoint(rid, str(data.get("source", "")), body, str(meta.get("agency") or body), year,
                     data.get("template"), values, flagged, digest)


def _fmt(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _flag_note(p: YearPoint, keys: Iterable[str]) -> str:
    notes = [_("{cell} in {year} is doubted ({kinds})").format(cell=cell_label(k, p.template), year=p.year,
                                                                 kinds=", ".join(sorted(set(p.flagged[k]))))
             for k in keys if k in p.flagged]
    return f" ({'; '.join(notes)})" if notes else ""


def _stock_flow(prev: YearPoint, cur: YearPoint) -> list[Finding]:
    out: list[Finding] = []
    for sf in rules().stock_flow:
        if prev.template != sf.template or cur.template != sf.template:
            continue
        for row in sf.rows:
            keys = [f"{sf.table}.{row}.{c}" for c in (sf.stock, sf.inflow, sf.outflow)]
            before = prev.values.get(keys[0], (None, ""))[0]
            now, inflow, outflow = (cur.values.get(k, (None, ""))[0] for k in keys)
            if None in (before, now, inflow, outflow):
                continue
            expected = before + inflow - outflow
            if abs(expected - now) < 1e-9:
                continue
            note = _flag_note(prev, keys[:1]) or _flag_note(cur, keys)
            t = cur.template
            out.append(Finding(
                "cross_year_stock_flow", "error",
                _("{body} {y0}–{y1}: {stock} {now} in {y1}, but {before} in {y0} + {inflow} {i} − {outflow} {o} = "
                  "{expected}{note}").format(
                    body=cur.agency, y0=prev.year, y1=cur.year, stock=cell_label(keys[0], t), now=_fmt(now),
                    before=_fmt(before), inflow=col_label(sf.table, sf.inflow, t), i=_fmt(inflow),
                    outflow=col_label(sf.table, sf.outflow, t), o=_fmt(outflow), expected=_fmt(expected),
                    note=note),
                rule=sf.id, source=sf.source, table=sf.table,
                cells=[[row, sf.stock], [row, sf.inflow], [row, sf.outflow]],
                report_id=cur.id, related_report_id=prev.id))
    return out


def _carry(prev: YearPoint, cur: YearPoint) -> list[Finding]:
    out: list[Finding] = []
    for col in APPLICATION_COLS:
        fwd = prev.values.get(f"applications.carried_forward.{col}", (None, ""))[0]
        over = cur.values.get(f"applications.carried_over.{col}", (None, ""))[0]
        if fwd is None or over is None or float(fwd) == float(over):
            continue
        out.append(Finding("cross_year_mismatch", "error",
                           _("{body} {y0}–{y1}: {over} {n1} in {y1} ≠ {fwd} {n0} in {y0} ({source})").format(
                               body=cur.agency, y0=prev.year, y1=cur.year,
                               over=cell_label(f"applications.carried_over.{col}", cur.template), n1=_fmt(over),
                               fwd=cell_label(f"applications.carried_forward.{col}", prev.template), n0=_fmt(fwd),
                               source=prev.source), table="applications", cells=[["carried_over", col]],
                           report_id=cur.id, related_report_id=prev.id))
    return out


def _jumps(prev: YearPoint, cur: YearPoint) -> list[Finding]:
    out: list[Finding] = []
    for key in rules().jump_cells:
        a, b = prev.values.get(key, (None, ""))[0], cur.values.get(key, (None, ""))[0]
        if a is None or b is None:
            continue
        lo, hi = min(a, b), max(a, b)
        if lo < JUMP_MIN_BASE or hi < JUMP_FACTOR * lo:
            continue
        table, row, col = key.split(".")
        msg = (_("{body} {y0}–{y1}: {cell} {b} in {y1} is {f} times {a} in {y0}{note}") if b > a else
               _("{body} {y0}–{y1}: {cell} {b} in {y1} is {f} times less than {a} in {y0}{note}"))
        out.append(Finding(
            "cross_year_jump", "warning",
            msg.format(body=cur.agency, y0=prev.year, y1=cur.year, cell=cell_label(key, cur.template), b=_fmt(b),
                       a=_fmt(a), f=f"{hi / lo:.1f}", note=_flag_note(cur, [key]) or _flag_note(prev, [key])),
            table=table, cells=[[row, col]], report_id=cur.id, related_report_id=prev.id))
    return out


def cross_year_findings(points: Iterable[YearPoint]) -> list[Finding]:
    """Every cross-year finding over ``points`` (any order), sorted by body, year and report."""
    bodies: dict[str, dict[int, list[YearPoint]]] = defaultdict(lambda: defaultdict(list))
    for p in points:
        bodies[p.body][p.year].append(p)
    out: list[Finding] = []
    for body in sorted(bodies):
        years = bodies[body]
        for year in sorted(years):
            filed = sorted(years[year], key=lambda p: (p.source, p.id))
            first = filed[0]
            for other in filed[1:]:
                same = other.digest == first.digest
                msg = (_("{body} {year}: filed twice, {a} and {b} (with the same tables)") if same
                       else _("{body} {year}: filed twice, {a} and {b} (with different tables)"))
                out.append(Finding("cross_year_duplicate", "warning",
                                   msg.format(body=first.agency, year=year, a=other.source, b=first.source),
                                   report_id=other.id, related_report_id=first.id))
        ordered = sorted(years)
        for y0, y1 in zip(ordered, ordered[1:], strict=False):
            if y1 - y0 == 1:  # every pair of filings, as a duplicate may be the one that disagrees
                for a in sorted(years[y0], key=lambda p: p.id):
                    for b in sorted(years[y1], key=lambda p: p.id):
                        out += _carry(a, b)
            prev = min(years[y0], key=lambda p: (p.source, p.id))
            cur = min(years[y1], key=lambda p: (p.source, p.id))
            if y1 - y0 > 1:
                missing = _(", ").join(str(y) for y in range(y0 + 1, y1))
                out.append(Finding("cross_year_gap", "warning",
                                   _("{body}: no report for {missing} between {y0} ({a}) and {y1} ({b})").format(
                                       body=cur.agency, missing=missing, y0=y0, a=Path(prev.source).name, y1=y1,
                                       b=Path(cur.source).name),
                                   report_id=cur.id, related_report_id=prev.id))
                continue
            out += _stock_flow(prev, cur)
            out += _jumps(prev, cur)
    return out
