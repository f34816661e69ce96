"""What lies over the print: red and round seals, and black redaction boxes.

A red seal is lifted by colour (:func:`suppress_red`), a round one found by its shape
(:func:`find_seals`, for gray scans where its ink is as dark as the print) and its ring located
(:func:`seal_ring`); what a seal may have left on the print is :func:`seal_residue`. A black box
over a cell is :func:`is_redacted`. Second readings of the cells under a seal are in
:mod:`govreport.ocr.overlays`.
"""

from __future__ import annotations

import cv2
import numpy as np

SEAL_RESIDUE = 0.65  #: near red ink, print must be darker than this share of the page's ink threshold
SEAL_DIAMETER_MM = (28.0, 52.0)  #: official seals are round, 38-45 mm; a margin either side


def red_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels of red/pink ink (seals, red headers): hue near 0/180 and clearly saturated."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    return ((h <= 12) | (h >= 160)) & (s >= 50) & (v >= 60)


def suppress_red(img: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Gray page where red ink is lifted to near white while black print under a seal stays dark.

    In and around red pixels the gray value is taken from the red channel: red ink is bright
    there, black print is dark whatever was stamped on it, and a dark-red blend of the two (a
    blurred digit under a seal) keeps its darkness. Returns the page and the fraction that was red.
    ``mask`` is :func:`red_mask` of the page when the caller has it already.
    """
    if img.ndim == 2:
        return img, 0.0
    rgb = img[..., :3]
    mask = red_mask(rgb) if mask is None else mask
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    frac = float(mask.mean())
    if frac == 0:
        return gray, 0.0
    near = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    red = rgb[..., 0]
    gray[near] = np.maximum(gray[near], red[near])
    # what is left of pure seal ink is light gray: lift it to paper white
    lift = near & (gray >= 170)
    gray[lift] = 255
    return gray, frac


def seal_residue(gray: np.ndarray, red: np.ndarray) -> np.ndarray:
    """Ink near a red seal that may be only what suppression left of the seal (bool mask).

    A poor scan (blur, heavy JPEG) keeps seal strokes as gray residue that the page's threshold
    takes for ink; near red ink, only print darker than ``SEAL_RESIDUE`` x the page's Otsu
    threshold is certainly print. Blurred print under a seal can be that light too, so what this
    removes is a second opinion, not a fact.
    """
    near = cv2.dilate(red, np.ones((7, 7), np.uint8)) > 0
    if not near.any():
        return near
    t, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return near & (gray > SEAL_RESIDUE * t)


def find_seals(gray: np.ndarray) -> list[tuple[float, float, float]]:
    """Round seals on an upright page as ``(cx, cy, r)`` in its pixels (Hough circles).

    Needed where colour cannot tell a seal from print (a gray scan, or what JPEG left of thin red
    strokes). The size is taken from the page: its narrow side as an A4 page's 210 mm.
    """
    px_mm = min(gray.shape[:2]) / 210.0
    f = max(1, int(round(px_mm * 25.4 / 50)))  # work at about 50 dpi
    small = cv2.resize(gray, (gray.shape[1] // f, gray.shape[0] // f), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 1.5)
    r0, r1 = (int(d / 2 * px_mm / f) for d in SEAL_DIAMETER_MM)
    if r0 < 5:
        return []
    found = cv2.HoughCircles(small, cv2.HOUGH_GRADIENT, dp=1, minDist=r0, param1=120, param2=40,
                             minRadius=r0, maxRadius=r1)
    if found is None:
        return []
    return [(float(x) * f, float(y) * f, float(r) * f) for x, y, r in found[0][:4]]


def seal_ring(ink: np.ndarray, seal: tuple[float, float, float]) -> tuple[float, float, float, float]:
    """The ring of a seal found by :func:`find_seals`: ``(cx, cy, r_in, r_out)``.

    The centre is refined (a few pixels either way) to where the ring is sharpest on the ink
    mask, and the ring is the band of radii around the densest one that is at least half as
    dense: the band to take out of cells it crosses.
    """
    cx, cy, r = seal
    h, w = ink.shape[:2]
    th = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    radii = np.arange(0.85 * r, 1.2 * r, 1.0)
    cos, sin = np.cos(th)[None, :], np.sin(th)[None, :]

    def profile(x: float, y: float) -> np.ndarray:
        xs = (x + radii[:, None] * cos).round().astype(int)
        ys = (y + radii[:, None] * sin).round().astype(int)
        ok = (xs >= 0) & (ys >= 0) & (xs < w) & (ys < h)
        hit = np.zeros(xs.shape, bool)
        hit[ok] = ink[ys[ok], xs[ok]] > 0
        return hit.sum(axis=1) / np.maximum(ok.sum(axis=1), 1)

    best = max(((profile(cx + dx, cy + dy), cx + dx, cy + dy) for dx in range(-4, 5, 2) for dy in range(-4, 5, 2)),
               key=lambda t: float(t[0].max()))
    prof, cx, cy = best
    k = int(np.argmax(prof))
    lo, hi = k, k
    while lo > 0 and prof[lo - 1] >= 0.5 * prof[k]:
        lo -= 1
    while hi < len(prof) - 1 and prof[hi + 1] >= 0.5 * prof[k]:
        hi += 1
    return cx, cy, float(radii[lo]) - 1, float(radii[hi]) + 1


def is_redacted(cell_gray: np.ndarray) -> bool:
    """True when the cell holds a solid dark rectangle (a black redaction box)."""
    return redaction_box(cell_gray) is not None


def redaction_box(cell_gray: np.ndarray) -> tuple[int, int, int, int] | None:
    """The largest solid dark rectangle (a black redaction box) in a cell, ``(x0, y0, x1, y1)``
    in the cell's pixels, or None."""
    h, w = cell_gray.shape
    if h < 8 or w < 8:
        return None
    dark = (cell_gray < 90).astype(np.uint8)
    if int(dark.sum()) < 0.85 * 12 * max(10, 0.3 * h):
        return None  # not dark pixels enough for the smallest box below
    n, _, stats, _ = cv2.connectedComponentsWithStats(dark)
    best = None
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        solid = bh >= max(10, 0.3 * h) and bw >= max(12, 0.8 * bh) and area >= 0.85 * bw * bh
        if solid and (best is None or area > best[0]):
            best = (area, (int(x), int(y), int(x + bw), int(y + bh)))
    return best[1] if best else None
