"""Adversarial edits of a laid-out report: black boxes and seals where they hurt table structure,
and tables split across pages anywhere.

The edits are planned once on the page layout (PDF points) and then made the way the world makes
them: on page images a box is drawn over the rendered page and a seal pressed onto it like ink
(:func:`draw_on_image`); in a born-digital PDF a redaction box is a black vector fill drawn over
the text layer, with the text under it either removed (a real redaction tool) or left in place
(a box drawn over the text), see :func:`govreport.synth.render_pdf.render_pdf`.

Attacks (``ATTACKS``):

- ``box_rule``: a black box over a value cell's number that runs on across the rule into the row
  above or below (sometimes covering that row's number too), sometimes over two columns;
- ``box_header``: a black box over a column header, running on down to the first value row;
- ``box_label``: a black box over part of a row label (its ordinal, its words, or all of it);
- ``box_appeals_header``: a black box over the appeals table's 行政复议 / 行政诉讼 headers;
- ``seal_label``, ``seal_header``: the agency's seal pressed over a row label or a column header;
- ``split``: every table of the report that can break breaks across a page, at a row drawn
  anywhere in it (so over many documents, in every section).

A value cell's number is either wholly under a box (its truth becomes ``masked``) or clear of it
by at least :data:`CLEAR` points above and below and :data:`CLEAR_SIDE` of its size beside it: a
box is trimmed back rather than cut through or butted against a printed number, so the truth
never depends on how much of a number a reader could still make out.

>>> from govreport.synth.truth import random_truth
>>> from govreport.synth.printed import printed_document
>>> from govreport.synth.render_pdf import layout_document
>>> import random
>>> doc = printed_document(random_truth("gov2021", seed=3))
>>> pages = layout_document(doc)
>>> status = dict.fromkeys(doc.cell_text, "read")
>>> marks = plan_attacks(pages, doc, ["box_rule"], random.Random(1), status)
>>> [m.kind for m in marks], sum(s == "masked" for s in status.values()) >= 1
(['box'], True)
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from govreport.synth.fonts import text_width
from govreport.synth.printed import PrintedDocument
from govreport.synth.render_pdf import PageLayout, PrintedBox, Text
from govreport.types import BBox, CellRef

ATTACKS = ("box_rule", "box_header", "box_label", "box_appeals_header", "seal_label", "seal_header", "split")
CLEAR = 1.5  #: points a box keeps clear of a printed number it does not cover, above and below it
CLEAR_SIDE = 0.45  #: ... and beside it, as a share of the font size (a box right beside a number may hide digits)
SEAL_DIAMETER = 120.0  #: points (42 mm)


@dataclass
class Mark:
    """One thing laid over a page: a black box or a seal (points, top-left origin)."""

    kind: str  #: box | seal
    page: int  #: 0-based page index
    bbox: BBox
    attack: str = ""
    angle: float = 0.0  #: a seal's rotation
    covers: list[CellRef] = field(default_factory=list)  #: value cells it hides


def ink_box(line: Text) -> BBox:
    """Where a printed line's ink is (points): digits reach ~0.75 of the size above the baseline,
    CJK characters ~0.88 and a little below it."""
    w = text_width(line.text, line.size)
    return (line.x, line.baseline - 0.9 * line.size, line.x + w, line.baseline + 0.14 * line.size)


def char_boxes(line: Text) -> list[BBox]:
    """Each character's advance box on a printed line (points)."""
    out, x = [], line.x
    for ch in line.text:
        w = text_width(ch, line.size)
        out.append((x, line.baseline - 0.9 * line.size, x + w, line.baseline + 0.14 * line.size))
        x += w
    return out


def _overlap(a: BBox, b: BBox) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(inner: BBox, outer: BBox) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def value_inks(page: PageLayout) -> list[tuple[CellRef, BBox]]:
    return [(b.key, ink_box(b.lines[0])) for b in page.printed if b.key is not None and b.lines]


def settle(rect: BBox, page: PageLayout) -> tuple[BBox, list[CellRef]]:
    """``rect`` trimmed back so that every printed number is wholly under it or :data:`CLEAR` off
    it; returns the rectangle and the value cells it hides."""
    x0, y0, x1, y1 = rect
    for _ in range(8):
        changed = False
        for _, ink in value_inks(page):
            r = (x0, y0, x1, y1)
            beside = CLEAR_SIDE * (ink[3] - ink[1]) / 1.04
            near = (ink[0] - beside, ink[1], ink[2] + beside, ink[3])  # a box close beside a number hides it
            if not _overlap(r, near) or _inside(ink, r):
                continue
            # trim the side that cuts into the number least
            cuts = {"left": ink[2] - x0, "right": x1 - ink[0], "top": ink[3] - y0, "bottom": y1 - ink[1]}
            side = min(cuts, key=lambda s: cuts[s])
            beside = CLEAR_SIDE * (ink[3] - ink[1]) / 1.04  # the ink box is 1.04 font sizes tall
            if side == "left":
                x0 = ink[2] + beside
            elif side == "right":
                x1 = ink[0] - beside
            elif side == "top":
                y0 = ink[3] + CLEAR
            else:
                y1 = ink[1] - CLEAR
            changed = True
        if not changed:
            break
    rect = (x0, y0, x1, y1)
    covers = [k for k, ink in value_inks(page) if _inside(ink, rect)]
    return rect, covers


def _boxes(pages: list[PageLayout], table: str | None = None) -> list[tuple[int, PrintedBox]]:
    return [(i, b) for i, p in enumerate(pages) for b in p.printed if table is None or b.table == table]


def _value_box(pages: list[PageLayout], key: CellRef) -> tuple[int, PrintedBox] | None:
    return next(((i, b) for i, b in _boxes(pages) if b.key == key and b.lines), None)


def _box_rule(pages: list[PageLayout], doc: PrintedDocument, rng: random.Random,
              status: dict[CellRef, str]) -> list[Mark]:
    """A box across the rule between two rows: over a number running on into the row above or
    below (sometimes over both numbers, sometimes into the next column), over the two rows'
    labels, or from a label on across the first numbers."""
    table = rng.choice(["applications"] * 4 + ["art20_1", "art20_6"])
    order = [k for k in doc.cell_text if k[0] == table]
    rows = list(dict.fromkeys(k[1] for k in order))
    cols = list(dict.fromkeys(k[2] for k in order))
    if len(rows) < 2:
        return []
    mode = rng.choice(["values"] * 3 + ["labels", "across"])
    for _ in range(20):
        ri = rng.randrange(len(rows) - 1)
        ci = rng.randrange(len(cols)) if mode == "values" else 0
        a, b = (table, rows[ri], cols[ci]), (table, rows[ri + 1], cols[ci])
        pa, pb = _value_box(pages, a), _value_box(pages, b)
        if pa is None or pb is None or pa[0] != pb[0] or status.get(a) != "read" or status.get(b) != "read":
            continue
        page = pages[pa[0]]
        (_, upper), (_, lower) = pa, pb
        ink_u, ink_l = ink_box(upper.lines[0]), ink_box(lower.lines[0])
        rule_y = upper.bbox[3]
        if mode == "values":
            x_lo = min(upper.bbox[0], lower.bbox[0]) + rng.uniform(2, 8)
            x_hi = max(upper.bbox[2], lower.bbox[2]) - rng.uniform(2, 8)
            if rng.random() < 0.3:  # over the column rule into the next column
                x_hi += rng.uniform(0.3, 0.7) * (upper.bbox[2] - upper.bbox[0])
        else:
            labels = [bx for bx in page.printed if bx.table == table and bx.key is None and not bx.header
                      and bx.row in (upper.row, lower.row) and bx.lines and bx.bbox[2] <= upper.bbox[0] + 1]
            if not labels:
                continue
            label = max(labels, key=lambda bx: (bx.bbox[0], bx.row))
            x_lo = label.bbox[0] + rng.uniform(0.1, 0.5) * (label.bbox[2] - label.bbox[0])
            x_hi = (label.bbox[2] - rng.uniform(2, 10) if mode == "labels"
                    else upper.bbox[0] + rng.uniform(1.2, 2.6) * (upper.bbox[2] - upper.bbox[0]))
        both, down = rng.random() < 0.3, rng.random() < 0.5
        if mode == "labels":  # the lower half of one label line and the upper half of the next
            rect = (x_lo, rule_y - rng.uniform(3, 7), x_hi, rule_y + rng.uniform(3, 7))
        elif both:
            rect = (x_lo, ink_u[1] - rng.uniform(1, 3), x_hi, ink_l[3] + rng.uniform(1, 3))
        elif down:  # over the upper number, running down over the rule
            rect = (x_lo, ink_u[1] - rng.uniform(1, 3), x_hi, lower.bbox[1] + rng.uniform(1.5, 4))
        else:
            rect = (x_lo, upper.bbox[3] - rng.uniform(1.5, 4), x_hi, ink_l[3] + rng.uniform(1, 3))
        rect, covers = settle(rect, page)
        if mode == "values" and not covers:
            continue
        return [Mark("box", pa[0], rect, "box_rule", covers=covers)]
    return []


def _header_cells(pages: list[PageLayout], tables: Sequence[str]) -> list[tuple[int, PrintedBox]]:
    return [(i, b) for i, b in _boxes(pages) if b.table in tables and b.header and b.lines]


def _box_header(pages: list[PageLayout], doc: PrintedDocument, rng: random.Random,
                status: dict[CellRef, str]) -> list[Mark]:
    """A box over a column header's words, often running on down over the rule below it."""
    cands = [(i, b) for i, b in _header_cells(pages, ("art20_1", "art20_5", "art20_6", "art20_8", "applications",
                                                      "appeals"))
             if b.row > 0 or b.table == "applications"]
    if not cands:
        return []
    i, b = rng.choice(cands)
    ink = _union([ink_box(t) for t in b.lines])
    x0 = max(b.bbox[0] + 1, ink[0] - rng.uniform(1, 6))
    x1 = min(b.bbox[2] - 1, ink[2] + rng.uniform(1, 6))
    if rng.random() < 0.35:  # wider than the cell: over its column rules
        w = b.bbox[2] - b.bbox[0]
        x0, x1 = x0 - rng.uniform(0.1, 0.4) * w, x1 + rng.uniform(0.1, 0.4) * w
    y0 = ink[1] - rng.uniform(1, 3)
    y1 = b.bbox[3] + rng.uniform(1.5, 5) if rng.random() < 0.7 else ink[3] + rng.uniform(1, 3)
    rect, covers = settle((x0, y0, x1, y1), pages[i])
    return [Mark("box", i, rect, "box_header", covers=covers)]


def _union(boxes: Sequence[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _label_cells(pages: list[PageLayout], table: str) -> list[tuple[int, PrintedBox]]:
    return [(i, b) for i, b in _boxes(pages, table) if not b.header and b.key is None and b.lines]


def _box_label(pages: list[PageLayout], doc: PrintedDocument, rng: random.Random,
               status: dict[CellRef, str]) -> list[Mark]:
    """A box over part of a row label: the words after its ordinal, the ordinal, or all of it."""
    table = rng.choice(["applications"] * 5 + ["art20_1", "art20_6"])
    cands = _label_cells(pages, table)
    if not cands:
        return []
    i, b = rng.choice(cands)
    chars = [(c, box) for line in b.lines for c, box in zip(line.text, char_boxes(line), strict=True)]
    n = len(chars)
    lead = 0  # the printed ordinal: 1. / （三） / 一、
    text = "".join(c for c, _ in chars)
    for stop in (".", "、", "）"):
        k = text.find(stop)
        if 0 <= k <= 3:
            lead = k + 1
            break
    mode = rng.choice(["words", "ordinal", "all", "tail"]) if lead else rng.choice(["all", "tail", "head"])
    if mode == "words":  # 4.██████: the ordinal stays legible
        a, z = lead, min(n, lead + rng.randint(2, max(2, n - lead)))
    elif mode == "ordinal":  # ██保护第三方合法权益
        a, z = 0, min(n, lead + rng.randint(0, 2))
    elif mode == "tail":
        a, z = rng.randint(max(1, n // 3), max(1, n - 1)), n
    elif mode == "head":
        a, z = 0, rng.randint(1, max(1, n // 2))
    else:
        a, z = 0, n
    boxes = [bx for _, bx in chars[a:z]] or [bx for _, bx in chars]
    rect = _union(boxes)
    rect = (rect[0] - rng.uniform(0.5, 2), rect[1] - rng.uniform(0.5, 2), rect[2] + rng.uniform(0.5, 2),
            rect[3] + rng.uniform(0.5, 2))
    rect, covers = settle(rect, pages[i])
    return [Mark("box", i, rect, "box_label", covers=covers)]


def _box_appeals_header(pages: list[PageLayout], doc: PrintedDocument, rng: random.Random,
                        status: dict[CellRef, str]) -> list[Mark]:
    """A box over 行政复议 or 行政诉讼 (and sometimes the sub-header under it)."""
    cands = [(i, b) for i, b in _header_cells(pages, ("appeals",)) if b.row <= 1 and b.text in (
        "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉")]
    if not cands:
        return []
    i, b = rng.choice(cands)
    ink = _union([ink_box(t) for t in b.lines])
    pad = rng.uniform(2, 12)
    x0, x1 = max(b.bbox[0] + 1, ink[0] - pad), min(b.bbox[2] - 1, ink[2] + pad)
    if rng.random() < 0.4:  # the whole header cell, over its rules
        x0, x1 = b.bbox[0] - rng.uniform(0, 3), b.bbox[2] + rng.uniform(0, 3)
    y0 = ink[1] - rng.uniform(1, 3)
    y1 = b.bbox[3] + rng.uniform(1.5, 8) if rng.random() < 0.5 else ink[3] + rng.uniform(1, 3)
    rect, covers = settle((x0, y0, x1, y1), pages[i])
    return [Mark("box", i, rect, "box_appeals_header", covers=covers)]


def _seal(pages: list[PageLayout], cands: list[tuple[int, PrintedBox]], attack: str,
          rng: random.Random) -> list[Mark]:
    if not cands:
        return []
    i, b = rng.choice(cands)
    ink = _union([ink_box(t) for t in b.lines])
    d = SEAL_DIAMETER * rng.uniform(0.9, 1.05)
    cx = (ink[0] + ink[2]) / 2 + rng.uniform(-0.25, 0.25) * d
    cy = (ink[1] + ink[3]) / 2 + rng.uniform(-0.15, 0.15) * d
    return [Mark("seal", i, (cx - d / 2, cy - d / 2, cx + d / 2, cy + d / 2), attack, angle=rng.uniform(-30, 30))]


def _seal_label(pages: list[PageLayout], doc: PrintedDocument, rng: random.Random,
                status: dict[CellRef, str]) -> list[Mark]:
    return _seal(pages, _label_cells(pages, rng.choice(["applications"] * 3 + ["art20_1"])), "seal_label", rng)


def _seal_header(pages: list[PageLayout], doc: PrintedDocument, rng: random.Random,
                 status: dict[CellRef, str]) -> list[Mark]:
    cands = _header_cells(pages, ("art20_1", "applications", "appeals"))
    return _seal(pages, [(i, b) for i, b in cands if len(b.text) <= 12], "seal_header", rng)


PLANNERS = {"box_rule": _box_rule, "box_header": _box_header, "box_label": _box_label,
            "box_appeals_header": _box_appeals_header, "seal_label": _seal_label, "seal_header": _seal_header}


def split_rows(doc: PrintedDocument, rng: random.Random) -> dict[str, int]:
    """A page break drawn in every table: the printed row before which each one breaks (never
    inside its header rows, so the break falls between two rows of values or before the first)."""
    out: dict[str, int] = {}
    for t in doc.tables():
        first_body = next((r for r, row in enumerate(t.rows) if not all(c.header for c in row)), len(t.rows))
        if first_body >= len(t.rows):
            continue
        # appeals: its header rows may be left behind (the values on the next page)
        lo = first_body if t.table_id != "appeals" else 1
        out[t.table_id] = rng.randint(max(1, lo), len(t.rows) - 1)
    return out


def plan_attacks(pages: list[PageLayout], doc: PrintedDocument, attacks: Sequence[str], rng: random.Random,
                 status: dict[CellRef, str]) -> list[Mark]:
    """Plan ``attacks`` (``split`` is made at layout time by :func:`split_rows`) on laid-out pages;
    ``status`` is updated: the value cells a box hides become ``masked``."""
    marks: list[Mark] = []
    for attack in attacks:
        if attack == "split":
            continue
        if attack not in PLANNERS:
            raise ValueError(f"unknown attack {attack!r}: one of {', '.join(ATTACKS)}")
        for m in PLANNERS[attack](pages, doc, rng, status):
            for k in m.covers:
                status[k] = "masked"
            marks.append(m)
    return marks


def draw_on_image(img: Image.Image, marks: Sequence[Mark], page: int, dpi: int, agency: str) -> None:
    """Draw the marks of page ``page`` (0-based) onto its rendered image, in place."""
    from govreport.synth.seal import seal_image, stamp

    s = dpi / 72.0
    for m in marks:
        if m.page != page:
            continue
        x0, y0, x1, y1 = (v * s for v in m.bbox)
        if m.kind == "box":
            ImageDraw.Draw(img).rectangle((x0, y0, x1, y1), fill=(0, 0, 0))
        else:
            stamp(img, seal_image(agency, px=round(x1 - x0), angle=m.angle), ((x0 + x1) / 2, (y0 + y1) / 2))


def hidden_text(page: PageLayout, marks: Sequence[Mark], index: int) -> list[Text]:
    """The page's text lines with the characters under a box of page ``index`` taken out (what a
    real redaction tool leaves): a line is cut into the runs left on either side of a box."""
    boxes = [m.bbox for m in marks if m.page == index and m.kind == "box"]
    if not boxes:
        return list(page.texts)
    out: list[Text] = []
    for line in page.texts:
        run, run_x = "", None
        for ch, cb in zip(line.text, char_boxes(line), strict=True):
            centre = ((cb[0] + cb[2]) / 2, (cb[1] + cb[3]) / 2)
            gone = any(b[0] <= centre[0] <= b[2] and b[1] <= centre[1] <= b[3] for b in boxes) or any(
                _overlap(cb, b) for b in boxes)
            if gone:
                if run:
                    out.append(Text(run_x or line.x, line.baseline, run, line.size))
                run, run_x = "", None
                continue
            if not run:
                run_x = cb[0]
            run += ch
        if run:
            out.append(Text(run_x or line.x, line.baseline, run, line.size))
    return out
