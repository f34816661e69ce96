"""The terminal summary of ``govreport extract``: each table under its printed Chinese labels.

Rows and columns carry the labels the template prints (予以公开, 自然人, ...), sub-rows under their
group (（三）不予公开 before 1.属于国家秘密). A label that does not fit the terminal is replaced by the
template's own shorter label for that row (（二）部分公开 for the long one), and wrapped if even that is
too wide: a label is never cut short. Flagged cells (named by an issue) are marked ``!``; colours give
the status. ``ids=True`` shows the contract IDs instead.

>>> from govreport.report import Cell, Report
>>> r = Report("x.txt", "gov2021", cells=[Cell("art20_6", "penalties", "decisions", 7, "read", "7"),
...                                       Cell("art20_6", "coercion", "decisions", None, "masked", "■")])
>>> text = render_summary(r, width=60)
>>> "行政处罚" in text and "本年处理决定数量" in text and "■" in text
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govreport.i18n import _, current_language, ngettext
from govreport.output.words import input_word, kind_word, status_word
from govreport.report import Report

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

STATUS_STYLE = {"read": "", "blank": "dim", "masked": "black on grey50", "inferred": "cyan",
                "corrected": "bold yellow", "missing": "bold red", "verified": "bold green"}
FLAG = "!"
SEVERE = ("inconsistent", "ambiguous", "unplaced")
LABEL_MIN = 16  #: cells a wrapped row label keeps before headers wrap onto a third line
HEAD_WHOLE = 6  #: column headers this wide (three characters) are never wrapped


def _cells_width(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def _labels(template: str | None) -> dict[str, Any]:
    """Per table: title, row labels (full, short, group) and column labels, from the template."""
    if not template:
        return {}
    from govreport.models.template import get_template

    try:
        tpl = get_template(template)
    except KeyError:
        return {}
    out: dict[str, Any] = {}
    for t in tpl.tables:
        rows = {}
        for r in t.rows:
            labels = list(r.labels) or [r.id]
            first, group = labels[0], r.group
            short = min((x for x in labels if not (group and x == group + first)), key=_cells_width)
            rows[r.id] = (first, short, group)
        out[t.id] = {"title": t.title, "rows": rows, "cols": {c.id: c.label for c in t.columns}}
    return out


def _fit(width: int, labels: list[tuple[int, int]], values: list[int], heads: list[int]) -> tuple[int, list[int]]:
    """Column widths for a table of ``width`` cells: row labels (full, short widths), value columns
    (widest value, header width). Row labels give way to their short forms before a column header
    wraps; headers then wrap onto two lines (then three), a header of up to :data:`HEAD_WHOLE` cells
    (自然人, 总计) never; row labels wrap only when nothing else fits; values are never narrowed.

    >>> _fit(200, [(30, 8)], [3, 3], [6, 12])
    (30, [6, 12])
    >>> _fit(40, [(30, 8)], [3, 3], [6, 12])
    (14, [6, 12])
    >>> _fit(30, [(30, 8)], [3, 3], [6, 12])
    (10, [6, 6])
    """
    room = width - 3 * len(values) - 2  # column rules and padding
    full = max([6] + [f for f, _ in labels])
    short = max([6] + [s for _, s in labels])

    def cols(lines: int) -> list[int]:
        return [max(v, h if h <= HEAD_WHOLE else 2 * -(-h // (2 * lines))) for v, h in zip(values, heads, strict=True)]

    for lines, label in ((1, full), (1, short), (2, full), (2, short)):
        c = cols(lines)
        if label + sum(c) <= room:
            return max(label, min(full, room - sum(c))), c
    for lines, least in ((2, LABEL_MIN), (3, LABEL_MIN), (4, 6)):
        c = cols(lines)
        if least + sum(c) <= room or lines == 4:
            return max(least, room - sum(c)), c
    raise AssertionError("unreachable")


def _chunks(width: int, labels: list[tuple[int, int]], values: list[int], heads: list[int]) -> list[list[int]]:
    """The value columns split into runs that fit beside the row labels (a wide table on a narrow
    terminal is printed in parts, each with the row labels, rather than with numbers broken)."""
    least = min(LABEL_MIN, max([6] + [s for _, s in labels]))
    out: list[list[int]] = [[]]
    for i in range(len(values)):
        trial = out[-1] + [i]
        need = least + sum(max(values[j], 2 * -(-heads[j] // 8)) for j in trial) + 3 * len(trial) + 2
        if need > width and out[-1]:
            out.append([i])
        else:
            out[-1] = trial
    return out


def _add_rows(t: Any, rows: list[str], names: dict[str, tuple[str, str]], values: list[list[str]]) -> None:
    group_shown = ""
    for n, r in enumerate(rows):
        label, group = names[r]
        if group and group != group_shown:
            t.add_row(_label_cell(group, "dim"), *[""] * len(values[n]))
            group_shown = group
        t.add_row(_label_cell(label), *values[n])


def _label_cell(label: str, style: str = "") -> Any:
    """A row label indented by its numbering, wrapped lines indented the same (under their row, not at
    column 0 where they would look like rows of their own)."""
    from rich.padding import Padding
    from rich.text import Text

    return Padding(Text(label, style=style, overflow="fold"), (0, 0, 0, _indent(label)))


def _indent(label: str) -> int:
    """Sub-rows are indented by their numbering: （一） under 三、, 1. under （三）."""
    return 2 if label[:1].isdigit() else 1 if label.startswith(("（", "(")) else 0


def _value_text(cell: Any, flagged: bool) -> str:
    from rich.markup import escape

    if cell.value is None:
        text = {"masked": "■", "missing": "?"}.get(cell.status, "")
    else:
        text = str(cell.value)
    style = STATUS_STYLE.get(cell.status, "")
    if flagged:
        style = (style + " underline red").strip()
        text += FLAG
    text = escape(text)
    return f"[{style}]{text}[/]" if style and text else text


def print_summary(report: Report, console: Console | None = None, ids: bool = False) -> None:
    """Print the report's header, its tables and its issues (see the module docstring)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False)
    width = console.width
    console.print(_header(report))
    labels = {} if ids else _labels(report.template)
    flagged = report.issue_cells()
    for name in report.tables:
        frame = [c for c in report.cells if c.table == name]
        cols = list(dict.fromkeys(c.col for c in frame))
        rows = list(dict.fromkeys(c.row for c in frame))
        by = {(c.row, c.col): c for c in frame}
        info = labels.get(name)
        title = name if info is None else info["title"] if current_language() == "zh" and not ids else \
            f"{info['title']} ({name})"
        values = {col: [_value_text(by[(r, col)], (name, r, col) in flagged) if (r, col) in by else "" for r in rows]
                  for col in cols}
        heads = [info["cols"].get(col, col) if info else col for col in cols]
        names = {r: info["rows"].get(r, (r, r, "")) if info else (r, r, "") for r in rows}
        label_sizes = [(_cells_width(f) + _indent(f), _cells_width(sh) + _indent(sh)) for f, sh, _ in names.values()]
        value_sizes = [max([1] + [_cells_width(Text.from_markup(v).plain) for v in values[c]]) for c in cols]
        head_sizes = [_cells_width(h) for h in heads]
        for part, chunk in enumerate(_chunks(width, label_sizes, value_sizes, head_sizes)):
            label_w, col_w = _fit(width, label_sizes, [value_sizes[i] for i in chunk], [head_sizes[i] for i in chunk])
            # the printed label where it fits, else the template's own shorter one (wrapped if need be)
            row_names = {r: (f if _cells_width(f) + _indent(f) <= label_w else sh, g)
                         for r, (f, sh, g) in names.items()}
            t = Table(title=escape(title + (_(" (continued)") if part else "")), title_justify="left",
                      show_lines=False, pad_edge=False, expand=False)
            t.add_column("", overflow="fold", width=label_w)
            for i, w in zip(chunk, col_w, strict=True):
                t.add_column(escape(heads[i]), justify="right", overflow="fold", width=w)
            _add_rows(t, rows, row_names, [[values[cols[i]][n] for i in chunk] for n in range(len(rows))])
            console.print(t)
    if flagged or any(c.status in LEGEND for c in report.cells):
        console.print(_legend(bool(flagged)))
    if report.issues:
        console.print("[bold red]" + escape(ngettext("{n} issue:", "{n} issues:", len(report.issues))
                                            .format(n=len(report.issues))) + "[/bold red]")
        for i in report.issues:
            style = "red" if i.kind in SEVERE else "yellow"
            where = _table_name(i.table, labels, ids)
            console.print(f"  [{style}]{escape(kind_word(i.kind))}[/] {escape(where)} {escape(i.message)}")
    else:
        console.print("[green]" + escape(_("no issues: every template constraint holds")) + "[/green]")


def _header(report: Report) -> str:
    """The first line: the file, then template, year, agency and input kind as words (values that are
    not known are left out)."""
    from rich.markup import escape

    meta = report.meta
    parts = []
    if report.template:
        parts.append(_("template {template}").format(template=report.template))
    if meta.get("year"):
        parts.append(_("report for {year}").format(year=meta["year"]))
    if meta.get("agency"):
        parts.append(str(meta["agency"]))
    if meta.get("input_kind"):
        parts.append(input_word(meta["input_kind"]))
    if meta.get("pages"):
        parts.append(ngettext("{n} page", "{n} pages", int(meta["pages"])).format(n=meta["pages"]))
    return f"[bold]{escape(str(report.source))}[/bold]  " + escape(_(" · ").join(parts))


#: statuses the legend names, each in the colour it has in the tables
LEGEND = ("inferred", "corrected", "verified", "missing", "masked")


def _legend(flagged: bool) -> str:
    from rich.markup import escape

    words = " ".join(f"[{STATUS_STYLE[s]}]{escape(status_word(s))}[/]" for s in LEGEND)
    flag = f"[underline red]{FLAG}[/] " + escape(_("flagged by an issue")) + escape(_("; ")) if flagged else ""
    return flag + escape(_("colours: ")) + words


def _table_name(table: str | None, labels: dict[str, Any], ids: bool) -> str:
    """The table an issue is about, as the summary prints it: its printed title (the ID with ``--ids``,
    or in English), in brackets."""
    if not table:
        return ""
    info = labels.get(table)
    if info is None or ids or current_language() == "en":
        return f"[{table}]"
    return f"【{info['title']}】"


def render_summary(report: Report, width: int = 100, ids: bool = False) -> str:
    """The summary as plain text at ``width`` columns (for tests and logs)."""
    from rich.console import Console

    console = Console(width=width, record=True, highlight=False, color_system=None, file=_Null())
    print_summary(report, console, ids=ids)
    return console.export_text()


class _Null:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass
