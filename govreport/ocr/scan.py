"""Scanned pages -> token stream.

A page's story, top to bottom (:func:`_read_page`): it is prepared (:func:`_prepare`: a photo cut
out of its background, red seals painted out, lighting flattened, orientation 0/90/180/270 and skew
fixed, :mod:`govreport.ocr.preprocess`), its ruled tables are found (:func:`_find_tables`: round
seals found by shape first, :mod:`govreport.ocr.seals`, then the lattice, :mod:`govreport.ocr.rules`),
their cells are read (:func:`_read_tables`: every view of a cell in
:data:`govreport.ocr.views.VIEWS`, by the one reader :func:`govreport.ocr.views.read_views`: first
readings, the cells' roles decided from them, then the views a seal or a box calls for), and the
text outside tables (title, prose) is read band by band (:class:`_Prose`; the bands above the first
table are read first where it may continue the page before's table, which only a page number
above it allows). Pages without rules fall back to a full detection pass whose boxes are grouped
into rows.

Boxes are reported in pixels of the page as rendered at ``LayoutResult.dpi`` (image files: pixels
of the file), whatever rotation or resampling happened in between.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from govreport.errors import BadInputError
from govreport.layout.assemble import join_lines
from govreport.layout.grid import (
    Grid,
    OpenTable,
    Roles,
    align_columns,
    carried_label_end,
    continues,
    group_rows,
    is_page_number,
    recut,
    repeated_header,
    table_roles,
)
from govreport.layout.tokens import BREAK, CellText, Kind, LayoutResult, Token, tokens_from_rows
from govreport.ocr.cells import CellRead, cell_readings, cut_merged_values, despeckle, finish_rows, line_crop
from govreport.ocr.engines import OcrBox, OcrEngine, get_engine
from govreport.ocr.numbers import looks_numeric, read_numeric
from govreport.ocr.overlays import seal_area
from govreport.ocr.page import ScanPage
from govreport.ocr.preprocess import (
    binarize,
    detect_orientation,
    estimate_skew,
    find_page_quad,
    is_bilevel,
    map_bbox,
    normalize_illumination,
    remove_streaks,
    rotate90,
    rotate_small,
    split_lines,
    unwarp,
)
from govreport.ocr.render import PageImage, image_pages, render_pdf
from govreport.ocr.rules import PageGrid, find_tables
from govreport.ocr.seals import find_seals, red_mask, seal_residue, suppress_red
from govreport.ocr.views import Prepared, read_views
from govreport.settings import ExtractSettings
from govreport.sources import Source, as_source

log = logging.getLogger("govreport")

#: what Pillow's decoders raise on damaged data besides OSError (which ocr.render maps already)
DECODER_ERRORS = (IndexError, EOFError, ValueError, SyntaxError, struct.error, ZeroDivisionError, OverflowError)
#: what the geometry of a degenerate page (all ink, no ink, a frame of noise) may raise: that page is
#: left unread with a note, and the document goes on
PAGE_GEOMETRY_ERRORS = (ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError, cv2.error)
DESKEW_FROM = 0.15  #: degrees of skew from which a page is rotated straight
CONTINUED_WIDTH = 0.02  #: a table continued on the next page: the same width within this share
CONTINUED_SHIFT = 0.06  #: ... and its left edge within this share of its width more
CUTOUT_RULE_IN = 0.17  #: inches under which a straight piece of a cut-out picture is a glyph's stroke, not a rule


def read_scanned(source: Source | Path, settings: ExtractSettings) -> LayoutResult:
    """OCR an image-only PDF or an image file (PNG/JPEG/TIFF/...) into a :class:`LayoutResult`.
    Pages are rendered (or decoded) and read one at a time: memory does not grow with their number."""
    source = as_source(source, settings)
    if source.kind == "pdf":
        dpi = settings.ocr_dpi
        pages = render_pdf(source.path, dpi, settings.password, settings.max_pages, settings.max_pixels)
        return _read_pages(pages, settings, "scanned_pdf", lambda: dpi, [])
    try:  # Pillow's decoders on a damaged file (a GIF cut short: IndexError)
        first: list[int | None] = []

        def noting(pages: Iterable[PageImage]) -> Iterator[PageImage]:
            for page in pages:
                if not first:
                    first.append(page.dpi)
                yield page

        pages = noting(image_pages(source.path, settings.max_pages, settings.max_pixels))
        return _read_pages(pages, settings, "image", lambda: first[0] if first else None,
                           [source.misnamed] if source.misnamed else [])
    except DECODER_ERRORS as exc:
        log.debug("%s: image decoder failed", source.path, exc_info=True)
        raise BadInputError(f"{source.path}: damaged image ({type(exc).__name__}: {exc})") from exc


def _read_pages(pages: Iterable[PageImage], settings: ExtractSettings, kind: str, dpi: Callable[[], int | None],
                notes: list[str]) -> LayoutResult:
    from govreport.output.progress import page_progress

    scans: list[ScanPage] = []
    tokens, text = tokens_from_page_images(page_progress(pages), settings, scans=scans)
    notes = [*notes, *(n for s in scans for n in s.notes)]
    return LayoutResult(tokens, text, kind, pages=len(scans), dpi=dpi(), notes=notes)


def tokens_from_page_images(
    pages: Iterable[PageImage],
    settings: ExtractSettings,
    *,
    scans: list[ScanPage] | None = None,
    cell_mode: str = "recognize",
    keep_images: bool = False,
) -> tuple[list[Token], str]:
    """Tokens and plain text for OCRed pages, in page order; ``pages`` may be an iterator, each page
    is dropped once read.

    ``cell_mode="recognize"`` (default) reads table cells with the recognition model on cell crops;
    ``"detect"`` runs a full detection pass per page and assigns boxes to cells (slower; kept for
    comparison). Pass a list as ``scans`` to receive the per-page :class:`ScanPage` details (with
    their images and masks only if ``keep_images``).
    """
    engine = get_engine(settings.engine, settings.device)
    tokens: list[Token] = []
    lines: list[str] = []
    open_: OpenTable | None = None  # the table the page before ended with
    for page in pages:
        t0 = time.perf_counter()
        sp = ScanPage(page.number)
        try:
            page_tokens, page_lines, open_ = _read_page(page, engine, sp, cell_mode, open_)
        except PAGE_GEOMETRY_ERRORS as exc:  # a degenerate page (no lattice, no quadrilateral): unread, said so
            log.warning("page %d: could not be read (%s: %s)", page.number, type(exc).__name__, exc, exc_info=True)
            sp.notes.append(f"page {page.number}: could not be read ({type(exc).__name__}); its cells are missing")
            page_tokens, page_lines, open_ = [], [], None
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
        if not keep_images:  # a page's pixels are not kept past its reading
            sp.image = sp.red = None
            if sp.grid is not None:
                sp.grid.rule_mask = None
        if scans is not None:
            scans.append(sp)
        del page
    return tokens, "\n".join(lines)


# --------------------------------------------------------------------------------------------


def _prepare(page: PageImage, engine: OcrEngine, sp: ScanPage) -> tuple[np.ndarray, np.ndarray]:
    """Upright, deskewed, seal-free, flat-lit gray page and its ink mask; a photographed page is
    first cut out of its background and seen square on."""
    image = page.image
    m_persp = np.eye(3)
    quad = None if page.cutout else find_page_quad(image)  # a pasted table's frame is no page in a photo
    if quad is not None:
        image, m_persp = unwarp(image, quad)
        sp.notes.append(f"page {page.number}: a photo; the page cut out of its background and its perspective "
                        "corrected")
    else:  # a copier's or a fax's streak down the page is no rule (a photo's desk may run so too)
        sp.bilevel = is_bilevel(image)
        image, streaks = remove_streaks(image)
        if streaks:
            sp.notes.append(f"page {page.number}: {streaks} toner streak{'s' if streaks > 1 else ''} down the page "
                            "removed")
    colour = image.ndim == 3
    red_px = red_mask(image[..., :3]) if colour else None
    gray, sp.red_fraction = suppress_red(image, red_px)
    red = red_px.astype(np.uint8) * 255 if red_px is not None and sp.red_fraction > 0 else None
    if sp.red_fraction > 0.002:
        sp.notes.append(f"page {page.number}: red ink ({sp.red_fraction:.1%} of the page) removed before OCR")
    gray = normalize_illumination(gray)
    binary = binarize(gray)
    k = detect_orientation(gray, binary, engine.recognize, getattr(engine, "upside_down", None))
    m_rot = np.eye(3)
    if k:
        gray, m_rot = rotate90(gray, k)
        red = rotate90(red, k)[0] if red is not None else None
        binary = rotate90(binary, k)[0]  # Otsu's threshold does not change with a quarter turn
        sp.rotation = 90 * k
        sp.notes.append(f"page {page.number}: turned {90 * k}° clockwise to read it")
    skew = estimate_skew(binary)
    m_skew = np.eye(3)
    if abs(skew) >= DESKEW_FROM:
        gray, m_skew = rotate_small(gray, -skew)
        red = rotate_small(red, -skew, border=0)[0] if red is not None else None
        binary = binarize(gray)
        sp.skew = round(skew, 2)
        if abs(skew) >= 1:
            sp.notes.append(f"page {page.number}: deskewed by {skew:.1f}°")
    sp.red = red
    back = np.diag([1 / page.scale, 1 / page.scale, 1.0])
    sp.to_page = back @ m_persp @ m_rot @ m_skew
    return gray, binary


def _read_page(page: PageImage, engine: OcrEngine, sp: ScanPage, cell_mode: str,
               open_: OpenTable | None = None) -> tuple[list[Token], list[str], OpenTable | None]:
    """One page's story: its tokens and text lines, and the table it ends with (which the next
    page may continue); ``open_`` is the table the page before ended with.

    The page is prepared, its tables are found, their cells are read (the first table as the rest
    of the page before's where nothing but a page number is printed above it), the prose around
    them is read, and what was read is put in the page's order."""
    gray, binary = _prepare(page, engine, sp)
    grid, pg = _find_tables(gray, binary, sp, page)
    if not grid.tables:
        sp.notes.append(f"page {page.number}: no ruled table; rows grouped from OCR boxes")
        return (*_loose_page(gray, engine, sp), None)
    prose = _Prose(pg, _free_bands(grid, binary), engine)
    carry = open_ if _goes_on(open_, grid.tables[0], prose) else None
    tables, roles = _read_tables(grid, pg, engine, cell_mode, carry)
    blocks = sorted(prose.blocks() + tables, key=lambda b: b[0])
    said = prose.said()
    last = grid.tables[-1]
    ends_with = None if any(y > last.bbox[3] for y in said) else (  # only a page number after it
        OpenTable(carry.first, carry.roles, last) if carry is not None and len(grid.tables) == 1
        else OpenTable(last, roles, last))
    return [t for b in blocks for t in b[1]], [line for b in blocks for line in b[2]], ends_with


def _find_tables(gray: np.ndarray, binary: np.ndarray, sp: ScanPage, page: PageImage) -> tuple[PageGrid, Prepared]:
    """The page's ruled tables (round seals found first: their rings are no rules), and the page
    prepared for reading their cells: the rules lifted, and what may be a red seal's residue."""
    sp.seals = find_seals(gray)
    sealed = seal_area(sp, gray.shape)
    # a picture cut out of a page is as small as its table: its rules are told from strokes by length
    min_rule = round(CUTOUT_RULE_IN * page.dpi * page.scale) if page.cutout and page.dpi else 0
    grid = find_tables(binary, seals=sealed, min_rule=min_rule, repair=sp.bilevel)
    sp.grid, sp.image = grid, gray
    clean, ink = gray.copy(), binary.copy()
    if grid.rule_mask is not None:
        rules = cv2.dilate(grid.rule_mask, np.ones((5, 5), np.uint8))
        clean[rules > 0] = 255
        ink[rules > 0] = 0
    # what may be a red seal's residue: cells it touches are read again without it
    residue = seal_residue(gray, sp.red) & (ink > 0) if sp.red is not None else None
    return grid, Prepared(clean, ink, sp, residue, sealed)


def _read_tables(grid: PageGrid, pg: Prepared, engine: OcrEngine, cell_mode: str, carry: OpenTable | None,
                 ) -> tuple[list[tuple[float, list[Token], list[str]]], Roles]:
    """Every table's cells read (``carry``: the table the first one continues), as blocks
    ``(top, tokens, lines)``, and the last table's roles."""
    boxes_by_table = _detect_in_tables(pg.clean, grid, engine) if cell_mode == "detect" else None
    blocks: list[tuple[float, list[Token], list[str]]] = []
    roles: Roles | None = None
    for ti, table in enumerate(grid.tables):
        go_on = carry if ti == 0 else None
        if boxes_by_table is None:
            reads = _table_reads(table, pg, engine)
            roles = _roles(table, reads, go_on, pg.sp, lambda crs: read_views(crs, pg, "first", engine))
            _second_readings(reads, roles, pg, engine)
        else:
            boxes = boxes_by_table[ti]
            reads = _table_reads_by_detection(table, boxes)
            roles = _roles(table, reads, go_on, pg.sp, lambda crs, boxes=boxes: _assign_boxes(crs, boxes))
        rows = finish_rows(reads, pg.sp, roles)
        blocks.append((table.bbox[1], tokens_from_rows(rows), [" ".join(c.text for c in r if c.text) for r in rows]))
    assert roles is not None
    return blocks, roles


class _Prose:
    """The text outside a page's tables, band by band, each band read once, when first asked for."""

    def __init__(self, pg: Prepared, bands: list[tuple[int, int]], engine: OcrEngine) -> None:
        self.pg, self.bands, self.engine = pg, bands, engine
        self.read: dict[tuple[int, int], tuple[list[Token], list[str]]] = {}

    def _band(self, band: tuple[int, int]) -> tuple[list[Token], list[str]]:
        if band not in self.read:
            self.read[band] = _band_text(self.pg.clean, self.pg.ink, *band, self.engine, self.pg.sp)
        return self.read[band]

    def blocks(self, above: float | None = None) -> list[tuple[float, list[Token], list[str]]]:
        """The bands (``above``: those that start above that line) that hold text: (top, tokens, lines)."""
        out = []
        for band in self.bands:
            if above is None or band[0] < above:
                toks, lines = self._band(band)
                if toks:
                    out.append((float(band[0]), toks, lines))
        return out

    def said(self, above: float | None = None) -> list[float]:
        """The tops of the bands that say more than a page number."""
        return [y for y, _, lines in self.blocks(above) if not all(is_page_number(line) for line in lines)]


def _goes_on(open_: OpenTable | None, first: Grid, prose: _Prose) -> bool:
    """The page's first table continues the page before's last one: of its width and place, and
    nothing but a page number printed above it."""
    width = first.xs[-1] - first.xs[0]
    return (open_ is not None and continues(open_.last, first, CONTINUED_WIDTH * width, CONTINUED_SHIFT * width)
            and not prose.said(above=first.bbox[1]))


def _roles(table: Grid, reads: list[list[CellRead]], carry: OpenTable | None, sp: ScanPage,
           read: Callable[[list[CellRead]], None]) -> Roles:
    """The roles of the table's cells (:func:`govreport.layout.grid.table_roles`); a table that
    continues one from the page before drops a header printed again and keeps the lattice column
    where its labels end. Value cells over several lattice rows or columns are cut on the lattice
    (:func:`govreport.layout.grid.recut`) and their pieces read with ``read``."""
    carried = None
    if carry is not None:
        cell_readings(table, reads)  # the grid's cells get their text, to compare with the header before
        drop = repeated_header(carry.first, table)
        if drop:
            del table.rows[:drop]
            del reads[:drop]
            sp.notes.append(f"page {sp.number}: repeated table header ({drop} row{'s' if drop > 1 else ''}) dropped")
        carried = carried_label_end(carry.first, carry.roles, table,
                                    CONTINUED_WIDTH * (table.xs[-1] - table.xs[0]))
    roles = table_roles(table, cell_readings(table, reads), carried)
    # value cells over several lattice rows or columns (a rule lost) are read on the lattice
    was = {id(c): cr for cells, row in zip(table.rows, reads, strict=True) for c, cr in zip(cells, row, strict=True)}
    pieces = recut(table, roles)
    if pieces:
        reads[:] = [[was.get(id(c)) or CellRead(c.bbox, c.c0, c.c1) for c in cells] for cells in table.rows]
        old = {id(x) for x in was.values()}
        read([cr for row in reads for cr in row if id(cr) not in old])
        roles = table_roles(table, cell_readings(table, reads), roles.label_end)
    return roles


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
    for lx0, ly0, lx1, ly1 in split_lines(despeckle(ink), min_gap=3):
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
            crops.append(line_crop(clean, sx0, gy0, sx1, gy1))
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


# --------------------------------------------------------------------------------------------
# table cells


def _table_reads(table: Grid, pg: Prepared, engine: OcrEngine) -> list[list[CellRead]]:
    """First readings of one table's cells, row by row as ``table.rows``: every cell in the views
    of the stages ``first`` and ``doubt`` (:data:`govreport.ocr.views.VIEWS`)."""
    reads = [[CellRead(cell.bbox, cell.c0, cell.c1) for cell in row] for row in table.rows]
    pg.reads, pg.roles = reads, None
    cells = [cr for row in reads for cr in row]
    read_views(cells, pg, "first", engine)
    read_views(cells, pg, "doubt", engine)
    return reads


def _second_readings(reads: list[list[CellRead]], roles: Roles, pg: Prepared, engine: OcrEngine) -> None:
    """Second readings, once the cells' roles are known: a value cell far wider than its column cut
    at gaps in its ink and its pieces read, then every cell in the views of the stage ``seal``
    (what a box leaves of a label, a cell without a seal's residue, lighter ink or ring, on its
    row's line of print)."""
    pg.reads, pg.roles = reads, roles
    pieces = cut_merged_values(reads, roles, pg.ink)
    if pieces:
        read_views(pieces, pg, "first", engine)
    read_views([cr for row in reads for cr in row], pg, "seal", engine)


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


def _table_reads_by_detection(table: Grid, boxes: list[OcrBox]) -> list[list[CellRead]]:
    reads = [[CellRead(cell.bbox, cell.c0, cell.c1) for cell in row] for row in table.rows]
    _assign_boxes([cr for row in reads for cr in row], boxes)
    return reads


def _assign_boxes(cells: list[CellRead], boxes: list[OcrBox]) -> None:
    """Cells read from a detection pass: each detected box goes to the cell holding its centre."""
    for cr in cells:
        x0, y0, x1, y1 = cr.cell_bbox
        inside = [
            b for b in boxes if x0 <= (b.bbox[0] + b.bbox[2]) / 2 <= x1 and y0 <= (b.bbox[1] + b.bbox[3]) / 2 <= y1
        ]
        inside.sort(key=lambda b: (round(b.bbox[1] / 10), b.bbox[0]))
        if inside:
            cr.text = join_lines([b.text for b in inside])
            cr.conf = round(min(b.score for b in inside), 4)
        else:
            cr.kind, cr.conf = "blank", None


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
