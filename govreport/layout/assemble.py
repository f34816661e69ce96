"""Helpers shared by the born-digital readers (PDF text layer, Word, HTML).

They all end the same way: table rows become one token per printed cell plus a ``BREAK``, text
outside tables becomes one ``TEXT``-ish token per segment plus a ``BREAK`` per line, and the
plain text keeps the reading order. :class:`Assembler` does that bookkeeping.

>>> join_lines(["商业", "企业"]), join_lines(["总  计"]), join_lines(["12", "34"])
('商业企业', '总计', '12 34')
>>> a = Assembler()
>>> a.add_line(["一、总体情况"]), a.add_row(["行政许可", "12", ""])
(True, True)
>>> a.add_row(["", ""])  # an all-empty row carries nothing and is skipped
False
>>> r = a.result("html")
>>> [t.kind.value for t in r.tokens], r.text
(['text', 'break', 'text', 'number', 'blank', 'break'], '一、总体情况\\n行政许可\\t12\\t')
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence

from govreport.layout.text import MAX_TOKENS, safe_classify
from govreport.layout.tokens import BREAK, CellText, Kind, LayoutResult, Token, normalize

log = logging.getLogger("govreport")

_CJK = r"\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_GAP_RE = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0\u3000]+(?=[{_CJK}])")
_WS_RE = re.compile(r"[ \t\u00a0\u3000\r\n]+")


def clean_inline(text: str) -> str:
    """Collapse runs of whitespace to one space and drop spaces between CJK characters.

    >>> clean_inline(" 总\\u3000\\u3000计 ( 件 ) "), clean_inline("a  b")
    ('总计 ( 件 )', 'a b')
    """
    s = _WS_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return _CJK_GAP_RE.sub("", s)


def join_lines(lines: Iterable[str]) -> str:
    """Join the visual lines of one cell: no separator, except a space between two ASCII
    alphanumerics (so ``"12"`` over ``"34"`` stays two figures rather than becoming 1234)."""
    out = ""
    for raw in lines:
        line = clean_inline(raw)
        if not line:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " "
        out += line
    return out


def is_blank_row(cells: Sequence[CellText | str]) -> bool:
    return all(not (c if isinstance(c, str) else c.text).strip() for c in cells)


class Assembler:
    """Collects tokens and plain-text lines in reading order, up to ``MAX_TOKENS`` tokens
    (what comes after is dropped, and :meth:`result` says so in ``notes``)."""

    def __init__(self) -> None:
        self.tokens: list[Token] = []
        self.lines: list[str] = []
        self.dropped = 0  #: rows and lines dropped once the token budget was spent

    def _full(self, n: int) -> bool:
        if len(self.tokens) + n + 1 > MAX_TOKENS:
            self.dropped += 1
            return True
        return False

    def add_row(self, cells: Sequence[CellText | str]) -> bool:
        """One printed table row (cells already in order); all-empty rows are skipped."""
        if not cells or is_blank_row(cells) or self._full(len(cells)):
            return False
        texts = []
        for cell in cells:
            c = CellText(cell) if isinstance(cell, str) else cell
            self.tokens.append(safe_classify(c.text, page=c.page, bbox=c.bbox, confidence=c.confidence))
            texts.append(c.text)
        self.tokens.append(BREAK)
        self.lines.append("\t".join(normalize(t) for t in texts))
        return True

    def add_line(self, segments: Sequence[CellText | str]) -> bool:
        """One line (or paragraph) of text outside tables, as one or more segments."""
        segs = [CellText(s) if isinstance(s, str) else s for s in segments]
        segs = [s for s in segs if s.text.strip()]
        if not segs or self._full(len(segs)):
            return False
        for s in segs:
            self.tokens.append(safe_classify(s.text, page=s.page, bbox=s.bbox, confidence=s.confidence))
        self.tokens.append(BREAK)
        self.lines.append(" ".join(normalize(s.text) for s in segs))
        return True

    def extend(self, tokens: Sequence[Token], text: str) -> None:
        """Splice in tokens made elsewhere (e.g. OCR of one page)."""
        if self._full(len(tokens)):
            return
        self.tokens.extend(tokens)
        if tokens and tokens[-1].kind is not Kind.BREAK:
            self.tokens.append(BREAK)
        if text.strip():
            self.lines.append(normalize(text))

    def result(self, input_kind: str, **kw: object) -> LayoutResult:
        if self.dropped:
            note = f"{self.dropped} row(s)/line(s) dropped after {len(self.tokens)} tokens (limit {MAX_TOKENS})"
            log.warning("%s", note)
            kw["notes"] = [*kw.get("notes", []), note]  # type: ignore[misc]
        return LayoutResult(self.tokens, "\n".join(self.lines), input_kind, **kw)  # type: ignore[arg-type]
