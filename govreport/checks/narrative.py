"""Read the report's prose too: the figures it states about the template's quantities, checked against the tables.

``check_narrative(text, report)`` finds statements such as 收到政府信息公开申请17宗，已办结15宗，2宗结转下年度
or 受理行政复议十三起，其中结果维持7起 in the prose (table lines are skipped), links each figure to the cell, or
sum of cells, it describes (and to the scope it is stated for, when that is not the report's own: 全市, 各部门,
代表区政府受理 …), and returns one ``narrative`` entry per figure plus a ``narrative_mismatch`` issue
for each figure the table contradicts. Table values are never changed. Anything it cannot attribute with
confidence is left out: a missed figure is better than a false alarm.

Which words state which quantity is data (:mod:`govreport.models.prose`, ``prose.toml``); this module is
the grammar: figures and their units, sentences and clauses, time and comparisons, the row a 其中 figure
belongs to. Quantity IDs are ``table.row.col`` contract IDs or sums the template names with groups of rows
or columns (``applications.withheld.total``, ``applications.<row>.organisations``, ``appeals.suits.<col>``,
``applications.new+carried_over.total``: a 收到 figure that includes the carried-over applications), and
``proactive.items`` (主动公开, no cell).

>>> from govreport.report import Cell, Report
>>> r = Report("x", "gov2021", cells=[Cell("appeals", row, col, value=v, status="read")
...     for row in ("review", "direct_suit", "suit_after_review")
...     for col, v in zip(("upheld", "corrected", "other", "pending", "total"), (2, 0, 0, 1, 3))])
>>> entries, issues = check_narrative("全年受理行政复议三起，其中维持两起，尚未审结1起；行政诉讼5件。", r)
>>> [(e["quantity"], e["figure"], e["agrees"]) for e in entries]
[('appeals.review.total', 3, True), ('appeals.review.upheld', 2, True), ('appeals.review.pending', 1, True), \
('appeals.suits.total', 5, False)]
>>> issues[0].kind, issues[0].table, issues[0].cells
('narrative_mismatch', 'appeals', [['direct_suit', 'total'], ['suit_after_review', 'total']])
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from govreport.checks.cn_numbers import CN_NUMERAL, cn_to_int
from govreport.i18n import _
from govreport.models.prose import Pattern, prose
from govreport.models.template import TableSpec, templates
from govreport.report import Issue, Report
from govreport.tables.words import col_label, rows_text
from govreport.types import CellRef

__all__ = ["Figure", "check_narrative", "find_figures", "prose_paragraphs"]


# -- figures --------------------------------------------------------------------------------------
_FIGURE = re.compile(
    rf"(?<![\d.第每逐单这那唯])(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?|{CN_NUMERAL})\s*+(?P<mult>万(?!元)|亿)?\s*+"
    r"(?P<approx>余|多)?\s*+(?P<unit>万元|元|人次|件|宗|条|起|项|个|份|篇|次|部)(?P<approx2>左右)?(?![\d%])")
_APPROX_BEFORE = re.compile(r"(?:约|近|大约|将近|超过|逾)$")
_DELTA_BEFORE = re.compile(r"(?<!新)(?:增加|减少|增长|下降|上升|提高|降低|增|减|多|少)了?\s*+$")
_COMPARISON = re.compile(r"同比|环比|较上一?年|比上一?年|较去年|比去年|与上一?年|与去年|较\d{4}年|比\d{4}年|"
                         r"相比|相较|持平|"
                         r"上年同期|去年同期")
_PREV_TIME = re.compile(r"(?:上一?年度?|去年|前一年|往年|以前年度)(?!度?结转|度?遗留|度?转结)")
_YEAR_MARK = re.compile(r"(?<!\d)(20\d\d)\s*+年(?!\s*+\d{1,2}\s*+月)")
_CUR_TIME = re.compile(r"本年度?|今年|全年|当年|报告期内?")

# -- prose vs table lines -------------------------------------------------------------------------
_BARE_NUMBER_LINE = re.compile(r"^[\d.,\-—*＊%\s]*$")
_LOOSE_NUMBER = re.compile(r"(?:^|\s)[\d.,*]+(?=\s+[\d.*]|\s*+$)")
_CN_ORD = "[一二三四五六七八九十]+"
_HEADING = re.compile(rf"^(?:{_CN_ORD}[、.]|\({_CN_ORD}\)|\d+[、.](?!\d)|第{_CN_ORD})")
_TERMINAL = "。;!?"
_SENTENCE = re.compile(r"[^。;!?]+[。;!?]?")
_CLAUSE_SPLIT = re.compile(r"[,，:：]")

# -- attribution ----------------------------------------------------------------------------------
# a figure stated before its keyword (2宗结转下年度) may follow only these words in its clause
_RIGHT_LEFT_OK = re.compile(r"^\s*+(?:其中|还有|有|剩余|其余|余下|尚有|仍有|共|另|并|\s)*+$")

# the keyword just before a match is part of a coordinated list (行政许可、行政处罚共12件): not attributable
_COORDINATED = re.compile(r"(?:行政复议|行政诉讼|复议|诉讼|起诉|行政许可|行政处罚|行政强制|规章|规范性文件|"
                          r"公开|提供|处理|"
                          r"自然人|企业|机构|组织)(?:[、和及与或]|以及)$")
_EACH = re.compile(r"各(?:为|有)?\s*+$")

# a 收到 figure followed by this counts the carried-over applications too
_INCLUDES_OVER = re.compile(r"^\s*+[(（]?\s*+(?:其中)?(?:含|包括|包含)(?:上一?年度?|去年)?(?:的)?结转")


# -- text -> prose sentences --------------------------------------------------------------------------
def _is_table_line(line: str) -> bool:
    return ("\t" in line or "|" in line or bool(_BARE_NUMBER_LINE.match(line))
            or len(_LOOSE_NUMBER.findall(line)) >= 2)


def _prose_like(s: str) -> bool:
    """Whether a line reads as a sentence broken off mid-way (so the next line continues it)."""
    body = s[_HEADING.match(s).end():] if _HEADING.match(s) else s
    return bool(body) and (body[-1] in ",、" or (len(body) >= 12 and any(ch in body for ch in ",、")
                                                 and body[-1] not in _TERMINAL))


def prose_paragraphs(text: str) -> list[str]:
    """The text's prose paragraphs (table lines dropped, sentences broken over lines joined), NFKC-normalised.

    >>> prose_paragraphs("标题\\n\\n全年共收到申请，\\n\\n17件。\\n行政许可\\t12\\n规章\\n0\\n")
    ['标题', '全年共收到申请,17件。', '规章']
    """
    out: list[str] = []
    cur = ""
    for raw in unicodedata.normalize("NFKC", text).splitlines():
        line = raw.strip()
        if not line:
            if cur and not _prose_like(cur):
                out.append(cur)
                cur = ""
            continue
        if _is_table_line(line):
            if cur:
                out.append(cur)
            cur = ""
            continue
        if cur and _prose_like(cur) and not _HEADING.match(line):
            cur += line
        else:
            if cur:
                out.append(cur)
            cur = line
    if cur:
        out.append(cur)
    return out


# -- figures ----------------------------------------------------------------------------------------
@dataclass(slots=True)
class Figure:
    """A number with its unit in a clause; ``value`` in the unit's base (counts, or 万元 for money)."""

    value: int | float
    unit: str
    start: int
    end: int
    approx: bool
    decimals: int


def _number(num: str, mult: str | None) -> tuple[int | float | None, int]:
    if len(num) > 24:
        return None, 0  # not a count (and int() refuses very long digit strings)
    if num[0].isdigit():
        s = num.replace(",", "")
        v: int | float = float(s) if "." in s else int(s)
        dec = len(s.partition(".")[2])
    else:
        iv = cn_to_int(num)
        if iv is None:
            return None, 0
        v, dec = iv, 0
    if mult:
        v = v * (10_000 if mult == "万" else 100_000_000)
        dec = max(0, dec - (4 if mult == "万" else 8))
    if isinstance(v, float) and v.is_integer() and dec == 0:
        v = int(v)
    return v, dec


def find_figures(clause: str) -> list[Figure]:
    """Numbers with a counting or money unit in ``clause`` (digits or Chinese numerals).

    >>> [(f.value, f.unit, f.approx) for f in find_figures("受理二十三件,办结1160余条,收费94万元,增长5%,第一项,一起办")]
    [(23, '件', False), (1160, '条', True), (94, '万元', False)]
    """
    out: list[Figure] = []
    for m in _FIGURE.finditer(clause):
        num, unit = m.group("num"), m.group("unit")
        value, dec = _number(num, m.group("mult"))
        if value is None:
            continue
        nxt = clause[m.end():m.end() + 1]
        if not num[0].isdigit() and unit == "起" and "\u4e00" <= nxt <= "\u9fff":
            continue  # 一起 = "together"
        if unit == "元":
            value, dec, unit = round(value / 10_000, dec + 4), dec + 4, "万元"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        approx = bool(m.group("approx") or m.group("approx2") or _APPROX_BEFORE.search(clause[:m.start()]))
        out.append(Figure(value, unit, m.start(), m.end(), approx, dec))
    return out


# -- quantities -> cells ------------------------------------------------------------------------------
_GENERIC_WORDS = re.compile(r"政府信息|信息|申请|相关|本机关|行政机关|要求|属于|其他")


class _Cells:
    """The report's cells, and the quantities the prose names resolved to them through the template."""

    def __init__(self, report: Report) -> None:
        self.cells = {c.key: c for c in report.cells}
        template = templates().get(report.template or "")
        self.specs: dict[str, TableSpec] = {t.id: t for t in template.tables} if template else {}

    def _members(self, table: str, name: str, present: set[str]) -> list[str]:
        """``name`` itself where the report has it, else the members of the template's group ``name``."""
        if name in present:
            return [name]
        spec = self.specs.get(table)
        return [n for n in spec.groups.get(name, ()) if n in present] if spec else []

    def resolve(self, qid: str) -> list[CellRef] | None:
        """The cells quantity ``qid`` sums, or ``None`` if this report's template has none."""
        table, _, rest = qid.partition(".")
        if table == prose().roles.no_cell:
            return None
        row, col = rest.split(".")
        here = [k for k in self.cells if k[0] == table]
        rows = self._members(table, row, {k[1] for k in here}) or [row]
        cols = self._members(table, col, {k[2] for k in here}) or [col]
        keys = [(table, r, c) for r in rows for c in cols]
        if any(k not in self.cells for k in keys):
            return None
        return keys

    def named_member(self, keys: list[CellRef], figure: float, sentence: str) -> list[CellRef] | None:
        """The one row of a group quantity (无法提供 = its three sub-rows) whose total is ``figure``
        and whose printed label the sentence quotes (three characters or more of it), or ``None``."""
        spec = self.specs.get(keys[0][0])
        if spec is None:
            return None
        found = []
        for row in dict.fromkeys(k[1] for k in keys):
            members = [k for k in keys if k[1] == row]
            label = next((re.sub(r"^[\d一二三四五六七八九十（）()、.．\s]+", "", x) for r in spec.rows if r.id == row
                          for x in r.labels[:1]), "")
            label = _GENERIC_WORDS.sub("|", label)  # 政府信息, 申请 … name every row: no evidence
            quoted = any("|" not in label[i:i + 3] and label[i:i + 3] in sentence
                         for i in range(max(0, len(label) - 2)))
            if quoted and self.total(members) == figure:
                found.append(members)
        return found[0] if len(found) == 1 else None

    def words(self, keys: list[CellRef]) -> str:
        """The cells a quantity sums, named by the table's printed labels (rows, then the column)."""
        spec = self.specs.get(keys[0][0])
        if spec is None:
            return ".".join(keys[0])
        rows = list(dict.fromkeys(k[1] for k in keys))
        cols = list(dict.fromkeys(k[2] for k in keys))
        name = f"{spec.title}：{rows_text(spec, rows)}"
        if len(cols) == 1 and len(spec.columns) > 1:
            name += f"·{col_label(spec, cols[0])}"
        return name

    def total(self, keys: list[CellRef]) -> int | float | None:
        vals = [self.cells[k].value for k in keys]
        if any(v is None for v in vals):
            return None
        s = sum(vals)  # type: ignore[arg-type]
        return round(s, 6) if isinstance(s, float) else s


# -- the scan ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class _State:
    parent: str | None = None  # "apps" | "appeals:<row>" | "procurement" | "other"
    app_row: str = field(default_factory=lambda: prose().roles.app_row)
    prior: bool = False  # the sentence is about an earlier year
    scope: str | None = None  # another scope than the report's own tables (全市, 各部门, 代表区政府), or None


def _scope_update(state: _State, text: str) -> None:
    """The scope a sentence speaks for, after ``text``: the last scope marker in it, if any."""
    for m in prose().scope.finditer(text):
        state.scope = re.sub(r"(?:的)?名义$", "", m.group("other")).replace("以", "代表", 1) if m.group("other") \
            else None


def _time_update(state: _State, text: str, year: int | None) -> None:
    """Move the sentence's time state past the time markers in ``text`` (comparisons excluded)."""
    text = _COMPARISON.sub("", text)
    marks: list[tuple[int, bool]] = [(m.start(), True) for m in _PREV_TIME.finditer(text)]
    marks += [(m.start(), False) for m in _CUR_TIME.finditer(text)]
    if year is not None:
        for m in _YEAR_MARK.finditer(text):
            after = text[m.end():m.end() + 3]
            if _CARRY_AFTER_YEAR.match(after):
                continue
            marks.append((m.start(), int(m.group(1)) < year))
    if marks:
        state.prior = max(marks)[1]


def _parent_update(state: _State, text: str) -> None:
    vocab = prose()
    for m in vocab.parents.finditer(text):
        kind = m.lastgroup
        if kind in vocab.appeals_rows:
            state.parent = f"appeals:{kind}"
        elif kind == "apps":
            if state.parent != "apps":
                state.app_row = vocab.roles.app_row
            state.parent = "apps"
        else:
            state.parent = kind


def _needs_met(need: str | None, ctx: str | None, para_ctx: str | None) -> bool:
    if need is None:
        return True
    if need == "proactive":
        return para_ctx == "proactive"
    if need == "outcome":  # application outcomes: anywhere but inside an appeals / procurement statement
        return ctx not in ("appeals", "procurement")
    return ctx == need


def _match(left: str, right: str, fig: Figure, state: _State, para_ctx: str | None,
           apps_ok: bool) -> str | None:
    """The quantity a figure states, or ``None``. ``apps_ok``: the context is about disclosure applications."""
    vocab = prose()
    parent_kind = (state.parent or "").split(":")[0] or None
    ctx = {"apps": "apps", "appeals": "appeals", "procurement": "procurement"}.get(parent_kind or "")
    for pat in vocab.left:
        if fig.unit not in pat.units or not _needs_met(pat.needs, ctx, para_ctx):
            continue
        if _about_applications(pat) and not apps_ok:
            continue
        m = pat.regex.search(left)
        if not m:
            continue
        if pat.veto is not None and pat.veto.search(left):
            continue
        if _COORDINATED.search(left[:m.start()]) or _EACH.search(left):
            return None
        if _about_applications(pat) and _APPEAL_WORD.search(left):
            return None
        return _fill(pat.quantity, m, state)
    if apps_ok and _RIGHT_LEFT_OK.match(left) and ctx not in ("appeals", "procurement"):
        for pat in vocab.right:
            if fig.unit in pat.units and _needs_met(pat.needs, ctx, para_ctx) and pat.regex.match(right):
                return pat.quantity
    return None


def _about_applications(pat: Pattern) -> bool:
    return pat.quantity.split(".")[0] == prose().roles.applications


def _fill(qid: str, m: re.Match[str], state: _State) -> str:
    roles = prose().roles
    if "{row}" in qid:
        appeals = qid.split(".")[0] == roles.appeals
        row = state.parent.split(":")[1] if appeals and state.parent else state.app_row
        qid = qid.replace("{row}", row)
    if "{doc}" in qid:
        qid = qid.replace("{doc}", roles.doc_rows.get(m.group("doc"), roles.doc_rows["*"]))
    return qid


def _zeros(clause: str) -> list[str]:
    """Quantities a clause states to be zero (未发生行政复议、行政诉讼; 未收到政府信息公开申请)."""
    vocab = prose()
    out: list[str] = []
    for rx in vocab.zero_lists:
        m = rx.search(clause)
        if m:
            out += [vocab.zero_keywords[k] for k in vocab.zero_items.findall(m.group("list"))]
    out += [qid for rx, qid in vocab.zero_single if rx.search(clause)]
    return list(dict.fromkeys(out))


def _report_year(text: str, report: Report) -> int | None:
    year = report.meta.get("year") if isinstance(report.meta, dict) else None
    if isinstance(year, int):
        return year
    from govreport.checks.meta import read_meta

    y = read_meta(text).get("year")
    if isinstance(y, int):
        return y
    years = Counter(int(m.group(1)) for m in _YEAR_MARK.finditer(text))
    return years.most_common(1)[0][0] if years else None


def _agree(figure: float, value: float, decimals: int, unit: str) -> bool:
    tol = 1e-6 if unit != "万元" else max(1e-6, 0.5 * 10 ** (-decimals))
    return abs(float(figure) - float(value)) <= tol + 1e-9


_APPS_TOPIC = re.compile(r"依申请|信息公开申请|公开申请|申请公开|政府信息公开|信息公开")
_APPEAL_TOPIC = re.compile(r"复议|诉讼")
_APPEAL_WORD = re.compile(r"行政复议|行政诉讼|起诉")
_CARRY_AFTER_YEAR = re.compile(r"\s*+(?:度)?\s*+结转")


def _topic(heading: str) -> str | None:
    """What a heading introduces: "apps", "appeals", "proactive" or ``None``."""
    if _APPEAL_TOPIC.search(heading):
        return "appeals"
    if "申请" in heading:
        return "apps"
    if "主动公开" in heading:
        return "proactive"
    return None


def _scan_sentence(sentence: str, year: int | None, para_ctx: str | None, apps_ok: bool,
                   record: Callable[..., None]) -> bool:
    """Record the figures of one sentence; whether it has any figure at all."""
    roles = prose().roles
    figures_in_sentence = False
    state = _State()
    for clause in _CLAUSE_SPLIT.split(sentence.rstrip(_TERMINAL)):
        if not clause.strip():
            continue
        comp = _COMPARISON.search(clause)
        pos = 0
        clause_figs = find_figures(clause)
        for n, fig in enumerate(clause_figs):
            left = clause[pos:fig.start]
            _time_update(state, left, year)
            _parent_update(state, left)
            _scope_update(state, left)
            right = clause[fig.end:clause_figs[n + 1].start if n + 1 < len(clause_figs) else len(clause)]
            pos = fig.end
            figures_in_sentence = True
            if state.prior or (comp and comp.start() < fig.start) or _DELTA_BEFORE.search(left):
                continue
            qid = _match(left, right, fig, state, para_ctx, apps_ok)
            if qid is None:
                continue
            if qid == roles.received and _INCLUDES_OVER.match(right):
                qid = roles.received_and_carried
            _after_figure(state, qid)
            record(sentence, fig.value, qid, fig.approx, fig.decimals, fig.unit, state.scope)
        rest = clause[pos:]
        _time_update(state, rest, year)
        _parent_update(state, rest)
        _scope_update(state, rest)
        if not clause_figs and not state.prior and not comp:
            for qid in _zeros(clause.strip()):
                if apps_ok or qid.split(".")[0] != roles.applications:
                    record(sentence, 0, qid, scope=state.scope)
    return figures_in_sentence


def _after_figure(state: _State, qid: str) -> None:
    """The parent context a linked figure sets for the figures after it (其中…)."""
    roles = prose().roles
    table, row, col = (qid.split(".") + ["", ""])[:3]
    if table == roles.appeals:
        if col == roles.total:
            state.parent = f"appeals:{row}"
    elif table == roles.applications:
        state.parent = "apps"
        if row in roles.app_rows and col == roles.total:
            state.app_row = row
        elif qid == roles.received_and_carried:
            state.app_row = roles.app_row
    elif table == roles.procurement:
        state.parent = "procurement"
    elif table != roles.no_cell:
        state.parent = "other"


def check_narrative(text: str, report: Report) -> tuple[list[dict[str, Any]], list[Issue]]:
    """Figures the prose states about template quantities, linked to their cells and checked.

    Returns ``(narrative entries, narrative_mismatch issues)``; ``report`` is not modified.
    """
    cells = _Cells(report)
    year = _report_year(text, report)
    entries: list[dict[str, Any]] = []
    issues: list[Issue] = []
    seen: set[tuple[str, float]] = set()
    roles = prose().roles
    carried: set[str] = set()  # sentences whose 收到 total counts the carried-over applications

    def record(sentence: str, figure: int | float, qid: str, approx: bool = False, decimals: int = 0,
               unit: str = "件", scope: str | None = None) -> None:
        keys = cells.resolve(qid)
        if keys and len(keys) == 1:
            qid = ".".join(keys[0])  # the cell it is: 本年制发件数 (gov2021) is 本年新制作数量 in gov2019
        total_col = qid.endswith("." + roles.total)
        if keys and (total_col or sentence in carried) and (swap := _with_carried(qid, figure, keys, cells)):
            qid, keys = swap  # 受理/收到 counting the carried-over ones: 新收 + 结转, not another scope
            carried.add(sentence)  # and so do the sentence's 其中 figures by applicant (其中自然人 741 = 705 + 36)
        named = cells.named_member(keys, figure, sentence) if keys and len({k[1] for k in keys}) > 1 else None
        if named is not None and cells.total(keys) != figure:
            keys = named  # 因本机关不掌握等原因无法提供265件: the sub-row the sentence names, not the group
            qid = ".".join(keys[0]) if len(keys) == 1 else qid
        table_value = cells.total(keys) if keys else None
        agrees: bool | None = None
        if keys and table_value is not None and not approx:
            agrees = _agree(figure, table_value, decimals, unit)
        entry = {"sentence": sentence, "figure": figure, "quantity": qid,
                 "cells": [list(k) for k in keys] if keys else [], "table_value": table_value, "agrees": agrees}
        if scope is not None:
            entry["scope"] = scope  # the figure is stated for another scope than the report's own tables
        entries.append(entry)
        if agrees is False and keys and (qid, float(figure)) not in seen:
            seen.add((qid, float(figure)))
            what = cells.words(keys)
            if scope:
                message = _("{what}: the prose says {figure} for {scope} (another scope than the table's), the "
                            "table {value} (“{sentence}”)")
            else:
                message = _("{what}: the prose says {figure}, the table {value} (“{sentence}”)")
            issues.append(Issue("narrative_mismatch", keys[0][0], message.format(
                what=what, figure=_fmt(figure), scope=scope, value=_fmt(table_value), sentence=sentence[:80]),
                [[k[1], k[2]] for k in keys]))

    section: str | None = None
    for para in prose_paragraphs(text):
        if len(para) <= 40 and _HEADING.match(para) and not find_figures(para):
            section = _topic(para)
            continue
        para_ctx: str | None = None
        for sm in _SENTENCE.finditer(para):
            sentence = sm.group(0).strip()
            if not sentence:
                continue
            apps_ok = bool(_APPS_TOPIC.search(sentence)) or "apps" in (para_ctx, section)
            if not _scan_sentence(sentence, year, para_ctx, apps_ok, record) and len(sentence) <= 30:
                para_ctx = _topic(sentence)  # a run-in heading: （二）依申请公开。...
    return entries, issues


def _with_carried(qid: str, figure: float, keys: list[CellRef], cells: _Cells) -> tuple[str, list[CellRef]] | None:
    """``applications.new+carried_over.<col>`` and its cells, when a figure read as 新收 (``applications.new.<col>``,
    any column or group) disagrees with it but equals 新收 + 上年结转 of that column (受理 749 = 新收 713 +
    结转 36; 其中自然人 741 = 705 + 36): the report counts what it carried over, whatever scope it names.
    (A column's figure is tried so only after its sentence's total was: a wrong figure may equal such a sum.)"""
    roles = prose().roles
    new_row, _, combined_row = roles.received_and_carried.split(".")[1].partition("+")
    table, row, col = (qid.split(".") + ["", ""])[:3]
    if table != roles.applications or row != new_row:
        return None
    alt_qid = f"{table}.{new_row}+{combined_row}.{col}"
    alt = cells.resolve(alt_qid)
    if not alt:
        return None
    over = cells.total([k for k in alt if k[1] == combined_row])
    tv, both = cells.total(keys), cells.total(alt)
    if tv is None or not over or both is None or not _agree(figure, both, 0, "件") or _agree(figure, tv, 0, "件"):
        return None
    return alt_qid, alt


def _fmt(v: int | float | None) -> str:
    if v is None:
        return "?"
    return f"{v:g}" if isinstance(v, float) else str(v)
