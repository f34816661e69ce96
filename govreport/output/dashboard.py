"""The indicator dashboard (看板): one self-contained HTML page over a batch, charts drawn by Plotly.

    govreport dashboard BATCH_DIR -o 看板.html      (``govreport audit`` writes one beside its memo too)

Plotly's JavaScript (``plotly.min.js``, shipped in the ``plotly`` wheel from PyPI) is embedded, so the page
opens from disk with no network. Plotly was chosen over ECharts (pyecharts fetches echarts.js from a CDN;
its wheel has none) and Vega-Lite (Altair needs ``vl-convert``, a 33 MB wheel, for offline JS and export):
one pip dependency that carries its JS, SVG charts, and a plain JSON figure format.

Every figure is computed from checked cells only: a cell read, inferred, corrected or verified, and named by
no issue that doubts it (:func:`~govreport.checks.findings.flagged_cells`); a cell printed empty counts as 0.
A figure that rests on a doubted cell is still drawn, marked ⚑ (hollow), and left out of every total, KPI and
distribution; masked or missing cells give no figure. Ratios over fewer than ``MIN_CASES`` cases are shown
grey and never called outliers (no 纠错率 of 100% from one case at the top); an outlier lies beyond the
quartiles by ``OUTLIER_IQR`` interquartile ranges and ``OUTLIER_GAP`` from the median, among at least
``MIN_PEERS`` figures. Clicking a body (or a point) opens its review page (``review/<id>.html`` of the batch).

:func:`dashboard_data` is the page's data (also for tests); :func:`write_dashboard` writes the page.
"""

from __future__ import annotations

import fnmatch
import json
import os
from pathlib import Path
from typing import Any

from govreport.checks.audit import DEFECT_CLASSES, Audit, Loader, defect_class
from govreport.checks.bodies import UNIDENTIFIED
from govreport.checks.findings import flagged_cells
from govreport.checks.indicators import MIN_DENOMINATOR, OUTLIER_GAP, OUTLIER_IQR
from govreport.checks.rules import rules
from govreport.errors import MissingDependencyError
from govreport.i18n import _
from govreport.output.export import write_text_atomic

MIN_CASES = MIN_DENOMINATOR  #: a ratio over fewer cases is shown grey, never an outlier
MIN_PEERS = 5  #: outliers are sought among at least this many figures
TRUSTED = frozenset({"read", "inferred", "corrected", "verified", "blank"})
#: the counts the page shows and sums: name -> cells (rows may end in * for a group)
COUNTS: dict[str, tuple[str, ...]] = {
    "new": ("applications.new.total",),
    "handled": ("applications.total_handled.total",),
    "disclosed": ("applications.disclosed.total", "applications.partially_disclosed.total"),
    "review_total": ("appeals.review.total",),
    "review_corrected": ("appeals.review.corrected",),
    "suit_total": ("appeals.direct_suit.total", "appeals.suit_after_review.total"),
    "suit_corrected": ("appeals.direct_suit.corrected", "appeals.suit_after_review.corrected"),
}
#: the ratios beside the rules file's indicators: id -> (name, numerator count, denominator count)
RATIOS: dict[str, tuple[str, str, str]] = {
    "review_correction_rate": ("行政复议纠错率", "review_corrected", "review_total"),
    "suit_correction_rate": ("行政诉讼纠错率", "suit_corrected", "suit_total"),
}
CLASS_NAMES = {"compliance": "内容合规", "deadline": "公布时限", "inconsistent": "表内勾稽", "cross_year": "跨年衔接",
               "boilerplate": "文本雷同", "narrative": "文表不符", "outlier": "指标离群", "other": "其他"}
STATIC = Path(__file__).with_name("dashboard_static")


def _sum(terms: tuple[str, ...], cells: dict[tuple[str, str, str], dict[str, Any]],
         flagged: dict[tuple[str, str, str], set[str]]) -> tuple[float | None, list[str]]:
    """The sum of the cells (``None`` when one has no value) and the doubted cells among them."""
    total: float | None = 0.0
    doubted: list[str] = []
    for term in terms:
        table, row, col = term.split(".")
        keys = sorted(k for k in cells if k[0] == table and k[2] == col and fnmatch.fnmatchcase(k[1], row))
        if not keys:
            return None, doubted
        for k in keys:
            c = cells[k]
            if k in flagged or c.get("status") not in TRUSTED:
                doubted.append(".".join(k))
            if c.get("status") == "blank" and c.get("value") is None:
                continue
            if c.get("value") is None:
                total = None
            elif total is not None:
                total += float(c["value"])
    if total is not None and total.is_integer():
        total = int(total)
    return total, doubted


def _record(audit: Audit, rid: str, data: dict[str, Any] | None, review: str | None) -> dict[str, Any]:
    r = audit.report(rid)
    entry = audit.body_entry(r)
    cells = {(c["table"], c["row"], c["col"]): c for c in (data or {}).get("cells", [])}
    flagged = flagged_cells(data or {})
    counts: dict[str, float | None] = {}
    doubt: dict[str, list[str]] = {}
    for name, terms in COUNTS.items():
        counts[name], d = _sum(terms, cells, flagged)
        if d:
            doubt[name] = d
    for rule in rules().indicators:
        for side, terms in (("num", rule.numerator), ("den", rule.denominator)):
            counts[f"{rule.id}.{side}"], d = _sum(terms, cells, flagged)
            if d:
                doubt[f"{rule.id}.{side}"] = d
    parts = (data or {}).get("parts")
    have = {p.get("id") for p in parts} if isinstance(parts, list) else None
    missing = [p.title for p in rules().parts if have is not None and p.id not in have]
    checks = {c: 0 for c in (*DEFECT_CLASSES, "other")}
    for f in audit.defects(rid):
        checks[defect_class(f.kind)] += 1
    return {"id": rid, "source": Path(r.source).name, "agency": r.agency or UNIDENTIFIED,
            "body": audit.body_name(r.body), "key": r.body, "year": r.year,
            "level": (entry.level if entry else None) or "未知", "kind": (entry.kind if entry else None) or "未知",
            "counts": counts, "doubt": doubt, "late": r.deadline.status == "late", "missing_parts": missing,
            "checks": checks, "to_check": len(audit.to_check(rid)), "review": review}


def dashboard_data(audit: Audit, load: Loader, review_base: str | None = "review") -> dict[str, Any]:
    """What the page shows: one record per report (its checked counts, what is doubted, its defects by
    class), the ratios' definitions and the guards. ``review_base``: where the review pages are, relative
    to the page (``None``: no links)."""
    records = []
    for r in audit.reports:
        review = f"{review_base}/{r.id}.html" if review_base is not None else None
        records.append(_record(audit, r.id, load(r.id), review))
    ratios = [{"id": i.id, "name": i.name, "num": f"{i.id}.num", "den": f"{i.id}.den", "formula": i.formula}
              for i in rules().indicators]
    ratios += [{"id": k, "name": name, "num": num, "den": den, "formula": ""} for k, (name, num, den) in RATIOS.items()]
    return {"records": records, "ratios": ratios, "classes": [[c, CLASS_NAMES[c]] for c in (*DEFECT_CLASSES, "other")],
            "guards": {"min_cases": MIN_CASES, "min_peers": MIN_PEERS, "iqr": OUTLIER_IQR, "gap": OUTLIER_GAP},
            "merges": [[b, v] for b, v in audit.bodies.merges], "unidentified": [
                {"id": r.id, "source": r.source} for r in audit.unidentified()]}


def _script(text: str) -> str:
    return text.replace("</", "<\\/")


def dashboard_html(data: dict[str, Any]) -> str:
    """The page: Plotly's JS, the data and the page's own script, inline."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise MissingDependencyError(_("the dashboard needs plotly: pip install plotly")) from None

    page = (STATIC / "dashboard.html").read_text(encoding="utf-8")
    parts = {"/*PLOTLY*/": _script(get_plotlyjs()),
             "/*DATA*/": _script(json.dumps(data, ensure_ascii=False, separators=(",", ":"))),
             "/*APP*/": _script((STATIC / "dashboard.js").read_text(encoding="utf-8")),
             "/*STYLE*/": (STATIC / "dashboard.css").read_text(encoding="utf-8")}
    for mark, text in parts.items():
        head, sep, tail = page.partition(mark)
        assert sep, mark
        page = head + text + tail
    return page


def write_dashboard(audit: Audit, load: Loader, target: str | Path, batch_dir: str | Path | None = None) -> Path:
    """Write the dashboard to ``target`` (atomically); review links point at ``batch_dir/review``."""
    target = Path(target)
    base = None
    if batch_dir is not None:
        base = Path(os.path.relpath(Path(batch_dir).resolve() / "review", target.resolve().parent)).as_posix()
    write_text_atomic(target, dashboard_html(dashboard_data(audit, load, base)))
    return target
