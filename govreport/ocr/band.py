"""Cells under a seal read again on their row's line of print.

In a gray scan a seal is ink like the print, and where its ring, its large characters or its
star run into a digit the recogniser reads neither. But the numbers of a table row are printed
on one line (:func:`row_band`) and those of a column aligned one way (:func:`column_anchors`),
while a seal's strokes reach far above and below that line; and seal ink pressed over toner
darkens it, so print shows through the ring (:func:`through_ring`). The view ``on_band``
(:mod:`govreport.ocr.views`) reads doubtful cells under a seal in views that keep only what may be print.

Coordinates are pixels of the corrected (upright, deskewed) page.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from govreport.ocr.cells import CellRead, confident, despeckle, line_crop

THROUGH_RING_GAP = 25  #: gray levels darker than a seal's ring from which ink on it is print under it
BAND_SLACK = 0.25  #: share of the row's line height that print may reach above or below the line
MAX_DIGITS = 6  #: the widest number a column's run of ink may be, in digits


def through_ring(clean: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Ink on a seal's ring (``ring``, from :func:`govreport.ocr.overlays.ring_ink`) that is print
    under it (bool mask):
    seal ink laid over toner darkens it, so print shows through the ring as ink
    ``THROUGH_RING_GAP`` gray levels darker than the ring's own."""
    if not ring.any():
        return ring
    return ring & (clean < float(np.median(clean[ring])) - THROUGH_RING_GAP)


def row_band(row: list[CellRead]) -> tuple[float, float] | None:
    """The line the row's numbers are printed on, ``(top, bottom)`` in page pixels: the median of
    the text lines of the row's cells read with confidence (two at least), or None."""
    lines = [cr.lines[0] for cr in row if len(cr.lines) == 1 and confident(cr, "number")]
    if len(lines) < 2:
        return None
    return float(np.median([b[1] for b in lines])), float(np.median([b[3] for b in lines]))


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a column's numbers sit: aligned on their ``left``, ``centre`` or ``right`` at ``x``
    (page pixels), with digits ``digit`` pixels wide."""

    align: str
    x: float
    digit: float


def column_anchors(reads: list[list[CellRead]], values: frozenset[int]) -> dict[int, Anchor]:
    """Per lattice column, how its confidently read numbers are aligned (the alignment whose
    positions vary least, from three numbers at least)."""
    boxes: dict[int, list[tuple[int, int, int]]] = {}
    for ri, row in enumerate(reads):
        if ri not in values:
            continue
        for cr in row:
            if cr.c1 - cr.c0 == 1 and len(cr.lines) == 1 and confident(cr, "number"):
                digits = sum(ch.isdigit() for ch in cr.text)
                if digits:
                    boxes.setdefault(cr.c0, []).append((cr.lines[0][0], cr.lines[0][2], digits))
    out = {}
    for c, bs in boxes.items():
        if len(bs) < 3:
            continue
        spots = {"left": [b[0] for b in bs], "centre": [(b[0] + b[1]) / 2 for b in bs], "right": [b[1] for b in bs]}
        align = min(spots, key=lambda k: float(np.median(np.abs(np.array(spots[k]) - np.median(spots[k])))))
        digit = float(np.median([(b[1] - b[0]) / b[2] for b in bs]))
        out[c] = Anchor(align, float(np.median(spots[align])), digit)
    return out


def at_anchor(part: np.ndarray, anchor: Anchor, x_off: int) -> np.ndarray | None:
    """The run of ink columns of ``part`` (gaps under half a digit closed) where the column's
    numbers sit: the ink a number printed there would be, or None if there is none or it is
    wider than a number of six digits."""
    cols = part.any(axis=0)
    xs = np.flatnonzero(cols)
    if xs.size == 0:
        return None
    runs: list[list[int]] = [[int(xs[0]), int(xs[0])]]
    for x in xs[1:]:
        if x - runs[-1][1] <= max(2.0, 0.5 * anchor.digit):
            runs[-1][1] = int(x)
        else:
            runs.append([int(x), int(x)])
    a = anchor.x - x_off

    def miss(r: list[int]) -> float:
        at = {"left": r[0], "right": r[1], "centre": (r[0] + r[1]) / 2}[anchor.align]
        return abs(at - a)

    r = min(runs, key=miss)
    if miss(r) > 1.5 * anchor.digit or r[1] - r[0] > MAX_DIGITS * anchor.digit:
        return None
    keep = np.zeros(part.shape, bool)
    keep[:, r[0] : r[1] + 1] = part[:, r[0] : r[1] + 1]
    return keep


def band_views(sub: np.ndarray, ring: np.ndarray, through: np.ndarray, off: np.ndarray, anchor: Anchor | None,
                x_off: int) -> list[np.ndarray]:
    """Ways to keep only a cell's print on its row's line, as masks of the ink kept.

    ``sub`` is the cell's ink, ``ring`` the seal ring's ink in it, ``through`` the ring's ink
    darker than the ring (print the ring lies over: seal ink over toner darkens it), ``off`` the
    pixel rows off the row's line. The ink is taken three ways: as it is, with the ring out, and
    with the ring out but the print through it kept. Of each: the pieces within the line, and
    the run of ink where the column's numbers sit (:func:`at_anchor`); and of the ink as it is,
    everything cut to the line. Views that keep the same ink are given once."""
    ink = despeckle(sub) > 0
    rows_off = off[:, 0]
    views: list[np.ndarray] = [ink & ~off]
    for part in (ink, ink & ~ring, (ink & ~ring) | through):
        part = despeckle(part.astype(np.uint8)) > 0
        n, labels, stats, _ = cv2.connectedComponentsWithStats(part.astype(np.uint8), connectivity=8)
        keep = np.zeros(n, bool)
        for i in range(1, n):
            y, h = stats[i, cv2.CC_STAT_TOP], stats[i, cv2.CC_STAT_HEIGHT]
            keep[i] = not rows_off[y : y + h].any()
        views.append(keep[labels] & part)
        at = at_anchor(part & ~off, anchor, x_off) if anchor is not None else None
        if at is not None:
            views.append(at)
    out: list[np.ndarray] = []
    for v in views:
        if v.sum() >= 6 and not any(np.array_equal(v, o) for o in out):
            out.append(v)
    return out


def view_crop(clean: np.ndarray, sub: np.ndarray, kept: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A cell's view as a line crop for the recogniser: the ink not ``kept`` (and its rim) turned
    white, cut to the kept ink; and the kept ink's box in the cell's pixels."""
    lifted = clean.copy()
    gone = cv2.dilate(((sub > 0) & ~kept).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    lifted[gone & ~kept] = 255
    yy, xx = np.nonzero(kept)
    box = (int(xx.min()), int(yy.min()), int(xx.max()) + 1, int(yy.max()) + 1)
    return line_crop(lifted, *box), box
