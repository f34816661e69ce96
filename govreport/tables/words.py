"""What a person reads about a table's cells: the template's printed labels, not the contract's IDs.

>>> from govreport.models.template import get_template
>>> spec = get_template("gov2021").table("applications")
>>> row_label(spec, "withheld_state_secret")
'（三）不予公开 › 1.属于国家秘密'
>>> cell_label(spec, ("new", "total"))
'一、本年新收政府信息公开申请数量·总计'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from govreport.i18n import _
from govreport.models.template import Equation, TableSpec
from govreport.types import CellKey


def _fmt(v: float | int | None) -> str:
    if v is None:
        return "?"
    return str(int(round(v))) if abs(v - round(v)) < 1e-9 else f"{v:g}"


def row_label(spec: TableSpec, row: str) -> str:
    """A row's printed label, a numbered sub-row under its group (（三）不予公开 › 1.属于国家秘密)."""
    r = next((x for x in spec.rows if x.id == row), None)
    if r is None or not r.labels:
        return row
    return f"{r.group} › {r.labels[0]}" if r.group else r.labels[0]


def col_label(spec: TableSpec, col: str) -> str:
    return next((c.label for c in spec.columns if c.id == col), col)


def cell_label(spec: TableSpec, key: CellKey) -> str:
    """``行·列``; a one-column table's cell by its row alone."""
    if len(spec.columns) == 1:
        return row_label(spec, key[0])
    if len(spec.rows) == 1:
        return col_label(spec, key[1])
    return f"{row_label(spec, key[0])}·{col_label(spec, key[1])}"


def table_title(spec: TableSpec) -> str:
    return spec.title


def rows_text(spec: TableSpec, rows: Iterable[str], most: int = 4) -> str:
    """Row labels for a message, the first ``most`` of them and how many more."""
    rows = list(rows)
    shown = "、".join(row_label(spec, r) for r in rows[:most])
    return shown if len(rows) <= most else _("{rows} and {n} more").format(rows=shown, n=len(rows) - most)


def equation_text(spec: TableSpec, eq: Equation, values: Mapping[CellKey, float | int | None],
                  printed: Mapping[CellKey, bool] | None = None) -> str:
    """An equation that fails, in words: ``行政复议：结果维持 10 + 结果纠正 1 + … = 11，但总计印为 0``.

    ``values`` gives each cell's value (``None``: printed empty, counted as 0)."""
    same_row = len({k[0] for k in eq.cells}) == 1
    same_col = len({k[1] for k in eq.cells}) == 1

    def name(k: CellKey) -> str:
        if same_row and len(spec.rows) > 1:
            return col_label(spec, k[1])
        if same_col and len(spec.columns) > 1:
            return row_label(spec, k[0])
        return cell_label(spec, k)

    def term(k: CellKey) -> str:
        v = values.get(k)
        return f"{name(k)} {_fmt(v) if v is not None else _('(empty)')}"

    def total(keys: tuple[CellKey, ...]) -> float:
        return sum(float(values.get(k) or 0) for k in keys)

    where = (row_label(spec, eq.rhs[0][0]) if same_row and len(spec.rows) > 1
             else col_label(spec, eq.rhs[0][1]) if same_col and len(spec.columns) > 1 else spec.title)
    parts = " + ".join(term(k) for k in eq.rhs)
    if len(eq.lhs) == 1:
        return _("{where}: {parts} = {sum}, but {total} is printed as {value}").format(
            where=where, parts=parts, sum=_fmt(total(eq.rhs)), total=name(eq.lhs[0]),
            value=_fmt(values.get(eq.lhs[0])) if values.get(eq.lhs[0]) is not None else _("empty"))
    return _("{where}: {lhs} = {lsum}, but {rhs} = {rsum}").format(
        where=where, lhs=" + ".join(term(k) for k in eq.lhs), lsum=_fmt(total(eq.lhs)), rhs=parts,
        rsum=_fmt(total(eq.rhs)))
