"""Plain-text reports: decode the bytes, then turn flattened tables back into tokens.

Handles tab-separated rows whose positions drift, ``|``-separated rows (Markdown too), one cell
per line (tab-prefixed cells with blank lines between rows, or bare lines with blank cells as
empty lines), and text whose whitespace collapsed so blank cells vanished.

>>> r = read_text("行政许可\\t12\\t\\t696\\n")
>>> [t.kind.value for t in r.tokens]
['text', 'number', 'blank', 'number', 'break']
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from govreport.errors import BadInputError, TooLargeError
from govreport.layout.tokens import BREAK, WEAK_BLANK, Kind, LayoutResult, Token, classify, parse_number
from govreport.settings import ExtractSettings

_CELL_LINE = re.compile(r"^\t[^\t]*$")
_PIPE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def decode(data: bytes, name: str = "input") -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 (BOM or NUL-patterned) or GB18030/GBK."""
    if not data.strip():
        raise BadInputError(f"{name}: the file is empty")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _checked(data.decode(enc, errors="replace"), name)
    head = data[:4000]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if even + odd >= 2 and max(even, odd) >= 0.9 * (even + odd):  # BOM-less UTF-16: NULs on one side
        enc = "utf-16-le" if odd > even else "utf-16-be"
        return _checked(data.decode(enc, errors="replace"), name)
    for enc in ("utf-8", "gb18030"):
        try:
            return _checked(data.decode(enc), name)
        except UnicodeDecodeError:
            continue
    raise BadInputError(f"{name}: not text in UTF-8, UTF-16 or GB18030 (binary file?)")


def _checked(text: str, name: str) -> str:
    sample = text[:20000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    plausible = sum(1 for ch in sample if _plausible(ch))
    if sample and (bad / len(sample) > 0.02 or plausible / len(sample) < 0.8):
        raise BadInputError(f"{name}: looks like binary data, not a text report")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _plausible(ch: str) -> bool:
    """Characters a Chinese report is made of: CJK, ASCII, punctuation and forms, Kangxi radicals."""
    o = ord(ch)
    return (32 <= o < 127 or ch in "\t\n\r\f\v" or 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF or 0x2000 <= o <= 0x27BF or 0x2E80 <= o <= 0x2FDF or 0x3400 <= o <= 0x4DBF
            or 0xA0 <= o <= 0x24F or 0xF900 <= o <= 0xFAFF or o == 0xFEFF)


def _mode(lines: list[str]) -> str:
    nonempty = [ln for ln in lines if ln.strip()]
    if not nonempty:
        return "plain"
    cells = sum(1 for ln in nonempty if _CELL_LINE.match(ln))
    if cells >= 20 and cells >= 0.3 * len(nonempty):
        return "cells"
    single = sum(1 for ln in nonempty if parse_number(ln.strip()) is not None)
    multi = sum(1 for ln in nonempty
                if "\t" not in ln and sum(parse_number(w) is not None for w in ln.split()) >= 2)
    if single >= 15 and multi * 5 <= single:
        return "lines"
    return "plain"


def text_to_tokens(text: str) -> list[Token]:
    """Tokens for a flattened report (see the module docstring for the styles)."""
    lines = text.split("\n")
    mode = _mode(lines)
    out: list[Token] = []
    cell: list[str] | None = None  # a tab-prefixed cell that may continue on the next line

    def flush() -> None:
        nonlocal cell
        if cell is not None:
            out.append(classify("".join(s.strip() for s in cell)))
            cell = None

    for line in lines:
        stripped = line.strip()
        if mode == "cells" and _CELL_LINE.match(line):
            flush()
            cell = [line[1:]]
            continue
        if mode == "cells" and cell is not None and stripped and "\t" not in line and "|" not in line:
            cell.append(stripped)  # a wrapped cell: 商业 / 企业
            continue
        flush()
        if not stripped:
            if mode == "cells" or mode == "plain":
                if out and out[-1].kind is not Kind.BREAK:
                    out.append(BREAK)
            else:  # one cell per line: an empty line is a blank cell, or only a paragraph break
                out.append(WEAK_BLANK)
            continue
        if "\t" in line.strip("\n"):
            out.extend(classify(f) for f in line.split("\t"))
            out.append(BREAK)
        elif line.count("|") + line.count("｜") >= 2:
            if _PIPE_SEP.match(line):
                continue
            out.extend(classify(f) for f in line.replace("｜", "|").split("|"))
            out.append(BREAK)
        elif mode == "lines":
            out.append(classify(stripped))
        else:
            out.extend(classify(w) for w in stripped.split())
    flush()
    return out


def read_text(source: str | bytes | Path, settings: ExtractSettings | None = None,
              name: str = "input") -> LayoutResult:
    """A :class:`LayoutResult` for text given as ``str``, raw ``bytes`` or a file path."""
    settings = settings or ExtractSettings()
    if isinstance(source, Path):
        size = source.stat().st_size
        if size > settings.max_bytes:
            raise TooLargeError(f"{source}: {size} bytes is over the {settings.max_bytes}-byte limit")
        source = source.read_bytes()
    text = decode(source, name) if isinstance(source, bytes) else source
    if not text.strip():
        raise BadInputError(f"{name}: the text is empty")
    return LayoutResult(tokens=text_to_tokens(text), text=text, input_kind="text")
