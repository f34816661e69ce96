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

MAX_NODES = 4_000  #: search budget per row (a real row printed with its zeros needs a few dozen)
MAX_SPLITS = 64  #: splits kept per row; more means the digits say too little
MAX_COMBOS = 4096  #: joint checks of the rows left open against the whole table
MAX_CHOICES = 6  #: splits offered to a reviewer as the alternatives of an ambiguous run
MAX_RUN = 80  #: digits in one glued run past which it is not cut (a whole wide table has about 40)
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
    #: the splits that fit, each as the values it gives the open cells (the first is the one taken)
    choices: list[dict[CellKey, int | float | None]] = field(default_factory=list)


def _is_glued(unit: Unit) -> bool:
    return any(t.glued for t in unit.slots)


def _valid(piece: str, decimal: bool) -> bool:
    """Whether ``piece`` can be one printed number (no leading zeros; a decimal point only in an
    amount column, with digits on both sides)."""
    digits = piece[1:] if piece.startswith("-") else piece
    if not digits or "-" in digits or digits[0] == "." or digits[-1] == ".":
        return False
    if "." in digits and (not decimal or digits.count(".") > 1):
        return False
    return not (len(digits) > 1 and digits[0] == "0" and digits[1] != ".")


def _min_cells(body: str) -> int:
    """The fewest numbers a digit run can be cut into (a piece never starts with a zero, except
    ``0`` itself and decimals): ``"000023"`` -> 5.

    >>> _min_cells("000023"), _min_cells("7000007"), _min_cells("0"), _min_cells("")
    (5, 1, 1, 0)
    """
    digits = body.lstrip("-")
    zeros = len(digits) - len(digits.lstrip("0"))
    rest = digits[zeros:]
    if rest.startswith(".") and zeros:
        return zeros  # 0.5: the last zero starts a decimal
    return zeros + (1 if rest else 0)


def _upper(body: str) -> float:
    """The largest number a piece of ``body`` can be (all of it, read as one number)."""
    digits = body.lstrip("-").replace(".", "")
    return float(digits) if digits else 0.0


def _row_splits(spec: TableSpec, unit: Unit, eqs: list[Equation], blanks: bool) -> list[list[Token]] | None:
    """Every way to lay the unit's slots into exactly one token per cell that the equations within
    the unit allow (``None``: too many to tell). A glued run is cut into consecutive cells. With
    ``blanks``, a cell may have been printed empty, which leaves no trace in such text, so an empty
    cell may sit anywhere (between the pieces of one run too); it counts as 0 in the equations.

    One bounded depth-first search; the nested steps share the partial assignment and the
    precomputed bounds, which is why it stays one function"""
    n = len(unit.cells)
    decimals = [not spec.column(c[1]).integer for c in unit.cells]
    index = {c: i for i, c in enumerate(unit.cells)}
    inner = [e for e in eqs if all(k in index for k in e.cells)]
    # equations to check once cell i is laid: (lhs indices, rhs indices)
    checks: list[list[tuple[list[int], list[int]]]] = [[] for _ in range(n)]
    for e in inner:
        checks[max(index[k] for k in e.cells)].append(([index[k] for k in e.lhs], [index[k] for k in e.rhs]))
    # totals laid after all their parts (总计 = the cells before it): a partial sum over what the
    # remaining digits can still print cannot be completed
    totals: list[list[tuple[int, list[int]]]] = [[] for _ in range(n + 1)]  # by cells laid
    for e in inner:
        for total, parts in ((e.lhs, e.rhs), (e.rhs, e.lhs)):
            t = index[total[0]] if len(total) == 1 else -1
            if t >= 0 and all(index[k] < t for k in parts) and all(spec.column(k[1]).lower_bound == 0.0 for k in parts):
                for laid in range(1, t + 1):
                    totals[laid].append((t, [index[k] for k in parts if index[k] < laid]))
    items: list[tuple[Token, str, str]] = []  # (token, digits to cut, unit suffix); "" for a one-cell item
    for t in unit.slots:
        if t.kind is Kind.NUMBER:
            body = t.text.rstrip("亿万千元")
            if len(body) > MAX_RUN:
                return None
            items.append((t, body, t.text[len(body):]))
        elif t.kind is Kind.MASK or (t.kind is Kind.BLANK and t.text.strip()):
            items.append((t, "", ""))
    after = [0] * (len(items) + 1)  # fewest cells the items from r on need
    biggest = [0.0] * (len(items) + 1)  # the largest number the items from r on could still print
    for r in range(len(items) - 1, -1, -1):
        after[r] = after[r + 1] + (_min_cells(items[r][1]) if items[r][1] else 1)
        biggest[r] = max(biggest[r + 1], _upper(items[r][1]))
    # the pieces each run can start at each offset: (end, value) for valid printed numbers
    pieces: list[list[list[tuple[int, float]]]] = []
    for _, body, _ in items:
        table = []
        for off in range(len(body)):
            table.append([(end, float(body[off:end])) for end in range(off + 1, len(body) + 1)
                          if (end == len(body) or body[end] != ".") and _valid(body[off:end], True)])
        pieces.append(table)
    results: list[list[tuple[int, int, int]]] = []  # per cell: (item, start, end); (-1, 0, 0) empty
    nodes = 0
    vals: list[float | None] = []  # None: a mask
    laid: list[tuple[int, int, int]] = []

    def fits() -> bool:
        i = len(vals) - 1
        for lhs, rhs in checks[i]:
            a = [vals[j] for j in lhs]
            b = [vals[j] for j in rhs]
            if None in a or None in b:
                continue
            if abs(sum(a) - sum(b)) > TOL:  # type: ignore[arg-type]
                return False
        return True

    def bounded(r: int, off: int) -> bool:
        rest = max(biggest[r + 1], _upper(items[r][1][off:])) if r < len(items) else 0.0
        return all(sum(vals[j] or 0.0 for j in parts) <= rest + TOL for _, parts in totals[len(vals)])

    def push(v: float | None, where: tuple[int, int, int]) -> None:
        vals.append(v)
        laid.append(where)

    def pop() -> None:
        vals.pop()
        laid.pop()

    def rec(r: int, off: int) -> bool:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES or len(results) > MAX_SPLITS:
            return False
        i = len(vals)
        if i == n:
            if r == len(items):
                results.append(list(laid))
            return True
        need = after[r] if off == 0 else after[r + 1] + _min_cells(items[r][1][off:])
        if n - i < need:
            return True
        if blanks and n - i - 1 >= need:
            push(0.0, (-1, 0, 0))
            ok = not fits() or rec(r, off)
            pop()
            if not ok:
                return False
        if r == len(items):
            return True
        tok, body, _ = items[r]
        if not body:  # a mask or a printed dash: one cell
            push(None if tok.kind is Kind.MASK else 0.0, (r, 0, 0))
            ok = not fits() or rec(r + 1, 0)
            pop()
            return ok
        for end, v in pieces[r][off]:
            if "." in body[off:end] and not decimals[i]:
                continue
            last = end == len(body)
            push(v, (r, off, end))
            ok = not (fits() and bounded(r + 1 if last else r, 0 if last else end)) or rec(r + 1 if last else r,
                                                                                          0 if last else end)
            pop()
            if not ok:
                return False
        return True

    if not rec(0, 0):
        return None
    out = []
    for res in results:
        cells = []
        for r, a, b in res:
            if r < 0:
                cells.append(Token(Kind.BLANK, ""))
                continue
            tok, body, suffix = items[r]
            if not body:
                cells.append(tok)
                continue
            piece = body[a:b] + (suffix if b == len(body) else "")
            cells.append(Token(Kind.NUMBER, piece, parse_number(piece), tok.page, tok.bbox, tok.confidence, tok.pos))
        out.append(cells)
    return out


def _fits(eqs: list[Equation], values: dict[CellKey, float]) -> bool:
    return all(abs(sum(values[k] for k in e.lhs) - sum(values[k] for k in e.rhs)) <= TOL
               for e in eqs if all(k in values for k in e.cells))


Memo = dict[tuple[int, bool], "list[list[Token]] | None"]


def prints_empty_cells(tables: list[tuple[TableSpec, str | None, list[Unit]]], memo: Memo | None = None) -> bool:
    """Whether a glued document prints some cells empty: a document that prints its zeros (as web
    pages do) leaves a digit in every cell; one with a row that cannot be laid out without empty
    cells prints some cells empty, and then any cell of it may be. ``memo`` keeps the splits
    found for :func:`split_glued`."""
    memo = {} if memo is None else memo
    for spec, variant, units in tables:
        eqs = spec.equations(variant)
        for unit in units:
            if _is_glued(unit):
                memo[(id(unit), False)] = found = _row_splits(spec, unit, eqs, blanks=False)
                if found == []:
                    return True
    return False


def split_glued(spec: TableSpec, variant: str | None, units: list[Unit], blanks: bool = False,
                memo: Memo | None = None) -> Split:
    """Units of ``spec`` with their glued runs split by the arithmetic (see the module docstring);
    ``blanks``: the document prints some cells empty (:func:`prints_empty_cells`).

    Three steps share the splits found: each glued row's splits, the combinations of rows' splits
    that fit the table's equations together, the cells where the fitting splits differ (doubtful,
    left as masks); so it stays one function"""
    out = Split(list(units))
    glued = [u for u, unit in enumerate(units) if _is_glued(unit)]
    if not glued:
        return out
    eqs = spec.equations(variant)
    memo = memo or {}
    found = {u: memo[(id(units[u]), blanks)] if (id(units[u]), blanks) in memo
             else _row_splits(spec, units[u], eqs, blanks) for u in glued}
    options: dict[int, list[list[Token]]] = {}
    for u in glued:
        unit = units[u]
        splits = found[u]
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
        for combo in fitting[:MAX_CHOICES]:
            out.choices.append({c: t.value if t.kind is Kind.NUMBER else None
                                for u, split in zip(open_units, combo, strict=True)
                                for c, t in zip(units[u].cells, split, strict=True)})
        for i, u in enumerate(open_units):
            alternatives = [combo[i] for combo in fitting] or options[u]
            chosen[u] = alternatives[0]
            run_text = " ".join(t.text for t in units[u].slots if t.kind is not Kind.BLANK)
            cells = units[u].cells
            differ = [j for j in range(len(cells)) if len({(a[j].kind, a[j].value) for a in alternatives}) > 1]
            if differ:
                # where the splits differ, the digits after that point may belong one cell further on:
                # every printed row from the first such cell to the last is in question
                rows = list(dict.fromkeys(c[0] for c in cells))
                lo, hi = rows.index(cells[differ[0]][0]), rows.index(cells[differ[-1]][0])
                for cell in cells:
                    if cell[0] in rows[lo:hi + 1]:
                        out.doubtful[cell] = run_text
    # cells the digits leave open are unknowns to whatever comes next (placement, arithmetic): they
    # stand as masks, so that no value of one possible split is taken as read
    for u in out.unsplittable:
        chosen[u] = [Token(Kind.MASK, out.doubtful[c]) for c in units[u].cells]
    for u, split in chosen.items():
        unit = units[u]
        slots = [Token(Kind.MASK, out.doubtful[c]) if c in out.doubtful else t
                 for c, t in zip(unit.cells, split, strict=True)]
        out.units[u] = Unit(unit.table, unit.cells, slots, unit.label, unit.score, unit.lost, unit.parts)
    return out
