"""Text repeated from the same body's previous report, or shared across bodies, part by part.

Each part's prose is normalised (NFKC, without whitespace and punctuation) and cut into overlapping
``SHINGLE``-character pieces (hashed with a fixed polynomial, so runs are reproducible). A part repeats
another when at least ``MIN_SHARE`` of its pieces occur in the other; the finding gives that share and
the longest passage the two have in common, quoted from the report's own text.

Every report is compared with its body's latest earlier report. Across bodies, candidates are found with
MinHash signatures and locality-sensitive hashing over the same part of every report, then checked on
their full text, so an archive of thousands of reports is not compared pair by pair.

>>> a = [{"id": "part5", "heading": "五、存在的主要问题及改进情况",
...        "text": "一是公开内容的针对性还不够强，二是解读形式较为单一。"
...                "下一步将加强培训，提升信息发布质量，完善考核机制。"}]
>>> b = [{"id": "part5", "heading": "五、存在的主要问题及改进情况", "text": a[0]["text"]}]
>>> s = compare_parts(a[0], b[0])
>>> s.share, s.chars, s.passage[:14]
(1.0, 46, '一是公开内容的针对性还不够强')
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from govreport.checks.findings import Finding, quote
from govreport.i18n import N_, _, ngettext

SHINGLE = 12  #: characters per shingle (normalised text)
MIN_PART_CHARS = 80  #: parts shorter than this (normalised) are not compared: short statements repeat by nature
MIN_SHARE = 0.6  #: a part repeats another when this share of its shingles occur in the other
NUM_PERM = 32  #: MinHash signature length
BANDS = 16  #: LSH bands (NUM_PERM / BANDS rows each): pairs with Jaccard ~0.3 and up become candidates
MAX_BUCKET = 40  #: a larger LSH bucket is compared through its first few members only
BUCKET_REPRESENTATIVES = 3
MIN_ESTIMATE = 0.2  #: candidates whose signatures agree on fewer positions (estimated Jaccard) are not checked
PASSAGE_CHARS = 160  #: longest shared passages are quoted up to this length

_BASE = np.uint64(1_000_003)
_SEEDS = np.random.default_rng(20_190_515).integers(1, 2**63 - 1, size=NUM_PERM, dtype=np.uint64)


def _norm(text: str) -> tuple[str, list[int]]:
    """The text without whitespace and punctuation, and each kept character's position in ``text``."""
    text = unicodedata.normalize("NFKC", text)
    keep = [(i, ch) for i, ch in enumerate(text) if ch.isalnum()]
    return "".join(ch for _i, ch in keep), [i for i, _ch in keep]


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser (uint64 arithmetic wraps)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _positions(norm: str) -> np.ndarray:
    """The hash of the shingle starting at each position (``len - SHINGLE + 1`` of them)."""
    n = len(norm) - SHINGLE + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(SHINGLE):
            h = h * _BASE + cps[j:j + n]
        return _mix(h)


def shingles(text: str) -> np.ndarray:
    """The sorted distinct shingle hashes of ``text``."""
    return np.unique(_positions(_norm(text)[0]))


def signature(hashes: np.ndarray) -> np.ndarray:
    """MinHash signature (``NUM_PERM`` values) of a non-empty shingle set."""
    with np.errstate(over="ignore"):
        return np.array([_mix(hashes ^ seed).min() for seed in _SEEDS], dtype=np.uint64)


@dataclass(slots=True)
class Shared:
    share: float  #: of the first part's shingles, the share found in the second
    passage: str  #: the longest passage they share, as the first part prints it
    chars: int  #: its length (normalised characters)


def compare_parts(a: dict[str, Any], b: dict[str, Any]) -> Shared:
    """How much of part ``a``'s prose occurs in part ``b``'s."""
    norm_a, where = _norm(a.get("text") or "")
    pos_a = _positions(norm_a)
    if not len(pos_a):
        return Shared(0.0, "", 0)
    hb = shingles(b.get("text") or "")
    hit = np.isin(pos_a, hb)
    share = float(np.isin(np.unique(pos_a), hb).mean())
    if not hit.any():
        return Shared(share, "", 0)
    # the longest run of consecutive shingles found in b: a passage of run + SHINGLE - 1 characters
    edges = np.flatnonzero(np.diff(np.concatenate(([0], hit.astype(np.int8), [0]))))
    starts, ends = edges[::2], edges[1::2]
    k = int(np.argmax(ends - starts))
    s, e = int(starts[k]), int(ends[k]) + SHINGLE - 1
    text = unicodedata.normalize("NFKC", a.get("text") or "")
    passage = text[where[s]:where[e - 1] + 1]
    return Shared(round(share, 4), passage, e - s)


@dataclass(slots=True)
class PartSketch:
    """One part of one report, as the comparison keeps it."""

    report_id: str
    source: str
    body: str
    agency: str
    year: int | None
    part: str
    heading: str
    hashes: np.ndarray  #: its distinct shingles (sorted)
    signature: np.ndarray


def sketch_parts(report_id: str, source: str, body: str, agency: str, year: int | None,
                 parts: Iterable[dict[str, Any]] | None) -> list[PartSketch]:
    """Sketches of the parts long enough to compare."""
    out = []
    for p in parts or ():
        norm = _norm(p.get("text") or "")[0]
        if len(norm) < MIN_PART_CHARS:
            continue
        hashes = shingles(p.get("text") or "")
        out.append(PartSketch(report_id, source, body, agency, year, p["id"], p.get("heading") or p["id"],
                              hashes, signature(hashes)))
    return out


def _label(s: PartSketch, source: bool = True) -> str:
    label = f"{s.agency} {s.year if s.year is not None else _('(year unknown)')}"
    return f"{label} ({s.source})" if source else label


def _order(s: PartSketch) -> tuple[Any, ...]:
    return (s.year is None, s.year or 0, s.source, s.report_id)


def boilerplate_findings(sketches: list[PartSketch],
                         load_parts: Callable[[str], list[dict[str, Any]] | None]) -> list[Finding]:
    """``boilerplate`` findings: a part repeating its body's previous report, and a part shared with
    another body's. ``load_parts(report_id)`` gives a report's parts (their full text) for the check.

    Both comparisons (the same body across years, other bodies) share the cache of loaded parts and
    the way a finding is worded, so they stay together"""
    cached = lru_cache(maxsize=64)(lambda rid: {p["id"]: p for p in (load_parts(rid) or [])})
    out: list[Finding] = []

    def check(a: PartSketch, b: PartSketch) -> Shared | None:
        if np.intersect1d(a.hashes, b.hashes, assume_unique=True).size < MIN_SHARE * a.hashes.size:
            return None
        pa, pb = cached(a.report_id).get(a.part), cached(b.report_id).get(b.part)
        if pa is None or pb is None:
            return None
        res = compare_parts(pa, pb)
        return res if res.share >= MIN_SHARE else None

    def finding(a: PartSketch, b: PartSketch, res: Shared, whose: str, more: int = 0) -> Finding:
        others = ngettext(" (and {n} other body)", " (and {n} other bodies)", more).format(n=more) if more else ""
        return Finding("boilerplate", "warning",
                       _label(a, source=False) + ": " + _(
                           "part “{heading}”: {share} of its text repeats {whose}: {other}{others}; longest shared "
                           "passage ({chars} characters): {quote}").format(
                           heading=a.heading, share=f"{res.share:.0%}", whose=_(whose), other=_label(b),
                           others=others, chars=res.chars, quote=quote(res.passage, PASSAGE_CHARS)),
                       evidence=res.passage, report_id=a.report_id, related_report_id=b.report_id)

    # 1. the same body's latest earlier report
    by_body: dict[str, dict[str, list[PartSketch]]] = defaultdict(lambda: defaultdict(list))
    for s in sketches:
        by_body[s.body][s.report_id].append(s)
    for body in sorted(by_body):
        reports = sorted(by_body[body].values(), key=lambda ps: _order(ps[0]))
        for i, parts in enumerate(reports):
            year = parts[0].year
            earlier = [r for r in reports[:i] if year is not None and r[0].year is not None and r[0].year < year]
            if not earlier:
                continue
            prev = {p.part: p for p in earlier[-1]}
            for p in parts:
                q = prev.get(p.part)
                if q is not None and (res := check(p, q)) is not None:
                    out.append(finding(p, q, res, N_("the same body's report")))
    # 2. other bodies: LSH candidates per part, checked on the full text
    rows = NUM_PERM // BANDS
    candidates: dict[int, set[int]] = defaultdict(set)
    buckets: dict[tuple[str, int, bytes], list[int]] = defaultdict(list)
    for n, s in enumerate(sketches):
        for band in range(BANDS):
            buckets[(s.part, band, s.signature[band * rows:(band + 1) * rows].tobytes())].append(n)
    for members in buckets.values():
        if len(members) < 2:
            continue
        reps = members if len(members) <= MAX_BUCKET else members[:BUCKET_REPRESENTATIVES]
        for m in members:
            for r in reps:
                if r != m and sketches[r].body != sketches[m].body:
                    candidates[m].add(r)
    for n in sorted(candidates, key=lambda i: _order(sketches[i])):
        a = sketches[n]
        near = [r for r in candidates[n] if np.mean(sketches[r].signature == a.signature) >= MIN_ESTIMATE]
        hits = [(res, sketches[r]) for r in sorted(near, key=lambda i: _order(sketches[i]))
                if (res := check(a, sketches[r])) is not None]
        if hits:
            res, b = max(hits, key=lambda h: (h[0].share, h[0].chars))
            out.append(finding(a, b, res, N_("another body's report"), len({h[1].body for h in hits}) - 1))
    return out
