"""The pipeline, top to bottom: source -> pages -> tokens -> template tables -> checks -> Report.

1. **source** (:mod:`govreport.sources`): the input is checked and sniffed once; text given as a
   string skips this.
2. **pages -> tokens**: the reader its kind calls for (:data:`READERS`) turns it into a
   :class:`~govreport.layout.tokens.LayoutResult`, one token stream plus the plain text; scanned
   pages and PDF pages without a usable text layer go through OCR (:mod:`govreport.ocr`) on the way.
3. **template tables** (:mod:`govreport.tables`): the stream is cut into segments, matched to the
   template's rows, each number placed in its cell and the template's arithmetic run: cells and
   issues.
4. **checks** (:mod:`govreport.checks`, :mod:`govreport.tables.structure`): metadata, the table
   structure, the prose against the tables; what the audit needs of the text is kept with the
   report (the template's parts with their prose, the printed dates).
5. the :class:`~govreport.report.Report`.

>>> report = extract_text("规章\\t0\\t0\\t0\\n行政规范性文件\\t1\\t0\\t5\\n行政许可\\t12\\n", ExtractSettings())
>>> report.value("art20_1", "normative_documents", "in_force"), report.meta["input_kind"]
(5, 'text')
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

from govreport.checks.deadlines import find_dates
from govreport.checks.meta import read_meta
from govreport.checks.narrative import check_narrative
from govreport.checks.parts import split_parts
from govreport.checks.template_year import fit_year
from govreport.errors import BadInputError, GovreportError, MissingDependencyError, NotAReportError, TooLargeError
from govreport.layout.text import read_text
from govreport.layout.tokens import LayoutResult
from govreport.report import Report
from govreport.settings import ExtractSettings
from govreport.sources import Source, one_line, open_source
from govreport.tables.build import build_tables, titles_printed, weigh_alternatives
from govreport.tables.labels import norm
from govreport.tables.match import Match, best_match
from govreport.tables.segments import Segment, segment
from govreport.tables.structure import check_structure, settle_rows

log = logging.getLogger("govreport")

Reader = Callable[[Source, ExtractSettings], LayoutResult]

MAX_SEGMENTS = 5000  #: text/number runs searched for tables (a report has a few hundred)
MIN_ROWS = 3  #: template rows a document must show to be a report
_WORDS = re.compile(r"[^\W\d_]")  #: a letter of any script


def extract_file(path: str | os.PathLike[str], settings: ExtractSettings, name: str | None = None) -> Report:
    """One report file through the whole pipeline; ``name`` is what the report calls it (the path).
    A folder is one report's page images, in natural order of their names."""
    if os.path.isdir(path):
        return build_report(_read_folder(path, settings), name or str(path), settings)
    source = open_source(path, settings)
    layout = read(source, settings)
    return build_report(layout, name or source.name, settings)


def _read_folder(path: str | os.PathLike[str], settings: ExtractSettings) -> LayoutResult:
    """The layout of a folder of page images (:mod:`govreport.ocr.folder`); errors on one line."""
    try:
        from govreport.ocr.folder import read_folder
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        raise MissingDependencyError(
            f"page images need '{missing}', which is not installed: pip install 'govreport[ocr]'") from None
    try:
        return read_folder(Path(path), settings)
    except GovreportError as exc:
        raise one_line(exc, str(path)) from exc
    except MemoryError:
        raise TooLargeError(f"{path}: ran out of memory reading it") from None


def extract_text(text: str | bytes, settings: ExtractSettings, name: str = "<text>") -> Report:
    """A report given as its text (``str``, or bytes in any encoding :func:`read_text` knows)."""
    return build_report(read_text(text, settings, name=name), name, settings)


# -- pages -> tokens ----------------------------------------------------------------------------
def _lazy(module: str, function: str, purpose: str, extra: str) -> Reader:
    """A reader imported on first use (Word, HTML, PDF and OCR pull in heavy libraries)."""

    def reader(source: Source, settings: ExtractSettings) -> LayoutResult:
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:
            missing = getattr(exc, "name", None) or str(exc)
            raise MissingDependencyError(
                f"{purpose} needs '{missing}', which is not installed: pip install 'govreport[{extra}]'") from None
        return getattr(mod, function)(source, settings)

    return reader


def _read_text_file(source: Source, settings: ExtractSettings) -> LayoutResult:
    try:
        return read_text(source.read_bytes(), settings, name=source.name)
    except BadInputError as exc:
        claimed = source.claimed
        if claimed and claimed != "text":  # a .pdf/.docx/.png holding neither that nor text
            raise BadInputError(f"{source.path}: named {source.suffix} but it is not {source.claimed_name} "
                                f"(nor text): a damaged or mislabelled file") from exc
        raise


#: the reader of each kind of input
READERS: dict[str, Reader] = {
    "text": _read_text_file,
    "pdf": _lazy("govreport.layout.pdf_text", "read_pdf", "PDF input", "pdf"),
    "docx": _lazy("govreport.layout.docx", "read_docx", "Word input", "docx"),
    "html": _lazy("govreport.layout.html", "read_html", "HTML input", "html"),
    "image": _lazy("govreport.ocr.scan", "read_scanned", "image input", "ocr"),
}


def read(source: Source, settings: ExtractSettings) -> LayoutResult:
    """The token stream of ``source``, by the reader its kind calls for; every error names the file
    on one line."""
    try:
        return READERS[source.kind](source, settings)
    except GovreportError as exc:
        raise one_line(exc, source.name) from exc
    except MemoryError:
        raise TooLargeError(f"{source.path}: ran out of memory reading it") from None
    except RecursionError:
        raise BadInputError(f"{source.path}: nested too deeply to read") from None


# -- tokens -> template tables -> checks -> Report ------------------------------------------------
def match_tables(layout: LayoutResult, name: str, settings: ExtractSettings,
                 ) -> tuple[Match, list[str], list[Segment]]:
    """The template's rows found in the token stream, notes on what was left unsearched, and the
    segments searched."""
    segments = segment(layout.tokens)
    notes = []
    if len(segments) > MAX_SEGMENTS:  # bound the matching on absurd input
        notes.append(f"only the first {MAX_SEGMENTS} of {len(segments)} text/number runs were searched for tables")
        segments = segments[:MAX_SEGMENTS]
    match = best_match(segments, layout.text, settings.template)
    if len(match.units) < MIN_ROWS and not titles_printed(match.template, layout.text):
        raise NotAReportError(f"{name}: no table of the national annual-report template was found")
    if not has_template_wording(match, layout.text):
        raise NotAReportError(f"{name}: numbers, but none of the template's wording (no row label, column header "
                              "or table title): not a report")
    log.debug("%s: template %s, %d units matched", name, match.template.id, len(match.units))
    return match, notes, segments


def has_template_wording(match: Match, text: str) -> bool:
    """Whether the document shows some of the template's words: a matched row's printed label, a
    column header or a table title. Rows of bare numbers can fit the arithmetic by chance; without
    a word of the template they are no report.

    >>> from govreport.layout.text import text_to_tokens
    >>> from govreport.tables.match import best_match
    >>> bare = "1\\t2\\t3\\t4\\t5\\t6\\n" * 3
    >>> has_template_wording(best_match(segment(text_to_tokens(bare)), bare), bare)
    False
    """
    if any(_WORDS.search(u.label or "") for u in match.units):
        return True
    body = norm(text)
    words = [t.title for t in match.template.tables] + [c.label for t in match.template.tables for c in t.columns]
    return any(len(w) >= 2 and w in body for w in (norm(x) for x in [*words, *match.template.markers]))


def build_report(layout: LayoutResult, name: str, settings: ExtractSettings) -> Report:
    """From a layout's tokens to a checked :class:`Report`: template tables, then the checks."""
    match, notes, segments = match_tables(layout, name, settings)
    meta = _meta(layout, match, notes)
    match, misfit = fit_year(match, segments, layout.text, meta.get("year"), settings.template)  # type: ignore[arg-type]
    notes = settle_rows(match, segments)  # a row's legible ordinal names its row
    if notes:
        meta["notes"] = [*meta.get("notes", []), *notes]  # type: ignore[list-item]
    meta.pop("variant", None)
    meta.update(_variants(match))
    cells, issues = build_tables(match, settings)
    report = Report(source=name, template=match.template.id, meta=meta, cells=cells,
                    issues=[*layout.issues, *misfit, *issues])
    report.issues.extend(check_structure(match, segments, report.cells))
    report.narrative, prose_issues = check_narrative(layout.text, report)
    report.issues.extend(prose_issues)
    weigh_alternatives(report.cells, report.issues)
    _audit_material(layout.text, report)
    return report


def _audit_material(text: str, report: Report) -> None:
    """What the audit (:mod:`govreport.checks.audit`) needs of the text, kept with the report: its
    parts' prose and its printed dates."""
    report.parts = split_parts(text)
    dates = find_dates(text)
    if dates:
        report.meta["dates"] = dates


def _meta(layout: LayoutResult, match: Match, notes: list[str]) -> dict[str, object]:
    """What the text says about the report (year, agency, ...), then how it was read."""
    meta = read_meta(layout.text)
    meta.update({"pages": layout.pages, "input_kind": layout.input_kind})
    if layout.dpi:
        meta["dpi"] = layout.dpi
    notes = [*layout.notes, *notes]
    if notes:
        meta["notes"] = notes
    meta.update(_variants(match))
    return meta


def _variants(match: Match) -> dict[str, object]:
    variants = {table: variant for table, variant in match.variants.items() if variant}
    return {"variant": variants} if variants else {}
