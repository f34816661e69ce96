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
import logging
import re

from govreport.errors import BadInputError
from govreport.layout.tokens import BREAK, WEAK_BLANK, Kind, LayoutResult, Token, classify, normalize, parse_number
from govreport.settings import ExtractSettings

log = logging.getLogger("govreport")

#: Safety bounds on what any reader hands to table matching (whose cost grows with the token
#: count: about 0.5 ms per token, so 20,000 tokens stay under ~10 s; a real report has 300-3,000).
MAX_TOKENS = 10_000
MAX_LINE_CHARS = 200_000  #: a longer line is cut (a 50 MB one-line file is junk, not a report)
MAX_CELL_CHARS = 500  #: a longer cell is prose: kept as TEXT, never parsed as a number

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


def safe_classify(text: str, **geometry: object) -> Token:
    """:func:`~govreport.layout.tokens.classify`, except that a cell over ``MAX_CELL_CHARS`` is TEXT
    (cut to that length) without being parsed: ``"1 2 3 …"`` a million times is not one number.

    >>> safe_classify("12").value, safe_classify("1 " * 5000).kind.value
    (12, 'text')
    """
    if len(text) > MAX_CELL_CHARS:
        return Token(Kind.TEXT, normalize(text[:MAX_CELL_CHARS]), **geometry)  # type: ignore[arg-type]
    return classify(text, **geometry)


def _is_number(s: str) -> bool:
    return len(s) <= MAX_CELL_CHARS and parse_number(s) is not None


def bound_lines(text: str, name: str = "input") -> tuple[str, list[str]]:
    """``text`` with every line cut to ``MAX_LINE_CHARS``, and a note per cut (none usually)."""
    if len(text) <= MAX_LINE_CHARS or max(map(len, text.split("\n"))) <= MAX_LINE_CHARS:
        return text, []
    lines = text.split("\n")
    cut = [i for i, ln in enumerate(lines) if len(ln) > MAX_LINE_CHARS]
    for i in cut:
        lines[i] = lines[i][:MAX_LINE_CHARS]
    note = (f"{len(cut)} line(s) over {MAX_LINE_CHARS} characters cut to that length "
            f"(first: line {cut[0] + 1})")
    log.warning("%s: %s", name, note)
    return "\n".join(lines), [note]


def _mode(lines: list[str]) -> str:
    nonempty = [ln for ln in lines if ln.strip()]
    if not nonempty:
        return "plain"
    cells = sum(1 for ln in nonempty if _CELL_LINE.match(ln))
    if cells >= 20 and cells >= 0.3 * len(nonempty):
        return "cells"
    single = sum(1 for ln in nonempty if _is_number(ln.strip()))
    multi = sum(1 for ln in nonempty
                if "\t" not in ln and sum(_is_number(w) for w in ln.split()) >= 2)
    if single >= 15 and multi * 5 <= single:
        return "lines"
    return "plain"


def text_to_tokens(text: str) -> list[Token]:
    """Tokens for a flattened report (see the module docstring for the styles)."""
    return _tokenize(text)[0]


def _tokenize(text: str) -> tuple[list[Token], int | None]:
    """Tokens, and the index of the first line left unread when ``MAX_TOKENS`` was reached."""
    lines = text.split("\n")
    mode = _mode(lines)
    out: list[Token] = []
    cell: list[str] | None = None  # a tab-prefixed cell that may continue on the next line

    def flush() -> None:
        nonlocal cell
        if cell is not None:
            out.append(safe_classify("".join(s.strip() for s in cell)))
            cell = None

    stop: int | None = None
    for i, line in enumerate(lines):
        if len(out) >= MAX_TOKENS:
            stop = i
            break
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
            out.extend(safe_classify(f) for f in line.split("\t"))
            out.append(BREAK)
        elif line.count("|") + line.count("｜") >= 2:
            if _PIPE_SEP.match(line):
                continue
            out.extend(safe_classify(f) for f in line.replace("｜", "|").split("|"))
            out.append(BREAK)
        elif mode == "lines":
            out.append(safe_classify(stripped))
        else:
            out.extend(safe_classify(w) for w in stripped.split())
    flush()
    if len(out) > MAX_TOKENS:  # one line gave more than the whole budget
        del out[MAX_TOKENS:]
        out.append(BREAK)
        stop = stop if stop is not None else len(lines)
    return out, stop


def read_text(source: str | bytes, settings: ExtractSettings | None = None, name: str = "input") -> LayoutResult:
    """A :class:`LayoutResult` for text given as ``str`` or raw ``bytes`` (a file's bytes: the file
    was checked by :mod:`govreport.sources`); every reader takes ``settings``, this one needs none."""
    text = decode(source, name) if isinstance(source, bytes) else source
    if not text.strip():
        raise BadInputError(f"{name}: the text is empty")
    text, notes = bound_lines(text, name)
    tokens, stop = _tokenize(text)
    if stop is not None:
        note = f"text cut after {MAX_TOKENS} tokens ({stop} of {text.count(chr(10)) + 1} lines read)"
        log.warning("%s: %s", name, note)
        notes.append(note)
        text = "\n".join(text.split("\n")[:stop])
    return LayoutResult(tokens=tokens, text=text, input_kind="text", notes=notes)
