"""Reviewer decisions applied to a report: the cells take them, and the arithmetic is re-run trusting them.

A decided cell becomes ``verified`` (a value typed or confirmed), ``blank`` (printed blank) or ``masked``
(not legible); ``text`` keeps what the tool read. Each table holding a decided cell is then checked again
with :func:`govreport.tables.solve.analyse`: verified cells are known and never corrected, read cells are
known (a read cell the reviewed ones contradict is not corrected but flagged, for the reviewer to look
at), and every other cell (blank, masked, missing, and the values the arithmetic derived before:
``inferred``, ``corrected``) is unknown. Cells the equations then fix become ``inferred`` (a cell corrected
before stays ``corrected``). The
table's arithmetic issues (``inconsistent``, ``corrected``, ``unverified``, ``masked``, ``missing``, and the
``ambiguous`` one about printed-empty cells the arithmetic needs) are rebuilt from the new state; every
other issue loses the decided cells, and goes when none is left.

Applying the same decisions twice changes nothing. A report that had not seen them (a fresh extraction)
keeps the reviewer's values, and a cell whose new reading differs from both the verified value and what
the reviewer saw gets a ``verified_conflict`` issue.

>>> from govreport.report import Cell, Report
>>> r = Report("x", "gov2021", cells=[Cell("appeals", "review", c, v, "read" if v is not None else "masked")
...     for c, v in (("upheld", 1), ("corrected", 0), ("other", None), ("pending", 0), ("total", 4))])
>>> cell = verify_cell(r, "appeals", "review", "upheld", 3)
>>> (cell.status, r.value("appeals", "review", "other"), r.cell("appeals", "review", "other").status)
('verified', 1, 'inferred')
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from govreport.errors import OutputError
from govreport.i18n import _
from govreport.models.template import TableSpec, get_template
from govreport.output.export import atomic_path
from govreport.report import Cell, Issue, Report, register_extension
from govreport.tables.solve import analyse
from govreport.tables.words import cell_label, equation_text
from govreport.verify.store import CORRECTIONS, CorrectionStore, Decision, digest, doc_hash, latest

log = logging.getLogger("govreport")

Key = tuple[str, str, str]

#: issue kinds rebuilt from the arithmetic of a re-checked table
REBUILT = ("corrected", "inconsistent", "unverified", "masked", "missing")
#: the start of the ``ambiguous`` message about printed-empty cells the arithmetic needs (also rebuilt)
#: how the "printed empty but the arithmetic needs …" ambiguities begin, in each language
PRINTED_EMPTY = ("printed empty", "印为空白")
CONFLICT = "verified_conflict"
TOL = 1e-9


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= TOL


def _fmt(v: float | None) -> str:
    if v is None:
        return "?"
    return str(int(round(v))) if abs(v - round(v)) < 1e-9 else f"{v:g}"


def _name(k: Key) -> str:
    return ".".join(k)


def _key(name: str) -> Key:
    t, r, c = name.split(".", 2)
    return (t, r, c)


def number_for(spec: TableSpec, col: str, value: float) -> int | float:
    """``value`` as the column stores it: a whole number for counts, 4 decimals for amounts."""
    column = spec.column(col)
    return int(round(value)) if column.integer else round(float(value), 4)


def check_value(spec: TableSpec, col: str, value: int | float) -> int | float:
    """A reviewer's value for a cell of ``col``, validated: ``ValueError`` says why it cannot be.

    >>> spec = get_template("gov2021").table("appeals")
    >>> check_value(spec, "total", 3.0), check_value(get_template("gov2021").table("art20_8"), "amount", 2.5)
    (3, 2.5)
    """
    column = spec.column(col)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a number: {value!r}")
    if column.integer and abs(value - round(value)) > TOL:
        raise ValueError(f"{col} holds whole numbers (got {value:g})")
    if column.lower_bound is not None and value < column.lower_bound:
        raise ValueError(f"{col} cannot be negative (got {value:g})")
    if abs(value) >= 1e12:
        raise ValueError(f"{value:g} is too large")
    return number_for(spec, col, value)


# -- the re-check --------------------------------------------------------------------------------------
def _variant(spec: TableSpec, rows: set[str], meta: dict[str, Any]) -> str | None:
    """The variant whose rows the report's cells hold (else the one ``meta`` names, else the default)."""
    for v in spec.variants:
        if {r.id for r in spec.active_rows(v)} == rows:
            return v
    named = (meta.get("variant") or {}).get(spec.id) if isinstance(meta.get("variant"), dict) else None
    return named if named in spec.variants else spec.default_variant


def _recheck_table(report: Report, spec: TableSpec, decided: set[Key], old: list[Issue]) -> list[Issue]:
    """Re-run one table's arithmetic trusting its verified cells; returns its rebuilt issues."""
    cells = {(c.row, c.col): c for c in report.cells if c.table == spec.id}
    variant = _variant(spec, {k[0] for k in cells}, report.meta)
    eqs = [e for e in spec.equations(variant) if all(k in cells for k in e.cells)]
    prior = {k: c.status for k, c in cells.items()}
    empty = {k for k, c in cells.items() if c.text == "" or (c.status == "blank" and (spec.id, *k) in decided)}
    known = {k: float(c.value) for k, c in cells.items() if c.status in ("read", "verified") and c.value is not None}
    # a reviewer's "printed blank" stands: it counts as nothing printed (0), never filled by the arithmetic
    kept_blank = {k for k, c in cells.items() if c.status == "blank" and (spec.id, *k) in decided}
    known.update({k: 0.0 for k in kept_blank})
    trusted = {k for k in known if cells[k].status == "verified" or k in kept_blank}
    unknown = [k for k in cells if k not in known]
    lower = {k: spec.column(k[1]).lower_bound for k in cells}
    # no read cell is corrected on the arithmetic's word here: with a reviewer at work, a read cell the
    # reviewed ones contradict is flagged (inconsistent) for them to look at
    res = analyse(eqs, known, unknown, lower)
    for k in unknown:
        c = cells[k]
        if k in res.fixed:
            c.value = number_for(spec, k[1], res.fixed[k])
            c.status = "corrected" if prior[k] == "corrected" else "inferred"
        elif c.status == "inferred":  # the arithmetic no longer fixes it: back to what was printed
            c.value = None
            c.status = "blank" if c.text == "" else "missing" if c.text is None else "masked"

    out: list[Issue] = []
    reuse = {tuple(map(tuple, i.cells)): i for i in old if i.kind in ("corrected", "masked", "missing")}
    for k, c in cells.items():
        if c.status == "corrected":
            prev = reuse.get(((k[0], k[1]),))
            out.append(prev if prev is not None and prev.kind == "corrected" else Issue(
                "corrected", spec.id, _("{cell}: read “{text}”, the table's arithmetic with the reviewed cells "
                                        "fixes it to {value}").format(cell=cell_label(spec, k), text=c.text,
                                                                      value=c.value), [list(k)]))
    needed = [k for k, v in res.fixed.items() if k in empty and abs(v) > 1e-9]
    if needed:
        names = "、".join(f"{cell_label(spec, k)} = {_fmt(cells[k].value)}" for k in needed)
        involved = set(needed) | {x for e in eqs if any(k in e.cells for k in needed) for x in e.cells}
        out.append(Issue("ambiguous", spec.id, _(
            "printed empty but the arithmetic with the reviewed cells needs {cells}: a number may be missing and "
            "the others in its row moved over").format(cells=names), [list(k) for k in sorted(involved - trusted)]))
    for eq in res.violated:
        blanks = [k for k in eq.cells if k in kept_blank]
        why = (_("; a reviewer found {cells} printed blank, which stands").format(
            cells="、".join(cell_label(spec, k) for k in blanks)) if blanks else "")
        out.append(Issue("inconsistent", spec.id, equation_text(spec, eq, {k: cells[k].value for k in eq.cells})
                         + why, [list(k) for k in eq.cells]))
    if res.violated:
        open_blanks = [list(k) for k, c in cells.items()
                       if c.status == "blank" and c.value is None and (spec.id, *k) not in decided]
        if open_blanks:
            out.append(Issue("unverified", spec.id, _(
                "{n} cell(s) printed empty cannot be confirmed by the arithmetic, which fails in this table").format(
                n=len(open_blanks)), open_blanks))
    for status, message in (("masked", _("{n} cell(s) redacted or not legible that the arithmetic cannot recover")),
                            ("missing", _("{n} cell(s) not found"))):
        keys = tuple((k[0], k[1]) for k, c in cells.items() if c.status == status)
        if keys:
            prev = reuse.get(keys)
            out.append(prev if prev is not None and prev.kind == status else
                       Issue(status, spec.id, message.format(n=len(keys)), [list(k) for k in keys]))
    return out


def _narrative_agrees(entry: dict[str, Any], value: float) -> bool:
    figure = float(entry["figure"])
    text = repr(entry["figure"])
    places = len(text.split(".", 1)[1]) if "." in text else 0
    return abs(round(value, places) - figure) <= 10 ** -places / 2 + TOL


def _update_narrative(report: Report, tables: set[str]) -> set[tuple[str, str]]:
    """Refresh ``table_value``/``agrees`` of prose figures on re-checked tables; returns the
    (quantity, cells) of those that now agree."""
    values = {c.key: c.value for c in report.cells}
    agree: set[tuple[str, str]] = set()
    for entry in report.narrative:
        keys = [tuple(k) for k in entry.get("cells") or [] if len(k) == 3]
        if not keys or not any(k[0] in tables for k in keys) or any(k not in values for k in keys):
            continue
        vals = [values[k] for k in keys]
        total = None if any(v is None for v in vals) else sum(float(v) for v in vals)  # type: ignore[arg-type]
        entry["table_value"] = None if total is None else (int(total) if total == int(total) else round(total, 4))
        if entry.get("agrees") is not None and total is not None:
            entry["agrees"] = _narrative_agrees(entry, total)
            if entry["agrees"]:
                agree.add((str(entry.get("quantity")), json.dumps([list(k[1:]) for k in keys])))
    return agree


def recheck(report: Report, tables: Iterable[str], decided: set[Key]) -> None:
    """Re-run the arithmetic of ``tables`` trusting verified cells and rebuild the issues (see the module)."""
    tables = set(tables)
    if report.template is None:
        return
    tpl = get_template(report.template)
    rebuilt: list[Issue] = []
    for spec in tpl.tables:
        if spec.id in tables and any(c.table == spec.id for c in report.cells):
            old = [i for i in report.issues if i.table == spec.id]
            rebuilt += _recheck_table(report, spec, decided, old)
    agree = _update_narrative(report, tables)
    kept: list[Issue] = []
    for i in report.issues:
        if i.kind == CONFLICT:
            continue  # rebuilt by the caller
        if i.table in tables and (i.kind in REBUILT or (i.kind == "ambiguous" and i.message.startswith(PRINTED_EMPTY))):
            continue
        cells = [rc for rc in i.cells if len(rc) != 2 or (i.table, rc[0], rc[1]) not in decided]
        if i.cells and not cells:
            continue  # every cell it named has been reviewed
        if i.kind == "narrative_mismatch" and any(json.dumps(cells) == c for _q, c in agree):
            continue
        message = i.message
        if len(cells) != len(i.cells):  # "12 cell(s) ..." -> the count left
            message = re.sub(r"^\d+(?= cell| 个)", str(len(cells)), message)
        kept.append(Issue(i.kind, i.table, message, cells, i.about, i.alternatives))
    report.issues = kept + rebuilt + [i for i in report.issues if i.kind == CONFLICT]


# -- decisions ---------------------------------------------------------------------------------------
def _conflict_issue(k: Key, d: Decision | None, seen: dict[str, Any], report_template: str | None = None) -> Issue:
    said = {"blank": _("found it printed blank"), "illegible": _("found it not legible")}.get(
        d.action if d else "", _("verified {value}").format(value=_fmt(d.value) if d else "?"))
    who = f" ({d.reviewer}, {d.time})" if d else ""
    read = _(", read “{text}”").format(text=seen.get("text")) if seen.get("text") not in (None, "") else ""
    try:
        name = cell_label(get_template(report_template).table(k[0]), (k[1], k[2])) if report_template else None
    except KeyError:
        name = None
    return Issue(CONFLICT, k[0], _("{cell}: a reviewer {said}{who}; a new extraction gives {value} ({status}{read}); "
                                   "the reviewed value stands").format(
        cell=name or f"{k[1]}.{k[2]}", said=said, who=who, value=_fmt(seen.get("value")), status=seen.get("status"),
        read=read), [[k[1], k[2]]])


def valid_decisions(report: Report, decisions: Sequence[Decision]) -> list[Decision]:
    """``decisions`` less those whose value the app would refuse (:func:`check_value`: a hand-edited
    ``corrections.jsonl`` holding 10**30 or -5), each left out with a warning naming the file."""
    tpl = get_template(report.template) if report.template else None
    have = {c.key for c in report.cells}
    out = []
    for d in decisions:
        if d.value is not None and tpl is not None and d.key in have:
            try:
                check_value(tpl.table(d.table), d.col, d.value)
            except (ValueError, KeyError) as exc:
                log.warning("%s: the decision on %s of %s (%s, %s) is not a value the cell can take (%s); ignored",
                            CORRECTIONS, _name(d.key), report.source, d.reviewer or "?", d.time or "?", exc)
                continue
        out.append(d)
    return out


def apply_decisions(report: Report, decisions: Sequence[Decision], *, fingerprint: str | None = None) -> bool:
    """Apply ``decisions`` (file order; the last one per cell is in force) to ``report`` in place.

    ``fingerprint``: the :func:`~govreport.verify.store.digest` of all the document's decisions; a report
    that already records it is left as it is. Returns whether the report changed.
    """
    if not decisions:
        return False
    review = dict(report.meta.get("review") or {})
    if fingerprint is not None and review.get("digest") == fingerprint:
        return False
    decisions = valid_decisions(report, decisions)  # a hand-edited value: warned about once, left out
    if not decisions:
        return False
    fresh = "review" not in report.meta
    cells = {c.key: c for c in report.cells}
    final = {k: d for k, d in latest(decisions).items() if k in cells}
    for k in latest(decisions):
        if k not in cells:
            log.warning("%s: a decision names %s, which this report does not have; ignored", report.source, _name(k))
    seen: dict[Key, list[float]] = {}
    for d in decisions:
        seen.setdefault(d.key, []).extend(v for v in (d.old_value, *d.seen) if v is not None)
    conflicts: dict[str, dict[str, Any]] = {}
    if fresh:  # a report that has not seen these decisions: does its reading disagree with them?
        for k, d in final.items():
            c = cells[k]
            if c.value is not None and not _same(c.value, d.value) and not any(_same(c.value, s) for s in seen[k]):
                conflicts[_name(k)] = {"value": c.value, "status": c.status, "text": c.text}
    else:
        conflicts = {n: v for n, v in (review.get("conflicts") or {}).items()
                     if isinstance(v, dict) and not any(_same(v.get("value"), s) for s in seen.get(_key(n), ()))}
    tpl = get_template(report.template) if report.template else None
    for k, d in final.items():
        c = cells[k]
        c.status = d.status
        c.value = None if d.value is None else (number_for(tpl.table(k[0]), k[2], d.value) if tpl else d.value)
    decided = {_key(n) for n in review.get("decided") or () if n.count(".") >= 2} | set(final)
    recheck(report, {k[0] for k in final}, decided)
    report.issues = [i for i in report.issues if i.kind != CONFLICT]
    report.issues += [_conflict_issue(_key(n), final.get(_key(n)), v, report.template)
                      for n, v in sorted(conflicts.items())]
    reviewers = set(review.get("reviewers") or ()) | {d.reviewer for d in decisions if d.reviewer}
    record: dict[str, Any] = {"decided": sorted(_name(k) for k in decided), "reviewers": sorted(reviewers),
                              "last": max([str(review.get("last") or "")] + [d.time for d in decisions])}
    if fingerprint is not None:
        record["digest"] = fingerprint
    if conflicts:
        record["conflicts"] = conflicts
    report.meta["review"] = record
    return True


def verify_cell(report: Report, table: str, row: str, col: str, value: int | float | None, *,
                reviewer: str | None = None, action: str | None = None) -> Cell:
    """One decision about one cell of an in-memory report (``Report.verify``); returns the cell.

    ``value=None`` marks the cell printed blank; ``action="illegible"`` marks it not legible.
    """
    cell = report.cell(table, row, col)
    action = action or ("blank" if value is None else "value")
    if value is not None and report.template:
        value = check_value(get_template(report.template).table(table), col, value)
    fields: dict[str, Any] = {"old_value": cell.value, "old_status": cell.status, "old_text": cell.text,
                              "source": report.source}
    if reviewer is not None:
        fields["reviewer"] = reviewer
    apply_decisions(report, [Decision.make("", table, row, col, action, value, **fields)])
    return cell


# -- a dataset folder ----------------------------------------------------------------------------------
def report_json_text(data: dict[str, Any]) -> str:
    """A report as JSON text, one cell (issue, prose figure) per line: readable, and written by the C
    encoder (``indent`` would take the pure-Python one, ten times slower on a scanned report).

    >>> print(report_json_text({"source": "x", "cells": [{"value": 1}, {"value": 2}], "issues": []}))
    {
      "source": "x",
      "cells": [
        {"value": 1},
        {"value": 2}
      ],
      "issues": []
    }
    """
    out = ["{"]
    items = list(data.items())
    for i, (k, v) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        name = json.dumps(k, ensure_ascii=False)
        if isinstance(v, list) and v:
            out.append(f"  {name}: [")
            out += [f"    {json.dumps(x, ensure_ascii=False)}{',' if j < len(v) - 1 else ''}" for j, x in enumerate(v)]
            out.append(f"  ]{comma}")
        else:
            out.append(f"  {name}: {json.dumps(v, ensure_ascii=False)}{comma}")
    out.append("}")
    return "\n".join(out)


def write_report_json(path: Path, data: dict[str, Any]) -> None:
    """Write a report JSON atomically (fsynced before the rename)."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        fh.write(report_json_text(data) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def apply_to_data(data: dict[str, Any], decisions: Sequence[Decision]) -> dict[str, Any]:
    """``data`` (a contract dict) with ``decisions`` applied; ``data`` itself when nothing changes."""
    if not decisions:
        return data
    report = Report.from_dict(data)
    if not apply_decisions(report, decisions, fingerprint=digest(decisions)):
        return data
    return report.to_dict()


def apply_file(path: Path, decisions: Sequence[Decision]) -> bool:
    """Apply ``decisions`` to the report JSON at ``path``; rewrite it if that changed anything."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s: cannot read (%s); its decisions wait", path, exc)
        return False
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return False
    new = apply_to_data(data, decisions)
    if new is data:
        return False
    try:
        write_report_json(path, new)
    except OutputError as exc:
        log.warning("%s", exc)
        return False
    return True


def apply_corrections(folder: str | os.PathLike[str], files: Iterable[Path],
                      store: CorrectionStore | None = None) -> int:
    """Bring every report JSON in ``files`` up to date with ``folder``'s ``corrections.jsonl``.

    Only documents with decisions are read; a report that already has them all is left alone.
    Returns how many files were rewritten.
    """
    store = store or CorrectionStore(folder)
    if not store.path.exists():
        return 0
    changed = 0
    with store.locked(exclusive=True) as fd:
        by_doc = store.by_doc(fd)
        for path in files:
            decisions = by_doc.get(doc_hash(path.stem))
            try:
                if decisions and apply_file(path, decisions):
                    changed += 1
            except (ValueError, KeyError, TypeError, AttributeError) as exc:  # a malformed JSON: left as it is
                log.warning("%s: not a valid report JSON (%s); reviewers' decisions not applied", path, exc)
    if changed:
        log.info("%s: applied reviewer decisions to %d report(s)", folder, changed)
    return changed


register_extension("verify", verify_cell)
