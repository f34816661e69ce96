"""The structure check after placement, independent of the reader that produced the cells.

A placeholder: issue 14 fills it (label ordinals in order, value cells against the column
lattice, each section's row count against the template, a table continued across pages keeping
its row identities; each disagreement a ``structure`` issue naming its cells). Until then it
finds nothing.

>>> check_structure([])
[]
"""

from __future__ import annotations

from govreport.report import Cell, Issue


def check_structure(cells: list[Cell]) -> list[Issue]:
    """``structure`` issues for the placed cells of a report (none yet)."""
    return []
