"""What a seal (or another overlay) lays over table cells, as masks of ink.

A red seal is lifted by colour (:func:`govreport.ocr.seals.suppress_red`), but heavy JPEG
and blur leave residue; in a gray scan a seal is ink like the print. The views ``without_*``
(:mod:`govreport.ocr.views`) read cells it touches again without what may be the overlay: red
residue, ink lighter than the table's print (:func:`light_ink`), the seal's ring (:func:`ring_ink`).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from govreport.ocr.cells import REREAD_BELOW, CellRead, cell_window, confident, label_like
from govreport.ocr.page import ScanPage
from govreport.ocr.seals import seal_ring

LIGHT_INK_GAP = 40  #: gray levels lighter than the table's print from which ink is an overlay


SEAL_OVERLAP = 0.03  #: share of a cell under a seal from which whatever is read there is doubted


def seal_area(sp: ScanPage, shape: tuple[int, ...]) -> np.ndarray | None:
    """Where seals lie on the corrected page: the round seals found, and red ink with a margin."""
    if not sp.seals and sp.red is None:
        return None
    area = np.zeros(shape[:2], np.uint8)
    for cx, cy, r in sp.seals:
        cv2.circle(area, (int(cx), int(cy)), int(r * 1.1), 1, -1)  # Hough finds the ring's inner edge
    if sp.red is not None:
        area |= (cv2.dilate(sp.red, np.ones((9, 9), np.uint8)) > 0).astype(np.uint8)
    return area


def light_ink(reads: list[list[CellRead]], clean: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """Ink in doubtful value cells that is lighter than the table's print (bool mask).

    A seal in a gray scan, a pencil mark or a pale stamp lies over the print in a lighter tone.
    How dark print is comes from the cells read with confidence (the darkest tenth of their ink);
    in a doubtful cell, ink more than ``LIGHT_INK_GAP`` levels lighter than that is the overlay.
    A cell left with no ink is empty under the overlay.
    """
    drop = np.zeros(ink.shape, bool)
    cores = []
    for row in reads:
        for cr in row:
            if cr.c1 - cr.c0 == 1 and confident(cr, "number"):
                px = clean[cell_window(cr)][ink[cell_window(cr)] > 0]
                if px.size >= 20:
                    cores.append(float(np.percentile(px, 10)))
    if len(cores) < 3:
        return drop
    limit = float(np.median(cores)) + LIGHT_INK_GAP
    for row in reads:
        for cr in row:
            if cr.kind != "ink" or cr.c1 - cr.c0 != 1 or (cr.conf or 0.0) >= REREAD_BELOW:
                continue
            if label_like(cr.text):
                continue  # a label or header: not a number under an overlay
            win = cell_window(cr)
            drop[win] |= (ink[win] > 0) & (clean[win] > limit)
    return drop


def ring_ink(sp: ScanPage, ink: np.ndarray) -> np.ndarray:
    """Ink on the rings of the page's round seals (bool mask): the ring crosses cells as a thick
    arc that joins the digits it runs over."""
    h, w = ink.shape[:2]
    drop = np.zeros(ink.shape, bool)
    for seal in sp.seals:
        cx, cy, r_in, r_out = seal_ring(ink, seal)
        x0, y0 = max(0, math.floor(cx - r_out)), max(0, math.floor(cy - r_out))
        x1, y1 = min(w, math.ceil(cx + r_out) + 1), min(h, math.ceil(cy + r_out) + 1)
        yy, xx = np.ogrid[y0:y1, x0:x1]
        d2 = (xx - cx) ** 2 + (yy - cy) ** 2
        drop[y0:y1, x0:x1] |= (d2 >= r_in**2) & (d2 <= r_out**2)
    return drop & (ink > 0)
