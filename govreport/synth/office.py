"""What the generators of office forms (fax, phone photo, pictures in a PDF) start from: a consistent
report, printed as the national template prints it, its redactions drawn, laid out on A4 pages."""

from __future__ import annotations

import random
from typing import Any

from govreport.synth.degrade import QUALITIES, redact_printed
from govreport.synth.printed import PrintedDocument, printed_document
from govreport.synth.render_pdf import PageLayout, layout_document
from govreport.synth.truth import Truth, random_truth


def printed_report(template: str, seed: int, rng: random.Random,
                   ) -> tuple[Truth, PrintedDocument, Any, list[PageLayout]]:
    """``(truth, printed document, redaction status, page layouts)`` of report ``seed``."""
    truth = random_truth(template, seed=seed)
    doc = printed_document(truth)
    status = redact_printed(doc, QUALITIES["none"], rng)
    return truth, doc, status, layout_document(doc)
