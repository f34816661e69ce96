"""Reading the cells of a ruled table on a scanned page.

Each cell is cut out (less :data:`CELL_INSET` pixels of rule remnants), split into text lines and
read by the recognition model alone; black boxes become masks without OCR. Doubtful readings get
second readings (lines cut apart, stray ink lifted, merged cells split), and
:func:`finish_rows` turns the readings into :class:`~govreport.layout.tokens.CellText` rows:
numbers cleaned in value cells, text only in label columns and header rows.

Coordinates are pixels of the corrected (upright, deskewed) page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from govreport.layout.assemble import join_lines
from govreport.layout.grid import Grid, Reading, Roles
from govreport.layout.tokens import CellText
from govreport.ocr.engines import OcrEngine
from govreport.ocr.numbers import looks_numeric, read_numeric
from govreport.ocr.page import ScanPage
from govreport.ocr.preprocess import map_bbox, split_lines, split_tall
from govreport.ocr.seals import is_redacted, redaction_box
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


def cell_window(cr: CellRead) -> tuple[slice, slice]:
    x0, y0, x1, y1 = (int(round(v)) for v in cr.cell_bbox)
    return slice(y0 + CELL_INSET, y1 - CELL_INSET), slice(x0 + CELL_INSET, x1 - CELL_INSET)


def read_cells(cells: list[CellRead], clean: np.ndarray, ink: np.ndarray, engine: OcrEngine, sp: ScanPage) -> None:
    """Read cells in place: black boxes and empty cells without OCR, every text line of the rest
    by the recogniser in one batch."""
    crops: list[np.ndarray] = []
    owners: list[CellRead] = []
    for cr in cells:
        x0, y0, x1, y1 = (int(round(v)) for v in cr.cell_bbox)
        win = cell_window(cr)
        sub_gray, sub_ink = clean[win], ink[win]
        if sub_gray.size == 0:
            cr.kind, cr.conf = "blank", 1.0
            continue
        if is_redacted(sub_gray):
            cr.kind, cr.text, cr.conf = "mask", "■", 1.0
            continue
        lines = split_lines(despeckle(sub_ink))
        if not lines:
            # no print; under a seal that is less certain (print may have gone with the seal)
            cr.kind, cr.conf = "blank", UNDER_SEAL_BLANK if _under_seal(sp, x0, y0, x1, y1) else 1.0
        for lx0, ly0, lx1, ly1 in lines:
            gy0, gy1 = y0 + CELL_INSET + ly0, y0 + CELL_INSET + ly1
            gx0, gx1 = x0 + CELL_INSET + lx0, x0 + CELL_INSET + lx1
            crops.append(line_crop(clean, gx0, gy0, gx1, gy1))
            owners.append(cr)
            cr.lines.append((gx0, gy0, gx1, gy1))
    parts: dict[int, list[tuple[str, float]]] = {}
    for cr, res in zip(owners, engine.recognize(crops), strict=True):
        parts.setdefault(id(cr), []).append(res)
    for cr in cells:
        got = parts.get(id(cr))
        if got:
            cr.text = join_lines([t for t, _ in got])
            cr.conf = round(min(s for _, s in got), 4)


def split_merged_values(
    reads: list[list[CellRead]], roles: Roles, clean: np.ndarray, ink: np.ndarray, engine: OcrEngine, sp: ScanPage,
) -> None:
    """In rows of values, a value cell far wider than a value column: the lattice lost a column
    line (a seal or a smudge over all of it), so the cell is cut where its ink leaves wide gaps
    and each piece read on its own. (Cells over several lattice columns were cut on the lattice
    already, :func:`govreport.layout.grid.recut`.)"""
    widths = [cr.cell_bbox[2] - cr.cell_bbox[0] for row in reads for cr in row
              if cr.c1 - cr.c0 == 1 and cr.c0 >= roles.label_end and confident(cr, "number")]
    if not widths:
        return
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
    if pieces:
        read_cells(pieces, clean, ink, engine, sp)


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


def resplit_tall(reads: list[list[CellRead]], clean: np.ndarray, ink: np.ndarray, engine: OcrEngine) -> None:
    """Doubtful cells whose "line" is two or more lines tall are cut into lines and read again.

    Blur closes the gap between a wrapped label's lines, and a seal's ring ties them together;
    read as one crop they come out as one or two wrong characters. The typical line height is the
    table's median; a reading replaces the first only when more confident.
    """
    # the height of a line of print: confidently read numbers are one line each (the lower
    # quartile, as ink laid over a cell can make its line look taller)
    heights = [
        b[3] - b[1] for row in reads for cr in row if len(cr.lines) == 1 and (cr.conf or 0.0) >= REREAD_BELOW
        and read_numeric(cr.text).kind == "number" for b in cr.lines
    ] or [b[3] - b[1] for row in reads for cr in row for b in cr.lines]
    if not heights:
        return
    line_h = float(np.percentile(heights, 25))
    owners: list[CellRead] = []
    crops: list[np.ndarray] = []
    for row in reads:
        for cr in row:
            if cr.kind != "ink" or (cr.conf or 0.0) >= REREAD_BELOW or (cr.text and looks_numeric(cr.text)):
                continue
            if not any(b[3] - b[1] >= 1.8 * line_h for b in cr.lines):
                continue
            pieces = [p for b in cr.lines for p in split_tall(ink, b, line_h)]
            if len(pieces) == len(cr.lines):
                continue
            owners.extend([cr] * len(pieces))
            crops.extend(line_crop(clean, *p) for p in pieces)
    if not crops:
        return
    got: dict[int, list[tuple[str, float]]] = {}
    for cr, res in zip(owners, engine.recognize(crops), strict=True):
        got.setdefault(id(cr), []).append(res)
    for row in reads:
        for cr in row:
            res = got.get(id(cr))
            if res and min(s for _, s in res) > (cr.conf or 0.0) + 0.05:
                cr.text, cr.conf = join_lines([t for t, _ in res]), round(min(s for _, s in res), 4)


def reread_doubtful(
    reads: list[list[CellRead]], clean: np.ndarray, ink: np.ndarray, engine: OcrEngine
) -> None:
    """Second reading of doubtful value cells with stray ink taken out.

    Printed numbers sit inside their cell; ink that touches the cell's edge is something laid over
    the table (a seal's ring or star in a gray scan, a rule's fringe, a smudge) and is dropped.
    What is left is read again, and replaces the first reading only when more confident.
    """
    todo: list[tuple[CellRead, np.ndarray, bool]] = []
    for row in reads:
        for cr in row:
            if cr.kind != "ink" or cr.c1 - cr.c0 != 1 or (cr.conf is not None and cr.conf >= REREAD_BELOW and cr.text):
                continue
            if label_like(cr.text):
                continue  # a label or header read with doubts: not a number to fix here
            inner = cell_window(cr)
            crop = _inner_print(clean[inner], ink[inner])
            if crop is not None:
                todo.append((cr, *crop))
    if not todo:
        return
    for (cr, _, touched), (text, conf) in zip(todo, engine.recognize([c for _, c, _ in todo]), strict=True):
        if text and looks_numeric(text) and conf > (cr.conf or 0.0) + 0.05:
            cr.text, cr.conf = text, round(min(conf, TOUCHED_CONF) if touched else conf, 4)


def _inner_print(gray: np.ndarray, ink: np.ndarray) -> tuple[np.ndarray, bool] | None:
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


def _under_seal(sp: ScanPage, x0: int, y0: int, x1: int, y1: int) -> bool:
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


def read_beside_boxes(cells: list[CellRead], clean: np.ndarray, ink: np.ndarray, engine: OcrEngine,
                      sp: ScanPage) -> None:
    """Labels and column titles a black box covers in part: what is left legible is read, with a
    mask glyph where the box is (``4.■``, ``■保护第三方合法权益``), so the row keeps what its label
    still says. (A value cell under a box stays masked: part of a number is no number.)"""
    todo: list[tuple[CellRead, CellRead, float]] = []
    lifted, lifted_ink = clean, ink
    for cr in cells:
        if cr.kind != "mask":
            continue
        win = cell_window(cr)
        box = redaction_box(clean[win])
        if box is None:
            continue
        if lifted is clean:
            lifted, lifted_ink = clean.copy(), ink.copy()
        y0, x0 = win[0].start, win[1].start
        bx0, by0, bx1, by1 = x0 + box[0] - 2, y0 + box[1] - 2, x0 + box[2] + 2, y0 + box[3] + 2
        lifted[by0:by1, bx0:bx1] = 255
        lifted_ink[by0:by1, bx0:bx1] = 0
        todo.append((cr, CellRead(cr.cell_bbox, cr.c0, cr.c1), (bx0 + bx1) / 2))
    if not todo:
        return
    read_cells([cp for _, cp, _ in todo], lifted, lifted_ink, engine, sp)
    for cr, cp, box_x in todo:
        if cp.kind != "ink" or not cp.text.strip():
            continue
        text_x = (min(b[0] for b in cp.lines) + max(b[2] for b in cp.lines)) / 2 if cp.lines else box_x
        cr.kind, cr.conf, cr.lines = "ink", cp.conf, cp.lines
        cr.text = MASK + cp.text if box_x < text_x else cp.text + MASK


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
            out.append(CellText(text, sp.number, bbox, conf))
        rows.append(out)
    return rows
