"""The printed form of a report: prose paragraphs and the template's tables as grids.

Every renderer (text styles, HTML, Word, PDF, page images) draws from this one model, so a
generated document's truth is known cell by cell.

>>> from govreport.synth.truth import random_truth
>>> doc = printed_document(random_truth("gov2021", seed=1))
>>> [b.table_id for b in doc.blocks if isinstance(b, PrintedTable)]
['art20_1', 'art20_5', 'art20_6', 'art20_8', 'applications', 'appeals']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govreport.models.template import TableSpec, get_template
from govreport.synth.truth import Truth
from govreport.types import CellRef

GROUP_LABELS = {
    "withheld": "（三）不予公开",
    "unable": "（四）无法提供",
    "rejected": "（五）不予处理",
    "other": "（六）其他处理",
}


@dataclass
class PrintedCell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    key: CellRef | None = None  # the template cell this prints, for value cells
    header: bool = False


@dataclass
class PrintedTable:
    table_id: str
    title: str | None
    rows: list[list[PrintedCell]]

    @property
    def ncols(self) -> int:
        return sum(c.colspan for c in self.rows[0])

    def grid(self) -> list[list[PrintedCell | None]]:
        """Rows of width ``ncols``: each cell at its top-left slot, ``None`` where covered."""
        n = self.ncols
        out: list[list[PrintedCell | None]] = [[None] * n for _ in self.rows]
        taken = [[False] * n for _ in self.rows]
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while c < n and taken[r][c]:
                    c += 1
                if c >= n:
                    break
                out[r][c] = cell
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        if r + dr < len(self.rows) and c + dc < n:
                            taken[r + dr][c + dc] = True
                c += cell.colspan
        return out


@dataclass
class Paragraph:
    text: str
    heading: bool = False


@dataclass
class PrintedDocument:
    truth: Truth
    blocks: list[Paragraph | PrintedTable] = field(default_factory=list)
    cell_text: dict[CellRef, str] = field(default_factory=dict)  # what each value cell prints
    signed: str | None = None  #: the date under the signature (every renderer prints it when set)
    published: str | None = None  #: a web page's 发布日期 (ISO), for the HTML renderer

    def tables(self) -> list[PrintedTable]:
        return [b for b in self.blocks if isinstance(b, PrintedTable)]


def fmt(v: int | float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


def _value(truth: Truth, key: CellRef) -> PrintedCell:
    return PrintedCell(fmt(truth.values[key]), key=key)


def _small_table(t: TableSpec, truth: Truth) -> PrintedTable:
    n = len(t.columns)
    rows = [[PrintedCell(t.title, colspan=n + 1, header=True)],
            [PrintedCell("信息内容", header=True)] + [PrintedCell(c.label, header=True) for c in t.columns]]
    for r in t.active_rows():
        rows.append([PrintedCell(r.labels[0])] + [_value(truth, (t.id, r.id, c.id)) for c in t.columns])
    return PrintedTable(t.id, None, rows)


def _applications(t: TableSpec, truth: Truth) -> PrintedTable:
    cols = [c.id for c in t.columns]
    rows: list[list[PrintedCell]] = [
        [PrintedCell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", colspan=3, rowspan=3,
                     header=True), PrintedCell("申请人情况", colspan=7, header=True)],
        [PrintedCell("自然人", rowspan=2, header=True), PrintedCell("法人或其他组织", colspan=5, header=True),
         PrintedCell("总计", rowspan=2, header=True)],
        [PrintedCell(x, header=True) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")],
    ]
    active = t.active_rows(truth.variant)
    label = {r.id: r.labels[0] for r in active}

    def vals(rid: str) -> list[PrintedCell]:
        return [_value(truth, ("applications", rid, c)) for c in cols]

    rows.append([PrintedCell(label["new"], colspan=3)] + vals("new"))
    rows.append([PrintedCell(label["carried_over"], colspan=3)] + vals("carried_over"))
    result_rows = [r.id for r in active if r.id not in ("new", "carried_over", "carried_forward")]
    first = True
    i = 0
    while i < len(result_rows):
        rid = result_rows[i]
        prefix = [PrintedCell("三、本年度办理结果", rowspan=len(result_rows))] if first else []
        first = False
        group = next((g for g in GROUP_LABELS if rid.startswith(g + "_") and rid != "other_handling"), None)
        if group:
            members = [x for x in result_rows if x.startswith(group + "_")]
            rows.append(prefix + [PrintedCell(GROUP_LABELS[group], rowspan=len(members)),
                                  PrintedCell(label[members[0]])] + vals(members[0]))
            for m in members[1:]:
                rows.append([PrintedCell(label[m])] + vals(m))
            i += len(members)
        else:
            rows.append(prefix + [PrintedCell(label[rid], colspan=2)] + vals(rid))
            i += 1
    rows.append([PrintedCell(label["carried_forward"], colspan=3)] + vals("carried_forward"))
    return PrintedTable("applications", None, rows)


def _appeals(t: TableSpec, truth: Truth) -> PrintedTable:
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    rows = [
        [PrintedCell("行政复议", colspan=5, header=True), PrintedCell("行政诉讼", colspan=10, header=True)],
        [PrintedCell(h, rowspan=2, header=True) for h in heads]
        + [PrintedCell("未经复议直接起诉", colspan=5, header=True), PrintedCell("复议后起诉", colspan=5, header=True)],
        [PrintedCell(h, header=True) for h in heads * 2],
        [_value(truth, ("appeals", r.id, c.id)) for r in t.active_rows() for c in t.columns],
    ]
    return PrintedTable("appeals", None, rows)


@dataclass
class Prose:
    """The prose of each part (``part1`` … ``part6``: paragraphs, an empty list prints the heading alone),
    parts left out altogether (``omit``), and the dates printed. See :mod:`govreport.synth.prose`."""

    parts: dict[str, list[str]]
    omit: set[str] = field(default_factory=set)
    signed: str | None = None
    published: str | None = None


PART_HEADINGS = {"part1": "一、总体情况", "part2": "二、主动公开政府信息情况",
                 "part3": "三、收到和处理政府信息公开申请情况", "part4": "四、政府信息公开行政复议、行政诉讼情况",
                 "part5": "五、存在的主要问题及改进情况", "part6": "六、其他需要报告的事项"}


def _with_prose(truth: Truth, prose: Prose) -> list[Paragraph | PrintedTable]:
    tpl = get_template(truth.template)
    y, a = truth.year, truth.agency
    blocks: list[Paragraph | PrintedTable] = [
        Paragraph(f"{a}{y}年政府信息公开工作年度报告", heading=True),
        Paragraph(f"本报告依据《中华人民共和国政府信息公开条例》编制，统计期限为{y}年1月1日至{y}年12月31日。"),
    ]
    tables: dict[str, list[PrintedTable]] = {
        "part2": [_small_table(t, truth) for t in tpl.tables if t.id.startswith("art20")],
        "part3": [_applications(tpl.table("applications"), truth)],
        "part4": [_appeals(tpl.table("appeals"), truth)],
    }
    for part, heading in PART_HEADINGS.items():
        if part in prose.omit:
            continue
        blocks.append(Paragraph(heading, heading=True))
        blocks += [Paragraph(p) for p in prose.parts.get(part, [])]
        blocks += tables.get(part, [])
    return blocks


def printed_document(truth: Truth, prose: Prose | None = None) -> PrintedDocument:
    """Title, prose and the template's tables for ``truth``, in the national format's order (with
    ``prose``: its parts and dates instead of the fixed sentences)."""
    if prose is not None:
        doc = PrintedDocument(truth, _with_prose(truth, prose), signed=prose.signed, published=prose.published)
        _index_cells(doc)
        return doc
    tpl = get_template(truth.template)
    y, a = truth.year, truth.agency
    total_new = truth.values[("applications", "new", "total")]
    blocks: list[Paragraph | PrintedTable] = [
        Paragraph(f"{a}{y}年政府信息公开工作年度报告", heading=True),
        Paragraph(f"本报告依据《中华人民共和国政府信息公开条例》编制，统计期限为{y}年1月1日至{y}年12月31日。"
                  "对报告内容如有疑问，请与本机关办公室联系。"),
        Paragraph("一、总体情况", heading=True),
        Paragraph(f"{y}年，本机关坚持以公开为常态、不公开为例外，持续完善主动公开目录，规范依申请公开办理流程，"
                  "政务公开工作稳步推进。"),
        Paragraph("二、主动公开政府信息情况", heading=True),
    ]
    for t in tpl.tables:
        if t.id.startswith("art20"):
            blocks.append(_small_table(t, truth))
    blocks += [Paragraph("三、收到和处理政府信息公开申请情况", heading=True),
               Paragraph(f"全年共收到政府信息公开申请{fmt(total_new)}件，均在法定期限内答复。"),
               _applications(tpl.table("applications"), truth),
               Paragraph("四、政府信息公开行政复议、行政诉讼情况", heading=True),
               _appeals(tpl.table("appeals"), truth),
               Paragraph("五、存在的主要问题及改进情况", heading=True),
               Paragraph("主要问题是公开内容的针对性还不够强。下一步将加强培训，提升信息发布质量。"),
               Paragraph("六、其他需要报告的事项", heading=True),
               Paragraph("本年度未收取信息处理费。")]
    doc = PrintedDocument(truth, blocks)
    _index_cells(doc)
    return doc


def _index_cells(doc: PrintedDocument) -> None:
    for table in doc.tables():
        for row in table.rows:
            for cell in row:
                if cell.key is not None:
                    doc.cell_text[cell.key] = cell.text
