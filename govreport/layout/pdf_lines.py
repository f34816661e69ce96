"""A PDF text layer's characters grouped into lines, segments and text (PDF points, top-left origin).

Shared by :mod:`govreport.layout.pdf_text` (the text layer's tables and lines) and
:mod:`govreport.layout.pictures` (the numbers of an invisible layer checked against OCR).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from govreport.types import BBox


def lines_of(idx: Sequence[int], chars: list[str], boxes: np.ndarray) -> list[list[int]]:
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


def segments(line: list[int], chars: list[str], boxes: np.ndarray, split_gap: float) -> list[list[int]]:
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


def text_of(seg: list[int], chars: list[str], boxes: np.ndarray) -> str:
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


def union(boxes: np.ndarray, idx: Sequence[int]) -> BBox:
    b = boxes[list(idx)]
    return (
        round(float(b[:, 0].min()), 2),
        round(float(b[:, 1].min()), 2),
        round(float(b[:, 2].max()), 2),
        round(float(b[:, 3].max()), 2),
    )
