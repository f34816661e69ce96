"""The words a person reads for the contract's IDs: cell statuses, issue kinds, severities, what an
issue is about, input kinds; in the current language (:mod:`govreport.i18n`). The IDs themselves
stay in the JSON, CSV and Parquet for programs.

>>> from govreport.i18n import language
>>> with language("zh"):
...     status_word("inferred"), kind_word("inconsistent"), kind_word("no_such_kind")
('推算', '勾稽不符', 'no_such_kind')
>>> with language("en"):
...     status_word("inferred"), kind_word("cross_year_gap")
('inferred', 'cross-year gap')
"""

from __future__ import annotations

from govreport.i18n import N_, _

STATUS_WORDS = {"read": N_("read"), "blank": N_("printed empty"), "masked": N_("masked"),
                "inferred": N_("inferred"), "corrected": N_("corrected"), "missing": N_("missing"),
                "verified": N_("verified")}
KIND_WORDS = {
    "inconsistent": N_("inconsistent"), "ambiguous": N_("ambiguous"), "structure": N_("structure"),
    "unplaced": N_("unplaced"), "missing": N_("missing"), "masked": N_("masked"),
    "low_confidence": N_("low confidence"), "unverified": N_("unverified"), "corrected": N_("corrected"),
    "unit": N_("unit"), "narrative_mismatch": N_("text and table disagree"), "empty_column": N_("empty column"),
    "verified_conflict": N_("verified value differs"), "compliance": N_("compliance"), "deadline": N_("deadline"),
    "cross_year_mismatch": N_("cross-year mismatch"), "cross_year_stock_flow": N_("carried-over mismatch"),
    "cross_year_duplicate": N_("copied from another year"), "cross_year_gap": N_("cross-year gap"),
    "cross_year_jump": N_("cross-year jump"), "boilerplate": N_("copied text"),
    "indicator_outlier": N_("unusual indicator"),
}
SEVERITY_WORDS = {"error": N_("error"), "warning": N_("warning"), "info": N_("note")}
ABOUT_WORDS = {"report": N_("the report itself"), "reading": N_("reading in doubt")}
INPUT_WORDS = {"scanned_pdf": N_("scanned PDF"), "text_pdf": N_("text PDF"), "mixed_pdf": N_("mixed PDF"),
               "image": N_("image"), "docx": N_("Word document"), "html": N_("web page"), "text": N_("plain text")}


def status_word(status: str) -> str:
    """A cell status as a person reads it."""
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def kind_word(kind: str) -> str:
    """An issue or finding kind as a person reads it."""
    return _(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


def severity_word(severity: str) -> str:
    return _(SEVERITY_WORDS[severity]) if severity in SEVERITY_WORDS else severity


def about_word(about: str) -> str:
    return _(ABOUT_WORDS[about]) if about in ABOUT_WORDS else about


def input_word(kind: str | None) -> str:
    return _(INPUT_WORDS[kind]) if kind in INPUT_WORDS else str(kind)
