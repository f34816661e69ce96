"""Split digit runs that hold several cells (text extracted without cell separators).

A web archiver or ``text_content()`` prints ``（一）予以公开7000007`` for a row of seven cells
7 0 0 0 0 0 7. Each glued run is split into cells only where the template's arithmetic admits
exactly one split: every way to cut the row's runs into as many numbers as the row has cells
(no leading zeros, decimals only in amount columns) is tried against the equations within the
row (row totals), then the rows still open against the whole table's equations (column sums,
the balance equation). Cells whose value differs between splits that fit are *doubtful*: the
caller reports them ``missing`` with an issue, never as read.

>>> from govreport.layout.tokens import Kind, Token
>>> from govreport.models.template import get_template
>>> from govreport.tables.match import Unit
>>> t = get_template("gov2019").table("applications")
>>> cells = [("disclosed", c.id) for c in t.columns]
>>> run = Token(Kind.NUMBER, "7000007", 7000007, glued=True)
>>> res = split_glued(t, "single", [Unit("applications", cells, [run])])
>>> [s.text for s in res.units[0].slots], res.doubtful
(['7', '0', '0', '0', '0', '0', '7'], {})
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from govreport.layout.tokens import Kind, Token, parse_number
from govreport.models.template import CellKey, Equation, TableSpec
from govreport.tables.match import Unit

MAX_NODES = 50_000  #: search budget per row (a row of a real report needs a few hundred)
MAX_SPLITS = 64  #: splits kept per row; more means the digits say too little
MAX_COMBOS = 4096  #: joint checks of the rows left open against the whole table
TOL = 1e-6


@dataclass
class Split:
    """``units``: the table's units with each glued run replaced by the cells it splits into
    (one fitting split where several fit); ``doubtful``: cells the digits leave open, with the
    printed run they came from; ``unsplittable``: units no split of which fits the arithmetic."""

    units: list[Unit]
    doubtful: dict[CellKey, str] = field(default_factory=dict)
    unsplittable: list[int] = field(default_factory=list)
    #: no combination of the open rows' splits satisfies the table's equations
    inconsistent: bool = False


def _is_glued(unit: Unit) -> bool:
    return any(t.glued for t in unit.slots)


def _pieces(run: str, k: int, decimals: list[bool]) -> list[list[str]] | None:
    """Every way to cut ``run`` into ``k`` printed numbers (``None``: over ``MAX_SPLITS`` of them);
    ``decimals[i]``: piece ``i`` may hold a decimal point (an amount column)."""
    out: list[list[str]] = []

    def rec(pos: int, i: int, acc: list[str]) -> None:
        if len(out) > MAX_SPLITS:
            return
        if i == k:
            if pos == len(run):
                out.append(list(acc))
            return
        left = k - i - 1
        for end in range(pos + 1, len(run) - left + 1):
            p = run[pos:end]
            digits = p.lstrip("-")
            if not digits or digits[0] == "." or digits[-1] == "." or p.count("-") > (1 if pos == 0 else 0):
                continue
            if "." in p and not decimals[i]:
                continue
            if len(digits) > 1 and digits[0] == "0" and not digits.startswith("0."):
                continue
            if end < len(run) and run[end] in ".":
                continue  # never cut next to a decimal point
            acc.append(p)
            rec(end, i + 1, acc)
            acc.pop()

    rec(0, 0, [])
    return None if len(out) > MAX_SPLITS else out


def _row_splits(spec: TableSpec, unit: Unit, eqs: list[Equation]) -> list[list[Token]] | None:
    """Every split of the unit's slots into exactly one token per cell that the equations within
    the unit allow; ``None`` if there are too many to enumerate."""
    n = len(unit.cells)
    decimals = [not spec.column(c[1]).integer for c in unit.cells]
    inner = [e for e in eqs if all(k in unit.cells for k in e.cells)]
    index = {c: i for i, c in enumerate(unit.cells)}
    slots = [t for t in unit.slots if t.kind is not Kind.BLANK or t.text.strip()]
    runs = [(t, t.text) for t in slots]
    results: list[list[Token]] = []
    nodes = 0

    def holds(cells: list[Token]) -> bool:
        for e in inner:
            idx = [index[k] for k in e.cells]
            if max(idx) >= len(cells):
                continue
            vals = [cells[index[k]] for k in e.cells]
            if any(v.kind is not Kind.NUMBER for v in vals):
                continue
            lhs = sum(float(cells[index[k]].value or 0) for k in e.lhs)
            rhs = sum(float(cells[index[k]].value or 0) for k in e.rhs)
            if abs(lhs - rhs) > TOL:
                return False
        return True

    def rec(r: int, cells: list[Token]) -> bool:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES or len(results) > MAX_SPLITS:
            return False
        if r == len(runs):
            if len(cells) == n and holds(cells):
                results.append(list(cells))
            return True
        tok, text = runs[r]
        left = len(runs) - r - 1
        if not tok.glued:
            return rec(r + 1, [*cells, tok]) if len(cells) + 1 + left <= n else True
        unit_text = text.rstrip("亿万千元")
        suffix = text[len(unit_text):]
        ndig = len(unit_text.lstrip("-").replace(".", ""))
        for k in range(1, min(ndig, n - len(cells) - left) + 1):
            pieces = _pieces(unit_text, k, decimals[len(cells):len(cells) + k])
            if pieces is None:
                return False
            for parts in pieces:
                new = [Token(Kind.NUMBER, p + (suffix if j == k - 1 else ""), parse_number(p), tok.page, tok.bbox,
                             tok.confidence, tok.pos) for j, p in enumerate(parts)]
                if not holds([*cells, *new]):
                    continue
                if not rec(r + 1, [*cells, *new]):
                    return False
        return True

    complete = rec(0, [])
    return results if complete else None


def _fits(eqs: list[Equation], values: dict[CellKey, float]) -> bool:
    return all(abs(sum(values[k] for k in e.lhs) - sum(values[k] for k in e.rhs)) <= TOL
               for e in eqs if all(k in values for k in e.cells))


def split_glued(spec: TableSpec, variant: str | None, units: list[Unit]) -> Split:
    """Units of ``spec`` with their glued runs split by the arithmetic (see the module docstring)."""
    out = Split(list(units))
    glued = [u for u, unit in enumerate(units) if _is_glued(unit)]
    if not glued:
        return out
    eqs = spec.equations(variant)
    options: dict[int, list[list[Token]]] = {}
    for u in glued:
        unit = units[u]
        splits = _row_splits(spec, unit, eqs)
        run_text = " ".join(t.text for t in unit.slots if t.kind is not Kind.BLANK)
        if not splits:  # none fits (the row breaks its own arithmetic), or too many to tell
            out.unsplittable.append(u)
            out.doubtful.update(dict.fromkeys(unit.cells, run_text))
            continue
        options[u] = splits
    fixed: dict[CellKey, float] = {}
    for u, splits in options.items():
        if len(splits) == 1:
            fixed.update({c: float(t.value or 0) for c, t in zip(units[u].cells, splits[0], strict=True)
                          if t.kind is Kind.NUMBER})
    open_units = [u for u, s in options.items() if len(s) > 1]
    chosen = {u: s[0] for u, s in options.items()}
    if open_units:
        total = 1
        for u in open_units:
            total *= len(options[u])
        fitting: list[tuple[list[Token], ...]] = []
        if total <= MAX_COMBOS:
            for combo in itertools.product(*(options[u] for u in open_units)):
                values = dict(fixed)
                for u, split in zip(open_units, combo, strict=True):
                    values.update({c: float(t.value or 0) for c, t in zip(units[u].cells, split, strict=True)
                                   if t.kind is Kind.NUMBER})
                if _fits(eqs, values):
                    fitting.append(combo)
            out.inconsistent = not fitting
        for i, u in enumerate(open_units):
            alternatives = [combo[i] for combo in fitting] or options[u]
            chosen[u] = alternatives[0]
            run_text = " ".join(t.text for t in units[u].slots if t.kind is not Kind.BLANK)
            for j, cell in enumerate(units[u].cells):
                if len({(a[j].kind, a[j].value) for a in alternatives}) > 1:
                    out.doubtful[cell] = run_text
    for u, split in chosen.items():
        unit = units[u]
        out.units[u] = Unit(unit.table, unit.cells, split, unit.label, unit.score)
    return out
