"""A report's tables as a Word table saved as text: tab-separated, merged cells printed once.

The review-load classes are made from it (tests/test_review_load.py, benchmarks/bench_review.py): cells
printed empty (``blank``), and rows whose empty fields a converter collapsed (``drop_empty``).

>>> from govreport.synth.truth import random_truth
>>> text = tab_text(random_truth("gov2021", seed=1), blank=lambda key: key[2] == "total")
>>> "一、本年新收政府信息公开申请数量\\t" in text
True
"""

from __future__ import annotations

from collections.abc import Callable

from govreport.synth.printed import PrintedTable, printed_document
from govreport.synth.truth import Truth
from govreport.types import CellRef


def tab_text(truth: Truth, blank: Callable[[CellRef], bool] = lambda key: False,
             drop_empty: Callable[[int], bool] = lambda row: False) -> str:
    """The report as tab-separated text: cells for which ``blank(key)`` holds printed empty and, in the
    table rows ``r`` where ``drop_empty(r)`` holds, the empty fields dropped."""
    lines = []
    for b in printed_document(truth).blocks:
        if not isinstance(b, PrintedTable):
            lines.append(b.text)
            continue
        for r, row in enumerate(b.rows):
            texts = ["" if (c.key is not None and blank(c.key)) else c.text for c in row]
            if drop_empty(r):
                texts = [t for t in texts if t.strip()]
            lines.append("\t".join(texts))
    return "\n".join(lines)
