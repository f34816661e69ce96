"""render.py: PDF and image pages, passwords, limits, corrupt input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from govreport.errors import BadInputError, EncryptedError, TooLargeError
from govreport.ocr.render import load_image_file, pdf_page_count, render_pdf
from govreport.settings import OCR_DPI


def _pdf(path: Path, pages: int = 1, size: tuple[int, int] = (850, 1100), dpi: int = 100) -> Path:
    imgs = [Image.new("RGB", size, (255, 255 - 40 * i, 255)) for i in range(pages)]
    imgs[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=imgs[1:])
    return path


def test_render_pdf_at_dpi(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "a.pdf", pages=2)  # 8.5 x 11 in
    pages = list(render_pdf(path, dpi=72))
    assert [p.number for p in pages] == [1, 2]
    assert pages[0].image.shape == (792, 612, 3) and pages[0].image.dtype == np.uint8
    assert pages[0].dpi == 72 and pages[0].scale == 1.0
    assert pages[1].image[10, 10].tolist() == [255, 215, 255]  # RGB order kept
    assert pdf_page_count(path) == 2


def test_render_pdf_keeps_under_max_pixels(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "big.pdf")
    (page,) = render_pdf(path, dpi=OCR_DPI, max_pixels=1_000_000)
    h, w = page.image.shape[:2]
    assert w * h <= 1_000_000 and page.scale < 1 and page.dpi == OCR_DPI


def test_pdf_limits_and_corruption(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "three.pdf", pages=3)
    with pytest.raises(TooLargeError):
        list(render_pdf(path, max_pages=2))
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n garbage garbage")
    with pytest.raises(BadInputError):
        list(render_pdf(bad))
    truncated = tmp_path / "trunc.pdf"
    truncated.write_bytes(path.read_bytes()[:200])
    with pytest.raises(BadInputError):
        list(render_pdf(truncated))


def test_pdf_without_pages(tmp_path: Path) -> None:
    pikepdf = pytest.importorskip("pikepdf")
    empty = tmp_path / "empty.pdf"
    pikepdf.new().save(empty)
    with pytest.raises(BadInputError):
        list(render_pdf(empty))


def test_encrypted_pdf(tmp_path: Path) -> None:
    pikepdf = pytest.importorskip("pikepdf")
    plain = _pdf(tmp_path / "plain.pdf")
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    with pytest.raises(EncryptedError, match="encrypted; give its password"):
        list(render_pdf(locked))
    with pytest.raises(EncryptedError, match="wrong password"):
        list(render_pdf(locked, password="nope"))
    assert len(list(render_pdf(locked, dpi=50, password="secret"))) == 1


def test_image_files(tmp_path: Path) -> None:
    png = tmp_path / "a.png"
    Image.new("L", (300, 200), 128).save(png, dpi=(300, 300))
    (page,) = load_image_file(png)
    assert page.image.shape == (200, 300, 3) and page.dpi == 300 and page.scale == 1.0
    jpg = tmp_path / "a.jpg"
    Image.new("RGB", (300, 200), "white").save(jpg)
    assert load_image_file(jpg)[0].dpi is None


def test_multipage_tiff(tmp_path: Path) -> None:
    tif = tmp_path / "a.tif"
    frames = [Image.new("RGB", (120, 80), (i * 50, 0, 0)) for i in range(3)]
    frames[0].save(tif, save_all=True, append_images=frames[1:])
    pages = load_image_file(tif)
    assert [p.number for p in pages] == [1, 2, 3]
    assert pages[2].image[0, 0].tolist() == [100, 0, 0]
    with pytest.raises(TooLargeError):
        load_image_file(tif, max_pages=2)


def test_huge_images_downscaled_or_refused(tmp_path: Path) -> None:
    png = tmp_path / "big.png"
    Image.new("L", (2000, 1500), 255).save(png)
    (page,) = load_image_file(png, max_pixels=1_000_000)
    h, w = page.image.shape[:2]
    assert w * h <= 1_000_000 and page.scale == pytest.approx(w / 2000)
    with pytest.raises(TooLargeError):
        load_image_file(png, max_pixels=500_000)  # over 4x the limit: not even decoded


def test_not_an_image(tmp_path: Path) -> None:
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    with pytest.raises(BadInputError):
        load_image_file(junk)
