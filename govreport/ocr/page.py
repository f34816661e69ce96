"""One scanned page as the OCR stages see it: what was done to it and what was found on it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from govreport.ocr.preprocess import Matrix
from govreport.ocr.rules import PageGrid


@dataclass(slots=True)
class ScanPage:
    """What was done to one page, with the intermediates needed to draw or debug it."""

    number: int
    rotation: int = 0  #: degrees clockwise applied to make the page upright
    skew: float = 0.0  #: degrees of skew corrected
    red_fraction: float = 0.0
    bilevel: bool = False  #: black and white only (a fax): its broken rules are repaired
    grid: PageGrid | None = None
    image: np.ndarray | None = None  #: the corrected gray page the cells were cut from
    red: np.ndarray | None = None  #: red-ink mask (seals) in the corrected page's coordinates
    seals: list[tuple[float, float, float]] = field(default_factory=list)  #: round seals (cx, cy, r), corrected px
    to_page: Matrix = field(default_factory=lambda: np.eye(3))  #: corrected px -> page px at dpi
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
