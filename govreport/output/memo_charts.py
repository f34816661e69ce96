"""The memo's static charts: each body's series across years for the main indicators, and each main ratio's
distribution across the batch's reports with its outliers marked, as PNG (Word, PDF) or SVG (HTML).

The figures are the dashboard's (:func:`~govreport.output.dashboard.dashboard_data`): computed only from checked
cells (read, inferred, corrected, verified, printed empty, and doubted by no issue). A figure that rests on a
doubted cell is drawn hollow and left out of the outlier rule; ratios over fewer than ``MIN_CASES`` cases are
grey and never outliers; outliers are sought among at least ``MIN_PEERS`` comparable figures, beyond the
quartiles by ``OUTLIER_IQR`` interquartile ranges and ``OUTLIER_GAP`` from the median (the dashboard's rule).

The charts are drawn by matplotlib, an optional dependency (``pip install 'govreport[charts]'``): without it
the memo says in one line that they are left out. matplotlib renders with no network and draws the Chinese
labels with the CJK font found on the system (黑体, or Debian's ``fonts-wqy-zenhei``/``fonts-noto-cjk``);
the SVG has its glyphs as paths, so it shows the same anywhere. (Plotly's static export needs kaleido, which
drives a browser: too much for a memo.)
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from govreport.checks.bodies import UNIDENTIFIED
from govreport.checks.indicators import OUTLIER_GAP, OUTLIER_IQR
from govreport.i18n import N_, _
from govreport.output.memo_parts import Block

log = logging.getLogger("govreport")

SERIES_MEASURES = ("new", "disclosure_rate", "correction_rate")  #: one series chart each
DIST_MEASURES = ("disclosure_rate", "correction_rate")  #: one distribution chart each
MAX_BODIES = 8  #: series drawn per chart: the bodies ranked first (more lines could not be told apart)
MAX_LABELS = 8  #: doubted figures of a distribution are named beside their points up to this many
CHART_MM = (150.0, 88.0)  #: width, height of a chart on the page (the text block is 156 mm wide)
DPI = 200  #: of the PNG in Word and PDF
#: font files for the charts' Chinese, in order of preference (黑体 first: labels are sans-serif)
FONT_FILES = ("simhei.ttf", "wqy-zenhei.ttc", "wqy-microhei.ttc", "NotoSansCJK-Regular.ttc",
              "NotoSansCJKsc-Regular.otf", "DroidSansFallbackFull.ttf", "ukai.ttc")
GROUPS = {"comparable": N_("comparable"), "outlier": N_("outlier"), "few": N_("fewer than {n} cases"),
          "doubted": N_("to check")}
COLOURS = {"comparable": "#2c7fb8", "outlier": "#c0392b", "few": "#bbbbbb", "doubted": "#e67e22"}
LINES = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
         "#17becf")


@dataclass(frozen=True, slots=True)
class Point:
    """One report's figure in a chart."""

    report_id: str
    body: str
    year: int | None
    value: float
    doubted: bool  #: rests on a cell an issue doubts (or not checked): drawn hollow
    numerator: float | None = None  #: of a ratio
    cases: float | None = None  #: a ratio's denominator
    group: str = "comparable"  #: comparable, outlier (distribution only), few (a ratio's), doubted


@dataclass(slots=True)
class Chart:
    kind: str  #: "series" or "distribution"
    measure: str  #: a count of the dashboard (``new``) or a ratio's id
    name: str  #: its printed name
    ratio: bool
    points: list[Point] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)  #: series: the bodies drawn, in the ranking's order
    left_out: int = 0  #: series: bodies with figures not drawn (past MAX_BODIES)
    enough: bool = False  #: distribution: enough comparable figures to seek outliers
    stats: tuple[float, float, float] | None = None  #: distribution: median, first and third quartiles
    min_cases: int = 5  #: the guards it was drawn under (the dashboard's)
    min_peers: int = 5


# -- the charts' data ------------------------------------------------------------------------------------------
def _figure(rec: dict[str, Any], measure: str, ratios: dict[str, dict[str, Any]]) -> Point | None:
    body = rec["body"]
    q = ratios.get(measure)
    if q is None:
        v = rec["counts"].get(measure)
        return None if v is None else Point(rec["id"], body, rec["year"], float(v), bool(rec["doubt"].get(measure)))
    n, d = rec["counts"].get(q["num"]), rec["counts"].get(q["den"])
    if n is None or d is None or d == 0:
        return None
    doubted = bool(rec["doubt"].get(q["num"]) or rec["doubt"].get(q["den"]))
    return Point(rec["id"], body, rec["year"], n / d, doubted, n, d)


def _quantile(xs: list[float], q: float) -> float:
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def outliers(points: list[Point], min_peers: int) -> tuple[set[str], tuple[float, float, float] | None]:
    """The report ids of the outliers among comparable ``points`` (the dashboard's rule) and the median and
    quartiles; no outliers and no statistics among fewer than ``min_peers`` figures."""
    vs = sorted(p.value for p in points)
    if len(vs) < min_peers:
        return set(), None
    q1, med, q3 = _quantile(vs, 0.25), _quantile(vs, 0.5), _quantile(vs, 0.75)
    iqr = q3 - q1
    out = {p.report_id for p in points if (p.value > q3 + OUTLIER_IQR * iqr or p.value < q1 - OUTLIER_IQR * iqr)
           and abs(p.value - med) >= OUTLIER_GAP}
    return out, (med, q1, q3)


def _measure_name(measure: str, ratios: dict[str, dict[str, Any]]) -> str:
    return ratios[measure]["name"] if measure in ratios else _("new applications")


def chart_data(audit: Any, load: Any) -> list[Chart]:
    """The memo's charts of a batch (none for a single report), from the dashboard's figures."""
    from govreport.output.dashboard import dashboard_data

    if len(audit.reports) < 2:
        return []
    data = dashboard_data(audit, load, review_base=None)
    ratios = {q["id"]: q for q in data["ratios"]}
    guards = data["guards"]
    records = data["records"]
    order = {r["body"]: n for n, r in enumerate(audit.ranking())}
    charts: list[Chart] = []
    for measure in SERIES_MEASURES:
        pts = [p for rec in records if rec["key"] != UNIDENTIFIED and rec["year"] is not None
               and (p := _figure(rec, measure, ratios)) is not None]
        bodies = sorted({p.body for p in pts}, key=lambda b: (order.get(b, len(order)), b))
        if not pts:
            continue
        drawn = bodies[:MAX_BODIES]
        few = measure in ratios  # a ratio over too few cases is drawn grey, as in the distribution
        pts = sorted((_regroup(p, "doubted" if p.doubted else "few" if few and (p.cases or 0) < guards["min_cases"]
                               else "comparable") for p in pts if p.body in drawn),
                     key=lambda p: (drawn.index(p.body), p.year or 0, p.report_id))
        charts.append(Chart("series", measure, _measure_name(measure, ratios), measure in ratios, pts, drawn,
                            len(bodies) - len(drawn), min_cases=guards["min_cases"], min_peers=guards["min_peers"]))
    for measure in DIST_MEASURES:
        pts = [p for rec in records if (p := _figure(rec, measure, ratios)) is not None]
        if not pts:
            continue
        comparable = [p for p in pts if not p.doubted and (p.cases or 0) >= guards["min_cases"]]
        out, stats = outliers(comparable, guards["min_peers"])
        grouped = [_regroup(p, "doubted" if p.doubted else "few" if (p.cases or 0) < guards["min_cases"]
                            else "outlier" if p.report_id in out else "comparable") for p in pts]
        charts.append(Chart("distribution", measure, _measure_name(measure, ratios), True, grouped,
                            enough=stats is not None, stats=stats, min_cases=guards["min_cases"],
                            min_peers=guards["min_peers"]))
    return charts


def _regroup(p: Point, group: str) -> Point:
    return Point(p.report_id, p.body, p.year, p.value, p.doubted, p.numerator, p.cases, group)


# -- words -----------------------------------------------------------------------------------------------------
def _value(c: Chart, v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:.1%}" if c.ratio else f"{round(v):,}"


def _year(p: Point) -> str:
    return str(p.year) if p.year is not None else _("(year unknown)")


def caption(n: int, c: Chart) -> str:
    """The figure's caption: 图N, what it shows and how to read its marks."""
    if c.kind == "series":
        text = _("Figure {n}. {name}: each body's series across years.").format(n=n, name=c.name)
        if any(p.group == "few" for p in c.points):
            text += _(" Grey: fewer than {m} cases.").format(m=c.min_cases)
        if c.left_out:
            text += _(" The {drawn} bodies ranked first are drawn; {left} more are in the tables.").format(
                drawn=len(c.bodies), left=c.left_out)
    else:
        text = _("Figure {n}. {name} across the reports (all years): red, outliers; grey, fewer than {m} cases "
                 "(never an outlier).").format(n=n, name=c.name, m=c.min_cases)
    if any(p.doubted for p in c.points):
        text += _(" Hollow: the figure rests on a doubted cell (to check; left out of the outlier rule).")
    return text


def outlier_text(c: Chart) -> str:
    """What the distribution chart found, in words (the outliers named, with their cases)."""
    comparable = [p for p in c.points if p.group in ("comparable", "outlier")]
    if not c.enough:
        return _("{n} comparable figure(s), fewer than {m}: no outliers sought.").format(n=len(comparable),
                                                                                       m=c.min_peers)
    found = [p for p in c.points if p.group == "outlier"]
    if not found:
        return _("No outliers.")
    assert c.stats is not None
    med, q1, q3 = c.stats
    items = _("; ").join(_("{body} {year}: {value} ({n}/{cases})").format(
        body=p.body, year=_year(p), value=_value(c, p.value), n=_value_int(p.numerator), cases=_value_int(p.cases))
        for p in found)
    return _("Outliers (median {med}, quartiles {q1}–{q3}): {items}.").format(
        med=_value(c, med), q1=_value(c, q1), q3=_value(c, q3), items=items)


def _value_int(v: float | None) -> str:
    return "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))


def chart_blocks(audit: Any, load: Any) -> list[Block]:
    """The memo's chart section: each chart with its caption (and, under a distribution, its outliers in
    words); one line instead of the charts where they cannot be drawn here."""
    charts = chart_data(audit, load)
    if not charts:
        return []
    out = [Block("h2", _("Charts"), anchor="charts")]
    why = unavailable()
    if why:
        log.info(why)
        return [*out, Block("p", why)]
    for n, c in enumerate(charts, 1):
        out.append(Block("chart", caption(n, c), chart=c))
        if c.kind == "distribution":
            out.append(Block("p", outlier_text(c)))
    return out


# -- drawing ---------------------------------------------------------------------------------------------------
def unavailable() -> str | None:
    """Why the charts cannot be drawn here (one line), or ``None``."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return _("Charts left out: matplotlib is not installed (pip install 'govreport[charts]').")
    if chart_font() is None:
        return _("Charts left out: no Chinese font found for them (install fonts-wqy-zenhei).")
    return None


@cache
def chart_font() -> tuple[str, Any] | None:
    """The font family the charts use for Chinese (registered with matplotlib) and its weight, or ``None``."""
    from matplotlib import font_manager

    from govreport.output.font_files import font_files

    files = font_files()
    for name in FONT_FILES:
        path: Path | None = files.get(name.lower())
        if path is None:
            continue
        try:
            font_manager.fontManager.addfont(str(path))
            family = str(font_manager.FontProperties(fname=str(path)).get_name())
        except (OSError, RuntimeError, ValueError):
            continue
        weight = next((e.weight for e in font_manager.fontManager.ttflist if e.fname == str(path)), "normal")
        return family, weight
    return None


def _draw(c: Chart) -> Any:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig = Figure(figsize=(CHART_MM[0] / 25.4, CHART_MM[1] / 25.4), layout="constrained")
    ax = fig.add_subplot()
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0%}" if c.ratio else f"{round(v):,}"))
    ax.set_title(c.name, loc="left", fontsize=9)  # above the axis, read upright
    handles: list[Any] = []
    if c.kind == "series":
        for k, body in enumerate(c.bodies):
            colour = LINES[k % len(LINES)]
            pts = [p for p in c.points if p.body == body]
            ax.plot([p.year for p in pts], [p.value for p in pts], "-", color=colour, linewidth=1.2, label=body)
            for group, face in (("comparable", colour), ("few", COLOURS["few"]), ("doubted", "white")):
                mine = [p for p in pts if p.group == group]
                if mine:
                    ax.scatter([p.year for p in mine], [p.value for p in mine], s=22, zorder=3, linewidths=1.2,
                               edgecolors=colour, facecolors=face, gid=f"{c.kind}-{c.measure}-points-{group}-{k}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(_("year"))
        handles, _labels = ax.get_legend_handles_labels()
    else:
        groups = [g for g in GROUPS if g == "comparable" or any(p.group == g for p in c.points)]
        comparable = [p.value for p in c.points if p.group in ("comparable", "outlier")]
        if comparable:
            ax.boxplot([comparable], positions=[0], widths=0.5, whis=1.5, showfliers=False,
                       medianprops={"color": "#555555"}, boxprops={"color": "#7f8c8d"},
                       whiskerprops={"color": "#7f8c8d"}, capprops={"color": "#7f8c8d"})
        for x, group in enumerate(groups):  # each group at its own place (the box: every comparable figure)
            pts = [p for p in c.points if p.group == group]
            if not pts:
                continue
            spread = min(len(pts), 9)
            xs = [x + ((i % 9) - (spread - 1) / 2) * 0.05 for i in range(len(pts))]  # side by side, centred
            ax.scatter(xs, [p.value for p in pts], s=36 if group == "outlier" else 18, zorder=3, linewidths=1.0,
                       edgecolors=COLOURS[group], facecolors="white" if group == "doubted" else COLOURS[group],
                       gid=f"{c.kind}-{c.measure}-points-{group}")
            if group == "outlier" or (group == "doubted" and len(pts) <= MAX_LABELS):  # named, to be found
                for xx, p in zip(xs, pts, strict=True):
                    last = x == len(groups) - 1  # the name on the side with room
                    ax.annotate(f"{p.body} {_year(p)}", (xx, p.value), xytext=(-6 if last else 6, 0),
                                textcoords="offset points", fontsize=6.5, va="center", ha="right" if last else "left",
                                color=COLOURS[group])
        ax.set_xticks(range(len(groups)), [_(GROUPS[g]).format(n=c.min_cases) for g in groups])
        ax.set_xlim(-0.6, len(groups) - 0.4)
    if c.kind == "series" and any(p.group == "few" for p in c.points):
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=COLOURS["few"],
                              markeredgecolor="#555555", label=_("grey: fewer than {n} cases").format(n=c.min_cases)))
    if any(p.doubted for p in c.points):
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor="#555555",
                              label=_("hollow: rests on a doubted cell")))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=7, frameon=False)
    return fig


def _context() -> Any:
    import matplotlib

    family, weight = chart_font() or ("DejaVu Sans", "normal")
    return matplotlib.rc_context({"font.family": [family], "font.weight": weight, "axes.titleweight": weight,
                                  "axes.labelweight": weight, "font.size": 8, "axes.unicode_minus": False,
                                  "svg.fonttype": "path", "svg.hashsalt": "govreport", "axes.spines.top": False,
                                  "axes.spines.right": False})


def render_png(c: Chart) -> bytes:
    """The chart as a PNG of ``CHART_MM`` at ``DPI``."""
    with _context():
        buf = io.BytesIO()
        _draw(c).savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def render_svg(c: Chart) -> str:
    """The chart as an SVG element (no XML prolog; glyphs as paths), to inline in HTML."""
    with _context():
        buf = io.StringIO()
        _draw(c).savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]
