"""Read the report's prose too: the figures it states about the template's quantities, checked against the tables.

``check_narrative(text, report)`` finds statements such as 收到政府信息公开申请17宗，已办结15宗，2宗结转下年度
or 受理行政复议十三起，其中结果维持7起 in the prose (table lines are skipped), links each figure to the cell, or
sum of cells, it describes (and to the scope it is stated for, when that is not the report's own: 全市, 各部门,
代表区政府受理 …), and returns one ``narrative`` entry per figure plus a ``narrative_mismatch`` issue
for each figure the table contradicts. Table values are never changed. Anything it cannot attribute with
confidence is left out: a missed figure is better than a false alarm.

Quantity IDs are ``table.row.col`` contract IDs, plus these sums: ``applications.withheld.total``,
``applications.unable.total``, ``applications.rejected.total``, ``applications.other_handling.total`` (the
（六） row or its sub-rows), ``applications.<row>.organisations`` (the five 法人或其他组织 columns),
``applications.new+carried_over.total`` (a 收到 figure that includes the carried-over applications),
``appeals.suits.<col>`` (``direct_suit`` + ``suit_after_review``), and ``proactive.items`` (主动公开, no cell).

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from govreport.cn_numbers import CN_NUMERAL, cn_to_int
from govreport.report import Issue, Report

__all__ = ["Figure", "check_narrative", "find_figures", "prose_paragraphs"]

Key = tuple[str, str, str]

# -- units ----------------------------------------------------------------------------------------
COUNT_APPS = frozenset("件宗条个份项次")
COUNT_APPEALS = frozenset("件宗起个项次")
COUNT_DECISIONS = frozenset("件宗起个次")
COUNT_DOCS = frozenset("件个份部项篇")
COUNT_ITEMS = frozenset("条篇件个项份次")
AMOUNT = frozenset({"万元"})

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

# -- quantity patterns: matched at the END of a figure's left context (``$``) ---------------------------
# possessive (*+): a filler run never has to be given back before ``$``, and backtracking stays linear
_FILL = r"(?:合计|总计|累计|共|计|为|达到|达|了|是|有|数量|总数|件数|数|的|约|近|大约|将近|超过|逾|\s)*+"
_AFILL = r"(?:合计|总计|累计|共|计|为|达到|达|了|约|近|大约|将近|超过|逾|\s)*+"
_NO_APPEAL = r"(?:(?!行政|复议|诉讼|起诉)[^,;])"


@dataclass(frozen=True, slots=True)
class _Pat:
    qid: str  #: quantity (``table.row.col`` or a named sum); ``{row}`` is filled from the context
    regex: re.Pattern[str]
    units: frozenset[str]
    needs: str | None = None  #: required parent context: "apps", "appeals", "procurement"
    veto: re.Pattern[str] | None = None  #: the figure's left context must not match this


def _p(qid: str, pattern: str, units: Iterable[str], needs: str | None = None, veto: str | None = None) -> _Pat:
    return _Pat(qid, re.compile(pattern + "$"), frozenset(units), needs, re.compile(veto) if veto else None)


_PUBLISHED = r"公开|公示|发布|上网|推送|信息|受理|申请|公布"
_OUTCOME_WORDS = r"审结|审理|维持|纠正|纠错|撤销|败诉|胜诉|驳回|终止|判决|裁定"
_DOCS = r"(?P<doc>规章|(?:行政)?规范性文件)"
_PATTERNS: tuple[_Pat, ...] = (
    # appeals: specific before generic
    _p("appeals.direct_suit.total", rf"直接(?:提起)?(?:行政)?(?:起诉|诉讼)(?:案件)?{_FILL}", COUNT_APPEALS,
       veto=_OUTCOME_WORDS),
    _p("appeals.suit_after_review.total",
       rf"(?:复议后(?:再)?(?:提起)?(?:行政)?(?:起诉|诉讼)|经(?:行政)?复议后?(?:再)?(?:提起)?(?:行政)?(?:起诉|诉讼))(?:案件)?{_FILL}",
       COUNT_APPEALS, veto=_OUTCOME_WORDS),
    _p("appeals.review.total", rf"(?:行政复议|(?<!经)复议(?=案件|申请))(?:案件|申请)?{_FILL}", COUNT_APPEALS,
       veto=_OUTCOME_WORDS),
    _p("appeals.suits.total", rf"(?:行政诉讼|行政应诉|诉讼案件)(?:案件)?{_FILL}", COUNT_APPEALS, veto=_OUTCOME_WORDS),
    _p("appeals.{row}.upheld", rf"(?:结果维持|维持(?:原(?:具体)?行政行为|原决定|原处理决定)?){_FILL}", COUNT_APPEALS,
       "appeals"),
    _p("appeals.{row}.corrected", rf"(?:结果纠正|被纠正|被纠错|纠正){_FILL}", COUNT_APPEALS, "appeals"),
    _p("appeals.{row}.other", rf"(?:其他结果|结果其他|其他){_FILL}", COUNT_APPEALS, "appeals"),
    _p("appeals.{row}.pending", rf"(?:尚未审结|未审结|尚在审理中?|正在审理中?|审理中|尚未结案|未结案){_FILL}",
       COUNT_APPEALS, "appeals"),
    _p("appeals.{row}.total", r"^\s*+(?:其中)?(?:共计|合计|总计|累计|共)(?:为|有|达|\s)*+", COUNT_APPEALS, "appeals"),
    # 第二十条 tables
    _p("art20_5.licensing.decisions", rf"(?<!其他)行政许可(?:决定|案件|办件)?{_AFILL}", COUNT_DECISIONS,
       veto=_PUBLISHED),
    _p("art20_5.other_services.decisions", rf"对外管理服务事项(?:办件)?{_AFILL}", COUNT_DECISIONS, veto=_PUBLISHED),
    _p("art20_6.penalties.decisions", rf"行政处罚(?:决定|案件)?{_AFILL}", COUNT_DECISIONS, veto=_PUBLISHED),
    _p("art20_6.coercion.decisions", rf"行政强制(?:措施|执行|决定|案件)?{_AFILL}", COUNT_DECISIONS, veto=_PUBLISHED),
    _p("art20_8.fees.amount", rf"(?:行政事业性收费|行政事业性收费(?:的)?(?:收费)?金额)(?:金额|总额)?{_AFILL}", AMOUNT,
       veto=r"处理费"),
    _p("art20_9.procurement.projects", rf"政府集中采购(?:项目)?{_AFILL}", COUNT_DECISIONS | {"项"}),
    _p("art20_9.procurement.amount", rf"政府集中采购(?:项目)?(?:金额|总金额)?{_AFILL}", AMOUNT),
    _p("art20_9.procurement.amount", r"^\s*+(?:金额|总金额|采购金额|采购总金额)?(?:共计|合计|共|计|为|达|\s)*+", AMOUNT,
       "procurement"),
    _p("art20_1.{doc}.issued", rf"(?:新制定|新制作|制发|制定|印发|出台|制作|发布)了?{_DOCS}{_AFILL}", COUNT_DOCS,
       veto=r"解读|清理|备案|审查"),
    _p("art20_1.{doc}.repealed", rf"废止了?{_DOCS}{_AFILL}", COUNT_DOCS),
    _p("art20_1.{doc}.in_force", rf"现行有效(?:的)?{_DOCS}{_AFILL}", COUNT_DOCS),
    _p("art20_1.{doc}.in_force", rf"{_DOCS}现行有效{_AFILL}", COUNT_DOCS),
    # applications
    _p("applications.carried_over.total",
       rf"(?:(?:上一?年度?|去年)(?:结转|转结|遗留)|结转上一?年度?)(?:{_NO_APPEAL}{{0,10}}?申请)?{_FILL}", COUNT_APPS),
    _p("applications.carried_forward.total",
       rf"(?:结转(?:至|到|入)?下一?年度?|转入下一?年度?|结转(?:至|到)?\d{{4}}年度?)(?:继续)?(?:办理)?(?:的)?(?:申请)?{_FILL}",
       COUNT_APPS, veto=r"上一?年度?结转|去年结转"),
    _p("applications.new.total",
       rf"(?:收到|接收|受理|新收|接到|新增|共收)(?:{_NO_APPEAL}{{0,25}}?)(?:申请|依申请公开{_NO_APPEAL}{{0,8}}?){_FILL}",
       COUNT_APPS, veto=r"(?:未|没有|无)(?:收到|接收|受理|接到)|政务服务|服务事项|办件|审批|许可|信访|咨询|"
                        r"投诉|举报|热线|来信|来访"),
    _p("applications.total_handled.total",
       rf"(?:已办结|办结|办理完毕|办理完成|答复完毕|完成答复|已答复|全部答复|已回复|处理完毕|已处理)(?:{_NO_APPEAL}{{0,10}}?申请)?{_FILL}",
       COUNT_APPS, "apps", veto=r"按期|按时|逾期|超期|延期|限期|当场|当日"),
    _p("applications.disclosed.total", rf"(?:予以公开|同意公开|全部公开){_FILL}", COUNT_APPS, "outcome"),
    _p("applications.partially_disclosed.total", rf"部分公开{_FILL}", COUNT_APPS, "outcome"),
    _p("applications.withheld.total", rf"不予公开{_FILL}", COUNT_APPS, "outcome"),
    _p("applications.unable.total", rf"无法提供{_FILL}", COUNT_APPS, "outcome"),
    _p("applications.rejected.total", rf"不予处理{_FILL}", COUNT_APPS, "outcome"),
    _p("applications.other_handling.total", rf"其他处理{_FILL}", COUNT_APPS, "outcome"),
    _p("applications.{row}.natural_person", rf"自然人(?:提出)?(?:的)?(?:申请)?{_FILL}", COUNT_APPS, "apps"),
    _p("applications.{row}.organisations", rf"法人(?:或者?|和|及)其他组织(?:提出)?(?:的)?(?:申请)?{_FILL}", COUNT_APPS,
       "apps"),
    _p("applications.{row}.commercial", rf"商业企业(?:提出)?(?:的)?(?:申请)?{_FILL}", COUNT_APPS, "apps"),
    _p("applications.{row}.research", rf"科研机构(?:提出)?(?:的)?(?:申请)?{_FILL}", COUNT_APPS, "apps"),
    _p("applications.{row}.social_org", rf"社会(?:公益)?组织(?:提出)?(?:的)?(?:申请)?{_FILL}", COUNT_APPS, "apps"),
    _p("applications.{row}.legal_service", rf"法律服务机构(?:提出)?(?:的)?(?:申请)?{_FILL}", COUNT_APPS, "apps"),
    # proactive disclosure: no template cell
    _p("proactive.items", rf"主动公开(?:[^,;]{{0,12}}?){_FILL}", COUNT_ITEMS),
    _p("proactive.items", rf"(?:公开|发布)(?:[^,;]{{0,10}}?){_FILL}", COUNT_ITEMS, "proactive"),
)
# figures stated before their keyword (2宗结转下年度, 15件已办结): matched at the START of the right context
_RIGHT_PATTERNS: tuple[tuple[str, re.Pattern[str], str | None], ...] = tuple(
    (qid, re.compile(rx), needs) for qid, rx, needs in (
        ("applications.carried_forward.total",
         r"^\s*+(?:申请)?(?:将|需|需要|待)?(?:结转|转入)(?:至|到)?(?:下一?年度?|\d{4}年)", None),
        ("applications.total_handled.total", r"^\s*+(?:申请)?(?:已|均已|全部)?(?:办结|办理完毕|答复完毕)", "apps"),
        ("applications.disclosed.total", r"^\s*+(?:申请)?(?:予以公开|同意公开)", "outcome"),
        ("applications.partially_disclosed.total", r"^\s*+(?:申请)?部分公开", "outcome"),
        ("applications.withheld.total", r"^\s*+(?:申请)?不予公开", "outcome"),
        ("applications.unable.total", r"^\s*+(?:申请)?无法提供", "outcome"),
        ("applications.rejected.total", r"^\s*+(?:申请)?不予处理", "outcome"),
    ))
_RIGHT_LEFT_OK = re.compile(r"^\s*+(?:其中|还有|有|剩余|其余|余下|尚有|仍有|共|另|并|\s)*+$")

# the keyword just before a match is part of a coordinated list (行政许可、行政处罚共12件): not attributable
_COORDINATED = re.compile(r"(?:行政复议|行政诉讼|复议|诉讼|起诉|行政许可|行政处罚|行政强制|规章|规范性文件|"
                          r"公开|提供|处理|"
                          r"自然人|企业|机构|组织)(?:[、和及与或]|以及)$")
_EACH = re.compile(r"各(?:为|有)?\s*+$")

# parent context (which row 其中 sub-figures belong to)
_PARENT = re.compile(
    r"(?P<direct_suit>直接(?:提起)?(?:行政)?(?:起诉|诉讼))"
    r"|(?P<suit_after_review>复议后(?:再)?(?:提起)?(?:行政)?(?:起诉|诉讼)|经(?:行政)?复议后?(?:再)?(?:提起)?(?:行政)?(?:起诉|诉讼))"
    r"|(?P<review>行政复议(?:申请|案件)?)"
    r"|(?P<suits>行政诉讼(?:案件)?|行政应诉)"
    r"|(?P<apps>依申请公开|政府信息公开申请|公开申请|(?<!复议)申请(?![人行]))"
    r"|(?P<procurement>政府集中采购)"
    r"|(?P<other>行政许可|行政处罚|行政强制|主动公开)")

# zero statements (未发生行政复议、行政诉讼): matched against a whole clause
_NEG = r"(?<![尚并])(?:未|没有|无)(?!经|法|需|须|论)"
_NEG_FILL = r"(?:(?!行政|不|未|纠|维持|审结|败诉|胜诉|撤销|错|结果|\d)[^,;]){0,24}?"
_ZERO_APPEALS = re.compile(
    rf"{_NEG}{_NEG_FILL}(?P<list>(?:行政复议|行政诉讼)(?:(?:[、和及与或]|以及)(?:被)?(?:提起|申请)?(?:行政复议|行政诉讼))*)"
    r"(?:案件|的?情况|事项|纠纷|事件)?(?:发生)?$")
_ZERO_LIST = re.compile(r"(?P<list>(?:行政复议|行政诉讼)(?:(?:[、和及与或]|以及)(?:行政复议|行政诉讼))*)"
                        r"(?:案件)?(?:数量|数)?"
                        r"(?:均|都)?(?:为|是)(?:0|零)(?:件|起)?$")
_ZERO_APPS = re.compile(rf"{_NEG}(?:收到|接到|接收|受理)(?:{_NO_APPEAL}){{0,20}}?申请(?:件)?$")
_ZERO_FORWARD = re.compile(r"(?:无|没有)(?:申请)?(?:需要?)?(?:结转(?:至|到)?下一?年度?|转入下一?年度?)[^,;\d]{0,8}$")
_ZERO_ART20 = re.compile(rf"{_NEG}(?:实施|作出|采取|办理|发生|产生|开展)?(?:任何)?"
                         r"(?P<list>(?:行政许可|行政处罚|行政强制)(?:(?:[、和及与或]|以及)(?:行政许可|行政处罚|行政强制))*)"
                         r"(?:措施|决定|案件)?$")
_ZERO_FEES = re.compile(rf"{_NEG}(?:收取|产生|发生)?(?:任何)?行政事业性收费$")
_ZERO_DOCS = re.compile(rf"{_NEG}(?:新)?(?:制发|制定|发布|出台|印发|制作)(?:新的|任何)?"
                        r"(?P<list>(?:规章|(?:行政)?规范性文件)(?:(?:[、和及与或]|以及)(?:规章|(?:行政)?规范性文件))*)$")
_INCLUDES_OVER = re.compile(r"^\s*+[(（]?\s*+(?:其中)?(?:含|包括|包含)(?:上一?年度?|去年)?(?:的)?结转")
_ZERO_KEYWORD_QID = {"行政复议": "appeals.review.total", "行政诉讼": "appeals.suits.total",
                     "行政许可": "art20_5.licensing.decisions", "行政处罚": "art20_6.penalties.decisions",
                     "行政强制": "art20_6.coercion.decisions", "规章": "art20_1.regulations.issued",
                     "规范性文件": "art20_1.normative_documents.issued",
                     "行政规范性文件": "art20_1.normative_documents.issued"}
_LIST_ITEMS = re.compile(r"行政复议|行政诉讼|行政许可|行政处罚|行政强制|规章|(?:行政)?规范性文件")

_APPLICANT_ORGS = ("commercial", "research", "social_org", "legal_service", "other_org")
_APPS_GROUPS = {"withheld": "withheld_", "unable": "unable_", "rejected": "rejected_"}


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
class _Cells:
    def __init__(self, report: Report) -> None:
        self.cells = {c.key: c for c in report.cells}
        self.app_rows = list(dict.fromkeys(r for (t, r, _c) in self.cells if t == "applications"))

    def resolve(self, qid: str) -> list[Key] | None:
        """The cells quantity ``qid`` sums, or ``None`` if this report's template has none."""
        if qid.startswith("proactive"):
            return None
        if qid == "applications.new+carried_over.total":
            keys = [("applications", "new", "total"), ("applications", "carried_over", "total")]
        else:
            table, row, col = qid.split(".")
            rows = [row]
            cols = list(_APPLICANT_ORGS) if col == "organisations" else [col]
            if table == "appeals" and row == "suits":
                rows = ["direct_suit", "suit_after_review"]
            elif table == "applications" and row in _APPS_GROUPS:
                rows = [r for r in self.app_rows if r.startswith(_APPS_GROUPS[row])]
            elif table == "applications" and row == "other_handling" and "other_handling" not in self.app_rows:
                rows = [r for r in self.app_rows if r.startswith("other_")]
            elif table == "art20_1" and col == "issued" and ("art20_1", row, "issued") not in self.cells:
                cols = ["new_made"]
            keys = [(table, r, c) for r in rows for c in cols]
        if not keys or any(k not in self.cells for k in keys):
            return None
        return keys

    def total(self, keys: list[Key]) -> int | float | None:
        vals = [self.cells[k].value for k in keys]
        if any(v is None for v in vals):
            return None
        s = sum(vals)  # type: ignore[arg-type]
        return round(s, 6) if isinstance(s, float) else s


# -- the scan ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class _State:
    parent: str | None = None  # "apps" | "appeals:<row>" | "procurement" | "other"
    app_row: str = "new"
    prior: bool = False  # the sentence is about an earlier year
    scope: str | None = None  # another scope than the report's own tables (全市, 各部门, 代表区政府), or None


# -- scope: whose figures a sentence states ---------------------------------------------------------------------
_SCOPE = re.compile(
    r"(?P<other>全(?:省|市|州|盟|县|区|旗|镇|乡|街道|系统)(?![域内外面])(?:各级)?(?:各(?:部门|单位))?(?:行政机关)?"
    r"|各(?:级|部门|单位|乡镇|镇街|街道|区县|县区|县市区|县(?:市|区)|成员单位|行政机关)"
    r"|(?:市|县|区)直(?:各)?(?:部门|单位|机关)"
    r"|(?:代表|以)(?:本级|省|市|州|县|区)(?:人民)?政府(?:的)?(?:名义)?)"
    r"|(?P<own>本机关|本单位|本部门|本级|我局|我委|我办|我单位|本局|本委|本办)")


def _scope_update(state: _State, text: str) -> None:
    """The scope a sentence speaks for, after ``text``: the last scope marker in it, if any."""
    for m in _SCOPE.finditer(text):
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
    for m in _PARENT.finditer(text):
        kind = m.lastgroup
        if kind in ("direct_suit", "suit_after_review", "review", "suits"):
            state.parent = f"appeals:{kind}"
        elif kind == "apps":
            if state.parent != "apps":
                state.app_row = "new"
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
    parent_kind = (state.parent or "").split(":")[0] or None
    ctx = {"apps": "apps", "appeals": "appeals", "procurement": "procurement"}.get(parent_kind or "")
    for pat in _PATTERNS:
        if fig.unit not in pat.units or not _needs_met(pat.needs, ctx, para_ctx):
            continue
        if pat.qid.startswith("applications") and not apps_ok:
            continue
        m = pat.regex.search(left)
        if not m:
            continue
        if pat.veto is not None and pat.veto.search(left):
            continue
        if _COORDINATED.search(left[:m.start()]) or _EACH.search(left):
            return None
        if pat.qid.startswith("applications") and _APPEAL_WORD.search(left):
            return None
        return _fill(pat.qid, m, state)
    if fig.unit in COUNT_APPS and apps_ok and _RIGHT_LEFT_OK.match(left) and ctx not in ("appeals", "procurement"):
        for qid, rx, needs in _RIGHT_PATTERNS:
            if _needs_met(needs, ctx, para_ctx) and rx.match(right):
                return qid
    return None


def _fill(qid: str, m: re.Match[str], state: _State) -> str:
    if "{row}" in qid:
        row = state.parent.split(":")[1] if qid.startswith("appeals") and state.parent else state.app_row
        qid = qid.replace("{row}", row)
    if "{doc}" in qid:
        qid = qid.replace("{doc}", "regulations" if m.group("doc") == "规章" else "normative_documents")
    return qid


def _zeros(clause: str) -> list[str]:
    """Quantities a clause states to be zero (未发生行政复议、行政诉讼; 未收到政府信息公开申请)."""
    out: list[str] = []
    for rx in (_ZERO_APPEALS, _ZERO_LIST, _ZERO_ART20, _ZERO_DOCS):
        m = rx.search(clause)
        if m:
            out += [_ZERO_KEYWORD_QID[k] for k in _LIST_ITEMS.findall(m.group("list"))]
    if _ZERO_APPS.search(clause):
        out.append("applications.new.total")
    if _ZERO_FORWARD.search(clause):
        out.append("applications.carried_forward.total")
    if _ZERO_FEES.search(clause):
        out.append("art20_8.fees.amount")
    return list(dict.fromkeys(out))


def _report_year(text: str, report: Report) -> int | None:
    year = report.meta.get("year") if isinstance(report.meta, dict) else None
    if isinstance(year, int):
        return year
    from govreport.meta import read_meta

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
            if qid == "applications.new.total" and _INCLUDES_OVER.match(right):
                qid = "applications.new+carried_over.total"
            _after_figure(state, qid)
            record(sentence, fig.value, qid, fig.approx, fig.decimals, fig.unit, state.scope)
        rest = clause[pos:]
        _time_update(state, rest, year)
        _parent_update(state, rest)
        _scope_update(state, rest)
        if not clause_figs and not state.prior and not comp:
            for qid in _zeros(clause.strip()):
                if apps_ok or not qid.startswith("applications"):
                    record(sentence, 0, qid, scope=state.scope)
    return figures_in_sentence


def _after_figure(state: _State, qid: str) -> None:
    """The parent context a linked figure sets for the figures after it (其中…)."""
    table, row, col = (qid.split(".") + ["", ""])[:3]
    if table == "appeals":
        if col == "total":
            state.parent = f"appeals:{row}"
    elif table == "applications":
        state.parent = "apps"
        if row in ("new", "carried_over", "total_handled", "carried_forward", "disclosed", "partially_disclosed") \
                and col == "total":
            state.app_row = row
        elif row == "new+carried_over":
            state.app_row = "new"
    elif table == "art20_9":
        state.parent = "procurement"
    elif table != "proactive":
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

    def record(sentence: str, figure: int | float, qid: str, approx: bool = False, decimals: int = 0,
               unit: str = "件", scope: str | None = None) -> None:
        keys = cells.resolve(qid)
        if keys and qid.startswith("art20_1."):
            qid = ".".join(keys[0])  # 本年制发件数 (gov2021) or 本年新制作数量 (gov2019)
        if qid == "applications.new.total" and keys:
            tv = cells.total(keys)
            alt = cells.resolve("applications.new+carried_over.total")
            over = cells.total(alt[1:]) if alt else None
            if alt and tv is not None and over and cells.total(alt) == figure != tv:
                qid, keys = "applications.new+carried_over.total", alt  # 收到 counting the carried-over ones
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
            said = (f"the prose says {_fmt(figure)} for {scope} (another scope than the table's), the table "
                    if scope else f"the prose says {_fmt(figure)}, the table ")
            issues.append(Issue("narrative_mismatch", keys[0][0], f"{qid}: {said}{_fmt(table_value)} "
                                f"(“{sentence[:80]}”)", [[k[1], k[2]] for k in keys]))

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


def _fmt(v: int | float | None) -> str:
    if v is None:
        return "?"
    return f"{v:g}" if isinstance(v, float) else str(v)
