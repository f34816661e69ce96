"""A folder of page images (one file a page, as a phone or a scanner saves them) read as one document.

The pages are the folder's image files in natural order of their names (``p2.jpg`` before
``p10.jpg``); hidden files and a system's thumbnails are left out. A folder is one document when it
holds nothing but images, or images named alike but for their numbers (``IMG_0012.jpg``,
``IMG_0013.jpg``; ``report_p1.png``, ...) beside other files (:func:`page_files`). ``batch`` takes a
folder for one report when its files are two or more images named alike (:func:`is_page_folder`).

>>> sorted(["p10.jpg", "p2.jpg", "p1.jpg"], key=natural_key)
['p1.jpg', 'p2.jpg', 'p10.jpg']
>>> same_stem(["IMG_0012.jpg", "IMG_0013.JPG"]), same_stem(["a.png", "b.png"])
(True, False)
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from govreport.errors import BadInputError, InputNotFoundError, TooLargeError
from govreport.settings import ExtractSettings
from govreport.sources import IMAGE_SUFFIXES, check_file, sniff

#: files a system leaves beside pictures, never pages
JUNK = {"thumbs.db", "desktop.ini", ".ds_store"}
_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> list[object]:
    """Sort key: runs of digits compare as numbers (``p2`` < ``p10``)."""
    return [(0, int(part), part) if part.isdigit() else (1, 0, part.lower()) for part in _DIGITS.split(name) if part]


def same_stem(names: list[str]) -> bool:
    """Whether the names differ only in their numbers (the pages of one report)."""
    stems = {_DIGITS.sub("#", Path(n).stem.lower()) for n in names}
    return len(stems) == 1 and "#" in next(iter(stems))


def _files(folder: Path) -> list[Path]:
    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        raise InputNotFoundError(f"{folder}: cannot be read ({exc.strerror or exc})") from None
    return sorted((p for p in entries if p.is_file() and not p.name.startswith((".", "~$"))
                   and p.name.lower() not in JUNK), key=lambda p: natural_key(p.name))


def _is_image(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError:
        return False
    return sniff(head, path.name) == "image"


def page_files(folder: Path, settings: ExtractSettings) -> list[Path]:
    """The page images of ``folder`` in natural order; a folder holding anything but images (or
    none) is refused with a one-line error."""
    files = _files(folder)
    if not files:
        raise BadInputError(f"{folder}: is a directory with no page images (a folder is read as one report's "
                            "page images; use 'govreport batch' for a folder of reports)")
    images = [p for p in files if _is_image(p)]
    others = [p.name for p in files if p not in images]
    if others and len(images) >= 2 and same_stem([p.name for p in images]):
        files = images  # pages named alike beside other files (a note, a checksum): the pages are read
    elif others:
        raise BadInputError(f"{folder}: is a directory holding {others[0]!r}, not only page images (a folder is "
                            "read as one report's page images; use 'govreport batch' for a folder of reports)")
    if len(files) > settings.max_pages:
        raise TooLargeError(f"{folder}: {len(files)} pages is over the limit of {settings.max_pages} (--max-pages)")
    for p in files:
        check_file(p, settings.max_bytes)
    return files


def is_page_folder(folder: Path, files: list[Path]) -> bool:
    """Whether ``files`` (the folder's files) are the pages of one report: two or more, every one
    an image named like the others but for its numbers."""
    files = [p for p in files if p.name.lower() not in JUNK]
    return (len(files) >= 2 and all(p.suffix.lower() in IMAGE_SUFFIXES for p in files)
            and same_stem([p.name for p in files]) and all(_is_image(p) for p in files))


def folder_digest(files: list[Path], chunk: int = 1 << 20) -> tuple[str, int]:
    """sha256 over the pages' names and bytes in order, and their total size."""
    h = hashlib.sha256()
    size = 0
    for p in files:
        h.update(p.name.encode("utf-8", "surrogateescape") + b"\0")
        with p.open("rb") as fh:
            while data := fh.read(chunk):
                size += len(data)
                h.update(data)
    return h.hexdigest(), size
