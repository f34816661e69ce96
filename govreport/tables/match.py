"""Find the template's rows among a document's segments, in order, and pick the template.

Row labels are matched by an order-preserving alignment (dynamic programming) of segments to
template rows, so a masked or misspelt label is still placed by its neighbours, and two rows
whose masked labels read the same are told apart by order. The appeals table, printed as one
row of numbers under a header, is found by its header words.

>>> from govreport.layout.text import text_to_tokens
>>> from govreport.tables.segments import segment
>>> m = best_match(segment(text_to_tokens("行政处罚\\t5\\n行政强制\\t0\\n")), "")
>>> [(u.table, u.cells[0][0]) for u in m.units]
[('art20_6', 'penalties'), ('art20_6', 'coercion')]
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from govreport.layout.tokens import WEAK_BLANK, Kind, Token
from govreport.models.template import TableSpec, Template, templates
from govreport.tables.labels import norm, similarity
from govreport.tables.segments import Segment
from govreport.types import CellKey

MIN_SIMILARITY = 0.5
LOST_LABEL_GAIN = 0.01  #: a row with no readable label fills a gap between matched neighbours
PARTIAL_LABEL_GAIN = 0.02  #: a row showing part of one row's label, in the same circumstances
DOUBTFUL_LABEL = 0.8  #: OCR confidence under which a label that matches nothing counts as lost
FRACTION_IN_COUNTS = 0.5  #: penalty for a row of counts that would hold a fraction
#: penalty for text followed by a stray empty cell or two but no number (a heading that repeats a
#: row's label above the table row that holds its numbers): the row with the numbers wins
NO_VALUES = 0.2
VARIANT_EVIDENCE = 0.3  #: per label printed only in one row variant (（六）'s three sub-rows) found in the text


@dataclass
class Unit:
    """Printed cells (``slots``) to be placed, in order, into ``cells`` of ``table``."""

    table: str
    cells: list[CellKey]
    slots: list[Token]
    label: str = ""
    score: float = 1.0
    #: matched with no readable label of its own (only its place between matched neighbours)
    lost: bool = False
    #: a wide table's cells gathered from several printed runs: how many cells each run held
    parts: tuple[int, ...] = ()


@dataclass
class Match:
    template: Template
    variants: dict[str, str | None]
    units: list[Unit] = field(default_factory=list)
    score: float = 0.0
    #: per table, the text printed between the previous table's last row and its first row (its
    #: header rows), for the field positions of its column names
    headers: dict[str, list[Token]] = field(default_factory=dict)

    def found(self, table_id: str) -> bool:
        return any(u.table == table_id for u in self.units)


@dataclass(frozen=True)
class _Seen:
    """What :func:`_gain` needs of a segment, worked out once per segment."""

    doc: str  #: the label, normalised
    alt: str  #: the alternative label (a heading above a header row), normalised, or ""
    nvals: int
    nslots: int
    readable: bool  #: the label has letters left once digits and punctuation go
    fraction: bool  #: some value is a fraction
    doubtful: bool  #: some label token was read with doubt


def _seen(seg: Segment) -> _Seen:
    doc = norm(seg.label)
    values = seg.values
    return _Seen(doc, norm(seg.alt_label) if seg.alt_label else "", len(values), len(seg.slots),
                 bool(_NOT_LETTERS.sub("", doc)),
                 any(isinstance(t.value, float) and not t.value.is_integer() for t in values),
                 any(t.confidence is not None and t.confidence < DOUBTFUL_LABEL for t in seg.label_tokens))


_NOT_LETTERS = re.compile(r"[\W\d_]")
_SPLIT_LETTERS = re.compile(r"[\W\d_]+")


def _gain(seg: Segment | _Seen, labels: tuple[str, ...], ncols: int, counts: bool = False) -> float:
    """How well ``seg`` reads as a row with ``labels`` and ``ncols`` columns (``-inf``: it cannot);
    ``counts``: the row holds whole numbers only."""
    s = seg if isinstance(seg, _Seen) else _seen(seg)
    nvals = s.nvals
    # a row of values without a usable label may fill a gap between matched neighbours if it has
    # about a row's numbers, or a whole row of cells with blanks counted (a ruled table)
    lost = ncols > 1 and (ncols - 2 <= nvals <= ncols or (nvals > 0 and ncols - 1 <= s.nslots <= ncols))
    if not s.readable:
        # the label was lost (OCR, page break) or only its ordinal is left
        return LOST_LABEL_GAIN if lost else float("-inf")
    sim = max(similarity(s.doc, norm(lab)) for lab in labels)
    if s.alt:  # values under a header row of their own: the text above it may name the row
        sim = max(sim, max(similarity(s.alt, norm(lab)) for lab in labels))
    if sim < MIN_SIMILARITY:
        if not lost:
            return float("-inf")
        # the start of a label whose rest a seal hid ("5.属于三类" for 5.属于三类内部事务信息)
        tail = _SPLIT_LETTERS.split(s.doc)[-1] if s.doc else ""
        if len(tail) >= 2 and any(tail in norm(lab) for lab in labels):
            return PARTIAL_LABEL_GAIN
        # a label OCR read with doubts (a seal over it) is as good as lost
        return LOST_LABEL_GAIN if s.doubtful else float("-inf")
    gain = sim - MIN_SIMILARITY + 0.05
    if nvals == 0 and s.nslots < ncols:
        gain -= NO_VALUES
    if nvals > ncols:
        gain -= 0.3
    if counts and s.fraction:
        gain -= FRACTION_IN_COUNTS  # 930.67 is an amount (万元), not a number of decisions
    if s.nslots >= ncols:
        gain += 0.03
    return gain


RowSpec = tuple[TableSpec, str, tuple[str, ...]]


def _align(segs: list[Segment], rows: list[RowSpec]) -> tuple[float, list[tuple[int, int]]]:
    """Best order-preserving matching of segments to rows; returns (score, [(seg, row)])."""
    ns, nr = len(segs), len(rows)
    shapes = [(labs, len(t.columns), all(c.integer for c in t.columns)) for (t, _, labs) in rows]
    gains = [[_gain(seen, labs, n, counts) for (labs, n, counts) in shapes] for seen in map(_seen, segs)]
    f = [[0.0] * (nr + 1) for _ in range(ns + 1)]
    for i in range(1, ns + 1):
        gi = gains[i - 1]
        fi, fp = f[i], f[i - 1]
        for j in range(1, nr + 1):
            best = fp[j] if fp[j] > fi[j - 1] else fi[j - 1]
            g = gi[j - 1]
            if g != float("-inf") and fp[j - 1] + g > best:
                best = fp[j - 1] + g
            fi[j] = best
    pairs: list[tuple[int, int]] = []
    i, j = ns, nr
    while i > 0 and j > 0:
        g = gains[i - 1][j - 1]
        if g != float("-inf") and abs(f[i][j] - (f[i - 1][j - 1] + g)) < 1e-9:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif f[i][j] == f[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return f[ns][nr], pairs[::-1]


_HEADER_WORDS = sorted(["行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正",
                        "其他结果", "尚未审结", "总计", "结果", "维持", "纠正", "其他", "尚未", "审结", "合计",
                        "政府信息公开", "情况", "直接起诉", "起诉", "复议", "诉讼", "未经"],
                       key=len, reverse=True)
_HEADER_RE = re.compile("|".join(map(re.escape, _HEADER_WORDS)) + r"|[*.()0-9一二三四五六七八九十]")


def _residue(label: str) -> str:
    """What is left of a label once the appeals header's words, punctuation and digits go."""
    return re.sub(r"[^\w]|_", "", _HEADER_RE.sub("", norm(label)))


def _header_only(label: str) -> bool:
    """Only the appeals header's words, punctuation and page numbers (—3—) are left, give or take
    a few misread characters (a long OCR'd header line may keep one in five)."""
    return len(_residue(label)) <= max(2, len(norm(label)) // 5)


_SUBHEADER = re.compile("结果维持|结果纠正|其他结果|尚未审结")
_HEADER_COUNT = re.compile("结果维持|结果纠正|其他结果|尚未审结|总计|维持|纠正|审结|复议|诉讼")


def _wide_unit(table: TableSpec, segs: list[Segment], start: int) -> Unit | None:
    """The appeals-style table: a header naming its rows, then all its numbers in one row.

    Prose about appeals (行政复议 5 起，其中……) can look like a header; every candidate is
    collected and the one with the most header words and a full row of numbers wins.
    """
    anchors = [norm(a) for a in table.anchors]
    n = len(table.rows) * len(table.columns)
    best: tuple[tuple[bool, int, int], Unit] | None = None
    for a in range(start, len(segs)):
        lab = norm(segs[a].label)
        tail = re.split(r"[。;；,，:：]", lab)[-1]
        if not any(x in tail for x in anchors) or not _header_only(tail):
            continue
        window = " ".join(norm(s.label) for s in segs[a:a + 5])
        # every anchor, or (a seal over one of them) some anchor and the sub-headers' words
        if not all(x in window for x in anchors) and len(_SUBHEADER.findall(window)) < 4:
            continue
        slots: list[Token] = []
        parts: list[int] = []
        words = len(_HEADER_COUNT.findall(tail))
        for s in segs[a:a + 8]:
            if s is not segs[a]:
                if not _header_only(s.label):
                    break
                words += len(_HEADER_COUNT.findall(norm(s.label)))
            if s.values:
                slots.extend(s.slots)
                parts.append(sum(1 for t in s.slots if t != WEAK_BLANK))
                if sum(t.kind is not Kind.BLANK for t in slots) >= n:
                    break
        nvals = sum(t.kind is not Kind.BLANK for t in slots)
        if not nvals:
            continue
        key = (nvals >= n, words, -a)
        if best is None or key > best[0]:
            cells = [(r.id, c.id) for r in table.rows for c in table.columns]
            best = (key, Unit(table.id, cells, slots, segs[a].label, parts=tuple(parts)))
    return best[1] if best else None


def match_template(template: Template, segs: list[Segment], variants: dict[str, str | None]) -> Match:
    rows: list[tuple[TableSpec, str, tuple[str, ...]]] = []
    for t in template.tables:
        if t.layout == "rows":
            rows.extend((t, r.id, r.labels) for r in t.active_rows(variants.get(t.id)))
    candidates = [s for s in segs if s.slots]
    score, pairs = _align(candidates, rows)
    m = Match(template, variants, score=score)
    last = 0
    for si, ri in pairs:
        t, rid, labs = rows[ri]
        seg = candidates[si]
        lost = _gain(seg, labs, len(t.columns), all(c.integer for c in t.columns)) <= PARTIAL_LABEL_GAIN + 1e-9
        m.units.append(Unit(t.id, [(rid, c.id) for c in t.columns], seg.slots, seg.label, lost=lost))
        if t.id not in m.headers:
            m.headers[t.id] = [tok for s in segs[last + 1 if last else 0:seg.index + 1] for tok in s.label_tokens
                               if tok.pos is not None]
        last = max(last, seg.index)
    for t in template.tables:
        if t.layout == "wide":
            start = last if m.found("applications") else 0
            unit = _wide_unit(t, segs, start) or (_wide_unit(t, segs, 0) if start else None)
            if unit is not None:
                m.units.append(unit)
                m.score += 1.0
    return m


_ORDINAL = re.compile(r"^(?:\(?[一二三四五六七八九十]+[)、]|\d+\.)+")


def _variant_evidence(table: TableSpec, variant: str, body: str) -> float:
    """Evidence that ``table`` is printed in ``variant``: its own rows' labels found in the text
    (labels also part of another variant's labels, such as （六）其他处理, say nothing)."""
    others = [norm(lab) for r in table.rows if r.variant not in (None, variant) for lab in r.labels]
    found = 0
    for r in table.rows:
        if r.variant != variant:
            continue
        words = {_ORDINAL.sub("", norm(lab)) for lab in r.labels}
        if any(len(w) >= 6 and w in body and not any(w in o for o in others) for w in words):
            found += 1
    return VARIANT_EVIDENCE * found


def best_match(segs: list[Segment], text: str, template_id: str | None = None) -> Match:
    """Try every template (and row variant); keep the best-scoring reading of the document."""
    body = norm(text)
    best: Match | None = None
    for tid, tpl in templates().items():
        if template_id and tid != template_id:
            continue
        evidence = sum(0.3 for mk in tpl.markers if norm(mk) in body)
        choices = [[(t.id, v) for v in t.variants] for t in tpl.tables if t.variants]
        for combo in itertools.product(*choices) if choices else [()]:
            m = match_template(tpl, segs, dict(combo))
            m.score += evidence + sum(_variant_evidence(tpl.table(t), v, body) for t, v in combo)
            if best is None or m.score > best.score + 1e-9:
                best = m
    assert best is not None, "no templates installed"
    return best
