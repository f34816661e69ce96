"""What the memo's renderers share (:mod:`govreport.output.memo` for Word and HTML,
:mod:`govreport.output.memo_pdf` for PDF): its blocks, the page of GB/T 9704-2012, the colours of cell
marks, and how a finding is printed (its legal basis and 整改建议)."""

from __future__ import annotations

from dataclasses import dataclass, field

from govreport.checks.findings import Finding
from govreport.i18n import N_, _
from govreport.output.words import kind_word

COLOURS = {"flagged": "F4C7C3", "inferred": "D9EAF7", "corrected": "FFF2CC", "masked": "BFBFBF",
           "missing": "F8CBAD", "verified": "D9F2D0"}
#: A4 and the margins of GB/T 9704-2012 (mm): the text block is 156 x 225 mm
PAGE_MM = (210, 297)
MARGIN_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH = round((PAGE_MM[0] - MARGIN_MM["left"] - MARGIN_MM["right"]) / 25.4 * 1440)  #: twips across the text
SIZES_PT = {"title": 22, "h2": 16, "h3": 16, "h4": 16, "body": 16, "table": 10.5, "footer": 14}
#: per finding kind: its legal basis and what to put right (整改建议)
BASIS: dict[str, tuple[str, str]] = {
    "compliance": (N_("Regulations on Open Government Information, art. 50; the national format of "
                      "国办公开办函〔2021〕30号"),
                   N_("Add the missing content under the part the national format requires, stated for this year.")),
    "deadline": (N_("Regulations on Open Government Information, art. 49 (departments by 31 January, governments by "
                    "31 March)"),
                 N_("Publish the annual report by the deadline and print its publication date on it.")),
    "inconsistent": (N_("the statistical tables of 国办公开办函〔2021〕30号 and their arithmetic"),
                     N_("Check the figures against the register of requests, correct the table and publish the "
                        "corrected report.")),
    "empty_column": (N_("the statistical tables of 国办公开办函〔2021〕30号"),
                     N_("Fill every cell of the table; print 0 where there is nothing to report.")),
    "narrative_mismatch": (N_("Regulations on Open Government Information, art. 50"),
                           N_("Make the text and the tables state the same figures.")),
    "cross_year_mismatch": (N_("the statistical tables of 国办公开办函〔2021〕30号 (上年结转 = last year's "
                               "结转下年度继续办理)"),
                            N_("Reconcile the carried-over figures with last year's report and explain any "
                               "difference.")),
    "cross_year_stock_flow": (N_("the statistical tables of 国办公开办函〔2021〕30号 (现行有效件数 carried across "
                                 "years)"),
                              N_("Reconcile this year's figures with last year's report and explain any "
                                 "difference.")),
    "cross_year_duplicate": (N_("Regulations on Open Government Information, art. 49"),
                             N_("Keep one report per year; withdraw or mark the duplicate.")),
    "cross_year_gap": (N_("Regulations on Open Government Information, art. 49"),
                       N_("Publish the missing year's report, or state why there is none.")),
    "cross_year_jump": (N_("Regulations on Open Government Information, art. 50"),
                        N_("Check the figure; explain a real change in the report's text.")),
    "boilerplate": (N_("Regulations on Open Government Information, art. 50"),
                    N_("Write this year's own account instead of text copied from another year or body.")),
    "indicator_outlier": (N_("Regulations on Open Government Information, art. 50"),
                          N_("Check the figures behind the indicator; explain them if they are right.")),
}
READING_ADVICE = N_("Check this value against the document (govreport verify records the decision).")


@dataclass(slots=True)
class Cell:
    text: str
    mark: str | None = None  #: a COLOURS key
    title: str | None = None  #: hover text (HTML)


@dataclass(slots=True)
class Block:
    kind: str  #: h1 h2 h3 h4 p table findings
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    anchor: str | None = None
    about: str = "report"  #: of a findings block: "report" (with basis and advice) or "reading"


def basis_and_advice(f: Finding, about: str) -> tuple[str, str]:
    """The legal basis of a finding about the report and its 整改建议; for a reading doubt, what to check."""
    if about == "reading":
        return "", _(READING_ADVICE)
    basis, advice = BASIS.get(f.kind, (N_("Regulations on Open Government Information, art. 50"),
                                       N_("Check and correct the report.")))
    return _(basis), _(advice)


def finding_lines(f: Finding, about: str) -> tuple[str, str, list[tuple[str, str]]]:
    """A finding as the memo prints it: its head (kind and rule), its message, and the labelled lines after it
    (legal basis, 整改建议 or what to check, the source it quotes)."""
    head = kind_word(f.kind) + (f" [{f.rule}]" if f.rule else "")
    basis, advice = basis_and_advice(f, about)
    lines = [(_("Basis: "), basis)] if basis else []
    lines.append((_("Advice: ") if about == "report" else _("To check: "), advice))
    if f.source:
        lines.append((_("Source: "), f.source))
    return head, f.message, lines


def _width(text: str) -> int:
    """Display width: a CJK character takes two columns."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def column_weights(b: Block) -> list[int]:
    """Relative column widths of a table: as wide as its longest text within bounds, never under four
    CJK characters (a header wraps rather than squeeze its column)."""
    return [min(40, max([8, min(_width(h), 16), *(_width(r[i].text) for r in b.rows if i < len(r))])) + 2
            for i, h in enumerate(b.header)]
