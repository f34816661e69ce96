"""Views of a scanned table cell, and the one reader that reads them.

A view is a small named function ``(cell, page) -> crops | None``: how to cut one cell out of the
prepared page for the recogniser (the plain cell, its print without what touches its edges,
without a seal's residue, lighter ink or ring, on the row's line of print, the label left beside a
black box), or ``None`` where it does not apply to that cell. A view may offer
several candidate crops (the band views); the best of them is the view's reading.

:data:`VIEWS` is the single list of views, in the order their readings are weighed. A view runs
at a *stage*: ``first`` (every cell), ``doubt`` (before the table's roles are known: they are
decided from these readings) and ``seal`` (once the roles are known). :func:`read_views` asks
every view of a stage for every cell, sends all the crops to the recogniser in one call (the
engine packs them by width), and chooses per cell by one rule, :func:`judge`: where views agree
nothing changes; a reading replaces the current one only if it has the form the view can vouch
for (a number) and is better in form or in the recogniser's confidence; what a view could only
read by taking ink away is capped in confidence, so that where the table's arithmetic fails it
is the first set aside (the arithmetic has the last word, in :mod:`govreport.tables.build`).
Every view's reading is kept as the cell's evidence (:attr:`CellRead.evidence`); numbers the
views read otherwise go to the reading issue's alternatives.

To add a view: write ``def my_view(cr: CellRead, pg: Prepared) -> list[Crop] | None`` and add one
``View("my_view", "seal", my_view, Trust(...))`` line to :data:`VIEWS`.

Coordinates are pixels of the corrected (upright, deskewed) page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from govreport.layout.assemble import join_lines
from govreport.layout.grid import Roles
from govreport.ocr.band import BAND_SLACK, band_views, column_anchors, row_band, through_ring, view_crop
from govreport.ocr.cells import (
    CELL_INSET,
    MASK,
    PART_READ_CONF,
    REREAD_BELOW,
    SEAL_READ_CONF,
    TOUCHED_CONF,
    UNDER_SEAL_BLANK,
    CellRead,
    ViewReading,
    cell_window,
    despeckle,
    inner_print,
    label_like,
    line_crop,
    under_red,
)
from govreport.ocr.engines import OcrEngine
from govreport.ocr.numbers import GAPPED_CONF, encircled, looks_numeric, read_numeric
from govreport.ocr.overlays import SEAL_OVERLAP, light_ink, ring_ink
from govreport.ocr.page import ScanPage
from govreport.ocr.preprocess import split_lines
from govreport.ocr.seals import is_redacted, redaction_box

Box = tuple[int, int, int, int]


@dataclass(slots=True)
class Crop:
    """What a view gives the recogniser for one cell: its text lines (read and joined in order),
    or, with ``kind`` blank or mask, a reading that needs no recogniser."""

    lines: list[np.ndarray] = field(default_factory=list)
    boxes: list[Box] | None = None  #: the lines' boxes (page px), None: the cell's lines stay as they are
    kind: str = "ink"  #: ink | blank | mask
    text: str = ""
    conf: float | None = None
    cap: float | None = None  #: the most confidence this crop's reading may have
    glyph_x: float | None = None  #: a black box's centre: the mask glyph goes on that side of the text


@dataclass(slots=True)
class Prepared:
    """A page prepared for reading one table's cells: the gray page with rules lifted, its ink,
    what may be a seal (red residue, seal area), the table's readings so far and, once known, the
    cells' roles. What views derive from the readings (masks, line heights) is kept in ``memo`` for
    one call to the recogniser; what they derive from the page alone (a seal's ring), in ``lasting``."""

    clean: np.ndarray
    ink: np.ndarray
    sp: ScanPage
    residue: np.ndarray | None = None
    sealed: np.ndarray | None = None
    reads: list[list[CellRead]] = field(default_factory=list)
    roles: Roles | None = None
    memo: dict[str, Any] = field(default_factory=dict)
    lasting: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, make: Callable[[], Any], page: bool = False) -> Any:
        """``make()``, made once per call to the recogniser (``page``: once per page)."""
        memo = self.lasting if page else self.memo
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def row_of(self, cr: CellRead) -> int:
        rows = self.once("rows", lambda: {id(c): ri for ri, row in enumerate(self.reads) for c in row})
        return int(rows.get(id(cr), -1))

    def lifted(self, key: str, drop: np.ndarray, page: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The page with the ink in ``drop`` taken out: (gray, ink)."""
        def make() -> tuple[np.ndarray, np.ndarray]:
            gray, ink = self.clean.copy(), self.ink.copy()
            gray[drop], ink[drop] = 255, 0
            return gray, ink
        return self.once("lifted:" + key, make, page)


#: a view: (cell, prepared page) -> its candidate crops, or None where it does not apply
ViewFn = Callable[[CellRead, Prepared], "list[Crop] | None"]


# --------------------------------------------------------------------------------------------
# the one rule


def _number(r: ViewReading) -> bool:
    return r.kind == "ink" and bool(r.text) and read_numeric(r.text).kind == "number"


def _numeric(r: ViewReading) -> bool:
    """A number, a dash or a mask: no text (a label's words, a seal's)."""
    return r.kind == "ink" and bool(r.text) and looks_numeric(r.text)


def _clear(r: ViewReading) -> bool:
    return r.kind == "ink" and bool(r.text) and (r.conf or 0.0) >= REREAD_BELOW


@dataclass(frozen=True, slots=True)
class Trust:
    """What a view's reading must be to replace the current one (:func:`judge`)."""

    needs: Callable[[ViewReading], bool] | None = None  #: the form the view can vouch for (a number)
    form: Callable[[ViewReading], bool] | None = None  #: a reading of this form beats one that is not
    margin: float = 0.0  #: otherwise: more confident by this much
    agreeing: bool = False  #: the same text stands as it is (a second reading adds no confidence)
    blank_wins: bool = False  #: empty beats a reading of no number (the overlay was all there was)
    doubts_clear: bool = False  #: a clear reading the view contradicts is doubted (capped)
    cap: float | None = None  #: the most confidence a reading taken from the view keeps
    new_form_cap: float | None = None  #: ... and where it gave the form the current reading lacked
    when: Callable[[ViewReading, CellRead], bool] | None = None  #: only where the current reading is so


def judge(cur: ViewReading, new: ViewReading, trust: Trust, cr: CellRead) -> str:
    """The one rule: ``"take"`` the new reading, ``"doubt"`` the current one, or ``"keep"`` it.

    Agreement first (the same reading changes nothing where the view says so); then the form the
    view vouches for; a clear reading is not overturned by a view that takes ink away, only
    doubted; then form (a number beats no number, empty beats text where the view says so) and
    the recogniser's confidence."""
    if trust.when is not None and not trust.when(cur, cr):
        return "keep"
    if new.kind == cur.kind and new.text == cur.text and trust.agreeing:
        return "keep"
    if trust.needs is not None and not trust.needs(new):
        return "keep"
    if trust.doubts_clear and _clear(cur):
        return "doubt"
    if trust.form is not None:
        nf, cf = trust.form(new), trust.form(cur)
        if nf != cf:
            return "take" if nf else "keep"
        if trust.blank_wins and new.kind == "blank" and not cf:
            return "take"
    return "take" if (new.conf or 0.0) > (cur.conf or 0.0) + trust.margin else "keep"


def _apply(cr: CellRead, new: ViewReading, trust: Trust, verdict: str) -> None:
    if verdict == "doubt":
        cr.conf = min(cr.conf or 0.0, SEAL_READ_CONF)
        return
    if verdict != "take":
        return
    cap = trust.cap
    if trust.new_form_cap is not None and trust.form is not None and trust.form(new) \
            and not trust.form(cr.reading()):
        cap = trust.new_form_cap
    cr.kind, cr.text = new.kind, new.text
    cr.conf = new.conf if cap is None else min(new.conf if new.conf is not None else 0.0, cap)
    if new.lines is not None:
        cr.lines = list(new.lines)


# --------------------------------------------------------------------------------------------
# views


def cell_lines(cr: CellRead, clean: np.ndarray, ink: np.ndarray, sp: ScanPage) -> Crop:
    """The cell cut out (less the rules' remnants) and split into its text lines; an empty cell and
    a black box need no recogniser."""
    x0, y0, x1, y1 = (int(round(v)) for v in cr.cell_bbox)
    win = cell_window(cr)
    sub_gray, sub_ink = clean[win], ink[win]
    if sub_gray.size == 0:
        return Crop(kind="blank", conf=1.0, boxes=[])
    if is_redacted(sub_gray):
        return Crop(kind="mask", text=MASK, conf=1.0, boxes=[])
    lines = split_lines(despeckle(sub_ink))
    if not lines:  # no print; under a seal that is less certain (print may have gone with the seal)
        return Crop(kind="blank", conf=UNDER_SEAL_BLANK if under_red(sp, x0, y0, x1, y1) else 1.0, boxes=[])
    crop = Crop(boxes=[])
    for lx0, ly0, lx1, ly1 in lines:
        gy0, gy1 = y0 + CELL_INSET + ly0, y0 + CELL_INSET + ly1
        gx0, gx1 = x0 + CELL_INSET + lx0, x0 + CELL_INSET + lx1
        crop.lines.append(line_crop(clean, gx0, gy0, gx1, gy1))
        assert crop.boxes is not None
        crop.boxes.append((gx0, gy0, gx1, gy1))
    return crop


def plain(cr: CellRead, pg: Prepared) -> list[Crop] | None:
    """The cell as printed."""
    return [cell_lines(cr, pg.clean, pg.ink, pg.sp)]


def _inner(cr: CellRead, clean: np.ndarray, ink: np.ndarray) -> Crop | None:
    if cr.c1 - cr.c0 != 1:
        return None
    win = cell_window(cr)
    got = inner_print(clean[win], ink[win])
    if got is None:
        return None
    crop, touched = got
    return Crop([crop], cap=TOUCHED_CONF if touched else None)


def inner(cr: CellRead, pg: Prepared) -> list[Crop] | None:
    """A doubtful value cell without the ink that touches its edges (a seal's ring or star in a
    gray scan, a rule's fringe, a smudge): printed numbers sit inside their cell."""
    if cr.kind != "ink" or _clear(cr.reading()) or label_like(cr.text):
        return None
    got = _inner(cr, pg.clean, pg.ink)
    return [got] if got is not None else None


def beside_box(cr: CellRead, pg: Prepared) -> list[Crop] | None:
    """A label or column title a black box covers in part: what is left legible, with a mask glyph
    on the box's side (``4.■``, ``■保护第三方合法权益``). (A value cell under a box stays masked.)"""
    if cr.kind != "mask" or pg.roles is None or pg.roles.role(pg.row_of(cr), cr.c0, cr.c1) not in ("header", "label"):
        return None
    boxes = pg.once("boxes", lambda: _black_boxes(pg))
    if id(cr) not in boxes:
        return None
    gray, ink = pg.once("lifted:boxes", lambda: _lift_boxes(pg, boxes))
    crop = cell_lines(cr, gray, ink, pg.sp)
    crop.glyph_x = boxes[id(cr)][0]
    return [crop]


def _black_boxes(pg: Prepared) -> dict[int, tuple[float, Box]]:
    out = {}
    for row in pg.reads:
        for cr in row:
            if cr.kind != "mask":
                continue
            win = cell_window(cr)
            box = redaction_box(pg.clean[win])
            if box is None:
                continue
            y0, x0 = win[0].start, win[1].start
            b = (x0 + box[0] - 2, y0 + box[1] - 2, x0 + box[2] + 2, y0 + box[3] + 2)
            out[id(cr)] = ((b[0] + b[2]) / 2, b)
    return out


def _lift_boxes(pg: Prepared, boxes: dict[int, tuple[float, Box]]) -> tuple[np.ndarray, np.ndarray]:
    gray, ink = pg.clean.copy(), pg.ink.copy()
    for _, (bx0, by0, bx1, by1) in boxes.values():
        gray[by0:by1, bx0:bx1] = 255
        ink[by0:by1, bx0:bx1] = 0
    return gray, ink


def _without(key: str, drop: Callable[[Prepared], np.ndarray | None], page: bool = True) -> ViewFn:
    """A view of a cell with the ink in ``drop`` taken out: the cell read again, and its inner
    print (:func:`inner`) as a second candidate. ``page``: ``drop`` depends on the page alone,
    not on the readings."""
    def view(cr: CellRead, pg: Prepared) -> list[Crop] | None:
        mask = pg.once("drop:" + key, lambda: drop(pg), page)
        if mask is None or cr.kind != "ink" or int(mask[cell_window(cr)].sum()) < 6:
            return None
        gray, ink = pg.lifted(key, mask, page)
        crops = [cell_lines(cr, gray, ink, pg.sp)]
        second = _inner(cr, gray, ink)
        return crops + [second] if second is not None else crops
    view.__name__ = f"without_{key}"
    view.__doc__ = f"The cell read again without its {key} ink (what may be a seal over it)."
    return view


def _ring(pg: Prepared) -> np.ndarray | None:
    return pg.once("ring", lambda: ring_ink(pg.sp, pg.ink) if pg.sp.seals else None, page=True)


def _ring_drop(pg: Prepared) -> np.ndarray | None:
    ring = _ring(pg)
    return ring & ~through_ring(pg.clean, ring) if ring is not None else None


without_residue = _without("residue", lambda pg: pg.residue)
without_light = _without("light", lambda pg: light_ink(pg.reads, pg.clean, pg.ink), page=False)
without_ring = _without("ring", _ring_drop)  # print that shows through the ring (darker) is kept


def under_seal(cr: CellRead, pg: Prepared) -> bool:
    """A seal lies over the cell: a stroke of the seal may have been read as print."""
    return pg.sealed is not None and cr.kind == "ink" and bool(pg.sealed[cell_window(cr)].mean() >= SEAL_OVERLAP)


def on_band(cr: CellRead, pg: Prepared) -> list[Crop] | None:
    """A value cell under a seal, not read as a number, with only the ink on its row's line of print
    (:mod:`govreport.ocr.band`): as it is, without the ring, with the print through the ring;
    the pieces within the line, and the run where the column's numbers sit."""
    if pg.sealed is None or pg.roles is None or cr.c1 - cr.c0 != 1 or not under_seal(cr, pg):
        return None
    if cr.text and read_numeric(cr.text).kind == "number":
        return None
    ri = pg.row_of(cr)
    if ri not in pg.roles.values:
        return None
    band = pg.once(f"band:{ri}", lambda: row_band(pg.reads[ri]))
    if band is None:
        return None
    anchors = pg.once("anchors", lambda: column_anchors(pg.reads, pg.roles.values if pg.roles else frozenset()))
    ring = _ring(pg)
    ring = ring if ring is not None else pg.once("no_ring", lambda: np.zeros(pg.ink.shape, bool), page=True)
    dark = pg.once("through", lambda: through_ring(pg.clean, ring), page=True)
    b0, b1 = band
    slack = max(2.0, BAND_SLACK * (b1 - b0))
    win = cell_window(cr)
    sub = pg.ink[win]
    y0, x0 = win[0].start, win[1].start
    ys = np.arange(win[0].start, win[0].stop)[:, None]
    off = np.broadcast_to((ys < b0 - slack) | (ys > b1 + slack), sub.shape)
    crops = []
    for kept in band_views(sub, ring[win], dark[win], off, anchors.get(cr.c0), x0):
        crop, box = view_crop(pg.clean[win], sub, kept)
        crops.append(Crop([crop], boxes=[(x0 + box[0], y0 + box[1], x0 + box[2], y0 + box[3])]))
    return crops or None


@dataclass(frozen=True, slots=True)
class View:
    name: str
    stage: str  #: first | doubt | seal
    crops: ViewFn
    trust: Trust
    #: how the view's own candidates are weighed against each other (the first stands otherwise);
    #: where it has a ``when``, the further candidates are read only where the first leaves it open
    among: Trust | None = None
    #: the view is cut from the readings the views before it in its stage left (what it takes away
    #: is measured on them: lighter ink than the print, the row's line of print), so it is read in
    #: a call of its own after theirs; otherwise it shares their call
    after: bool = False


def _lifts_ink(r: ViewReading, cr: CellRead) -> bool:
    return r.kind == "ink" and cr.c1 - cr.c0 == 1 and not _clear(r) and not label_like(r.text)


_ALWAYS = Trust(margin=-1.0)
_INNER = Trust(needs=_numeric, margin=0.05, when=_lifts_ink)
_WITHOUT = Trust(form=_numeric, agreeing=True, blank_wins=True, doubts_clear=True, cap=SEAL_READ_CONF,
                 new_form_cap=PART_READ_CONF)
_BAND = Trust(needs=_number, form=_number)


def _no_number(r: ViewReading, cr: CellRead) -> bool:
    return r.kind == "ink" and not _number(r)

#: every view of a scanned cell, in the order their readings are weighed: the single place where
#: a view is added
VIEWS: list[View] = [
    View("plain", "first", plain, _ALWAYS),
    View("inner", "doubt", inner, _INNER),
    View("beside_box", "seal", beside_box, Trust(needs=lambda r: r.kind == "ink" and bool(r.text.strip()),
                                                  margin=-1.0)),
    View("without_residue", "seal", without_residue, _WITHOUT, among=_INNER),
    View("without_light", "seal", without_light, _WITHOUT, among=_INNER, after=True),
    View("without_ring", "seal", without_ring, _WITHOUT, among=_INNER, after=True),
    View("on_band", "seal", on_band, Trust(needs=_number, form=_number, cap=PART_READ_CONF, when=_no_number),
         among=_BAND, after=True),
]


# --------------------------------------------------------------------------------------------
# the reader


def read_views(cells: list[CellRead], pg: Prepared, stage: str, engine: OcrEngine,
               views: list[View] | None = None) -> None:
    """Read ``cells`` in every view of ``stage`` (of ``views``, default :data:`VIEWS`) and weigh
    each view's reading by :func:`judge`, in the list's order. The views of a stage share one call
    to the recogniser, but for a view marked ``after``, which is cut from what the views before it
    left and so starts a call of its own. Every view's reading is kept in the cell's evidence."""
    group: list[View] = []
    for view in views if views is not None else VIEWS:
        if view.stage != stage:
            continue
        if view.after and group:
            _read_group(cells, pg, group, engine)
            group = []
        group.append(view)
    if group:
        _read_group(cells, pg, group, engine)
    if stage == "seal":
        for row in pg.reads:
            for cr in row:
                cr.under_seal = under_seal(cr, pg)


def _read_group(cells: list[CellRead], pg: Prepared, group: list[View], engine: OcrEngine) -> None:
    """Views read in one call: each view's crops cut, recognised together, then judged in order.
    A view's further candidates whose ``among`` rule would not look at them (its first reading is
    clear) are not recognised."""
    pg.memo.clear()
    jobs: list[tuple[CellRead, View, list[Crop]]] = []
    for view in group:
        for cr in cells:
            got = view.crops(cr, pg)
            if got:
                jobs.append((cr, view, got))
    lazy = [view.among is not None and view.among.when is not None and len(crops) > 1 for _, view, crops in jobs]
    firsts = _recognize([crops if not lz else crops[:1] for (_, _, crops), lz in zip(jobs, lazy, strict=True)],
                        [view.name for _, view, _ in jobs], engine)
    open_ = [i for i, ((cr, view, _), lz) in enumerate(zip(jobs, lazy, strict=True))
             if lz and view.among is not None and view.among.when is not None and view.among.when(firsts[i][0], cr)]
    more = _recognize([jobs[i][2][1:] for i in open_], [jobs[i][1].name for i in open_], engine)
    for i, got in zip(open_, more, strict=True):
        firsts[i] = firsts[i] + got
    for (cr, view, _), got in zip(jobs, firsts, strict=True):
        best = got[0]
        if view.among is not None:
            for cand in got[1:]:
                if judge(best, cand, view.among, cr) == "take":
                    lines = cand.lines if cand.lines is not None else best.lines
                    best = _capped(ViewReading(cand.kind, cand.text, cand.conf, lines, cand.view), view.among)
        cr.evidence.append(best)
        _apply(cr, best, view.trust, judge(cr.reading(), best, view.trust, cr))


def _recognize(jobs: list[list[Crop]], names: list[str], engine: OcrEngine) -> list[list[ViewReading]]:
    """Each job's crops read, all in one call to the recogniser."""
    images = [im for crops in jobs for c in crops for im in c.lines]
    results = iter(engine.recognize(images) if images else [])
    return [[_reading(c, results, name) for c in crops] for crops, name in zip(jobs, names, strict=True)]


def _capped(r: ViewReading, trust: Trust) -> ViewReading:
    if trust.cap is None or r.conf is None:
        return r
    return ViewReading(r.kind, r.text, min(r.conf, trust.cap), r.lines, r.view)


def _reading(crop: Crop, results: Any, view: str) -> ViewReading:
    if crop.kind != "ink":
        return ViewReading(crop.kind, crop.text, crop.conf, crop.boxes, view)
    got = [next(results) for _ in crop.lines]
    text = join_lines([t for t, _ in got])
    conf = round(min(s for _, s in got), 4) if got else None
    if crop.cap is not None and conf is not None:
        conf = round(min(conf, crop.cap), 4)
    if conf is not None and encircled(text):  # a circle drawn round the print, read with it
        conf = min(conf, GAPPED_CONF)
    if crop.glyph_x is not None and text.strip() and crop.boxes:
        text_x = (min(b[0] for b in crop.boxes) + max(b[2] for b in crop.boxes)) / 2
        text = MASK + text if crop.glyph_x < text_x else text + MASK
    return ViewReading("ink", text, conf, crop.boxes, view)
