"""Clean up what OCR read in a numeric cell.

OCR confuses digits with look-alike letters (``O``/``〇`` for 0, ``l``/``I``/``|`` for 1), adds stray
dots, commas and spaces, and reads asterisks in many ways. :func:`read_numeric` decides whether a
cell is a number, blank, masked or text, and returns the cleaned text with a confidence that is
lowered a little for every character it had to guess.

>>> r = read_numeric("l2O", 0.9)
>>> (r.kind, r.text, r.value, r.substitutions)
('number', '120', 120, 2)
>>> read_numeric("２１６７２.１６").value
21672.16
>>> read_numeric("—").kind, read_numeric("＊＊＊").kind, read_numeric("行政许可").kind
('blank', 'mask', 'text')
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from govreport.types import MASK_GLYPHS

GAPPED_CONF = 0.5  #: cap on a number OCR read with a gap inside it or a leading zero

#: look-alikes OCR returns for digits; applied only when the rest of the cell is numeric
CONFUSABLES: dict[str, str] = {
    "O": "0", "o": "0", "〇": "0", "D": "0", "Q": "0", "○": "0", "θ": "0", "°": "0",
    "l": "1", "I": "1", "|": "1", "!": "1", "i": "1", "丨": "1", "ı": "1", "j": "1",
    "Z": "2", "z": "2",
    "S": "5", "s": "5",
    "b": "6", "G": "6",
    "B": "8",
    "g": "9", "q": "9",
}  # fmt: skip
_MASK_CHARS = set(MASK_GLYPHS + "Xx米※")  #: OCR reads an asterisk as 米 or ※ at times
_BLANKS = {"", "-", "—", "–", "－", "/", "／", "——", "--", "\\", "无", "空", "_", "一", "__"}
_NOISE = "'\"`‘’“”,，.。·、:：;；_~^"
_UNITS = ("万元", "元", "件", "个", "项", "条", "次", "宗", "起", "人次", "份")
_NUM = re.compile(r"^\d+(?:\.\d+)?$")


@dataclass(frozen=True, slots=True)
class NumericReading:
    kind: str  #: number | blank | mask | text
    text: str  #: cleaned text (digits for a number); the raw text for kind "text"
    value: int | float | None
    confidence: float | None
    substitutions: int = 0  #: look-alike characters replaced by digits


def encircled(text: str) -> bool:
    """Whether ``text`` holds an enclosed digit (①, ⑵, ⒈, ❼, ㉑): in a scanned value cell that is a
    circle someone drew round the print, read as part of it. The digit inside may be right (②), a
    figure's first digit only (⑦ for 70) or the circle itself (① for a circled 0)."""
    return any(0x2460 <= ord(ch) <= 0x24FF or 0x2776 <= ord(ch) <= 0x2793 or 0x3251 <= ord(ch) <= 0x325F
               or 0x32B1 <= ord(ch) <= 0x32BF for ch in text)


def _fold(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", s)


@functools.lru_cache(maxsize=4096)
def read_numeric(text: str, confidence: float | None = None, *, numeric_column: bool = True) -> NumericReading:
    """Classify and clean one cell's OCR text.

    ``numeric_column`` says the cell sits where numbers are expected: look-alike letters are then
    read as digits even when no real digit was seen (``"O"`` -> 0). Elsewhere a cell needs at least
    one real digit and may hold at most one look-alike per real digit. (Cached: a table's stages ask
    about the same cells' texts many times.)
    """
    raw = text
    s = _fold(text)
    if s in _BLANKS or (s and set(s) <= set("-—–－_/／")):
        return NumericReading("blank", "", None, confidence)
    if len(s) >= 2 and set(s) <= _MASK_CHARS and not (s.isascii() and s.isalpha()):
        return NumericReading("mask", s, None, confidence)
    if s in {"■", "█", "*", "＊"}:
        return NumericReading("mask", s, None, confidence)
    unit = next((u for u in _UNITS if s.endswith(u) and len(s) > len(u)), "")
    core = s[: len(s) - len(unit)] if unit else s
    neg = core.startswith("-") and len(core) > 1
    if neg:
        core = core[1:]
    digits = sum(ch.isdigit() for ch in core)
    subs = sum(ch in CONFUSABLES for ch in core)
    other = [ch for ch in core if not ch.isdigit() and ch not in CONFUSABLES and ch not in _NOISE]
    enough = digits > 0 and subs <= digits if not numeric_column else digits + subs > 0
    if other or not enough:
        return NumericReading("text", raw.strip(), None, confidence)
    mapped = "".join(CONFUSABLES.get(ch, ch) for ch in core)
    cleaned = _clean_separators(mapped)
    if not _NUM.match(cleaned):
        return NumericReading("text", raw.strip(), None, confidence)
    value: int | float = float(cleaned) if "." in cleaned else int(cleaned)
    if neg:
        value = -value
        cleaned = "-" + cleaned
    conf = None if confidence is None else round(confidence * 0.9**subs, 4)
    if conf is not None and (re.search(r"\S\s+\S", raw.strip()) or re.match(r"0\d", cleaned) or encircled(raw)):
        # "1 2975": a stray mark beside the number, or two numbers; "03": counts are not printed
        # with a leading zero, so a mark (a seal's stroke, a rule's end) was read as one; "①": a
        # circle drawn round the figure
        conf = min(conf, GAPPED_CONF)
    return NumericReading("number", cleaned, value, conf, subs)


def _clean_separators(s: str) -> str:
    """Drop quotes and stray marks; keep one decimal point; thousands commas go."""
    s = re.sub(r"[,，](?=\d{3}(?:\D|$))", "", s)  # thousands separators
    s = s.replace("，", ".").replace(",", ".").replace("。", ".").replace("·", ".")
    s = re.sub(r"[^\d.]", "", s)
    s = s.strip(".")
    if s.count(".") > 1:  # keep the last point only when it looks like a decimal (1-2 digits)
        head, _, tail = s.rpartition(".")
        head = head.replace(".", "")
        s = f"{head}.{tail}" if 1 <= len(tail) <= 2 else head + tail
    return s


def looks_numeric(text: str) -> bool:
    """Whether a cell's text reads as a number, blank or mask without generous guessing."""
    return read_numeric(text, numeric_column=False).kind != "text"
