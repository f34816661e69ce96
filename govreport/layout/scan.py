"""Scanned pages -> token stream.

Per page: red seals painted out, lighting flattened, orientation (0/90/180/270) and skew fixed,
ruled tables found (:mod:`govreport.layout.grid`), then every table cell is cut out, split into
text lines and read by the recognition model alone, in one batch per page; black boxes become
MASK cells without OCR. Text outside tables (title, prose) goes through the detector, band by band.
Pages without rules fall back to a full detection pass whose boxes are grouped into rows.

Boxes are reported in pixels of the page as rendered at ``LayoutResult.dpi`` (image files: pixels
of the file), whatever rotation or resampling happened in between.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from govreport.errors import MissingDependencyError
from govreport.layout.files import require_file
from govreport.layout.tokens import BREAK, CellText, Kind, LayoutResult, Token, tokens_from_rows
from govreport.ocr.engines import OcrBox, OcrEngine, get_engine
from govreport.ocr.numbers import looks_numeric, read_numeric

try:
    import cv2

    from govreport.layout.grid import PageGrid, Table, align_columns, find_tables, group_rows
    from govreport.ocr.preprocess import (
        Matrix,
        binarize,
        detect_orientation,
        estimate_skew,
        find_seals,
        is_redacted,
        map_bbox,
        normalize_illumination,
        red_mask,
        rotate90,
        rotate_small,
        seal_residue,
        seal_ring,
        split_lines,
        split_tall,
        suppress_red,
    )
except ImportError as _e:  # pragma: no cover - depends on the environment
    _MISSING: ImportError | None = _e
else:
    _MISSING = None
from govreport.ocr.render import OCR_DPI, PageImage, load_image_file, render_pdf
from govreport.settings import ExtractSettings

log = logging.getLogger("govreport")

BBox = tuple[float, float, float, float]


def _line_crop(img: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """A text line cut tightly and framed in white: ~25% of its height above and below (as the
    PP-OCR recogniser saw in training), a little at the sides."""
    crop = img[max(0, y0 - 1) : y1 + 1, max(0, x0 - 1) : x1 + 1]
    v = max(3, round(0.25 * (y1 - y0)))
    return cv2.copyMakeBorder(crop, v, v, 3, 3, cv2.BORDER_CONSTANT, value=255)


@dataclass(slots=True)
class ScanPage:
    """What was done to one page, with the intermediates needed to draw or debug it."""

    number: int
    rotation: int = 0  #: degrees clockwise applied to make the page upright
    skew: float = 0.0  #: degrees of skew corrected
    red_fraction: float = 0.0
    grid: PageGrid | None = None
    image: np.ndarray | None = None  #: the corrected gray page the cells were cut from
    red: np.ndarray | None = None  #: red-ink mask (seals) in the corrected page's coordinates
    seals: list[tuple[float, float, float]] = field(default_factory=list)  #: round seals (cx, cy, r), corrected px
    to_page: Matrix = field(default_factory=lambda: np.eye(3))  #: corrected px -> page px at dpi
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def read_scanned(path: Path, settings: ExtractSettings) -> LayoutResult:
    """OCR an image-only PDF or an image file (PNG/JPEG/TIFF/...) into a :class:`LayoutResult`."""
    path = Path(path)
    require_file(path, settings.max_bytes)
    with path.open("rb") as fh:
        is_pdf = b"%PDF-" in fh.read(1024)
    if is_pdf:  # the content decides, not the name
        dpi = settings.dpi or OCR_DPI
        pages = list(render_pdf(path, dpi, settings.password, settings.max_pages, settings.max_pixels))
        kind = "scanned_pdf"
    else:
        pages = load_image_file(path, settings.max_pages, settings.max_pixels)  # BadInputError if not one
        dpi = pages[0].dpi
        kind = "image"
    scans: list[ScanPage] = []
    tokens, text = tokens_from_page_images(pages, settings, scans=scans)
    notes = [n for s in scans for n in s.notes]
    return LayoutResult(tokens, text, kind, pages=len(pages), dpi=dpi, notes=notes)


def tokens_from_page_images(
    pages: list[PageImage],
    settings: ExtractSettings,
    *,
    scans: list[ScanPage] | None = None,
    cell_mode: str = "recognize",
) -> tuple[list[Token], str]:
    """Tokens and plain text for OCRed pages, in page order.

    ``cell_mode="recognize"`` (default) reads table cells with the recognition model on cell crops;
    ``"detect"`` runs a full detection pass per page and assigns boxes to cells (slower; kept for
    comparison). Pass a list as ``scans`` to receive the per-page :class:`ScanPage` details.
    """
    if _MISSING is not None:
        raise MissingDependencyError.for_extra("opencv-python-headless", "ocr", "OCR of scanned pages") from _MISSING
    engine = get_engine(settings.engine, settings.device)
    tokens: list[Token] = []
    lines: list[str] = []
    prev: ScanPage | None = None
    for page in pages:
        t0 = time.perf_counter()
        sp = ScanPage(page.number)
        page_tokens, page_lines = _read_page(page, engine, sp, cell_mode)
        if prev is not None and prev.grid and sp.grid and prev.grid.tables and sp.grid.tables:
            last, first = prev.grid.tables[-1], sp.grid.tables[0]
            if last.bbox[3] > 0.8 * prev.grid.shape[0] and first.bbox[1] < 0.2 * sp.grid.shape[0]:
                first.continued = True
        sp.seconds = time.perf_counter() - t0
        log.info(
            "page %d: OCR in %.2fs (rotation %d°, skew %.1f°, %d table(s))",
            page.number,
            sp.seconds,
            sp.rotation,
            sp.skew,
            len(sp.grid.tables) if sp.grid else 0,
        )
        tokens.extend(page_tokens)
        lines.extend(page_lines)
        if scans is not None:
            scans.append(sp)
        prev = sp
        sp.image = sp.image if scans is not None else None
    return tokens, "\n".join(lines)


# --------------------------------------------------------------------------------------------


def _prepare(page: PageImage, engine: OcrEngine, sp: ScanPage) -> tuple[np.ndarray, np.ndarray]:
    """Upright, deskewed, seal-free, flat-lit gray page and its ink mask."""
    gray, sp.red_fraction = suppress_red(page.image)
    red = red_mask(page.image[..., :3]).astype(np.uint8) * 255 if sp.red_fraction > 0 else None
    if sp.red_fraction > 0.002:
        sp.notes.append(f"page {page.number}: red ink ({sp.red_fraction:.1%} of the page) removed before OCR")
    gray = normalize_illumination(gray)
    binary = binarize(gray)
    k = detect_orientation(gray, binary, engine.recognize, getattr(engine, "upside_down", None))
    m_rot = np.eye(3)
    if k:
        gray, m_rot = rotate90(gray, k)
        red = rotate90(red, k)[0] if red is not None else None
        binary = binarize(gray)
        sp.rotation = 90 * k
        sp.notes.append(f"page {page.number}: turned {90 * k}° clockwise to read it")
    skew = estimate_skew(binary)
    m_skew = np.eye(3)
    if abs(skew) >= 0.15:
        gray, m_skew = rotate_small(gray, -skew)
        red = rotate_small(red, -skew, border=0)[0] if red is not None else None
        binary = binarize(gray)
        sp.skew = round(skew, 2)
        if abs(skew) >= 1:
            sp.notes.append(f"page {page.number}: deskewed by {skew:.1f}°")
    sp.red = red
    back = np.diag([1 / page.scale, 1 / page.scale, 1.0])
    sp.to_page = back @ m_rot @ m_skew
    return gray, binary


def _read_page(page: PageImage, engine: OcrEngine, sp: ScanPage, cell_mode: str) -> tuple[list[Token], list[str]]:
    gray, binary = _prepare(page, engine, sp)
    sp.seals = find_seals(gray)
    sealed = _seal_area(sp, gray.shape)
    grid = find_tables(binary, seals=sealed)
    sp.grid, sp.image = grid, gray
    if not grid.tables:
        sp.notes.append(f"page {page.number}: no ruled table; rows grouped from OCR boxes")
        return _loose_page(gray, engine, sp)

    rules = cv2.dilate(grid.rule_mask, np.ones((5, 5), np.uint8)) if grid.rule_mask is not None else None
    clean = gray.copy()
    ink = binary.copy()
    if rules is not None:
        clean[rules > 0] = 255
        ink[rules > 0] = 0
    # what may be a red seal's residue: cells it touches get a second reading without it
    residue = seal_residue(gray, sp.red) & (ink > 0) if sp.red is not None else None

    blocks: list[tuple[float, list[Token], list[str]]] = []
    boxes_by_table = _detect_in_tables(clean, grid, engine) if cell_mode == "detect" else None
    for ti, table in enumerate(grid.tables):
        rows = (
            _table_rows_by_detection(table, boxes_by_table[ti], sp)
            if boxes_by_table is not None
            else _table_rows(table, clean, ink, engine, sp, residue, sealed)
        )
        toks = tokens_from_rows(rows)
        blocks.append((table.bbox[1], toks, [" ".join(c.text for c in r if c.text) for r in rows]))
    for y0, y1 in _free_bands(grid, binary):
        toks, lines = _band_text(clean, ink, y0, y1, engine, sp)
        if toks:
            blocks.append((float(y0), toks, lines))
    blocks.sort(key=lambda b: b[0])
    return [t for b in blocks for t in b[1]], [line for b in blocks for line in b[2]]


def _free_bands(grid: PageGrid, binary: np.ndarray, min_h: int = 12) -> list[tuple[int, int]]:
    """Horizontal bands of the page outside every table that hold ink."""
    h = grid.shape[0]
    taken = np.zeros(h, bool)
    for t in grid.tables:
        taken[max(0, int(t.bbox[1]) - 4) : int(t.bbox[3]) + 5] = True
    has_ink = binary.max(axis=1) > 0
    bands, y = [], 0
    while y < h:
        if taken[y]:
            y += 1
            continue
        y0 = y
        while y < h and not taken[y]:
            y += 1
        rows = np.flatnonzero(has_ink[y0:y])
        if rows.size and rows[-1] - rows[0] >= min_h:
            bands.append((max(y0, y0 + int(rows[0]) - 8), min(y, y0 + int(rows[-1]) + 9)))
    return bands


def _segments(ink: np.ndarray) -> list[list[tuple[int, int, int, int]]]:
    """Text lines of a region, each split where the gap is wider than ~1.5 line heights."""
    out = []
    for lx0, ly0, lx1, ly1 in split_lines(_despeckle(ink), min_gap=3):
        cols = ink[ly0:ly1, lx0:lx1].max(axis=0) > 0
        gap_max = max(12, int(1.5 * (ly1 - ly0)))
        segs, start, run = [], 0, 0
        for x, on in enumerate(cols):
            if on:
                if run > gap_max and x - run > start:
                    segs.append((lx0 + start, ly0, lx0 + x - run, ly1))
                    start = x
                run = 0
            else:
                run += 1
        segs.append((lx0 + start, ly0, lx0 + len(cols) - run, ly1))
        out.append(segs)
    return out


def _band_text(
    clean: np.ndarray, ink: np.ndarray, y0: int, y1: int, engine: OcrEngine, sp: ScanPage
) -> tuple[list[Token], list[str]]:
    """Prose outside tables: lines found by projection, read by the recogniser (no detector)."""
    lines = _segments(ink[y0:y1])
    crops, where = [], []
    for segs in lines:
        for sx0, sy0, sx1, sy1 in segs:
            gy0, gy1 = y0 + sy0, y0 + sy1
            crops.append(_line_crop(clean, sx0, gy0, sx1, gy1))
            where.append((float(sx0), float(gy0), float(sx1), float(gy1)))
    results = iter(zip(engine.recognize(crops), where, strict=True))
    toks: list[Token] = []
    texts: list[str] = []
    for segs in lines:
        words = []
        for _ in segs:
            (text, score), bbox = next(results)
            if text:
                words.append(text)
                toks.append(Token(Kind.TEXT, text, None, sp.number, map_bbox(sp.to_page, bbox), round(score, 4)))
        if words:
            toks.append(BREAK)
            texts.append(" ".join(words))
    return toks, texts


def _shift(b: OcrBox, dx: float, dy: float) -> OcrBox:
    q = tuple((x + dx, y + dy) for x, y in b.quad)
    return OcrBox(b.text, q, b.score)  # type: ignore[arg-type]


def _text_lines(boxes: list[OcrBox], sp: ScanPage) -> tuple[list[Token], list[str]]:
    """Prose: one TEXT token per detected box, one BREAK per printed line."""
    toks: list[Token] = []
    lines: list[str] = []
    for idx in group_rows([b.bbox for b in boxes]):
        for i in idx:
            b = boxes[i]
            toks.append(Token(Kind.TEXT, b.text, None, sp.number, map_bbox(sp.to_page, b.bbox), round(b.score, 4)))
        toks.append(BREAK)
        lines.append(" ".join(boxes[i].text for i in idx))
    return toks, lines


# --------------------------------------------------------------------------------------------
# table cells


CELL_INSET = 3  #: pixels cut off each side of a cell before reading it (rule remnants)


@dataclass(slots=True)
class _CellRead:
    cell_bbox: BBox
    c0: int
    c1: int
    text: str = ""
    conf: float | None = None
    kind: str = "ink"  #: ink | blank | mask
    lines: list[tuple[int, int, int, int]] = field(default_factory=list)  #: text-line boxes, page px
    under_seal: bool = False  #: a seal lies over it: a stroke of the seal may have been read as print


def _table_rows(
    table: Table, clean: np.ndarray, ink: np.ndarray, engine: OcrEngine, sp: ScanPage,
    residue: np.ndarray | None = None, sealed: np.ndarray | None = None,
) -> list[list[CellText]]:
    reads = [[_CellRead(cell.bbox, cell.c0, cell.c1) for cell in row] for row in table.rows()]
    _read_cells([cr for row in reads for cr in row], clean, ink, engine, sp)
    _resplit_tall(reads, clean, ink, engine)
    _reread_doubtful(reads, clean, ink, engine)
    _split_merged_values(reads, table, clean, ink, engine, sp)
    if residue is not None:
        _reread_without(reads, residue, clean, ink, engine, sp)
    _reread_without(reads, _light_ink(reads, clean, ink), clean, ink, engine, sp)
    if sp.seals:
        _reread_without(reads, _ring_ink(sp, ink), clean, ink, engine, sp)
    if sealed is not None:
        for row in reads:
            for cr in row:
                cr.under_seal = bool(sealed[_inner(cr)].mean() >= SEAL_OVERLAP) if cr.kind == "ink" else False
    return _finish_rows(reads, sp)


SEAL_OVERLAP = 0.03  #: share of a cell under a seal from which whatever is read there is doubted


def _seal_area(sp: ScanPage, shape: tuple[int, ...]) -> np.ndarray | None:
    """Where seals lie on the corrected page: the round seals found, and red ink with a margin."""
    if not sp.seals and sp.red is None:
        return None
    area = np.zeros(shape[:2], np.uint8)
    for cx, cy, r in sp.seals:
        cv2.circle(area, (int(cx), int(cy)), int(r * 1.1), 1, -1)  # Hough finds the ring's inner edge
    if sp.red is not None:
        area |= (cv2.dilate(sp.red, np.ones((9, 9), np.uint8)) > 0).astype(np.uint8)
    return area


SEAL_READ_CONF = 0.75  #: cap on a reading that depended on telling print from lighter ink over it
LIGHT_INK_GAP = 35  #: gray levels between a cell's dark and light ink for the light to be taken away


def _inner(cr: _CellRead) -> tuple[slice, slice]:
    x0, y0, x1, y1 = (int(round(v)) for v in cr.cell_bbox)
    return slice(y0 + CELL_INSET, y1 - CELL_INSET), slice(x0 + CELL_INSET, x1 - CELL_INSET)


def _light_ink(reads: list[list[_CellRead]], clean: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """Ink clearly lighter than the rest of the ink in its cell, in doubtful cells (bool mask).

    A seal in a gray scan, a pencil mark or a pale stamp lies over the print in a lighter tone;
    where a doubtful value cell's ink falls into two tones far apart, the lighter is taken for the
    overlay.
    """
    drop = np.zeros(ink.shape, bool)
    for row in reads:
        for cr in row:
            if cr.kind != "ink" or cr.c1 - cr.c0 != 1 or (cr.conf or 0.0) >= REREAD_BELOW:
                continue
            if len(cr.text) > 2 and not looks_numeric(cr.text):
                continue  # a label or header: not a number under an overlay
            win = _inner(cr)
            on = ink[win] > 0
            px = clean[win][on]
            if px.size < 30:
                continue
            t, _ = cv2.threshold(px.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
            dark, light = px[px <= t], px[px > t]
            if dark.size >= 0.1 * px.size and light.size and float(light.mean() - dark.mean()) >= LIGHT_INK_GAP:
                drop[win] |= on & (clean[win] > t)
    return drop


def _ring_ink(sp: ScanPage, ink: np.ndarray) -> np.ndarray:
    """Ink on the rings of the page's round seals (bool mask): the ring crosses cells as a thick
    arc that joins the digits it runs over."""
    yy, xx = np.ogrid[: ink.shape[0], : ink.shape[1]]
    drop = np.zeros(ink.shape, bool)
    for seal in sp.seals:
        cx, cy, r_in, r_out = seal_ring(ink, seal)
        d2 = (xx - cx) ** 2 + (yy - cy) ** 2
        drop |= (d2 >= r_in**2) & (d2 <= r_out**2)
    return drop & (ink > 0)


def _reread_without(
    reads: list[list[_CellRead]], drop: np.ndarray, clean: np.ndarray, ink: np.ndarray, engine: OcrEngine,
    sp: ScanPage,
) -> None:
    """Cells with ink in ``drop`` (what may be a seal's residue or another overlay) are read
    again without it.

    Where both readings agree, nothing changes. Where they differ, the first stands if it was
    clear, but doubted; a doubtful first reading gives way to a better second one (a number where
    the first was none, more confident, or empty where the first read no number), also doubted
    (capped at ``SEAL_READ_CONF``, under the flagging threshold): light print and a dark overlay
    look alike, so the arithmetic has the last word.
    """
    todo = [(cr, _CellRead(cr.cell_bbox, cr.c0, cr.c1)) for row in reads for cr in row
            if cr.kind == "ink" and int(drop[_inner(cr)].sum()) >= 6]
    if not todo:
        return
    lifted_ink, lifted = ink.copy(), clean.copy()
    lifted_ink[drop] = 0
    lifted[drop] = 255
    _read_cells([cp for _, cp in todo], lifted, lifted_ink, engine, sp)
    _reread_doubtful([[cp for _, cp in todo]], lifted, lifted_ink, engine)
    for cr, cp in todo:
        if cp.kind == cr.kind and cp.text == cr.text:
            continue
        if (cr.conf or 0.0) >= REREAD_BELOW and cr.text:
            cr.conf = min(cr.conf or 0.0, SEAL_READ_CONF)
            continue
        first_number = bool(cr.text) and looks_numeric(cr.text)
        second_number = cp.kind == "ink" and bool(cp.text) and looks_numeric(cp.text)
        better = (second_number and not first_number) or (
            second_number == first_number and (cp.conf or 0.0) > (cr.conf or 0.0)
        ) or (cp.kind == "blank" and not first_number)
        if better:
            cr.kind, cr.text, cr.lines = cp.kind, cp.text, cp.lines
            cr.conf = min(cp.conf if cp.conf is not None else 0.0, SEAL_READ_CONF)


UNDER_SEAL_BLANK = 0.5  #: confidence of "empty" for a cell under a seal (flagged: it may hide print)


def _read_cells(cells: list[_CellRead], clean: np.ndarray, ink: np.ndarray, engine: OcrEngine, sp: ScanPage) -> None:
    """Read cells in place: black boxes and empty cells without OCR, every text line of the rest
    by the recogniser in one batch."""
    crops: list[np.ndarray] = []
    owners: list[_CellRead] = []
    for cr in cells:
        x0, y0, x1, y1 = (int(round(v)) for v in cr.cell_bbox)
        inset = CELL_INSET
        sub_gray = clean[y0 + inset : y1 - inset, x0 + inset : x1 - inset]
        sub_ink = ink[y0 + inset : y1 - inset, x0 + inset : x1 - inset]
        if sub_gray.size == 0:
            cr.kind, cr.conf = "blank", 1.0
            continue
        if is_redacted(sub_gray):
            cr.kind, cr.text, cr.conf = "mask", "■", 1.0
            continue
        lines = split_lines(_despeckle(sub_ink))
        if not lines:
            # no print; under a seal that is less certain (print may have gone with the seal)
            cr.kind, cr.conf = "blank", UNDER_SEAL_BLANK if _under_seal(sp, x0, y0, x1, y1) else 1.0
        for lx0, ly0, lx1, ly1 in lines:
            gy0, gy1 = y0 + inset + ly0, y0 + inset + ly1
            gx0, gx1 = x0 + inset + lx0, x0 + inset + lx1
            crops.append(_line_crop(clean, gx0, gy0, gx1, gy1))
            owners.append(cr)
            cr.lines.append((gx0, gy0, gx1, gy1))
    parts: dict[int, list[tuple[str, float]]] = {}
    for cr, res in zip(owners, engine.recognize(crops), strict=True):
        parts.setdefault(id(cr), []).append(res)
    for cr in cells:
        got = parts.get(id(cr))
        if got:
            cr.text = _join([t for t, _ in got])
            cr.conf = round(min(s for _, s in got), 4)


def _split_merged_values(
    reads: list[list[_CellRead]], table: Table, clean: np.ndarray, ink: np.ndarray, engine: OcrEngine, sp: ScanPage
) -> None:
    """In rows of values, a cell right of the labels that spans lattice columns lost a rule (a
    seal or a smudge over it); each column's part is read on its own. Where the lattice lost the
    line too (a cell far wider than a value column), the cell is cut at wide gaps in its ink."""
    label_end = _label_end(reads)
    widths = [cr.cell_bbox[2] - cr.cell_bbox[0] for row in reads for cr in row
              if cr.c1 - cr.c0 == 1 and cr.c0 >= label_end and _confident(cr, "number")]
    col_w = float(np.median(widths)) if widths else 0.0
    pieces: list[_CellRead] = []
    for ri, row in enumerate(reads):
        if not any(_confident(cr, "number") for cr in row if cr.c0 >= label_end):
            continue
        out: list[_CellRead] = []
        for cr in row:
            if cr.c0 < label_end or cr.kind == "mask":
                out.append(cr)
                continue
            _, y0, _, y1 = cr.cell_bbox
            split = (
                [_CellRead((table.xs[c], y0, table.xs[c + 1], y1), c, c + 1) for c in range(cr.c0, cr.c1)]
                if cr.c1 - cr.c0 > 1 else [cr]
            )
            split = [q for p in split for q in (_cut_at_gaps(p, ink, col_w) if col_w else [p])]
            out.extend(split)
            pieces.extend(q for q in split if q is not cr)
        reads[ri] = out
    if pieces:
        _read_cells(pieces, clean, ink, engine, sp)


def _cut_at_gaps(cr: _CellRead, ink: np.ndarray, col_w: float) -> list[_CellRead]:
    """A value cell much wider than a value column, cut where its ink leaves gaps of a third of
    a column: one piece per printed number (the cell itself if there is one)."""
    x0, y0, x1, y1 = cr.cell_bbox
    if x1 - x0 < 1.6 * col_w or cr.kind != "ink":
        return [cr]
    win = _inner(cr)
    cols = np.flatnonzero(_despeckle(ink[win]).max(axis=0) > 0) if ink[win].size else np.zeros(0, int)
    if cols.size == 0:
        return [cr]
    cuts = np.flatnonzero(np.diff(cols) > col_w / 3)
    if not cuts.size:
        return [cr]
    starts = [cols[0], *cols[cuts + 1]]
    ends = [*cols[cuts], cols[-1]]
    left = x0 + CELL_INSET
    return [_CellRead((left + a - 5, y0, left + b + 6, y1), cr.c0, cr.c1) for a, b in zip(starts, ends, strict=True)]


REREAD_BELOW = 0.85  #: a one-column cell read with less confidence than this is read again


def _resplit_tall(reads: list[list[_CellRead]], clean: np.ndarray, ink: np.ndarray, engine: OcrEngine) -> None:
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
    owners: list[_CellRead] = []
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
            crops.extend(_line_crop(clean, *p) for p in pieces)
    if not crops:
        return
    got: dict[int, list[tuple[str, float]]] = {}
    for cr, res in zip(owners, engine.recognize(crops), strict=True):
        got.setdefault(id(cr), []).append(res)
    for row in reads:
        for cr in row:
            res = got.get(id(cr))
            if res and min(s for _, s in res) > (cr.conf or 0.0) + 0.05:
                cr.text, cr.conf = _join([t for t, _ in res]), round(min(s for _, s in res), 4)


def _reread_doubtful(
    reads: list[list[_CellRead]], clean: np.ndarray, ink: np.ndarray, engine: OcrEngine
) -> None:
    """Second reading of doubtful value cells with stray ink taken out.

    Printed numbers sit inside their cell; ink that touches the cell's edge is something laid over
    the table (a seal's ring or star in a gray scan, a rule's fringe, a smudge) and is dropped.
    What is left is read again, and replaces the first reading only when more confident.
    """
    todo: list[tuple[_CellRead, np.ndarray, bool]] = []
    for row in reads:
        for cr in row:
            if cr.kind != "ink" or cr.c1 - cr.c0 != 1 or (cr.conf is not None and cr.conf >= REREAD_BELOW and cr.text):
                continue
            if cr.text and not looks_numeric(cr.text) and len(cr.text) > 2:
                continue  # a label or header read with doubts: not a number to fix here
            x0, y0, x1, y1 = (int(round(v)) for v in cr.cell_bbox)
            inner = (slice(y0 + CELL_INSET, y1 - CELL_INSET), slice(x0 + CELL_INSET, x1 - CELL_INSET))
            crop = _inner_print(clean[inner], ink[inner])
            if crop is not None:
                todo.append((cr, *crop))
    if not todo:
        return
    for (cr, _, touched), (text, conf) in zip(todo, engine.recognize([c for _, c, _ in todo]), strict=True):
        if text and looks_numeric(text) and conf > (cr.conf or 0.0) + 0.05:
            cr.text, cr.conf = text, round(min(conf, TOUCHED_CONF) if touched else conf, 4)


TOUCHED_CONF = 0.5  #: cap on a re-read whose dropped ink ran into the digits (it stays flagged)


def _inner_print(gray: np.ndarray, ink: np.ndarray) -> tuple[np.ndarray, bool] | None:
    """The cell's ink that does not touch its edges, as one white-framed line crop, and whether
    the dropped ink ran into that line (then digits may have gone with it)."""
    if gray.size == 0 or min(gray.shape) < 6:
        return None
    n, labels, stats, _ = cv2.connectedComponentsWithStats(_despeckle(ink), connectivity=8)
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
    return _line_crop(lifted, int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1), touched


SEAL_COVER = 0.25  #: share of a cell covered by red ink above which "empty" is doubted


def _under_seal(sp: ScanPage, x0: int, y0: int, x1: int, y1: int) -> bool:
    """Is this cell mostly under red seal ink (so that "empty" may mean "lost with the seal")?"""
    if sp.red is None:
        return False
    sub = sp.red[max(0, y0):max(0, y1), max(0, x0):max(0, x1)]
    return bool(sub.size) and float((sub > 0).mean()) >= SEAL_COVER


def _despeckle(ink: np.ndarray) -> np.ndarray:
    """Drop isolated specks (scan noise, rule remnants) smaller than a punctuation mark."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return ink
    keep = np.zeros(n, bool)
    keep[1:] = (stats[1:, cv2.CC_STAT_AREA] >= 6) & (
        (stats[1:, cv2.CC_STAT_WIDTH] >= 3) | (stats[1:, cv2.CC_STAT_HEIGHT] >= 3)
    )
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def _join(texts: list[str]) -> str:
    """Join a wrapped cell's lines: no space between CJK, one between ASCII words."""
    out = ""
    for t in (t.strip() for t in texts):
        if not t:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and t[0].isascii() and t[0].isalnum():
            out += " "
        out += t
    return out


def _label_end(reads: list[list[_CellRead]]) -> int:
    """The lattice column where row labels end (0 if unknown): in most rows that show a label (a
    confidently read text of three or more characters) followed by clearly read numbers and no
    other text, that is where the label's cell ends."""
    ends: list[int] = []
    for row in reads:
        labels = [cr for cr in row if _confident(cr, "text") and len(cr.text) >= 3]
        if not labels:
            continue
        right = [cr for cr in row if cr.c0 >= labels[-1].c1 and cr.kind == "ink" and cr.text]
        numbers = sum(_confident(cr, "number") for cr in right)
        if numbers and numbers >= len(right) - numbers:
            ends.append(labels[-1].c1)
    return max(set(ends), key=lambda c: (ends.count(c), -c)) if ends else 0


def _confident(cr: _CellRead, kind: str) -> bool:
    """Read as ``kind`` (number / text) with the confidence of a clear reading."""
    if cr.kind != "ink" or not cr.text or (cr.conf or 0.0) < REREAD_BELOW:
        return False
    if kind == "number":
        return read_numeric(cr.text).kind == "number"
    return len(cr.text) >= 2 and not looks_numeric(cr.text)


def _finish_rows(reads: list[list[_CellRead]], sp: ScanPage) -> list[list[CellText]]:
    """Numeric clean-up in value cells, text only in labels and headers; build CellText rows.

    Row labels sit left of ``label_end``; header rows come before the first row with a clearly
    read number (or a black box) and show column titles. A header or label cell holds no value: a number OCR read
    there with doubts (a seal's strokes) is dropped, an empty one gives no cell.
    """
    by_col: dict[int, list[_CellRead]] = {}
    for row in reads:
        for cr in row:
            if cr.c1 - cr.c0 == 1 and cr.kind == "ink" and cr.text:
                by_col.setdefault(cr.c0, []).append(cr)
    numeric_cols = {c for c, crs in by_col.items() if sum(looks_numeric(cr.text) for cr in crs) >= 0.5 * len(crs)}
    label_end = _label_end(reads)
    first_value = next((i for i, row in enumerate(reads) if any(
        _confident(cr, "number") or cr.kind == "mask" for cr in row if cr.c0 >= label_end)), len(reads))
    rows: list[list[CellText]] = []
    for ri, row in enumerate(reads):
        out = []
        # column titles: text past the first cell of a row (a lone first cell is a row label)
        header = ri < first_value and any(_confident(cr, "text") for cr in row[1:] if cr.c0 >= label_end)
        in_cols = [cr for cr in row if cr.c1 - cr.c0 == 1 and cr.c0 in numeric_cols]
        value_row = not header and (
            sum(cr.kind != "ink" or looks_numeric(cr.text) for cr in in_cols) >= 0.5 * max(1, len(in_cols))
        )
        for cr in row:
            text, conf = cr.text, cr.conf
            bbox = map_bbox(sp.to_page, cr.cell_bbox)
            if cr.c1 <= label_end or header:
                # "3" in a label column is the ordinal of "3.其他" (a seal took the rest); a number
                # read with doubts among column titles is a seal's strokes
                doubtful_number = header and looks_numeric(text) and (conf or 0.0) < REREAD_BELOW
                keep = cr.kind == "ink" and not doubtful_number
                out.append(CellText(text if keep else "", sp.number, bbox, conf, label=True))
                continue
            one_col = cr.c1 - cr.c0 == 1
            value_cell = cr.kind == "ink" and (
                (label_end and cr.c0 >= label_end) or (one_col and (cr.c0 in numeric_cols or not text.strip()))
            )
            if value_cell:
                r = read_numeric(text, conf, numeric_column=True)
                if r.kind != "text":
                    text, conf = (r.text if r.kind != "blank" else ""), r.confidence
                    if r.kind == "mask":
                        text = "****" if "*" in r.text or "＊" in r.text else "■"
                if value_row and (r.kind == "text" or not cr.text.strip()):
                    # ink in a value cell that reads as no number (seal text, a smudge): it hides
                    # the value, which the arithmetic may still recover
                    text, conf = "■", 0.0
            if cr.under_seal and conf is not None:
                conf = min(conf, SEAL_READ_CONF)
            out.append(CellText(text, sp.number, bbox, conf))
        rows.append(out)
    return rows


def _detect_in_tables(clean: np.ndarray, grid: PageGrid, engine: OcrEngine) -> list[list[OcrBox]]:
    boxes = engine.detect(clean)
    out: list[list[OcrBox]] = [[] for _ in grid.tables]
    for b in boxes:
        cx, cy = (b.bbox[0] + b.bbox[2]) / 2, (b.bbox[1] + b.bbox[3]) / 2
        for i, t in enumerate(grid.tables):
            if t.bbox[0] <= cx <= t.bbox[2] and t.bbox[1] <= cy <= t.bbox[3]:
                out[i].append(b)
                break
    return out


def _table_rows_by_detection(table: Table, boxes: list[OcrBox], sp: ScanPage) -> list[list[CellText]]:
    reads: list[list[_CellRead]] = []
    for row in table.rows():
        out_row = []
        for cell in row:
            x0, y0, x1, y1 = cell.bbox
            inside = [
                b for b in boxes if x0 <= (b.bbox[0] + b.bbox[2]) / 2 <= x1 and y0 <= (b.bbox[1] + b.bbox[3]) / 2 <= y1
            ]
            inside.sort(key=lambda b: (round(b.bbox[1] / 10), b.bbox[0]))
            cr = _CellRead(cell.bbox, cell.c0, cell.c1)
            if inside:
                cr.text = _join([b.text for b in inside])
                cr.conf = round(min(b.score for b in inside), 4)
            else:
                cr.kind, cr.conf = "blank", None
            out_row.append(cr)
        reads.append(out_row)
    return _finish_rows(reads, sp)


# --------------------------------------------------------------------------------------------
# pages without rules


def _split_box(b: OcrBox) -> list[OcrBox]:
    """Split a detected box like ``"12 0 35"`` into one box per number (unruled tables)."""
    parts = b.text.split()
    if len(parts) < 2 or not all(looks_numeric(p) for p in parts):
        return [b]
    x0, y0, x1, y1 = b.bbox
    total = sum(len(p) for p in parts) + len(parts) - 1
    out, pos = [], 0
    for p in parts:
        a, z = x0 + (x1 - x0) * pos / total, x0 + (x1 - x0) * (pos + len(p)) / total
        out.append(OcrBox(p, ((a, y0), (z, y0), (z, y1), (a, y1)), b.score))
        pos += len(p) + 1
    return out


def _loose_page(gray: np.ndarray, engine: OcrEngine, sp: ScanPage) -> tuple[list[Token], list[str]]:
    boxes = [s for b in engine.detect(gray) for s in _split_box(b)]
    line_idx = group_rows([b.bbox for b in boxes])
    rows = [[boxes[i] for i in idx] for idx in line_idx]
    tokens: list[Token] = []
    text: list[str] = []
    i = 0
    while i < len(rows):
        # a run of lines with two or more numbers is an unruled table: line its columns up
        j = i
        while j < len(rows) and sum(looks_numeric(b.text) for b in rows[j]) >= 2:
            j += 1
        block = rows[i:j] if j - i >= 3 else rows[i : i + 1]
        slots = align_columns([[b.bbox for b in r] for r in block]) if j - i >= 3 else [list(range(len(block[0])))]
        # blanks only where a column holds numbers: a skipped label column is no cell
        numeric_slot = [
            sum(sl[k] is not None and looks_numeric(r[sl[k]].text) for r, sl in zip(block, slots, strict=True))
            > 0.5 * sum(sl[k] is not None for sl in slots)
            if all(len(sl) == len(slots[0]) for sl in slots) and k < len(slots[0])
            else False
            for k in range(max(len(sl) for sl in slots))
        ]
        cell_rows = []
        for r, sl in zip(block, slots, strict=True):
            cells = []
            for pos, k in enumerate(sl):
                if k is None:
                    if numeric_slot[pos]:
                        cells.append(CellText("", sp.number, None, None))
                    continue
                b = r[k]
                num = read_numeric(b.text, b.score, numeric_column=False)
                t, c = (num.text, num.confidence) if num.kind in ("number", "mask") else (b.text, b.score)
                cells.append(CellText(t, sp.number, map_bbox(sp.to_page, b.bbox), round(c, 4) if c else c))
            cell_rows.append(cells)
            text.append(" ".join(b.text for b in r))
        tokens.extend(tokens_from_rows(cell_rows))
        i += len(block)
    return tokens, text
