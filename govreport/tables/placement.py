"""Place each segment's printed cells into template columns, using the arithmetic.

When a row shows exactly as many cells as the template has columns, cell *i* is column *i*.
Otherwise (blank cells dropped, a number deleted, tab positions drifting) every order-keeping
placement is possible. One mixed-integer program per table chooses the placements that (1) let
the template's equations hold with the least violation, (2) stay closest to the positions the
source suggests, and (3) need the fewest blank cells to be non-zero. A unit whose non-zero
numbers could sit elsewhere at no cost is reported as ambiguous.

>>> from govreport.layout.tokens import classify
>>> from govreport.models.template import get_template
>>> from govreport.tables.match import Unit
>>> t = get_template("gov2021").table("appeals")
>>> cells = [(r.id, c.id) for r in t.rows for c in t.columns]
>>> u = Unit("appeals", cells, [classify(x) for x in "2 0 0 0 2 1 2 3 1 0 1".split()])
>>> p = place(t, None, [u])
>>> [c for _, c in p.positions[0]][:5]
[('review', 'upheld'), ('review', 'corrected'), ('review', 'other'), ('review', 'pending'), ('review', 'total')]
>>> sorted({r for r, c in p.ambiguous[0]})  # the text does not say which columns in these rows
['direct_suit', 'suit_after_review']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from govreport.layout.tokens import WEAK_BLANK, Kind, Token
from govreport.models.template import TableSpec
from govreport.tables.match import Unit
from govreport.types import CellKey

W_SLACK = 1000.0


TIE = 0.5
#: what a cell printed empty read as non-zero costs when alternatives are weighed (more than a tie)
BLANK_FILL = 1.0
MAX_ALTERNATIVES = 4  #: other placements offered to a reviewer beside the one chosen


@dataclass
class Placement:
    """``positions[u]`` lists (slot index, cell) for every non-blank slot of unit ``u`` placed;
    ``blanks[u]`` the cells printed empty; ``ambiguous`` cells whose value another placement
    would change at no cost; ``unplaced[u]`` slots with no column."""

    positions: list[list[tuple[int, CellKey]]]
    blanks: list[list[tuple[int | None, CellKey]]]
    ambiguous: list[set[CellKey]] = field(default_factory=list)
    unplaced: list[list[int]] = field(default_factory=list)
    slack: float = 0.0
    flexible: list[int] = field(default_factory=list)  #: units placed by the program
    #: other placements as good, each as the cells in question -> the token placed there (None: empty)
    alternatives: list[dict[CellKey, Token | None]] = field(default_factory=list)


def _trusted(slots: list[Token]) -> list[int]:
    """Slot indices, less trailing empty lines that may only have been paragraph breaks."""
    idx = list(range(len(slots)))
    while idx and slots[idx[-1]] == WEAK_BLANK:
        idx.pop()
    return idx


def _canonical(slots: list[Token], n: int) -> list[int] | None:
    """Slot index per column when the source's positions can be trusted, else ``None``."""
    idx = _trusted(slots)
    while len(idx) > n and slots[idx[-1]].kind is Kind.BLANK:
        idx.pop()
    while len(idx) > n and slots[idx[0]].kind is Kind.BLANK:
        idx.pop(0)
    return list(idx) if len(idx) == n else None


def _hints(slots: list[Token], n: int) -> dict[int, int]:
    """Suggested column for each value slot when a row shows more cells than columns."""
    idx = _trusted(slots)
    while len(idx) > n and slots[idx[-1]].kind is Kind.BLANK:
        idx.pop()
    while len(idx) > n and slots[idx[0]].kind is Kind.BLANK:
        idx.pop(0)
    if len(idx) < n:
        return {}
    return {i: min(pos, n - 1) for pos, i in enumerate(idx) if slots[i].kind is not Kind.BLANK}


def place(table: TableSpec, variant: str | None, units: list[Unit]) -> Placement:
    """Put each unit's printed numbers in the template cells of its rows: a unit printed with one
    token per cell is placed as printed; the others ("flexible") by the mixed-integer program that
    best satisfies the table's equations. Numbers that could take another column at (almost) the
    same cost make their rows ``ambiguous``.

    The fixed placement, the program and the ambiguity search share the position lists they fill
    in turn, so they stay in one function."""
    positions: list[list[tuple[int, CellKey]]] = [[] for _ in units]
    blanks: list[list[tuple[int | None, CellKey]]] = [[] for _ in units]
    unplaced: list[list[int]] = [[] for _ in units]
    flexible: list[int] = []
    # rows printed with an empty label cell before their numbers ("(一)予以公开 | | 36 | ...")
    padded = sum(len(_trusted(un.slots)) == len(un.cells) + 1 and un.slots[0].kind is Kind.BLANK for un in units)
    for u, unit in enumerate(units):
        n = len(unit.cells)
        canon = _canonical(unit.slots, n)
        if canon is not None and padded >= 2 and unit.slots[canon[0]].kind is Kind.BLANK:
            # as many cells as columns, led by an empty one, where other rows show that empty
            # label cell: one number may be missing, and the first cell is no column's
            canon = None
        if canon is not None:
            for col, i in enumerate(canon):
                if unit.slots[i].kind is Kind.BLANK:
                    blanks[u].append((i, unit.cells[col]))
                else:
                    positions[u].append((i, unit.cells[col]))
        else:
            vals = [i for i, t in enumerate(unit.slots) if t.kind is not Kind.BLANK]
            if len(vals) > n:
                unplaced[u] = vals[n:]
            flexible.append(u)
    amb: list[set[CellKey]] = [set() for _ in units]
    if not flexible:
        return Placement(positions, blanks, amb, unplaced)

    solver = _Program(table, variant, units, positions, blanks, flexible, unplaced)
    best = solver.solve()
    if best is None:  # should not happen: the program is always feasible
        for u in flexible:
            unplaced[u] = [i for i, t in enumerate(units[u].slots) if t.kind is not Kind.BLANK]
        return Placement(positions, blanks, amb, unplaced)
    obj, chosen = best
    nonzero: dict[int, CellKey] = {}  # z-variable of each placed non-zero slot -> its cell
    for u in flexible:
        pos = chosen[u]
        positions[u] = sorted(pos)
        used = {c for _, c in pos}
        blanks[u] = [(None, c) for c in units[u].cells if c not in used]
        for i, c in pos:
            t = units[u].slots[i]
            if t.kind is Kind.MASK or t.value:
                nonzero[solver.var(u, i, c)] = c
    # Ambiguity: which non-zero numbers can move to another column at (almost) no cost?
    movable: set[int] = set()
    while nonzero.keys() - movable:
        moved = solver.move_most(obj + TIE, [v for v in nonzero if v not in movable])
        if not moved:
            break
        for v, (u, new_cell) in moved.items():
            movable.add(v)
            amb[u] |= {nonzero[v], new_cell}
    # Where each number that can move may go in a placement as good: the cells it may leave or
    # take are in question (each tried alone; the rest of its row is not).
    others: list[dict[CellKey, Token | None]] = []
    for v in movable:
        u, i = next((uu, ii) for (uu, ii, _c, vv) in solver.z if vv == v)
        here = dict(positions[u]).get(i)
        for (uu, ii, cell, w) in solver.z:
            if uu == u and ii == i and cell != here:
                x = solver.fitting(obj + TIE, w)
                if x is not None:
                    amb[u].add(cell)
                    if len(others) < MAX_ALTERNATIVES:
                        others.append({c: units[uu2].slots[ii2] for (uu2, ii2, c, vv) in solver.z if x[vv] > 0.5})
    alternatives = []
    for other in others:  # each as the cells in question hold it (None: empty)
        alternatives.append({c: other.get(c) for u2 in flexible for c in amb[u2]})
    return Placement(positions, blanks, amb, unplaced, slack=solver.last_slack, flexible=flexible,
                     alternatives=alternatives)


class _Program:
    """The mixed-integer program behind :func:`place` (scipy's HiGHS ``milp``)."""

    def __init__(self, table: TableSpec, variant: str | None, units: list[Unit],
                 positions: list[list[tuple[int, CellKey]]], blanks: list[list[tuple[int | None, CellKey]]],
                 flexible: list[int], unplaced: list[list[int]]) -> None:
        self.units = units
        self.flexible = flexible
        cells = table.cells(variant)
        self.cell_index = {c: i for i, c in enumerate(cells)}
        self.eqs = table.equations(variant)
        nc, ne = len(cells), len(self.eqs)
        # variable layout: fill_blank[nc] | fill_mask[nc] | s+[ne] | s-[ne] | z...
        self.z: list[tuple[int, int, CellKey, int]] = []  # (unit, slot, cell, var index)
        self.nc, self.ne, self.base = nc, ne, 2 * nc + 2 * ne
        const, fixed_read, blank_ok, mask_ok = self._fixed(positions)
        #: cells a row placed as printed shows empty (its empty field is printed): not a lost number
        self.printed_blank = np.zeros(len(self.cell_index), dtype=bool)
        for u, unit_blanks in enumerate(blanks):
            if u not in flexible:
                for i, cell in unit_blanks:
                    if i is not None:
                        self.printed_blank[self.cell_index[cell]] = True
        self.big = max([1.0] + [abs(float(t.value or 0)) for un in units for t in un.slots]) * 10 + 100
        self.hint_cost = self._slot_variables()
        self.nvar = self.base + len(self.z)
        c = np.zeros(self.nvar)
        c[:nc] = min(0.05, 500.0 / self.big)  # a blank cell read as non-zero costs more than any tie-break
        c[2 * nc:2 * nc + 2 * ne] = W_SLACK
        c[self.base:] = self.hint_cost
        self.c = c
        self.lb = np.zeros(self.nvar)
        self.ub = self._upper_bounds(fixed_read, blank_ok, mask_ok)
        self.rows = self._equation_rows(const) + self._slot_rows()
        self.last_slack = 0.0
        self.last_x: np.ndarray | None = None

    def _fixed(self, positions: list[list[tuple[int, CellKey]]]) -> tuple[np.ndarray, ...]:
        """What the units placed for sure print: each cell's read value, whether it is read, whether
        it may be blank, whether it is masked."""
        nc = self.nc
        const = np.zeros(nc)  # value printed in a fixed read cell
        fixed_read = np.zeros(nc, dtype=bool)
        blank_ok = np.ones(nc, dtype=bool)
        mask_ok = np.zeros(nc, dtype=bool)
        for u, unit in enumerate(self.units):
            if u in self.flexible:
                continue
            for i, c in positions[u]:
                t = unit.slots[i]
                j = self.cell_index[c]
                if t.kind is Kind.NUMBER:
                    const[j], fixed_read[j] = float(t.value or 0), True
                    blank_ok[j] = False
                else:
                    blank_ok[j], mask_ok[j] = False, True
        return const, fixed_read, blank_ok, mask_ok

    def _slot_variables(self) -> list[float]:
        """One 0/1 variable per (flexible unit's value slot, column it may take) in ``self.z``; their costs."""
        costs: list[float] = []
        for u in self.flexible:
            unit = self.units[u]
            n = len(unit.cells)
            vals = [i for i, t in enumerate(unit.slots) if t.kind is not Kind.BLANK][:n]
            hints = _hints(unit.slots, n)
            k = len(vals)
            for r, i in enumerate(vals):
                for col in range(r, n - (k - r) + 1):
                    self.z.append((u, i, unit.cells[col], self.base + len(self.z)))
                    if i in hints:
                        cost = 0.0 if hints[i] == col else 1.0 + 0.01 * abs(hints[i] - col)
                    else:  # no positions to go by: prefer left-packed, last value in the last column
                        want = n - 1 if r == k - 1 else r
                        cost = 1e-4 * abs(want - col)
                    costs.append(cost)
        return costs

    def _upper_bounds(self, fixed_read: np.ndarray, blank_ok: np.ndarray, mask_ok: np.ndarray) -> np.ndarray:
        nc = self.nc
        ub = np.full(self.nvar, np.inf)
        ub[self.base:] = 1.0
        flex_cells = {self.cell_index[c] for u in self.flexible for c in self.units[u].cells}
        for j in range(nc):
            if fixed_read[j]:
                ub[j] = ub[nc + j] = 0.0
            elif j not in flex_cells:
                if not blank_ok[j]:
                    ub[j] = 0.0
                if not mask_ok[j]:
                    ub[nc + j] = 0.0 if blank_ok[j] else ub[nc + j]
        return ub

    def _equation_rows(self, const: np.ndarray) -> list[tuple[dict[int, float], float, float]]:
        """The template's equations: sum lhs - sum rhs + s+ - s- = 0, each cell = const + fills + sum v z."""
        nc, ne = self.nc, self.ne
        rows: list[tuple[dict[int, float], float, float]] = []
        for e, eq in enumerate(self.eqs):
            coef: dict[int, float] = {}
            rhs = 0.0
            for sign, side in ((1.0, eq.lhs), (-1.0, eq.rhs)):
                for cell in side:
                    j = self.cell_index[cell]
                    coef[j] = coef.get(j, 0.0) + sign
                    coef[nc + j] = coef.get(nc + j, 0.0) + sign
                    rhs -= sign * const[j]
                    for (u, i, zc, v) in self.z:
                        if zc == cell:
                            val = self.units[u].slots[i].value
                            if self.units[u].slots[i].kind is Kind.NUMBER and val:
                                coef[v] = coef.get(v, 0.0) + sign * float(val)
            coef[2 * nc + e] = 1.0
            coef[2 * nc + ne + e] = -1.0
            rows.append((coef, rhs, rhs))
        return rows

    def _slot_rows(self) -> list[tuple[dict[int, float], float, float]]:
        """Each value slot sits in exactly one column; columns hold at most one slot; order kept;
        fills only where no number sits, mask fills only under a mask."""
        nc, big = self.nc, self.big
        rows: list[tuple[dict[int, float], float, float]] = []
        by_slot: dict[tuple[int, int], list[tuple[int, CellKey]]] = {}
        for (u, i, cell, v) in self.z:
            by_slot.setdefault((u, i), []).append((v, cell))
        for (_u, _i), vs in by_slot.items():
            rows.append(({v: 1.0 for v, _ in vs}, 1.0, 1.0))
        for u in self.flexible:
            unit = self.units[u]
            colpos = {c: p for p, c in enumerate(unit.cells)}
            slots_u = sorted(i for (uu, i) in by_slot if uu == u)
            for a, b in zip(slots_u, slots_u[1:], strict=False):
                coef: dict[int, float] = {}
                for v, cell in by_slot[(u, a)]:
                    coef[v] = coef.get(v, 0.0) + colpos[cell]
                for v, cell in by_slot[(u, b)]:
                    coef[v] = coef.get(v, 0.0) - colpos[cell]
                rows.append((coef, -np.inf, -1.0))
            for cell in unit.cells:
                j = self.cell_index[cell]
                occupying = [(v, unit.slots[i]) for (uu, i, cc, v) in self.z if uu == u and cc == cell]
                coef = {j: 1.0}
                for v, _ in occupying:
                    coef[v] = big
                rows.append((coef, -np.inf, big))
                coef = {nc + j: 1.0}
                for v, t in occupying:
                    if t.kind is Kind.MASK:
                        coef[v] = -big
                rows.append((coef, -np.inf, 0.0))
        return rows

    def var(self, u: int, i: int, cell: CellKey) -> int:
        return next(v for (uu, ii, c, v) in self.z if uu == u and ii == i and c == cell)

    def _budget_row(self, budget: float) -> tuple[dict[int, float], float, float]:
        """The placements within ``budget``: a filled blank costs a whole tie there, not the tie-break
        it costs in the program (a placement that makes the document print a number where it prints
        none is a worse reading, not another as good)."""
        weights = self.c.copy()
        weights[:self.nc][self.printed_blank] = BLANK_FILL  # (a cell of a row placed by the program may be the one
        # whose number the text lost: filling it costs what it costs in the program)
        if self.last_x is not None:
            budget += float((weights - self.c) @ self.last_x)
        return ({j: float(x) for j, x in enumerate(weights) if x}, -np.inf, budget)

    def move_most(self, budget: float, candidates: list[int]) -> dict[int, tuple[int, CellKey]]:
        """Move as many of the ``candidates`` placements as possible within the cost budget."""
        c = np.zeros(self.nvar)
        rows = [*self.rows, self._budget_row(budget)]
        c[candidates] = 1.0
        res = self._run(c, rows)
        if res is None:
            return {}
        out: dict[int, tuple[int, CellKey]] = {}
        for v in candidates:
            if res[v] < 0.5:
                u, i = next((uu, ii) for (uu, ii, _c, vv) in self.z if vv == v)
                new = next(cc for (uu, ii, cc, vv) in self.z if uu == u and ii == i and res[vv] > 0.5)
                out[v] = (u, new)
        return out

    def fitting(self, budget: float, var: int) -> np.ndarray | None:
        """A placement within the budget (weighed as in :meth:`move_most`) with ``var`` set, or ``None``."""
        return self._run(np.zeros(self.nvar), [*self.rows, self._budget_row(budget), ({var: 1.0}, 1.0, 1.0)])

    def _run(self, c: np.ndarray, rows: list[tuple[dict[int, float], float, float]]) -> np.ndarray | None:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import lil_matrix

        A = lil_matrix((len(rows), self.nvar))
        lo = np.empty(len(rows))
        hi = np.empty(len(rows))
        for r, (coef, a, b) in enumerate(rows):
            for v, x in coef.items():
                A[r, v] = x
            lo[r], hi[r] = a, b
        integrality = np.zeros(self.nvar)
        integrality[self.base:] = 1
        # disp=False keeps HiGHS silent; nothing here may touch the process's stdout (other threads own it)
        # disp=False keeps HiGHS's log quiet; the debug line it printf's on some tables is kept off the
        # CLI's stdout by the CLI (govreport.cli.common.native_stdout_away): a library call never touches
        # the host process's file descriptors, which other threads own
        res = milp(c, constraints=LinearConstraint(A.tocsr(), lo, hi), integrality=integrality,
                   bounds=Bounds(self.lb, self.ub), options={"time_limit": 10.0, "disp": False})
        return None if res.x is None else res.x

    def solve(self) -> tuple[float, dict[int, list[tuple[int, CellKey]]]] | None:
        x = self._run(self.c, self.rows)
        if x is None:
            return None
        self.last_slack = float(x[2 * self.nc:2 * self.nc + 2 * self.ne].sum())
        self.last_x = x
        chosen: dict[int, list[tuple[int, CellKey]]] = {u: [] for u in self.flexible}
        for (u, i, cell, v) in self.z:
            if x[v] > 0.5:
                chosen[u].append((i, cell))
        return float(self.c @ x), chosen
