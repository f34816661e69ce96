"""Cut a token stream into label/value segments: the text printed before a run of cells.

A segment is the raw material for one template row: ``label`` is the text run (a row label,
possibly after header or group-label text), ``slots`` are the number/blank/mask tokens that
follow it. Blank cells before a row's label (merged label columns) are dropped; a row of values
with no label of its own (the appeals table's data row) joins a label-only segment before it.

>>> from govreport.layout.text import text_to_tokens
>>> segs = segment(text_to_tokens("信息内容 处理决定数量（指 2019 年办件量）\\n行政许可\\t12\\t\\t696"))
>>> [(s.label, [t.text for t in s.slots]) for s in segs]
[('信息内容处理决定数量(指2019年办件量)行政许可', ['12', '', '696'])]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govreport.layout.tokens import Kind, Token

_OPEN = "(（[【〔"
_CLOSE = ")）]】〕"
_GLUED = ("年", "月", "日", "号", "时", ".", "、", "．")
#: a counting unit that ends a clause: the number before it is prose ("行政复议申请 4 起；")
_UNIT_CLAUSE = re.compile(r"^(?:人次|[件条个项次宗起份家篇户人])(?:[,.;:!?)\]、。]|$)")


@dataclass
class Segment:
    index: int
    label: str
    label_tokens: list[Token] = field(default_factory=list)
    slots: list[Token] = field(default_factory=list)
    #: for a row of values printed under a header row of its own (Markdown's ``| 类别 | 数据1 | …``):
    #: the text before that header row (a heading that names the row) and the row's own label, if any
    alt_label: str | None = None

    @property
    def values(self) -> list[Token]:
        return [t for t in self.slots if t.kind in (Kind.NUMBER, Kind.MASK)]


def _as_text(tok: Token) -> Token:
    return Token(Kind.TEXT, tok.text, None, tok.page, tok.bbox, tok.confidence)


def _demote_prose_numbers(tokens: list[Token]) -> list[Token]:
    """Numbers that are part of text (years before 年, numbers inside brackets) become text."""
    out: list[Token] = []
    depth = 0
    # a run of two or more numbers is a row of cells even inside an open bracket: a label wrapped
    # around its row's numbers ("（二）部分公开（区分处理的，只 / 0 0 0 5 0 5 / 计这一情形…）")
    in_run = [False] * len(tokens)
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and tokens[j].kind in (Kind.NUMBER, Kind.MASK):
            j += 1
        if j - i >= 2:
            in_run[i:j] = [True] * (j - i)
        i = j + 1 if j == i else j
    for i, tok in enumerate(tokens):
        if tok.kind is Kind.BREAK:
            depth = 0
        elif tok.kind is Kind.TEXT:
            depth = max(0, min(3, depth + sum(tok.text.count(c) for c in _OPEN)
                               - sum(tok.text.count(c) for c in _CLOSE)))
        elif tok.kind is Kind.NUMBER:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            glued = nxt is not None and nxt.kind is Kind.TEXT and (nxt.text.startswith(_GLUED)
                                                                  or _UNIT_CLAUSE.match(nxt.text) is not None)
            # "2019 年", "4 起；", or an ordinal split from its label: "5" / ".属于…"
            if (depth > 0 and not in_run[i]) or glued:
                tok = _as_text(tok)
        out.append(tok)
    return out


def segment(tokens: list[Token]) -> list[Segment]:
    """The token stream cut into segments: a label (one or more printed rows' text) and the cells
    that follow it. A row of cells without text joins the label above it when that label has
    no numbers (a heading that repeats the row's label), else it becomes a segment of its own.

    A single scan whose nested steps share the row state it tracks (text seen, leading blanks,
    values without a label), which is why it stays one function."""
    segs: list[Segment] = []
    label: list[Token] = []
    slots: list[Token] = []
    row_text = False  # has the current printed row shown text yet?
    row_lead: list[Token] = []  # blanks at the start of a row, before we know if a label follows
    row_values = False  # has the current row contributed values yet?
    labelless: list[Token] = []  # values of a row without text
    row_starts: list[int] = []  # where each printed row's text begins in ``label``
    alt: str | None = None

    def close() -> None:
        nonlocal label, slots, row_starts, alt
        if slots and alt is None and len(row_starts) >= 2 and row_starts[-2] > 0 \
                and row_starts[-1] - row_starts[-2] >= 2:
            # a row under a header row of its own (| 类别 | 数据1 | …): the text above the header
            # with the row's own label ("（七）总计" above, "总计" in the row)
            alt = "".join(t.text for t in label[:row_starts[-2]] + label[row_starts[-1]:])
        if label or slots:
            segs.append(Segment(len(segs), "".join(t.text for t in label), label, slots, alt))
        label, slots, row_starts, alt = [], [], [], None

    def end_row() -> None:
        nonlocal row_text, row_lead, row_values, labelless, slots, alt
        if labelless:
            if not any(t.kind is not Kind.BLANK for t in slots):
                slots = labelless  # a header's padding blanks give way to the data row below it
                if row_starts and row_starts[-1] > 0 and len(label) - row_starts[-1] >= 2:
                    alt = "".join(t.text for t in label[:row_starts[-1]])
            else:
                close()
                slots = labelless
            labelless = []
        row_text, row_lead, row_values = False, [], False

    for tok in _demote_prose_numbers(tokens):
        if tok.kind is Kind.BREAK:
            end_row()
            continue
        if tok.kind is Kind.TEXT:
            if labelless:
                end_row()
            if slots:
                close()
            if not row_text:
                row_starts.append(len(label))
            label.append(tok)
            row_text, row_lead = True, []
            continue
        # a cell: number, blank or mask
        if not row_text:
            if tok.kind is Kind.BLANK and not row_values:
                row_lead.append(tok)
                continue
            labelless.extend(row_lead)
            row_lead = []
            labelless.append(tok)
            row_values = True
            continue
        slots.append(tok)
        row_values = True
    end_row()
    close()
    return segs
