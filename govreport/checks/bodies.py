"""One body under its name variants: which printed names are one issuing body, its level and kind.

A report names its body as it likes: 淮安市洪泽区人民政府 one year, 洪泽区人民政府 the next; 区政府 or
区人民政府办公室; full-width or half-width brackets, spaces. :func:`build_bodies` maps every name of an archive
to one body:

- :func:`canonical`: NFKC, no whitespace or punctuation, 区政府 → 区人民政府;
- a parent-level prefix goes (江苏省淮安市洪泽区… → 洪泽区…) when the shorter name is in the archive too and
  no other parent claims it (淮安市洪泽区 and 宿迁市洪泽区 both there: neither is merged);
- a government's office (…人民政府办公室/办公厅) is its government, when the government is in the archive and
  they never filed for the same year (else the office's own reports are its own);
- a report whose body was not read is :data:`UNIDENTIFIED`, never a body of its own.

The mapping is written to an editable ``bodies.csv`` (variant, body, level 省/市/县/乡, kind 政府/部门/其他);
a user's edited copy (:func:`read_bodies_csv`) overrides it, row by row.

>>> m = build_bodies([("淮安市洪泽区人民政府", 2024), ("洪泽区人民政府", 2023), ("临江市生态环境局", 2023),
...                   (None, 2023)])
>>> m.key("淮安市洪泽区人民政府") == m.key(" 洪泽区人民政府 "), m.key(None), m.key("")
(True, '未识别', '未识别')
>>> m.entry("淮安市洪泽区人民政府").body, m.entry("洪泽区人民政府").level, m.entry("临江市生态环境局").kind
('洪泽区人民政府', '县', '部门')
>>> m.merges
[('洪泽区人民政府', ['洪泽区人民政府', '淮安市洪泽区人民政府'])]
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from govreport.checks.rules import body_kind
from govreport.i18n import _

UNIDENTIFIED = "未识别"  #: the body of a report whose issuing body was not read
LEVELS = ("省", "市", "县", "乡")
KINDS = ("政府", "部门", "其他")
CSV_COLUMNS = ("variant", "body", "level", "kind", "reports", "years")

#: a place name and its level's word, as a name's leading units (淮安市 洪泽区 …)
_UNIT = re.compile(r"[\u4e00-\u9fff]{1,9}?(?P<u>自治区|自治州|自治县|省|市|州|盟|地区|县|区|旗|街道|镇|乡)")
_UNIT_LEVEL = {"省": "省", "自治区": "省", "市": "市", "州": "市", "自治州": "市", "盟": "市", "地区": "市",
               "县": "县", "自治县": "县", "区": "县", "旗": "县", "街道": "乡", "镇": "乡", "乡": "乡"}
_OFFICE = re.compile(r"(?P<gov>.*人民政府)(?:办公室|办公厅)$")
_KIND = {"government": "政府", "township_government": "政府", "subdistrict": "政府", "department": "部门"}


def canonical(name: str | None) -> str:
    """The name to compare: NFKC, no whitespace or punctuation, 政府 as 人民政府.

    >>> canonical(" 洪泽区政府（本级） "), canonical("洪泽区 人民政府")
    ('洪泽区人民政府本级', '洪泽区人民政府')
    """
    s = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", name or ""))
    return re.sub(r"(?<=[省市州盟县区旗镇乡])政府", "人民政府", s)


def _units(name: str) -> list[re.Match[str]]:
    """The name's leading place units."""
    out, pos = [], 0
    while (m := _UNIT.match(name, pos)) is not None:
        out.append(m)
        pos = m.end()
    return out


def _shorter(name: str) -> list[str]:
    """The name without one, two … of its leading units, each still starting with a place (longest first)."""
    units = _units(name)
    return [name[u.end():] for u in units[:-1]]


def level_of(name: str) -> str | None:
    """省/市/县/乡: the level of the body's own place (the last leading unit), ``None`` if the name has none.

    >>> level_of("淮安市洪泽区人民政府"), level_of("临江市生态环境局"), level_of("白沙镇人民政府"), level_of("财政局")
    ('县', '市', '乡', None)
    """
    units = _units(canonical(name))
    return _UNIT_LEVEL[units[-1].group("u")] if units else None


def kind_of(name: str) -> str:
    """政府, 部门 or 其他 (the name's kind of body, :func:`~govreport.checks.rules.body_kind`)."""
    return _KIND.get(body_kind(name) or "", "其他")


@dataclass(slots=True)
class BodyEntry:
    variant: str  #: the name as printed (the first spelling seen)
    body: str  #: the body it is (its display name; its canonical form is the grouping key)
    level: str | None
    kind: str
    reports: int = 0
    years: set[int] = field(default_factory=set)
    given: bool = False  #: from the user's bodies.csv


@dataclass(slots=True)
class BodyMap:
    """Every name of an archive and the body it is."""

    entries: dict[str, BodyEntry] = field(default_factory=dict)  #: canonical variant -> entry
    notes: list[str] = field(default_factory=list)  #: names not merged, and why

    def entry(self, agency: str | None) -> BodyEntry | None:
        return self.entries.get(canonical(agency)) if canonical(agency) else None

    def key(self, agency: str | None) -> str:
        """The body's grouping key (its canonical name), :data:`UNIDENTIFIED` without a name."""
        e = self.entry(agency)
        return canonical(e.body) if e is not None else (canonical(agency) or UNIDENTIFIED)

    def display(self, key: str) -> str:
        return next((e.body for e in self.entries.values() if canonical(e.body) == key), key)

    def of_key(self, key: str) -> BodyEntry | None:
        return next((e for e in self.entries.values() if canonical(e.body) == key and canonical(e.variant) == key),
                    next((e for e in self.entries.values() if canonical(e.body) == key), None))

    @property
    def merges(self) -> list[tuple[str, list[str]]]:
        """Each body with more than one printed variant: (body, variants)."""
        by: dict[str, list[str]] = defaultdict(list)
        for e in self.entries.values():
            by[e.body].append(e.variant)
        return [(b, sorted(v)) for b, v in sorted(by.items()) if len(v) > 1]

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for e in sorted(self.entries.values(), key=lambda e: (e.body, e.variant)):
            w.writerow([e.variant, e.body, e.level or "", e.kind, e.reports, ";".join(map(str, sorted(e.years)))])
        return buf.getvalue()


def read_bodies_csv(path: str | Path) -> dict[str, BodyEntry]:
    """A user's ``bodies.csv``: variant → body (and level, kind). Raises ``ValueError`` on a bad file."""
    text = Path(path).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows and not text.strip():
        return {}
    head = set(rows[0]) if rows else set(next(csv.reader(io.StringIO(text))))
    if not {"variant", "body"} <= head:
        raise ValueError(_("{path}: a bodies file needs the columns variant and body").format(path=path))
    out: dict[str, BodyEntry] = {}
    for n, row in enumerate(rows, 2):
        variant, body = (row.get("variant") or "").strip(), (row.get("body") or "").strip()
        if not variant:
            continue
        if not body:
            raise ValueError(_("{path}, line {n}: no body for {variant}").format(path=path, n=n, variant=variant))
        level, kind = (row.get("level") or "").strip() or None, (row.get("kind") or "").strip()
        if level is not None and level not in LEVELS:
            raise ValueError(_("{path}, line {n}: level {level!r} is not one of {levels}").format(
                path=path, n=n, level=level, levels="/".join(LEVELS)))
        if kind and kind not in KINDS:
            raise ValueError(_("{path}, line {n}: kind {kind!r} is not one of {kinds}").format(
                path=path, n=n, kind=kind, kinds="/".join(KINDS)))
        out[canonical(variant)] = BodyEntry(variant, body, level or level_of(body), kind or kind_of(body), given=True)
    return out


def _by_prefix(names: set[str], notes: list[str]) -> dict[str, str]:
    """Each name to the shortest name of the archive it is with parent prefixes dropped (where unique)."""
    claims: dict[str, set[str]] = defaultdict(set)  # short name -> the prefixes that lead to it
    for n in names:
        for s in _shorter(n):
            if s in names:
                claims[s].add(n[:len(n) - len(s)])
    ambiguous = set()
    for s, prefixes in claims.items():
        longest = max(prefixes, key=len)
        if not all(longest.endswith(p) for p in prefixes):
            ambiguous.add(s)
            notes.append(_("{name}: not merged, as it is claimed by {parents}").format(
                name=s, parents="、".join(sorted(p + s for p in prefixes))))
    out = {}
    for n in names:
        target = n
        for s in _shorter(n):  # longest first: the last one present is the shortest
            if s in names and s not in ambiguous:
                target = s
        out[n] = target
    return out


def build_bodies(names: Iterable[tuple[str | None, int | None]],
                 given: dict[str, BodyEntry] | None = None) -> BodyMap:
    """The bodies of an archive from its reports' (agency as printed, year); ``given``: the user's mapping,
    which wins for every variant it names."""
    given = given or {}
    printed: dict[str, str] = {}
    years: dict[str, set[int]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for agency, year in names:
        c = canonical(agency)
        if not c:
            continue
        printed.setdefault(c, " ".join(str(agency).split()))
        counts[c] += 1
        if year is not None:
            years[c].add(year)
    m = BodyMap()
    free = {c for c in printed if c not in given}
    target = _by_prefix(free, m.notes)
    # a government's office is its government, where the government is here and they never share a year
    for c in sorted(free):
        office = _OFFICE.match(target[c])
        if office is None:
            continue
        bodies = sorted({target[x] for x in free} - {target[c]})
        gov = next((t for t in bodies if gov_match(t, office.group("gov"))), None)
        if gov is None:
            continue
        mine = set().union(*(years[x] for x in free if target[x] == target[c]))
        theirs = set().union(*(years[x] for x in free if target[x] == gov))
        if mine & theirs:
            m.notes.append(_("{office}: not merged into {gov}, as both filed for {years}").format(
                office=printed[c], gov=gov, years="、".join(map(str, sorted(mine & theirs)))))
            continue
        for x in free:
            if target[x] == target[c]:
                target[x] = gov
    shown = {t: printed.get(t) or printed[min((x for x in free if target[x] == t), key=len)]
             for t in set(target.values())}
    for c, variant in printed.items():
        if c in given:
            g = given[c]
            m.entries[c] = BodyEntry(variant, g.body, g.level, g.kind, counts[c], years[c], True)
            continue
        body = shown[target[c]]
        m.entries[c] = BodyEntry(variant, body, level_of(body), kind_of(body), counts[c], years[c])
    return m


def gov_match(a: str, b: str) -> bool:
    """Whether two government names are one after parent prefixes (淮安市洪泽区人民政府, 洪泽区人民政府)."""
    return a == b or b in _shorter(a) or a in _shorter(b)
