"""HTML reports (a government site's article page, or Word's "save as web page").

Tables keep their cells: ``<td>``/``<th>`` map one-to-one to tokens, and since HTML prints a
``rowspan``/``colspan`` cell only once (in its first row), so do the tokens. A table whose cells
hold other tables is a layout table: its cells are read like ``<div>``. Page chrome (scripts,
styles, navigation, footers, hidden elements, lines such as 打印本页 / 关闭窗口) is dropped.
The encoding comes from a BOM, valid UTF-8, the ``<meta>`` charset, or GB18030 as a last
resort (GBK and GB2312 are decoded as their superset GB18030).

>>> html = "<p>一、总体情况</p><table><tr><td rowspan=2>行政处罚</td><td>5</td></tr>"
>>> html += "<tr><td>-</td></tr></table><div class=footer>关闭窗口</div>"
>>> r = read_html_string(html)
>>> [(t.kind.value, t.text) for t in r.tokens]  # doctest: +NORMALIZE_WHITESPACE
[('text', '一、总体情况'), ('break', ''), ('text', '行政处罚'), ('number', '5'), ('break', ''),
 ('blank', '-'), ('break', '')]
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from pathlib import Path

from govreport.errors import BadInputError, MissingDependencyError
from govreport.layout.assemble import Assembler, clean_inline, join_lines
from govreport.layout.tokens import LayoutResult
from govreport.settings import ExtractSettings
from govreport.sources import Source, as_source

log = logging.getLogger("govreport")

__all__ = ["decode_html", "read_html", "read_html_string"]

_DROP_TAGS = {
    "script", "style", "noscript", "template", "iframe", "object", "embed", "select", "option",
    "button", "input", "textarea", "svg", "canvas", "map", "audio", "video", "head", "title", "meta",
    "link", "nav",
}  # fmt: skip
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_CHROME_WORDS = {
    "nav", "navbar", "navigation", "menu", "topnav", "subnav", "footer", "foot", "breadcrumb", "crumb",
    "crumbs", "share", "bdshare", "qrcode", "ewm", "toolbar", "sidebar", "copyright", "friendlink",
    "topbar", "skip", "print", "close", "fontsize",
}  # fmt: skip
_CHROME_SPLIT = re.compile(r"[\s_\-]+")
_CHROME_PHRASES = re.compile(
    r"扫一扫在手机上查看当前页面|扫一扫在手机打开当前页|在手机上查看当前页面|打印本页|关闭本页|关闭窗口|"
    r"返回顶部|收藏本页|加入收藏|设为首页|分享到[:：]?|【\s*打印\s*】|【\s*关闭\s*】|\[\s*打印\s*\]|\[\s*关闭\s*\]|"
    r"[【\[]?\s*字[号体]\s*[:：]\s*[【\[]?\s*[大中小\s]+[】\]]?|"
    r"(?:当前|您?现?所?在的?)位置\s*[:：].*|上一篇\s*[:：].*|下一篇\s*[:：].*|"
    r"(?:浏览|阅读|访问)(?:次数|量)\s*[:：]\s*\d*|网站标识码.*|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]ICP备.*"
)
_PUNCT_ONLY = re.compile(r"^[\s|｜/、:：·•【】\[\]()（）<>《》\-—_]*$")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_GB_ALIASES = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "ms936", "euc-cn", "csgb2312", "gb18030"}


def _codec(name: str) -> str | None:
    name = name.strip().lower()
    if name in _GB_ALIASES:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode an HTML page; returns ``(text, encoding)``.

    >>> decode_html("<meta charset=gbk><p>年度报告</p>".encode("gbk"))[1]
    'gb18030'
    >>> decode_html("<meta charset=gbk><p>年度报告</p>".encode("utf-8"))[1]  # a wrong declaration
    'utf-8'
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc.replace("-sig", "")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    m = _META_CHARSET.search(data[:8192])
    declared = _codec(m.group(1).decode("ascii", "replace")) if m else None
    for enc in [e for e in (declared, "gb18030") if e and e != "utf-8"]:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best), best.encoding
    except ImportError:  # pragma: no cover - optional
        pass
    log.warning("HTML encoding not recognised; decoding as GB18030 with replacement characters")
    return data.decode("gb18030", errors="replace"), "gb18030"


def _is_chrome(el: object) -> bool:
    get = el.get  # type: ignore[attr-defined]
    style = (get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style or get("hidden") is not None:
        return True
    if get("aria-hidden") == "true":
        return True
    words = set(_CHROME_SPLIT.split(f"{get('class') or ''} {get('id') or ''}".lower()))
    if not words & _CHROME_WORDS:
        return False
    # never drop what holds a real table (a sloppy site may call its content box "foot")
    return not any(len(t.xpath(".//td|.//th")) >= 6 for t in el.iter("table"))  # type: ignore[attr-defined]


def _strip_chrome(root: object) -> None:
    drop = []
    for el in root.iter():  # type: ignore[attr-defined]
        tag = el.tag if isinstance(el.tag, str) else ""
        site_box = tag.lower() in ("header", "footer") and not any(
            a.tag in ("article", "main") for a in el.iterancestors()
        )
        if not tag or tag.lower() in _DROP_TAGS or site_box or _is_chrome(el):
            drop.append(el)  # comments, scripts, navigation, the site's header and footer
    for el in drop:
        if el.getparent() is not None:
            el.drop_tree()


def _clean_line(line: str) -> str:
    s = clean_inline(unicodedata.normalize("NFKC", line))
    if not s:
        return ""
    stripped = _CHROME_PHRASES.sub("", s)
    if stripped != s and _PUNCT_ONLY.match(stripped):
        return ""
    return clean_inline(stripped) if stripped != s else s


class _Walker:
    """Walks the cleaned DOM, feeding lines and table rows to an :class:`Assembler`."""

    def __init__(self) -> None:
        self.out = Assembler()
        self.buf: list[str] = []

    def flush(self) -> None:
        line = _clean_line("".join(self.buf))
        self.buf = []
        if line:
            self.out.add_line([line])

    def walk(self, root: object) -> None:
        """Depth first, with a stack of its own: any depth the parser accepts is walked."""
        stack: list[tuple[object, bool]] = [(root, False)]
        while stack:
            el, closing = stack.pop()
            tag = el.tag.lower() if isinstance(el.tag, str) else ""  # type: ignore[attr-defined]
            if closing:
                if tag in _BLOCK_TAGS:
                    self.flush()
            elif tag == "table" and not el.xpath(".//table"):  # type: ignore[attr-defined]
                self.flush()
                self.table(el)
            elif tag == "br":
                self.flush()
            else:
                if tag in _BLOCK_TAGS:
                    self.flush()
                if el.text:  # type: ignore[attr-defined]
                    self.buf.append(el.text)  # type: ignore[attr-defined]
                stack.append((el, True))
                stack.extend((child, False) for child in reversed(list(el)))  # type: ignore[call-overload]
                continue
            if el.tail:  # type: ignore[attr-defined]
                self.buf.append(el.tail)  # type: ignore[attr-defined]

    def table(self, table: object) -> None:
        rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")  # type: ignore[attr-defined]
        for cap in table.xpath("./caption"):  # type: ignore[attr-defined]
            line = _clean_line(join_lines(_lines(cap)))
            if line:
                self.out.add_line([line])
        for tr in rows:
            cells = [join_lines(_lines(td)) for td in tr.xpath("./td|./th")]
            self.out.add_row(cells)


def _lines(el: object) -> list[str]:
    """The visual lines of one element (a cell): broken at ``<br>`` and block elements."""
    lines: list[str] = [""]

    def rec(node: object) -> None:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""  # type: ignore[attr-defined]
        if tag == "br":
            lines.append("")
        else:
            block = tag in _BLOCK_TAGS
            if block and lines[-1]:
                lines.append("")
            lines[-1] += node.text or ""  # type: ignore[attr-defined]
            for child in node:  # type: ignore[attr-defined]
                rec(child)
            if block and lines[-1]:
                lines.append("")
        lines[-1] += node.tail or ""  # type: ignore[attr-defined]

    lines[-1] += el.text or ""  # type: ignore[attr-defined]
    for child in el:  # type: ignore[attr-defined]
        rec(child)
    return [ln for ln in lines if ln.strip()]


def read_html_string(html: str) -> LayoutResult:
    """Layout of an HTML document given as text (already decoded)."""
    try:
        import lxml.html
    except ImportError as exc:  # pragma: no cover
        raise MissingDependencyError.for_extra("lxml", "html", "Reading HTML") from exc
    html = _XML_DECL.sub("", html, count=1)
    # lxml refuses NULs, C0 controls, lone surrogates and U+FFFE/FFFF in text it has to rewrite
    html = _NOT_XML_CHARS.sub("", html)
    if not html.strip():
        raise BadInputError("empty HTML document")
    # huge_tree: libxml2 stops at 256 levels of nesting otherwise, and silently drops the rest
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except Exception as exc:  # lxml raises ParserError / ValueError on hopeless input
        raise BadInputError(f"cannot parse HTML: {exc}") from exc
    if any("Excessive depth" in e.message for e in parser.error_log):
        raise BadInputError("the HTML is nested too deeply to read (past the parser's limit); what lies deeper "
                            "would be lost")
    _strip_chrome(root)
    body = root.find("body")
    walker = _Walker()
    walker.walk(body if body is not None else root)
    walker.flush()
    return walker.out.result("html")


def read_html(source: Source | Path, settings: ExtractSettings) -> LayoutResult:
    """Layout of an HTML file (``.html``/``.htm``/``.shtml``; any encoding)."""
    source = as_source(source, settings)
    path = source.path
    text, encoding = decode_html(source.read_bytes())
    log.debug("%s: decoded as %s", path, encoding)
    result = read_html_string(text)
    if not result.tokens:
        raise BadInputError(f"{path}: no text found in the HTML")
    return result
