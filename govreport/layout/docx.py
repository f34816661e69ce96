"""Word reports (``.docx``): paragraphs and native tables, in document order.

A cell merged across columns (``gridSpan``) or rows (``vMerge``) becomes one token, in the row
where it starts; the continuation parts of a vertical merge give nothing. A cell holding a nested
table ends the current row, then the nested table's rows follow. Content controls (``w:sdt``),
hyperlinks, insertions and fields are read through; deleted text, headers, footers, footnotes,
text boxes and the fallback copies of drawings are not. Legacy ``.doc`` files are refused with a
hint to convert them (there is no pure-Python reader for them).

>>> import io, docx as _d
>>> doc = _d.Document(); _ = doc.add_paragraph("二、主动公开政府信息情况")
>>> t = doc.add_table(rows=2, cols=2); t.cell(0, 0).merge(t.cell(1, 0)).text = "行政处罚"
>>> t.cell(0, 1).text = "48"; t.cell(1, 1).text = "-"
>>> buf = io.BytesIO(); doc.save(buf)
>>> [(k.kind.value, k.text) for k in read_docx_bytes(buf.getvalue()).tokens]  # doctest: +NORMALIZE_WHITESPACE
[('text', '二、主动公开政府信息情况'), ('break', ''), ('text', '行政处罚'), ('number', '48'),
 ('break', ''), ('blank', '-'), ('break', '')]
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path
from typing import Any

from govreport.errors import BadInputError, EncryptedError, MissingDependencyError, TooLargeError
from govreport.layout.assemble import Assembler, join_lines
from govreport.layout.tokens import LayoutResult
from govreport.settings import ExtractSettings
from govreport.sources import Source, as_source, is_encrypted_ooxml

log = logging.getLogger("govreport")

__all__ = ["read_docx", "read_docx_bytes"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_P, _TBL, _TR, _TC, _SDT = (f"{{{W}}}{t}" for t in ("p", "tbl", "tr", "tc", "sdt"))
_T, _TAB, _BR, _CR = (f"{{{W}}}{t}" for t in ("t", "tab", "br", "cr"))
_NBH = f"{{{W}}}noBreakHyphen"
_SKIP = {f"{{{MC}}}Fallback", f"{{{W}}}del", f"{{{W}}}txbxContent", f"{{{W}}}footnoteReference"}
_SKIP |= {f"{{{W}}}{t}" for t in ("moveFrom", "instrText", "delText", "pict", "object")}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_XML_PART = 64 * 2**20  #: inflated bytes of one XML part (a 100-page report's document.xml has ~3 MB)
MAX_INFLATED = 256 * 2**20  #: inflated bytes of the whole package
_VAL = f"{{{W}}}val"


def _para_text(p: Any) -> str:
    """A paragraph's text; ``w:tab`` -> tab, ``w:br`` -> newline."""
    parts: list[str] = []

    def rec(el: Any) -> None:
        for child in el:
            tag = child.tag
            if tag in _SKIP or not isinstance(tag, str):
                continue
            if tag == _T:
                parts.append(child.text or "")
            elif tag == _TAB:
                parts.append("\t")
            elif tag in (_BR, _CR):
                parts.append("\n")
            elif tag == _NBH:
                parts.append("-")
            elif tag == _TBL:
                continue
            else:
                rec(child)

    rec(p)
    return "".join(parts)


def _blocks(container: Any) -> list[Any]:
    """Paragraphs and tables directly in a body/cell, looking through content controls."""
    out: list[Any] = []
    for child in container:
        if child.tag in (_P, _TBL):
            out.append(child)
        elif child.tag == _SDT:
            content = child.find(f"{{{W}}}sdtContent")
            if content is not None:
                out.extend(_blocks(content))
        elif child.tag == f"{{{W}}}customXml":
            out.extend(_blocks(child))
    return out


def _merge_state(tc: Any, kind: str) -> str | None:
    """``"restart"``, ``"continue"`` or None for a cell's ``vMerge``/``hMerge``."""
    pr = tc.find(f"{{{W}}}tcPr")
    if pr is None:
        return None
    m = pr.find(f"{{{W}}}{kind}")
    if m is None:
        return None
    return m.get(_VAL) or "continue"


class _Reader:
    def __init__(self) -> None:
        self.out = Assembler()

    def body(self, container: Any) -> None:
        for block in _blocks(container):
            if block.tag == _P:
                self.paragraph(block)
            else:
                self.table(block)

    def paragraph(self, p: Any) -> None:
        for line in _para_text(p).split("\n"):
            self.out.add_line(line.split("\t"))

    def table(self, tbl: Any) -> None:
        for tr in tbl.iterchildren(_TR):
            cells: list[str] = []
            nested: list[Any] = []
            for tc in _row_cells(tr):
                if _merge_state(tc, "vMerge") == "continue" or _merge_state(tc, "hMerge") == "continue":
                    continue
                lines: list[str] = []
                for block in _blocks(tc):
                    if block.tag == _P:
                        lines.extend(_para_text(block).replace("\t", " ").split("\n"))
                    else:
                        nested.append(block)
                cells.append(join_lines(lines))
            self.out.add_row(cells)
            for inner in nested:
                self.table(inner)


def _row_cells(tr: Any) -> list[Any]:
    out: list[Any] = []
    for child in tr:
        if child.tag == _TC:
            out.append(child)
        elif child.tag in (_SDT, f"{{{W}}}customXml"):
            content = child.find(f"{{{W}}}sdtContent") if child.tag == _SDT else child
            if content is not None:
                out.extend(content.iterchildren(_TC))
    return out


def check_package(data: bytes) -> None:
    """Refuse a package whose parts inflate past the limits (by the sizes its directory declares;
    zipfile never inflates a member past its declared size, and a lie fails the CRC).

    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z: z.writestr("word/document.xml", " " * (65 << 20))
    >>> check_package(buf.getvalue())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    govreport.errors.TooLargeError: word/document.xml inflates to 68157440 bytes, over the ... limit of one part
    """
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BadInputError(f"not a readable .docx file ({exc.__class__.__name__}: {exc})") from exc
    total = 0
    for info in infos:
        total += info.file_size
        if info.filename.lower().endswith((".xml", ".rels")) and info.file_size > MAX_XML_PART:
            raise TooLargeError(f"{info.filename} inflates to {info.file_size} bytes, over the {MAX_XML_PART}-byte "
                                "limit of one part")
    if total > MAX_INFLATED:
        raise TooLargeError(f"the package inflates to {total} bytes, over the {MAX_INFLATED}-byte limit")


def decrypt(data: bytes, password: str | None) -> bytes:
    """The package inside a password-protected ``.docx`` (``msoffcrypto-tool``, in ``govreport[docx]``)."""
    if not password:
        raise EncryptedError("the Word file is password-protected; give its password (--password)")
    try:
        import msoffcrypto
    except ImportError:
        raise MissingDependencyError.for_extra("msoffcrypto-tool", "docx", "A password-protected Word file") from None
    out = io.BytesIO()
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password)
        office.decrypt(out)
    except msoffcrypto.exceptions.InvalidKeyError:
        raise EncryptedError("wrong password for this password-protected Word file") from None
    except Exception as exc:  # a damaged container
        raise BadInputError(f"cannot decrypt this Word file ({type(exc).__name__}: {exc})") from None
    return out.getvalue()


def read_docx_bytes(data: bytes, password: str | None = None) -> LayoutResult:
    """Layout of a ``.docx`` given as bytes (``password``: for a password-protected one)."""
    if data.startswith(_OLE_MAGIC) and is_encrypted_ooxml(data):
        data = decrypt(data, password)
    if data.startswith(_OLE_MAGIC):
        raise BadInputError(
            "this is a legacy Word .doc file, which govreport cannot read: convert it to .docx first "
            "(Word: Save As .docx; LibreOffice: soffice --headless --convert-to docx FILE.doc)"
        )
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover
        raise MissingDependencyError.for_extra("python-docx", "docx", "Reading Word files") from exc
    check_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BadInputError(f"not a readable .docx file ({exc.__class__.__name__}: {exc})") from exc
    except Exception as exc:  # lxml XMLSyntaxError and friends on a damaged part
        raise BadInputError(f"damaged .docx file ({exc.__class__.__name__}: {exc})") from exc
    body = getattr(document.element, "body", None)  # a damaged part may not be a w:document at all
    if body is None:
        raise BadInputError("damaged .docx file (word/document.xml has no document body)")
    reader = _Reader()
    reader.body(body)
    return reader.out.result("docx")


def read_docx(source: Source | Path, settings: ExtractSettings) -> LayoutResult:
    """Layout of a Word ``.docx`` file (refuses ``.doc`` with a hint to convert it)."""
    source = as_source(source, settings)
    path = source.path
    data = source.read_bytes()
    try:
        result = read_docx_bytes(data, settings.password)
    except (BadInputError, EncryptedError, TooLargeError) as exc:
        raise type(exc)(f"{path}: {exc}") from exc
    if not result.tokens:
        raise BadInputError(f"{path}: the document has no text")
    log.debug("%s: %d tokens from Word", path, len(result.tokens))
    return result
