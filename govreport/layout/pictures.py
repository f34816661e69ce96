"""What a born-digital PDF shows as pictures: OCR of tables pasted as images, and a check of
invisible text layers against the print they lie over.

- **Pictures** (:func:`read_pictures`): every image large enough to hold a table and with no
  text over it is cut out of the rendered page and read by the scan path, whatever else the page
  prints; its tokens (boxes in points) join the text layer's in reading order.
- **Invisible layers** (:func:`check_layers`): a layer in render mode 3 over a page image (a
  scanner's or an OCR tool's) is believed only when OCR of its number runs agrees with it. On a
  confident disagreement the page is OCRed instead and an issue about the reading names the
  layer; where it agrees, the rules of the page image give the layer its tables.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from govreport.i18n import _
from govreport.layout.pdf_lines import lines_of, segments, text_of, union
from govreport.layout.tokens import Token
from govreport.report import Issue
from govreport.settings import ExtractSettings
from govreport.types import BBox

log = logging.getLogger("govreport")

MAX_SAMPLE = 400  #: number runs of one page checked against OCR
SURE = 0.9  #: OCR confidence from which a reading that differs from the layer contradicts it
PAD = 0.25  #: of a run's height, around its crop
BORDER = 24  #: white pixels around a picture cut out for the scan path
FLAT_SKEW = 0.3  #: degrees of skew up to which a page image's rules are taken for the layer's tables
_NUMBER = re.compile(r"^\d[\d,]*(?:\.\d+)?$")


def _digits(text: str) -> str:
    return re.sub(r"[\s,，]", "", unicodedata.normalize("NFKC", text))


def number_runs(p: Any) -> list[tuple[str, BBox]]:
    """The invisible layer's runs that are numbers, with their boxes (points), top to bottom."""
    idx = [i for i in range(len(p.chars)) if p.invisible[i]]
    out: list[tuple[str, BBox]] = []
    for line in lines_of(idx, p.chars, p.boxes):
        for seg in segments(line, p.chars, p.boxes, 0.8):
            for part, run in _split_spaced(seg, p):
                if _NUMBER.match(part):
                    out.append((part, union(p.boxes, run)))
    return out


def _split_spaced(seg: list[int], p: Any) -> list[tuple[str, list[int]]]:
    """A segment cut at its spaces: ``12 0 35`` is three runs."""
    runs: list[list[int]] = [[]]
    for i in seg:
        if p.chars[i].isspace():
            runs.append([])
        else:
            runs[-1].append(i)
    return [(text_of(r, p.chars, p.boxes).replace(" ", ""), r) for r in runs if r]


def _crops(gray: np.ndarray, boxes: list[BBox], px: float) -> list[np.ndarray]:
    h, w = gray.shape
    out = []
    for x0, y0, x1, y1 in boxes:
        pad = PAD * (y1 - y0)
        a, b = max(0, int((x0 - pad) * px)), min(w, int(np.ceil((x1 + pad) * px)))
        c, d = max(0, int((y0 - pad) * px)), min(h, int(np.ceil((y1 + pad) * px)))
        crop = gray[c:d, a:b]
        out.append(crop if crop.size else np.full((8, 8), 255, np.uint8))
    return out


def _gray(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img


def compare_layer(runs: list[tuple[str, BBox]], readings: list[tuple[str, float]]) -> tuple[int, int, list[str]]:
    """(runs OCR confirms, runs OCR confidently contradicts, examples ``layer→print``).

    >>> compare_layer([("12", (0, 0, 1, 1)), ("7", (0, 0, 1, 1))], [("12", 0.99), ("1", 0.97)])
    (1, 1, ['7→1'])
    >>> compare_layer([("7", (0, 0, 1, 1))], [("1", 0.3)])  # an unsure reading contradicts nothing
    (0, 0, [])
    """
    agree = disagree = 0
    examples: list[str] = []
    for (text, _box), (read, score) in zip(runs, readings, strict=True):
        got, want = _digits(read), _digits(text)
        if got == want:
            agree += 1
        elif score >= SURE and _NUMBER.match(got):
            disagree += 1
            if len(examples) < 5:
                examples.append(f"{want}→{got}")
    return agree, disagree, examples


def check_layers(pdf: Any, path: Path, pages: list[Any], tri: Any, settings: ExtractSettings) -> None:
    """Check each invisible layer of ``tri.layers`` against OCR of its number runs: a page whose
    layer the print contradicts goes to OCR (``tri.to_ocr``) with an issue; a page whose layer
    agrees keeps it, with the page image's rules as its tables."""
    from govreport.ocr.engines import get_engine
    from govreport.ocr.render import render_pages

    if not tri.layers:
        return
    engine = get_engine(settings.engine, settings.device)
    dpi = settings.ocr_dpi
    for page in render_pages(pdf, path, dpi, settings.max_pixels, list(tri.layers)):
        p = pages[page.number - 1]
        px = dpi / 72 * page.scale
        gray = _gray(page.image)
        runs = number_runs(p)[:MAX_SAMPLE]
        readings = engine.recognize(_crops(gray, [b for _, b in runs], px)) if runs else []
        agree, disagree, examples = compare_layer(runs, readings)
        if disagree:
            tri.to_ocr.append(p.number)
            tri.notes.append(f"page {p.number}: invisible text layer contradicted by the print "
                             f"({disagree} of {len(runs)} numbers: {', '.join(examples)}); page OCRed")
            tri.issues.append(Issue("text_layer", None, _(
                "page {page}: the hidden text layer says other numbers than the page image shows ({examples}); "
                "the page was read by OCR instead").format(page=p.number, examples=", ".join(examples)),
                [], about="reading"))
            continue
        tri.notes.append(f"page {p.number}: invisible text layer checked against OCR ({agree} of {len(runs)} "
                         "numbers confirmed)")
        _rules_from_image(p, gray, px)
    tri.to_ocr.sort()
    tri.layers = []


def _rules_from_image(p: Any, gray: np.ndarray, px: float) -> None:
    """The page image's table rules as the page's rulings (points), where it is not skewed: an
    invisible layer has the words, the picture has the table."""
    from govreport.ocr.preprocess import binarize, estimate_skew, normalize_illumination
    from govreport.ocr.rules import find_tables

    binary = binarize(normalize_illumination(gray))
    if abs(estimate_skew(binary)) > FLAT_SKEW:
        return
    for t in find_tables(binary).tables:
        p.hsegs.extend((y0 / px, x0 / px, x1 / px) for x0, y0, x1, _y in t.h_segments)
        p.vsegs.extend((x0 / px, y0 / px, y1 / px) for x0, y0, _x, y1 in t.v_segments)


def read_pictures(pdf: Any, path: Path, pages: list[Any], tri: Any, settings: ExtractSettings) -> None:
    """OCR the pictures of ``tri.pictures`` (pages read from their text layer), into
    ``tri.pictured``: per page, each picture's top, tokens (boxes in points) and text."""
    from dataclasses import replace

    from govreport.ocr.render import PageImage, render_pages
    from govreport.ocr.scan import tokens_from_page_images

    wanted = [n for n in sorted(tri.pictures) if n not in tri.to_ocr]
    if not wanted:
        return
    dpi = settings.ocr_dpi
    for page in render_pages(pdf, path, dpi, settings.max_pixels, wanted):
        px = dpi / 72 * page.scale
        h, w = page.image.shape[:2]
        for k, (x0, y0, x1, y1) in enumerate(tri.pictures[page.number], 1):
            a, b = max(0, int(x0 * px)), min(w, int(np.ceil(x1 * px)))
            c, d = max(0, int(y0 * px)), min(h, int(np.ceil(y1 * px)))
            if b - a < 16 or d - c < 16:
                continue
            crop = cv2.copyMakeBorder(np.ascontiguousarray(page.image[c:d, a:b]), BORDER, BORDER, BORDER, BORDER,
                                      cv2.BORDER_CONSTANT, value=(255, 255, 255) if page.image.ndim == 3 else 255)
            toks, text = tokens_from_page_images([PageImage(page.number, crop, dpi, page.scale, cutout=True)], settings)
            ox, oy = a / px - BORDER / px, c / px - BORDER / px
            f = 72 / dpi
            moved: list[Token] = [
                replace(t, bbox=(round(ox + t.bbox[0] * f, 2), round(oy + t.bbox[1] * f, 2),
                                 round(ox + t.bbox[2] * f, 2), round(oy + t.bbox[3] * f, 2)))
                if t.bbox is not None else t for t in toks]
            tri.pictured.setdefault(page.number, []).append((y0, moved, text))
            tri.notes.append(f"page {page.number}: picture {k} ({x1 - x0:.0f}x{y1 - y0:.0f} pt) OCRed")
