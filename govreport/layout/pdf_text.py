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
from govreport.layout.grid import Grid, build_grid, chains, cluster, continues, trim_continuation
from govreport.layout.tokens import CellText, LayoutResult, Token
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

_PAGE_NO_RE = re.compile(
    r"^(?:[-—–－~·\s]*\d{1,4}[-—–－~·\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|"
    r"\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.I,
)


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


def _is_white(pr: Any, obj: Any, getter: Any) -> bool:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not getter(obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)):
        return False
    return a.value == 0 or (r.value > 235 and g.value > 235 and b.value > 235)


def _collect_objects(page: Any, disp: np.ndarray) -> tuple[list[tuple[float, float, float, float]], float]:
    """Axis-aligned visible path edges (display coords: x0, y0, x1, y1) and image area."""
    import pypdfium2.raw as pr

    edges: list[tuple[float, float, float, float]] = []
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
                    a, b, c, d, _, _ = parent
                    image_area += abs((r_.value - l_.value) * (t_.value - b_.value) * (a * d - b * c))
            elif kind == pr.FPDF_PAGEOBJ_PATH:
                if not pr.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)):
                    continue
                visible = (stroke.value and not _is_white(pr, obj, pr.FPDFPageObj_GetStrokeColor)) or (
                    fill.value and not _is_white(pr, obj, pr.FPDFPageObj_GetFillColor)
                )
                if not visible:
                    continue
                pr.FPDFPageObj_GetMatrix(obj, fm)
                a, b, c, d, e, f = _mat_mul(parent, (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f))
                n = pr.FPDFPath_CountSegments(obj)
                if n > 2000 or len(edges) > MAX_PAGE_EDGES:  # a drawing, not rulings
                    continue
                start: tuple[float, float] | None = None
                prev: tuple[float, float] | None = None
                for s in range(n):
                    seg = pr.FPDFPath_GetPathSegment(obj, s)
                    pr.FPDFPathSegment_GetPoint(seg, ctypes.byref(fx), ctypes.byref(fy))
                    x, y = fx.value, fy.value
                    pt = (a * x + c * y + e, b * x + d * y + f)
                    typ = pr.FPDFPathSegment_GetType(seg)
                    if typ == pr.FPDF_SEGMENT_MOVETO:
                        start = prev = pt
                        continue
                    if typ == pr.FPDF_SEGMENT_LINETO and prev is not None:
                        edges.append((*prev, *pt))
                    prev = pt
                    if pr.FPDFPathSegment_GetClose(seg) and start is not None:
                        edges.append((*pt, *start))
                        prev = start

    walk(pr.FPDFPage_CountObjects(page), lambda i: pr.FPDFPage_GetObject(page, i), to_disp, 0)
    return edges, image_area


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
        edges, image_area = _collect_objects(page.raw, disp)
    finally:
        page.close()
    dw, dh = (height, width) if abs(disp[0, 1]) > abs(disp[0, 0]) else (width, height)
    hs, vs = _split_edges(edges)
    layout = PageLayout(index + 1, dw, dh, chars, boxes, hs, vs, image_area / max(1.0, dw * dh), unmapped)
    layout.problem = text_layer_problem("".join(chars), unmapped)
    if layout.problem is None and layout.image_cover > 0.5:
        visible = sum(1 for c in chars if not c.isspace())
        if visible < 40:  # a scan with a stray line of text (a stamp, a page number)
            layout.problem = f"image page with only {visible} characters of text"
    return layout


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


def _lines_of(idx: Sequence[int], chars: list[str], boxes: np.ndarray) -> list[list[int]]:
    """Character indices grouped into visual lines, top to bottom, each left to right."""
    if not len(idx):
        return []
    cy = (boxes[idx, 1] + boxes[idx, 3]) / 2
    h = np.maximum(boxes[idx, 3] - boxes[idx, 1], 1.0)
    order = np.argsort(cy, kind="stable")
    lines: list[list[int]] = []
    line_cy = 0.0
    line_h = 0.0
    for k in order:
        if lines and abs(cy[k] - line_cy) <= 0.5 * min(line_h, h[k]):
            lines[-1].append(int(idx[k]))
            n = len(lines[-1])
            line_cy += (cy[k] - line_cy) / n
        else:
            lines.append([int(idx[k])])
            line_cy, line_h = float(cy[k]), float(h[k])
    for line in lines:
        line.sort(key=lambda i: boxes[i, 0])
    return lines


def _segments(line: list[int], chars: list[str], boxes: np.ndarray, split_gap: float) -> list[list[int]]:
    """A line cut where the space between two printed characters (blank glyphs included)
    exceeds ``split_gap`` times their height."""
    segs: list[list[int]] = [[]]
    last = -1
    for b in line:
        if chars[b].isspace():
            segs[-1].append(b)
            continue
        if last >= 0:
            gap = boxes[b, 0] - boxes[last, 2]
            h = max(1.0, min(boxes[last, 3] - boxes[last, 1], boxes[b, 3] - boxes[b, 1]))
            if gap > split_gap * h:
                segs.append([])
        segs[-1].append(b)
        last = b
    return [seg for seg in segs if any(not chars[i].isspace() for i in seg)]


def _text_of(seg: list[int], chars: list[str], boxes: np.ndarray) -> str:
    """Characters in order; a space where printed characters stand apart (blank glyphs and
    PDFium's own spaces count as apart), so ``12  34`` stays two figures."""
    out = []
    prev = -1
    spaced = False
    for i in seg:
        if chars[i].isspace():
            spaced = True
            continue
        if prev >= 0:
            gap = boxes[i, 0] - boxes[prev, 2]
            if spaced or gap > 0.35 * max(1.0, boxes[i, 3] - boxes[i, 1]):
                out.append(" ")
        out.append(chars[i])
        prev = i
        spaced = False
    return "".join(out)


def _union(boxes: np.ndarray, idx: Sequence[int]) -> BBox:
    b = boxes[list(idx)]
    return (
        round(float(b[:, 0].min()), 2),
        round(float(b[:, 1].min()), 2),
        round(float(b[:, 2].max()), 2),
        round(float(b[:, 3].max()), 2),
    )


# ---------------------------------------------------------------------------------------------
# one page -> items in reading order


@dataclass
class _Line:
    top: float
    segments: list[CellText]


def _page_items(p: PageLayout) -> list[tuple[float, Grid | _Line]]:
    grids = sorted(_grids(p.hsegs, p.vsegs, p.number), key=lambda g: (g.xs[-1] - g.xs[0]) * (g.ys[-1] - g.ys[0]))
    n = len(p.chars)
    free = np.ones(n, dtype=bool)
    if n:
        cx = (p.boxes[:, 0] + p.boxes[:, 2]) / 2
        cy = (p.boxes[:, 1] + p.boxes[:, 3]) / 2
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
        if in_margin and _PAGE_NO_RE.match(unicodedata.normalize("NFKC", whole).strip()):
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


def _triage(pages: list[PageLayout]) -> _Triage:
    """Pages whose text layer is unusable go to OCR, except blank ones."""
    tri = _Triage()
    for p in pages:
        if p.problem is None:
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
    """OCR the pages triage sent there (or note why not: OCR off, or not installed)."""
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
        tri.notes.extend(f"page {n}: {pages[n - 1].problem}, OCRed" for n in tri.to_ocr)


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


def _stitch(pages: list[PageLayout], tri: _Triage) -> Assembler:
    """Pages in order: text-layer pages as table rows and lines, OCRed pages as their tokens; a table
    continued at the top of the next page continues the row stream (:func:`trim_continuation`)."""
    out = Assembler()
    prev_grid: Grid | None = None  # the table the previous page ended with
    first_grid: Grid | None = None  # where that table began
    for p in pages:
        if p.number in tri.blank:
            continue
        if p.number in tri.to_ocr:
            if p.number in tri.ocred:
                out.extend(*tri.ocred[p.number])
            prev_grid = first_grid = None
            continue
        items = _page_items(p)
        for k, (_, item) in enumerate(items):
            if isinstance(item, Grid):
                if k == 0 and prev_grid is not None and first_grid is not None and continues(prev_grid, item,
                                                                                             4 * LINE_TOL):
                    tri.notes.extend(trim_continuation(prev_grid, first_grid, item))
                else:
                    first_grid = item
                for row in item.rows:
                    out.add_row([CellText(c.text, p.number, tuple(round(v, 2) for v in c.bbox)) for c in row])  # type: ignore[misc]
            else:
                out.add_line(item.segments)
        last = items[-1][1] if items else None
        if isinstance(last, Grid):
            prev_grid = last
            first_grid = first_grid or last
        else:
            prev_grid = first_grid = None
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
    kind = "scanned_pdf" if tri.scanned else ("mixed_pdf" if tri.to_ocr else "text_pdf")
    dpi = settings.ocr_dpi if tri.scanned else None
    for note in tri.notes:
        log.info("%s: %s", path.name, note)
    return out.result(kind, pages=len(pages), dpi=dpi, notes=tri.notes)
