"""The small vocabulary every stage shares: boxes, cell keys, mask glyphs.

>>> ref: CellRef = ("appeals", "review", "total")
>>> key: CellKey = ref[1:]
>>> all(ch in MASK_GLYPHS for ch in "＊＊＊■")
True
"""

from __future__ import annotations

BBox = tuple[float, float, float, float]
"""``(x0, y0, x1, y1)``: pixels of a page image, or PDF points (origin top-left, y down)."""

CellKey = tuple[str, str]
"""``(row, col)``: a cell within one template table (contract IDs)."""

CellRef = tuple[str, str, str]
"""``(table, row, col)``: a cell of a report (contract IDs)."""

#: characters a printed report uses to redact a figure (asterisks, boxes, blocks, crosses)
MASK_GLYPHS = "*＊×■█▇▆▓▒□●◼◾"
