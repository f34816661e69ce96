"""Required content (条例 art. 50 and the national format): every part there, none empty, and what some
bodies and years must state. Each finding is a ``compliance`` finding naming its rule and article and
quoting the text it is about, or saying what is absent.

>>> parts = [{"id": "part1", "heading": "一、总体情况", "text": "全年工作平稳。", "table_lines": 0},
...          {"id": "part5", "heading": "五、存在的主要问题及改进情况", "text": "", "table_lines": 0},
...          {"id": "part6", "heading": "六、其他需要报告的事项", "text": "无。", "table_lines": 0}]
>>> for f in check_compliance(parts, 2022, "临江市生态环境局"):
...     print(f.severity, f.rule, f.message.split(":")[0].split(" (")[0])
error art50(1) part 二、主动公开政府信息情况 not found
error art50(2) part 三、收到和处理政府信息公开申请情况 not found
error art50(3) part 四、政府信息公开行政复议、行政诉讼情况 not found
error art50(4) part “五、存在的主要问题及改进情况” is present but empty
info art50(5) part “六、其他需要报告的事项” says only “无。”
warning format-6-fee 信息处理费收取情况 not stated
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from govreport.checks.findings import Finding, quote
from govreport.checks.rules import ContentRule, body_kind, rules
from govreport.i18n import N_, _

_SENTENCE = re.compile(r"[^。;!?\n]*[。;!?]?")

#: kinds of issuing body, as the messages name them
BODY_KINDS = {"department": N_("department"), "government": N_("government"),
              "township_government": N_("township government")}


def _sentence_at(text: str, pos: int) -> str:
    """The sentence of ``text`` around position ``pos``."""
    start = max(text.rfind(ch, 0, pos) for ch in "。;!?\n") + 1
    m = _SENTENCE.match(text, start)
    return (m.group(0) if m else text[start:pos + 40]).strip()


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _parts_findings(parts: list[dict[str, Any]]) -> list[Finding]:
    r = rules()
    out: list[Finding] = []
    by_id = {p["id"]: p for p in parts}
    order = [p["id"] for p in parts]
    for rule in r.parts:
        p = by_id.get(rule.id)
        if p is None:
            out.append(Finding("compliance", rule.missing,
                               _("part {title} not found: no heading such as “{title}” in the report").format(
                                   title=rule.title),
                               rule=rule.rule, source=rule.source))
            continue
        body = _compact(p.get("text") or "")
        heading = p.get("heading") or rule.title
        if p.get("found_by") == "content":  # its heading lost, its sub-headings there: a note, not a missing part
            first = heading.split("/")[0]
            out.append(Finding("compliance", "info", _("part {title} has no heading of its own; found by its "
                                                       "sub-headings, the first “{first}”").format(title=rule.title,
                                                                                                 first=first),
                               rule=rule.rule, source=rule.source, evidence=first))
        if not body and not p.get("table_lines"):
            i = order.index(rule.id)
            after = (_("the next part, “{heading}”, follows at once").format(heading=by_id[order[i + 1]]["heading"])
                     if i + 1 < len(order) else _("nothing follows it"))
            out.append(Finding("compliance", rule.empty,
                               _("part “{heading}” is present but empty ({after})").format(heading=heading,
                                                                                          after=after),
                               rule=rule.rule, source=rule.source, evidence=heading))
        elif not p.get("table_lines") and r.says_none.match(body):
            out.append(Finding("compliance", rule.says_none,
                               _("part “{heading}” says only {quote}").format(heading=heading, quote=quote(body)),
                               rule=rule.rule, source=rule.source, evidence=body))
    return out


def _content_finding(rule: ContentRule, parts: list[dict[str, Any]]) -> Finding | None:
    by_id = {p["id"]: p for p in parts}
    everywhere = "\n".join(p.get("text") or "" for p in parts)
    where = by_id.get(rule.part) if rule.part else None
    scope = (where.get("text") or "") if where is not None else everywhere
    found: list[tuple[str, str]] = []
    missing: list[str] = []
    for term in rule.terms:
        m = term.pattern.search(scope)
        (found.append((term.name, _sentence_at(scope, m.start()))) if m else missing.append(term.name))
    if not missing:
        return None
    if rule.part:
        title = rules().part(rule.part).title
        if where is None:
            place = _("the report, whose part {title} is missing").format(title=title)
        else:
            said = quote(where.get("text") or "", 60) if where.get("text") else _("empty")
            place = _("part “{heading}” ({said}) nor anywhere else in the report").format(
                heading=where.get("heading"), said=said)
        elsewhere = [(t.name, m) for t in rule.terms if (m := t.pattern.search(everywhere))]
        if elsewhere and len(elsewhere) == len(rule.terms):
            sentence = _sentence_at(everywhere, elsewhere[0][1].start())
            return Finding("compliance", "info", _("{rule} is stated outside part {title}: {quote}").format(
                               rule=rule.name, title=title, quote=quote(sentence)),
                           rule=rule.id, source=rule.source, evidence=sentence)
        return Finding("compliance", rule.severity,
                       _("{rule} not stated: no {missing} in {place}").format(rule=rule.name,
                                                                               missing="、".join(missing), place=place),
                       rule=rule.id, source=rule.source, evidence=(where.get("text") or None) if where else None)
    said = _("; ").join(f"{name}{_(': ')}{quote(s, 80)}" for name, s in found)
    msg = _("{rule}: {missing} not stated anywhere in the report").format(rule=rule.name, missing="、".join(missing))
    return Finding("compliance", rule.severity, msg + (_(" (found {said})").format(said=said) if said else ""),
                   rule=rule.id,
                   source=rule.source, evidence=found[0][1] if found else None)


def check_compliance(parts: list[dict[str, Any]] | None, year: int | None, agency: str | None,
                     kind: str | None = None) -> list[Finding]:
    """Findings about the report's required content; ``parts`` as :func:`govreport.checks.parts.split_parts`
    gives them (``None``: the prose was not kept, so nothing can be checked)."""
    if parts is None:
        return [Finding("compliance", "info", _("the report's prose was not kept with its tables (extracted by an "
                                                "earlier version): its required content was not checked"))]
    out = _parts_findings(parts)
    kind = kind or body_kind(agency)
    for rule in rules().content:
        if rule.applies_to and kind not in rule.applies_to:
            if kind in (None, "other"):
                kinds = _(" and ").join(_(BODY_KINDS.get(k, k)) for k in rule.applies_to)
                out.append(Finding("compliance", "info", _("{rule}: required of {kinds} reports; the issuing body's "
                                                           "kind is not clear from its name, so this was not "
                                                           "checked").format(rule=rule.name, kinds=kinds),
                                   rule=rule.id, source=rule.source))
            continue
        if year is None or year < rule.from_year:
            continue
        f = _content_finding(rule, parts)
        if f is not None:
            out.append(f)
    return out
