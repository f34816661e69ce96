"""Score a report against known truth: right cells, flagged cells, silent wrong values.

A cell is *right* when its value equals the truth, or when it is honestly empty: printed blank
(``blank``/``inferred`` 0), redacted (``masked``), or vanished (``missing``/``blank``) — a
value of ``None`` never claims a number. A cell is *flagged* when an issue names it. A cell that
is neither right nor flagged is a *silent* error: the one thing the toolkit must never produce.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from govreport.report import Report
from govreport.types import CellRef


@dataclass
class Score:
    total: int = 0
    right: int = 0
    flagged: int = 0
    silent: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    def __iadd__(self, other: Score) -> Score:
        self.total += other.total
        self.right += other.right
        self.flagged += other.flagged
        self.silent += other.silent
        return self


def score(report: Report, truth: Mapping[CellRef, int | float], unreadable: Iterable[CellRef] = ()) -> Score:
    """Compare ``report`` with ``truth``; ``unreadable`` cells (masked, blank zeros, deleted) may
    honestly come back without a value."""
    unreadable = set(unreadable)
    flagged_keys = report.issue_cells()
    cells = {c.key: c for c in report.cells}
    s = Score()
    for key, want in truth.items():
        s.total += 1
        c = cells.get(key)
        if c is None:
            s.silent.append(f"{key}: no such cell in the report")
            continue
        exact = c.value is not None and abs(float(c.value) - float(want)) < 1e-6
        honest_gap = c.value is None and (key in unreadable or c.status in ("masked", "missing"))
        if exact or honest_gap:
            s.right += 1
        elif key in flagged_keys or (c.value is None and c.status in ("masked", "missing")):
            s.flagged += 1
        else:
            what = f"{c.value!r} ({c.status}, text {c.text!r})"
            s.silent.append(f"{'.'.join(key)}: {what}, truth {want!r}")
    return s
