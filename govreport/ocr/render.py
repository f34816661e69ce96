"""Page images for OCR: PDF pages rendered with pypdfium2, or image files read with Pillow.

Safety: page count is checked against ``max_pages``; every page is kept under ``max_pixels`` by
rendering or resampling at a lower resolution (``PageImage.scale`` records it), and images whose
decoded size would exceed ``4 * max_pixels`` are refused before decoding.
"""

from __future__ import annotations

import logging
import math
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from govreport.errors import BadInputError, TooLargeError
from govreport.settings import OCR_DPI
from govreport.sources import open_pdf

log = logging.getLogger("govreport")


@dataclass(slots=True)
class PageImage:
    """One page as pixels. ``dpi`` is the nominal resolution (PDF: as requested; image: from the
    file, if any) and ``scale`` is pixels of ``image`` per pixel at that resolution (below 1 when
    the page was shrunk to respect ``max_pixels``): divide by it to report boxes at ``dpi``."""

    number: int  #: 1-based
    image: np.ndarray  #: uint8 RGB (H, W, 3) or gray (H, W)
    dpi: int | None
    scale: float = 1.0
    #: a picture cut out of a born-digital page (:mod:`govreport.layout.pictures`): never a photo
    #: of a page, and ``dpi`` is exact, so rules are told from strokes by their length in inches
    cutout: bool = False


def _fit(w: float, h: float, max_pixels: int) -> float:
    """Scale that brings ``w x h`` under ``max_pixels`` (with a margin for rounding up)."""
    return 1.0 if w * h <= max_pixels else 0.99 * math.sqrt(max_pixels / (w * h))


def render_pdf(
    path: Path,
    dpi: int = OCR_DPI,
    password: str | None = None,
    max_pages: int = 200,
    max_pixels: int = 60_000_000,
    pages: list[int] | None = None,
) -> Iterator[PageImage]:
    """Render PDF pages (all, or the 1-based ``pages``) to RGB arrays at ``dpi``."""
    doc = open_pdf(path, password)
    try:
        n = len(doc)
        if n == 0:
            raise BadInputError(f"{path}: the PDF has no pages")
        if n > max_pages:
            raise TooLargeError(f"{path}: {n} pages, over the limit of {max_pages}")
        yield from render_pages(doc, path, dpi, max_pixels, pages or list(range(1, n + 1)))
    finally:
        doc.close()


def render_pages(doc: Any, path: Path, dpi: int, max_pixels: int, pages: list[int]) -> Iterator[PageImage]:
    """Render the 1-based ``pages`` of an open ``pypdfium2.PdfDocument`` (``path`` names it in messages)."""
    import pypdfium2 as pdfium

    for no in pages:
        page = doc[no - 1]
        try:
            w_pt, h_pt = page.get_size()
            want = dpi / 72
            scale = _fit(w_pt * want, h_pt * want, max_pixels)
            if scale < 1:
                log.warning("%s page %d: rendered at %.0f dpi to stay under max_pixels", path, no, dpi * scale)
            bitmap = page.render(scale=want * scale, rev_byteorder=True)
            arr = bitmap.to_numpy()
            img = np.ascontiguousarray(arr[..., :3]) if arr.ndim == 3 else arr
            yield PageImage(no, img, dpi, scale)
        except pdfium.PdfiumError as e:
            raise BadInputError(f"{path} page {no}: cannot render ({e})") from e
        finally:
            page.close()


def pdf_page_count(path: Path, password: str | None = None) -> int:
    doc = open_pdf(path, password)
    try:
        return len(doc)
    finally:
        doc.close()


def load_image_file(path: Path, max_pages: int = 200, max_pixels: int = 60_000_000) -> list[PageImage]:
    """Pages of a PNG/JPEG/BMP/WebP or (multi-page) TIFF file as RGB arrays."""
    return list(image_pages(path, max_pages, max_pixels))


def image_pages(path: Path, max_pages: int = 200, max_pixels: int = 60_000_000) -> Iterator[PageImage]:
    """:func:`load_image_file` one page at a time (a 200-frame TIFF is never all in memory)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    hard = 4 * max_pixels
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = hard // 2  # PIL raises DecompressionBombError above 2x this
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                im = Image.open(path)
            except Image.DecompressionBombError as e:
                raise TooLargeError(f"{path}: image over {hard} pixels") from e
            except (UnidentifiedImageError, OSError, SyntaxError) as e:
                raise BadInputError(f"{path}: not a readable image ({e})") from e
            with im:
                try:
                    n = getattr(im, "n_frames", 1)
                    if n > max_pages:
                        raise TooLargeError(f"{path}: {n} pages, over the limit of {max_pages}")
                    dpi = _dpi_of(im)
                    frames = ImageSequence.Iterator(im)
                except (IndexError, EOFError, ValueError, struct.error, OSError) as e:
                    raise BadInputError(f"{path}: damaged image ({type(e).__name__}: {e})") from e
                count = 0
                while True:
                    try:
                        frame = next(frames)
                        page = _frame_to_page(path, frame, count + 1, dpi, max_pixels, hard)
                    except StopIteration:
                        break
                    except (IndexError, EOFError, ValueError, struct.error, OSError) as e:
                        raise BadInputError(f"{path}: damaged image ({type(e).__name__}: {e})") from e
                    count += 1
                    yield page
                if not count:
                    raise BadInputError(f"{path}: the image has no frames")
    finally:
        Image.MAX_IMAGE_PIXELS = old


def _dpi_of(im) -> int | None:  # type: ignore[no-untyped-def]
    d = im.info.get("dpi")
    try:
        v = round(float(d[0])) if d else None
    except (TypeError, ValueError, IndexError):
        return None
    return v if v and 50 <= v <= 1200 else None


def _frame_to_page(path: Path, frame, number: int, dpi: int | None, max_pixels: int, hard: int) -> PageImage:  # type: ignore[no-untyped-def]
    from PIL import Image

    w, h = frame.size
    if w * h > hard:
        raise TooLargeError(f"{path} page {number}: {w}x{h} pixels, over the limit")
    scale = _fit(w, h, max_pixels)
    try:
        if scale < 1 and frame.format == "JPEG":
            frame.draft("RGB", (int(w * scale), int(h * scale)))  # decode at reduced size
        if scale < 1:
            # shrink before widening to RGB: a palette or gray giant would otherwise triple in memory
            src = frame if frame.mode in ("RGB", "L") else frame.convert("L")
            img = src.resize((max(1, int(w * scale)), max(1, int(h * scale))), Image.Resampling.BILINEAR)
            img = img.convert("RGB")
            log.warning("%s page %d: downscaled %dx%d to stay under max_pixels", path, number, w, h)
        else:
            img = frame.convert("RGB")
    except (OSError, ValueError) as e:
        raise BadInputError(f"{path} page {number}: cannot decode ({e})") from e
    real = img.size[0] / w
    return PageImage(number, np.asarray(img), dpi, real)
