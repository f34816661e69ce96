"""Review pages: see what was read, where, and what is wrong with it.

One self-contained HTML file per report (page images as JPEG/WebP data URIs, inline CSS and a
few lines of JS, no network): every page holding a template cell with each cell outlined, coloured
by status, cells named by an ``inconsistent`` issue outlined in red; the issue list beside the
pages (click an issue to highlight and scroll to its cells; ``review.html#issue-K`` opens with
issue ``K`` of ``report.issues`` selected, without scrolling); the tables view below. Input
without boxes (text, docx, html) shows the tables only.

**Attribute rule.** Every template cell appears exactly once in the tables view as a ``<td>``
with ``data-table``, ``data-row``, ``data-col`` and ``data-status``; so the number of
``[data-status]`` elements equals ``len(report.cells)`` and their statuses are those of
``report.to_dict()``. A cell drawn on a page image is a ``div.gr-box`` with the same
``data-table``/``data-row``/``data-col`` and its status in ``data-box-status`` (never
``data-status``). Cells with a page but no box, or no page at all, are in the tables view only.

**Units.** ``bbox`` is in pixels of the file for ``input_kind == "image"``, in pixels at
``meta["dpi"]`` when the report has one (scanned PDFs), otherwise in PDF points (1/72 inch). Boxes
are placed in percent of the page size in those units, so they follow the image at any zoom.

>>> from govreport.report import Cell, Report
>>> r = Report("x.txt", "gov2021", cells=[Cell("appeals", "review", "total", 3, "read", "3")])
>>> page = review_html(r)
>>> page.count("data-status="), page.startswith("<!doctype html>")
(1, True)
"""

from __future__ import annotations

import base64
import io
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from govreport.i18n import _, current_language
from govreport.names import display
from govreport.output.html import (
    COLORS,
    CSS,
    SEVERE,
    STROKES,
    cell_id,
    cell_name,
    cell_tip,
    escape,
    flagged_cells,
    header_html,
    issues_html,
    other_readings,
    status_counts,
    table_title,
    tables_html,
)
from govreport.output.words import kind_word, status_word
from govreport.report import Cell, Report, register_extension
from govreport.sources import PDF_HEADER_WITHIN, is_pdf, open_pdf
from govreport.types import CellRef

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

log = logging.getLogger("govreport")

#: resolution of the embedded page images: an A4 page is ~910 x 1290 px, digits of a 10.5 pt
#: table ~14 px tall, ~150-250 KB per page as JPEG
IMAGE_DPI = 110
IMAGE_QUALITY = 68
MAX_IMAGE_PIXELS = 2_500_000  #: embedded pages are downscaled to at most this many pixels
PDF_KINDS = ("scanned_pdf", "text_pdf", "mixed_pdf")

#: class-scoped, so the overlay can share it inside a notebook; the review page adds a body rule
_PAGE_CSS = (
    ".gr-top{position:sticky;top:0;z-index:20;background:#fff;border-bottom:1px solid #bbb;padding:6px 12px}"
    ".gr-main{display:flex;align-items:flex-start;gap:14px;padding:10px 12px}"
    ".gr-side{position:sticky;top:70px;flex:none;width:330px;max-height:calc(100vh - 84px);overflow:auto;"
    "background:#fff;border:1px solid #ccc;padding:6px 8px;box-sizing:border-box}"
    ".gr-side h3{margin:4px 0;font-size:14px}"
    ".gr-off ul{margin:2px 0;padding-left:16px;font-size:12px;max-height:30vh;overflow:auto}"
    ".gr-side li[data-cells]{cursor:pointer}"
    ".gr-side li.gr-on{background:#fff59d}"
    ".gr-side a{color:inherit;text-decoration:none}"
    ".gr-content{flex:1;min-width:0}"
    ".gr-pages{display:flex;flex-direction:column;align-items:flex-start}"
    ".gr-page,.gr-box,.gr-report td{scroll-margin-top:80px}"
    ".gr-page{position:relative;margin:0 0 16px;width:100%;max-width:1000px;background:#fff;"
    "box-shadow:0 1px 5px rgba(0,0,0,.35)}"
    ".gr-page img{display:block;width:100%;height:auto}"
    ".gr-page.gr-noimg{background:repeating-linear-gradient(45deg,#fafafa 0 12px,#f0f0f0 12px 24px)}"
    ".gr-pno{position:absolute;left:0;top:0;z-index:4;background:#37474f;color:#fff;padding:1px 6px;font-size:12px}"
    ".gr-box{position:absolute;box-sizing:border-box;border:2px solid;z-index:2}"
    ".gr-box.gr-issue{outline:2px dashed #ad1457;outline-offset:1px}"
    ".gr-box.gr-bad{outline:3px solid #d50000;outline-offset:1px;background:rgba(213,0,0,.22)!important}"
    ".gr-box:hover,.gr-box.gr-hover{z-index:5;box-shadow:0 0 0 3px #00b0ff}"
    ".gr-box.gr-hl,.gr-box:target{z-index:6;box-shadow:0 0 0 5px #ffd600;background:rgba(255,214,0,.35)!important}"
    ".gr-report td.gr-hover{box-shadow:inset 0 0 0 3px #00b0ff}"
    ".gr-val{position:absolute;right:0;bottom:100%;font:bold 11px/1.2 sans-serif;color:#fff;padding:0 3px;"
    "white-space:nowrap;pointer-events:none}"
    ".gr-info{margin-top:8px;padding:4px;border-top:1px solid #ccc;min-height:2.6em;font-size:12px;"
    "word-break:break-all}"
    ".gr-tables{background:#fff;border:1px solid #ccc;padding:4px 10px;overflow-x:auto}"
)

_JS = r"""(function(){
var Q=function(s){return document.querySelectorAll(s)};
function sel(k){var p=k.split('|');return '[data-table="'+p[0]+'"][data-row="'+p[1]+'"][data-col="'+p[2]+'"]'}
function pick(li,scroll){Q('.gr-hl').forEach(function(e){e.classList.remove('gr-hl')});
 Q('li.gr-on').forEach(function(e){e.classList.remove('gr-on')});li.classList.add('gr-on');
 var first=null,any=null;li.getAttribute('data-cells').split(' ').forEach(function(k){
  Q(sel(k)).forEach(function(e){e.classList.add('gr-hl');any=any||e;
   if(!first&&e.classList.contains('gr-box'))first=e})});
 var t=first||any;if(t&&scroll)t.scrollIntoView({block:'center',behavior:'smooth'})}
Q('li[data-cells]').forEach(function(li){li.addEventListener('click',function(ev){ev.preventDefault();pick(li,1)})});
var m=/^#issue-(\d+)$/.exec(location.hash),li0=m&&document.querySelector('li[data-issue="'+m[1]+'"][data-cells]');
if(li0)pick(li0,0);
var info=document.getElementById('gr-info'),on=[];
document.addEventListener('mouseover',function(ev){
 var e=ev.target.closest&&ev.target.closest('[data-row][data-col]');
 on.forEach(function(x){x.classList.remove('gr-hover')});on=[];if(!e)return;
 if(info)info.textContent=e.getAttribute('title')||'';
 Q(sel([e.dataset.table,e.dataset.row,e.dataset.col].join('|'))).forEach(function(x){
  x.classList.add('gr-hover');on.push(x)})});
window.addEventListener('load',function(){
 document.documentElement.setAttribute('data-load-ms',String(Math.round(performance.now())))});
document.documentElement.setAttribute('data-ready','1');
})();"""


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _status_css() -> str:
    out = []
    for s, c in STROKES.items():
        fill = 0.06 if s == "read" else 0.35 if s == "masked" else 0.2
        out.append(f".gr-box.s-{s}{{border-color:{c};background:{_rgba(c, fill)}}}.s-{s}>.gr-val{{background:{c}}}")
    return "".join(out)


# -- page images -------------------------------------------------------------------------------


@dataclass(slots=True)
class PageView:
    """One page as shown: its size in bbox units and its image as a data URI (``None``: no image)."""

    number: int  #: 1-based
    width: float
    height: float
    uri: str | None = None
    pixels: tuple[int, int] = (0, 0)  #: size of the embedded image


def bbox_units(report: Report) -> tuple[str, float | None]:
    """``("image", None)`` (pixels of the image file), ``("px", dpi)`` or ``("pt", 72.0)``."""
    if report.meta.get("input_kind") == "image":
        return ("image", None)
    dpi = report.meta.get("dpi")
    if dpi:
        return ("px", float(dpi))
    return ("pt", 72.0)


def _encode(img: Image.Image, fmt: str, quality: int) -> str:
    if img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    buf = io.BytesIO()
    if fmt == "webp":
        img.save(buf, "WEBP", quality=quality, method=4)
        mime = "image/webp"
    else:
        img.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
        mime = "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


def _is_pdf(path: Path) -> bool:
    """The file is a PDF by the rule every reader uses (a header after a preamble counts)."""
    try:
        with path.open("rb") as fh:
            return is_pdf(fh.read(PDF_HEADER_WITHIN))
    except OSError:
        return False


def _pdf_pages(path: Path, numbers: list[int], unit_dpi: float, image_dpi: int, fmt: str, quality: int,
               password: str | None) -> dict[int, PageView]:
    out: dict[int, PageView] = {}
    doc = open_pdf(path, password)
    try:
        for n in numbers:
            if not 1 <= n <= len(doc):
                log.warning("%s: page %d is not in the document (%d pages)", path.name, n, len(doc))
                continue
            page = doc[n - 1]
            w_pt, h_pt = page.get_size()
            scale = min(image_dpi / 72, (MAX_IMAGE_PIXELS / max(1.0, w_pt * h_pt)) ** 0.5)
            img = page.render(scale=scale).to_pil()  # /Rotate and the crop box applied, as the readers do
            page.close()
            # page size in bbox units from the bitmap, so a rotated page comes out right
            k = unit_dpi / 72 / scale
            out[n] = PageView(n, img.width * k, img.height * k, _encode(img, fmt, quality), img.size)
    finally:
        doc.close()
    return out


def _image_pages(path: Path, numbers: list[int], image_dpi: int, fmt: str, quality: int) -> dict[int, PageView]:
    from PIL import Image, ImageOps

    out: dict[int, PageView] = {}
    with Image.open(path) as im:
        for n in numbers:
            try:
                im.seek(n - 1)
            except EOFError:
                log.warning("%s: no frame %d in the image", path.name, n)
                continue
            frame = ImageOps.exif_transpose(im.convert("RGB") if im.mode not in ("RGB", "L") else im.copy())
            w, h = frame.size
            file_dpi = (im.info.get("dpi") or (0, 0))[0] or 200
            scale = min(1.0, image_dpi / float(file_dpi), (MAX_IMAGE_PIXELS / (w * h)) ** 0.5)
            if scale < 1.0:
                frame = frame.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS)
            out[n] = PageView(n, float(w), float(h), _encode(frame, fmt, quality), frame.size)
    return out


def _placeholder(n: int, cells: list[Cell], units: tuple[str, float | None]) -> PageView:
    """A blank page big enough for its boxes (A4 at the unit resolution when that is known)."""
    res = units[1] or 200.0
    w, h = 8.27 * res, 11.69 * res
    for c in cells:
        if c.bbox:
            w, h = max(w, c.bbox[2] * 1.05), max(h, c.bbox[3] * 1.05)
    return PageView(n, w, h, None)


def page_views(report: Report, source_path: str | os.PathLike[str] | Literal[False] | None = None,
               pages: list[int] | None = None, *, image_dpi: int = IMAGE_DPI, image_format: str = "jpeg",
               quality: int = IMAGE_QUALITY, password: str | None = None) -> list[PageView]:
    """The pages holding a template cell with a box (or ``pages``), with their images.

    The image comes from ``source_path`` (default: ``report.source`` if that file exists; ``False``:
    no document, placeholders only); a page whose image cannot be had is a hatched placeholder, and
    the reason is logged.
    """
    by_page: dict[int, list[Cell]] = {}
    for c in report.cells:
        if c.page is not None and c.bbox is not None:
            by_page.setdefault(int(c.page), []).append(c)
    numbers = sorted(by_page) if pages is None else sorted(set(pages))
    if not numbers:
        return []
    units = bbox_units(report)
    if source_path is False:  # the caller knows of no document it may show
        src = None
    else:
        src = Path(source_path) if source_path is not None else Path(report.source) if report.source else None
    found: dict[int, PageView] = {}
    if src is not None and src.is_file():
        try:
            if _is_pdf(src):
                found = _pdf_pages(src, numbers, units[1] or 72.0, image_dpi, image_format, quality, password)
            else:
                found = _image_pages(src, numbers, image_dpi, image_format, quality)
        except Exception as exc:  # a review without images beats no review
            log.warning("%s: cannot render page images (%s: %s)", src, type(exc).__name__, exc)
    elif report.meta.get("input_kind") in (*PDF_KINDS, "image") and source_path is not False:
        log.warning("%s: source file not found; pages drawn without images", src)
    return [found.get(n) or _placeholder(n, by_page.get(n, []), units) for n in numbers]


# -- HTML --------------------------------------------------------------------------------------


def _box_html(cell: Cell, view: PageView, flagged: set[CellRef],
              bad: set[CellRef], template: str | None = None, others: Iterable[Any] = ()) -> str:
    x0, y0, x1, y1 = (float(v) for v in cell.bbox or (0, 0, 0, 0))
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    style = (f"left:{100 * x0 / view.width:.3f}%;top:{100 * y0 / view.height:.3f}%;"
             f"width:{100 * (x1 - x0) / view.width:.3f}%;height:{100 * (y1 - y0) / view.height:.3f}%")
    cls = f"gr-box s-{escape(cell.status)}"
    if cell.key in bad:
        cls += " gr-bad gr-issue"
    elif cell.key in flagged:
        cls += " gr-issue"
    val = ""
    if cell.status in ("inferred", "corrected") and cell.value is not None:
        val = f"<span class='gr-val'>{escape(cell.value)}</span>"
    return (f"<div id='{escape(cell_id('b', cell))}' class='{cls}' style='{style}' data-table='{escape(cell.table)}' "
            f"data-row='{escape(cell.row)}' data-col='{escape(cell.col)}' data-box-status='{escape(cell.status)}' "
            f"title='{escape(cell_tip(cell, template, others))}'>{val}</div>")


def _page_html(report: Report, view: PageView, flagged: set[CellRef],
               bad: set[CellRef]) -> str:
    cells = [c for c in report.cells if c.page == view.number and c.bbox is not None]
    ratio = f"aspect-ratio:{view.width:.1f}/{view.height:.1f}"
    if view.uri:
        w, h = view.pixels
        alt = escape(_("page {page}").format(page=view.number))
        body = f"<img src='{view.uri}' width='{w}' height='{h}' alt='{alt}'>"
        cls = "gr-page"
    else:
        body = ""
        cls = "gr-page gr-noimg"
    others = other_readings(report)
    boxes = "".join(_box_html(c, view, flagged, bad, report.template, others.get(c.key, ())) for c in cells)
    pno = _("page {page} · {n} cells").format(page=view.number, n=len(cells))
    return (f"<figure class='{cls}' id='page-{view.number}' data-page='{view.number}' style='{ratio}'>"
            f"<span class='gr-pno'>{escape(pno)}</span>{body}{boxes}</figure>")


def _side_html(report: Report, views: list[PageView]) -> str:
    n_issue = len(report.issues)
    drawn = {v.number for v in views}
    boxed = {c.key for c in report.cells if c.bbox is not None and c.page in drawn}

    def link(keys: list[CellRef]) -> str:
        return next((cell_id("b", k) for k in keys if k in boxed), cell_id("c", keys[0]))

    parts = ["<aside class='gr-side'><h3>" + escape(_('Issues ({n})').format(n=n_issue)) + "</h3>",
             issues_html(report, link=link)]
    off = [c for c in report.cells if c.bbox is None or c.page not in drawn]
    if views and off:  # cells not outlined on a drawn page: by the page they were read on, if any
        by_page: dict[int | None, list[Cell]] = {}
        for c in off:
            by_page.setdefault(None if c.page is None else int(c.page), []).append(c)
        for page in sorted(by_page, key=lambda p: (p is None, p or 0)):
            parts.append(_off_html(report, page, by_page[page]))
    if views:
        parts.append("<h3>" + escape(_('Pages')) + "</h3><p>"
                     + " ".join(f"<a href='#page-{v.number}'>{v.number}</a>" for v in views) + "</p>")
    parts.append("<div class='gr-info' id='gr-info'>" + escape(_("Hover a cell to see its value and the text read."))
                 + "</div></aside>")
    return "".join(parts)


def _off_html(report: Report, page: int | None, cells: list[Cell]) -> str:
    """The cells not outlined on a page image: read on ``page`` without a box (a row at the page's foot,
    a text layer), or on no page at all (``page`` ``None``)."""
    by_table: dict[str, list[Cell]] = {}
    for c in cells:
        by_table.setdefault(c.table, []).append(c)
    others = other_readings(report)
    items = "".join(f"<li>{escape(table_title(report.template, t))}: " + ", ".join(
        f"<a href='#{escape(cell_id('c', c))}' title='{escape(cell_tip(c, report.template, others.get(c.key, ())))}'>"
        f"{escape(cell_name(report.template, *c.key))}</a>" for c in cs) + "</li>" for t, cs in by_table.items())
    summary = _(", ").join(f"{status_word(s)} {n}" for s, n in status_counts(cells).items())
    head = (_("Not on a page: {n}").format(n=len(cells)) if page is None
            else _("Page {page}, not outlined: {n}").format(page=page, n=len(cells)))
    return (f"<details class='gr-off'{'' if page is None else f' data-page={page}'}><summary><b>{escape(head)}</b> "
            f"<span class='gr-dim'>({escape(summary)})</span></summary><ul>{items}</ul></details>")


def page_figures(report: Report, views: list[PageView]) -> tuple[str, str]:
    """``(CSS, HTML)`` of the page figures with their cell boxes, as the review page draws them; an
    app that serves page images as files gives each ``PageView.uri`` as the image's URL."""
    flagged, bad = flagged_cells(report)
    return f"{_PAGE_CSS}{_status_css()}", "".join(_page_html(report, v, flagged, bad) for v in views)


def review_html(report: Report, source_path: str | os.PathLike[str] | Literal[False] | None = None, *,
                pages: list[int] | None = None, image_dpi: int = IMAGE_DPI, image_format: str = "jpeg",
                quality: int = IMAGE_QUALITY, password: str | None = None) -> str:
    """The review page of one report as a self-contained HTML document.

    ``source_path``: the report's file, for page images (default ``report.source``).
    ``pages``: show only these pages (default: every page holding a cell box).
    ``image_format``: ``jpeg`` or ``webp``; ``image_dpi`` and ``quality`` set the image size.
    """
    if image_format not in ("jpeg", "webp"):
        raise ValueError(f"image_format must be jpeg or webp (got {image_format!r})")
    views = page_views(report, source_path, pages, image_dpi=image_dpi, image_format=image_format,
                       quality=quality, password=password)
    flagged, bad = flagged_cells(report)
    content = "".join(["<section class='gr-pages'>", *(_page_html(report, v, flagged, bad) for v in views),
                       "</section>"]) if views else ""
    title = _("Review: {name}").format(name=Path(report.source).name if report.source else _("report"))
    return "".join([
        f"<!doctype html><html lang='{_html_lang()}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<meta name='generator' content='govreport review'><title>{escape(title)}</title>",
        f"<style>{CSS}body{{margin:0;background:#eceff1}}{_PAGE_CSS}{_status_css()}</style></head>",
        "<body class='gr-report'>",
        f"<header class='gr-top'>{header_html(report)}</header>",
        "<div class='gr-main'>", _side_html(report, views),
        "<main class='gr-content'>", content,
        "<section class='gr-tables'><h3>" + escape(_('Tables')) + "</h3>", tables_html(report, id_prefix="c"),
        "</section>",
        "</main></div>",
        f"<script>{_JS}</script></body></html>",
    ])


def write_review(report: Report, path: str | os.PathLike[str],
                 source_path: str | os.PathLike[str] | Literal[False] | None = None, **options: Any) -> Path:
    """Write :func:`review_html` to ``path`` atomically; ``options`` go to :func:`review_html`."""
    from govreport.output.export import write_text_atomic

    target = Path(path)
    write_text_atomic(target, display(review_html(report, source_path, **options)))  # any file name: valid UTF-8
    return target


class PageOverlay:
    """One page with its cell boxes, for notebooks (``_repr_html_``); ``.html`` is the fragment."""

    def __init__(self, html: str, page: int) -> None:
        self.html = html
        self.page = page

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"PageOverlay(page={self.page})"


def show_page(report: Report, page: int, source_path: str | os.PathLike[str] | None = None, *,
              image_dpi: int = 90, **options: Any) -> PageOverlay:
    """The overlay of one page (1-based) for a notebook: ``Report.show(page=N)``.

    Raises ``ValueError`` if no cell of the report has a box on that page.
    """
    if not any(c.page == page and c.bbox is not None for c in report.cells):
        pages = sorted({int(c.page) for c in report.cells if c.page is not None and c.bbox is not None})
        raise ValueError(f"no cell has a box on page {page} (pages with cells: {pages or 'none'})")
    views = page_views(report, source_path, [page], image_dpi=image_dpi, **options)
    flagged, bad = flagged_cells(report)
    legend = "".join(f"<span class='gr-chip' style='background:{COLORS[s]};border-color:{STROKES[s]}'>{s}</span>"
                     for s in STROKES)
    html = (f"<div class='gr-report gr-overlay'><style>{CSS}{_PAGE_CSS}{_status_css()}</style>"
            f"<div class='gr-legend'>{legend}</div>{_page_html(report, views[0], flagged, bad)}</div>")
    return PageOverlay(html, page)


# -- batch index -------------------------------------------------------------------------------


@dataclass(slots=True)
class IndexEntry:
    """One line of the batch index: a report (or the error that stopped it) and its review page."""

    source: str
    review: str | os.PathLike[str] | None = None
    report: Report | None = None
    error: str | None = None


def _entry(e: IndexEntry | tuple[Any, Any]) -> IndexEntry:
    if isinstance(e, IndexEntry):
        return e
    report, review = e
    if isinstance(report, dict):
        report = Report.from_dict(report)
    return IndexEntry(report.source, review, report)


def _severity(e: IndexEntry) -> tuple[int, ...]:
    if e.report is None:
        return (0,)
    r = e.report
    kinds = [i.kind for i in r.issues]
    statuses = [c.status for c in r.cells]
    return (1, -kinds.count("inconsistent"), -sum(k in SEVERE for k in kinds), -len(kinds),
            -statuses.count("missing"), -sum(s not in ("read", "blank") for s in statuses))


def index_html(entries: Iterable[IndexEntry | tuple[Report | dict[str, Any], str | os.PathLike[str] | None]],
               base: str | os.PathLike[str] = ".") -> str:
    """The index page as HTML; review links are made relative to the folder ``base``."""
    rows = sorted((_entry(e) for e in entries), key=_severity)
    counted = ("missing", "masked", "inferred", "corrected")
    head = [_("report"), _("template"), _("agency"), _("year"), _("issues"), kind_word("inconsistent"),
            *(status_word(s) for s in counted), _("review")]
    parts = [f"<!doctype html><html lang='{_html_lang()}'><head><meta charset='utf-8'>"
             "<meta name='generator' content='govreport review'>"
             f"<title>" + escape(_('govreport review index')) + "</title>",
             f"<style>{CSS}body{{margin:12px}}.gr-report td.l{{text-align:left}}"
             ".gr-report tr.err td{background:#ffd6d6}.gr-report td.hot{color:#b71c1c;font-weight:700}</style>"
             "</head><body class='gr-report'>",
             "<h2>" + escape(_('Review index · {n} report(s), worst first').format(n=len(rows))) + "</h2><table><tr>",
             "".join(f"<th>{h}</th>" for h in head), "</tr>"]
    for e in rows:
        link = ""
        if e.review is not None:
            try:
                href = Path(os.path.relpath(Path(e.review).resolve(), Path(base).resolve())).as_posix()
            except ValueError:  # another drive
                href = Path(e.review).resolve().as_uri()
            link = f"<a href='{escape(href)}'>" + escape(_('open')) + "</a>"
        if e.report is None:
            parts.append(f"<tr class='err'><td class='l'>{escape(e.source)}</td>"
                         f"<td class='l' colspan='{len(head) - 2}'>"
                         + escape(_("error: {message}").format(message=e.error)) + f"</td><td>{link}</td></tr>")
            continue
        r = e.report
        kinds = [i.kind for i in r.issues]
        st = [c.status for c in r.cells]
        n_bad = kinds.count("inconsistent")
        parts.append(
            f"<tr data-source='{escape(e.source)}' data-issues='{len(kinds)}'><td class='l'>{escape(e.source)}</td>"
            f"<td class='l'>{escape(r.template)}</td><td class='l'>{escape(r.meta.get('agency'))}</td>"
            f"<td>{escape(r.meta.get('year'))}</td><td{' class=hot' if kinds else ''}>{len(kinds)}</td>"
            f"<td{' class=hot' if n_bad else ''}>{n_bad}</td>"
            + "".join(f"<td style='background:{COLORS[s] if st.count(s) else '#fff'}'>{st.count(s)}</td>"
                      for s in counted)
            + f"<td>{link}</td></tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def _html_lang() -> str:
    return "en" if current_language() == "en" else "zh-CN"


def write_index(entries: Iterable[IndexEntry | tuple[Report | dict[str, Any], str | os.PathLike[str] | None]],
                path: str | os.PathLike[str]) -> Path:
    """Write the batch index page to ``path`` (atomically): one row per report, worst first.

    ``entries``: :class:`IndexEntry` objects, or ``(report, review_path)`` pairs where ``report`` is a
    :class:`Report` or its ``to_dict()`` and ``review_path`` the file :func:`write_review` wrote (or
    ``None``). A report that failed is ``IndexEntry(source, error="message")``; failures sort first,
    then reports by inconsistent issues, severe issues, all issues, missing and non-read cells.
    Links are relative to the index's folder.
    """
    from govreport.output.export import write_text_atomic

    target = Path(path)
    write_text_atomic(target, display(index_html(entries, base=target.parent)))
    return target


register_extension("page", show_page)
