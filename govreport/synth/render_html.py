"""A report as a government website publishes it: an HTML article with ruled tables.

Tables keep the template's merged cells as ``colspan``/``rowspan``; value cells carry no hint
of their contract key, so a reader must match labels like it would on a real site.

>>> from govreport.synth.truth import random_truth
>>> from govreport.synth.printed import printed_document
>>> html = render_html(printed_document(random_truth("gov2021", seed=2)))
>>> html.count("<table"), "申请人情况" in html
(6, True)
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from govreport.synth.printed import PrintedDocument, PrintedTable

_CSS = """
body { font-family: "SimSun", "Songti SC", serif; color: #222; background: #f4f4f4; margin: 0; }
.top { background: #b71c1c; color: #fff; padding: 10px 40px; font-size: 20px; }
.crumb { width: 900px; margin: 12px auto; font-size: 13px; color: #666; }
.article { width: 820px; margin: 0 auto 30px; background: #fff; padding: 30px 40px; }
.article h1 { text-align: center; font-size: 22px; line-height: 1.5; }
.info { text-align: center; color: #888; font-size: 13px; border-bottom: 1px solid #ddd;
        padding-bottom: 10px; }
.article p { text-indent: 2em; line-height: 1.9; font-size: 16px; margin: 6px 0; }
.article p.h { font-weight: bold; }
.article table { border-collapse: collapse; width: 100%; margin: 10px 0 16px; }
.article td { border: 1px solid #000; padding: 3px 4px; text-align: center; font-size: 13px; }
.article td p { text-indent: 0; margin: 0; font-size: 13px; line-height: 1.4; }
.sign { text-align: right; }
.foot { text-align: center; font-size: 12px; color: #888; padding: 20px; }
"""


def table_html(t: PrintedTable) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0">', "<tbody>"]
    for row in t.rows:
        out.append("<tr>")
        for cell in row:
            attrs = ""
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            out.append(f"<td{attrs}><p>{escape(cell.text)}</p></td>")
        out.append("</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def render_html(doc: PrintedDocument) -> str:
    """The whole page as a string (UTF-8, ``<meta charset>`` set)."""
    tr = doc.truth
    first = doc.blocks[0] if doc.blocks else None
    title = first.text if first is not None and not isinstance(first, PrintedTable) else ""
    body: list[str] = []
    for block in doc.blocks[1:]:
        if isinstance(block, PrintedTable):
            body.append(table_html(block))
        elif block.heading:
            body.append(f'<p class="h">{escape(block.text)}</p>')
        else:
            body.append(f"<p>{escape(block.text)}</p>")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
        f"<title>{escape(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
        f'<div class="top">{escape(tr.agency)}</div>',
        '<div class="crumb">首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>',
        '<div class="article">', f"<h1>{escape(title)}</h1>",
        f'<div class="info">发布日期：{doc.published or f"{tr.year + 1}-01-20"}　　来源：{escape(tr.agency)}</div>',
        *body,
        f'<p class="sign">{escape(tr.agency)}</p>',
        f'<p class="sign">{doc.signed or f"{tr.year + 1}年1月20日"}</p>',
        "</div>", f'<div class="foot">主办单位：{escape(tr.agency)}</div>', "</body>", "</html>", ""])


def write_html(doc: PrintedDocument, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render_html(doc), encoding="utf-8")
    return path
