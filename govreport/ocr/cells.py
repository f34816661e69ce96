"""Reading the cells of a ruled table on a scanned page.

A cell's readings (:class:`CellRead`), the geometry its views cut it by (:mod:`govreport.ocr.views`
reads them: the cell less :data:`CELL_INSET` pixels of rule remnants, its inner print, its line
height), merged value cells cut apart, and :func:`finish_rows`, which turns the readings into
:class:`~govreport.layout.tokens.CellText` rows: numbers cleaned in value cells, text only in label
columns and header rows, and the numbers other views read kept as the cell's alternatives.

Coordinates are pixels of the corrected (upright, deskewed) page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from govreport.layout.grid import Grid, Reading, Roles
from govreport.layout.tokens import CellText
from govreport.ocr.numbers import looks_numeric, read_numeric
from govreport.ocr.page import ScanPage
from govreport.ocr.preprocess import map_bbox, split_lines
from govreport.types import BBox

CELL_INSET = 3  #: pixels cut off each side of a cell before reading it (rule remnants)
SEAL_READ_CONF = 0.75  #: cap on a reading that depended on telling print from lighter ink over it
PART_READ_CONF = 0.45  #: cap on a number read from part of a cell's ink where its whole read as none
#: (under the tables' deep doubt, 0.5: where the arithmetic fails such readings are set aside first)
UNDER_SEAL_BLANK = 0.5  #: confidence of "empty" for a cell under a seal (flagged: it may hide print)
REREAD_BELOW = 0.85  #: a one-column cell read with less confidence than this is read again
TOUCHED_CONF = 0.5  #: cap on a re-read whose dropped ink ran into the digits (it stays flagged)
SEAL_COVER = 0.25  #: share of a cell covered by red ink above which "empty" is doubted
MASK = "■"  #: what a black box over print reads as


def line_crop(img: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """A text line cut tightly and framed in white: ~25% of its height above and below (as the
    PP-OCR recogniser saw in training), a little at the sides."""
    crop = img[max(0, y0 - 1) : y1 + 1, max(0, x0 - 1) : x1 + 1]
    v = max(3, round(0.25 * (y1 - y0)))
    return cv2.copyMakeBorder(crop, v, v, 3, 3, cv2.BORDER_CONSTANT, value=255)


@dataclass(slots=True)
class CellRead:
    cell_bbox: BBox
    c0: int
    c1: int
    text: str = ""
    conf: float | None = None
    kind: str = "ink"  #: ink | blank | mask
    lines: list[tuple[int, int, int, int]] = field(default_factory=list)  #: text-line boxes, page px
    under_seal: bool = False  #: a seal lies over it: a stroke of the seal may have been read as print
    #: what each view of the cell read (:mod:`govreport.ocr.views`), in the order they were weighed
    evidence: list[ViewReading] = field(default_factory=list)

    def reading(self) -> ViewReading:
        """The cell's reading as it stands."""
        return ViewReading(self.kind, self.text, self.conf, self.lines)


@dataclass(slots=True)
class ViewReading:
    """What one view of a cell read: ``lines`` are its text lines' boxes (page px), or None where
    the view keeps the cell's own."""

    kind: str
    text: str
    conf: float | None
    lines: list[tuple[int, int, int, int]] | None = None
    view: str = ""


def cell_window(cr: CellRead) -> tuple[slice, slice]:
    x0, y0, x1, y1 = (int(round(v)) for v in cr.cell_bbox)
    return slice(y0 + CELL_INSET, y1 - CELL_INSET), slice(x0 + CELL_INSET, x1 - CELL_INSET)


def cut_merged_values(reads: list[list[CellRead]], roles: Roles, ink: np.ndarray) -> list[CellRead]:
    """In rows of values, a value cell far wider than a value column: the lattice lost a column
    line (a seal or a smudge over all of it), so the cell is cut where its ink leaves wide gaps,
    in place in ``reads``; the pieces (each to be read on its own) are returned. (Cells over
    several lattice columns were cut on the lattice already, :func:`govreport.layout.grid.recut`.)"""
    widths = [cr.cell_bbox[2] - cr.cell_bbox[0] for row in reads for cr in row
              if cr.c1 - cr.c0 == 1 and cr.c0 >= roles.label_end and confident(cr, "number")]
    if not widths:
        return []
    col_w = float(np.median(widths))
    pieces: list[CellRead] = []
    for ri, row in enumerate(reads):
        if ri not in roles.values:
            continue
        out: list[CellRead] = []
        for cr in row:
            split = _cut_at_gaps(cr, ink, col_w) if roles.role(ri, cr.c0, cr.c1) == "value" else [cr]
            out.extend(split)
            pieces.extend(q for q in split if q is not cr)
        reads[ri] = out
    return pieces


def _cut_at_gaps(cr: CellRead, ink: np.ndarray, col_w: float) -> list[CellRead]:
    """A value cell much wider than a value column, cut where its ink leaves gaps of a third of
    a column: one piece per printed number (the cell itself if there is one)."""
    x0, y0, x1, y1 = cr.cell_bbox
    if x1 - x0 < 1.6 * col_w or cr.kind != "ink":
        return [cr]
    win = cell_window(cr)
    cols = np.flatnonzero(despeckle(ink[win]).max(axis=0) > 0) if ink[win].size else np.zeros(0, int)
    if cols.size == 0:
        return [cr]
    cuts = np.flatnonzero(np.diff(cols) > col_w / 3)
    if not cuts.size:
        return [cr]
    starts = [cols[0], *cols[cuts + 1]]
    ends = [*cols[cuts], cols[-1]]
    left = x0 + CELL_INSET
    return [CellRead((left + a - 5, y0, left + b + 6, y1), cr.c0, cr.c1) for a, b in zip(starts, ends, strict=True)]


def inner_print(gray: np.ndarray, ink: np.ndarray) -> tuple[np.ndarray, bool] | None:
    """The cell's ink that does not touch its edges, as one white-framed line crop, and whether
    the dropped ink ran into that line (then digits may have gone with it)."""
    if gray.size == 0 or min(gray.shape) < 6:
        return None
    n, labels, stats, _ = cv2.connectedComponentsWithStats(despeckle(ink), connectivity=8)
    h, w = ink.shape
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        keep[i] = x > 0 and y > 0 and x + bw < w and y + bh < h
    if not keep[1:].any():
        return None
    mask = keep[labels]
    if len(split_lines(mask.astype(np.uint8))) != 1:
        return None  # values are one line; a wrapped label is not re-read
    ys, xs = np.nonzero(mask)
    # dropped ink that runs into the kept line (a seal stroke over the next digit) may have taken
    # digits with it: such a reading is kept only as a doubtful one
    ty0, ty1, tx0, tx1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    reach = ty1 - ty0
    dropped = (ink > 0) & ~mask
    touched = bool(dropped[ty0:ty1, max(0, tx0 - reach) : tx1 + reach].sum() > 0.1 * reach * reach)
    lifted = gray.copy()
    # the edge-touching ink and its anti-aliased rim go white
    lifted[(cv2.dilate(dropped.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~mask] = 255
    return line_crop(lifted, int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1), touched


def under_red(sp: ScanPage, x0: int, y0: int, x1: int, y1: int) -> bool:
    """Is this cell mostly under red seal ink (so that "empty" may mean "lost with the seal")?"""
    if sp.red is None:
        return False
    sub = sp.red[max(0, y0):max(0, y1), max(0, x0):max(0, x1)]
    return bool(sub.size) and float((sub > 0).mean()) >= SEAL_COVER


def despeckle(ink: np.ndarray) -> np.ndarray:
    """Drop isolated specks (scan noise, rule remnants) smaller than a punctuation mark."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return ink
    keep = np.zeros(n, bool)
    keep[1:] = (stats[1:, cv2.CC_STAT_AREA] >= 6) & (
        (stats[1:, cv2.CC_STAT_WIDTH] >= 3) | (stats[1:, cv2.CC_STAT_HEIGHT] >= 3)
    )
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def label_like(text: str) -> bool:
    """Text of three or more characters that is no number: a label or a header, not a value."""
    return len(text) > 2 and not looks_numeric(text)


def confident(cr: CellRead, kind: str) -> bool:
    """Read as ``kind`` (number / text) with the confidence of a clear reading."""
    if cr.kind != "ink" or not cr.text or (cr.conf or 0.0) < REREAD_BELOW:
        return False
    if kind == "number":
        return read_numeric(cr.text).kind == "number"
    return len(cr.text) >= 2 and not looks_numeric(cr.text)


def cell_readings(table: Grid, reads: list[list[CellRead]]) -> dict[tuple[int, int], Reading]:
    """What each cell of ``table`` was read as, for :func:`govreport.layout.grid.table_roles`
    (``reads`` row by row as ``table.rows``); the grid's cells get their text (to tell a header
    printed again on the next page)."""
    out = {}
    for cells, row in zip(table.rows, reads, strict=True):
        for cell, cr in zip(cells, row, strict=True):
            cell.text = cr.text if cr.kind == "ink" else ""
            if cr.kind != "ink" or not cr.text:
                out[(cell.r0, cell.c0)] = Reading("mask" if cr.kind == "mask" else "blank")
                continue
            kind = read_numeric(cr.text).kind  # number | mask (****) | blank (a dash) | text
            out[(cell.r0, cell.c0)] = Reading(kind, (cr.conf or 0.0) >= REREAD_BELOW, len(cr.text))
    return out


def _other_values(cr: CellRead, text: str) -> tuple[int | float, ...]:
    """The numbers the cell's views read other than ``text`` (what the cell is taken to print),
    most confident first: where the views disagree, the alternatives a reviewer weighs."""
    chosen = read_numeric(text)
    mine = chosen.value if chosen.kind == "number" else None
    seen: dict[int | float, float] = {}
    for r in cr.evidence:
        if r.kind != "ink" or not r.text:
            continue
        got = read_numeric(r.text)
        if got.kind == "number" and got.value is not None and got.value != mine:
            seen[got.value] = max(seen.get(got.value, 0.0), r.conf or 0.0)
    return tuple(sorted(seen, key=lambda v: -seen[v]))


def finish_rows(reads: list[list[CellRead]], sp: ScanPage, roles: Roles) -> list[list[CellText]]:
    """Numeric clean-up in value cells, text only in labels and headers; build CellText rows.

    ``roles`` says which rows are column titles, where row labels end and which rows hold values
    (:func:`govreport.layout.grid.table_roles`). A header or label cell holds no value: a number
    OCR read there with doubts (a seal's strokes) is dropped, a masked one is a mask glyph in its
    text, an empty one gives no cell.
    """
    rows: list[list[CellText]] = []
    for ri, row in enumerate(reads):
        out = []
        value_row = ri in roles.values
        for cr in row:
            text, conf = cr.text, cr.conf
            bbox = map_bbox(sp.to_page, cr.cell_bbox)
            role = roles.role(ri, cr.c0, cr.c1)
            if role in ("header", "label"):
                # "3" in a label column is the ordinal of "3.其他" (a seal took the rest); a number
                # read with doubts among column titles is a seal's strokes
                doubtful_number = role == "header" and looks_numeric(text) and (conf or 0.0) < REREAD_BELOW
                shown = text if cr.kind == "ink" and not doubtful_number else MASK if cr.kind == "mask" else ""
                out.append(CellText(shown, sp.number, bbox, conf, label=True))
                continue
            if cr.kind == "ink" and role in ("value", "wide"):
                r = read_numeric(text, conf, numeric_column=True)
                # (a number read at a confidence near 0, a fax's broken strokes or speckle, stays a
                # reading with that confidence: flagged, and never trusted by the arithmetic, which
                # infers nothing from it: govreport.tables.build)
                if r.kind != "text":
                    text, conf = (r.text if r.kind != "blank" else ""), r.confidence
                    if r.kind == "mask":
                        text = "****" if "*" in r.text or "＊" in r.text else MASK
                if value_row and (r.kind == "text" or not cr.text.strip()):
                    # ink in a value cell that reads as no number (seal text, a smudge): it hides
                    # the value, which the arithmetic may still recover
                    text, conf = MASK, 0.0
            if cr.under_seal and conf is not None:
                conf = min(conf, SEAL_READ_CONF)
            others = _other_values(cr, text) if role in ("value", "wide") else ()
            out.append(CellText(text, sp.number, bbox, conf, others=others))
        rows.append(out)
    return rows
