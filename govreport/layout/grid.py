"""Ruled tables as lattices, one way for raster rules (scans) and vector rules (PDF text layers).

A reader finds a table's rules and hands their positions to :func:`build_grid`: the distinct
horizontal rule positions (``ys``) and vertical ones (``xs``) make a lattice of units, and two
neighbouring units that no rule separates merge, so a label spanning rows or a header spanning
columns is one :class:`GridCell`, listed once, in the row where it starts. Positions come from
:func:`cluster` (rule pieces within a tolerance are one line). Rules are found by
:mod:`govreport.ocr.rules` on page images and by :mod:`govreport.layout.pdf_text` from PDF paths.

What each cell is (:func:`table_roles`, :class:`Roles`) is decided here too, from the lattice and
what the reader made of each cell (:class:`Reading`): header rows of column titles, the lattice
column where row labels end, value rows, and the columns that hold numbers. A masked column
title stays a title, a masked or half-covered label stays a label, and a value row's cell that
spans columns of numbers (a rule lost) is cut on the lattice by the reader.

A table that runs on over a page break is joined by one rule (:func:`continues`,
:func:`repeated_header`, :func:`carried_label_end`): the next page's first table with the same
left and right edges continues it, keeps the lattice column where its labels end, and a header
printed again is dropped. (Label cells merged across the break leave empty cells on the new page;
an empty label cell gives no token, whatever page it is on.)

:func:`group_rows` and :func:`align_columns` are the fallback for text without rules: they group
loose boxes into printed lines and line up the columns of an unruled table.

>>> g = build_grid([0.0, 10.0, 20.0], [0.0, 5.0, 10.0], split_right=lambda r, c: r == 1,
...                split_down=lambda r, c: True)
>>> [(c.r0, c.r1, c.c0, c.c1) for c in g.cells]  # the top row has no rule between its columns
[(0, 1, 0, 2), (1, 2, 0, 1), (1, 2, 1, 2)]
>>> [len(row) for row in g.rows], g.bbox
([1, 2], (0.0, 0.0, 20.0, 10.0))

A masked cell among column titles is a title, not a value:

>>> g = build_grid([0.0, 10.0, 20.0, 30.0], [0.0, 5.0, 10.0], lambda r, c: True, lambda r, c: True)
>>> seen = {(0, 0): Reading("text", size=4), (0, 1): Reading("mask"), (0, 2): Reading("text", size=4),
...         (1, 0): Reading("text", size=4), (1, 1): Reading("number"), (1, 2): Reading("number")}
>>> roles = table_roles(g, seen)
>>> roles.label_end, sorted(roles.header), [roles.role(0, 1, 2), roles.role(1, 1, 2)]
(1, [0], ['header', 'value'])
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy as np

from govreport.types import BBox

Segment = tuple[int, int, int, int]  #: x0, y0, x1, y1 of one rule piece (page pixels)
LABEL_CELLS = 3  #: a row of values prints at most this many label cells (三、 | （三） | 1.)
SAME_ROW = 0.8  #: similarity from which two OCR'd rows are the same printed row (a repeated header)


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
    weights add up to less than ``min_share`` of the heaviest group's are dropped, and so are
    groups of no weight at all (a degenerate clustering gives no lines, never an error).

    >>> cluster([10.0, 11.0, 50.0, 90.0], [40.0, 40.0, 80.0, 5.0], tol=2.0, min_share=0.15)
    [10.5, 50.0]
    >>> cluster([10.0, 11.0, 50.0], [0.0, 0.0, 0.0], tol=2.0), cluster([10.0, 50.0], [0.0, 3.0], tol=2.0)
    ([], [50.0])
    """
    groups = chains(values, tol)
    support = [float(sum(weights[i] for i in g)) for g in groups]
    top = max(support, default=0.0)
    if not top > 0:  # nothing supports any line (every piece under a block): no lattice
        return []
    return [
        float(np.average([values[i] for i in g], weights=[weights[i] for i in g]))
        for g, sup in zip(groups, support, strict=True)
        if sup > 0 and sup >= min_share * top
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
# what each cell is: column titles, row labels, values


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reader made of one grid cell, as much as the table's structure needs."""

    kind: str  #: number | text | mask | blank
    sure: bool = True  #: read clearly (a text layer always is; OCR when confident)
    size: int = 0  #: characters of text


@dataclass(slots=True)
class Roles:
    """The parts of one ruled table: header rows (column titles), the lattice column where row
    labels end, the value rows and the value columns.

    Decided from the lattice and the cells' readings alone, the same way for raster and vector
    rules: a black box or a seal over a column title leaves it a title (a masked header cell is
    no value), a box over a label leaves it a label, and a value cell is one lattice column of a
    column that holds numbers in the table's value rows."""

    label_end: int = 0  #: lattice columns ``< label_end`` hold row labels
    header: frozenset[int] = frozenset()  #: indices into ``grid.rows``: column titles
    values: frozenset[int] = frozenset()  #: indices into ``grid.rows``: rows of values
    numeric: frozenset[int] = frozenset()  #: lattice columns that hold numbers in value rows

    def role(self, ri: int, c0: int, c1: int) -> str:
        """What the cell on lattice columns ``c0..c1-1`` of row ``ri`` (an index into
        ``grid.rows``) is: ``header``, ``label``, ``value`` (one lattice column of a column of
        numbers), ``wide`` (a value row's cell over several columns of numbers: a rule lost, to
        be cut on the lattice) or ``text`` (anything else: a title across the table, a note)."""
        if ri in self.header:
            return "header"
        if c1 <= self.label_end:
            return "label"
        if c0 >= self.label_end:
            # right of the labels every column is one of values; with no labels found, the
            # columns from the first that holds numbers on
            cols = set(range(c0, c1)) & self.numeric
            if c1 - c0 == 1 and (self.label_end or cols or (ri in self.values and c0 > min(self.numeric, default=c0))):
                return "value"
            if c1 - c0 > 1 and ri in self.values and (self.label_end or len(cols) > 1):
                return "wide"
        return "text"


def label_end(grid: Grid, readings: dict[tuple[int, int], Reading]) -> int:
    """The lattice column where row labels end (0 if no row shows one): in most rows that show a
    label (a clear text of three or more characters) followed by clear numbers and little else,
    that is where the label's cell ends. In a table without a clear number anywhere (every value
    masked), masks stand in for the numbers, in rows of a few label cells."""
    ends: list[int] = []
    masked_ends: list[int] = []
    for row in grid.rows:
        got = [(c, readings.get((c.r0, c.c0), _NOTHING)) for c in row]
        labels = [c for c, rd in got if rd.kind == "text" and rd.sure and rd.size >= 3]
        if not labels:
            continue
        right = [rd for c, rd in got if c.c0 >= labels[-1].c1 and rd.kind != "blank"]
        numbers = sum(rd.kind == "number" and rd.sure for rd in right)
        if numbers and numbers >= len(right) - numbers:
            ends.append(labels[-1].c1)
        masks = sum(rd.kind == "mask" for rd in right)
        if masks and masks >= len(right) - masks and sum(rd.kind == "text" for _, rd in got) <= LABEL_CELLS:
            masked_ends.append(labels[-1].c1)
    sure = any(rd.kind == "number" and rd.sure for rd in readings.values())
    ends = ends or ([] if sure else masked_ends)
    return max(set(ends), key=lambda c: (ends.count(c), -c)) if ends else 0


_NOTHING = Reading("blank")


def _first_column_labels(grid: Grid, readings: dict[tuple[int, int], Reading]) -> int:
    """1 where no row shows a readable label but the first lattice column is one of labels all
    the same: it never holds a clear number, and shows masks or text in rows whose other cells
    hold clear numbers (every label covered or cut short); else 0."""
    shows = False
    ncols = len(grid.xs) - 1
    numeric = {c.c0 for row in grid.rows for c in row if c.c1 - c.c0 == 1
               and (rd := readings.get((c.r0, c.c0), _NOTHING)).kind == "number" and rd.sure}
    for row in grid.rows:
        got = [(c, readings.get((c.r0, c.c0), _NOTHING)) for c in row]
        first = [rd for c, rd in got if c.c0 == 0 and c.c1 == 1]
        if any(rd.kind == "number" and rd.sure for rd in first):
            return 0
        # a title over the first column and columns of numbers, not across the whole table
        # (行政复议 over five columns of values): the first column is one of its values
        if any(c.c0 == 0 and 1 < c.c1 < ncols and rd.kind in ("text", "mask") and numeric & set(range(1, c.c1))
               for c, rd in got):
            return 0
        numbers = sum(rd.kind == "number" and rd.sure for c, rd in got if c.c0 >= 1)
        if numbers and first and first[0].kind in ("mask", "text"):
            shows = True
    return 1 if shows else 0


def table_roles(grid: Grid, readings: dict[tuple[int, int], Reading], label_cols: int | None = None) -> Roles:
    """The roles of ``grid``'s rows and columns from its cells' ``readings`` (keyed by each cell's
    ``(r0, c0)``); ``label_cols`` imposes where labels end (a table continued from the page
    before keeps its lattice).

    A value row shows, right of the labels, mostly one-column cells and a clear number (no more
    clear texts than numbers), or masks and no text at all below the last row of column titles.
    Rows above the first value row that show more texts and masks than numbers right of the
    labels (titles, a masked title) are header rows.
    """
    end = label_end(grid, readings) if label_cols is None else label_cols
    if not end and label_cols is None:
        end = _first_column_labels(grid, readings)
    by_numbers: set[int] = set()
    by_masks: set[int] = set()
    numeric: set[int] = set()
    shown: set[int] = set()
    titled: set[int] = set()
    for ri, row in enumerate(grid.rows):
        right = [(c, readings.get((c.r0, c.c0), _NOTHING)) for c in row if c.c0 >= end]
        singles = [(c, rd) for c, rd in right if c.c1 - c.c0 == 1]
        texts = [rd for _, rd in right if rd.kind == "text" and rd.size >= 2]
        # column titles (or a title a box hides) rather than numbers
        said = len(texts) + sum(rd.kind == "mask" for _, rd in right)
        if said and said > sum(rd.kind == "number" for _, rd in right):
            shown.add(ri)
        if texts:
            titled.add(ri)
        if not singles or 2 * len(singles) < len(right):
            continue
        numbers = [c.c0 for c, rd in singles if rd.kind == "number" and rd.sure]
        if numbers and len(numbers) >= sum(rd.sure for rd in texts):
            by_numbers.add(ri)
            numeric.update(numbers)
        elif any(rd.kind == "mask" for _, rd in singles) and not texts:
            by_masks.add(ri)
    # a row of masks only is a row of values below the column titles, a masked title above them
    first_number = min(by_numbers, default=len(grid.rows))
    last_title = max((ri for ri in titled if ri < first_number), default=-1)
    values = by_numbers | {ri for ri in by_masks if ri > last_title}
    first = min(values, default=len(grid.rows))
    header = frozenset(ri for ri in shown if ri < first)
    return Roles(end, header, frozenset(values), frozenset(numeric))


def recut(grid: Grid, roles: Roles) -> list[GridCell]:
    """Cut the value region's cells that the lattice says are several: a cell right of the labels
    spanning the lattice rows of two printed rows (a row rule lost under a seal or a smudge), or,
    in a value row, several columns of values (a column rule lost). Each becomes one cell per
    lattice row and column it covers, in the row it stands in; ``grid`` is updated in place and
    the new cells are returned (for the reader to read).

    A row whose cells disagree with the table's lattice is read on the lattice, not on what a
    seal or a box left of its rules."""
    body = {row[0].r0 for ri, row in enumerate(grid.rows) if row and ri not in roles.header}
    if roles.label_end:  # printed rows are the rows of labels
        body &= {c.r0 for c in grid.cells if c.c1 <= roles.label_end}
    value_r = {grid.rows[ri][0].r0 for ri in roles.values if grid.rows[ri]}
    out: list[GridCell] = []
    cells: list[GridCell] = []
    for cell in grid.cells:
        if cell.c0 < roles.label_end or cell.r0 not in body:
            cells.append(cell)
            continue
        starts = [r for r in range(cell.r0, cell.r1) if r in body]
        tall = len(starts) > 1 and any(r in value_r for r in starts)
        numeric = len(set(range(cell.c0, cell.c1)) & roles.numeric)
        wide = cell.c1 - cell.c0 > 1 and cell.r0 in value_r and (roles.label_end > 0 or numeric > 1)
        if not (tall or wide):
            cells.append(cell)
            continue
        rows = [*zip(starts, [*starts[1:], cell.r1], strict=True)] if tall else [(cell.r0, cell.r1)]
        cols = [(c, c + 1) for c in range(cell.c0, cell.c1)] if wide else [(cell.c0, cell.c1)]
        for r0, r1 in rows:
            for c0, c1 in cols:
                piece = GridCell(r0, r1, c0, c1, (grid.xs[c0], grid.ys[r0], grid.xs[c1], grid.ys[r1]))
                cells.append(piece)
                out.append(piece)
    if not out:
        return out
    cells.sort(key=lambda c: (c.r0, c.c0))
    for k, c in enumerate(cells):
        grid.unit_cell[c.r0:c.r1, c.c0:c.c1] = k
    by_row: dict[int, list[GridCell]] = {}
    for c in cells:
        by_row.setdefault(c.r0, []).append(c)
    present = {row[0].r0 for row in grid.rows if row}  # (a header printed again may be gone)
    grid.cells = cells
    grid.rows = [by_row[r] for r in sorted(by_row) if r in present]
    return out


# --------------------------------------------------------------------------------------------
# across pages


def continues(prev: Grid, grid: Grid, tol: float, shift: float = 0.0) -> bool:
    """Whether ``grid`` (first on its page) plausibly continues ``prev`` (last on the page before):
    the same width within ``tol``, and the same left edge within ``tol`` + ``shift`` (a scanner
    places each sheet a little differently)."""
    width = abs((prev.xs[-1] - prev.xs[0]) - (grid.xs[-1] - grid.xs[0]))
    return width <= tol and abs(prev.xs[0] - grid.xs[0]) <= tol + shift


_PAGE_NO_RE = re.compile(
    r"^(?:[-—–－~·\s]*\d{1,4}[-—–－~·\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|"
    r"\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.I,
)


def is_page_number(text: str) -> bool:
    """A line that is only a page number (``— 3 —``, ``第3页 共6页``, ``3/6``): what may stand between
    a table and its continuation on the next page.

    >>> is_page_number("— 3 —"), is_page_number("第 2 页"), is_page_number("三、收到和处理")
    (True, True, False)
    """
    return bool(_PAGE_NO_RE.match(unicodedata.normalize("NFKC", text).strip()))


def _row_text(row: list[GridCell]) -> str:
    return "|".join(re.sub(r"\s+", "", c.text) for c in row)


def _same_row(a: list[GridCell], b: list[GridCell]) -> bool:
    """Two printed rows read alike: the same cells, their texts equal (a text layer) or nearly
    so (OCR reads the same words a little differently each time)."""
    if len(a) != len(b):
        return False
    ta, tb = _row_text(a), _row_text(b)
    return ta == tb or (len(ta) >= 4 and SequenceMatcher(None, ta, tb, autojunk=False).ratio() >= SAME_ROW)


def repeated_header(first: Grid, grid: Grid) -> int:
    """How many of ``grid``'s top rows repeat the top rows of ``first``, the fragment its table
    began with: a header printed again on the next page (at least one row is left)."""
    k = 0
    while k < min(len(first.rows), len(grid.rows) - 1) and _same_row(first.rows[k], grid.rows[k]):
        k += 1
    return k


@dataclass(slots=True)
class OpenTable:
    """A table that may run on at the top of the next page: the fragment it began with, its
    roles, and its fragment on the page before."""

    first: Grid
    roles: Roles
    last: Grid


def carried_label_end(first: Grid, roles: Roles, grid: Grid, tol: float) -> int | None:
    """Where row labels end in ``grid``, which continues the table ``first`` began: at the
    lattice line of ``grid`` where they ended in ``first`` (``None`` if ``grid`` has none there).
    The lattice, not the few rows on the new page, says where a continued table's labels end."""
    if not roles.label_end or roles.label_end >= len(first.xs):
        return None
    x = first.xs[roles.label_end] - first.xs[0] + grid.xs[0]
    near = [c for c, gx in enumerate(grid.xs) if abs(gx - x) <= tol]
    return near[0] if near else None


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
