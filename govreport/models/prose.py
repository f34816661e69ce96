"""How a report's prose names the template's quantities (``prose.toml``), checked against the templates.

The narrative check (:mod:`govreport.checks.narrative`) holds the grammar (figures, sentences,
time, comparisons); this file's data says which words state which quantity. A quantity is
``table.row.col``; its row and column are the template's rows and columns, or groups of them
(``applications.withheld.total`` sums every ``withheld_*`` row of a report's template).

>>> p = prose()
>>> p.left[0].quantity, p.roles.received
('appeals.direct_suit.total', 'applications.new.total')
>>> sorted(unknown_quantities())  # every quantity names cells of some template
[]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from govreport.models.template import templates

_FRAGMENT = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True, slots=True)
class Pattern:
    """Words that state ``quantity`` (``{row}``/``{doc}`` filled from the sentence)."""

    quantity: str
    regex: re.Pattern[str]
    units: frozenset[str]  #: the units a figure of it is stated in
    needs: str | None = None  #: the context it must be in: apps, appeals, procurement, outcome, proactive
    veto: re.Pattern[str] | None = None  #: the figure's left context must not match this


@dataclass(frozen=True, slots=True)
class Roles:
    """The tables, rows and quantities the narrative check reasons about (``[roles]``)."""

    applications: str
    appeals: str
    procurement: str
    no_cell: str
    total: str
    received: str
    received_and_carried: str
    app_row: str
    app_rows: tuple[str, ...]
    doc_rows: dict[str, str]


@dataclass(frozen=True)
class Prose:
    roles: Roles
    left: tuple[Pattern, ...]  #: figures after their keyword, matched at the end of the left context
    right: tuple[Pattern, ...]  #: figures before their keyword, matched at the start of the right context
    parents: re.Pattern[str]  #: what a sentence is about: one named group per entry
    scope: re.Pattern[str]  #: whose figures a sentence states: group ``other`` (another scope) or ``own``
    appeals_rows: frozenset[str]  #: parents that are rows of the appeals table
    zero_keywords: dict[str, str]  #: keyword of a zero statement -> the quantity it states zero
    zero_items: re.Pattern[str]
    zero_lists: tuple[re.Pattern[str], ...]  #: every keyword in ``(?P<list>...)`` is stated zero
    zero_single: tuple[tuple[re.Pattern[str], str], ...]  #: a statement that one quantity is zero


def _pattern(entry: dict[str, Any], data: dict[str, Any], expand: Any, suffix: str) -> Pattern:
    units = data["units"][entry["units"]] if "units" in entry else ()
    veto = entry.get("veto")
    return Pattern(entry["quantity"], re.compile(expand(entry["pattern"]) + suffix), frozenset(units),
                   entry.get("needs"), re.compile(expand(veto)) if veto else None)


@cache
def prose() -> Prose:
    """The vocabulary in ``prose.toml``, compiled."""
    data = tomllib.loads(resources.files(__package__).joinpath("prose.toml").read_text(encoding="utf-8"))
    fragments: dict[str, str] = data["fragments"]

    def expand(pattern: str) -> str:
        return _FRAGMENT.sub(lambda m: fragments[m.group(1)], pattern)

    roles = data["roles"]
    zeros = data["zeros"]
    scope = data["scope"]
    return Prose(
        roles=Roles(**{**roles, "app_rows": tuple(roles["app_rows"])}),
        left=tuple(_pattern(e, data, expand, "$") for e in data["left"]),
        right=tuple(_pattern(e, data, expand, "") for e in data["right"]),
        parents=re.compile("|".join(f"(?P<{p['name']}>{expand(p['pattern'])})" for p in data["parents"])),
        scope=re.compile(f"(?P<other>{expand(scope['other'])})|(?P<own>{expand(scope['own'])})"),
        appeals_rows=frozenset(p["name"] for p in data["parents"] if p.get("context") == "appeals"),
        zero_keywords=dict(zeros["keywords"]),
        zero_items=re.compile(expand(zeros["items"])),
        zero_lists=tuple(re.compile(expand(z["pattern"])) for z in zeros["lists"]),
        zero_single=tuple((re.compile(expand(z["pattern"])), z["quantity"]) for z in zeros["single"]),
    )


def quantities() -> set[str]:
    """Every quantity the vocabulary names (``{row}`` and ``{doc}`` as written)."""
    p = prose()
    named = {x.quantity for x in (*p.left, *p.right)} | set(p.zero_keywords.values())
    named |= {q for _, q in p.zero_single} | {p.roles.received, p.roles.received_and_carried}
    return named


def unknown_quantities() -> set[str]:
    """Quantities no template has cells for (``{row}``: any row; ``{doc}``: any of ``doc_rows``)."""
    roles = prose().roles
    out = set()
    for q in quantities():
        if q.split(".")[0] == roles.no_cell:
            continue
        table, row, col = q.split(".")
        rows = set(roles.doc_rows.values()) if row == "{doc}" else {row}
        if not any(_names(t, table, rows, col) for t in templates().values()):
            out.add(q)
    return out


def _names(template: Any, table: str, rows: set[str], col: str) -> bool:
    try:
        spec = template.table(table)
    except KeyError:
        return False
    row_ids = {r.id for r in spec.rows} | set(spec.groups)
    col_ids = {c.id for c in spec.columns} | set(spec.groups)
    return col in col_ids and (rows == {"{row}"} or rows <= row_ids)
