"""The audit memo as PDF, from the same blocks as the Word and HTML memos (:func:`~govreport.output.memo.memo_blocks`),
in the layout of GB/T 9704-2012: A4, margins 37/35/28/26 mm, 仿宋 body, 黑体 headings, ``— N —`` page numbers.

The fonts are embedded (subsets): the first TrueType font found of each role, looked for under the system's
font folders by file name, ``GOVREPORT_FONT_DIR`` first (put ``simfang.ttf``/``simhei.ttf`` there for the
Windows fonts). Where no 仿宋 is installed the body falls back to a 楷体 or 黑体 that is (Debian's
``fonts-arphic-ukai``, ``fonts-wqy-zenhei``); OpenType/CFF fonts (Noto CJK) cannot be embedded by reportlab
and are skipped.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from govreport.errors import MissingDependencyError
from govreport.i18n import _
from govreport.output.memo_parts import (
    COLOURS,
    MARGIN_MM,
    PAGE_MM,
    SIZES_PT,
    Block,
    column_weights,
    finding_lines,
)

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts",
             "C:/Windows/Fonts", "/Library/Fonts", "/System/Library/Fonts")
#: per role, font files in order of preference (file name, subfont index of a collection)
CANDIDATES = {
    "body": [("simfang.ttf", 0), ("STFANGSO.TTF", 0), ("ukai.ttc", 0), ("wqy-zenhei.ttc", 0), ("wqy-microhei.ttc", 0),
             ("DroidSansFallbackFull.ttf", 0)],
    "heading": [("simhei.ttf", 0), ("wqy-zenhei.ttc", 0), ("wqy-microhei.ttc", 0), ("DroidSansFallbackFull.ttf", 0),
                ("ukai.ttc", 0)],
    "title": [("simsun.ttc", 0), ("uming.ttc", 0), ("wqy-zenhei.ttc", 0), ("wqy-microhei.ttc", 0),
              ("DroidSansFallbackFull.ttf", 0)],
}


def _font_files() -> dict[str, Path]:
    dirs = [os.environ.get("GOVREPORT_FONT_DIR", ""), *FONT_DIRS]
    found: dict[str, Path] = {}
    for d in dirs:
        root = Path(d).expanduser() if d else None
        if root is None or not root.is_dir():
            continue
        for path in root.rglob("*"):
            found.setdefault(path.name.lower(), path)
    return found


@cache
def fonts() -> dict[str, str]:
    """The reportlab font name of each role (body, heading, title), registered once."""
    from reportlab.lib.fonts import addMapping  # noqa: F401 - registers the family machinery
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.pdfmetrics import registerFontFamily
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    files = _font_files()
    out: dict[str, str] = {}
    for role, candidates in CANDIDATES.items():
        for name, index in candidates:
            path = files.get(name.lower())
            if path is None:
                continue
            font = f"gr-{Path(name).stem.lower()}"
            try:
                if font not in pdfmetrics.getRegisteredFontNames():
                    pdfmetrics.registerFont(TTFont(font, str(path), subfontIndex=index))
                    registerFontFamily(font, normal=font, bold=font, italic=font, boldItalic=font)
            except (TTFError, OSError, ValueError):
                continue
            out[role] = font
            break
    if "body" not in out:
        raise MissingDependencyError(_("no Chinese TrueType font found for the PDF memo (install fonts-wqy-zenhei, "
                                       "or put simfang.ttf in GOVREPORT_FONT_DIR)"))
    out.setdefault("heading", out["body"])
    out.setdefault("title", out["heading"])
    return out


def _styles() -> dict[str, Any]:
    """Paragraph styles; each keeps one character's room at the right, where CJK line breaking hangs a
    closing bracket or comma past the line (it must not pass the margin)."""
    styles = _base_styles()
    for style in styles.values():
        style.rightIndent = style.fontSize
    return styles


def _base_styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    f = fonts()
    body = ParagraphStyle("body", fontName=f["body"], fontSize=SIZES_PT["body"], leading=SIZES_PT["body"] * 1.75,
                          wordWrap="CJK", firstLineIndent=0, spaceAfter=4)
    return {
        "h1": ParagraphStyle("h1", fontName=f["title"], fontSize=SIZES_PT["title"], leading=SIZES_PT["title"] * 1.5,
                             alignment=TA_CENTER, wordWrap="CJK", spaceAfter=12),
        "h2": ParagraphStyle("h2", fontName=f["heading"], fontSize=SIZES_PT["h2"], leading=SIZES_PT["h2"] * 1.6,
                             wordWrap="CJK", spaceBefore=10, spaceAfter=4),
        "h3": ParagraphStyle("h3", fontName=f["heading"], fontSize=SIZES_PT["h3"], leading=SIZES_PT["h3"] * 1.6,
                             wordWrap="CJK", spaceBefore=6, spaceAfter=2),
        "h4": ParagraphStyle("h4", fontName=f["heading"], fontSize=SIZES_PT["h4"] - 2,
                             leading=(SIZES_PT["h4"] - 2) * 1.6, wordWrap="CJK", spaceBefore=4),
        "p": body,
        "li": ParagraphStyle("li", parent=body, leftIndent=12, fontSize=SIZES_PT["body"] - 2,
                             leading=(SIZES_PT["body"] - 2) * 1.6),
        "line": ParagraphStyle("line", parent=body, leftIndent=24, fontSize=SIZES_PT["body"] - 4,
                               leading=(SIZES_PT["body"] - 4) * 1.6),
        "cell": ParagraphStyle("cell", fontName=f["body"], fontSize=SIZES_PT["table"] - 1.5,
                               leading=(SIZES_PT["table"] - 1.5) * 1.3, wordWrap="CJK"),
    }


#: marks the common CJK fonts lack, drawn with ones they have
SUBSTITUTES = str.maketrans({"⚑": "▲", "✓": "√"})


def _x(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape("".join(ch for ch in text if ch in "\t\n" or ord(ch) >= 0x20).translate(SUBSTITUTES))


def _flowables(blocks: list[Block], width: float) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import LongTable, Paragraph, Spacer, TableStyle

    st = _styles()
    out: list[Any] = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3", "h4", "p"):
            out.append(Paragraph(_x(b.text), st[b.kind]))
        elif b.kind == "findings":
            for f in b.findings:
                head, message, lines = finding_lines(f, b.about)
                out.append(Paragraph(f"<b>{_x(head + _(': '))}</b>{_x(message)}", st["li"]))
                out += [Paragraph(f"<b>{_x(k)}</b>{_x(v)}", st["line"]) for k, v in lines]
        elif b.kind == "table" and b.header:
            weights = column_weights(b)
            widths = [width * w / sum(weights) for w in weights]
            data = [[Paragraph(_x(h), st["cell"]) for h in b.header]]
            data += [[Paragraph(_x(c.text), st["cell"]) for c in row] for row in b.rows]
            style = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(
                "#EEEEEE")), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2),
                     ("RIGHTPADDING", (0, 0), (-1, -1), 2)]
            for y, row in enumerate(b.rows, 1):
                for x, c in enumerate(row):
                    if c.mark in COLOURS:
                        style.append(("BACKGROUND", (x, y), (x, y), colors.HexColor("#" + COLOURS[c.mark])))
            table = LongTable(data, colWidths=widths, repeatRows=1)
            table.setStyle(TableStyle(style))
            out += [table, Spacer(1, 6)]
    return out


def render_pdf(blocks: list[Block], path: Path) -> None:
    """Write the memo's blocks to ``path`` as an A4 PDF (fonts embedded)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    f = fonts()
    doc = SimpleDocTemplate(str(path), pagesize=A4, topMargin=MARGIN_MM["top"] * mm,
                            bottomMargin=MARGIN_MM["bottom"] * mm, leftMargin=MARGIN_MM["left"] * mm,
                            rightMargin=MARGIN_MM["right"] * mm, title=blocks[0].text if blocks else "",
                            author="govreport", invariant=1, initialFontName=f["body"])

    def page_number(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(f["title"], SIZES_PT["footer"])
        canvas.drawCentredString(PAGE_MM[0] * mm / 2, (MARGIN_MM["bottom"] - 14) * mm, f"— {document.page} —")
        canvas.restoreState()

    doc.build(_flowables(blocks, doc.width), onFirstPage=page_number, onLaterPages=page_number)
