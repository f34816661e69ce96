"""Ruled tables as lattices, one way for raster rules (scans) and vector rules (PDF text layers).

A reader finds a table's rules and hands their positions to :func:`build_grid`: the distinct
horizontal rule positions (``ys``) and vertical ones (``xs``) make a lattice of units, and two
neighbouring units that no rule separates merge, so a label spanning rows or a header spanning
columns is one :class:`GridCell`, listed once, in the row where it starts. Positions come from
:func:`cluster` (rule pieces within a tolerance are one line). Rules are found by
:mod:`govreport.ocr.rules` on page images and by :mod:`govreport.layout.pdf_text` from PDF paths.

A table that runs on over a page break is joined by one rule (:func:`continues`,
:func:`trim_continuation`): the next page's first table with the same left and right edges
continues it, a repeated header is dropped, and so are the empty leftovers of label cells merged
across the break.

:func:`group_rows` and :func:`align_columns` are the fallback for text without rules: they group
loose boxes into printed lines and line up the columns of an unruled table.

>>> g = build_grid([0.0, 10.0, 20.0], [0.0, 5.0, 10.0], split_right=lambda r, c: r == 1,
...                split_down=lambda r, c: True)
>>> [(c.r0, c.r1, c.c0, c.c1) for c in g.cells]  # the top row has no rule between its columns
[(0, 1, 0, 2), (1, 2, 0, 1), (1, 2, 1, 2)]
>>> [len(row) for row in g.rows], g.bbox
([1, 2], (0.0, 0.0, 20.0, 10.0))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from govreport.types import BBox

Segment = tuple[int, int, int, int]  #: x0, y0, x1, y1 of one rule piece (page pixels)


@dataclass(slots=True)
class GridCell:
    """One printed cell: lattice rows ``r0..r1-1`` and columns ``c0..c1-1``, its box, and (for a
    PDF text layer) the text printed in it."""

    r0: int
    r1: int
    c0: int
    c1: int
    bbox: BBox
    text: str = ""


@dataclass(slots=True)
class Grid:
    """One ruled table on one page."""

    xs: list[float]  #: lattice column lines, left to right
    ys: list[float]  #: lattice row lines, top to bottom
    cells: list[GridCell]
    unit_cell: np.ndarray  #: (rows, cols) lattice unit -> index into ``cells``
    rows: list[list[GridCell]]  #: cells by their first lattice row, left to right
    page: int | None = None
    h_segments: list[Segment] = field(default_factory=list)  #: rule pieces found (raster), for drawing
    v_segments: list[Segment] = field(default_factory=list)

    @property
    def bbox(self) -> BBox:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    @property
    def intersections(self) -> list[tuple[float, float]]:
        return [(x, y) for y in self.ys for x in self.xs]


def chains(values: Sequence[float], tol: float) -> list[list[int]]:
    """Indices of ``values`` in ascending order, grouped into chains of neighbours ``tol`` apart at most.

    >>> chains([5.0, 1.0, 2.0, 9.0], 1.5)
    [[1, 2], [0], [3]]
    """
    if not len(values):
        return []
    order = np.argsort(values)
    groups: list[list[int]] = [[int(order[0])]]
    for i in order[1:]:
        if values[i] - values[groups[-1][-1]] <= tol:
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    return groups


def cluster(values: Sequence[float], weights: Sequence[float], tol: float, min_share: float = 0.0) -> list[float]:
    """Weighted centres of ``values`` grouped where neighbours are within ``tol``; groups whose
    weights add up to less than ``min_share`` of the heaviest group's are dropped.

    >>> cluster([10.0, 11.0, 50.0, 90.0], [40.0, 40.0, 80.0, 5.0], tol=2.0, min_share=0.15)
    [10.5, 50.0]
    """
    groups = chains(values, tol)
    if not groups:
        return []
    support = [float(sum(weights[i] for i in g)) for g in groups]
    top = max(support)
    return [
        float(np.average([values[i] for i in g], weights=[weights[i] for i in g]))
        for g, sup in zip(groups, support, strict=True)
        if sup >= min_share * top
    ]


def build_grid(xs: list[float], ys: list[float], split_right: Callable[[int, int], bool],
               split_down: Callable[[int, int], bool], page: int | None = None) -> Grid:
    """The table on lattice lines ``xs`` x ``ys``: ``split_right(r, c)`` says a rule runs between
    unit ``(r, c)`` and ``(r, c + 1)``, ``split_down(r, c)`` between ``(r, c)`` and ``(r + 1, c)``;
    units no rule separates form one cell."""
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not split_right(r, c):
                parent[find(r * nc + c + 1)] = find(r * nc + c)
            if r + 1 < nr and not split_down(r, c):
                parent[find((r + 1) * nc + c)] = find(r * nc + c)
    groups: dict[int, list[int]] = {}
    for u in range(nr * nc):
        groups.setdefault(find(u), []).append(u)
    unit_cell = np.zeros((nr, nc), dtype=int)
    cells: list[GridCell] = []
    for units in sorted(groups.values(), key=lambda us: (min(u // nc for u in us), min(u % nc for u in us))):
        rr = [u // nc for u in units]
        cc = [u % nc for u in units]
        r0, r1, c0, c1 = min(rr), max(rr) + 1, min(cc), max(cc) + 1
        for u in units:
            unit_cell[u // nc, u % nc] = len(cells)
        cells.append(GridCell(r0, r1, c0, c1, (xs[c0], ys[r0], xs[c1], ys[r1])))
    by_row: dict[int, list[GridCell]] = {}
    for cell in cells:
        by_row.setdefault(cell.r0, []).append(cell)
    rows = [sorted(by_row[r], key=lambda c: c.c0) for r in sorted(by_row)]
    return Grid(xs, ys, cells, unit_cell, rows, page)


# --------------------------------------------------------------------------------------------
# across pages


def continues(prev: Grid, grid: Grid, tol: float) -> bool:
    """Whether ``grid`` (first on its page) plausibly continues ``prev`` (last on the page before):
    the same left and right edges, within ``tol``."""
    return abs(prev.xs[0] - grid.xs[0]) <= tol and abs(prev.xs[-1] - grid.xs[-1]) <= tol


def _row_texts(row: list[GridCell]) -> list[str]:
    return [re.sub(r"\s+", "", c.text) for c in row]


def trim_continuation(prev: Grid, first: Grid, grid: Grid) -> list[str]:
    """Trim the top of ``grid``, which continues ``prev`` (``first`` began the table): a repeated
    header, and label cells left empty because their text stands in a cell merged across the
    break. Returns notes on what was dropped."""
    notes = []
    k = 0
    while k < min(len(first.rows), len(grid.rows) - 1) and _row_texts(first.rows[k]) == _row_texts(grid.rows[k]):
        k += 1
    if k:
        grid.rows = grid.rows[k:]
        notes.append(f"page {grid.page}: repeated table header ({k} row{'s' if k > 1 else ''}) dropped")
    if not grid.rows or not prev.rows:
        return notes
    last_r = max(c.r1 for c in prev.cells)
    bottom = [c for c in prev.cells if c.r1 == last_r]
    row = grid.rows[0]
    drop = 0
    for cell in row:
        if cell.text.strip():
            break
        x0, _, x1, _ = cell.bbox
        above = [c for c in bottom if min(x1, c.bbox[2]) - max(x0, c.bbox[0]) > 0.5 * (x1 - x0)]
        if cell.r1 - cell.r0 > 1 or any(c.r1 - c.r0 > 1 for c in above):
            drop += 1
        else:
            break
    if drop:
        grid.rows[0] = row[drop:]
    return notes


# --------------------------------------------------------------------------------------------
# fallback: loose boxes


def group_rows(bboxes: Sequence[BBox], overlap: float = 0.5) -> list[list[int]]:
    """Indices of ``bboxes`` grouped into printed lines (top to bottom, each left to right)."""
    order = sorted(range(len(bboxes)), key=lambda i: (bboxes[i][1] + bboxes[i][3]) / 2)
    lines: list[tuple[list[int], float, float]] = []
    for i in order:
        _, y0, _, y1 = bboxes[i]
        hgt = max(1.0, y1 - y0)
        for k, (members, ly0, ly1) in enumerate(lines):
            ov = min(y1, ly1) - max(y0, ly0)
            if ov >= overlap * min(hgt, ly1 - ly0):
                lines[k] = ([*members, i], min(ly0, y0), max(ly1, y1))
                break
        else:
            lines.append(([i], y0, y1))
    lines.sort(key=lambda line: line[1])
    return [sorted(m, key=lambda i: bboxes[i][0]) for m, _, _ in lines]


def align_columns(rows: list[list[BBox]], min_rows: int = 3) -> list[list[int | None]]:
    """For an unruled table (rows of boxes), the column index of each box, or ``None`` per row when
    the rows do not line up; columns are clustered on box x-centres across rows.

    Returns, per row, a list of length ``n_columns`` holding the box index in that row or ``None``
    where the row prints nothing in that column.
    """
    centres = [((b[0] + b[2]) / 2, b[2] - b[0]) for r in rows for b in r]
    if len(rows) < min_rows or not centres:
        return [list(range(len(r))) for r in rows]
    typical = float(np.median([wd for _, wd in centres]))
    cols = cluster([c for c, _ in centres], [1.0] * len(centres), max(10.0, typical * 0.6))
    out: list[list[int | None]] = []
    for r in rows:
        slots: list[int | None] = [None] * len(cols)
        for i, b in enumerate(r):
            k = int(np.argmin([abs((b[0] + b[2]) / 2 - c) for c in cols]))
            if slots[k] is not None:  # two boxes in one column: this row does not line up
                slots = list(range(len(r)))
                break
            slots[k] = i
        out.append(slots)
    return out
