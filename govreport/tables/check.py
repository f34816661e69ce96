"""Evaluate a template's arithmetic on known values.

>>> from govreport.synth.truth import random_truth
>>> t = random_truth("gov2019", seed=3)
>>> violations("gov2019", t.values, t.variant)
[]
"""

from __future__ import annotations

from collections.abc import Mapping

from govreport.models.template import Equation, get_template
from govreport.types import CellRef


def violations(template_id: str, values: Mapping[CellRef, int | float | None],
               variant: str | None = None) -> list[tuple[str, Equation]]:
    """(table, equation) pairs whose cells are all known and whose sums differ."""
    out: list[tuple[str, Equation]] = []
    for table in get_template(template_id).tables:
        for eq in table.equations(variant if table.variants else None):
            vals = [values.get((table.id, *k)) for k in eq.cells]
            if any(v is None for v in vals):
                continue
            lhs = sum(values[(table.id, *k)] or 0 for k in eq.lhs)
            rhs = sum(values[(table.id, *k)] or 0 for k in eq.rhs)
            if abs(lhs - rhs) > 1e-6:
                out.append((table.id, eq))
    return out
