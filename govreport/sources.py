"""Inputs: what a file is, checked and sniffed once, as a typed :class:`Source` for the readers.

The content decides, not the name: a PDF called ``.txt`` is read as a PDF, a PNG called ``.pdf``
as an image. Before any reader runs, the path must be a regular, readable, non-empty file under
``settings.max_bytes`` (:func:`check_file`); formats that are recognisable but not reports
(archives, executables, spreadsheets, OFD, RTF, legacy Office) are refused with a message that
says what they are (:func:`open_source`). Every error names the file and fits on one line.
PDFs are recognised by one rule (:func:`is_pdf`) and opened by one function (:func:`open_pdf`).

>>> sniff(b"%PDF-1.7 ...", "x.bin"), is_pdf(b"junk before the header %PDF-1.4")
('pdf', True)
>>> sniff("行政许可\\t12".encode(), "a.txt")
'text'
>>> unsupported(b"\\x1f\\x8b\\x08\\x00", "r.txt.gz")
'a gzip archive'
"""

from __future__ import annotations

import errno
import logging
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govreport.errors import (
    BadInputError,
    EncryptedError,
    GovreportError,
    InputNotFoundError,
    MissingDependencyError,
    TooLargeError,
)
from govreport.settings import ExtractSettings

log = logging.getLogger("govreport")

_IMAGE_MAGIC = {b"\x89PNG": "image", b"\xff\xd8\xff": "image", b"II*\x00": "image", b"MM\x00*": "image",
                b"BM": "image", b"GIF8": "image"}
#: the suffixes image files are named with
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

HEAD_BYTES = 8192  #: how much of a file is read to tell what it is
PDF_HEADER_WITHIN = 1024  #: PDF readers accept a header this far into the file (after a preamble)


def is_pdf(head: bytes) -> bool:
    """Whether a file's first bytes hold a PDF header (at the start, or after a short preamble)."""
    return head.startswith(b"%PDF") or b"%PDF-" in head[:PDF_HEADER_WITHIN]


def sniff(head: bytes, name: str) -> str:
    """``pdf``, ``docx``, ``doc``, ``html``, ``image``, ``zip`` or ``text`` from magic bytes and name."""
    suffix = Path(name).suffix.lower()
    if is_pdf(head):
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


def is_encrypted_ooxml(data: bytes | Path) -> bool:
    """Whether an OLE compound file (bytes, or a file) is an encrypted Office Open XML package (a
    password-protected .docx/.xlsx): its directory names an ``EncryptedPackage`` stream."""
    def chunk(offset: int, size: int) -> bytes:
        if isinstance(data, bytes):
            return data[offset:offset + size]
        with open(data, "rb") as fh:
            fh.seek(offset)
            return fh.read(size)

    try:
        header = chunk(0, 512)
        if not header.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") or len(header) < 512:
            return False
        shift = int.from_bytes(header[0x1E:0x20], "little")
        first = int.from_bytes(header[0x30:0x34], "little")
        if not 7 <= shift <= 16 or first >= 0xFFFFFFFA:
            return False
        directory = chunk((first + 1) << shift, 4 << shift)  # the root's entries come first
    except OSError:
        return False
    return "EncryptedPackage".encode("utf-16-le") in directory


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


@dataclass(frozen=True, slots=True)
class Source:
    """One input file, checked (:func:`check_file`) and sniffed: what every reader gets."""

    path: Path
    kind: str  #: pdf | docx | html | image | text (or doc | zip, which :func:`open_source` refuses)
    size: int  #: bytes
    head: bytes  #: the first :data:`HEAD_BYTES`

    @property
    def name(self) -> str:
        """How messages and the report name the input: the path as given."""
        return str(self.path)

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def claimed(self) -> str | None:
        """The kind the file's suffix promises (``None``: the suffix promises nothing)."""
        return _SUFFIX_KIND.get(self.suffix)

    @property
    def claimed_name(self) -> str | None:
        """What the suffix promises, in words ("a PDF")."""
        return _KIND_NAME.get(self.claimed) if self.claimed else None

    @property
    def misnamed(self) -> str | None:
        """A note when the suffix says something else than the content (``scan.pdf`` holding a PNG)."""
        if self.kind == "image" and self.suffix and self.claimed != "image":
            return f"named {self.path.suffix} but the content is an image; read as an image"
        return None

    def read_bytes(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise InputNotFoundError(f"{self.path}: cannot be read ({exc.strerror or exc})") from None


def as_source(source: Source | str | os.PathLike[str], settings: ExtractSettings) -> Source:
    """``source`` itself, or the checked and sniffed :class:`Source` of a path."""
    if isinstance(source, Source):
        return source
    path = Path(source)
    size, head = check_file(path, settings.max_bytes)
    kind = sniff(head, path.name)
    log.debug("%s: detected %s", path, kind)
    return Source(path, kind, size, head)


def open_source(path: str | os.PathLike[str], settings: ExtractSettings) -> Source:
    """The :class:`Source` of ``path``, refusing formats that are no report (archives, legacy Office,
    executables, ...) with a message that says what they are."""
    source = as_source(path, settings)
    what = unsupported(source.head, source.path.name) if source.kind in ("text", "zip") else None
    if what is not None:
        raise BadInputError(f"{path}: {what}, not a report govreport can read")
    if source.kind == "doc" and is_encrypted_ooxml(source.path):
        if not settings.password:
            raise EncryptedError(f"{path}: the Word file is password-protected; give its password (--password)")
        return Source(source.path, "docx", source.size, source.head)  # the Word reader decrypts it
    if source.kind == "doc":
        raise BadInputError(f"{path}: legacy .doc/.wps/.xls files are not supported; save it as .docx or PDF first")
    if source.kind == "zip":
        raise BadInputError(f"{path}: a zip archive is not a report (use 'govreport batch' for archives)")
    claimed = source.claimed
    if claimed and claimed != source.kind and not (claimed == "text" and source.kind == "html"):
        log.info("%s: named %s but the content is %s; reading it as %s", path, source.suffix,
                 _KIND_NAME[source.kind], source.kind)
    return source


_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def one_line(exc: GovreportError, name: str) -> GovreportError:
    """``exc`` itself, or a copy of its class whose message names the input on a single line."""
    message = str(exc)
    flat = message
    if "\n" in message or "\r" in message:  # line breaks in the reason, not in the name (a name may hold one)
        parts = message.split(name) if name else [message]
        flat = name.join(_BREAKS.sub(" ", part) for part in parts)
    if name not in flat:
        flat = f"{name}: {flat}"
    if flat == message:
        return exc
    new = type(exc)(flat)
    new.exit_code = exc.exit_code
    return new


def check_file(path: Path, max_bytes: int) -> tuple[int, bytes]:
    """Size and first bytes of a regular, readable, non-empty file under ``max_bytes``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.txt"; _ = p.write_text("x")
    >>> check_file(p, max_bytes=10)
    (1, b'x')
    """
    if not str(path).strip():
        raise InputNotFoundError("no input given (the path is empty)")
    try:
        st = os.stat(path)
    except ValueError:  # a NUL in the path
        raise InputNotFoundError(f"{str(path)!r}: a path cannot hold a NUL character") from None
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
    if st.st_size > max_bytes:
        raise TooLargeError(f"{path}: {st.st_size} bytes is over the {max_bytes}-byte limit")
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.ENOENT):
            raise InputNotFoundError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        raise BadInputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not head:
        raise BadInputError(f"{path}: the file is empty")
    return st.st_size, head


def open_pdf(path: Path, password: str | None = None) -> Any:
    """A ``pypdfium2.PdfDocument``: a missing or wrong password is an :class:`EncryptedError`, an
    unsupported security handler too, anything else unreadable a :class:`BadInputError`."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as pr
    except ImportError as exc:  # pragma: no cover
        raise MissingDependencyError.for_extra("pypdfium2", "pdf", "Reading PDF files") from exc
    try:
        return pdfium.PdfDocument(str(path), password=password)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pr.FPDF_ERR_PASSWORD:
            if password:
                raise EncryptedError(f"{path}: wrong password for this encrypted PDF") from exc
            raise EncryptedError(f"{path}: the PDF is encrypted; give its password (--password)") from exc
        if code == pr.FPDF_ERR_SECURITY:
            raise EncryptedError(f"{path}: unsupported PDF security handler") from exc
        raise BadInputError(f"{path}: not a readable PDF ({exc})") from exc
