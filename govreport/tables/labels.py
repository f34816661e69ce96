"""Fuzzy matching of printed labels to template labels.

Printed labels come wrapped, split, misspelt, with full- or half-width brackets, and partly
masked with ``****``. :func:`similarity` scores how well the end of a segment's text matches a
template label (the row label is the last text before the row's cells), with masked runs
standing in for whatever they hide.

>>> similarity(norm("(四)无法提供1.****政府信息"), norm("1.本机关不掌握相关政府信息")) > 0.6
True
>>> similarity(norm("行政处罚"), norm("行政许可")) < 0.6
True
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

from govreport.types import MASK_GLYPHS

_MASK = re.compile(f"[{re.escape(MASK_GLYPHS)}]+")
_QUOTES = re.compile(r"[“”‘’\"'「」『』《》<>]")
_LONG_PAREN = re.compile(r"\([^()]{3,}\)")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def norm(text: str) -> str:
    """Canonical label text: NFKC, no whitespace/quotes/remarks in brackets, masks as ``*``."""
    s = unicodedata.normalize("NFKC", text)
    s = s.replace("【", "(").replace("】", ")").replace("〔", "(").replace("〕", ")")
    s = _SPACE.sub("", s)
    s = _QUOTES.sub("", s)
    s = _MASK.sub("*", s)
    prev = None
    while prev != s:
        prev, s = s, _LONG_PAREN.sub("", s)
    return s


@lru_cache(maxsize=100_000)
def similarity(doc: str, label: str) -> float:
    """How well the end of normalised text ``doc`` reads as normalised template ``label`` (0..1)."""
    if not label or not doc:
        return 0.0
    window = doc[-(len(label) + 6):]
    if "*" not in window:
        present = set(window)
        if sum(ch in present for ch in label) < 0.45 * len(label):
            return 0.0  # too few of the label's characters to reach a useful score
    sm = SequenceMatcher(None, window, label, autojunk=False)
    blocks = sm.get_matching_blocks()
    matched = sum(b.size for b in blocks)
    score = matched / len(label)
    masks = window.count("*")
    if masks and matched < len(label):
        # a masked run may hide any of the unmatched label characters
        hidden = min(len(label) - matched, 6 * masks)
        score += 0.7 * hidden / len(label)
    # the label should end the text: unmatched, unmasked characters after the last match
    last = max((b.a + b.size for b in blocks if b.size), default=0)
    tail = window[last:].replace("*", "")
    score -= 0.15 * min(len(tail), 4) / max(len(label), 4)
    return max(0.0, min(1.0, score))
