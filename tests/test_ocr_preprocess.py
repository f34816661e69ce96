"""Page clean-up and grid detection on synthetic pages (no OCR model needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from govreport.layout.grid import align_columns, group_rows
from govreport.ocr.preprocess import (
    binarize,
    estimate_skew,
    map_bbox,
    normalize_illumination,
    rotate90,
    rotate_small,
    split_lines,
)
from govreport.ocr.rules import find_tables
from govreport.ocr.seals import is_redacted, red_mask, suppress_red

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scanfixtures import LABEL_ROWS, NUM_COLS, make_table_page, transform


@pytest.fixture(scope="module")
def page():  # type: ignore[no-untyped-def]
    return make_table_page(3, seal=(5, 2), black_box=(7, 3))


def _binary(img: np.ndarray) -> np.ndarray:
    gray, _ = suppress_red(img)
    return binarize(normalize_illumination(gray))


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_rotate90_matrix_maps_back(k: int) -> None:
    img = np.zeros((40, 70), np.uint8)
    img[5:9, 10:20] = 255
    out, m = rotate90(img, k)
    ys, xs = np.nonzero(out)
    x0, y0, x1, y1 = map_bbox(m, (xs.min(), ys.min(), xs.max(), ys.max()))
    assert (x0, y0, x1, y1) == (10, 5, 19, 8)


def test_rotate_small_matrix_maps_back() -> None:
    img = np.full((300, 400), 255, np.uint8)
    _, m = rotate_small(img, 7.0)
    pt = np.array([200.0, 150.0, 1.0])  # the centre stays put
    assert np.allclose(m @ pt, pt)


@pytest.mark.parametrize("skew", [0.0, 5.0, -5.0, 9.5, -10.0])
def test_estimate_skew(page, skew: float) -> None:  # type: ignore[no-untyped-def]
    img = np.asarray(transform(page.image, skew=skew))
    assert estimate_skew(_binary(img)) == pytest.approx(skew, abs=0.25)


def test_skew_from_text_only() -> None:
    img = np.asarray(transform(make_table_page(2, ruled=False).image, skew=4.0))
    assert estimate_skew(_binary(img)) == pytest.approx(4.0, abs=0.3)


def test_red_seal_is_painted_out(page) -> None:  # type: ignore[no-untyped-def]
    img = np.asarray(page.image)
    assert red_mask(img).mean() > 0.002
    gray, frac = suppress_red(img)
    assert frac > 0.002
    x0, y0, x1, y1 = page.cell_boxes[(5, 2)]  # the number under the seal stays dark
    cell = gray[y0 + 5 : y1 - 5, x0 + 5 : x1 - 5]
    assert (cell < 100).sum() > 50
    assert not red_mask(np.dstack([gray] * 3)).any()


def test_illumination_flattened() -> None:
    ramp = np.tile(np.linspace(120, 250, 500, dtype=np.float32), (300, 1))
    img = ramp.copy()
    img[140:160, 100:400] = ramp[140:160, 100:400] * 0.2  # a dark stroke on uneven light
    out = normalize_illumination(img.astype(np.uint8))
    bg = np.delete(out, np.s_[130:170], axis=0)
    assert bg.min() > 200
    assert out[150, 110] < 100 and out[150, 390] < 100


def test_black_box_detected(page) -> None:  # type: ignore[no-untyped-def]
    gray, _ = suppress_red(np.asarray(page.image))
    x0, y0, x1, y1 = page.cell_boxes[(7, 3)]
    assert is_redacted(gray[y0 + 4 : y1 - 4, x0 + 4 : x1 - 4])
    x0, y0, x1, y1 = page.cell_boxes[(7, 1)]
    assert not is_redacted(gray[y0 + 4 : y1 - 4, x0 + 4 : x1 - 4])


def test_split_lines() -> None:
    ink = np.zeros((80, 60), np.uint8)
    ink[5:25, 5:50] = 255  # line 1
    ink[27:29, 10:12] = 255  # a dot just below: same line
    ink[40:60, 5:30] = 255  # line 2
    assert split_lines(ink) == [(5, 5, 50, 29), (5, 40, 30, 60)]
    assert split_lines(np.zeros((10, 10), np.uint8)) == []


@pytest.mark.parametrize("skew", [0.0, 3.0])
def test_grid_lattice_and_merged_cells(page, skew: float) -> None:  # type: ignore[no-untyped-def]
    img = np.asarray(transform(page.image, skew=skew))
    b = _binary(img)
    if skew:
        b = binarize(rotate_small(normalize_illumination(suppress_red(img)[0]), -estimate_skew(b))[0])
    grid = find_tables(b)
    assert len(grid.tables) == 1
    t = grid.tables[0]
    assert len(t.xs) == 3 + NUM_COLS + 1  # three label columns, seven numbers
    assert len(t.ys) == 2 + len(LABEL_ROWS) + 1
    rows = t.rows
    assert len(rows) == len(t.ys) - 1
    # the first body row: one label spanning the three label columns, then seven numbers
    first = rows[2]
    assert (first[0].c0, first[0].c1) == (0, 3) and len(first) == 1 + NUM_COLS
    # "三、本年度办理结果" spans rows 2..13 in the first column and appears once
    tall = [c for c in t.cells if c.c0 == 0 and c.r1 - c.r0 > 5]
    assert len(tall) == 1 and tall[0].r1 - tall[0].r0 == 12
    # the black box did not become a rule
    assert all(len(r) >= NUM_COLS for r in rows[2:])
    assert grid.draw(b).shape == (*b.shape, 3)


def test_group_rows_and_columns() -> None:
    boxes = [(0, 0, 50, 20), (100, 2, 130, 22), (200, 1, 230, 19), (0, 40, 50, 60), (200, 41, 230, 59)]
    assert group_rows(boxes) == [[0, 1, 2], [3, 4]]
    rows = [[boxes[0], boxes[1], boxes[2]], [boxes[3], boxes[4]], [boxes[0], boxes[1], boxes[2]]]
    assert align_columns(rows) == [[0, 1, 2], [0, None, 1], [0, 1, 2]]


def _lattice(img: np.ndarray):  # type: ignore[no-untyped-def]
    grid = find_tables(_binary(img))
    assert len(grid.tables) == 1
    return grid.tables[0]


def test_gray_seal_adds_no_lattice_line() -> None:
    """In a gray scan the seal's ring and star are dark ink like the rules; their short straight
    pieces must not become lattice lines, nor split or merge the cells under them."""
    page = make_table_page(4, seal=(6, 3))
    gray = np.asarray(page.image.convert("L").convert("RGB"))
    t = _lattice(gray)
    assert len(t.xs) == 3 + NUM_COLS + 1
    assert len(t.ys) == 2 + len(LABEL_ROWS) + 1
    rows = t.rows
    assert all(len([c for c in r if c.c0 >= 3]) == NUM_COLS for r in rows[2:])
    assert all(c.c1 - c.c0 == 1 and c.r1 - c.r0 == 1 for c in t.cells if c.c0 >= 3 and c.r0 >= 2)


def test_black_box_over_a_whole_cell_keeps_its_neighbours_apart() -> None:
    """A redaction box drawn over a cell's rules hides them; the cells either side stay cells."""
    page = make_table_page(5)
    img = page.image.copy()
    x0, y0, x1, y1 = page.cell_boxes[(4, 0)]
    from PIL import ImageDraw

    ImageDraw.Draw(img).rectangle((x0 - 3, y0 - 3, x1 + 3, y1 + 3), fill="black")
    t = _lattice(np.asarray(img))
    assert len(t.xs) == 3 + NUM_COLS + 1
    row = t.rows[2 + 4]
    values = [c for c in row if c.c0 >= 3]
    assert [(c.c0, c.c1) for c in values] == [(3 + i, 4 + i) for i in range(NUM_COLS)]
    assert all(c.c0 >= 3 or c.c1 <= 3 for c in row)  # the label cell does not swallow the box


def test_round_seal_found_and_its_ring_measured() -> None:
    """A seal in a gray scan is found by its shape; its ring is where the seal was drawn."""
    from govreport.ocr.seals import find_seals, seal_ring

    page = make_table_page(7, seal=(6, 3))
    gray = np.asarray(page.image.convert("L"))
    x0, y0, x1, y1 = page.cell_boxes[(6, 3)]
    cx, cy, radius = (x0 + x1) // 2 + 30, (y0 + y1) // 2 + 10, 120  # as scanfixtures draws it
    seals = find_seals(gray)
    assert len(seals) >= 1
    sx, sy, _ = min(seals, key=lambda s: (s[0] - cx) ** 2 + (s[1] - cy) ** 2)
    assert abs(sx - cx) <= 8 and abs(sy - cy) <= 8
    rx, ry, r_in, r_out = seal_ring(binarize(gray), (sx, sy, _))
    assert abs(rx - cx) <= 6 and abs(ry - cy) <= 6
    assert r_in <= radius - 4 and radius <= r_out + 2 and r_out - r_in <= 25
    assert find_seals(np.asarray(make_table_page(7).image.convert("L"))) == []
