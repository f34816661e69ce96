"""Generated reports as other people's converters leave them, with known truth.

A printed report (:mod:`govreport.synth.printed`), damaged like the flattened styles (masked
cells, zeros printed empty, a number gone, masked or misread labels), is rendered as a
born-digital PDF, an HTML page or a Word file and passed through the tools real text comes from:

- ``pdftotext-layout``, ``pdftotext-raw``: poppler's ``pdftotext -layout`` / ``-raw``;
- ``pdfminer``, ``pdfplumber``: ``extract_text`` of pdfminer.six and pdfplumber;
- ``lxml-glued``, ``bs4-glued``: lxml ``text_content()`` and BeautifulSoup ``get_text()`` without
  separators on the page as sites serve it (no whitespace between tags): cells run together;
- ``lxml-spaced``: the same with a space between a row's cells but none between rows, so a row's
  last number runs into the next row's label (``32.其他…``);
- ``html2text``, ``pandoc-html``: HTML to Markdown;
- ``mammoth``, ``pandoc-docx``: Word to Markdown;

``tabs-trimmed``: tab-separated rows whose trailing empty cells were trimmed (an editor's "strip
trailing whitespace"), with labels spanning several columns; and three hand-written Markdown
shapes seen in OCR-to-Markdown conversions:

- ``md-headings``: every row of the applications table its own small table under a heading that
  repeats its label, with generic column names (数据1 … 数据6);
- ``md-split``: the tables cut into pieces, each with a generic header, one with a header that
  does not fit the rows under it;
- ``md-nolabel``: the label in a heading only, the row under it printed without one.

and three ways page scrapers write a table one cell per line with pipes (seen in stored copies of
report pages): ``pipe-closed`` (each cell's text then `` |``; an empty cell a lone ``|``; the
columns a cell spans as extra pipes, on its line or the next), ``pipe-opened`` (the same, each row
opened by a lone ``|``), ``pipe-between`` (each cell's text on lines of its own, a header wrapped
in two, a lone ``|`` after every cell).

:func:`available` says whether a converter's tool is installed here.

>>> from govreport.synth.truth import random_truth
>>> from govreport.synth.printed import printed_document
>>> text = convert(printed_document(random_truth("gov2021", seed=1)), "md-headings")
>>> "| 类别 | 数据1 |" in text
True
"""

from __future__ import annotations

import copy
import importlib.util
import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from govreport.synth.flatten import Damage, damage_label
from govreport.synth.printed import PrintedCell, PrintedDocument, PrintedTable

TIMEOUT = 60  #: seconds any external converter may take on one report


def _run(cmd: list[str], data: bytes | None = None) -> str:
    res = subprocess.run(cmd, input=data, capture_output=True, timeout=TIMEOUT, check=True)
    return res.stdout.decode("utf-8", errors="replace")


def _pdf(doc: PrintedDocument, tmp: Path) -> Path:
    from govreport.synth.render_pdf import render_pdf

    path = tmp / "report.pdf"
    render_pdf(doc, path, seal=False)
    return path


def _docx(doc: PrintedDocument, tmp: Path) -> Path:
    from govreport.synth.render_docx import render_docx

    return render_docx(doc, tmp / "report.docx")


def served_html(doc: PrintedDocument) -> str:
    """The page as many sites serve it: no whitespace between tags."""
    from govreport.synth.render_html import render_html

    return re.sub(r">\s+<", "><", render_html(doc))


def _article(html: str):  # type: ignore[no-untyped-def]
    import lxml.html

    root = lxml.html.fromstring(html)
    found = root.find_class("article")
    return found[0] if found else root


def _pdftotext(flag: str) -> Callable[[PrintedDocument, Path], str]:
    def run(doc: PrintedDocument, tmp: Path) -> str:
        return _run(["pdftotext", flag, "-enc", "UTF-8", str(_pdf(doc, tmp)), "-"])
    return run


def _pdfminer(doc: PrintedDocument, tmp: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(_pdf(doc, tmp)))


def _pdfplumber(doc: PrintedDocument, tmp: Path) -> str:
    import pdfplumber

    with pdfplumber.open(_pdf(doc, tmp)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _lxml(doc: PrintedDocument, tmp: Path) -> str:
    return _article(served_html(doc)).text_content()


def _lxml_spaced(doc: PrintedDocument, tmp: Path) -> str:
    return _article(served_html(doc).replace("</td><td", "</td> <td")).text_content()


def _bs4(doc: PrintedDocument, tmp: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(served_html(doc), "html.parser")
    node = soup.find(class_="article") or soup
    return node.get_text()


def _html2text(doc: PrintedDocument, tmp: Path) -> str:
    import html2text

    from govreport.synth.render_html import render_html

    return html2text.html2text(render_html(doc))


def _pandoc_html(doc: PrintedDocument, tmp: Path) -> str:
    from govreport.synth.render_html import render_html

    return _run(["pandoc", "-f", "html", "-t", "gfm"], render_html(doc).encode("utf-8"))


def _mammoth(doc: PrintedDocument, tmp: Path) -> str:
    import mammoth

    with _docx(doc, tmp).open("rb") as fh:
        return mammoth.convert_to_markdown(fh).value


def _pandoc_docx(doc: PrintedDocument, tmp: Path) -> str:
    return _run(["pandoc", "-f", "docx", "-t", "gfm", str(_docx(doc, tmp))])


def _tabs_trimmed(doc: PrintedDocument, tmp: Path) -> str:
    from govreport.synth.flatten import flatten

    text, _ = flatten(doc, "tabs", Damage(), seed=len(doc.cell_text))
    return "\n".join(line.rstrip("\t") for line in text.split("\n"))


# -- hand-written Markdown ----------------------------------------------------------------------
GENERIC = ["类别", "数据1", "数据2", "数据3", "数据4", "数据5", "数据6", "总计"]
#: a header some conversions put over rows it does not describe
WRONG = ["项目", "本年新收件数", "上年结转件数", "予以公开", "部分公开", "不予公开", "结转下年度", "总计"]


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_md_row(header), "|" + "---|" * len(header), *(_md_row(r) for r in rows), ""]


def _rows(table: PrintedTable) -> list[tuple[list[str], list[str]]]:
    """Each data row of a printed table: (its label cells, its value texts)."""
    out = []
    for row in table.rows:
        values = [c.text for c in row if c.key is not None]
        if values:
            out.append(([c.text for c in row if c.key is None and not c.header], values))
    return out


def _strip_ordinal(label: str) -> str:
    return re.sub(r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d+[.．])\s*", "", label)


def _markdown(doc: PrintedDocument, shape: str, rng: random.Random) -> str:
    out: list[str] = []
    for block in doc.blocks:
        if not isinstance(block, PrintedTable):
            out += [("## " if block.heading else "") + block.text, ""]
            continue
        rows = _rows(block)
        if block.table_id.startswith("art20"):
            title = block.rows[0][0].text
            head = [c.text for c in block.rows[1]]
            out += [f"### {title}", ""] + _md_table(head, [[lab[-1], *vals] for lab, vals in rows])
        elif block.table_id == "appeals":
            heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
            vals = rows[0][1]
            names = ["行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"]
            if shape == "md-split":
                out += _md_table([f"{n}{h}" for n in names for h in heads], [vals])
            else:
                for i, name in enumerate(names):
                    out += [f"### {name}", ""] + _md_table(heads, [vals[5 * i:5 * i + 5]])
        else:
            out += _md_applications(rows, shape, rng)
    return "\n".join(out)


def _md_applications(rows: list[tuple[list[str], list[str]]], shape: str, rng: random.Random) -> list[str]:
    out = ["### 申请人情况", "", _md_row(["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构",
                                         "其他", "总计"]), ""]
    if shape == "md-split":
        chunks: list[list[tuple[list[str], list[str]]]] = []
        i = 0
        while i < len(rows):
            n = rng.randint(1, 6)
            chunks.append(rows[i:i + n])
            i += n
        wrong = rng.randrange(len(chunks))
        for c, chunk in enumerate(chunks):
            header = WRONG if c == wrong else GENERIC
            out += _md_table(header, [[lab[-1], *vals] for lab, vals in chunk])
        return out
    for labels, vals in rows:
        for group in labels[:-1]:  # 三、本年度办理结果, （三）不予公开: headings of their own
            out += [f"### {group}", ""]
        label = labels[-1]
        out += [f"### {label}", ""]
        printed = "" if shape == "md-nolabel" else (_strip_ordinal(label) if rng.random() < 0.5 else label)
        out += _md_table(GENERIC, [[printed, *vals]])
    return out


def _md(shape: str) -> Callable[[PrintedDocument, Path], str]:
    def run(doc: PrintedDocument, tmp: Path) -> str:
        return _markdown(doc, shape, random.Random(doc.truth.year * 7919 + len(doc.cell_text)))
    return run


def _scraped(shape: str) -> Callable[[PrintedDocument, Path], str]:
    def run(doc: PrintedDocument, tmp: Path) -> str:
        rng = random.Random(doc.truth.year * 104729 + len(doc.cell_text))
        same_line = rng.random() < 0.5  # where the spanned columns' pipes go
        out: list[str] = []
        for block in doc.blocks:
            if not isinstance(block, PrintedTable):
                out.append(block.text)
                continue
            for row in block.rows:
                if shape == "pipe-opened":
                    out.append("|")
                for cell in row:
                    text = " ".join(cell.text.split())
                    if shape == "pipe-between":
                        wrap = cell.header and len(text) >= 6 and rng.random() < 0.5  # 本年新 / 制作数量
                        cut = rng.randint(2, len(text) - 2) if wrap else 0
                        out += ([text[:cut], text[cut:]] if cut else [text] if text else []) + ["|"]
                        continue
                    spans = "|" * (cell.colspan - 1)
                    line = f"{text} |" if text else "|"
                    if spans and same_line:
                        out.append(f"{line} {spans}")
                    else:
                        out += [line, spans] if spans else [line]
        return "\n".join(out) + "\n"
    return run


#: converter name -> (what it needs: Python modules, and executables prefixed with "!"; the function)
CONVERTERS: dict[str, tuple[tuple[str, ...], Callable[[PrintedDocument, Path], str]]] = {
    "pdftotext-layout": (("!pdftotext", "reportlab"), _pdftotext("-layout")),
    "pdftotext-raw": (("!pdftotext", "reportlab"), _pdftotext("-raw")),
    "pdfminer": (("pdfminer", "reportlab"), _pdfminer),
    "pdfplumber": (("pdfplumber", "reportlab"), _pdfplumber),
    "lxml-glued": (("lxml",), _lxml),
    "bs4-glued": (("bs4",), _bs4),
    "lxml-spaced": (("lxml",), _lxml_spaced),
    "html2text": (("html2text",), _html2text),
    "pandoc-html": (("!pandoc",), _pandoc_html),
    "mammoth": (("mammoth", "docx"), _mammoth),
    "pandoc-docx": (("!pandoc", "docx"), _pandoc_docx),
    "tabs-trimmed": ((), _tabs_trimmed),
    "md-headings": ((), _md("md-headings")),
    "md-split": ((), _md("md-split")),
    "md-nolabel": ((), _md("md-nolabel")),
    "pipe-closed": ((), _scraped("pipe-closed")),
    "pipe-opened": ((), _scraped("pipe-opened")),
    "pipe-between": ((), _scraped("pipe-between")),
}


def available(name: str) -> bool:
    """Whether the tools converter ``name`` needs are installed here (a CJK font too, for PDFs)."""
    needs, _ = CONVERTERS[name]
    for need in needs:
        if need.startswith("!"):
            if shutil.which(need[1:]) is None:
                return False
        elif importlib.util.find_spec(need) is None:
            return False
    if "reportlab" in needs:
        from govreport.synth.fonts import FontNotFound, cjk_font

        try:
            cjk_font()
        except FontNotFound:
            return False
    return True


def damaged(doc: PrintedDocument, damage: Damage, seed: int = 0) -> PrintedDocument:
    """A copy of ``doc`` printed with ``damage``: masked cells ``****``, zeros and deleted numbers
    printed empty, labels masked, misread, half-width or in Kangxi radicals."""
    rng = random.Random(seed)
    out = copy.deepcopy(doc)
    for table in out.tables():
        for row in table.rows:
            for cell in row:
                _damage_cell(cell, damage, rng)
    out.cell_text = {c.key: c.text for t in out.tables() for row in t.rows for c in row if c.key is not None}
    return out


def _damage_cell(cell: PrintedCell, damage: Damage, rng: random.Random) -> None:
    if cell.key is None:
        if not cell.header:
            cell.text = damage_label(cell.text, damage, rng)
    elif cell.key in damage.masked:
        cell.text = "****"
    elif cell.key in damage.blank_zero or cell.key in damage.deleted:
        cell.text = ""


def convert(doc: PrintedDocument, name: str, tmpdir: str | Path | None = None) -> str:
    """``doc`` as converter ``name`` leaves it (see the module docstring)."""
    _, func = CONVERTERS[name]
    if tmpdir is not None:
        return func(doc, Path(tmpdir))
    with tempfile.TemporaryDirectory(prefix="govreport-convert-") as tmp:
        return func(doc, Path(tmp))
