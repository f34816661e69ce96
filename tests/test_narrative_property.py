"""Property: prose figures planted into generated reports are linked; agreeing ones raise nothing, disagreeing
ones raise exactly the expected ``narrative_mismatch``; previous-year and comparison figures are ignored."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import govreport
from govreport.checks.cn_numbers import int_to_cn
from govreport.checks.narrative import check_narrative
from govreport.report import Cell, Report
from govreport.synth.flatten import STYLES, Damage, flatten
from govreport.synth.printed import Paragraph, fmt, printed_document
from govreport.synth.truth import Truth, random_truth

ORGS = ("commercial", "research", "social_org", "legal_service", "other_org")


@dataclass
class Claim:
    qid: str
    cells: list[list[str]]
    figure: int | float
    agrees: bool


class Prose:
    """A tiny generator of report prose with known figures."""

    def __init__(self, truth: Truth, rng: random.Random, spaced: bool = False) -> None:
        self.t, self.rng, self.spaced = truth, rng, spaced
        self.claims: list[Claim] = []

    def value(self, keys: list[tuple[str, str, str]]) -> int | float:
        return sum(self.t.values[k] for k in keys)

    def num(self, n: int | float) -> str:
        if isinstance(n, float) or self.rng.random() < 0.5:
            pad = [" ", ""] if self.spaced else [""]  # 2 件, as text pulled out of PDFs prints it
            return self.rng.choice(pad) + fmt(n) + self.rng.choice(pad)
        return int_to_cn(int(n), liang=self.rng.random() < 0.5)

    def claim(self, qid: str, keys: list[tuple[str, str, str]], phrase: str, unit: str = "件",
              avoid: tuple[int | float, ...] = ()) -> str:
        """``phrase`` with ``{n}`` replaced by the figure (the truth, or a wrong value 30% of the time)."""
        true = self.value(keys)
        figure = true
        if self.rng.random() < 0.3:
            deltas = [d for d in (1, 2, 3, 7, -1, -2) if true + d >= 0 and true + d not in avoid]
            figure = true + self.rng.choice(deltas)
            figure = round(figure, 2) if isinstance(figure, float) else figure
        self.claims.append(Claim(qid, [[k[0], k[1], k[2]] for k in keys], figure, figure == true))
        return phrase.replace("{n}", self.num(figure) + unit)

    def zero_or(self, qid: str, keys: list[tuple[str, str, str]], zero_phrase: str, phrase: str) -> str:
        """A 未发生… statement (figure 0) or a numbered one."""
        if self.rng.random() < 0.4:
            true = self.value(keys)
            self.claims.append(Claim(qid, [list(k) for k in keys], 0, true == 0))
            return zero_phrase
        return self.claim(qid, keys, phrase, "起")

    # -- paragraphs ----------------------------------------------------------------------------
    def applications(self) -> str:
        rng, y = self.rng, self.t.year
        A = "applications"
        new, over = (A, "new", "total"), (A, "carried_over", "total")
        parts = [self.claim("applications.new.total", [new], rng.choice([
            "共收到政府信息公开申请{n}", "本年新收政府信息公开申请{n}", "受理依申请公开政府信息{n}",
            "接收公民、法人和其他组织提出的政府信息公开申请{n}", "新收政府信息公开申请共计{n}"]),
            avoid=(self.value([new, over]),))]
        if rng.random() < 0.5:
            parts.append(self.claim(f"{A}.new.natural_person", [(A, "new", "natural_person")], "其中自然人{n}"))
            parts.append(self.claim(f"{A}.new.organisations", [(A, "new", c) for c in ORGS], "法人或其他组织{n}"))
        if rng.random() < 0.6:
            parts.append(self.claim(f"{A}.carried_over.total", [over],
                                    rng.choice(["上年结转{n}", "上年度结转申请{n}"])))
        if rng.random() < 0.8:
            parts.append(self.claim(f"{A}.total_handled.total", [(A, "total_handled", "total")],
                                    rng.choice(["已办结{n}", "办结{n}", "办理完毕{n}"])))
        if rng.random() < 0.8:
            fwd = [(A, "carried_forward", "total")]
            if rng.random() < 0.5:
                parts.append(self.claim(f"{A}.carried_forward.total", fwd, "结转下年度继续办理{n}"))
            else:  # the figure before its keyword: 2宗结转下年度继续办理
                parts.append(self.claim(f"{A}.carried_forward.total", fwd, "{n}结转下年度继续办理"))
        first = f"{y}年，本机关" + "，".join(parts) + "。"
        outcomes = []
        rows = [r for (t, r, _c) in self.t.values if t == A]
        for gid, word in (("disclosed", "予以公开"), ("partially_disclosed", "部分公开"), ("withheld", "不予公开"),
                          ("unable", "无法提供"), ("rejected", "不予处理")):
            if rng.random() < 0.5:
                members = [gid] if gid in rows else [r for r in dict.fromkeys(rows) if r.startswith(gid + "_")]
                outcomes.append(self.claim(f"{A}.{gid}.total", [(A, r, "total") for r in members], word + "{n}"))
        second = ("从办理结果看，" + "，".join(outcomes) + "。") if outcomes else ""
        return first + second

    def appeals(self) -> str:
        rng = self.rng
        sentences = []
        subs = (("upheld", ["结果维持", "维持"]), ("corrected", ["结果纠正", "纠正"]), ("other", ["其他结果", "其他"]),
                ("pending", ["尚未审结", "未审结"]))

        def outcomes(qrow: str, rows: list[str]) -> str:
            out = [self.claim(f"appeals.{qrow}.{col}", [("appeals", r, col) for r in rows],
                              rng.choice(words) + "{n}", "起") for col, words in subs if rng.random() < 0.6]
            return ("，其中" + "，".join(out)) if out else ""

        review = [("appeals", "review", "total")]
        if rng.random() < 0.5:
            sentences.append(self.zero_or("appeals.review.total", review, "全年未发生因政府信息公开引起的行政复议",
                                          rng.choice(["被申请行政复议{n}", "收到行政复议申请{n}", "行政复议案件{n}"])))
        else:
            sentences.append(self.claim("appeals.review.total", review, "被申请行政复议{n}", "起")
                             + outcomes("review", ["review"]))
        if rng.random() < 0.5:
            for row, word in (("direct_suit", "未经复议直接起诉"), ("suit_after_review", "复议后起诉")):
                sentences.append(self.claim(f"appeals.{row}.total", [("appeals", row, "total")], word + "{n}", "起")
                                 + outcomes(row, [row]))
        else:
            both = [("appeals", "direct_suit", "total"), ("appeals", "suit_after_review", "total")]
            if rng.random() < 0.5:
                sentences.append(self.zero_or("appeals.suits.total", both, "没有发生因政府信息公开引起的行政诉讼",
                                              "被提起行政诉讼{n}"))
            else:
                sentences.append(self.claim("appeals.suits.total", both, "被提起行政诉讼{n}", "起")
                                 + outcomes("suits", ["direct_suit", "suit_after_review"]))
        return "；".join(sentences) + "。"

    def art20(self) -> str:
        rng, t = self.rng, self.t
        parts = []
        if rng.random() < 0.7:
            parts.append(self.claim("art20_5.licensing.decisions", [("art20_5", "licensing", "decisions")],
                                    rng.choice(["作出行政许可决定{n}", "实施行政许可{n}", "办理行政许可{n}"])))
        if rng.random() < 0.7:
            parts.append(self.claim("art20_6.penalties.decisions", [("art20_6", "penalties", "decisions")],
                                    rng.choice(["作出行政处罚决定{n}", "行政处罚{n}", "办理行政处罚案件{n}"])))
        if rng.random() < 0.7:
            parts.append(self.claim("art20_6.coercion.decisions", [("art20_6", "coercion", "decisions")],
                                    rng.choice(["采取行政强制措施{n}", "实施行政强制{n}"]), "起"))
        if t.template == "gov2021" and rng.random() < 0.7:
            parts.append(self.claim("art20_8.fees.amount", [("art20_8", "fees", "amount")],
                                    "收取行政事业性收费{n}", "万元"))
        if t.template == "gov2019" and rng.random() < 0.7:
            parts.append(self.claim("art20_9.procurement.projects", [("art20_9", "procurement", "projects")],
                                    "政府集中采购项目{n}", "个"))
        return (f"{t.year}年，本机关" + "，".join(parts) + "。") if parts else ""

    def distractors(self) -> list[str]:
        r = self.rng.randint
        y = self.t.year
        return self.rng.sample([
            f"{y - 1}年，本机关共收到政府信息公开申请{r(1, 99)}件，办结{r(1, 99)}件。",
            f"与上年相比，行政复议案件增加{r(1, 9)}起，行政处罚决定减少{r(1, 99)}件。",
            f"全年主动公开政府信息{r(1, 999)}条，发布各类信息{r(100, 999)}余条。",
            "对受理的每一起公开申请均做到一案一档，进一步规范办理流程。",
            f"行政复议和行政诉讼案件共{r(1, 9)}起。",
            f"受理各类政务服务申请{r(1000, 9999)}件，按时办结率100%。",
            f"上年度收到政府信息公开申请{r(1, 99)}件。",
        ], 4)


def _insert_after(doc, heading: str, paragraphs: list[str]) -> None:
    i = next(n for n, b in enumerate(doc.blocks) if isinstance(b, Paragraph) and b.text == heading)
    doc.blocks[i + 1:i + 1] = [Paragraph(p) for p in paragraphs if p]


def _planted(seed: int, template: str, style: str, spaced: bool) -> tuple[str, Truth, Prose]:
    rng = random.Random(seed)
    truth = random_truth(template, rng=rng)
    doc = printed_document(truth)
    prose = Prose(truth, rng, spaced)
    distract = prose.distractors()
    _insert_after(doc, "一、总体情况", [prose.art20(), *distract[:2]])
    _insert_after(doc, "三、收到和处理政府信息公开申请情况", [prose.applications(), distract[2]])
    _insert_after(doc, "四、政府信息公开行政复议、行政诉讼情况", [prose.appeals(), distract[3]])
    text, _ = flatten(doc, style, Damage(), seed=seed)
    return text, truth, prose


def _check(text: str, report: Report, prose: Prose) -> None:
    entries, issues = check_narrative(text, report)
    linked = [(e["quantity"], e["figure"], e["cells"]) for e in entries]
    for c in prose.claims:
        assert (c.qid, c.figure, c.cells) in linked, (c, text)
    wrong = {(c.qid, c.figure) for c in prose.claims if not c.agrees}
    assert {(e["quantity"], e["figure"]) for e in entries if e["agrees"] is False} == wrong
    assert len(issues) == len(wrong)
    by_cells = {repr([list(k[1:]) for k in c.cells]): c for c in prose.claims if not c.agrees}
    for issue in issues:
        assert issue.kind == "narrative_mismatch"
        c = by_cells[repr([list(k) for k in issue.cells])]  # the message names the cells in words
        assert not c.agrees
        assert issue.table == c.cells[0][0]
        assert issue.cells == [k[1:] for k in c.cells]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), template=st.sampled_from(["gov2021", "gov2019"]), style=st.sampled_from(STYLES))
# a prose line with numbers (行政复议申请 4 起；) just above a one-cell-per-line appeals table: its numbers are no cells
@example(seed=22092, template="gov2019", style="cells")
def test_planted_figures_end_to_end(seed, template, style):
    """Through ``govreport.extract``: the tables read right, the prose is checked against them."""
    text, truth, prose = _planted(seed, template, style, spaced=seed % 2 == 0)  # spaced: 被申请行政复议 5 起
    report = govreport.extract(text)
    assert {c.key: c.value for c in report.cells} == truth.values
    _check(text, report, prose)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 10**6), template=st.sampled_from(["gov2021", "gov2019"]), style=st.sampled_from(STYLES))
def test_planted_figures_against_truth(seed, template, style):
    """Against the known cells directly (fast, so many more examples; digits spaced as in PDF text)."""
    text, truth, prose = _planted(seed, template, style, spaced=True)
    report = Report("x", template, meta={"year": truth.year},
                    cells=[Cell(*k, value=v, status="read") for k, v in truth.values.items()])
    _check(text, report, prose)
