"""Ruled-table detection on a page image, and row grouping of loose OCR boxes.

:func:`find_tables` extracts horizontal and vertical rules morphologically, clusters them into a
lattice per table, and merges lattice cells that no rule separates (a label spanning rows or a
header spanning columns becomes one :class:`Cell`). Every intermediate is kept on the
:class:`Table` (rule segments, lattice lines, intersections, cells) so it can be drawn.

:func:`group_rows` is the fallback for pages without usable rules: it clusters OCR boxes into
printed lines (and :func:`align_columns` inserts blanks where an unruled table skips a column).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

BBox = tuple[float, float, float, float]
Segment = tuple[int, int, int, int]  #: x0, y0, x1, y1 of one rule piece


@dataclass(frozen=True, slots=True)
class Cell:
    """One printed cell: lattice rows ``r0..r1-1`` and columns ``c0..c1-1``; bbox in page pixels."""

    r0: int
    r1: int
    c0: int
    c1: int
    bbox: BBox


@dataclass(slots=True)
class Table:
    bbox: BBox
    ys: list[float]  #: lattice row lines, top to bottom
    xs: list[float]  #: lattice column lines, left to right
    h_segments: list[Segment] = field(default_factory=list)
    v_segments: list[Segment] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    continued: bool = False  #: starts at the top of a page right after a table ending a page

    @property
    def intersections(self) -> list[tuple[float, float]]:
        return [(x, y) for y in self.ys for x in self.xs]

    def rows(self) -> list[list[Cell]]:
        """Cells by their first lattice row, left to right (spanning cells appear once)."""
        out: list[list[Cell]] = [[] for _ in range(len(self.ys) - 1)]
        for c in self.cells:
            out[c.r0].append(c)
        return [sorted(r, key=lambda c: c.c0) for r in out if r]


@dataclass(slots=True)
class PageGrid:
    """The tables found on one page, plus the rule masks' shape for drawing."""

    shape: tuple[int, int]
    tables: list[Table] = field(default_factory=list)
    rule_mask: np.ndarray | None = None  #: 255 where a rule was found (for erasing and drawing)

    def draw(self, image: np.ndarray) -> np.ndarray:
        """A copy of ``image`` with lattice lines (blue), cells (green) and intersections (red)."""
        out = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB) if image.ndim == 2 else image.copy()
        for t in self.tables:
            for x0, y0, x1, y1 in t.h_segments + t.v_segments:
                cv2.line(out, (x0, y0), (x1, y1), (0, 0, 255), 1)
            for c in t.cells:
                x0, y0, x1, y1 = (int(v) for v in c.bbox)
                cv2.rectangle(out, (x0 + 3, y0 + 3), (x1 - 3, y1 - 3), (0, 160, 0), 2)
            for x, y in t.intersections:
                cv2.circle(out, (int(x), int(y)), 3, (255, 0, 0), -1)
        return out


def _segments(mask: np.ndarray, horizontal: bool) -> list[Segment]:
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if horizontal:
            out.append((int(x), int(y + h // 2), int(x + w - 1), int(y + h // 2)))
        else:
            out.append((int(x + w // 2), int(y), int(x + w // 2), int(y + h - 1)))
    return out


MIN_LINE_SHARE = 0.15  #: a lattice line's rule length, as a share of the table's longest line


def _cluster(values: Sequence[float], weights: Sequence[float], tol: float, min_share: float = 0.0) -> list[float]:
    """Weighted centres of ``values`` grouped where neighbours are within ``tol``; groups whose
    weights add up to less than ``min_share`` of the heaviest group's are dropped.

    For lattice lines the weights are rule-piece lengths and ``min_share`` is
    :data:`MIN_LINE_SHARE`: a seal's ring or star, a box edge or a large digit leaves short
    straight pieces, while a template rule runs at least a column or a few rows long (the
    shortest, under a spanning header, cover about a third of the table)."""
    if not values:
        return []
    order = np.argsort(values)
    groups: list[list[int]] = [[int(order[0])]]
    for i in order[1:]:
        if values[i] - values[groups[-1][-1]] <= tol:
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    support = [float(sum(weights[i] for i in g)) for g in groups]
    top = max(support)
    return [
        float(np.average([values[i] for i in g], weights=[weights[i] for i in g]))
        for g, sup in zip(groups, support, strict=True)
        if sup >= min_share * top
    ]


def rule_masks(binary: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Horizontal and vertical rule masks from an ink mask (255 = ink), and the solid blocks
    (black boxes, seals, filled headers) that may hide a rule."""
    h, w = binary.shape
    kx, ky = max(25, w // 35), max(25, h // 50)
    horiz = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kx, 1)))
    vert = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, ky)))
    # solid blocks (black redaction boxes, filled headers) are not rules: drop their thick parts
    t = max(7, h // 250)
    # (with a small margin: blurred box edges leave one-pixel fringes that would pass for rules)
    grow = np.ones((5, 5), np.uint8)
    thick_h = cv2.dilate(cv2.morphologyEx(horiz, cv2.MORPH_OPEN, np.ones((t, 1), np.uint8)), grow)
    thick_v = cv2.dilate(cv2.morphologyEx(vert, cv2.MORPH_OPEN, np.ones((1, t), np.uint8)), grow)
    horiz = cv2.subtract(horiz, thick_h)
    vert = cv2.subtract(vert, thick_v)
    # heal small breaks (scan noise, faint print) along each rule
    horiz = cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 1)))
    vert = cv2.morphologyEx(vert, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 15)))
    # ink that is solid in a square neighbourhood (a black box, the dense middle of a seal in a
    # gray scan): a rule running into it is hidden, not absent
    s = max(9, h // 200)
    solid = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((s, s), np.uint8))
    solid = cv2.dilate(cv2.bitwise_or(solid, cv2.bitwise_and(thick_h, thick_v)), grow)
    return horiz, vert, solid


SEAL_RULE_WEIGHT = 0.5  #: what a rule piece's length counts where it lies under a seal


def _support(segs: list[Segment], seals: np.ndarray | None) -> list[float]:
    """Each rule piece's weight as lattice evidence: its length, counting the part under a seal
    at :data:`SEAL_RULE_WEIGHT` (a seal's ring and star leave straight pieces, but a real rule may
    run under a seal too)."""
    out = []
    for x0, y0, x1, y1 in segs:
        length = float(max(x1 - x0, y1 - y0))
        if seals is not None:
            n = int(length) + 1
            xs = np.linspace(x0, x1, n).round().astype(int)
            ys = np.linspace(y0, y1, n).round().astype(int)
            length *= 1.0 - (1.0 - SEAL_RULE_WEIGHT) * float(seals[ys, xs].mean())
        out.append(length)
    return out


def find_tables(binary: np.ndarray, min_cells: int = 2, seals: np.ndarray | None = None) -> PageGrid:
    """Ruled tables on a deskewed page's ink mask (255 = ink); ``seals`` (non-zero where a seal
    lies) keeps a seal's straight strokes from passing for lattice lines."""
    h, w = binary.shape
    horiz, vert, solid = rule_masks(binary)
    rules = cv2.bitwise_or(horiz, vert)
    grid = PageGrid((h, w), rule_mask=rules)
    n, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(rules, np.ones((5, 5), np.uint8)))
    tol = max(6, h // 300)
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if bw < w * 0.15 or bh < max(20, h * 0.01):
            continue
        roi = (slice(y, y + bh), slice(x, x + bw))
        hs = [(a + x, b + y, c + x, d + y) for a, b, c, d in _segments(horiz[roi], True)]
        vs = [(a + x, b + y, c + x, d + y) for a, b, c, d in _segments(vert[roi], False)]
        hs = [s for s in hs if s[2] - s[0] >= 0.05 * bw]
        vs = [s for s in vs if s[3] - s[1] >= 0.02 * bh]
        if len(hs) < 2:
            continue
        ys = _cluster([s[1] for s in hs], _support(hs, seals), tol, MIN_LINE_SHARE)
        xs = _cluster([s[0] for s in vs], _support(vs, seals), tol, MIN_LINE_SHARE)
        # tables printed without outer vertical borders: close them on the rules' extent
        left, right = min(s[0] for s in hs), max(s[2] for s in hs)
        if not xs or xs[0] - left > tol:
            xs.insert(0, float(left))
        if xs[-1] < right - tol:
            xs.append(float(right))
        if len(xs) < 2 or len(ys) < 2 or (len(xs) - 1) * (len(ys) - 1) < min_cells:
            continue
        t = Table((xs[0], ys[0], xs[-1], ys[-1]), ys, xs, hs, vs)
        # a lattice line is taken to run on under a black box or a seal that hides it
        t.cells = _merge_cells(t, cv2.bitwise_or(horiz, solid), cv2.bitwise_or(vert, solid))
        grid.tables.append(t)
    grid.tables.sort(key=lambda t: (t.bbox[1], t.bbox[0]))
    return grid


def _covered(mask: np.ndarray, along: slice, at: float, horizontal: bool, tol: int = 4) -> bool:
    """Whether a rule runs along most of ``along`` at position ``at``."""
    a = int(round(at))
    if horizontal:
        band = mask[max(0, a - tol) : a + tol + 1, along]
        hits = band.max(axis=0) > 0 if band.size else np.zeros(0, bool)
    else:
        band = mask[along, max(0, a - tol) : a + tol + 1]
        hits = band.max(axis=1) > 0 if band.size else np.zeros(0, bool)
    return bool(hits.size) and float(hits.mean()) >= 0.6


def _merge_cells(t: Table, horiz: np.ndarray, vert: np.ndarray) -> list[Cell]:
    nr, nc = len(t.ys) - 1, len(t.xs) - 1
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def shrink(a: float, b: float) -> slice:
        m = (b - a) * 0.15
        return slice(int(a + m), max(int(a + m) + 1, int(b - m)))

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not _covered(vert, shrink(t.ys[r], t.ys[r + 1]), t.xs[c + 1], False):
                parent[find(r * nc + c + 1)] = find(r * nc + c)
            if r + 1 < nr and not _covered(horiz, shrink(t.xs[c], t.xs[c + 1]), t.ys[r + 1], True):
                parent[find((r + 1) * nc + c)] = find(r * nc + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            groups.setdefault(find(r * nc + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0, r1 = min(m[0] for m in members), max(m[0] for m in members) + 1
        c0, c1 = min(m[1] for m in members), max(m[1] for m in members) + 1
        cells.append(Cell(r0, r1, c0, c1, (t.xs[c0], t.ys[r0], t.xs[c1], t.ys[r1])))
    cells.sort(key=lambda c: (c.r0, c.c0))
    return cells


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
    cols = _cluster([c for c, _ in centres], [1.0] * len(centres), max(10.0, typical * 0.6))
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
