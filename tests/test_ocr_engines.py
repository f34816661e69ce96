"""What the recogniser is fed: strips packed tight and even, orientation read only as far as needed."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govreport.ocr.engines import get_engine, pack_strips
from govreport.ocr.preprocess import binarize, detect_orientation, normalize_illumination, rotate90, text_blobs
from govreport.ocr.seals import suppress_red

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scanfixtures import make_table_page, transform


def _fill_in_order(widths: list[int], gap: int, target: int) -> list[list[int]]:
    """The packing before strips were balanced: fill each strip up to ``target`` in order."""
    strips: list[list[int]] = [[]]
    x = gap
    for w in widths:
        if strips[-1] and x + w + gap > target:
            strips.append([])
            x = gap
        strips[-1].append(w)
        x += w + gap
    return strips


@given(st.lists(st.integers(1, 2500), min_size=1, max_size=60), st.integers(0, 20), st.integers(200, 2000))
def test_pack_strips(widths: list[int], gap: int, target: int) -> None:
    strips = pack_strips(widths, gap, target)
    # every crop once, in order, its width kept, ``gap`` white pixels before each and after the last
    assert [i for s in strips for i, _, _ in s] == list(range(len(widths)))
    for s in strips:
        assert s[0][1] == gap
        assert all(x1 - x0 == widths[i] for i, x0, x1 in s)
        assert all(b[1] - a[2] == gap for a, b in zip(s, s[1:], strict=False))
    # never more strips than filling them in order, and never a wider batch: a crop wider than the
    # target has a strip of its own, and strips are split as evenly as the order allows
    width = [s[-1][2] + gap for s in strips]
    before = [gap + sum(w + gap for w in s) for s in _fill_in_order(widths, gap, target)]
    assert len(strips) <= len(before)
    assert max(width) <= max(before)
    assert max(width) <= max(target, max(widths) + 2 * gap)


def test_pack_strips_evens_out_the_last_strip() -> None:
    # 2 x 1600 px at most: in order, strips of 1580 and 460 px; evened out, 1020 and 1020
    widths = [100] * 18
    assert [s[-1][2] + 12 for s in pack_strips(widths, 12, 1600)] == [1020, 1020]
    assert pack_strips([], 12, 1600) == []


@pytest.mark.ocr
def test_recognize_packs_crops_of_any_shape_in_order() -> None:
    engine = get_engine()
    page = make_table_page(51)
    gray = np.asarray(page.image.convert("L"))
    cells = [(r, c) for r in range(3) for c in range(7) if page.numbers[r][c]]
    crops = []
    for r, c in cells:
        x0, y0, x1, y1 = page.cell_boxes[(r, c)]
        crops.append(gray[y0 + 6 : y1 - 6, x0 + 6 : x1 - 6])
    # a gray crop, its colour copy and a one-channel copy read the same; the batch reads in order
    crops += [cv2.cvtColor(crops[0], cv2.COLOR_GRAY2RGB), crops[0][:, :, None]]
    before = engine.work.columns
    res = engine.recognize(crops)
    assert [t for t, _ in res[: len(cells)]] == [page.numbers[r][c] for r, c in cells]
    assert res[-2] == res[-1] == res[0]
    assert engine.work.columns > before


def _prepared(rotate: int) -> tuple[np.ndarray, np.ndarray]:
    page = make_table_page(7, seal=(5, 2), dpi=150)
    gray = normalize_illumination(suppress_red(np.asarray(transform(page.image, rotate=rotate)))[0])
    return gray, binarize(gray)


@pytest.mark.ocr
@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_orientation_reads_only_what_the_decision_needs(rotate: int) -> None:
    engine = get_engine()
    gray, binary = _prepared(rotate)
    asked: list[int] = []

    def recognize(crops: list[np.ndarray]) -> list[tuple[str, float]]:
        asked.append(len(crops))
        return engine.recognize(crops)

    k = detect_orientation(gray, binary, recognize, engine.upside_down)
    assert 90 * k == rotate  # PIL turned the page counter-clockwise; we turn it back clockwise
    if rotate in (0, 90):
        assert asked == [3]  # the axis read first, the right way: three lines, nothing else
    else:
        assert sum(asked) > 3  # read the wrong way first: the lines are read turned over too


def test_text_blobs_found_at_150_dpi_are_boxes_of_the_page() -> None:
    page = make_table_page(7, dpi=300)
    gray = normalize_illumination(suppress_red(np.asarray(page.image))[0])
    binary = binarize(gray)
    small = cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)
    big_h, _ = text_blobs(binary)
    small_h, _ = text_blobs(binarize(small))
    assert len(big_h) == len(small_h) == 8
    # boxes of the 300 dpi page, around its ink: twice the size of those found on it at 150 dpi
    for x0, y0, x1, y1 in big_h:
        assert 0 <= x0 < x1 <= binary.shape[1] and 0 <= y0 < y1 <= binary.shape[0]
        assert (binary[y0:y1, x0:x1] > 0).mean() > 0.05
    ratio = np.median([b[3] - b[1] for b in big_h]) / np.median([b[3] - b[1] for b in small_h])
    assert 1.7 < ratio < 2.3
    # turned by a quarter, the horizontal lines are the vertical ones
    assert len(text_blobs(rotate90(binary, 1)[0])[1]) == len(big_h)
