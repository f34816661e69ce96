"""Indicators from checked cells (公开率, 不予公开率, 无法提供率, 纠错率, 结转率) and, over a batch, their
percentile ranks and outliers.

An indicator is a ratio of sums of cells, as the rules file defines it. It is computed only from cells
with a value; a cell masked or missing leaves the indicator empty and says which; a cell printed empty
counts as 0 and is named; a cell an issue doubts (:func:`~govreport.checks.findings.flagged_cells`) still
gives a value, marked ``doubtful`` with the cells and issue kinds. Nothing is silent.

>>> from govreport.report import Cell, Issue, Report
>>> r = Report("x", "gov2021", cells=[Cell("applications", row, "total", value=v, status="read")
...     for row, v in (("disclosed", 6), ("partially_disclosed", 2), ("total_handled", 10))])
>>> ind = report_indicators(r.to_dict())["disclosure_rate"]
>>> ind.value, ind.numerator, ind.denominator, ind.doubtful
(0.8, 8, 10, [])
>>> r.issues.append(Issue("inconsistent", "applications", "...", [["total_handled", "total"]]))
>>> report_indicators(r.to_dict())["disclosure_rate"].doubtful
['applications.total_handled.total (inconsistent)']
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from govreport.checks.findings import Finding, flagged_cells
from govreport.checks.labels import cell_label
from govreport.checks.rules import IndicatorRule, rules
from govreport.i18n import _
from govreport.types import CellRef

MIN_SAMPLE = 10  #: percentile ranks need at least this many reports with the indicator (same year)
MIN_DENOMINATOR = 5  #: a ratio over fewer cases is shown but not ranked nor called an outlier
OUTLIER_IQR = 3.0  #: an outlier lies beyond the quartiles by this many interquartile ranges ...
OUTLIER_GAP = 0.2  #: ... and at least this far (as a share) from the median


@dataclass(slots=True)
class Indicator:
    id: str
    name: str
    formula: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    cells: list[str] = field(default_factory=list)  #: table.row.col of every cell used
    doubtful: list[str] = field(default_factory=list)  #: cells named by an issue ("cell (kind)")
    flags: dict[str, list[str]] = field(default_factory=dict)  #: the same: cell -> the kinds of the issues
    notes: list[str] = field(default_factory=list)  #: why there is no value, cells taken as 0, ...
    percentile: float | None = None  #: in the batch, among the same year's reports (0-100)
    peers: int = 0  #: how many reports the percentile is among

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "value": self.value, "numerator": self.numerator,
                "denominator": self.denominator, "doubtful": self.doubtful, "notes": self.notes,
                "percentile": self.percentile, "peers": self.peers}

    @property
    def rankable(self) -> bool:
        return self.value is not None and not self.doubtful and (self.denominator or 0) >= MIN_DENOMINATOR


def _expand(terms: tuple[str, ...], cells: dict[CellRef, dict[str, Any]]) -> list[CellRef]:
    out: list[CellRef] = []
    for term in terms:
        table, row, col = term.split(".")
        hits = sorted(k for k in cells if k[0] == table and k[2] == col and fnmatch.fnmatchcase(k[1], row))
        out += hits if hits else [(table, row, col)]
    return out


def _one(rule: IndicatorRule, cells: dict[CellRef, dict[str, Any]],
         flagged: dict[CellRef, set[str]]) -> Indicator:
    ind = Indicator(rule.id, rule.name, rule.formula)
    sums: list[float | None] = []
    for side in (rule.numerator, rule.denominator):
        total: float | None = 0.0
        for key in _expand(side, cells):
            name = ".".join(key)
            ind.cells.append(name)
            c = cells.get(key)
            if c is None:
                ind.notes.append(_("{cell}: not in this template").format(cell=cell_label(name)))
                total = None
                continue
            if key in flagged:
                ind.doubtful.append(f"{name} ({', '.join(sorted(flagged[key]))})")
                ind.flags[name] = sorted(flagged[key])
            if c.get("value") is None:
                if c.get("status") == "blank":
                    ind.notes.append(_("{cell}: printed empty, counted as 0").format(cell=cell_label(name)))
                    continue
                ind.notes.append((_("{cell}: masked, no value") if c.get("status") == "masked"
                                  else _("{cell}: not found, no value")).format(cell=cell_label(name)))
                total = None
                continue
            if total is not None:
                total += float(c["value"])
        sums.append(total)
    num, den = sums
    ind.numerator = None if num is None else (int(num) if num.is_integer() else num)
    ind.denominator = None if den is None else (int(den) if den.is_integer() else den)
    if num is None or den is None:
        ind.notes.insert(0, _("not computed: a cell it needs has no value"))
    elif den == 0:
        ind.notes.insert(0, _("not computed: the denominator is 0"))
    else:
        ind.value = round(num / den, 6)
    return ind


def report_indicators(data: dict[str, Any]) -> dict[str, Indicator]:
    """The indicators of one report (its contract dict), by id."""
    cells = {(c["table"], c["row"], c["col"]): c for c in data.get("cells", [])}
    flagged = flagged_cells(data)
    return {r.id: _one(r, cells, flagged) for r in rules().indicators}


def _quantile(xs: list[float], q: float) -> float:
    """Linear-interpolation quantile of sorted ``xs``."""
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def rank_batch(items: list[tuple[str, int | None, dict[str, Indicator]]],
               names: dict[str, str] | None = None) -> list[Finding]:
    """Percentile ranks (mid-rank, among the same year's reports) set on each indicator, and an
    ``indicator_outlier`` finding for each value far outside its year's spread. ``items``: (report id,
    year, indicators); ``names``: report id -> its body's name, for the messages. Groups under ``MIN_SAMPLE``
    reports get no ranks (and the indicator says so)."""
    names = names or {}
    out: list[Finding] = []
    for rule in rules().indicators:
        by_year: dict[int | None, list[tuple[str, Indicator]]] = {}
        for rid, year, inds in items:
            ind = inds.get(rule.id)
            if ind is None or ind.value is None:
                continue
            if ind.rankable:
                by_year.setdefault(year, []).append((rid, ind))
            elif ind.doubtful:
                ind.notes.append(_("not ranked: it rests on flagged cells"))
            else:
                ind.notes.append(_("not ranked: fewer than {n} cases").format(n=MIN_DENOMINATOR))
        for year, group in sorted(by_year.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
            if len(group) < MIN_SAMPLE or year is None:
                for _rid, ind in group:
                    ind.notes.append(_("no percentile: {n} comparable report(s) for {year}, fewer than {m}").format(
                        n=len(group), year=year, m=MIN_SAMPLE) if year is not None
                        else _("no percentile: year unknown"))
                continue
            values = sorted(ind.value for _r, ind in group)  # type: ignore[misc]
            q1, med, q3 = _quantile(values, 0.25), _quantile(values, 0.5), _quantile(values, 0.75)
            iqr = q3 - q1
            for rid, ind in group:
                v = ind.value
                assert v is not None
                below = sum(1 for x in values if x < v)
                equal = sum(1 for x in values if x == v)
                ind.percentile = round(100.0 * (below + 0.5 * equal) / len(values), 1)
                ind.peers = len(values)
                if (v > q3 + OUTLIER_IQR * iqr or v < q1 - OUTLIER_IQR * iqr) and abs(v - med) >= OUTLIER_GAP:
                    out.append(Finding(
                        "indicator_outlier", "warning",
                        _("{body} {year}: {name} {value} ({num}/{den}) lies far outside the {year} reports' spread "
                          "(median {med}, quartiles {q1}–{q3}, {n} reports; percentile {pct})").format(
                            body=names.get(rid, rid), year=year, name=rule.name, value=f"{v:.1%}",
                            num=ind.numerator, den=ind.denominator, med=f"{med:.1%}", q1=f"{q1:.1%}",
                            q3=f"{q3:.1%}", n=len(values), pct=f"{ind.percentile:g}"),
                        rule=rule.id, source=rule.formula, report_id=rid))
    return out
