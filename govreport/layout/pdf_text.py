"""Born-digital PDFs: tables from ruling lines plus the text layer, via pypdfium2.

Per page: read the characters with their boxes and the vector paths (strokes and thin filled
rectangles) from PDFium. Axis-aligned path edges are merged into ruling lines; lines that touch
form a table; the distinct line positions give a grid; a missing ruling between two grid units
merges them, so a cell spanning rows or columns is one cell, emitted once in the row where it
starts. Each character goes to the cell holding its centre; a cell's lines are joined without
spaces (labels printed one character per line come out whole). Text outside tables comes out as
lines (split into segments at wide gaps, so a table printed without rulings still gives one token
per column). A table that continues at the top of the next page continues the row stream: a
repeated header row is dropped, and so are the empty leftovers of label cells merged across the
page break.

A page whose text layer is missing, unmapped (private-use code points, U+FFFD) or garbage is
rendered and OCRed through ``govreport.ocr.scan.tokens_from_page_images``; ``input_kind``
says ``text_pdf``, ``scanned_pdf`` (every page OCRed) or ``mixed_pdf``.

Geometry: ``bbox`` is ``(x0, y0, x1, y1)`` in PDF points on the page as displayed (``/Rotate``
and the crop box applied), origin top-left, y growing downwards; for a fully scanned PDF it is
in pixels at ``LayoutResult.dpi`` (what the OCR gives), and OCRed pages of a mixed PDF are
scaled back to points.

>>> text_layer_problem("二〇二四年政府信息公开工作年度报告")  # None: the layer is sound
>>> text_layer_problem("\\ue001\\ue002\\ue003\\ue004\\ue005\\ue006\\ue007\\ue008\\ue009\\ue00a")
'unmapped glyphs (100% private-use or undecodable)'
"""

from __future__ import annotations

import ctypes
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from govreport.errors import BadInputError, MissingDependencyError, TooLargeError
from govreport.layout.assemble import Assembler, clean_inline, join_lines
from govreport.layout.grid import (
    Grid,
    OpenTable,
    Reading,
    Roles,
    build_grid,
    carried_label_end,
    chains,
    cluster,
    continues,
    is_page_number,
    repeated_header,
    table_roles,
)
from govreport.layout.pdf_lines import lines_of as _lines_of
from govreport.layout.pdf_lines import segments as _segments
from govreport.layout.pdf_lines import text_of as _text_of
from govreport.layout.pdf_lines import union as _union
from govreport.layout.text import MAX_CELL_CHARS
from govreport.layout.tokens import CellText, Kind, LayoutResult, Token, classify
from govreport.settings import ExtractSettings
from govreport.sources import Source, as_source, open_pdf
from govreport.types import BBox

log = logging.getLogger("govreport")

__all__ = ["PageLayout", "read_pdf", "read_pdf_pages", "text_layer_problem"]

LINE_TOL = 2.0  #: points: rulings closer than this are one line; joints within this touch
MIN_EDGE = 3.0  #: points: shorter path edges are not rulings (glyph bits, tick marks)
RULE_COVER = 0.5  #: share of a lattice unit's side a ruling must cover to separate two units
#: safety bounds per page (a dense A4 page has ~5,000 characters and a few hundred ruling edges)
MAX_PAGE_CHARS = 100_000
MAX_PAGE_EDGES = 50_000
MAX_GRID_UNITS = 200_000  #: rows x columns of one ruled table
FILL_RULE = 2.0  #: points: a filled shape no thicker than this is a ruling drawn as a fill
DARK_FILL = 90  #: luminance (0-255) up to which an opaque fill hides black print under it
DARK_ALPHA = 200  #: opacity (0-255) from which a fill hides what is under it
LIGHT_TEXT = 160  #: luminance from which a character's own colour shows on a dark fill (white on black)
MASK_GLYPH = "■"  #: what a dark box over print reads as
ADJACENT = 0.35  #: a box this close beside a character (share of its height) may hide more of its word
MASK_MIN = 0.6  #: a box shows in a cell where it covers this share of a character's height, both ways
INVISIBLE_MODE = 3  #: PDF text render mode 3: neither filled nor stroked (an OCR layer over a page image)
PICTURE_WIDTH = 0.3  #: an image this share of the page wide ...
PICTURE_HEIGHT = 0.035  #: ... and this share of it high may hold a table, and is OCRed
PICTURE_TEXT = 12  #: visible characters over an image up to which it is a picture (more: a background)



# ---------------------------------------------------------------------------------------------
# text layer soundness


def _gb2312_level1(ch: str) -> bool:
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0xB0 <= b[0] <= 0xD7


def text_layer_problem(text: str, unmapped: int = 0) -> str | None:
    """Why a page's text layer can't be trusted, or None when it reads as real text.

    ``unmapped`` counts characters PDFium flagged as having no Unicode mapping. Checks: share of
    private-use / replacement / control characters; share of plausible characters (CJK, ASCII,
    CJK and general punctuation) after NFKC; share of Chinese characters among the 3,755 most
    common (GB2312 level 1), which a wrong glyph-to-Unicode map scatters away from.
    """
    chars = [c for c in text if not c.isspace()]
    n = len(chars)
    if n == 0:
        return "no text layer"
    bad = unmapped
    for c in chars:
        o = ord(c)
        if 0xE000 <= o <= 0xF8FF or o >= 0xF0000 or c in "\ufffd\ufffe\x00" or unicodedata.category(c) == "Cc":
            bad += 1
    if bad / n > 0.1:
        return f"unmapped glyphs ({min(100, round(100 * bad / n))}% private-use or undecodable)"
    norm = unicodedata.normalize("NFKC", "".join(chars))
    cjk = [c for c in norm if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"]
    plausible = len(cjk) + sum(
        1
        for c in norm
        if c.isascii() or "\u2000" <= c <= "\u206f" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"
    )
    if n >= 8 and plausible / max(1, len(norm)) < 0.7:
        return f"garbage text layer (only {round(100 * plausible / max(1, len(norm)))}% plausible characters)"
    if len(cjk) >= 20:
        common = sum(1 for c in cjk if _gb2312_level1(c))
        if common / len(cjk) < 0.55:
            return f"garbage text layer (only {round(100 * common / len(cjk))}% common Chinese characters)"
    return None


# ---------------------------------------------------------------------------------------------
# reading one page out of PDFium


@dataclass
class PageLayout:
    """What PDFium gives for one page, in display coordinates (points, origin top-left)."""

    number: int  #: 1-based
    width: float
    height: float
    chars: list[str]
    boxes: np.ndarray  #: (n, 4) x0, y0, x1, y1 of each character
    hsegs: list[tuple[float, float, float]]  #: y, x0, x1
    vsegs: list[tuple[float, float, float]]  #: x, y0, y1
    image_cover: float = 0.0  #: share of the page covered by images
    unmapped: int = 0
    problem: str | None = None  #: why the text layer is unusable (None: usable)
    fills: list[BBox] = field(default_factory=list)  #: dark boxes over the page (redactions)
    hidden: list[BBox] = field(default_factory=list)  #: characters under them, taken out of ``chars``
    images: list[BBox] = field(default_factory=list)  #: boxes of the page's images
    invisible: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  #: per char: render mode 3


def _affine_to_display(page: Any, width: float, height: float) -> np.ndarray:
    """The 2x3 matrix from PDF user space to display space (rotation, crop box, y down)."""
    import pypdfium2.raw as pr

    scale = 64.0
    sx, sy = round(width * scale), round(height * scale)
    out = []
    for px, py in ((0.0, 0.0), (1000.0, 0.0), (0.0, 1000.0)):
        dx, dy = ctypes.c_int(), ctypes.c_int()
        pr.FPDF_PageToDevice(page, 0, 0, sx, sy, 0, px, py, ctypes.byref(dx), ctypes.byref(dy))
        out.append((dx.value / scale, dy.value / scale))
    (ox, oy), (ax, ay), (bx, by) = out
    return np.array([[(ax - ox) / 1000, (bx - ox) / 1000, ox], [(ay - oy) / 1000, (by - oy) / 1000, oy]])


def _mat_mul(m1: tuple[float, ...], m2: tuple[float, ...]) -> tuple[float, ...]:
    """``m1 . m2`` for PDF matrices (a, b, c, d, e, f): apply m2 first, then m1."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (
        a2 * a1 + b2 * c1,
        a2 * b1 + b2 * d1,
        c2 * a1 + d2 * c1,
        c2 * b1 + d2 * d1,
        e2 * a1 + f2 * c1 + e1,
        e2 * b1 + f2 * d1 + f1,
    )


Rgba = tuple[int, int, int, int]


def _colour(obj: Any, getter: Any) -> Rgba | None:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not getter(obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)):
        return None
    return r.value, g.value, b.value, a.value


def _white(c: Rgba | None) -> bool:
    """No visible colour: fully transparent, or paper white."""
    return c is None or c[3] == 0 or (c[0] > 235 and c[1] > 235 and c[2] > 235)


def _dark(c: Rgba | None) -> bool:
    """An opaque colour dark enough to hide black print under it (a redaction box)."""
    return c is not None and c[3] >= DARK_ALPHA and 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] <= DARK_FILL


def _annotation_boxes(page: Any, disp: np.ndarray) -> list[BBox]:
    """Square annotations filled with a dark colour (a box a PDF editor drew over the page), in
    display coordinates."""
    import pypdfium2.raw as pr

    out: list[BBox] = []
    for k in range(min(pr.FPDFPage_GetAnnotCount(page), 500)):
        annot = pr.FPDFPage_GetAnnot(page, k)
        try:
            if pr.FPDFAnnot_GetSubtype(annot) != pr.FPDF_ANNOT_SQUARE:
                continue
            if not _dark(_colour(annot, lambda o, *rgba: pr.FPDFAnnot_GetColor(
                    o, pr.FPDFANNOT_COLORTYPE_InteriorColor, *rgba))):
                continue
            rect = pr.FS_RECTF()
            if not pr.FPDFAnnot_GetRect(annot, rect):
                continue
            xs = [rect.left, rect.right]
            ys = [rect.bottom, rect.top]
            pts = [(disp[0, 0] * x + disp[0, 1] * y + disp[0, 2], disp[1, 0] * x + disp[1, 1] * y + disp[1, 2])
                   for x in xs for y in ys]
            out.append((min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts),
                        max(p[1] for p in pts)))
        finally:
            pr.FPDFPage_CloseAnnot(annot)
    return out


def _collect_objects(page: Any, disp: np.ndarray) -> tuple[list[tuple[float, float, float, float]], float,
                                                           list[BBox], list[BBox]]:
    """Axis-aligned visible path edges (display coords: x0, y0, x1, y1), image area, the dark
    filled shapes that hide what is under them (redaction boxes), and the images' boxes.

    A filled shape thicker than :data:`FILL_RULE` is no ruling, whatever its edges line up with:
    a black box's edges are not a table's rules, a shaded header's are not either (its outline,
    if stroked, is).

    One walk over the page's objects through pdfium's C API (the ctypes out-parameters are reused
    for every object), so it stays one function."""
    import pypdfium2.raw as pr

    edges: list[tuple[float, float, float, float]] = []
    fills: list[BBox] = []
    images: list[BBox] = []
    image_area = 0.0
    fx, fy = ctypes.c_float(), ctypes.c_float()
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    fm = pr.FS_MATRIX()
    da, dc, de = disp[0]
    db, dd, df = disp[1]
    to_disp = (da, db, dc, dd, de, df)

    def walk(count: int, get: Any, parent: tuple[float, ...], depth: int) -> None:
        nonlocal image_area
        for k in range(count):
            obj = get(k)
            kind = pr.FPDFPageObj_GetType(obj)
            if kind == pr.FPDF_PAGEOBJ_FORM and depth < 8:
                pr.FPDFPageObj_GetMatrix(obj, fm)
                m = _mat_mul(parent, (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f))
                walk(pr.FPDFFormObj_CountObjects(obj), lambda i, o=obj: pr.FPDFFormObj_GetObject(o, i), m, depth + 1)
            elif kind == pr.FPDF_PAGEOBJ_IMAGE:
                l_, b_, r_, t_ = (ctypes.c_float() for _ in range(4))
                if pr.FPDFPageObj_GetBounds(obj, *(ctypes.byref(v) for v in (l_, b_, r_, t_))):
                    a, b, c, d, e, f = parent
                    image_area += abs((r_.value - l_.value) * (t_.value - b_.value) * (a * d - b * c))
                    pts = [(a * x + c * y + e, b * x + d * y + f) for x in (l_.value, r_.value)
                           for y in (b_.value, t_.value)]
                    images.append((min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts),
                                   max(p[1] for p in pts)))
            elif kind == pr.FPDF_PAGEOBJ_PATH:
                if not pr.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)):
                    continue
                fill_rgba = _colour(obj, pr.FPDFPageObj_GetFillColor) if fill.value else None
                stroked = bool(stroke.value) and not _white(_colour(obj, pr.FPDFPageObj_GetStrokeColor))
                if not stroked and _white(fill_rgba):
                    continue
                pr.FPDFPageObj_GetMatrix(obj, fm)
                a, b, c, d, e, f = _mat_mul(parent, (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f))
                n = pr.FPDFPath_CountSegments(obj)
                if n > 2000 or len(edges) > MAX_PAGE_EDGES:  # a drawing, not rulings
                    continue
                start: tuple[float, float] | None = None
                prev: tuple[float, float] | None = None
                mine: list[tuple[float, float, float, float]] = []
                pts: list[tuple[float, float]] = []
                for s in range(n):
                    seg = pr.FPDFPath_GetPathSegment(obj, s)
                    pr.FPDFPathSegment_GetPoint(seg, ctypes.byref(fx), ctypes.byref(fy))
                    x, y = fx.value, fy.value
                    pt = (a * x + c * y + e, b * x + d * y + f)
                    pts.append(pt)
                    typ = pr.FPDFPathSegment_GetType(seg)
                    if typ == pr.FPDF_SEGMENT_MOVETO:
                        start = prev = pt
                        continue
                    if typ == pr.FPDF_SEGMENT_LINETO and prev is not None:
                        mine.append((*prev, *pt))
                    prev = pt
                    if pr.FPDFPathSegment_GetClose(seg) and start is not None:
                        mine.append((*pt, *start))
                        prev = start
                if pts and not _white(fill_rgba):
                    box = (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts),
                           max(p[1] for p in pts))
                    if min(box[2] - box[0], box[3] - box[1]) > FILL_RULE:  # a shape, not a ruling drawn as a fill
                        if _dark(fill_rgba):
                            fills.append(box)
                        if _dark(fill_rgba) or not stroked:
                            continue
                edges.extend(mine)

    walk(pr.FPDFPage_CountObjects(page), lambda i: pr.FPDFPage_GetObject(page, i), to_disp, 0)
    return edges, image_area, fills + _annotation_boxes(page, disp), images


def _split_edges(
    edges: list[tuple[float, float, float, float]],
) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    hs, vs = [], []
    for x0, y0, x1, y1 in edges:
        if abs(y1 - y0) <= 0.5 and abs(x1 - x0) >= MIN_EDGE:
            hs.append(((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
        elif abs(x1 - x0) <= 0.5 and abs(y1 - y0) >= MIN_EDGE:
            vs.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))
    return hs, vs


def _read_page(pdf: Any, index: int) -> PageLayout:
    import pypdfium2.raw as pr

    page = pdf[index]
    try:
        width, height = page.get_size()
        disp = _affine_to_display(page, width, height)
        textpage = page.get_textpage()
        try:
            tp = textpage.raw
            n = min(pr.FPDFText_CountChars(tp), MAX_PAGE_CHARS)
            chars: list[str] = []
            raw_boxes: list[tuple[float, float, float, float]] = []
            rect = pr.FS_RECTF()
            unmapped = 0
            light: list[bool] = []
            invisible: list[bool] = []
            r_, g_, b_, a_ = (ctypes.c_uint() for _ in range(4))
            for i in range(n):
                if pr.FPDFText_IsGenerated(tp, i) == 1:
                    continue
                code = pr.FPDFText_GetUnicode(tp, i)
                if code in (0x0D, 0x0A, 0x02, 0xFFFE):  # line ends, soft hyphens from PDFium
                    continue
                if pr.FPDFText_HasUnicodeMapError(tp, i) == 1:
                    unmapped += 1
                if not pr.FPDFText_GetLooseCharBox(tp, i, rect):
                    continue
                try:
                    ch = chr(code)
                except ValueError:
                    ch = "\ufffd"
                chars.append(ch)
                raw_boxes.append((rect.left, rect.top, rect.right, rect.bottom))
                got = pr.FPDFText_GetFillColor(tp, i, *(ctypes.byref(v) for v in (r_, g_, b_, a_)))
                light.append(bool(got) and 0.299 * r_.value + 0.587 * g_.value + 0.114 * b_.value >= LIGHT_TEXT)
                obj = pr.FPDFText_GetTextObject(tp, i)
                invisible.append(bool(obj) and pr.FPDFTextObj_GetTextRenderMode(obj) == INVISIBLE_MODE)
        finally:
            textpage.close()
        if raw_boxes:
            rb = np.asarray(raw_boxes, dtype=float)
            xs = np.stack([rb[:, 0], rb[:, 2], rb[:, 0], rb[:, 2]], axis=1)
            ys = np.stack([rb[:, 1], rb[:, 1], rb[:, 3], rb[:, 3]], axis=1)
            dx = disp[0, 0] * xs + disp[0, 1] * ys + disp[0, 2]
            dy = disp[1, 0] * xs + disp[1, 1] * ys + disp[1, 2]
            boxes = np.stack([dx.min(1), dy.min(1), dx.max(1), dy.max(1)], axis=1)
        else:
            boxes = np.zeros((0, 4))
        edges, image_area, fills, images = _collect_objects(page.raw, disp)
    finally:
        page.close()
    dw, dh = (height, width) if abs(disp[0, 1]) > abs(disp[0, 0]) else (width, height)
    hs, vs = _split_edges(edges)
    chars, boxes, hidden, kept = _under_fills(chars, boxes, light, fills)
    layout = PageLayout(index + 1, dw, dh, chars, boxes, hs, vs, image_area / max(1.0, dw * dh), unmapped,
                        fills=fills, hidden=hidden, images=images,
                        invisible=np.asarray(invisible, dtype=bool)[kept] if len(kept) else np.zeros(0, bool))
    layout.problem = text_layer_problem("".join(chars), unmapped)
    if layout.problem is None and layout.image_cover > 0.5:
        visible = sum(1 for c in chars if not c.isspace())
        if visible < 40:  # a scan with a stray line of text (a stamp, a page number)
            layout.problem = f"image page with only {visible} characters of text"
    return layout


def _under_fills(chars: list[str], boxes: np.ndarray, light: list[bool], fills: list[BBox],
                 ) -> tuple[list[str], np.ndarray, list[BBox], np.ndarray]:
    """Characters a dark box hides taken out (a box drawn over the text leaves it in the text
    layer; what a reader sees is the box). A light character on a dark fill shows (white on
    black) and stays. Returns the characters left, their boxes, the boxes of those taken out, and
    the indices of those left."""
    if not fills or not chars:
        return chars, boxes, [], np.arange(len(chars))
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    under = np.zeros(len(chars), dtype=bool)
    for x0, y0, x1, y1 in fills:
        under |= (cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= y1)
    under &= ~np.asarray(light, dtype=bool)
    if not under.any():
        return chars, boxes, [], np.arange(len(chars))
    hidden = [tuple(float(v) for v in b) for b in boxes[under]]
    keep = np.nonzero(~under)[0]
    return [chars[i] for i in keep], boxes[keep], hidden, keep  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# rulings -> tables


def _merge_segments(segs: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Collinear overlapping segments (pos, lo, hi) merged into maximal rulings."""
    out = []
    for group in chains([s[0] for s in segs], LINE_TOL):
        pos = float(np.mean([segs[i][0] for i in group]))
        spans = sorted((segs[i][1], segs[i][2]) for i in group)
        lo, hi = spans[0]
        for a, b in spans[1:]:
            if a <= hi + LINE_TOL:
                hi = max(hi, b)
            else:
                out.append((pos, lo, hi))
                lo, hi = a, b
        out.append((pos, lo, hi))
    return out


def _coverage(intervals: list[tuple[float, float]], lo: float, hi: float) -> float:
    got = sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in intervals)
    return got / max(1e-6, hi - lo)


def _grids(hs: list[tuple[float, float, float]], vs: list[tuple[float, float, float]], page: int) -> list[Grid]:
    """Tables: groups of touching rulings with at least two cells."""
    if len(hs) < 2 or len(vs) < 2:
        return []
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    hs, vs = _merge_segments(hs), _merge_segments(vs)
    if len(hs) * len(vs) > 4 * MAX_GRID_UNITS:  # the touch matrix alone would take gigabytes
        log.warning("page %d: %d x %d ruling lines; not read as tables", page, len(hs), len(vs))
        return []
    H, V = np.asarray(hs), np.asarray(vs)
    t = LINE_TOL
    touch = (
        (V[None, :, 0] >= H[:, None, 1] - t)
        & (V[None, :, 0] <= H[:, None, 2] + t)
        & (H[:, None, 0] >= V[None, :, 1] - t)
        & (H[:, None, 0] <= V[None, :, 2] + t)
    )
    hi, vi = np.nonzero(touch)
    nh, nv = len(hs), len(vs)
    graph = coo_matrix((np.ones(len(hi)), (hi, vi + nh)), shape=(nh + nv, nh + nv))
    _, labels = connected_components(graph, directed=False)
    grids = []
    for lab in np.unique(labels):
        hidx = [i for i in range(nh) if labels[i] == lab]
        vidx = [j for j in range(nv) if labels[nh + j] == lab]
        if len(hidx) < 2 or len(vidx) < 2:
            continue
        grid = _grid_from([hs[i] for i in hidx], [vs[j] for j in vidx], page)
        if grid is not None:
            grids.append(grid)
    return grids


def _grid_from(hs: list[tuple[float, float, float]], vs: list[tuple[float, float, float]], page: int) -> Grid | None:
    ys = cluster([h[0] for h in hs], [1.0] * len(hs), LINE_TOL)
    xs = cluster([v[0] for v in vs], [1.0] * len(vs), LINE_TOL)
    nr, nc = len(ys) - 1, len(xs) - 1
    if nr < 1 or nc < 1 or nr * nc < 2 or nr * nc > MAX_GRID_UNITS:
        return None

    def snap(values: list[float], v: float) -> int:
        return min(range(len(values)), key=lambda k: abs(values[k] - v))

    v_at: dict[int, list[tuple[float, float]]] = {}
    for x, lo, hi in vs:
        v_at.setdefault(snap(xs, x), []).append((lo, hi))
    h_at: dict[int, list[tuple[float, float]]] = {}
    for y, lo, hi in hs:
        h_at.setdefault(snap(ys, y), []).append((lo, hi))
    grid = build_grid(xs, ys, lambda r, c: _coverage(v_at.get(c + 1, []), ys[r], ys[r + 1]) >= RULE_COVER,
                      lambda r, c: _coverage(h_at.get(r + 1, []), xs[c], xs[c + 1]) >= RULE_COVER, page)
    return grid if len(grid.cells) >= 2 else None  # one cell: a frame around something, not a table


# ---------------------------------------------------------------------------------------------
# characters -> lines -> text


# ---------------------------------------------------------------------------------------------
# one page -> items in reading order


@dataclass
class _Line:
    top: float
    segments: list[CellText]


def _clip(a: BBox, b: BBox) -> BBox | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[2] > box[0] and box[3] > box[1] else None


def _masks(p: PageLayout, grids: list[Grid]) -> tuple[list[str], np.ndarray]:
    """The page's characters, plus a mask glyph ``■`` wherever a dark box shows where print is or
    could be: in each table cell it covers, clipped to the cell (so a box over two cells masks
    both, and its edges make no rule), where it reaches a character's height both ways, or, in a
    cell that shows characters, where it runs over their line at or right beside them; outside
    tables, over the characters it hid."""
    if not p.fills:
        return p.chars, p.boxes
    ink = [i for i, ch in enumerate(p.chars) if not ch.isspace()]
    char_h = float(np.median(p.boxes[ink, 3] - p.boxes[ink, 1])) if ink else 10.0
    cx = (p.boxes[:, 0] + p.boxes[:, 2]) / 2 if len(p.chars) else np.zeros(0)
    cy = (p.boxes[:, 1] + p.boxes[:, 3]) / 2 if len(p.chars) else np.zeros(0)
    extra: list[BBox] = []
    for fill in p.fills:
        for g in grids:
            if _clip(fill, g.bbox) is None:
                continue
            per_cell: dict[int, BBox] = {}
            for r in range(len(g.ys) - 1):
                for c in range(len(g.xs) - 1):
                    part = _clip(fill, (g.xs[c], g.ys[r], g.xs[c + 1], g.ys[r + 1]))
                    if part is None:
                        continue
                    k = int(g.unit_cell[r, c])
                    have = per_cell.get(k, part)
                    per_cell[k] = (min(have[0], part[0]), min(have[1], part[1]), max(have[2], part[2]),
                                   max(have[3], part[3]))
            for k, part in per_cell.items():
                x0, y0, x1, y1 = g.cells[k].bbox
                shown = np.nonzero((cx > x0) & (cx < x1) & (cy > y0) & (cy < y1))[0]
                if len(shown):  # the cell shows characters: the box counts where it runs over their line, at them
                    heights = p.boxes[shown, 3] - p.boxes[shown, 1]
                    over = np.minimum(p.boxes[shown, 3], part[3]) - np.maximum(p.boxes[shown, 1], part[1])
                    gap = np.maximum(part[0] - p.boxes[shown, 2], p.boxes[shown, 0] - part[2])
                    counts = bool(((over >= 0.5 * heights) & (gap < ADJACENT * heights)).any())
                else:
                    counts = part[3] - part[1] >= MASK_MIN * char_h
                if counts and part[2] - part[0] >= MASK_MIN * char_h:
                    extra.append(part)
        outside = [h for h in p.hidden if _clip(h, fill) is not None
                   and not any(_clip(h, g.bbox) is not None for g in grids)]
        if outside:
            extra.append((min(h[0] for h in outside), min(h[1] for h in outside), max(h[2] for h in outside),
                          max(h[3] for h in outside)))
    if not extra:
        return p.chars, p.boxes
    return [*p.chars, *(MASK_GLYPH for _ in extra)], np.vstack([p.boxes.reshape(-1, 4), np.asarray(extra)])


@dataclass
class _Ocred:
    """A picture on a text page, read by OCR: its tokens (boxes in points) and text."""

    tokens: list[Token]
    text: str


def _page_items(p: PageLayout, pictures: Sequence[BBox] = ()) -> list[tuple[float, Grid | _Line]]:
    """The page's tables and lines in reading order; characters over ``pictures`` (read by OCR
    instead) are left out."""
    grids = sorted(_grids(p.hsegs, p.vsegs, p.number), key=lambda g: (g.xs[-1] - g.xs[0]) * (g.ys[-1] - g.ys[0]))
    chars, boxes = _masks(p, grids)
    p = replace(p, chars=chars, boxes=boxes)
    n = len(p.chars)
    free = np.ones(n, dtype=bool)
    if n:
        cx = (p.boxes[:, 0] + p.boxes[:, 2]) / 2
        cy = (p.boxes[:, 1] + p.boxes[:, 3]) / 2
        for x0, y0, x1, y1 in pictures:
            free &= ~((cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= y1))
    items: list[tuple[float, Grid | _Line]] = []
    for g in grids:
        members: dict[int, list[int]] = {}
        if n:
            x0, y0, x1, y1 = g.bbox
            inside = free & (cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= y1)
            idx = np.nonzero(inside)[0]
            free[idx] = False
            cols = np.clip(np.searchsorted(g.xs, cx[idx]) - 1, 0, len(g.xs) - 2)
            rows = np.clip(np.searchsorted(g.ys, cy[idx]) - 1, 0, len(g.ys) - 2)
            for i, r, c in zip(idx, rows, cols, strict=True):
                members.setdefault(int(g.unit_cell[r, c]), []).append(int(i))
        for k, cell in enumerate(g.cells):
            lines = _lines_of(members.get(k, []), p.chars, p.boxes)
            cell.text = join_lines(_text_of(line, p.chars, p.boxes) for line in lines)
        items.append((g.ys[0], g))
    rest = np.nonzero(free)[0]
    for line in _lines_of(rest, p.chars, p.boxes):
        segs = []
        for seg in _segments(line, p.chars, p.boxes, 1.2):
            text = clean_inline(_text_of(seg, p.chars, p.boxes))
            if text:
                segs.append(CellText(text, p.number, _union(p.boxes, seg)))
        if not segs:
            continue
        top = min(s.bbox[1] for s in segs if s.bbox)
        bottom = max(s.bbox[3] for s in segs if s.bbox)
        whole = " ".join(s.text for s in segs)
        in_margin = bottom < 0.1 * p.height or top > 0.88 * p.height
        if in_margin and is_page_number(whole):
            continue  # a page number
        items.append((top, _Line(top, segs)))
    items.sort(key=lambda it: it[0])
    return items


# ---------------------------------------------------------------------------------------------
# OCR of pages without a usable text layer


def _ocr_pages(pdf: Any, path: Path, numbers: list[int], settings: ExtractSettings,
               to_points: bool) -> dict[int, tuple[list[Token], str]]:
    """OCR runs of consecutive pages through the scan path; tokens and text keyed by the first
    page of each run (so they land in reading order). ``to_points`` rescales boxes from pixels
    at the OCR resolution to PDF points (for a PDF that mixes text-layer and OCRed pages)."""
    from govreport.ocr import scan  # lazily: OpenCV and the OCR models are heavy imports
    from govreport.ocr.render import render_pages

    dpi = settings.ocr_dpi
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    factor = 72 / dpi
    out: dict[int, tuple[list[Token], str]] = {}
    for run in runs:
        images = render_pages(pdf, path, dpi, settings.max_pixels, run)  # one page in memory at a time
        tokens, text = scan.tokens_from_page_images(images, settings)
        if to_points:
            tokens = [
                replace(t, bbox=tuple(round(v * factor, 2) for v in t.bbox)) if t.bbox is not None else t  # type: ignore[arg-type]
                for t in tokens
            ]
        out[run[0]] = (tokens, text)
    return out


@dataclass
class _Triage:
    """Which pages are read from the text layer, which are OCRed, and what was said about them."""

    blank: set[int] = field(default_factory=set)
    to_ocr: list[int] = field(default_factory=list)  #: pages OCRed (emptied when OCR is off or missing)
    scanned: bool = False  #: no page has a usable text layer
    notes: list[str] = field(default_factory=list)
    ocred: dict[int, tuple[list[Token], str]] = field(default_factory=dict)
    #: pages whose text layer is invisible (render mode 3) over a page image: checked against OCR
    layers: list[int] = field(default_factory=list)
    #: page -> images on it large enough to hold a table and not under its text: OCRed
    pictures: dict[int, list[BBox]] = field(default_factory=dict)
    #: page -> (top, tokens, text) of each picture read, in points
    pictured: dict[int, list[tuple[float, list[Token], str]]] = field(default_factory=dict)
    issues: list[Any] = field(default_factory=list)  #: :class:`govreport.report.Issue` about the reading


def _visible_over(p: PageLayout, box: BBox) -> int:
    """Visible characters of ``p`` whose centre lies in ``box``."""
    if not len(p.chars):
        return 0
    cx = (p.boxes[:, 0] + p.boxes[:, 2]) / 2
    cy = (p.boxes[:, 1] + p.boxes[:, 3]) / 2
    inside = (cx >= box[0]) & (cx <= box[2]) & (cy >= box[1]) & (cy <= box[3])
    ink = np.array([not c.isspace() for c in p.chars], dtype=bool)
    if len(p.invisible) == len(p.chars):
        ink &= ~p.invisible
    return int((inside & ink).sum())


def _invisible_share(p: PageLayout) -> float:
    ink = np.array([not c.isspace() for c in p.chars], dtype=bool)
    if not ink.any() or len(p.invisible) != len(p.chars):
        return 0.0
    return float(p.invisible[ink].mean())


def _triage(pages: list[PageLayout]) -> _Triage:
    """Pages whose text layer is unusable go to OCR, except blank ones; an invisible layer over a
    page image is to be checked; images large enough to hold a table, with no text over them,
    are to be OCRed (whatever else the page prints)."""
    tri = _Triage()
    for p in pages:
        if p.problem is None:
            if p.image_cover > 0.3 and _invisible_share(p) > 0.5:
                tri.layers.append(p.number)
                continue
            big = [b for b in p.images if b[2] - b[0] >= PICTURE_WIDTH * p.width
                   and b[3] - b[1] >= PICTURE_HEIGHT * p.height and _visible_over(p, b) <= PICTURE_TEXT]
            if big:
                tri.pictures[p.number] = big
            continue
        if p.problem == "no text layer" and p.image_cover < 0.02 and not p.hsegs and not p.vsegs:
            tri.blank.add(p.number)
            tri.notes.append(f"page {p.number}: blank")
            continue
        tri.to_ocr.append(p.number)
    tri.scanned = bool(tri.to_ocr) and len(tri.to_ocr) + len(tri.blank) == len(pages)
    return tri


def _ocr_unreadable(pdf: Any, path: Path, pages: list[PageLayout], tri: _Triage, settings: ExtractSettings,
                    ocr: bool) -> None:
    """OCR the pages triage sent there (or note why not: OCR off, or not installed): first the
    invisible layers are checked (a page whose layer the print contradicts joins them), then the
    pages, then the pictures on text pages."""
    if ocr and (tri.layers or tri.pictures):
        try:
            from govreport.layout import pictures
        except ImportError as exc:
            log.warning("%s: OCR not available (%s); pictures and invisible layers taken as they are", path, exc)
            tri.notes.append("OCR not installed: pictures not read, invisible text layers not checked")
        else:
            pictures.check_layers(pdf, path, pages, tri, settings)
            tri.scanned = bool(tri.to_ocr) and len(tri.to_ocr) + len(tri.blank) == len(pages)
            pictures.read_pictures(pdf, path, pages, tri, settings)
    if tri.to_ocr and not ocr:
        if tri.scanned:
            raise BadInputError(f"{path}: no page has a usable text layer, and OCR is off")
        tri.notes.extend(f"page {n}: {pages[n - 1].problem}; OCR off, page skipped" for n in tri.to_ocr)
        tri.to_ocr = []
    if not tri.to_ocr:
        return
    try:
        tri.ocred = _ocr_pages(pdf, path, tri.to_ocr, settings, to_points=not tri.scanned)
    except ImportError as exc:
        if tri.scanned:
            raise MissingDependencyError(
                f"{path}: no page has a usable text layer, so it needs OCR, which is not available "
                f"({exc}): pip install 'govreport[ocr]'"
            ) from exc
        log.warning("%s: OCR not available (%s); skipping pages %s", path, exc, tri.to_ocr)
        tri.notes.extend(f"page {n}: {pages[n - 1].problem}; OCR not installed, page skipped" for n in tri.to_ocr)
        tri.to_ocr = []
    else:
        tri.notes.extend(f"page {n}: {pages[n - 1].problem}, OCRed" for n in tri.to_ocr
                         if pages[n - 1].problem is not None)


# ---------------------------------------------------------------------------------------------
# the reader


def read_pdf_pages(path: Path, settings: ExtractSettings | None = None) -> list[PageLayout]:
    """The raw per-page characters and rulings (for debugging and the benchmark)."""
    settings = settings or ExtractSettings()
    pdf = open_pdf(Path(path), settings.password)
    try:
        return [_read_page(pdf, i) for i in range(len(pdf))]
    finally:
        pdf.close()


def _pages(pdf: Any, path: Path, settings: ExtractSettings) -> list[PageLayout]:
    """Every page out of PDFium, within the page limit."""
    npages = len(pdf)
    if npages == 0:
        raise BadInputError(f"{path}: the PDF has no pages")
    if npages > settings.max_pages:
        raise TooLargeError(f"{path}: {npages} pages is over the limit of {settings.max_pages} (--max-pages)")
    try:
        return [_read_page(pdf, i) for i in range(npages)]
    except BadInputError:
        raise
    except Exception as exc:  # PDFium failing mid-document: a damaged file
        raise BadInputError(f"{path}: damaged PDF ({exc.__class__.__name__}: {exc})") from exc


def _readings(grid: Grid) -> dict[tuple[int, int], Reading]:
    """Each cell's text as the table's structure sees it (a text layer reads everything clearly)."""
    out = {}
    for c in grid.cells:
        size = len(re.sub(r"\s+", "", c.text))
        out[(c.r0, c.c0)] = Reading(classify(c.text[:MAX_CELL_CHARS]).kind.value if size else "blank", True, size)
    return out


def _value_text(text: str) -> str:
    """A value cell's text; where a box hides part of it (a figure and a box), a mask: what is
    left legible of a covered number is no number."""
    return MASK_GLYPH if MASK_GLYPH in text and classify(text[:MAX_CELL_CHARS]).kind is Kind.TEXT else text


def _label_text(text: str, bbox: BBox, fills: list[BBox]) -> str:
    """A label's or title's text, with a mask glyph where a dark box touches its cell (the words
    under it are gone, or hidden): a label read in part says so."""
    if MASK_GLYPH in text:
        return text
    for fill in fills:
        part = _clip(fill, bbox)
        if part is None or min(part[2] - part[0], part[3] - part[1]) < FILL_RULE:
            continue
        if not text.strip():
            return MASK_GLYPH
        return MASK_GLYPH + text if (part[0] + part[2]) < (bbox[0] + bbox[2]) else text + MASK_GLYPH
    return text


def _table_rows(g: Grid, roles: Roles, page: int, continued: bool = False, fills: list[BBox] | None = None,
                ) -> list[list[CellText]]:
    """A table's rows as cells in their roles: titles and labels as text, values as numbers,
    blanks or masks. On a page that continues a table (``continued``), the empty label cells of
    its first row are left out: their text stands in cells merged across the break, on the page
    before.

    (A text layer's rulings are drawn, not scanned: none is lost under a seal or a box, so a cell
    over several lattice units is printed so, and is not cut on the lattice as on a scan.)"""
    out = []
    for ri, row in enumerate(g.rows):
        cells: list[CellText] = []
        for c in row:
            role = roles.role(ri, c.c0, c.c1)
            bbox: BBox = tuple(round(v, 2) for v in c.bbox)  # type: ignore[assignment]
            if role in ("header", "label"):  # text even where it reads "3" or "■" (an empty one stays a cell)
                text = _label_text(c.text, c.bbox, fills or [])
                if continued and ri == 0 and role == "label" and not text.strip():
                    continue
                cells.append(CellText(text, page, bbox, label=bool(text.strip())))
            elif role in ("value", "wide"):
                cells.append(CellText(_value_text(c.text), page, bbox))
            elif not c.text.strip() and _label_text(c.text, c.bbox, fills or []) == MASK_GLYPH:
                cells.append(CellText(MASK_GLYPH, page, bbox, label=True))  # a box over a cell shown empty: hidden
            else:
                cells.append(CellText(c.text, page, bbox))
        out.append(cells)
    return out


def _stitch(pages: list[PageLayout], tri: _Triage) -> Assembler:
    """Pages in order: text-layer pages as table rows and lines, OCRed pages as their tokens; a table
    continued at the top of the next page continues the row stream, keeping its lattice
    (:func:`~govreport.layout.grid.continues`)."""
    out = Assembler()
    open_: OpenTable | None = None  # the table the previous page ended with
    for p in pages:
        if p.number in tri.blank:
            continue
        if p.number in tri.to_ocr:
            if p.number in tri.ocred:
                out.extend(*tri.ocred[p.number])
            open_ = None
            continue
        items = _page_items(p, tri.pictures.get(p.number, []))
        items.extend((top, _Ocred(toks, text)) for top, toks, text in tri.pictured.get(p.number, []))
        items.sort(key=lambda it: it[0])
        last: OpenTable | None = None
        for k, (_, item) in enumerate(items):
            if isinstance(item, _Ocred):
                out.extend(item.tokens, item.text)
                last = None
                continue
            if isinstance(item, Grid):
                g = item
                carried = None
                going_on = k == 0 and open_ is not None and continues(open_.last, g, 4 * LINE_TOL)
                if going_on and open_ is not None:
                    drop = repeated_header(open_.first, g)
                    if drop:
                        g.rows = g.rows[drop:]
                        tri.notes.append(f"page {p.number}: repeated table header "
                                         f"({drop} row{'s' if drop > 1 else ''}) dropped")
                    carried = carried_label_end(open_.first, open_.roles, g, 2 * LINE_TOL)
                roles = table_roles(g, _readings(g), carried)
                for row in _table_rows(g, roles, p.number, continued=going_on, fills=p.fills):
                    out.add_row(row)
                began = open_ if going_on and open_ is not None else OpenTable(g, roles, g)
                last = OpenTable(began.first, began.roles, g)
            else:
                out.add_line(item.segments)
                last = None
        open_ = last
    return out


def read_pdf(source: Source | Path, settings: ExtractSettings, *, ocr: bool = True) -> LayoutResult:
    """Layout of a PDF: text layer where it is sound, OCR for the pages where it is not.

    ``ocr=False`` skips those pages instead (with a note), as when OCR is not installed.
    """
    source = as_source(source, settings)
    path = source.path
    pdf = open_pdf(path, settings.password)
    try:
        pages = _pages(pdf, path, settings)
        tri = _triage(pages)
        _ocr_unreadable(pdf, path, pages, tri, settings, ocr)
    finally:
        pdf.close()
    out = _stitch(pages, tri)
    if not out.tokens:
        raise BadInputError(f"{path}: no text found in the PDF")
    kind = "scanned_pdf" if tri.scanned else ("mixed_pdf" if tri.to_ocr or tri.pictured else "text_pdf")
    dpi = settings.ocr_dpi if tri.scanned else None
    for note in tri.notes:
        log.info("%s: %s", path.name, note)
    result = out.result(kind, pages=len(pages), dpi=dpi, notes=tri.notes)
    result.issues.extend(tri.issues)
    return result
