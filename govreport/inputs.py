"""Recognise what a file is and hand it to the right layout reader.

>>> sniff(b"%PDF-1.7 ...", "x.bin")
'pdf'
>>> sniff("行政许可\\t12".encode(), "a.txt")
'text'
"""

from __future__ import annotations

import logging
from pathlib import Path

from govreport.errors import BadInputError, InputNotFoundError, MissingDependencyError, TooLargeError
from govreport.layout.text import read_text
from govreport.layout.tokens import LayoutResult
from govreport.settings import ExtractSettings

log = logging.getLogger("govreport")

_IMAGE_MAGIC = {b"\x89PNG": "image", b"\xff\xd8\xff": "image", b"II*\x00": "image", b"MM\x00*": "image",
                b"BM": "image", b"GIF8": "image"}


def sniff(head: bytes, name: str) -> str:
    """``pdf``, ``docx``, ``doc``, ``html``, ``image``, ``zip`` or ``text`` from magic bytes and name."""
    suffix = Path(name).suffix.lower()
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
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


def load(path: Path, settings: ExtractSettings) -> LayoutResult:
    """Read ``path`` into a :class:`LayoutResult` with the reader its content calls for."""
    if not path.exists():
        raise InputNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise BadInputError(f"{path}: is a directory (use 'govreport batch' for folders)")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise InputNotFoundError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if size == 0:
        raise BadInputError(f"{path}: the file is empty")
    if size > settings.max_bytes:
        raise TooLargeError(f"{path}: {size} bytes is over the {settings.max_bytes}-byte limit")
    kind = sniff(head, path.name)
    log.debug("%s: detected %s", path, kind)
    if kind == "text":
        return read_text(path, settings, name=str(path))
    if kind == "pdf":
        return _reader("govreport.layout.pdf_text", "read_pdf", "PDF input")(path, settings)
    if kind == "docx":
        return _reader("govreport.layout.docx", "read_docx", "Word input")(path, settings)
    if kind == "html":
        return _reader("govreport.layout.html", "read_html", "HTML input")(path, settings)
    if kind == "image":
        return _reader("govreport.layout.scan", "read_scanned", "image input")(path, settings)
    if kind == "doc":
        raise BadInputError(f"{path}: legacy .doc files are not supported; save it as .docx or PDF first")
    raise BadInputError(f"{path}: a zip archive is not a report (use 'govreport batch' for archives)")


def _reader(module: str, func: str, purpose: str):  # type: ignore[no-untyped-def]
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        raise MissingDependencyError(
            f"{purpose} needs '{missing}', which is not installed: pip install 'govreport[all]'") from None
    return getattr(mod, func)
