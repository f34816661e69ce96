"""The table's own structure against where its numbers were placed, independent of the reader.

Whatever produced the tokens (a scan, a PDF text layer, Word, HTML, flattened text), the placed
cells must agree with what the table itself prints:

- **ordinals**: a row's printed ordinal (``1.``-``8.``, ``（一）``-``（七）``, ``一、``-``四、``) is
  its template row's. :func:`settle_rows` (before placement) moves a row that a legible ordinal
  contradicts to the one row its ordinal names, where exactly one is free between its matched
  neighbours; :func:`check_structure` (after placement) flags what still contradicts.
- **columns**: every value cell lies in one column of the table's lattice, the one the other
  rows put that column in (positions from the cells' boxes; skew and a page turned sideways
  allowed for); in the appeals table, under the column title printed for it.
- **row counts**: a row of values inside a table that no template row took is a section with
  more printed rows than the template has: the rows around it are in doubt.
- **pages**: a table continued on the next page keeps its row identities: no printed row of
  values is left without a template row at the break.

Each disagreement is a ``structure`` issue naming the cells it leaves in doubt, and with them
the cells of the same table the arithmetic inferred or corrected from them: nothing in doubt is
``read``, ``inferred`` or ``corrected`` silently.

>>> ordinals("（三）不予公开1.属于国家秘密"), ordinals("4.■"), ordinals("四、结转下年度继续办理")
({'paren': 3, 'arabic': 1}, {'arabic': 4}, {'cn': 4})
>>> check_structure(None, [], [])
[]
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from govreport.i18n import _
from govreport.layout.tokens import Kind, Token
from govreport.models.template import TableSpec
from govreport.report import Cell, Issue
from govreport.tables.labels import norm, similarity
from govreport.tables.match import Match, Unit
from govreport.tables.segments import Segment
from govreport.tables.solve import holds
from govreport.tables.words import cell_label, row_label
from govreport.types import CellKey

log = logging.getLogger("govreport")

COLUMN_SLACK = 0.5  #: a value cell off its column's line by more than this share of a column is in doubt
MIN_ROWS_FOR_LATTICE = 3  #: rows of one table on one page needed to fit its column lattice
HEADER_MATCH = 0.6  #: similarity from which a printed title names a template column
TITLE_SEGMENTS = 8  #: how far back (text/number runs) a wide table's column titles are looked for

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "一二三四五六七八九十"
_LEAD_PAREN = re.compile(rf"^\(\s*([{_CN}]{{1,3}})\s*\)")
_LEAD_CN = re.compile(rf"^([{_CN}]{{1,3}})\s*[、.]")
_LEAD_ARABIC = re.compile(r"^\(?\s*(\d{1,2})\s*(?:[.、]|\))(?!\d)")
_INNER_ARABIC = re.compile(r"[\u4e00-\u9fff)](\d{1,2})\s*[.、](?!\d)")


def _cn_int(s: str) -> int | None:
    """一 .. 九十九 as an int."""
    if s == "十":
        return 10
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _CN_DIGITS.get(tens, 0) if tens else 1
        return 10 * t + (_CN_DIGITS.get(ones, 0) if ones else 0) if (not tens or tens in _CN_DIGITS) else None
    return _CN_DIGITS.get(s) if len(s) == 1 else None


def ordinals(text: str) -> dict[str, int]:
    """The ordinals a label cell prints at its start: ``cn`` (一、), ``paren`` (（一）) and
    ``arabic`` (1. or （1）); after a leading group ordinal, an arabic one may follow in the same
    text (``（三）不予公开1.属于国家秘密``)."""
    s = unicodedata.normalize("NFKC", text).strip().replace("．", ".")
    out: dict[str, int] = {}
    m = _LEAD_PAREN.match(s)
    if m and _cn_int(m.group(1)):
        out["paren"] = _cn_int(m.group(1))  # type: ignore[assignment]
    else:
        m = _LEAD_CN.match(s)
        if m and _cn_int(m.group(1)):
            out["cn"] = _cn_int(m.group(1))  # type: ignore[assignment]
        else:
            m = _LEAD_ARABIC.match(s)
            if m:
                out["arabic"] = int(m.group(1))
                return out
    if m and out:
        inner = _INNER_ARABIC.search(s, m.end())
        if inner:
            out["arabic"] = int(inner.group(1))
    return out


def expected_ordinals(spec: TableSpec, variant: str | None) -> dict[str, dict[str, int]]:
    """What ordinals each template row of ``spec`` may print: its own (from its labels), and the
    group's it stands in (（三） for 1.-8. of 不予公开, 三、 for （一）-（七）)."""
    out: dict[str, dict[str, int]] = {}
    paren = cn = None
    for row in spec.active_rows(variant):
        own: dict[str, int] = {}
        for label in row.labels:
            for style, n in ordinals(label).items():
                own.setdefault(style, n)
        if "paren" in own or "arabic" not in own:
            paren = own.get("paren")  # a group's first row sets the group, a row of its own ends it
        if "cn" in own:
            cn = own["cn"]
        elif "paren" not in own and "arabic" not in own:
            cn = None
        want = dict(own)
        if paren is not None:
            want.setdefault("paren", paren)
        if cn is not None and ("paren" in want or "arabic" in want or "cn" in own):
            want.setdefault("cn", cn)
        out[row.id] = want
    return out


def printed_ordinals(seg: Segment | None) -> dict[str, int]:
    """The ordinals a row prints: those of its last label cell, and of the group label cell just
    before it where that one names the group (``（三）不予公开`` | ``1.属于国家秘密``)."""
    if seg is None:
        return {}
    texts = [t.text for t in seg.label_tokens if t.kind is Kind.TEXT and t.text.strip()]
    if not texts:
        return {}
    got = ordinals(texts[-1])
    if len(texts) > 1:
        before = ordinals(texts[-2])
        if "arabic" in got and "arabic" not in before and "paren" in before:
            got.setdefault("paren", before["paren"])
        if ("paren" in got or "paren" in before) and "cn" in before:
            got.setdefault("cn", before["cn"])
    return got


def _contradicts(printed: dict[str, int], want: dict[str, int]) -> bool:
    return any(style in want and want[style] != n for style, n in printed.items())


def _agrees(printed: dict[str, int], want: dict[str, int]) -> bool:
    shared = [s for s in printed if s in want]
    return bool(shared) and all(printed[s] == want[s] for s in shared)


@dataclass
class _Table:
    """One template table's matched rows with the segments they came from."""

    spec: TableSpec
    variant: str | None
    units: list[Unit]
    segs: list[Segment | None]

    @property
    def order(self) -> list[str]:
        return [r.id for r in self.spec.active_rows(self.variant)]


def _tables(match: Match, segments: Sequence[Segment]) -> list[_Table]:
    """Each template table's matched rows in printed order, with the segments they came from."""
    by_slots = {id(s.slots): s for s in segments}
    first = {id(s.slots[0]): s for s in segments if s.slots}
    at = {id(s): i for i, s in enumerate(segments)}
    out = []
    for spec in match.template.tables:
        units = [u for u in match.units if u.table == spec.id]
        segs = [by_slots.get(id(u.slots)) or (first.get(id(u.slots[0])) if u.slots else None) for u in units]
        pairs = sorted(zip(units, segs, strict=True), key=lambda p: at.get(id(p[1]), -1))
        out.append(_Table(spec, match.variants.get(spec.id), [u for u, _ in pairs], [s for _, s in pairs]))
    return out


_MASKS = re.compile(r"[*＊×■█▇▆▓▒□●◼◾]+")
_ORDINAL_HEAD = re.compile(rf"^(?:\(\s*[{_CN}\d]{{1,3}}\s*\)|[{_CN}]{{1,3}}\s*[、.]|\d{{1,2}}\s*[.、])")


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def legible(seg: Segment | None) -> list[str]:
    """What a row's label cell shows in words: the pieces of its last label cell left between
    masks, less its ordinal (``4.保护■权益`` -> ``保护``, ``权益``); none for a lost label."""
    if seg is None:
        return []
    texts = [t.text for t in seg.label_tokens if t.kind is Kind.TEXT and t.text.strip()]
    if not texts:
        return []
    s = _plain(texts[-1])
    while True:
        m = _ORDINAL_HEAD.match(s)
        if not m or not m.end():
            break
        s = s[m.end():]
    return [p for p in _MASKS.split(s) if len(re.sub(r"[\W\d_]", "", p)) >= 2]


def fits(pieces: Sequence[str], labels: Sequence[str]) -> bool:
    """Whether the legible ``pieces`` of a printed label can be one of ``labels``: each piece is
    printed in the label, in order."""
    for label in labels:
        plain, at = _plain(label), 0
        for piece in pieces:
            k = plain.find(piece, at)
            if k < 0:
                break
            at = k + len(piece)
        else:
            return True
    return False


def settle_rows(match: Match, segments: Sequence[Segment]) -> list[str]:
    """Rows placed against what their own labels print, moved where the labels say.

    - A row whose legible ordinal, or legible words, the template row it was matched to cannot
      print, but exactly one free row between its matched neighbours can, moves there (if the
      printed order is kept).
    - Rows of values whose labels show no words left unmatched (a single-column table has no
      place for them in the matching) fill the free rows between their matched neighbours,
      where there are exactly as many of each, in order, ordinals agreeing.

    Updates ``match`` in place; returns notes on what moved. What cannot be settled is left for
    :func:`check_structure` to flag."""
    notes: list[str] = []
    tables = _tables(match, segments)
    index = {id(seg): i for i, seg in enumerate(segments)}
    taken = {index[id(seg)] for t in tables for seg in t.segs if seg is not None and id(seg) in index}
    for t in tables:
        if t.spec.layout != "rows" or not t.units:
            continue
        notes += _move_contradicted(t)
        notes += _fill_lost(t, segments, index, taken, match)
    return notes


def _misfit(t: _Table, i: int, want: dict[str, dict[str, int]]) -> bool:
    row = t.units[i].cells[0][0]
    if _contradicts(printed_ordinals(t.segs[i]), want.get(row, {})):
        return True
    words = _row_words(t, i)
    labels = {r.id: r.labels for r in t.spec.active_rows(t.variant)}
    return bool(words) and not fits(words, labels[row]) and any(fits(words, labs) for labs in labels.values())


def _row_words(t: _Table, i: int) -> list[str]:
    """The legible words of row ``i``'s label, less those that are one of the table's column names
    (总计 of a header row repeated above each row is no row's label)."""
    columns = {_plain(c.label) for c in t.spec.columns}
    groups = _group_labels(t.spec)
    return [w for w in legible(t.segs[i]) if _plain(w) not in columns and not any(_plain(w) in g for g in groups)]


def _group_labels(spec: TableSpec) -> set[str]:
    """The headings several rows share, printed across them (三、本年度办理结果, （三）不予公开): a word
    of theirs beside a row says nothing of which row it is."""
    out = {_plain(r.group) for r in spec.rows if r.group}
    return {g for g in out if g}


def _move_contradicted(t: _Table) -> list[str]:
    want = expected_ordinals(t.spec, t.variant)
    labels = {r.id: r.labels for r in t.spec.active_rows(t.variant)}
    order = t.order
    rows = [u.cells[0][0] for u in t.units]
    bad = [i for i in range(len(rows)) if _misfit(t, i, want)]
    if not bad:
        return []
    held = {r for i, r in enumerate(rows) if i not in bad}
    moves: dict[int, str] = {}
    for i in bad:
        printed, words = printed_ordinals(t.segs[i]), legible(t.segs[i])
        lo = max((order.index(rows[j]) for j in range(i) if j not in bad), default=-1)
        hi = min((order.index(rows[j]) for j in range(i + 1, len(rows)) if j not in bad), default=len(order))
        cands = [r for r in order[lo + 1:hi] if r not in held and not _contradicts(printed, want.get(r, {}))
                 and (not words or fits(words, labels[r])) and (_agrees(printed, want.get(r, {})) or words)]
        if len(cands) == 1:
            moves[i] = cands[0]
    targets = [moves.get(i, rows[i]) for i in range(len(rows))]
    at = [order.index(r) for r in targets]
    if len(set(targets)) < len(targets) or at != sorted(at):
        return []
    notes = []
    for i, row in moves.items():
        unit = t.units[i]
        notes.append(f"{t.spec.id}: the row printed as {t.segs[i].label if t.segs[i] else '?'!r} was matched to "
                     f"{unit.cells[0][0]}; what its label prints puts it in {row}")
        unit.cells = [(row, c) for _, c in unit.cells]
        log.debug("%s", notes[-1])
    return notes


def _unlabelled(seg: Segment | None) -> bool:
    """The row's own label cell shows neither words nor an ordinal (masked, or lost): whatever
    the matching made of the text before it (a header above), only its place says which row it is."""
    return seg is not None and not legible(seg) and not printed_ordinals(seg) and not any(
        len(re.sub(r"[\W\d_]", "", p)) >= 2 for p in _MASKS.split(_plain(
            next((t.text for t in reversed(seg.label_tokens) if t.kind is Kind.TEXT and t.text.strip()), "")))
    )


def _fill_lost(t: _Table, segments: Sequence[Segment], index: dict[int, int], taken: set[int],
               match: Match) -> list[str]:
    """Rows between two rows their labels place (or the table's ends) are taken in order when
    there are exactly as many printed rows of values there as free template rows, each one
    compatible with its row: rows left unmatched, and rows matched on nothing of their own
    (their label cell masked) alike."""
    want = expected_ordinals(t.spec, t.variant)
    labels = {r.id: r.labels for r in t.spec.active_rows(t.variant)}
    order = t.order
    ncols = len(t.spec.columns)
    units = {index[id(seg)]: u for u, seg in zip(t.units, t.segs, strict=True) if seg is not None and id(seg) in index}
    if not units:
        return []
    anchored = sorted((i, order.index(u.cells[0][0])) for i, u in units.items() if not _unlabelled(segments[i]))
    # the table's own stretch of segments: from after the table before it to before the next
    start = max((i for i in taken if i < min(units)), default=-1) + 1
    stop = min((i for i in taken if i > max(units)), default=len(segments))
    bounds = [(start - 1, -1), *anchored, (stop, len(order))]
    held = {order[r] for _, r in anchored}
    notes = []
    for (s0, r0), (s1, r1) in zip(bounds, bounds[1:], strict=False):
        rows = [i for i in range(s0 + 1, s1) if i in units or (i not in taken and _row_like(segments[i], ncols))]
        free = [r for r in order[r0 + 1:r1] if r not in held]
        if not rows or len(rows) != len(free) or (all(i in units for i in rows) and all(
                units[i].cells[0][0] == r for i, r in zip(rows, free, strict=True))):
            continue
        pairs = [(segments[i], r) for i, r in zip(rows, free, strict=True)]
        # each row says it is that one: no words left, or its ordinal agrees, or its words fit
        if not all(not _contradicts(printed_ordinals(seg), want.get(r, {})) and (
                _unlabelled(seg) or _agrees(printed_ordinals(seg), want.get(r, {})) or fits(legible(seg), labels[r]))
                for seg, r in pairs):
            continue
        for i, row in zip(rows, free, strict=True):
            seg = segments[i]
            if i in units:
                units[i].cells = [(row, c.id) for c in t.spec.columns]
            else:
                match.units.append(Unit(t.spec.id, [(row, c.id) for c in t.spec.columns], seg.slots, seg.label,
                                        lost=_unlabelled(seg)))
            notes.append(f"{t.spec.id}: the row printed as {seg.label[-20:]!r}, in order between its "
                         f"neighbours, taken as {row}")
            log.debug("%s", notes[-1])
    return notes


def _row_like(seg: Segment, ncols: int) -> bool:
    """About a row's values: one for a single-column table, all but two or fewer otherwise."""
    n = len(seg.values)
    return (n == 1 and len(seg.slots) == 1) if ncols == 1 else max(1, ncols - 2) <= n <= ncols


def _show(printed: dict[str, int]) -> str:
    parts = []
    if "cn" in printed:
        parts.append(f"{_CN[printed['cn'] - 1] if printed['cn'] <= 10 else printed['cn']}、")
    if "paren" in printed:
        parts.append(f"（{_CN[printed['paren'] - 1] if printed['paren'] <= 10 else printed['paren']}）")
    if "arabic" in printed:
        parts.append(f"{printed['arabic']}.")
    return "".join(parts) or "?"


# ---------------------------------------------------------------------------------------------
# after placement


def check_structure(match: Match | None, segments: Sequence[Segment], cells: list[Cell]) -> list[Issue]:
    """``structure`` issues for the placed ``cells`` of a report: ordinals, the column lattice,
    row counts and rows at page breaks (see the module's description)."""
    if match is None:
        return []
    by_table: dict[str, dict[CellKey, Cell]] = {}
    for c in cells:
        by_table.setdefault(c.table, {})[(c.row, c.col)] = c
    issues: list[Issue] = []
    tables = _tables(match, segments)
    index = {id(seg): i for i, seg in enumerate(segments)}
    taken = {index[id(seg)] for t in tables for seg in t.segs if seg is not None and id(seg) in index}
    for t in tables:
        table_cells = by_table.get(t.spec.id, {})
        found: list[tuple[str, set[CellKey]]] = []
        if t.spec.layout == "rows":
            found += [(m, keys) for m, keys, named in _ordinal_doubts(t)
                      if not _pinned_by_arithmetic(t.spec, t.variant, table_cells, {k[0] for k in keys}, named)]
            found += _count_doubts(t, segments, index, taken)
            found += _lattice_doubts(t, table_cells)
        else:
            found += _title_doubts(t, table_cells, segments)
        for message, keys in found:
            keys = keys | _resting_on(t.spec, t.variant, table_cells, keys)
            issues.append(Issue("structure", t.spec.id, message, [list(k) for k in sorted(keys)]))
    return issues


def _pinned_by_arithmetic(spec: TableSpec, variant: str | None, cells: dict[CellKey, Cell], rows: set[str],
                          named: list[str] | None = None) -> bool:
    """Whether the table's arithmetic itself says these rows are where they are: every equation holds
    as read (an empty cell as 0), and moving any of them to any row the doubt names (``named``; all
    rows where it names none) breaks one (the two rows' numbers swapped). Then a label's ordinal that
    names another row is a misprint, not a doubt; with a masked or missing cell, or numbers that
    could trade rows, the doubt stands."""
    eqs = spec.equations(variant)
    values: dict[CellKey, float] = {}
    for k, c in cells.items():
        if c.status in ("masked", "missing") or (c.value is None and c.status != "blank"):
            return False
        values[k] = float(c.value or 0)

    if not eqs or not holds(eqs, values):
        return False
    others = named if named is not None else [r.id for r in spec.active_rows(variant)]
    if not others:
        return False
    for row in rows:
        for other in others:
            if other == row:
                continue
            if all(values.get((row, c.id)) == values.get((other, c.id)) for c in spec.columns):
                continue  # the same numbers either way: which row they are says nothing of any value
            swapped = dict(values)
            for col in spec.columns:
                a, b = (row, col.id), (other, col.id)
                if a in values and b in values:
                    swapped[a], swapped[b] = values[b], values[a]
            if holds(eqs, swapped):
                return False
    return True


def _resting_on(spec: TableSpec, variant: str | None, cells: dict[CellKey, Cell], doubted: set[CellKey],
                ) -> set[CellKey]:
    """Cells the arithmetic inferred or corrected through an equation with a doubted cell."""
    out: set[CellKey] = set()
    for eq in spec.equations(variant):
        if any(k in doubted for k in eq.cells):
            out |= {k for k in eq.cells if k in cells and cells[k].status in ("inferred", "corrected")}
    return out


def _row_keys(t: _Table, rows: Sequence[str]) -> set[CellKey]:
    return {(r, c.id) for r in rows for c in t.spec.columns}


def _ordinal_doubts(t: _Table) -> list[tuple[str, set[CellKey], list[str] | None]]:
    """Rows whose printed ordinal or label words are another row's: (message, cells, the rows the
    ordinal would fit, or ``None`` where words, not an ordinal, name the other row)."""
    want = expected_ordinals(t.spec, t.variant)
    out = []
    for i, (unit, seg) in enumerate(zip(t.units, t.segs, strict=True)):
        if not _misfit(t, i, want):
            continue
        row = unit.cells[0][0]
        printed = printed_ordinals(seg)
        named: list[str] | None = None
        if _contradicts(printed, want.get(row, {})):
            what = _("the ordinal {printed}, which is not its row's ({wanted})").format(
                printed=_show(printed), wanted=_show(want.get(row, {})))
            named = [r for r, w in want.items() if r != row and not _contradicts(printed, w)]
        else:
            words = _row_words(t, i)
            what = _("“{words}” of its label, which is another row's label").format(words="…".join(words))
            named = [r.id for r in t.spec.active_rows(t.variant) if r.id != row and fits(words, r.labels)]
        out.append((_("{row} prints {what}: the numbers may belong to another row").format(
            row=row_label(t.spec, row), what=what), _row_keys(t, [row]), named))
    return out


def _count_doubts(t: _Table, segments: Sequence[Segment], index: dict[int, int], taken: set[int],
                  ) -> list[tuple[str, set[CellKey]]]:
    """Rows of values within the table's stretch of the document that no template row took: the
    rows around them (and those between, which they may be) are in doubt."""
    order = t.order
    placed = sorted((index[id(seg)], order.index(u.cells[0][0])) for u, seg in zip(t.units, t.segs, strict=True)
                    if seg is not None and id(seg) in index)
    if not placed:
        return []
    n = len(t.spec.columns)
    start = max((i for i in taken if i < placed[0][0]), default=-1) + 1
    stop = min((i for i in taken if i > placed[-1][0]), default=len(segments))
    bounds = [(start - 1, -1), *placed, (stop, len(order))]
    out = []
    for (s0, r0), (s1, r1) in zip(bounds, bounds[1:], strict=False):
        stray = [segments[i] for i in range(s0 + 1, s1) if i not in taken and _row_of_values(segments[i], n)]
        if not stray:
            continue
        between = order[max(r0, 0):min(r1, len(order) - 1) + 1]
        pages = {tok.page for i in (s0, s1) if 0 <= i < len(segments) for tok in segments[i].slots if tok.page}
        where = _(" at a page break") if len(pages) > 1 else ""
        names = _(" and ").join(row_label(t.spec, order[r]) for r in (r0, r1) if 0 <= r < len(order))
        out.append((_("{n} printed row(s) of values next to {rows}{where} match no template row: the table prints "
                      "more rows than the template there, and which row each of these numbers belongs to is in "
                      "doubt").format(n=len(stray), rows=names, where=where), _row_keys(t, between)))
    return out


def _row_of_values(seg: Segment, ncols: int) -> bool:
    """A printed row of about a table row's values (not a stray number in prose): a whole row of
    cells, or most of a wide row's numbers."""
    cells = [tok for tok in seg.slots if tok.kind is not Kind.BREAK]
    return (len(seg.values) >= 1 and ncols - 1 <= len(cells) <= ncols and bool(cells[0].bbox)) or (
        ncols > 3 and len(seg.values) >= ncols - 2)


def _centre(t: Token | Cell) -> tuple[float, float] | None:
    b = t.bbox
    if b is None:
        return None
    return (float(b[0]) + float(b[2])) / 2, (float(b[1]) + float(b[3])) / 2


def _lattice_doubts(t: _Table, cells: dict[CellKey, Cell]) -> list[tuple[str, set[CellKey]]]:
    """Value cells that stand off the column the table's other rows put their column in.

    Per page, the row direction is taken from the rows' own cells (a page turned sideways reads
    down), each column is a line along the rows' normal (its position may drift with skew, the
    same for every column), fitted by least squares over the rows; a cell more than
    :data:`COLUMN_SLACK` of a column's spacing off its column's line, or nearer another's, is
    in doubt."""
    cols = [c.id for c in t.spec.columns]
    if len(cols) < 2:
        return []
    by_page: dict[int, list[tuple[str, int, float, float]]] = {}
    for (row, col), c in cells.items():
        if c.status in ("missing",) or c.page is None or c.bbox is None or col not in cols:
            continue
        x, y = _centre(c)  # type: ignore[misc]
        by_page.setdefault(c.page, []).append((row, cols.index(col), x, y))
    doubted: set[CellKey] = set()
    for pts in by_page.values():
        rows = sorted({p[0] for p in pts})
        if len(rows) < MIN_ROWS_FOR_LATTICE:
            continue
        doubted |= _off_lattice(pts, len(cols), cols)
    if not doubted:
        return []
    names = "、".join(cell_label(t.spec, k) for k in sorted(doubted))
    return [(_("{cells}: not in the column of the table's lattice that the other rows put them in: a number may "
               "have moved to another column").format(cells=names), doubted)]


def _off_lattice(pts: list[tuple[str, int, float, float]], ncols: int, cols: list[str]) -> set[CellKey]:
    xy = np.array([(p[2], p[3]) for p in pts])
    j = np.array([p[1] for p in pts])
    # the row direction: from each row's leftmost-column cell to its rightmost
    vecs = []
    for row in {p[0] for p in pts}:
        mine = [p for p in pts if p[0] == row]
        if len(mine) >= 2:
            a, b = min(mine, key=lambda p: p[1]), max(mine, key=lambda p: p[1])
            d = np.array([b[2] - a[2], b[3] - a[3]]) / max(1, b[1] - a[1])
            vecs.append(d)
    if not vecs:
        return set()
    u = np.median(np.array(vecs), axis=0)
    if not np.hypot(*u):
        return set()
    u = u / np.hypot(*u)
    v = np.array([-u[1], u[0]])
    along, across = xy @ u, xy @ v
    present = sorted(set(j.tolist()))
    if len(present) < 2:
        return set()
    # along = line[j] + slope * across, one slope for all columns (skew); robust: two passes
    keep = np.ones(len(pts), bool)
    line = np.zeros(ncols)
    slope = 0.0
    for _round in range(2):
        design = np.zeros((int(keep.sum()), ncols + 1))
        idx = np.nonzero(keep)[0]
        design[np.arange(len(idx)), j[idx]] = 1.0
        design[:, ncols] = across[idx]
        sol, *_ = np.linalg.lstsq(design, along[idx], rcond=None)
        line, slope = sol[:ncols], float(sol[ncols])
        resid = along - (line[j] + slope * across)
        spacing = float(np.median(np.diff(sorted(line[present])))) if len(present) > 1 else 1.0
        keep = np.abs(resid) <= COLUMN_SLACK * max(spacing, 1e-6)
        if keep.all() or keep.sum() < ncols + 1:
            break
    spacing = float(np.median(np.diff(sorted(line[present]))))
    out: set[CellKey] = set()
    for k, p in enumerate(pts):
        expect = line[present] + slope * across[k]
        nearest = present[int(np.argmin(np.abs(expect - along[k])))]
        off = abs(along[k] - (line[p[1]] + slope * across[k]))
        if nearest != p[1] or off > COLUMN_SLACK * spacing:
            out.add((p[0], cols[p[1]]))
    return out


def _title_doubts(t: _Table, cells: dict[CellKey, Cell], segments: Sequence[Segment]) -> list[tuple[str, set[CellKey]]]:
    """A wide table (the appeals table: its rows side by side in one printed row): each value
    under the column title printed for it. The titles are the table's header words on the
    values' page, matched in order to the template's columns repeated for each of its rows."""
    if not t.units or t.segs[0] is None:
        return []
    seg = t.segs[0]
    names = [c.label for c in t.spec.columns] * len(t.spec.active_rows(t.variant))
    keys = [(r.id, c.id) for r in t.spec.active_rows(t.variant) for c in t.spec.columns]
    placed = [(k, cells[k]) for k in keys if k in cells and cells[k].bbox is not None and cells[k].page is not None]
    if len(placed) < 2:
        return []
    page = placed[0][1].page
    top = min(float(c.bbox[1]) for _, c in placed if c.page == page)  # type: ignore[index]
    titles = [tok for s in segments[max(0, seg.index - TITLE_SEGMENTS):seg.index + 1] for tok in s.label_tokens
              if tok.page == page and tok.bbox is not None and float(tok.bbox[3]) <= top + 1]
    sub = [tok for tok in titles if max(similarity(norm(tok.text), norm(n)) for n in set(names)) >= HEADER_MATCH]
    if len(sub) < len(names) // 2:
        return []
    # the titles left to right, aligned in order to the expected names (a masked title drops out)
    sub.sort(key=lambda tok: _centre(tok)[0])  # type: ignore[index]
    where = _align_titles([tok.text for tok in sub], names)
    spots: dict[int, float] = {col: _centre(sub[i])[0] for col, i in where.items()}  # type: ignore[index]
    if len(spots) < 2:
        return []
    # a title's reach: half the distance to its neighbours
    xs = sorted(spots.values())
    width = float(np.median(np.diff(xs))) if len(xs) > 1 else 0.0
    doubted: set[CellKey] = set()
    for k, c in placed:
        if c.page != page or c.status == "missing":
            continue
        col = keys.index(k)
        x = _centre(c)[0]  # type: ignore[index]
        if col in spots and abs(x - spots[col]) > COLUMN_SLACK * width:
            doubted.add(k)
    if not doubted:
        return []
    shown = "、".join(cell_label(t.spec, k) for k in sorted(doubted))
    return [(_("{cells}: not under the column title printed for them: the numbers may have moved to other "
               "columns").format(cells=shown), doubted)]


def _align_titles(texts: list[str], names: list[str]) -> dict[int, int]:
    """Printed titles (left to right) to expected column positions, in order, by name."""
    n, m = len(texts), len(names)
    score = [[similarity(norm(a), norm(b)) for b in names] for a in texts]
    f = np.zeros((n + 1, m + 1))
    for i in range(1, n + 1):
        for k in range(1, m + 1):
            hit = f[i - 1, k - 1] + (score[i - 1][k - 1] if score[i - 1][k - 1] >= HEADER_MATCH else -1.0)
            f[i, k] = max(f[i - 1, k], f[i, k - 1], hit)
    out: dict[int, int] = {}
    i, k = n, m
    while i > 0 and k > 0:
        s = score[i - 1][k - 1]
        if s >= HEADER_MATCH and abs(f[i, k] - (f[i - 1, k - 1] + s)) < 1e-9:
            out[k - 1] = i - 1
            i, k = i - 1, k - 1
        elif f[i, k] == f[i - 1, k]:
            i -= 1
        else:
            k -= 1
    return out
