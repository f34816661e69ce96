"""Ruled tables on a page image: rules found morphologically, tables built as lattices.

:func:`find_tables` extracts horizontal and vertical rules from a deskewed page's ink mask,
clusters their pieces into lattice lines per table and builds each table with
:func:`govreport.layout.grid.build_grid` (the lattice the PDF text-layer reader uses too): lattice
units that no rule separates merge into one cell. Every intermediate is kept (rule pieces, lattice
lines, cells, the rule mask) so that :meth:`PageGrid.draw` can show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from govreport.layout.grid import Grid, Segment, build_grid, cluster

MIN_LINE_SHARE = 0.15  #: a lattice line's rule length, as a share of the table's longest line
SEAL_RULE_WEIGHT = 0.5  #: what a rule piece's length counts where it lies under a seal
BLOCK_MARGIN = 9  #: pixels around a solid block within which straight pieces are its edges, not rules
RULE_COVER = 0.6  #: share of a lattice unit's side a rule must run along to separate two units


@dataclass(slots=True)
class PageGrid:
    """The tables found on one page, plus the rule masks' shape for drawing."""

    shape: tuple[int, int]
    tables: list[Grid] = field(default_factory=list)
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


def _support(segs: list[Segment], seals: np.ndarray | None, blocks: np.ndarray | None = None) -> list[float]:
    """Each rule piece's weight as lattice evidence: its length, counting the part under a seal
    at :data:`SEAL_RULE_WEIGHT` (a seal's ring and star leave straight pieces, but a real rule may
    run under a seal too), and nothing of the part along a solid block (``blocks``: the edges of
    a black box, blurred, are no rule; a rule running past a box is mostly elsewhere).

    Lattice lines are kept when their pieces add up to :data:`MIN_LINE_SHARE` of the table's
    longest line: a seal's ring or star, a box edge or a large digit leaves short straight pieces,
    while a template rule runs at least a column or a few rows long (the shortest, under a
    spanning header, cover about a third of the table)."""
    out = []
    for x0, y0, x1, y1 in segs:
        length = float(max(x1 - x0, y1 - y0))
        n = int(length) + 1
        xs = np.linspace(x0, x1, n).round().astype(int)
        ys = np.linspace(y0, y1, n).round().astype(int)
        if seals is not None:
            length *= 1.0 - (1.0 - SEAL_RULE_WEIGHT) * float(seals[ys, xs].mean())
        if blocks is not None:
            length *= 1.0 - float((blocks[ys, xs] > 0).mean())
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
    # a lattice line is taken to run on under a black box or a seal that hides it
    hidden_h, hidden_v = cv2.bitwise_or(horiz, solid), cv2.bitwise_or(vert, solid)
    # around a solid block, what passes for a rule is its blurred edge
    blocks = cv2.dilate(solid, np.ones((BLOCK_MARGIN, BLOCK_MARGIN), np.uint8))
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
        ys = cluster([s[1] for s in hs], _support(hs, seals, blocks), tol, MIN_LINE_SHARE)
        xs = cluster([s[0] for s in vs], _support(vs, seals, blocks), tol, MIN_LINE_SHARE)
        # tables printed without outer vertical borders: close them on the rules' extent
        # (a rule's end a few pixels past the outer border, as a photo's or a fax's blur leaves it,
        # is no border of its own: the margin is two tolerances)
        left, right = min(s[0] for s in hs), max(s[2] for s in hs)
        if not xs or xs[0] - left > 2 * tol:
            xs.insert(0, float(left))
        if xs[-1] < right - 2 * tol:
            xs.append(float(right))
        if len(xs) < 2 or len(ys) < 2 or (len(xs) - 1) * (len(ys) - 1) < min_cells:
            continue
        t = _lattice(xs, ys, horiz, vert, hidden_h, hidden_v)
        t.h_segments, t.v_segments = hs, vs
        grid.tables.append(t)
    grid.tables.sort(key=lambda t: (t.bbox[1], t.bbox[0]))
    return grid


def _lattice(xs: list[float], ys: list[float], horiz: np.ndarray, vert: np.ndarray, hidden_h: np.ndarray,
             hidden_v: np.ndarray) -> Grid:
    """The table on lattice lines ``xs`` x ``ys``, units separated where the rule masks show a rule.

    Where a black box or a seal covers the side of a lattice unit (``hidden_*``: rule or solid
    ink), the rule runs on under it only if it is seen on the same lattice line just beyond the
    cover: a box over the rule between two rows hides it, a box over a header spanning columns
    does not cut the header into columns (the edge of a box is never a rule)."""

    def seen_v(r: int, c: int) -> str:
        along = _inner(ys[r], ys[r + 1])
        if _covered(vert, along, xs[c + 1], False):
            return "rule"
        return "hidden" if _covered(hidden_v, along, xs[c + 1], False) else "none"

    def seen_h(r: int, c: int) -> str:
        along = _inner(xs[c], xs[c + 1])
        if _covered(horiz, along, ys[r + 1], True):
            return "rule"
        return "hidden" if _covered(hidden_h, along, ys[r + 1], True) else "none"

    def runs_on(seen: Callable[[int], str], start: int, stop: int, step: int) -> bool:
        for k in range(start, stop, step):
            got = seen(k)
            if got != "hidden":
                return got == "rule"
        return False

    def split_right(r: int, c: int) -> bool:
        got = seen_v(r, c)
        if got != "hidden":
            return got == "rule"
        up_down = lambda k: seen_v(k, c)  # noqa: E731
        return runs_on(up_down, r - 1, -1, -1) or runs_on(up_down, r + 1, len(ys) - 1, 1)

    def split_down(r: int, c: int) -> bool:
        got = seen_h(r, c)
        if got != "hidden":
            return got == "rule"
        sideways = lambda k: seen_h(r, k)  # noqa: E731
        return runs_on(sideways, c - 1, -1, -1) or runs_on(sideways, c + 1, len(xs) - 1, 1)

    return build_grid(xs, ys, split_right, split_down)


def _inner(a: float, b: float) -> slice:
    """The middle of a lattice unit's side (15% off each end, where crossing rules are)."""
    m = (b - a) * 0.15
    return slice(int(a + m), max(int(a + m) + 1, int(b - m)))


def _covered(mask: np.ndarray, along: slice, at: float, horizontal: bool, tol: int = 4) -> bool:
    """Whether a rule runs along most of ``along`` at position ``at``."""
    a = int(round(at))
    if horizontal:
        band = mask[max(0, a - tol) : a + tol + 1, along]
        hits = band.max(axis=0) > 0 if band.size else np.zeros(0, bool)
    else:
        band = mask[along, max(0, a - tol) : a + tol + 1]
        hits = band.max(axis=1) > 0 if band.size else np.zeros(0, bool)
    return bool(hits.size) and float(hits.mean()) >= RULE_COVER
