"""End to end on synthetic scans with the real OCR models (no mocks)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from govreport.errors import MissingDependencyError
from govreport.layout.tokens import Kind
from govreport.ocr.engines import get_engine
from govreport.ocr.render import PageImage
from govreport.ocr.scan import read_scanned, tokens_from_page_images
from govreport.settings import ExtractSettings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scanfixtures import (
    body_rows,
    cell_errors,
    make_table_page,
    token_rows,
    transform,
    transform_point,
)

pytest.importorskip("rapidocr")
pytestmark = pytest.mark.ocr
SETTINGS = ExtractSettings()


@pytest.mark.parametrize(("rotate", "skew"), [(0, 0.0), (90, 0.0), (180, 0.0), (270, 0.0), (0, 5.0), (0, -5.0)])
def test_numbers_land_in_their_cells(rotate: int, skew: float) -> None:
    page = make_table_page(10 + rotate + int(skew), seal=(5, 2), black_box=(7, 3))
    img = transform(page.image, rotate=rotate, skew=skew)
    scans: list = []
    tokens, text = tokens_from_page_images([PageImage(1, np.asarray(img), 200)], SETTINGS, scans=scans)
    assert cell_errors(page, tokens) == []
    assert scans[0].rotation == rotate  # PIL turned it counter-clockwise; we turn it back clockwise
    assert scans[0].skew == pytest.approx(skew, abs=0.3)
    # boxes are reported in the pixels of the image we were given
    rows = body_rows(tokens)
    for r, c in [(0, 0), (14, 6), (5, 2)]:
        x0, y0, x1, y1 = page.cell_boxes[(r, c)]
        cx, cy = transform_point(page.image.size, ((x0 + x1) / 2, (y0 + y1) / 2), rotate=rotate, skew=skew)
        bx0, by0, bx1, by1 = rows[r][-7 + c].bbox
        assert bx0 < cx < bx1 and by0 < cy < by1
    assert page.title in text.splitlines()[0]
    assert "（一）予以公开" in text.replace("(", "（").replace(")", "）").replace(" ", "")


def test_tokens_shape_and_confidence() -> None:
    page = make_table_page(21, black_box=(3, 3))
    tokens, _ = tokens_from_page_images([PageImage(1, np.asarray(page.image), 200)], SETTINGS)
    rows = token_rows(tokens)
    assert tokens[-1].kind is Kind.BREAK
    assert rows[0][0].kind is Kind.TEXT and rows[0][0].text == page.title
    # a label spanning rows is emitted once, in its first row
    assert sum(t.text == "三、本年度办理结果" for t in tokens) == 1
    nums = [t for t in tokens if t.kind is Kind.NUMBER]
    assert all(t.page == 1 and t.bbox is not None and 0 < (t.confidence or 0) <= 1 for t in nums)
    masked = [t for t in tokens if t.kind is Kind.MASK]
    assert len(masked) == 1 and masked[0].value is None


def test_read_scanned_pdf_and_image(tmp_path: Path) -> None:
    p1, p2 = make_table_page(31), make_table_page(32, seal=(0, 0))
    pdf = tmp_path / "scan.pdf"
    p1.image.save(pdf, "PDF", resolution=200, save_all=True, append_images=[p2.image])
    res = read_scanned(pdf, SETTINGS)
    assert (res.input_kind, res.pages, res.dpi) == ("scanned_pdf", 2, 200)
    rows = body_rows(res.tokens)
    assert len(rows) == 30
    assert [t.text for t in rows[15][-7:]] == [v if v else "" for v in p2.numbers[0]]
    assert {t.page for t in res.tokens if t.page} == {1, 2}
    assert "2023年" in res.text and any("red ink" in n for n in res.notes)

    png = tmp_path / "scan.png"
    transform(p1.image, rotate=90).save(png, dpi=(200, 200))
    res = read_scanned(png, SETTINGS)
    assert (res.input_kind, res.pages, res.dpi) == ("image", 1, 200)
    assert cell_errors(p1, res.tokens) == []


@pytest.mark.slow
def test_unruled_table_falls_back_to_boxes() -> None:
    page = make_table_page(41, ruled=False)
    img = np.asarray(transform(page.image, skew=1.0))
    tokens, _ = tokens_from_page_images([PageImage(1, img, 200)], SETTINGS)
    assert cell_errors(page, tokens) == []


def test_engine_is_cached_offline_and_batched(monkeypatch: pytest.MonkeyPatch) -> None:
    import rapidocr
    from rapidocr.utils import download_file

    from govreport.ocr.engines import RapidOcrEngine

    assert get_engine() is get_engine("rapidocr", "cpu")

    def no_download(*a: object, **k: object) -> None:
        raise AssertionError("a model download was attempted")

    monkeypatch.setattr(download_file.DownloadFile, "run", no_download)
    fresh = RapidOcrEngine()
    assert "PP-OCRv6" in fresh.model_info
    assert Path(rapidocr.__file__).parent.name == "rapidocr"
    assert fresh.recognize([]) == []
    page = make_table_page(51)
    x0, y0, x1, y1 = page.cell_boxes[(1, 4)]
    crop = np.asarray(page.image.convert("L"))[y0 + 20 : y1 - 20, x0 + 8 : x1 - 8]
    (text, score), (text2, _) = fresh.recognize([crop, crop])
    assert text == text2 == page.numbers[1][4] and score > 0.8


def test_missing_engines_and_devices() -> None:
    import onnxruntime as ort

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        with pytest.raises(MissingDependencyError, match="onnxruntime-gpu"):
            get_engine("rapidocr", "cuda")
    try:
        import paddleocr  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependencyError, match="paddle"):
            get_engine("paddle")
    with pytest.raises(ValueError):
        get_engine("tesseract")


@pytest.mark.parametrize(("dpi", "blur", "quality"), [(200, 1.0, 40), (300, 0.8, 60)])
def test_blurred_jpeg_scans(dpi: int, blur: float, quality: int) -> None:
    import io

    from PIL import Image, ImageFilter

    page = make_table_page(60 + dpi, seal=(2, 1), black_box=(9, 5), dpi=dpi)
    img = transform(page.image, skew=-2.0).filter(ImageFilter.GaussianBlur(blur))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    img = Image.open(buf).convert("RGB")
    tokens, _ = tokens_from_page_images([PageImage(1, np.asarray(img), dpi)], SETTINGS)
    assert cell_errors(page, tokens) == []


def test_gray_scan_with_a_seal_over_numbers_never_gives_a_wrong_number() -> None:
    """Gray scans keep the seal as dark ink over the digits. Each value cell is its printed
    number, or masked where the seal makes it unreadable, or read with a confidence low enough
    to be flagged; no cell shifts, and no confident number is wrong."""
    page = make_table_page(33, seal=(8, 4))
    img = transform(page.image.convert("L").convert("RGB"), skew=1.5)
    tokens, _ = tokens_from_page_images([PageImage(1, np.asarray(img), 200)], SETTINGS)
    rows = body_rows(tokens)
    assert len(rows) == len(page.numbers)
    wrong, masked, doubtful = [], 0, 0
    for r, (row, want) in enumerate(zip(rows, page.numbers, strict=True)):
        for c, (tok, w) in enumerate(zip(row[-7:], want, strict=True)):
            if tok.kind is Kind.MASK:
                masked += 1
                assert abs(r - 8) <= 2 and abs(c - 4) <= 2, f"row {r} col {c} masked far from the seal"
            elif (tok.kind is Kind.BLANK and w) or (tok.kind is not Kind.BLANK and tok.text != w):
                if tok.confidence is not None and tok.confidence < SETTINGS.low_confidence:
                    doubtful += 1
                    assert abs(r - 8) <= 2 and abs(c - 4) <= 2, f"row {r} col {c} doubtful far from the seal"
                else:
                    wrong.append(f"row {r} col {c}: {tok.text!r} ({tok.confidence}), want {w!r}")
    assert wrong == []
    assert masked + doubtful <= 6


def test_seal_over_empty_cells_of_a_gray_scan_reads_empty() -> None:
    """A gray scan keeps a seal as ink lighter than the print. Over cells printed empty its
    strokes are no number and hide none: the cells read as empty (or doubted), not masked, and
    the numbers around them are still read."""
    from PIL import ImageDraw, ImageFont
    from scanfixtures import _draw_seal, cjk_font_path

    page = make_table_page(41)
    d = ImageDraw.Draw(page.image)
    empty = {(r, c) for r in range(5, 8) for c in range(2, 5)}
    for r, c in empty:  # a block of cells printed empty
        x0, y0, x1, y1 = page.cell_boxes[(r, c)]
        d.rectangle((x0 + 4, y0 + 4, x1 - 4, y1 - 4), fill="white")
    x0, y0, x1, y1 = page.cell_boxes[(6, 3)]
    _draw_seal(page.image, ((x0 + x1) // 2, (y0 + y1) // 2), 120, ImageFont.truetype(cjk_font_path(), 24))
    img = page.image.convert("L").convert("RGB")
    tokens, _ = tokens_from_page_images([PageImage(1, np.asarray(img), 200)], SETTINGS)
    rows = body_rows(tokens)
    assert len(rows) == len(page.numbers)
    got = {(r, c): rows[r][-7 + c] for r, c in empty}
    assert all(t.kind is not Kind.MASK for t in got.values()), {k: t.text for k, t in got.items()}
    assert all(t.kind is Kind.BLANK or (t.confidence or 0) < SETTINGS.low_confidence for t in got.values())
    assert sum(t.kind is Kind.BLANK for t in got.values()) >= 7
    wrong = [(r, c) for r, row in enumerate(rows) for c, t in enumerate(row[-7:])
             if (r, c) not in empty and t.text != page.numbers[r][c]
             and (t.confidence is None or t.confidence >= SETTINGS.low_confidence)]
    assert wrong == []
