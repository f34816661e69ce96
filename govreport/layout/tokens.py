"""The hand-off from every layout reader to the table reconstruction.

Whatever the input (text, PDF text layer, Word, HTML, OCRed scan), a layout reader turns the
document into one :class:`LayoutResult`: a flat stream of :class:`Token` in reading order, with
``BREAK`` tokens where the source shows a table row ends. Each token is one printed cell (or one
whitespace-separated word when the source lost its cells). Reconstruction (``govreport.tables``)
only ever sees this stream, so every input path shares the template matching and the arithmetic.

Geometry: ``page`` is 1-based; ``bbox`` is ``(x0, y0, x1, y1)`` in pixels of the rendered page
image at ``LayoutResult.dpi`` for scans, in PDF points for a PDF text layer, and ``None`` for
text, Word and HTML input.

>>> toks = tokens_from_rows([["行政许可", "12", "", "****"]])
>>> [(t.kind.value, t.value) for t in toks]
[('text', None), ('number', 12), ('blank', None), ('mask', None), ('break', None)]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from govreport.types import MASK_GLYPHS, BBox


class Kind(str, Enum):
    TEXT = "text"  #: label or prose
    NUMBER = "number"  #: a numeric cell; ``value`` holds it
    BLANK = "blank"  #: a cell printed empty (or a dash meaning none)
    MASK = "mask"  #: a redacted cell: ``****``, a black box, a seal hiding it
    BREAK = "break"  #: end of a printed table row


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str = ""
    value: int | float | None = None
    page: int | None = None
    bbox: BBox | None = None
    confidence: float | None = None
    #: the field index in its printed line, where the source has fields (tab- or ``|``-separated text)
    pos: int | None = None
    #: a digit run that may hold several cells run together (text extracted without cell separators)
    glued: bool = False
    #: other values the reader's views read in this cell (a scanned cell's evidence), best first
    others: tuple[int | float, ...] = ()


BREAK = Token(Kind.BREAK)
#: an empty line in one-cell-per-line text: a blank cell, or just a paragraph break
WEAK_BLANK = Token(Kind.BLANK, "\n")


@dataclass(slots=True)
class LayoutResult:
    """What a layout reader hands to reconstruction."""

    tokens: list[Token]
    text: str  #: the document's plain text in reading order (for metadata and prose checks)
    input_kind: str  #: text | docx | html | text_pdf | scanned_pdf | mixed_pdf | image
    pages: int | None = None
    dpi: int | None = None
    notes: list[str] = field(default_factory=list)  #: e.g. "page 3: text layer unusable, OCRed"
    #: what the reader doubts about its own reading (a text layer that disagrees with the print), as
    #: :class:`govreport.report.Issue` objects the report carries
    issues: list[Any] = field(default_factory=list)


_MASK_CHARS = MASK_GLYPHS + "Xx"  #: typed text stands in X or x for a redacted figure
_MASK_RE = re.compile(rf"^[{re.escape(_MASK_CHARS)}]+$")
_BLANKISH = {"", "-", "—", "–", "－", "/", "／", "——", "--", "\\", "无", "空"}
_NUM_RE = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_UNIT_RE = re.compile(r"(亿元|万元|千元|元|件|个|项|条|次|宗|起|人次|份)$")
#: a change printed in words (本年增/减: ``减4``, ``增加3``): the number with its sign
_CHANGE_RE = re.compile(r"^(增加?|减少?)(?=\d)")


#: units an amount may be printed in, and what one of each is in 万元 (the templates' amount unit)
AMOUNT_UNITS = {"亿元": 10000.0, "万元": 1.0, "千元": 0.1, "元": 0.0001}
_AMOUNT_UNIT_RE = re.compile(r"(亿元|万元|千元|元)")


def printed_unit(text: str) -> str | None:
    """The amount unit a cell, header or label names (``"251000元"`` -> ``"元"``), the last one
    printed; ``None`` if it names none.

    >>> printed_unit("251000元"), printed_unit("本年收费金额（单位：万元）"), printed_unit("12")
    ('元', '万元', None)
    """
    found = _AMOUNT_UNIT_RE.findall(normalize(text))
    return found[-1] if found else None


#: traditional characters of the templates' labels, headings and column names, and their simplified
#: forms: some sites (and mirrors of them) serve a report in traditional characters
TRADITIONAL = ("萬万業业舉举會会關关內内決决況况減减製制辦办務务區区單单隻只發发號号後后國国處处復复複复覆复"
               "審审對对屬属廢废開开強强當当總总執执護护報报據据無无機机權权條条構构沒没現现確确穩稳類类係系"
               "糾纠納纳組组織织經经結结繼继續续維维繳缴罰罚範范獲获補补規规計计認认議议許许訟讼訪访訴诉詢询"
               "請请購购費费轉转過过這这採采項项額额數数於于為为動动體体統统與与資资門门戶户書书員员聯联電电"
               "話话網网頁页設设備备協协調调導导專专題题歸归檔档廳厅縣县鎮镇鄉乡黨党級级廣广東东齊齐歷历")
_SIMPLIFIED = str.maketrans(dict(zip(TRADITIONAL[0::2], TRADITIONAL[1::2], strict=True)))


def normalize(text: str) -> str:
    """NFKC (folds full-width digits and Kangxi radicals such as ⼀ U+2F00), the templates'
    traditional characters simplified, trimmed.

    >>> normalize(" 行政處罰 "), normalize("１２")
    ('行政处罚', '12')
    """
    return unicodedata.normalize("NFKC", text).translate(_SIMPLIFIED).strip()


def parse_number(text: str) -> int | float | None:
    """Parse a printed numeric cell: ``"1,234"`` -> 1234, ``"21672.16 万元"`` -> 21672.16.

    >>> parse_number("１２"), parse_number("-8"), parse_number("3.50万元"), parse_number("12a")
    (12, -8, 3.5, None)
    >>> parse_number("减4"), parse_number("增加3"), parse_number("减")
    (-4, 3, None)
    """
    s = normalize(text).replace(" ", "").replace("，", ",")
    if len(s) > 40:  # no count in a report is that long (and int() refuses >4300 digits)
        return None
    change = _CHANGE_RE.match(s)
    if change:
        s = ("-" if change.group(1).startswith("减") else "") + s[change.end():]
    s = _UNIT_RE.sub("", s)
    if not s or not _NUM_RE.match(s):
        return None
    s = s.replace(",", "")
    if "." in s:
        return float(s)
    return int(s)


def classify(text: str, **geometry: object) -> Token:
    """Turn one printed cell's text into a token (number, blank, mask or text)."""
    s = normalize(text)
    compact = re.sub(r"\s+", "", s)
    if compact in _BLANKISH:
        return Token(Kind.BLANK, s, **geometry)  # type: ignore[arg-type]
    if _MASK_RE.match(compact) and not (compact.isalpha() and compact.isascii() and len(compact) < 3):
        return Token(Kind.MASK, s, **geometry)  # type: ignore[arg-type]
    value = parse_number(compact)
    if value is not None:
        return Token(Kind.NUMBER, s, value, **geometry)  # type: ignore[arg-type]
    return Token(Kind.TEXT, s, **geometry)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class CellText:
    """One cell of a grid-shaped source (Word, HTML, ruled scan, PDF table)."""

    text: str
    page: int | None = None
    bbox: BBox | None = None
    confidence: float | None = None
    label: bool = False  #: the source says this is a row label: text even if it reads "3", nothing if empty
    others: tuple[int | float, ...] = ()  #: other values read in the cell (views of a scan that disagree)


def tokens_from_rows(rows: Iterable[Sequence[CellText | str]]) -> list[Token]:
    """Tokens for a table whose cells are known: one token per cell, a ``BREAK`` per row."""
    out: list[Token] = []
    for row in rows:
        for cell in row:
            c = CellText(cell) if isinstance(cell, str) else cell
            if c.label:
                if normalize(c.text):
                    out.append(Token(Kind.TEXT, normalize(c.text), None, c.page, c.bbox, c.confidence))
                continue
            geometry: dict[str, Any] = {"others": c.others} if c.others else {}
            out.append(classify(c.text, page=c.page, bbox=c.bbox, confidence=c.confidence, **geometry))
        out.append(BREAK)
    return out
