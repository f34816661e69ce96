"""Page clean-up before OCR: lighting, orientation, skew, and text lines in a cell.

Geometry helpers return the corrected image together with a 3x3 matrix mapping corrected pixel
coordinates back to the input image, so boxes can be reported in the rendered page's pixels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import cv2
import numpy as np

log = logging.getLogger("govreport")

CONVINCING_READ = 4.0  #: mean (confidence x characters, up to 8) of upright text lines; garbage reads < 1.5
BLOB_SIDE = 1240  #: pixels across (an A4 page at 150 dpi) at which text lines are looked for
SURE_READ = 5.0  #: lines reading this well one way are not read the other way round
SURE_LINES = 3  #: lines read first; where they read surely, the page's other candidate lines are not
UNREADABLE = 1.0  #: below this in every orientation the page is left as it is

Matrix = np.ndarray  # 3x3 float, maps output (corrected) pixel coords to input pixel coords
Box = tuple[int, int, int, int]  #: x0, y0, x1, y1


def normalize_illumination(gray: np.ndarray) -> np.ndarray:
    """Divide by a smooth background estimate (flattens shadows and uneven scanner light)."""
    h, w = gray.shape
    f = max(1, round(max(h, w) / 800))
    small = cv2.resize(gray, (w // f, h // f), interpolation=cv2.INTER_AREA) if f > 1 else gray
    k = max(15, (min(small.shape) // 10) | 1)  # larger than any stroke or redaction box
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.GaussianBlur(bg, (0, 0), k / 3)
    if f > 1:
        bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    out = cv2.divide(gray, np.maximum(bg, 1), scale=255)
    return out


def binarize(gray: np.ndarray) -> np.ndarray:
    """Ink mask (255 = ink) by Otsu on an illumination-normalised page."""
    _, b = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return b


STREAK_BANDS = 20  #: a page cut into this many bands from top to bottom to find toner streaks ...
STREAK_INK = 0.1  #: ... a column with at least this share of ink in a band ...
STREAK_COVER = 0.9  #: ... in this share of the bands, the first and the last (the margins) among them
BILEVEL_GRAY = 0.005  #: share of gray (neither near black nor near white) pixels under which a page is bilevel


def is_bilevel(image: np.ndarray) -> bool:
    """Whether a page image is black and white only (a fax, a thresholded scan)."""
    a = image[..., 0] if image.ndim == 3 else image
    sample = a[::4, ::4]
    return bool(sample.size) and float(((sample > 16) & (sample < 240)).mean()) < BILEVEL_GRAY


def toner_streaks(gray: np.ndarray) -> np.ndarray:
    """Columns of the scanner's pixel grid (bool per column) where a streak runs down the whole
    page: a photocopier's or fax's dirty drum or sensor leaves a line through the top and bottom
    margins too, which no printed rule does."""
    ink = gray < 128
    h = ink.shape[0]
    if h < STREAK_BANDS * 4:
        return np.zeros(ink.shape[1], bool)
    edges = np.linspace(0, h, STREAK_BANDS + 1).astype(int)
    bands = np.stack([ink[a:b].mean(axis=0) for a, b in zip(edges[:-1], edges[1:], strict=True)]) >= STREAK_INK
    streak = (bands.mean(axis=0) >= STREAK_COVER) & bands[0] & bands[-1]
    # the streak's fringe: the columns beside it, dimmer
    return streak | np.roll(streak, 1) | np.roll(streak, -1)


def remove_streaks(image: np.ndarray) -> tuple[np.ndarray, int]:
    """``image`` with its toner streaks (:func:`toner_streaks`) painted white, and their number."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    cols = toner_streaks(gray)
    if not cols.any():
        return image, 0
    out = image.copy()
    out[:, cols] = 255
    n = int(np.count_nonzero(np.diff(np.concatenate([[0], cols.astype(np.int8), [0]])) == 1))
    return out, n


# --------------------------------------------------------------------------------------------
# geometry


def rotate90(img: np.ndarray, k: int) -> tuple[np.ndarray, Matrix]:
    """Rotate clockwise by ``k`` x 90°; the matrix maps output coords to input coords."""
    k %= 4
    h, w = img.shape[:2]
    if k == 0:
        return img, np.eye(3)
    if k == 1:
        out = cv2.rotate(img, cv2.ROTATE_90_CLOCKWISE)  # (x', y') = (h-1-y, x)
        m = np.array([[0, 1, 0], [-1, 0, h - 1], [0, 0, 1]], float)
    elif k == 2:
        out = cv2.rotate(img, cv2.ROTATE_180)
        m = np.array([[-1, 0, w - 1], [0, -1, h - 1], [0, 0, 1]], float)
    else:
        out = cv2.rotate(img, cv2.ROTATE_90_COUNTERCLOCKWISE)  # (x', y') = (y, w-1-x)
        m = np.array([[0, -1, w - 1], [1, 0, 0], [0, 0, 1]], float)
    return out, m


def rotate_small(img: np.ndarray, angle: float, border: int = 255) -> tuple[np.ndarray, Matrix]:
    """Rotate by ``angle`` degrees (counter-clockwise, about the centre), keeping the canvas size."""
    if abs(angle) < 0.05:
        return img, np.eye(3)
    h, w = img.shape[:2]
    fwd = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(img, fwd, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border)
    return out, np.linalg.inv(np.vstack([fwd, [0, 0, 1]]))


def map_bbox(m: Matrix, bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Axis-aligned box of ``bbox``'s corners mapped through ``m``."""
    x0, y0, x1, y1 = bbox
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], float) @ m.T
    pts = pts / pts[:, 2:3]  # (a perspective correction's matrix is projective)
    return (
        round(float(pts[:, 0].min()), 1),
        round(float(pts[:, 1].min()), 1),
        round(float(pts[:, 0].max()), 1),
        round(float(pts[:, 1].max()), 1),
    )


PAGE_MIN = 0.2  #: a page found in a photo covers at least this share of the frame ...
PAGE_MAX = 0.93  #: ... and at most this (more: the page fills the frame, a scan)
QUAD_FILL = 0.9  #: the page's region fills its quadrilateral at least this much
QUAD_SIDE = 800  #: pixels across at which the page is looked for


def find_page_quad(image: np.ndarray) -> np.ndarray | None:
    """The corners (top-left, top-right, bottom-right, bottom-left; pixels of ``image``) of a
    printed page photographed on a darker or coloured background, or ``None`` when the page fills
    the frame (a scan) or no clear quadrilateral stands out.

    The page is the largest bright, colourless region (a desk is darker or coloured); its outline,
    simplified to four corners, must be convex and filled by the region."""
    h, w = image.shape[:2]
    f = max(1.0, max(h, w) / QUAD_SIDE)
    small = cv2.resize(image, (round(w / f), round(h / f)), interpolation=cv2.INTER_AREA) if f > 1 else image
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small
    gray = cv2.GaussianBlur(gray, (5, 5), 0)
    _, page = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    if small.ndim == 3:
        sat = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)[..., 1]
        page &= np.where(sat < 60, 255, 0).astype(np.uint8)
    k = max(5, min(page.shape) // 40) | 1
    page = cv2.morphologyEx(page, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))  # print on the page
    page = cv2.morphologyEx(page, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(page)
    if n < 2:
        return None
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    area = float(stats[i, cv2.CC_STAT_AREA])
    share = area / (page.shape[0] * page.shape[1])
    if not PAGE_MIN <= share <= PAGE_MAX:
        return None
    contours, _ = cv2.findContours(np.where(labels == i, 255, 0).astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    outline = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(outline)
    perimeter = cv2.arcLength(hull, True)
    quad = None
    for eps in (0.01, 0.02, 0.03, 0.05, 0.08):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2).astype(np.float64)
            break
    if quad is None or not cv2.isContourConvex(quad.astype(np.float32)):
        return None
    if area < QUAD_FILL * cv2.contourArea(quad.astype(np.float32)):
        return None
    by_sum, by_diff = quad.sum(axis=1), quad[:, 1] - quad[:, 0]
    ordered = np.array([quad[np.argmin(by_sum)], quad[np.argmin(by_diff)], quad[np.argmax(by_sum)],
                        quad[np.argmax(by_diff)]])
    if len({tuple(p) for p in ordered.tolist()}) < 4:
        return None
    return _fit_sides(ordered, outline.reshape(-1, 2).astype(np.float64)) * f


def _fit_sides(quad: np.ndarray, outline: np.ndarray) -> np.ndarray:
    """Corners refined as the meeting points of straight lines fitted to the outline along each
    side (away from the corners): a hull's vertex is a pixel or two off, a side fitted over its
    length is not, and the page's far corners are multiplied by the search's scale."""
    lines = []
    for k in range(4):
        a, b = quad[k], quad[(k + 1) % 4]
        d = b - a
        length = float(np.hypot(*d))
        if length < 1:
            return quad
        t = ((outline - a) @ d) / length**2
        dist = np.abs((outline[:, 0] - a[0]) * d[1] - (outline[:, 1] - a[1]) * d[0]) / length
        near = outline[(t > 0.1) & (t < 0.9) & (dist < max(3.0, 0.02 * length))]
        if len(near) < 10:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(near.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], float), np.array([vx, vy], float)))
    out = []
    for k in range(4):
        (p1, d1), (p2, d2) = lines[k - 1], lines[k]  # the side ending at corner k and the one starting there
        m = np.array([d1, -d2]).T
        if abs(np.linalg.det(m)) < 1e-6:
            return quad
        t = np.linalg.solve(m, p2 - p1)
        out.append(p1 + t[0] * d1)
    refined = np.array(out)
    return refined if np.abs(refined - quad).max() < 0.05 * max(np.ptp(quad[:, 0]), 1.0) else quad


def unwarp(image: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, Matrix]:
    """The page inside ``quad`` (corners as :func:`find_page_quad` gives them) seen square on, at
    the resolution of its longer sides; the matrix maps output pixels to ``image``'s."""
    tl, tr, br, bl = quad
    width = round(max(np.hypot(*(tr - tl)), np.hypot(*(br - bl))))
    height = round(max(np.hypot(*(bl - tl)), np.hypot(*(br - tr))))
    dst = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    fwd = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    border = (255, 255, 255) if image.ndim == 3 else 255
    out = cv2.warpPerspective(image, fwd, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                              borderValue=border)
    return out, np.linalg.inv(fwd)


def estimate_skew(binary: np.ndarray, max_angle: float = 15.0) -> float:
    """Skew in degrees (positive = content rotated counter-clockwise), from long straight rules when
    the page has them, else from the text-line projection profile."""
    f = 2 if binary.shape[1] > 1200 else 1
    small = binary
    if f > 1:
        small = cv2.resize(binary, (binary.shape[1] // f, binary.shape[0] // f), interpolation=cv2.INTER_AREA)
        small = np.where(small > 64, 255, 0).astype(np.uint8)
    # solid blocks (a black box, a seal's dense middle) are no lines: lines through a thick bar
    # lean by up to its thickness over its length
    s = max(5, small.shape[0] // 300)
    small = cv2.subtract(small, cv2.dilate(cv2.morphologyEx(small, cv2.MORPH_OPEN, np.ones((s, s), np.uint8)),
                                           np.ones((3, 3), np.uint8)))
    w = small.shape[1]
    lines = cv2.HoughLinesP(small, 1, np.pi / 720, threshold=max(60, w // 6), minLineLength=w // 4, maxLineGap=6)
    angles, weights = [], []
    if lines is not None:
        for x0, y0, x1, y1 in np.asarray(lines).reshape(-1, 4):
            dx, dy = int(x1) - int(x0), int(y1) - int(y0)
            if dx == 0:
                continue
            a = -np.degrees(np.arctan2(dy, dx))
            if abs(a) <= max_angle:
                angles.append(a)
                weights.append(np.hypot(dx, dy))
    if len(angles) >= 3:
        order = np.argsort(angles)
        cw = np.cumsum(np.asarray(weights)[order])
        return float(np.asarray(angles)[order][np.searchsorted(cw, cw[-1] / 2)])
    return _skew_by_projection(binary, max_angle)


def _skew_by_projection(binary: np.ndarray, max_angle: float) -> float:
    h, w = binary.shape
    f = max(1.0, max(h, w) / 900)
    small = cv2.resize(binary, (int(w / f), int(h / f)), interpolation=cv2.INTER_AREA)

    def score(a: float) -> float:
        rot, _ = rotate_small(small, a, border=0)
        prof = rot.sum(axis=1, dtype=np.float64)
        return float(np.var(prof))

    best = max(np.arange(-max_angle, max_angle + 0.01, 1.0), key=score)
    fine = max(np.arange(best - 1, best + 1.01, 0.1), key=score)
    return float(-fine)


def text_blobs(binary: np.ndarray, limit: int = 8) -> tuple[list[Box], list[Box]]:
    """Boxes of the longest text-line-like blobs (characters smeared along the reading axis):
    horizontal ones, vertical ones, in ``binary``'s pixels.

    Long rules are taken out first, once for both axes, so table lines do not form blobs; a page
    of more than about 180 dpi is searched at 150 dpi (:data:`BLOB_SIDE`)."""
    f = min(binary.shape) / BLOB_SIDE
    if f > 1.2:
        size = (round(binary.shape[1] / f), round(binary.shape[0] / f))
        binary = np.where(cv2.resize(binary, size, interpolation=cv2.INTER_AREA) > 64, 255, 0).astype(np.uint8)
    else:
        f = 1.0
    h, w = binary.shape
    horiz = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (w // 8, 1)))
    vert = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, h // 8)))
    ink = cv2.subtract(binary, cv2.dilate(horiz | vert, np.ones((3, 3), np.uint8)))
    k = max(5, min(h, w) // 120)
    tallest = min(h, w) / 15  # a text line is far thinner than this; paragraphs smeared together are not
    out: tuple[list[Box], list[Box]] = ([], [])
    for vertical in (False, True):
        size = (1, k) if vertical else (k, 1)  # (width, height)
        smear = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, size))
        n, _, stats, _ = cv2.connectedComponentsWithStats(smear)
        cands = []
        for i in range(1, n):
            x, y, bw, bh, _ = stats[i]
            long_, short = (bh, bw) if vertical else (bw, bh)
            if short < 6 or short > tallest or long_ < 3 * short or long_ > 0.9 * (h if vertical else w):
                continue
            cands.append((long_, tuple(int(round(f * v)) for v in (x, y, x + bw, y + bh))))
        cands.sort(reverse=True)
        out[vertical].extend(b for _, b in cands[:limit])
    return out


def detect_orientation(
    gray: np.ndarray,
    binary: np.ndarray,
    recognize: Callable[[list[np.ndarray]], list[tuple[str, float]]],
    upside_down: Callable[[list[np.ndarray]], list[float]] | None = None,
    limit: int = 6,
) -> int:
    """Clockwise quarter turns (0-3) that make the page upright.

    Candidate text lines come from smearing ink along each axis; the axis with more line-like ink
    is read first with the recogniser (it is far more confident on upright text), and only as much
    as the decision needs: its three longest lines, the others only where those do not read surely
    (:data:`SURE_READ`), the other way round only where the lines still do not. (On the
    benchmark's 70 scanned pages, three lines read the right way scored 3.1-8, the wrong way round
    or along the wrong axis at most 3.2; six lines the right way 4-8, turned over at most 1.4.)
    When neither way reads convincingly (a table page turned by 90° smears into line-like columns
    of digits), the other axis is read too and the best of the four orientations wins. A 0/180°
    line classifier, when the engine has one, only breaks near ties: alone it was seen to flip
    upright, slightly skewed pages.
    """
    hb, vb = text_blobs(binary)
    n_h = sum((b[2] - b[0]) for b in hb)
    n_v = sum((b[3] - b[1]) for b in vb)
    first = n_v > 1.2 * n_h
    scores: dict[int, float] = {}
    crops_by_axis: dict[bool, list[np.ndarray]] = {}

    def line_scores(crops: list[np.ndarray]) -> list[float]:
        return [s * min(len(t), 8) for t, s in recognize(crops)] if crops else []

    for vertical in (first, not first):
        blobs = vb if vertical else hb
        if not blobs:
            continue
        crops = _line_crops(gray, blobs[:limit], vertical)
        crops_by_axis[vertical] = crops
        ka, kb = (1, 3) if vertical else (0, 2)
        # the longest lines first: where they read surely, the rest is not read
        got = line_scores(crops[:SURE_LINES])
        if float(np.mean(got)) < SURE_READ:
            got += line_scores(crops[SURE_LINES:])
        scores[ka] = float(np.mean(got))
        if scores[ka] < SURE_READ:
            scores[kb] = float(np.mean(line_scores([cv2.rotate(c, cv2.ROTATE_180) for c in crops])))
        if max(scores.values()) >= CONVINCING_READ:
            break
    if not scores or max(scores.values()) < UNREADABLE:
        return 0  # nothing reads either way (a blank or signature-only page): keep it as scanned
    k = max(scores, key=lambda q: scores[q])
    other = (k + 2) % 4
    if upside_down is not None and other in scores and abs(scores[k] - scores[other]) < 0.5:
        p = float(np.mean(upside_down(crops_by_axis[k % 2 == 1])))
        k = max(k, other) if p > 0.5 else min(k, other)
    log.debug("orientation: scores %s -> rotate %d°", {90 * q: round(v, 2) for q, v in scores.items()}, 90 * k)
    return k


def _line_crops(gray: np.ndarray, blobs: list[Box], vertical: bool) -> list[np.ndarray]:
    """Candidate line crops turned to read left to right (vertical ones turned clockwise)."""
    crops = []
    for x0, y0, x1, y1 in blobs:
        # a few characters are enough to tell: cap the crop at ~7 character sizes
        if vertical:
            y1 = min(y1, y0 + 7 * (x1 - x0))
        else:
            x1 = min(x1, x0 + 7 * (y1 - y0))
        crop = gray[max(0, y0 - 3) : y1 + 3, max(0, x0 - 3) : x1 + 3]
        crops.append(cv2.rotate(crop, cv2.ROTATE_90_CLOCKWISE) if vertical else crop)
    return crops


# --------------------------------------------------------------------------------------------
# cells


def split_lines(ink: np.ndarray, min_gap: int = 2) -> list[tuple[int, int, int, int]]:
    """Text-line boxes ``(x0, y0, x1, y1)`` in a cell's ink mask, top to bottom."""
    rows = ink.max(axis=1) > 0
    if not rows.any():
        return []
    spans: list[list[int]] = []
    y = 0
    n = len(rows)
    while y < n:
        if rows[y]:
            y0 = y
            while y < n and rows[y]:
                y += 1
            if spans and y0 - spans[-1][1] < min_gap:
                spans[-1][1] = y
            else:
                spans.append([y0, y])
        else:
            y += 1
    tallest = max(b - a for a, b in spans)
    # rejoin pieces of one line: a broken thin stroke, a sliver (dots, accents, stray marks)
    merged: list[list[int]] = [list(spans[0])]
    for y0, y1 in spans[1:]:
        gap = y0 - merged[-1][1]
        short = min(y1 - y0, merged[-1][1] - merged[-1][0]) < 0.6 * tallest
        if gap <= 0.15 * tallest + 1 or (short and gap < 0.35 * tallest):
            merged[-1][1] = y1
        else:
            merged.append([y0, y1])
    out = []
    for y0, y1 in merged:
        if y1 - y0 < 0.3 * tallest and y1 - y0 < 6:
            continue  # noise
        cols = np.flatnonzero(ink[y0:y1].max(axis=0) > 0)
        out.append((int(cols[0]), y0, int(cols[-1]) + 1, y1))
    return out
