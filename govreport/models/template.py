"""Templates as data: tables, rows, columns, label variants and the template's arithmetic.

Each ``*.toml`` file beside this module is one national format; adding a format is adding a
file. Constraints are written in a small notation over contract IDs::

    each = "row", lhs = ["*.total"], rhs = ["*.@applicants"]

``*`` stands for each row (``each = "row"``) or column (``each = "col"``); ``@name`` expands to
a named group of rows or columns. Rows not printed in a report's variant drop out of the sums.

>>> t = get_template("gov2021")
>>> [c.id for c in t.table("appeals").columns]
['upheld', 'corrected', 'other', 'pending', 'total']
>>> len(t.table("applications").equations("split"))
39
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from govreport.types import CellKey


@dataclass(frozen=True, slots=True)
class Column:
    id: str
    label: str
    kind: str = "count"  # count | amount | change

    @property
    def lower_bound(self) -> float | None:
        return None if self.kind == "change" else 0.0

    @property
    def integer(self) -> bool:
        return self.kind != "amount"


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    labels: tuple[str, ...]
    variant: str | None = None  # None: printed in every variant

    @property
    def group(self) -> str:
        """The heading several rows share, printed before this row's own label in a longer variant of
        it (（三）不予公开 before 1.属于国家秘密), or ``""``."""
        first = self.labels[0] if self.labels else ""
        return next((x[:-len(first)] for x in self.labels[1:] if first and x.endswith(first) and len(x) > len(first)),
                    "")


@dataclass(frozen=True, slots=True)
class Constraint:
    id: str
    each: str | None
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    text: str = ""


@dataclass(frozen=True, slots=True)
class Equation:
    """``sum(lhs) == sum(rhs)`` over cells of one table; ``name`` says which instance."""

    constraint: str
    name: str
    lhs: tuple[CellKey, ...]
    rhs: tuple[CellKey, ...]

    @property
    def cells(self) -> tuple[CellKey, ...]:
        return self.lhs + self.rhs


@dataclass(frozen=True)
class TableSpec:
    id: str
    title: str
    anchors: tuple[str, ...]
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    layout: str = "rows"  # rows | wide
    variants: tuple[str, ...] = ()
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    constraints: tuple[Constraint, ...] = ()

    @property
    def default_variant(self) -> str | None:
        return self.variants[0] if self.variants else None

    def active_rows(self, variant: str | None = None) -> list[Row]:
        variant = variant or self.default_variant
        return [r for r in self.rows if r.variant is None or r.variant == variant]

    def cells(self, variant: str | None = None) -> list[CellKey]:
        return [(r.id, c.id) for r in self.active_rows(variant) for c in self.columns]

    def column(self, col_id: str) -> Column:
        for c in self.columns:
            if c.id == col_id:
                return c
        raise KeyError(col_id)

    def _expand(self, term: str, each: str | None, item: str | None,
                rows: list[str], cols: list[str]) -> list[CellKey]:
        r, c = term.split(".", 1)
        rs = [item] if r == "*" and each == "row" else self._names(r, rows)
        cs = [item] if c == "*" and each == "col" else self._names(c, cols)
        return [(x, y) for x in rs for y in cs if x in rows and y in cols]

    def _names(self, name: str, universe: list[str]) -> list[str]:
        if name.startswith("@"):
            return [n for n in self.groups[name[1:]] if n in universe]
        return [name]

    def equations(self, variant: str | None = None) -> list[Equation]:
        """Every instance of every constraint for the rows printed in ``variant``."""
        rows = [r.id for r in self.active_rows(variant)]
        cols = [c.id for c in self.columns]
        out: list[Equation] = []
        for con in self.constraints:
            items: list[str | None] = list(rows if con.each == "row" else cols if con.each == "col" else [None])
            for item in items:
                lhs = [k for t in con.lhs for k in self._expand(t, con.each, item, rows, cols)]
                rhs = [k for t in con.rhs for k in self._expand(t, con.each, item, rows, cols)]
                if lhs and rhs:
                    out.append(Equation(con.id, item or con.id, tuple(lhs), tuple(rhs)))
        return out


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    markers: tuple[str, ...]
    tables: tuple[TableSpec, ...]

    def table(self, table_id: str) -> TableSpec:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)


def _table_from_dict(d: dict[str, Any], raw: dict[str, dict[str, Any]]) -> TableSpec:
    if "from" in d:
        base = next(t for t in raw[d["from"]]["tables"] if t["id"] == d["id"])
        d = {**copy.deepcopy(base), **{k: v for k, v in d.items() if k != "from"}}
    variants = tuple(d.get("variants", ()))
    rows = tuple(
        Row(r["id"], tuple(r["labels"]), r.get("variant"))
        for r in d["rows"]
        if r.get("variant") is None or r.get("variant") in variants
    )
    return TableSpec(
        id=d["id"],
        title=d.get("title", d["id"]),
        anchors=tuple(d.get("anchors", ())),
        columns=tuple(Column(c["id"], c["label"], c.get("kind", "count")) for c in d["columns"]),
        rows=rows,
        layout=d.get("layout", "rows"),
        variants=variants,
        groups={k: tuple(v) for k, v in d.get("groups", {}).items()},
        constraints=tuple(
            Constraint(c["id"], c.get("each"), tuple(c["lhs"]), tuple(c["rhs"]), c.get("text", ""))
            for c in d.get("constraints", ())
        ),
    )


@cache
def _raw() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            if "tables" in data:  # a template (prose.toml is the prose vocabulary)
                out[data["id"]] = data
    return out


@cache
def templates() -> dict[str, Template]:
    """All templates shipped with the package, by ID."""
    raw = _raw()
    return {
        tid: Template(tid, d.get("name", tid), tuple(d.get("markers", ())),
                      tuple(_table_from_dict(t, raw) for t in d["tables"]))
        for tid, d in raw.items()
    }


def get_template(template_id: str) -> Template:
    try:
        return templates()[template_id]
    except KeyError:
        raise KeyError(f"unknown template {template_id!r} (known: {', '.join(templates())})") from None
