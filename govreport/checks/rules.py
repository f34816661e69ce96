"""The audit's rules, read from ``govreport/models/rules/annual_report.toml`` (data, with the article each
comes from), and the kind of body a report's issuer is.

>>> rules().part("part5").source
'条例第五十条第（四）项：政府信息公开工作存在的主要问题及改进情况'
>>> [body_kind(n) for n in ("青山区人民政府", "青山区人民政府办公室", "临江市生态环境局", "白沙镇人民政府",
...                         "东湖街道办事处", "平潭综合实验区", None)]
['government', 'department', 'department', 'township_government', 'subdistrict', 'other', None]
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

RULES_FILE = "annual_report.toml"
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class PartRule:
    id: str
    number: int
    title: str
    keywords: re.Pattern[str]
    rule: str
    source: str
    missing: str
    empty: str
    says_none: str
    #: without its heading, the part is found by these sub-headings in order (（一）主要问题 …（二）改进情况)
    by_content: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True, slots=True)
class Term:
    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class ContentRule:
    id: str
    name: str
    source: str
    applies_to: tuple[str, ...]  #: body kinds; empty: every body
    from_year: int
    part: str  #: a part id, or "" for the whole report
    severity: str
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: str
    month: int
    day: int
    text: str


@dataclass(frozen=True, slots=True)
class StockFlow:
    id: str
    template: str
    table: str
    rows: tuple[str, ...]
    stock: str
    inflow: str
    outflow: str
    source: str


@dataclass(frozen=True, slots=True)
class IndicatorRule:
    id: str
    name: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    formula: str


@dataclass(frozen=True, slots=True)
class Rules:
    regulation: str
    parts: tuple[PartRule, ...]
    content: tuple[ContentRule, ...]
    says_none: re.Pattern[str]
    deadline_source: str
    deadline_from_year: int
    deadlines: tuple[Deadline, ...]
    bodies: tuple[tuple[str, re.Pattern[str]], ...]
    stock_flow: tuple[StockFlow, ...]
    jump_cells: tuple[str, ...]
    indicators: tuple[IndicatorRule, ...]

    def part(self, part_id: str) -> PartRule:
        return next(p for p in self.parts if p.id == part_id)

    def deadline(self, kind: str | None) -> Deadline | None:
        return next((d for d in self.deadlines if d.kind == kind), None)


def _severity(value: str, where: str) -> str:
    if value not in SEVERITIES:
        raise ValueError(f"{RULES_FILE}: {where}: severity {value!r} is not one of {SEVERITIES}")
    return value


def _parse(raw: dict[str, Any]) -> Rules:
    parts = tuple(PartRule(p["id"], int(p["number"]), p["title"], re.compile(p["keywords"]), p["rule"], p["source"],
                           _severity(p["missing"], p["id"]), _severity(p["empty"], p["id"]),
                           _severity(p["says_none"], p["id"]),
                           tuple(re.compile(x, re.M) for x in p.get("by_content", ())))
                  for p in raw["parts"])
    content = tuple(ContentRule(c["id"], c["name"], c["source"], tuple(c.get("applies_to", ())),
                                int(c.get("from_year", 0)), c.get("part", ""), _severity(c["severity"], c["id"]),
                                tuple(Term(t["name"], re.compile(t["pattern"])) for t in c["terms"]))
                    for c in raw["content"])
    dl = raw["deadlines"]
    return Rules(
        raw["regulation"], parts, content, re.compile(raw["says_none_pattern"]), dl["source"], int(dl["from_year"]),
        tuple(Deadline(k["kind"], int(k["month"]), int(k["day"]), k["text"]) for k in dl["kinds"]),
        tuple((b["kind"], re.compile(b["pattern"])) for b in raw["bodies"]),
        tuple(StockFlow(s["id"], s["template"], s["table"], tuple(s["rows"]), s["stock"], s["inflow"], s["outflow"],
                        s["source"]) for s in raw["stock_flow"]),
        tuple(raw["cross_year"]["jump_cells"]),
        tuple(IndicatorRule(i["id"], i["name"], tuple(i["numerator"]), tuple(i["denominator"]), i["formula"])
              for i in raw["indicators"]),
    )


@cache
def rules() -> Rules:
    """The rules shipped with the package (read once)."""
    text = resources.files("govreport.models").joinpath("rules", RULES_FILE).read_text(encoding="utf-8")
    return _parse(tomllib.loads(text))


def norm_agency(name: str | None) -> str:
    """The body's name for grouping one body's reports: NFKC, without whitespace or punctuation.

    >>> norm_agency(" 青山区人民政府办公室（本级） ")
    '青山区人民政府办公室本级'
    """
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", name or ""))


def body_kind(agency: str | None) -> str | None:
    """``department``, ``government``, ``township_government``, ``subdistrict`` or ``other`` from the body's
    name; ``None`` when the report names no body."""
    if not agency:
        return None
    name = re.sub(r"[\s()（）]+", "", unicodedata.normalize("NFKC", agency))
    name = re.sub(r"(?:本级|机关)$", "", name)
    for kind, pattern in rules().bodies:
        if pattern.search(name):
            return kind
    return "other"
