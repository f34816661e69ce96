"""Recognise what a file is and hand it to the right layout reader.

The content decides, not the name: a PDF called ``.txt`` is read as a PDF, a PNG called ``.pdf``
as an image. Before any reader runs, the path must be a regular, readable, non-empty file under
``settings.max_bytes``; formats that are recognisable but not reports (archives, executables,
spreadsheets, OFD, RTF, legacy Office) are refused with a message that says what they are.
Every error names the file and fits on one line.

>>> sniff(b"%PDF-1.7 ...", "x.bin")
'pdf'
>>> sniff("行政许可\\t12".encode(), "a.txt")
'text'
>>> unsupported(b"\\x1f\\x8b\\x08\\x00", "r.txt.gz")
'a gzip archive'
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import struct
from pathlib import Path

from govreport.errors import (
    BadInputError,
    GovreportError,
    InputNotFoundError,
    MissingDependencyError,
    TooLargeError,
)
from govreport.layout.text import read_text
from govreport.layout.tokens import LayoutResult
from govreport.settings import ExtractSettings

log = logging.getLogger("govreport")

_IMAGE_MAGIC = {b"\x89PNG": "image", b"\xff\xd8\xff": "image", b"II*\x00": "image", b"MM\x00*": "image",
                b"BM": "image", b"GIF8": "image"}
#: the suffixes the scan reader decodes as images (others go through :func:`_read_image`)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
#: what a suffix promises, for messages when the content says otherwise
_SUFFIX_KIND = {".pdf": "pdf", ".docx": "docx", ".docm": "docx", ".html": "html", ".htm": "html",
                ".txt": "text", ".md": "text", ".zip": "zip", ".doc": "doc",
                **dict.fromkeys(IMAGE_SUFFIXES | {".gif"}, "image")}
_KIND_NAME = {"pdf": "a PDF", "docx": "a Word .docx file", "html": "an HTML page", "text": "text",
              "image": "an image", "zip": "a zip archive", "doc": "a legacy Office file"}
#: recognisable formats that are not reports: magic bytes at offset 0 -> what to call them
_UNSUPPORTED_MAGIC = (
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x7fELF", "an executable"),
    (b"{\\rtf", "an RTF document (save it as .docx or PDF)"),
    (b"\x00\x00\x01\x00", "an icon file"),
    (b"OggS", "an audio/video file"),
    (b"ID3", "an audio file"),
    (b"\x1aE\xdf\xa3", "a video file"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


#: what Pillow's decoders raise on damaged data besides OSError (which ocr.render maps already)
_DECODER_ERRORS = (IndexError, EOFError, ValueError, SyntaxError, struct.error, ZeroDivisionError, OverflowError)


def sniff(head: bytes, name: str) -> str:
    """``pdf``, ``docx``, ``doc``, ``html``, ``image``, ``zip`` or ``text`` from magic bytes and name."""
    suffix = Path(name).suffix.lower()
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "docx" if suffix in (".docx", ".docm", ".wps", "") or b"word/" in head[:2000] else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    for magic, kind in _IMAGE_MAGIC.items():
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    low = head[:4096].lower()
    if suffix in (".html", ".htm", ".xhtml", ".shtml") or b"<html" in low or b"<!doctype html" in low:
        return "html"
    return "text"


def unsupported(head: bytes, name: str) -> str | None:
    """What a file is when it is a known format govreport does not read (None: try to read it)."""
    for magic, what in _UNSUPPORTED_MAGIC:
        if head.startswith(magic):
            return what
    if head[:2] == b"MZ" and b"\x00" in head[2:64]:
        return "a Windows executable"
    if head[4:8] == b"ftyp":
        return "a HEIC/MP4 file"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")) and b"word/" not in head[:4000]:
        if b"OFD.xml" in head[:4000] or Path(name).suffix.lower() == ".ofd":
            return "an OFD document (export it as PDF)"
        if b"xl/" in head[:4000]:
            return "an Excel workbook"
        if b"ppt/" in head[:4000]:
            return "a PowerPoint file"
    return None


def load(path: Path, settings: ExtractSettings) -> LayoutResult:
    """Read ``path`` into a :class:`LayoutResult` with the reader its content calls for.

    Raises a :class:`GovreportError` whose message names ``path`` and fits on one line.
    """
    path = Path(path)
    try:
        return _load(path, settings)
    except GovreportError as exc:
        raise _one_line(exc, path) from exc
    except MemoryError:
        raise TooLargeError(f"{path}: ran out of memory reading it") from None
    except RecursionError:
        raise BadInputError(f"{path}: nested too deeply to read") from None


def _one_line(exc: GovreportError, path: Path) -> GovreportError:
    """``exc`` itself, or a copy of its class whose message names the file on a single line."""
    message = str(exc)
    flat = " ".join(message.split()) if ("\n" in message or "\r" in message) else message
    if str(path) not in flat:
        flat = f"{path}: {flat}"
    if flat == message:
        return exc
    new = type(exc)(flat)
    new.exit_code = exc.exit_code
    return new


def _check_file(path: Path, settings: ExtractSettings) -> tuple[int, bytes]:
    """Size and first bytes of a regular, readable, non-empty file under the byte limit."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise InputNotFoundError(f"{path}: broken symbolic link (to {os.readlink(path)})") from None
        raise InputNotFoundError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputNotFoundError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadInputError(f"{path}: is a directory (use 'govreport batch' for folders)")
    if not stat.S_ISREG(st.st_mode):  # opening a FIFO would block forever; a device never ends
        what = ("a named pipe" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "a device")
        raise BadInputError(f"{path}: is {what}, not a regular file")
    if st.st_size == 0:
        raise BadInputError(f"{path}: the file is empty")
    if st.st_size > settings.max_bytes:
        raise TooLargeError(f"{path}: {st.st_size} bytes is over the {settings.max_bytes}-byte limit")
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.ENOENT):
            raise InputNotFoundError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        raise BadInputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not head:
        raise BadInputError(f"{path}: the file is empty")
    return st.st_size, head


def _load(path: Path, settings: ExtractSettings) -> LayoutResult:
    _, head = _check_file(path, settings)
    suffix = path.suffix.lower()
    kind = sniff(head, path.name)
    what = unsupported(head, path.name) if kind in ("text", "zip") else None
    if what is not None:
        raise BadInputError(f"{path}: {what}, not a report govreport can read")
    claimed = _SUFFIX_KIND.get(suffix)
    if claimed and claimed != kind and not (claimed == "text" and kind == "html"):
        log.info("%s: named %s but the content is %s; reading it as %s", path, suffix, _KIND_NAME[kind], kind)
    log.debug("%s: detected %s", path, kind)
    if kind == "text":
        try:
            return read_text(path, settings, name=str(path))
        except BadInputError as exc:
            if claimed and claimed != "text":  # a .pdf/.docx/.png holding neither that nor text
                raise BadInputError(f"{path}: named {suffix} but it is not {_KIND_NAME[claimed]} "
                                    f"(nor text): a damaged or mislabelled file") from exc
            raise
    if kind == "pdf":
        return _reader("govreport.layout.pdf_text", "read_pdf", "PDF input")(path, settings)
    if kind == "docx":
        return _reader("govreport.layout.docx", "read_docx", "Word input")(path, settings)
    if kind == "html":
        return _reader("govreport.layout.html", "read_html", "HTML input")(path, settings)
    if kind == "image":
        try:
            if suffix and suffix not in IMAGE_SUFFIXES:
                return _read_image(path, settings)
            return _reader("govreport.ocr.scan", "read_scanned", "image input")(path, settings)
        except _DECODER_ERRORS as exc:  # Pillow's decoders on a damaged file (a GIF cut short: IndexError)
            log.debug("%s: image decoder failed", path, exc_info=True)
            raise BadInputError(f"{path}: damaged image ({type(exc).__name__}: {exc})") from exc
    if kind == "doc":
        raise BadInputError(f"{path}: legacy .doc/.wps/.xls files are not supported; save it as .docx or PDF first")
    raise BadInputError(f"{path}: a zip archive is not a report (use 'govreport batch' for archives)")


def _read_image(path: Path, settings: ExtractSettings) -> LayoutResult:
    """An image whose name says otherwise (``scan.pdf`` holding a PNG): the scan reader picks its
    decoder by suffix, so load the pages here and OCR them the same way."""
    load_image_file = _reader("govreport.ocr.render", "load_image_file", "image input")
    tokens_from_page_images = _reader("govreport.ocr.scan", "tokens_from_page_images", "image input")
    pages = load_image_file(path, settings.max_pages, settings.max_pixels)
    tokens, text = tokens_from_page_images(pages, settings)
    return LayoutResult(tokens, text, "image", pages=len(pages), dpi=pages[0].dpi,
                        notes=[f"named {path.suffix} but the content is an image; read as an image"])


def _reader(module: str, func: str, purpose: str):  # type: ignore[no-untyped-def]
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        raise MissingDependencyError(
            f"{purpose} needs '{missing}', which is not installed: pip install 'govreport[all]'") from None
    return getattr(mod, func)
