"""From a template match to cells and issues: placement, then the template's arithmetic.

matched rows -> placement -> cells -> arithmetic (infer, correct, or report) -> issues.
"""

from __future__ import annotations

import logging

from govreport.layout.tokens import Kind, Token
from govreport.models.template import Equation, TableSpec, Template
from govreport.report import Cell, Issue
from govreport.settings import ExtractSettings
from govreport.tables.match import Match
from govreport.tables.placement import place
from govreport.tables.solve import analyse
from govreport.types import CellKey

log = logging.getLogger("govreport")


def _cell_from(table: str, key: CellKey, tok: Token | None, status: str) -> Cell:
    cell = Cell(table, key[0], key[1], status=status)
    if tok is not None:
        cell.text = tok.text
        cell.confidence = tok.confidence
        cell.page = tok.page
        cell.bbox = list(tok.bbox) if tok.bbox else None
        if status == "read":
            cell.value = tok.value
    return cell


def _fmt(v: float | int | None) -> str:
    if v is None:
        return "?"
    return str(int(round(v))) if abs(v - round(v)) < 1e-9 else f"{v:g}"


def _eq_message(eq: Equation, cells: dict[CellKey, Cell]) -> str:
    def side(keys: tuple[CellKey, ...]) -> tuple[str, float]:
        same_row = len({k[0] for k in eq.cells}) == 1
        names = "+".join(k[1] if same_row else k[0] for k in keys)
        total = sum(float(cells[k].value or 0) for k in keys)
        return names, total

    ln, lv = side(eq.lhs)
    rn, rv = side(eq.rhs)
    return f"{eq.name}: {rn} = {_fmt(rv)}, {ln} printed {_fmt(lv)}"


def _check_table(spec: TableSpec, variant: str | None, cells: dict[CellKey, Cell],
                 issues: list[Issue], low_confidence: float = 0.0, units: list[list[CellKey]] = ()) -> None:
    """Run the table's arithmetic: infer, correct or report; ``units`` are the printed rows'
    cells (a number missing from one moves the rest of it)."""
    eqs = spec.equations(variant)
    known = {k: float(c.value) for k, c in cells.items() if c.status == "read" and c.value is not None}
    unknown = [k for k, c in cells.items() if c.status in ("blank", "masked", "missing")]
    lower = {(r.id, c.id): c.lower_bound for r in spec.active_rows(variant) for c in spec.columns}
    correctable = [k for k in known if spec.column(k[1]).integer]
    res = analyse(eqs, known, unknown, lower, correctable)
    fixed, violated = res.fixed, res.violated
    if res.correction is not None:
        k, v = res.correction
        c = cells[k]
        c.status, c.value = "corrected", int(round(v))
        issues.append(Issue("corrected", spec.id,
                            f"{k[0]}.{k[1]}: read {c.text!r}, the table's arithmetic fixes it to {c.value}",
                            [list(k)]))
    elif violated:
        fixed = _set_doubtful_aside(spec, cells, eqs, known, unknown, lower, low_confidence, issues) or fixed
    printed_empty = [k for k, v in fixed.items() if cells[k].status == "blank" and abs(v) > 1e-9]
    for k, v in fixed.items():
        c = cells[k]
        c.value = int(round(v)) if spec.column(k[1]).integer else round(v, 4)
        c.status = "inferred"
    if printed_empty:
        # a cell printed empty that the arithmetic needs non-zero: the document disagrees with
        # itself, or a number went missing and the rest of its printed row moved over by one
        names = ", ".join(f"{k[0]}.{k[1]} = {_fmt(cells[k].value)}" for k in printed_empty)
        # (with the equations of a cell corrected alongside: the correction may be the move)
        suspects = set(printed_empty) | {k for k, c in cells.items() if c.status == "corrected"}
        rows = {k for e in eqs if any(x in suspects for x in e.cells) for k in e.cells}
        rows |= {k for unit in units for k in unit if any(x in suspects for x in unit)}
        issues.append(Issue("ambiguous", spec.id, f"printed empty but the arithmetic needs {names}: a number may "
                            "be missing and the others in its row moved over", [list(k) for k in sorted(rows)]))
    for eq in violated:
        issues.append(Issue("inconsistent", spec.id, _eq_message(eq, cells), [list(k) for k in eq.cells]))
    if violated:
        # the arithmetic cannot vouch for anything in this table: cells left empty may have lost a number
        unverified = [list(k) for k, c in cells.items() if c.status == "blank" and c.value is None]
        if unverified:
            issues.append(Issue("unverified", spec.id, f"{len(unverified)} cell(s) printed empty cannot be confirmed "
                                "by the arithmetic, which fails in this table", unverified))


DEEP_DOUBT = 0.5  #: readings this doubtful are set aside first, the merely doubtful only if needed


def _set_doubtful_aside(spec: TableSpec, cells: dict[CellKey, Cell], eqs: list[Equation],
                        known: dict[CellKey, float], unknown: list[CellKey],
                        lower: dict[CellKey, float | None], low_confidence: float,
                        issues: list[Issue]) -> dict[CellKey, float] | None:
    """A table whose arithmetic fails as read, retried with its low-confidence readings unknown.

    If the equations then hold, the cells they fix are filled in: a doubtful reading they fix to
    another whole number is ``corrected``, a masked or missing cell ``inferred``. The failing
    equations are still reported as read, so every cell in them stays flagged. Returns the
    inferred cells, or ``None`` if setting the doubtful readings aside does not help.
    """
    # the least doubtful readings are kept if the arithmetic holds without them
    for level in (DEEP_DOUBT, low_confidence):
        doubtful = [k for k in known if cells[k].confidence is not None and cells[k].confidence < level]
        if not doubtful:
            continue
        rest = {k: v for k, v in known.items() if k not in doubtful}
        res = analyse(eqs, rest, [*unknown, *doubtful], lower)
        if not res.violated and res.correction is None:
            break
    else:
        return None
    for k in doubtful:
        v = res.fixed.get(k)
        if v is None or abs(v - known[k]) < 1e-9 or (spec.column(k[1]).integer and abs(v - round(v)) > 1e-6):
            continue
        c = cells[k]
        c.status, c.value = "corrected", int(round(v)) if spec.column(k[1]).integer else round(v, 4)
        issues.append(Issue("corrected", spec.id,
                            f"{k[0]}.{k[1]}: read {c.text!r} with confidence {c.confidence}; with the table's "
                            f"doubtful readings set aside its arithmetic fixes it to {c.value}", [list(k)]))
    return {k: v for k, v in res.fixed.items() if k in unknown}


def build_tables(match: Match, settings: ExtractSettings) -> tuple[list[Cell], list[Issue]]:
    out_cells: list[Cell] = []
    issues: list[Issue] = []
    tpl: Template = match.template
    for spec in tpl.tables:
        variant = match.variants.get(spec.id)
        units = [u for u in match.units if u.table == spec.id]
        cells: dict[CellKey, Cell] = {k: Cell(spec.id, *k) for k in spec.cells(variant)}
        placement = place(spec, variant, units)
        ambiguous: set[CellKey] = set()
        for u, unit in enumerate(units):
            for i, key in placement.positions[u]:
                tok = unit.slots[i]
                cells[key] = _cell_from(spec.id, key, tok, "read" if tok.kind is Kind.NUMBER else "masked")
            for i, key in placement.blanks[u]:
                cells[key] = _cell_from(spec.id, key, unit.slots[i] if i is not None else None, "blank")
                cells[key].text = cells[key].text or ""
            ambiguous |= placement.ambiguous[u]
            if placement.unplaced[u]:
                extra = [unit.slots[i].text for i in placement.unplaced[u]]
                issues.append(Issue("unplaced", spec.id,
                                    f"row {unit.cells[0][0]}: numbers {', '.join(extra)} have no column",
                                    [list(k) for k in unit.cells]))
        _check_table(spec, variant, cells, issues, settings.low_confidence, [u.cells for u in units])
        for u in placement.flexible:
            # where a blank and a printed zero could trade places, the blank's status is a guess
            unit_cells = [cells[k] for k in units[u].cells]
            empty = [c for c in unit_cells if c.status == "blank" and c.value is None]
            zeros = [c for c in unit_cells if c.status == "read" and c.value == 0]
            if empty and zeros:
                ambiguous |= {c.key[1:] for c in empty + zeros}
        if ambiguous:
            # values the arithmetic filled in rest on the placement chosen: they are as uncertain
            ambiguous |= {k for k, c in cells.items() if c.status == "inferred"}
            issues.append(Issue("ambiguous", spec.id,
                                "the text does not say which columns these numbers are in, and more than one "
                                "placement fits the arithmetic", [list(k) for k in sorted(ambiguous)]))
        _status_issues(spec, cells, units, settings, issues)
        out_cells.extend(cells.values())
    return out_cells, issues


def _status_issues(spec: TableSpec, cells: dict[CellKey, Cell], units: list, settings: ExtractSettings,
                   issues: list[Issue]) -> None:
    masked = [list(k) for k, c in cells.items() if c.status == "masked"]
    if masked:
        issues.append(Issue("masked", spec.id, f"{len(masked)} redacted cell(s) the arithmetic cannot recover",
                            masked))
    missing = [list(k) for k, c in cells.items() if c.status == "missing"]
    if missing:
        msg = (f"table {spec.id} ({spec.title}) not found" if not units
               else f"{len(missing)} cell(s) not found")
        issues.append(Issue("missing", spec.id, msg, missing))
    low = [list(k) for k, c in cells.items()
           if c.status in ("read", "blank") and c.confidence is not None and c.confidence < settings.low_confidence]
    if low:
        issues.append(Issue("low_confidence", spec.id,
                            f"{len(low)} cell(s) read (as a number or as empty) with confidence under "
                            f"{settings.low_confidence}", low))
