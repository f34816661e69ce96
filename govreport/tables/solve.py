"""The template's arithmetic as a linear system over the cells that were not read.

Given the read values, :func:`analyse` decides, for one table:

* whether the equations can all hold with the unknown cells non-negative (feasible);
* which unknown cells they fix uniquely (to be reported ``inferred``);
* if they cannot hold, whether exactly one read cell can be changed to make them hold, and to
  which unique value (``corrected``); otherwise which equations fail (``inconsistent``).

Uniqueness is exact for the linear relaxation: one LP finds the cells forced to their lower
bound on every solution; the rest are fixed where the equations' null space leaves them no
freedom.

>>> from govreport.models.template import Equation
>>> eqs = [Equation("row_total", "r", (("r", "t"),), (("r", "a"), ("r", "b")))]
>>> res = analyse(eqs, {("r", "t"): 5, ("r", "a"): 5}, [("r", "b")])
>>> res.feasible, res.fixed
(True, {('r', 'b'): 0.0})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from govreport.models.template import Equation
from govreport.types import CellKey

TOL = 1e-6


@dataclass
class Analysis:
    feasible: bool
    fixed: dict[CellKey, float] = field(default_factory=dict)
    violated: list[Equation] = field(default_factory=list)
    correction: tuple[CellKey, float] | None = None


def _system(eqs: Sequence[Equation], known: Mapping[CellKey, float], unknown: Sequence[CellKey]
            ) -> tuple[np.ndarray, np.ndarray, list[Equation]]:
    index = {k: i for i, k in enumerate(unknown)}
    rows, rhs, used = [], [], []
    for eq in eqs:
        a = np.zeros(len(unknown))
        b = 0.0
        for sign, side in ((1.0, eq.lhs), (-1.0, eq.rhs)):
            for k in side:
                if k in index:
                    a[index[k]] += sign
                elif k in known:
                    b -= sign * float(known[k])
                else:
                    break
        rows.append(a)
        rhs.append(b)
        used.append(eq)
    A = np.array(rows) if rows else np.zeros((0, len(unknown)))
    return A, np.array(rhs), used


def linprog(*args, **kwargs):  # type: ignore[no-untyped-def]
    """scipy's HiGHS LP, imported on first use (scipy.optimize takes ~0.4 s to import)."""
    from scipy.optimize import linprog as _linprog

    return _linprog(*args, **kwargs)



def propagate(eqs: Sequence[Equation], known: Mapping[CellKey, float], unknown: Sequence[CellKey],
              lower: Mapping[CellKey, float | None]) -> dict[CellKey, float] | None:
    """Values the equations force by plain substitution: an equation with one unknown left, or
    non-negative unknowns that must sum to zero. ``None`` if a forced value breaks a bound."""
    vals = {k: float(v) for k, v in known.items()}
    todo = set(unknown)
    fixed: dict[CellKey, float] = {}
    changed = True
    while changed and todo:
        changed = False
        for eq in eqs:
            rest = 0.0
            free: list[tuple[CellKey, float]] = []
            for sign, side in ((1.0, eq.lhs), (-1.0, eq.rhs)):
                for k in side:
                    if k in todo:
                        free.append((k, sign))
                    else:
                        rest += sign * vals.get(k, 0.0)
            if not free:
                continue
            if len(free) == 1:
                k, a = free[0]
                v = -rest / a
                lo = lower.get(k, 0.0)
                if lo is not None and v < lo - TOL:
                    return None
                vals[k] = fixed[k] = v
                todo.discard(k)
                changed = True
            elif abs(rest) <= TOL and len({a for _, a in free}) == 1 and all(lower.get(k, 0.0) == 0.0 for k, _ in free):
                for k, _ in free:
                    vals[k] = fixed[k] = 0.0
                    todo.discard(k)
                changed = True
    return fixed


def holds(eqs: Sequence[Equation], vals: Mapping[CellKey, float]) -> bool:
    """Every equation holds with ``vals`` (which give each of their cells a value)."""
    return all(abs(sum(vals[k] for k in e.lhs) - sum(vals[k] for k in e.rhs)) <= TOL for e in eqs)


def solved_for(eq: Equation, k: CellKey, vals: Mapping[CellKey, float]) -> float | None:
    """The value ``eq`` gives cell ``k`` where ``vals`` give every other cell of it one."""
    if any(x not in vals for x in eq.cells if x != k):
        return None
    lhs = sum(vals[x] for x in eq.lhs if x != k)
    rhs = sum(vals[x] for x in eq.rhs if x != k)
    return rhs - lhs if k in eq.lhs else lhs - rhs


def _bounds(unknown: Sequence[CellKey], lower: Mapping[CellKey, float | None]) -> list[tuple[float | None, None]]:
    return [(lower.get(k, 0.0), None) for k in unknown]


def min_slack(eqs: Sequence[Equation], known: Mapping[CellKey, float], unknown: Sequence[CellKey],
              lower: Mapping[CellKey, float | None] | None = None) -> tuple[float, np.ndarray]:
    """Least total violation of the equations; returns (total, per-equation slack)."""
    lower = lower or {}
    A, b, _ = _system(eqs, known, unknown)
    m, n = A.shape
    if m == 0:
        return 0.0, np.zeros(0)
    if n == 0:
        r = np.abs(b)
        return float(r.sum()), r
    c = np.concatenate([np.zeros(n), np.ones(2 * m)])
    Aeq = np.hstack([A, np.eye(m), -np.eye(m)])
    res = linprog(c, A_eq=Aeq, b_eq=b, bounds=_bounds(unknown, lower) + [(0, None)] * (2 * m), method="highs")
    if res.status != 0:
        return float("inf"), np.full(m, np.inf)
    s = res.x[n:n + m] + res.x[n + m:]
    return float(res.fun), s


def fixed_cells(eqs: Sequence[Equation], known: Mapping[CellKey, float], unknown: Sequence[CellKey],
                lower: Mapping[CellKey, float | None] | None = None) -> dict[CellKey, float] | None:
    """Unknown cells whose value every solution shares (``None`` if there is no solution)."""
    lower = lower or {}
    unknown = list(unknown)
    if not unknown:
        return {}
    A, b, _ = _system(eqs, known, unknown)
    n = len(unknown)
    bounded = [i for i, k in enumerate(unknown) if lower.get(k, 0.0) is not None]
    eps = 1e-3
    # One LP: maximise how far every bounded cell can sit above its bound (capped at eps).
    nb = len(bounded)
    c = np.concatenate([np.zeros(n), -np.ones(nb)])
    Aub = np.zeros((nb, n + nb))
    bub = np.zeros(nb)
    for j, i in enumerate(bounded):
        Aub[j, i] = -1.0  # t_j - x_i <= -lower_i
        Aub[j, n + j] = 1.0
        bub[j] = -float(lower.get(unknown[i], 0.0) or 0.0)
    Aeq = np.hstack([A, np.zeros((A.shape[0], nb))]) if A.shape[0] else None
    res = linprog(c, A_ub=Aub if nb else None, b_ub=bub if nb else None, A_eq=Aeq,
                  b_eq=b if A.shape[0] else None,
                  bounds=_bounds(unknown, lower) + [(0, eps)] * nb, method="highs")
    if res.status != 0:
        return None
    x0 = res.x[:n]
    at_bound = {bounded[j] for j in range(nb) if res.x[n + j] < eps / 2}
    free = [i for i in range(n) if i not in at_bound]
    out: dict[CellKey, float] = {unknown[i]: float(lower.get(unknown[i], 0.0) or 0.0) for i in at_bound}
    if free:
        sub = A[:, free] if A.shape[0] else np.zeros((0, len(free)))
        if sub.shape[0]:
            _, sv, vt = np.linalg.svd(sub)
            rank = int((sv > 1e-9).sum())
            null = vt[rank:].T
        else:
            null = np.eye(len(free))
        for j, i in enumerate(free):
            if null.shape[1] == 0 or np.abs(null[j]).max() < 1e-9:
                out[unknown[i]] = float(x0[i])
    return out


def analyse(eqs: Sequence[Equation], known: Mapping[CellKey, float], unknown: Sequence[CellKey],
            lower: Mapping[CellKey, float | None] | None = None, correctable: Sequence[CellKey] = ()
            ) -> Analysis:
    """Feasibility, inferred cells, a unique single-cell correction or the failing equations."""
    lower = lower or {}
    eqs = [e for e in eqs if all(k in known or k in unknown for k in e.cells)]
    quick = propagate(eqs, known, unknown, lower)
    if quick is not None and len(quick) == len(set(unknown)) and holds(eqs, {**known, **quick}):
        return Analysis(True, quick)  # everything forced by substitution: no LP needed
    total, slack = min_slack(eqs, known, unknown, lower)
    if total <= TOL:
        return Analysis(True, fixed_cells(eqs, known, unknown, lower) or {})
    violated = [e for e, s in zip(eqs, slack, strict=True) if s > TOL]
    # Which single read cell, if freed, lets every equation hold?
    suspects = [k for k in dict.fromkeys(k for e in violated for k in e.cells) if k in known and k in correctable]
    fixes: list[CellKey] = []
    for k in suspects:
        rest = {kk: v for kk, v in known.items() if kk != k}
        t, _ = min_slack(eqs, rest, [*unknown, k], lower)
        if t <= TOL:
            fixes.append(k)
            if len(fixes) > 1:
                break
    if len(fixes) == 1:
        k = fixes[0]
        rest = {kk: v for kk, v in known.items() if kk != k}
        fixed = fixed_cells(eqs, rest, [*unknown, k], lower) or {}
        if k in fixed and abs(fixed[k] - round(fixed[k])) < 1e-6:
            value = fixed.pop(k)
            return Analysis(True, fixed, [], (k, value))
    # Inconsistent: infer only from the equations that hold.
    holding = [e for e, s in zip(eqs, slack, strict=True) if s <= TOL]
    spoiled = {k for e in violated for k in e.cells}
    fixed = fixed_cells(holding, known, unknown, lower) or {}
    fixed = {k: v for k, v in fixed.items() if k not in spoiled}
    return Analysis(False, fixed, violated)
