"""A folder of page images read as one document (:mod:`govreport.page_folder` says which
folders are)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from govreport.errors import BadInputError, TooLargeError
from govreport.page_folder import page_files
from govreport.settings import ExtractSettings


def read_folder(folder: Path, settings: ExtractSettings):  # type: ignore[no-untyped-def]
    """The :class:`~govreport.layout.tokens.LayoutResult` of a folder of page images, pages in
    natural order of their names (each file may hold several pages: a TIFF)."""
    from govreport.layout.tokens import LayoutResult
    from govreport.ocr.page import ScanPage
    from govreport.ocr.render import PageImage, image_pages
    from govreport.ocr.scan import DECODER_ERRORS, tokens_from_page_images

    files = page_files(folder, settings)
    dpis: list[int | None] = []

    def pages() -> Iterator[PageImage]:
        n = 0
        for path in files:
            try:
                for page in image_pages(path, settings.max_pages, settings.max_pixels):
                    n += 1
                    if n > settings.max_pages:
                        raise TooLargeError(f"{folder}: over {settings.max_pages} pages (--max-pages)")
                    dpis.append(page.dpi)
                    yield PageImage(n, page.image, page.dpi, page.scale)
            except DECODER_ERRORS as exc:
                raise BadInputError(f"{path}: damaged image ({type(exc).__name__}: {exc})") from exc

    scans: list[ScanPage] = []
    tokens, text = tokens_from_page_images(pages(), settings, scans=scans)
    notes = [f"{len(files)} page image(s) read in this order: {', '.join(p.name for p in files[:20])}"
             + (" ..." if len(files) > 20 else "")]
    notes += [n for s in scans for n in s.notes]
    dpi = next((d for d in dpis if d), None)
    return LayoutResult(tokens, text, "image", pages=len(scans), dpi=dpi, notes=notes)
