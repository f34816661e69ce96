"""The labels a template prints, for messages a person reads: a table's title, a row's label with its group
(（三）不予公开 › 1.属于国家秘密), a column's label. In English messages keep the contract IDs
(:func:`cell_words` with ``ids=True``).

>>> cell_words("applications", "withheld_state_secret", "natural_person")
'（三）不予公开 › 1.属于国家秘密·自然人'
>>> cell_words("art20_1", "regulations", None), cell_words("appeals", "review", "total", ids=True)
('规章', 'appeals.review.total')
"""

from __future__ import annotations

from functools import cache

GROUPS = {"withheld_": "（三）不予公开", "unable_": "（四）无法提供", "rejected_": "（五）不予处理",
          "other_": "（六）其他处理"}


@cache
def _labels(template: str) -> dict[tuple[str, str, str], str]:
    from govreport.models.template import get_template

    out: dict[tuple[str, str, str], str] = {}
    try:
        tpl = get_template(template)
    except KeyError:
        return out
    for t in tpl.tables:
        out[(t.id, "table", "")] = t.title
        for r in t.rows:
            out[(t.id, "row", r.id)] = r.labels[0] if r.labels else r.id
        for c in t.columns:
            out[(t.id, "col", c.id)] = c.label
    return out


def _get(kind: str, table: str, name: str, template: str | None) -> str | None:
    for tpl in ([template] if template else []) + ["gov2021", "gov2019"]:
        got = _labels(tpl).get((table, kind, name))
        if got is not None:
            return got
    return None


def row_words(table: str, row: str, template: str | None = None) -> str:
    """A row's printed label, after its group for a numbered sub-row of the applications table."""
    label = _get("row", table, row, template) or row
    group = next((g for p, g in GROUPS.items() if row.startswith(p) and row != "other_handling"), None)
    return f"{group} › {label}" if table == "applications" and group and not label.startswith("（") else label


def cell_words(table: str, row: str | None, col: str | None, template: str | None = None, ids: bool = False) -> str:
    """A row, column or cell as the report prints it (``ids``: as ``table.row.col``)."""
    if ids:
        return ".".join(x for x in (table, row, col) if x)
    parts = []
    if row:
        parts.append(row_words(table, row, template))
    if col:
        parts.append(_get("col", table, col, template) or col)
    return "·".join(parts) or (_get("table", table, "", template) or table)


def table_words(table: str, template: str | None = None) -> str:
    """A table's printed title."""
    return _get("table", table, "", template) or table
