"""Builders for born-digital test documents: HTML, Word and PDF (with a CJK font).

A document is a list of blocks: ``str`` (a paragraph), :class:`Table` (cells with row/col spans,
laid out like the national template), :class:`PageBreak`, :class:`ImagePage` (a page holding only
a picture of other blocks, i.e. no text layer). :func:`expected_rows` says what a reader should
emit for a table: per printed row, the texts of the cells that *start* in it.

PDFs are written with fpdf2 and a CJK TrueType font (Debian ``fonts-wqy-zenhei``:
``/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc``); :func:`cjk_font` returns None when none is
installed, and the PDF tests skip.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import random
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# document model


@dataclass
class C:
    """One table cell."""

    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Table:
    rows: list[list[C]]
    col_widths: list[float] | None = None  #: PDF points; None spreads the width evenly
    repeat_header: int = 0  #: PDF: rows printed again at the top of each continuation page


@dataclass
class PageBreak:
    pass


@dataclass
class ImagePage:
    """A page with no text layer: a picture of ``blocks`` (rendered from a PDF of them)."""

    blocks: list[object] = field(default_factory=list)


Block = str | Table | PageBreak | ImagePage


def placement(table: Table) -> tuple[list[tuple[int, int, C]], int, int]:
    """``[(row, col, cell)]`` on the grid (HTML's rowspan/colspan rules), rows and columns."""
    taken: set[tuple[int, int]] = set()
    out = []
    ncols = 0
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
            ncols = max(ncols, c)
    nrows = max(r for r, _ in taken) + 1
    return out, nrows, ncols


def expected_rows(table: Table) -> list[list[str]]:
    """Per printed row, the NFKC texts of the cells that start in it (all-empty rows dropped)."""
    rows = []
    for row in table.rows:
        texts = [unicodedata.normalize("NFKC", c.text).replace("\n", "") for c in row]
        if any(t.strip() for t in texts):
            rows.append(texts)
    return rows


# ---------------------------------------------------------------------------------------------
# the 2021 template's applications table

COLS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
OUTCOMES: list[tuple[str, list[str]]] = [
    ("（一）予以公开", []),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", []),
    (
        "（三）不予公开",
        [
            "1.属于国家秘密",
            "2.其他法律行政法规禁止公开",
            "3.危及“三安全一稳定”",
            "4.保护第三方合法权益",
            "5.属于三类内部事务信息",
            "6.属于四类过程性信息",
            "7.属于行政执法案卷",
            "8.属于行政查询事项",
        ],
    ),
    ("（四）无法提供", ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]),
    (
        "（五）不予处理",
        [
            "1.信访举报投诉类申请",
            "2.重复申请",
            "3.要求提供公开出版物",
            "4.无正当理由大量反复申请",
            "5.要求行政机关确认或重新出具已获取信息",
        ],
    ),
    (
        "（六）其他处理",
        [
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "3.其他",
        ],
    ),
    ("（七）总计", []),
]
N_DATA_ROWS = 2 + sum(max(1, len(s)) for _, s in OUTCOMES) + 1  # 25 rows of figures


def random_values(rng: random.Random, n_rows: int = N_DATA_ROWS, blanks: float = 0.1) -> list[list[str]]:
    """Seven printed values per row: counts, a few blanks, dashes and masks."""
    out = []
    for _ in range(n_rows):
        row = []
        for _ in range(7):
            roll = rng.random()
            if roll < blanks:
                row.append("")
            elif roll < blanks + 0.03:
                row.append("—")
            elif roll < blanks + 0.05:
                row.append("****")
            else:
                row.append(str(rng.choice([0, 0, 0, 1, 2, 3, 7, 12, 45, 108, 1234])))
        out.append(row)
    return out


def applications_table(values: Sequence[Sequence[str]] | None = None, corner: str | None = None) -> Table:
    """The gov2021 applications table: 3 header rows and 25 rows of 7 figures, with the label
    cells merged across rows and columns as the template prints them (28 rows, 10 columns)."""
    vals = [list(v) for v in (values or random_values(random.Random(7)))]
    assert len(vals) == N_DATA_ROWS and all(len(v) == 7 for v in vals)
    it = iter(vals)
    corner = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" if corner is None else corner
    rows: list[list[C]] = [
        [C(corner, rowspan=3, colspan=3), C("申请人情况", colspan=7)],
        [C("自然人", rowspan=2), C("法人或其他组织", colspan=5), C("总计", rowspan=2)],
        [C(t) for t in COLS[1:6]],
        [C("一、本年新收政府信息公开申请数量", colspan=3), *map(C, next(it))],
        [C("二、上年结转政府信息公开申请数量", colspan=3), *map(C, next(it))],
    ]
    n_outcome_rows = sum(max(1, len(s)) for _, s in OUTCOMES)
    first = True
    for label, subs in OUTCOMES:
        lead = [C("三、本年度办理结果", rowspan=n_outcome_rows)] if first else []
        first = False
        if not subs:
            rows.append([*lead, C(label, colspan=2), *map(C, next(it))])
            continue
        for k, sub in enumerate(subs):
            head = [*lead, C(label, rowspan=len(subs))] if k == 0 else []
            rows.append([*head, C(sub), *map(C, next(it))])
    rows.append([C("四、结转下年度继续办理", colspan=3), *map(C, next(it))])
    widths = [15.0, 70.0, 153.0] + [38.0] * 6 + [34.0]
    return Table(rows, widths)


def simple_table(rows: Sequence[Sequence[str]], widths: Sequence[float] | None = None) -> Table:
    return Table([[C(t) for t in r] for r in rows], list(widths) if widths else None)


ART20 = [
    "二、主动公开政府信息情况",
    simple_table(
        [
            ["第二十条第（一）项", "", "", ""],
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "0", "0", "3"],
            ["行政规范性文件", "12", "1", "85"],
        ],
        [150, 110, 110, 110],
    ),
]

# ---------------------------------------------------------------------------------------------
# HTML and Word


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")


def to_html(blocks: Sequence[Block], *, charset: str | None = "utf-8", chrome: bool = True) -> str:
    """An article page: optional site chrome (nav, breadcrumbs, footer, scripts) around blocks."""
    body = []
    for b in blocks:
        if isinstance(b, str):
            body.append(f"<p>{_esc(b)}</p>")
        elif isinstance(b, Table):
            trs = []
            for row in b.rows:
                tds = []
                for c in row:
                    span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (
                        f' colspan="{c.colspan}"' if c.colspan > 1 else ""
                    )
                    tds.append(f"<td{span}><p><span>{_esc(c.text) or '&nbsp;'}</span></p></td>")
                trs.append("<tr>" + "".join(tds) + "</tr>")
            body.append('<table border="1" class="MsoNormalTable"><tbody>' + "".join(trs) + "</tbody></table>")
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    head = f"<html><head>{meta}<title>年度报告</title><style>p{{margin:0}}</style>"
    head += "<script>var a='<p>不该出现</p>';</script></head><body>"
    if chrome:
        head += '<div class="nav"><ul><li><a href="/">首页</a></li><li>政务公开</li></ul></div>'
        head += '<div class="position">当前位置：首页 &gt; 政务公开 &gt; 年度报告</div>'
        head += '<div id="zoom"><div class="title">字体：[ 大 中 小 ]</div>'
    tail = ""
    if chrome:
        tail = '<div class="tool">【打印本页】 【关闭窗口】</div><p>扫一扫在手机上查看当前页面</p></div>'
        tail += '<div class="footer"><p>主办单位：某某区人民政府办公室</p><p>网站标识码 1234567890</p></div>'
    return head + "".join(body) + tail + "</body></html>"


def to_docx(blocks: Sequence[Block], path: Path | None = None) -> bytes:
    """A Word document; merged cells via python-docx's ``merge`` (gridSpan / vMerge)."""
    import docx

    doc = docx.Document()
    for b in blocks:
        if isinstance(b, str):
            doc.add_paragraph(b)
        elif isinstance(b, Table):
            cells, nrows, ncols = placement(b)
            t = doc.add_table(rows=nrows, cols=ncols)
            t.style = "Table Grid"
            for r, c, cell in cells:
                target = t.cell(r, c)
                if cell.rowspan > 1 or cell.colspan > 1:
                    target = target.merge(t.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
                lines = cell.text.split("\n")
                target.paragraphs[0].text = lines[0]
                for extra in lines[1:]:
                    target.add_paragraph(extra)
        elif isinstance(b, PageBreak):
            doc.add_page_break()
    buf = io.BytesIO()
    doc.save(buf)
    if path is not None:
        Path(path).write_bytes(buf.getvalue())
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# PDF

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
]

KANGXI = {unicodedata.normalize("NFKC", chr(cp)): chr(cp) for cp in range(0x2F00, 0x2FD6)}


def cjk_font() -> str | None:
    """A CJK TrueType font fpdf2 can embed, or None."""
    env = os.environ.get("GOVREPORT_TEST_CJK_FONT")
    for p in [env, *FONT_CANDIDATES]:
        if p and Path(p).is_file():
            return p
    return None


@functools.cache
def _font_subset(font: str) -> str:
    """The font cut down to ASCII, CJK punctuation, GB2312 and the Kangxi radicals: fpdf2 then
    loads it in ~0.1 s instead of ~0.6 s (the subset is cached in the temp directory)."""
    from fontTools import subset, ttLib

    chars = set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFF60))
    chars |= set(range(0x2000, 0x2070)) | set(range(0x2F00, 0x2FD6)) | {0xA0, 0xB7, 0xD7}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
    key = hashlib.sha1(f"{font}:{Path(font).stat().st_size}:{len(chars)}".encode()).hexdigest()[:12]
    out = Path(tempfile.gettempdir()) / f"govreport-test-font-{key}.ttf"
    if not out.exists():
        tt = ttLib.TTFont(font, fontNumber=0)
        sub = subset.Subsetter(subset.Options(notdef_outline=True, name_IDs=["*"], hinting=False))
        sub.populate(unicodes=chars)
        sub.subset(tt)
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        tt.save(tmp)
        os.replace(tmp, out)
    return str(out)


def to_kangxi(text: str) -> str:
    """Spell characters that have a Kangxi-radical twin (一 -> ⼀ U+2F00) with the radical."""
    return "".join(KANGXI.get(ch, ch) for ch in text)


@dataclass
class PdfOptions:
    font: str | None = None
    size: float = 9.0
    kangxi: bool = False  #: text layer (and glyphs) spelled with Kangxi radicals
    garbage_pages: frozenset[int] = frozenset()  #: 1-based pages whose text layer is garbled
    garbage: str = "pua"  #: pua (private-use code points) or latin (mojibake)
    filled_borders: bool = False  #: draw rulings as thin filled rectangles instead of strokes
    margin: float = 50.0
    page_height: float = 842.0
    page_width: float = 595.0


class _PdfWriter:
    def __init__(self, opts: PdfOptions) -> None:
        import fpdf

        font = opts.font or cjk_font()
        if font is None:
            raise RuntimeError("no CJK font installed (apt-get install fonts-wqy-zenhei)")
        self.o = opts
        self.pdf = fpdf.FPDF(unit="pt", format=(opts.page_width, opts.page_height))
        self.pdf.compress = False  # so the ToUnicode maps can be garbled in place
        self.pdf.set_auto_page_break(False)
        font = _font_subset(font)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.pdf.add_font("zh", fname=font)
            if opts.garbage_pages:
                self.pdf.add_font("zhbad", fname=font)
        self.lh = opts.size * 1.5
        self.y = opts.margin
        self.page = 0
        self.new_page()

    # -- page and text helpers
    def new_page(self) -> None:
        self.pdf.add_page()
        self.page += 1
        self.y = self.o.margin
        self.pdf.set_font("zhbad" if self.page in self.o.garbage_pages else "zh", size=self.o.size)

    @property
    def bottom(self) -> float:
        return self.o.page_height - self.o.margin

    def t(self, s: str) -> str:
        return to_kangxi(s) if self.o.kangxi else s

    def wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        for para in text.split("\n"):
            cur = ""
            for ch in para:
                if cur and self.pdf.get_string_width(cur + ch) > width:
                    lines.append(cur)
                    cur = ""
                cur += ch
            lines.append(cur)
        return lines

    def paragraph(self, text: str) -> None:
        width = self.o.page_width - 2 * self.o.margin
        for line in self.wrap(text, width):
            if self.y + self.lh > self.bottom:
                self.new_page()
            self.pdf.text(self.o.margin, self.y + self.o.size, self.t(line))
            self.y += self.lh

    def hline(self, x0: float, x1: float, y: float) -> None:
        if self.o.filled_borders:
            self.pdf.rect(x0, y - 0.4, x1 - x0, 0.8, style="F")
        else:
            self.pdf.line(x0, y, x1, y)

    def vline(self, x: float, y0: float, y1: float) -> None:
        if self.o.filled_borders:
            self.pdf.rect(x - 0.4, y0, 0.8, y1 - y0, style="F")
        else:
            self.pdf.line(x, y0, x, y1)

    # -- tables
    def table(self, table: Table) -> None:
        cells, nrows, ncols = placement(table)
        avail = self.o.page_width - 2 * self.o.margin
        widths = table.col_widths or [avail / ncols] * ncols
        xs = [self.o.margin]
        for w in widths:
            xs.append(xs[-1] + w)
        pad = 2.0
        heights = [self.lh + 2 * pad] * nrows
        wrapped = {}
        for r, c, cell in cells:
            w = xs[c + cell.colspan] - xs[c] - 2 * pad
            wrapped[(r, c)] = self.wrap(cell.text, w) if cell.text else []
            if cell.rowspan == 1:
                heights[r] = max(heights[r], len(wrapped[(r, c)]) * self.lh + 2 * pad)
        for r, c, cell in cells:  # a tall merged label stretches its last row
            need = len(wrapped[(r, c)]) * self.lh + 2 * pad
            have = sum(heights[r : r + cell.rowspan])
            if need > have:
                heights[r + cell.rowspan - 1] += need - have
        # rows onto pages (simulated first: fpdf2 must write pages in order)
        nh = table.repeat_header
        row_page: list[int] = []
        row_y: list[float] = []
        header_top: dict[int, float] = {}
        page, y = self.page, self.y
        for r in range(nrows):
            if y + heights[r] > self.bottom and r > 0:
                page, y = page + 1, self.o.margin
                if nh and r >= nh:
                    header_top[page] = y
                    y += sum(heights[:nh])
            row_page.append(page)
            row_y.append(y)
            y += heights[r]
        for page in sorted(set(row_page)):
            if page > self.page:
                self.new_page()
            for r, c, cell in cells:
                x0, x1 = xs[c], xs[c + cell.colspan]
                lines = wrapped[(r, c)]
                if page in header_top and r + cell.rowspan <= nh:
                    y0 = header_top[page] + sum(heights[:r])
                    self.cell(x0, x1, y0, y0 + sum(heights[r : r + cell.rowspan]), lines, pad)
                span = [k for k in range(r, r + cell.rowspan) if row_page[k] == page]
                if not span:
                    continue
                y0, y1 = row_y[span[0]], row_y[span[-1]] + heights[span[-1]]
                # the text of a merged cell is printed in its first segment only
                self.cell(x0, x1, y0, y1, lines if span[0] == r else [], pad)
        self.y = y + self.lh

    def cell(self, x0: float, x1: float, y0: float, y1: float, lines: list[str], pad: float) -> None:
        self.hline(x0, x1, y0)
        self.hline(x0, x1, y1)
        self.vline(x0, y0, y1)
        self.vline(x1, y0, y1)
        top = y0 + (y1 - y0 - len(lines) * self.lh) / 2
        for k, line in enumerate(lines):
            lw = self.pdf.get_string_width(line)
            numeric = bool(re.fullmatch(r"[\d,.\-—*]+", line))
            x = x1 - pad - lw if numeric else x0 + pad
            self.pdf.text(x, top + k * self.lh + self.o.size * 1.1, self.t(line))

    def image_page(self, blocks: Sequence[Block]) -> None:
        import pypdfium2

        data = to_pdf(list(blocks), opts=PdfOptions(font=self.o.font, size=self.o.size))
        doc = pypdfium2.PdfDocument(data)
        img = doc[0].render(scale=100 / 72).to_pil().convert("L")
        doc.close()
        if self.y > self.o.margin:
            self.new_page()
        self.pdf.image(img, 0, 0, self.o.page_width, self.o.page_height)
        self.y = self.bottom + 1

    def output(self) -> bytes:
        data = bytes(self.pdf.output())
        return _garble(data, self.o) if self.o.garbage_pages else data


def _garble(data: bytes, opts: PdfOptions) -> bytes:
    """Rewrite the second font's ToUnicode map (same byte length, so offsets stay valid)."""
    cmaps = list(re.finditer(rb"begincmap(.*?)endcmap", data, re.S))
    if len(cmaps) < 2:
        return data
    m = cmaps[1]
    base = 0xE000 if opts.garbage == "pua" else 0x00C0
    k = 0

    def sub(mm: re.Match[bytes]) -> bytes:
        nonlocal k
        if mm.group(2) in (b"0020", b"0000"):
            return mm.group(0)
        k += 1
        return b"<" + mm.group(1) + b"> <" + f"{base + (k % 60):04X}".encode() + b">"

    body = re.sub(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]{4})>", sub, m.group(1))
    assert len(body) == len(m.group(1))
    return data[: m.start(1)] + body + data[m.end(1) :]


def to_pdf(blocks: Sequence[Block], path: Path | None = None, opts: PdfOptions | None = None) -> bytes:
    """A born-digital PDF of the blocks (ruled tables, text at the right positions)."""
    w = _PdfWriter(opts or PdfOptions())
    for b in blocks:
        if isinstance(b, str):
            w.paragraph(b)
        elif isinstance(b, Table):
            w.table(b)
        elif isinstance(b, PageBreak):
            w.new_page()
        elif isinstance(b, ImagePage):
            w.image_page(b.blocks)
    data = w.output()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def sample_report(values: Sequence[Sequence[str]] | None = None, prose: int = 1) -> list[Block]:
    """A short report: title, some prose, the art.20 table, the applications table."""
    blocks: list[Block] = [
        "某某区人民政府办公室2024年政府信息公开工作年度报告",
        "本报告依据《中华人民共和国政府信息公开条例》编制。" * prose,
        "一、总体情况",
        "2024年，本机关共收到政府信息公开申请若干件，均在法定期限内答复。" * prose,
        *ART20,
        "三、收到和处理政府信息公开申请情况",
        applications_table(values),
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    return blocks


# ---------------------------------------------------------------------------------------------
# reading tokens back


def token_rows(tokens: Sequence[object]) -> list[list[str]]:
    """Split a token stream at BREAKs: each row as the tokens' NFKC texts (BLANK -> "")."""
    from govreport.layout.tokens import Kind

    rows: list[list[str]] = []
    cur: list[str] = []
    for t in tokens:
        if t.kind is Kind.BREAK:  # type: ignore[attr-defined]
            rows.append(cur)
            cur = []
        else:
            cur.append("" if t.kind is Kind.BLANK and not t.text.strip() else t.text)  # type: ignore[attr-defined]
    if cur:
        rows.append(cur)
    return rows


def find_rows(rows: list[list[str]], expected: list[list[str]]) -> int:
    """Index where ``expected`` appears as consecutive rows (texts compared without spaces)."""

    def norm(r: Sequence[str]) -> list[str]:
        return [re.sub(r"\s+", "", unicodedata.normalize("NFKC", x)) for x in r]

    exp = [norm(r) for r in expected]
    got = [norm(r) for r in rows]
    for i in range(len(got) - len(exp) + 1):
        if got[i : i + len(exp)] == exp:
            return i
    return -1


WORDS = ["", "", "0", "17", "1,234", "3.50", "—", "****", "行政许可", "商业企业", "（三）不予公开", "其他", "abc"]


def random_span_table(rng: random.Random, max_rows: int = 7, max_cols: int = 6) -> Table:
    """A random grid partitioned into rectangles (cells spanning rows and columns)."""
    nr, nc = rng.randint(1, max_rows), rng.randint(2, max_cols)
    free = [[True] * nc for _ in range(nr)]
    rows: list[list[C]] = [[] for _ in range(nr)]
    for r in range(nr):
        for c in range(nc):
            if not free[r][c]:
                continue
            rs = rng.choice([1, 1, 1, 2, 3])
            cs = rng.choice([1, 1, 1, 2, 3])
            rs = min(rs, nr - r)
            cs = min(cs, nc - c)
            while cs > 1 and not all(free[r][c + k] for k in range(cs)):
                cs -= 1
            for dr in range(rs):
                for dc in range(cs):
                    free[r + dr][c + dc] = False
            rows[r].append(C(rng.choice(WORDS), rs, cs))
    return Table(rows, [rng.choice([60.0, 70.0, 85.0]) for _ in range(nc)])
