"""From a template match to cells and issues: placement, then the template's arithmetic.

matched rows -> placement -> cells -> arithmetic (infer, correct, or report) -> issues.
"""

from __future__ import annotations

import logging
import re

from govreport.i18n import _
from govreport.layout.tokens import AMOUNT_UNITS, Kind, Token, parse_number, printed_unit
from govreport.models.template import Equation, TableSpec, Template
from govreport.report import Alternative, Cell, Issue
from govreport.settings import ExtractSettings
from govreport.tables.glued import Memo, Split, prints_empty_cells, split_glued
from govreport.tables.match import Match, Unit
from govreport.tables.placement import Placement, place
from govreport.tables.solve import analyse, holds, solved_for
from govreport.tables.words import cell_label, col_label, equation_text, row_label, rows_text
from govreport.types import CellKey

log = logging.getLogger("govreport")

#: an amount (万元) this large with no unit printed is more likely 元 than 万元: flagged, not guessed
UNEXPLAINED_AMOUNT = 100_000
_HEADER_UNIT = re.compile(r"(?:单位[:：]?\s*|[(（]\s*)(亿元|万元|千元|元)")
MAX_VIEW_ALTERNATIVES = 2  #: values other views of a scanned cell read, offered per cell
DEEP_DOUBT = 0.5  #: readings this doubtful are set aside first, the merely doubtful only if needed
MIN_TITLES = 3  #: the template's table titles a text must print to be a report whose tables were not read
HEADER_ANCHORS = 3  #: column names found at consistent field positions before they anchor the columns
EMPTY_COLUMN_ROWS = 3  #: rows a column must be printed empty in before it is a column the report leaves empty


def _cell_from(table: str, key: CellKey, tok: Token | None, status: str) -> Cell:
    cell = Cell(table, key[0], key[1], status=status)
    if tok is not None:
        cell.text = tok.text
        cell.confidence = tok.confidence
        cell.page = tok.page
        cell.bbox = list(tok.bbox) if tok.bbox else None
        cell.others = tok.others
        if status == "read":
            cell.value = tok.value
    return cell


def _fmt(v: float | int | None) -> str:
    if v is None:
        return "?"
    return str(int(round(v))) if abs(v - round(v)) < 1e-9 else f"{v:g}"


def _eq_message(spec: TableSpec, eq: Equation, cells: dict[CellKey, Cell]) -> str:
    """A failing equation in words, with the cells' printed labels and values (a corrected cell's
    as it was read: the equation failed as printed)."""
    def printed(c: Cell) -> int | float | None:
        read = parse_number(c.text or "") if c.status == "corrected" else None
        return read if read is not None else c.value
    return equation_text(spec, eq, {k: printed(cells[k]) for k in eq.cells})


def _exact(cell: Cell) -> bool:
    """A cell taken from the document's own text (text layer, text file, Word, HTML), not from a
    recogniser's reading: its value is what the document prints."""
    return cell.confidence is None


def _printed_as_such(eq: Equation, cells: dict[CellKey, Cell], suspect: set[CellKey]) -> str:
    """``"report"`` when a failing equation runs through exact cells only, each placed for sure: the
    document prints the inconsistency (a finding about it); else ``"reading"`` (a misreading or a
    misplacement could explain it)."""
    for k in eq.cells:
        c = cells[k]
        if k in suspect or c.status not in ("read", "blank") or not _exact(c):
            return "reading"
    return "report"


def _is_total_column(eqs: list[Equation], col: str) -> bool:
    """Whether ``col`` is the total of its row's other cells (总计 = 自然人 + …)."""
    return any(len(e.lhs) == 1 and e.lhs[0][1] == col and len({k[0] for k in e.cells}) == 1 for e in eqs)


def _empty_columns(spec: TableSpec, eqs: list[Equation], cells: dict[CellKey, Cell], needed: list[CellKey],
                   suspect: set[CellKey]) -> dict[str, list[CellKey]]:
    """Columns the report leaves empty: column -> the cells printed empty in it that the arithmetic
    needs non-zero.

    A fact about the report, not a doubt about the reading, where the cells are the document's own
    text (never a recogniser's: a scan's empty column may be one cut off the page), placed for
    sure, the column is printed empty in at least :data:`EMPTY_COLUMN_ROWS` rows and in most of the
    table's rows, and the arithmetic needs at least two of its empty cells, in different rows,
    non-zero (one number lost from one row is a reading doubt, as before)."""
    out: dict[str, list[CellKey]] = {}
    rows = {k[0] for k in cells}
    for col in dict.fromkeys(k[1] for k in needed):
        need = [k for k in needed if k[1] == col]
        column = [cells[k] for k in cells if k[1] == col]
        empty = [c for c in column if c.status == "blank" and c.value is None]
        if (len(need) < 2 or len(empty) < EMPTY_COLUMN_ROWS or 2 * len(empty) < len(rows)
                or any(not _exact(c) or c.key[1:] in suspect for c in column if c.status in ("read", "blank"))):
            continue
        out[col] = need
    return out


def _empty_column_issue(spec: TableSpec, col: str, cells: dict[CellKey, Cell], needed: list[CellKey],
                        total_column: bool) -> Issue:
    """One finding about the report for a column it leaves empty (which column, which rows)."""
    empty_rows = [k[0] for k in cells if k[1] == col and cells[k].status == "blank" and cells[k].value is None]
    printed_rows = [k[0] for k in cells if k[1] == col and cells[k].status == "read"]
    if total_column:
        then = _("their values are filled in from each row's parts (inferred)")
    else:
        then = _("the arithmetic needs {cells} non-zero; they are kept as printed (blank)").format(
            cells="、".join(f"{row_label(spec, k[0])}" for k in needed))
    message = _("{table}: the column {col} is printed empty in {n} rows ({rows}), printed only in {printed}; "
                "{then}").format(table=spec.title, col=col_label(spec, col), n=len(empty_rows),
                                 rows=rows_text(spec, empty_rows),
                                 printed=rows_text(spec, printed_rows) if printed_rows else _("no row"), then=then)
    return Issue("empty_column", spec.id, message, [], about="report")


def _check_table(spec: TableSpec, variant: str | None, cells: dict[CellKey, Cell],
                 issues: list[Issue], low_confidence: float = 0.0, units: list[list[CellKey]] = (),
                 doubtful: set[CellKey] = frozenset(), suspect: set[CellKey] = frozenset()) -> set[CellKey]:
    """Run the table's arithmetic: infer, correct or report; ``units`` are the printed rows'
    cells (a number missing from one moves the rest of it); ``doubtful`` cells (digits that split
    more than one way) are neither trusted nor inferred: the equations through them are not used.
    ``suspect`` readings (placed with doubt) are checked but never trusted: a cell is inferred or
    corrected only where the equations over the other readings fix it. Returns the cells that
    only suspect readings would fix (left unfilled, for the caller to flag).

    The solve, the correction search and the issues they raise share the table's equations and
    the trust sets, so they stay one function"""
    eqs = spec.equations(variant)
    known = {k: float(c.value) for k, c in cells.items()
             if c.status == "read" and c.value is not None and k not in doubtful}
    unknown = [k for k, c in cells.items() if c.status in ("blank", "masked", "missing") and k not in doubtful]
    lower = _lower_bounds(spec, variant)
    tainted = {x for e in eqs if any(k in suspect for k in e.cells) for x in e.cells}
    # a number taken from a text layer, a text file or a Word/HTML cell is what the document prints:
    # never "corrected" (only a recogniser's reading can be a misreading)
    correctable = [k for k in known if spec.column(k[1]).integer and k not in tainted and not _exact(cells[k])]
    res = analyse(eqs, known, unknown, lower, correctable)
    fixed, violated = res.fixed, res.violated
    unsure: set[CellKey] = set()
    if suspect & set(known) and fixed:
        trusted = analyse(eqs, {k: v for k, v in known.items() if k not in suspect}, unknown, lower).fixed
        unsure = {k for k, v in fixed.items() if k not in trusted or abs(trusted[k] - v) > 1e-6}
        fixed = {k: v for k, v in fixed.items() if k not in unsure}
    if res.correction is not None:
        k, v = res.correction
        c = cells[k]
        c.status, c.value = "corrected", int(round(v))
        issues.append(Issue("corrected", spec.id,
                            _("{cell}: read “{text}”, the table's arithmetic fixes it to {value}").format(
                                cell=cell_label(spec, k), text=c.text, value=c.value),
                            [list(k)]))
    elif violated:
        fixed = _set_doubtful_aside(spec, cells, eqs, known, unknown, lower, low_confidence, issues,
                                    violated, correctable) or fixed
    printed_empty = [k for k, v in fixed.items() if cells[k].status == "blank" and abs(v) > 1e-9]
    left_empty = _empty_columns(spec, eqs, cells, printed_empty, suspect)
    explained: set[CellKey] = set()  # cells printed empty in a column the report leaves empty
    for col, needed in left_empty.items():
        total_column = _is_total_column(eqs, col)
        explained |= {k for k in cells if k[1] == col and cells[k].status == "blank"}
        if not total_column:  # a part the report did not break out stays as printed: blank
            for k in needed:
                fixed.pop(k, None)
        issues.append(_empty_column_issue(spec, col, cells, needed, total_column))
    printed_empty = [k for k in printed_empty if k not in explained]
    for k, v in fixed.items():
        c = cells[k]
        c.value = int(round(v)) if spec.column(k[1]).integer else round(v, 4)
        c.status = "inferred"
    if printed_empty:
        # a cell printed empty that the arithmetic needs non-zero: the document disagrees with
        # itself, or a number went missing and the rest of its printed row moved over by one
        names = "、".join(f"{cell_label(spec, k)} = {_fmt(cells[k].value)}" for k in printed_empty)
        # (with the equations of a cell corrected alongside: the correction may be the move)
        suspects = set(printed_empty) | {k for k, c in cells.items() if c.status == "corrected"}
        rows = {k for e in eqs if any(x in suspects for x in e.cells) for k in e.cells}
        rows |= {k for unit in units for k in unit if any(x in suspects for x in unit)}
        issues.append(Issue("ambiguous", spec.id, _(
            "printed empty but the arithmetic needs {cells}: a number may be missing and the others in its row "
            "moved over").format(cells=names), [list(k) for k in sorted(rows)]))
    for eq in violated:
        issues.append(Issue("inconsistent", spec.id, _eq_message(spec, eq, cells), [list(k) for k in eq.cells],
                            about=_printed_as_such(eq, cells, suspect)))
    # cells printed empty that the equations need non-zero but do not fix (two whole rows empty
    # where the balance needs them): as printed, with empty as 0, the equations fail
    for eq in eqs:
        if eq in violated:
            continue
        group = [cells[k] for k in eq.cells]
        empty = [c for c in group if c.status == "blank" and c.value is None]
        if not empty or any(c.value is None and c.status != "blank" for c in group):
            continue
        if any(c.key[1:] in explained for c in empty):
            continue  # a column the report leaves empty: said once, above
        lhs = sum(float(cells[k].value or 0) for k in eq.lhs)
        rhs = sum(float(cells[k].value or 0) for k in eq.rhs)
        if abs(lhs - rhs) > 1e-6:
            violated.append(eq)
            issues.append(Issue("inconsistent", spec.id, _eq_message(spec, eq, cells) + _(
                " (cells printed empty taken as 0: they may have lost their numbers)"), [list(k) for k in eq.cells]))
    if violated:
        # the arithmetic cannot vouch for anything in this table: cells left empty may have lost a number
        unverified = [list(k) for k, c in cells.items() if c.status == "blank" and c.value is None]
        if unverified:
            issues.append(Issue("unverified", spec.id, _(
                "{n} cell(s) printed empty cannot be confirmed by the arithmetic, which fails in this table").format(
                n=len(unverified)), unverified))
    return unsure


def _set_doubtful_aside(spec: TableSpec, cells: dict[CellKey, Cell], eqs: list[Equation],
                        known: dict[CellKey, float], unknown: list[CellKey],
                        lower: dict[CellKey, float | None], low_confidence: float,
                        issues: list[Issue], failing: list[Equation] = (), correctable: list[CellKey] = (),
                        ) -> dict[CellKey, float] | None:
    """A table whose arithmetic fails as read, retried with its low-confidence readings unknown.

    If the equations then hold, the cells they fix are filled in: a doubtful reading they fix to
    another whole number is ``corrected``, a masked or missing cell ``inferred``. The failing
    equations are reported as read (every cell in them flagged) unless :func:`_confirm` finds the
    corrections checked by a row and a column of sure cells. Returns the inferred cells, or
    ``None`` if setting the doubtful readings aside does not help.

    The deeply doubtful readings are set aside before the merely doubtful, and at each level
    first those the ``failing`` equations run through (fewer unknowns: the arithmetic fixes more
    of them), then all of them. With the deeply doubtful aside, one doubtful reading of the rest
    (of ``correctable``) may still be corrected, where it is the only one that can be and the
    arithmetic fixes its value.
    """
    in_failing = {k for eq in failing for k in eq.cells}
    res = None
    for level in (DEEP_DOUBT, low_confidence):
        below = [k for k in known if cells[k].confidence is not None and cells[k].confidence < level]
        first = [k for k in below if k in in_failing]
        for doubtful in (first, below) if first != below else (below,):
            if not doubtful:
                continue
            rest = {k: v for k, v in known.items() if k not in doubtful}
            res = analyse(eqs, rest, [*unknown, *doubtful], lower)
            if res.violated and level == DEEP_DOUBT:
                suspects = [k for k in rest if k in correctable and (cells[k].confidence or 0.0) < low_confidence]
                res = analyse(eqs, rest, [*unknown, *doubtful], lower, suspects) if suspects else res
            if not res.violated:
                break
        if res is not None and not res.violated:
            break
    else:
        return None
    if res.correction is not None:
        k, v = res.correction
        c = cells[k]
        c.status, c.value = "corrected", int(round(v))
        issues.append(Issue("corrected", spec.id,
                            _("{cell}: read “{text}” with confidence {confidence}; with the table's most doubtful "
                              "readings set aside its arithmetic fixes it to {value}").format(
                                cell=cell_label(spec, k), text=c.text, confidence=c.confidence, value=c.value),
                            [list(k)]))
    for k in doubtful:
        v = res.fixed.get(k)
        if v is None or abs(v - known[k]) < 1e-9 or (spec.column(k[1]).integer and abs(v - round(v)) > 1e-6):
            continue
        c = cells[k]
        c.status, c.value = "corrected", int(round(v)) if spec.column(k[1]).integer else round(v, 4)
        issues.append(Issue("corrected", spec.id,
                            _("{cell}: read “{text}” with confidence {confidence}; with the table's doubtful "
                              "readings set aside its arithmetic fixes it to {value}").format(
                                cell=cell_label(spec, k), text=c.text, confidence=c.confidence, value=c.value),
                            [list(k)]))
    return {k: v for k, v in res.fixed.items() if k in unknown}


def titles_printed(template: Template, text: str) -> bool:
    """Whether ``text`` prints enough of the template's table titles to be such a report even when
    its tables could not be read (text extracted column by column): then it is a report whose
    cells are all flagged, not "no report"."""
    from govreport.tables.labels import norm

    body = norm(text)
    found = sum(1 for t in template.tables if any(norm(a) in body for a in (t.title, *t.anchors) if len(norm(a)) >= 6))
    return found >= MIN_TITLES


def build_tables(match: Match, settings: ExtractSettings) -> tuple[list[Cell], list[Issue]]:
    """Each template table's cells and issues from the matched units: split glued runs, place the
    numbers, convert amounts, check the structure and the arithmetic, flag what stays in doubt.

    One pass per table whose steps hand each other the same cells, placement and doubt sets (which
    cells are suspect, ambiguous or assumed empty), so it stays one function."""
    out_cells: list[Cell] = []
    issues: list[Issue] = []
    tpl: Template = match.template
    by_table = [(spec, match.variants.get(spec.id), [u for u in match.units if u.table == spec.id])
                for spec in tpl.tables]
    memo: Memo = {}
    blanks = prints_empty_cells(by_table, memo)
    for spec, variant, table_units in by_table:
        split = split_glued(spec, variant, table_units, blanks, memo)
        units = split.units
        cells: dict[CellKey, Cell] = {k: Cell(spec.id, *k) for k in spec.cells(variant)}
        placement = place(spec, variant, units)
        misplaced = _header_positions(spec, variant, units, placement, match.headers.get(spec.id, []))
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
                                    _("{row}: the numbers {numbers} have no column").format(
                                        row=row_label(spec, unit.cells[0][0]), numbers="、".join(extra)),
                                    [list(k) for k in unit.cells]))
        _convert_amounts(spec, units, placement, cells, issues)
        _glued_issues(spec, split, cells, issues)
        suspect = _structure(spec, variant, units, placement, cells, issues)
        if misplaced:
            keys = sorted({k for u in misplaced for k in units[u].cells})
            suspect |= set(keys)
            issues.append(Issue("structure", spec.id, _(
                "{rows}: their numbers stand under other column names in the header rows than the columns their "
                "count of cells puts them in").format(rows=rows_text(spec, [units[u].cells[0][0] for u in misplaced])),
                [list(k) for k in keys]))
        suspect |= ambiguous
        # a reading the recogniser hardly believes (a fax's broken strokes: confidence near 0) is
        # checked, never trusted: nothing is inferred from it alone (merely doubtful readings, flagged
        # as such, still carry the arithmetic where it holds)
        shaky = {k for k, c in cells.items() if c.status == "read" and c.confidence is not None
                 and c.confidence < DEEP_DOUBT}
        unsure = _check_table(spec, variant, cells, issues, settings.low_confidence, [u.cells for u in units],
                              set(split.doubtful), suspect | shaky)
        if ambiguous or not shaky:
            ambiguous |= unsure
        elif unsure:
            issues.append(Issue("low_confidence", spec.id, _(
                "{n} cell(s) that only doubtful readings would fix are left open").format(n=len(unsure)),
                [list(k) for k in sorted(unsure)]))
        assumed = {key for blanks in placement.blanks for i, key in blanks if i is None}
        for key in unsure & assumed:  # taken to be empty by a placement in question: not known to be
            if cells[key].status == "blank":
                cells[key].status, cells[key].text = "missing", None
        for u in placement.flexible:
            # where a blank and a printed zero could trade places, the blank's status is a guess
            unit_cells = [cells[k] for k in units[u].cells]
            empty = [c for c in unit_cells if c.status == "blank" and c.value is None]
            zeros = [c for c in unit_cells if c.status == "read" and c.value == 0]
            if empty and zeros:
                ambiguous |= {c.key[1:] for c in empty + zeros}
        if ambiguous:
            # (values the arithmetic filled in only through cells in question are among them:
            # ``unsure``, from the arithmetic without the suspect readings)
            issues.append(Issue("ambiguous", spec.id,
                                _("the text does not say which columns these numbers are in, and more than one "
                                  "placement fits the arithmetic"), [list(k) for k in sorted(ambiguous)],
                                alternatives=_placements(spec, placement, cells, ambiguous)))
        confirmed = _confirm(spec, variant, cells, settings.low_confidence, issues)
        _status_issues(spec, cells, units, settings, issues, confirmed)
        out_cells.extend(cells.values())
    return out_cells, issues


#: issues around which a table's arithmetic may still confirm its readings (the cells they name
#: are set aside); any other (a placement or structure doubt) leaves every doubtful reading flagged
_SET_ASIDE = frozenset({"empty_column", "unplaced", "low_confidence", "corrected", "inconsistent"})


def _lower_bounds(spec: TableSpec, variant: str | None) -> dict[CellKey, float | None]:
    return {(r.id, c.id): c.lower_bound for r in spec.active_rows(variant) for c in spec.columns}


def _confirm(spec: TableSpec, variant: str | None, cells: dict[CellKey, Cell], low_confidence: float,
             issues: list[Issue]) -> set[CellKey]:
    """The doubtful readings (a recogniser's, under ``low_confidence``) that the table's arithmetic
    confirms, returned; and the ``inconsistent`` issues its confirmed corrections settle, dropped.

    A cell is confirmed where two equations through it (a row total and a column total) have every
    other cell sure, and each gives the cell the value it has; sure are the confident readings and
    the cells confirmed before (one at a time, until none is left to confirm). For a confirmed
    value to be wrong, a misreading in each of the two equations would have to offset its error:
    three errors, not two; a set of doubtful cells that could absorb one misreading between them
    confirms none of them. An equation that failed as read, runs through a correction and holds
    with its cells all sure is settled: the correction's own issue says what was read. Cells
    another issue questions (a row with a number too many, a cell only doubtful readings would
    fix) are never sure; a placement or structure doubt in the table confirms nothing."""
    mine = [i for i in issues if i.table == spec.id]
    if any(i.kind not in _SET_ASIDE for i in mine):
        return set()
    aside = {(rc[0], rc[1]) for i in mine if i.kind in ("unplaced", "low_confidence") for rc in i.cells
             if len(rc) == 2}
    low = {k for k, c in cells.items() if c.status in ("read", "blank") and c.confidence is not None
           and c.confidence < low_confidence}
    sure = {k: float(c.value or 0) for k, c in cells.items()  # (printed empty: 0)
            if ((c.status == "read" and c.value is not None) or c.status == "blank") and k not in low | aside}
    open_ = {k: float(c.value or 0) for k, c in cells.items() if k not in sure and k not in aside
             and c.status in ("read", "blank", "corrected", "inferred")
             and (c.value is not None or c.status == "blank")}
    if not open_:
        return set()
    eqs = spec.equations(variant)
    if not [i for i in mine if i.kind in ("corrected", "inconsistent")]:
        # the arithmetic holds as read: a doubtful reading the confident ones fix (all doubtful
        # readings set aside at once) is right unless several misreadings offset each other in
        # every equation through them (a rectangle of four)
        res = analyse(eqs, sure, [k for k in cells if k not in sure], _lower_bounds(spec, variant))
        if not res.violated:
            for k in [k for k in open_ if k in low and k in res.fixed]:
                if abs(res.fixed[k] - open_[k]) < 1e-9 and sum(k in e.cells for e in eqs) >= 2:
                    sure[k] = open_.pop(k)
    through: dict[CellKey, list[Equation]] = {}
    for e in eqs:
        for k in e.cells:
            through.setdefault(k, []).append(e)
    confirmed = True
    while confirmed:
        confirmed = False
        for k in list(open_):
            checks = [solved_for(e, k, sure) for e in through.get(k, [])]
            checks = [v for v in checks if v is not None]
            if len(checks) >= 2 and all(abs(v - open_[k]) < 1e-9 for v in checks):
                sure[k] = open_.pop(k)
                confirmed = True
    by_cells = {frozenset(e.cells): e for e in eqs}
    for i in mine:
        e = by_cells.get(frozenset((rc[0], rc[1]) for rc in i.cells if len(rc) == 2))
        if (i.kind == "inconsistent" and e is not None and all(k in sure for k in e.cells)
                and any(cells[k].status == "corrected" for k in e.cells)
                and holds([e], sure)):
            issues.remove(i)  # it failed as read and a confirmed correction settles it
    return {k for k in low if k in sure}


def weigh_alternatives(cells: list[Cell], issues: list[Issue]) -> None:
    """Every ``reading`` issue carries the settlements it weighed, best first: the values as the
    tool has them (a correction also as it was read; a scanned cell also as the reader's other views
    read it, where they disagree), then "re-key these cells" (``values: []``).
    A reviewer settles the issue by choosing one."""
    by_key = {(c.table, c.row, c.col): c for c in cells}
    for issue in issues:
        if issue.about != "reading" or issue.alternatives or issue.table is None:
            continue
        named = [by_key[(issue.table, r, c)] for r, c in (tuple(x) for x in issue.cells if len(x) == 2)
                 if (issue.table, r, c) in by_key]
        if named and all(c.value is not None or c.status == "blank" for c in named):
            issue.alternatives.append(Alternative([[c.row, c.col, c.value] for c in named], _("as the tool reads it")))
        if issue.kind == "corrected":
            read = [[c.row, c.col, parse_number(c.text or "")] for c in named if c.status == "corrected"]
            if read and all(v[2] is not None for v in read):
                issue.alternatives.append(Alternative(read, _("as printed, the arithmetic failing")))
        for c in named:  # where a scanned cell's views disagree: the values the others read
            for v in [v for v in c.others if v != c.value][:MAX_VIEW_ALTERNATIVES]:
                issue.alternatives.append(Alternative([[c.row, c.col, v]], _("as another view of the scan reads it")))
        issue.alternatives.append(Alternative([], _("re-key these cells from the document")))


def _placements(spec: TableSpec, placement: Placement, cells: dict[CellKey, Cell],
                doubted: set[CellKey]) -> list[Alternative]:
    """The placement chosen and the others that fit as well, each as the values it gives the cells it
    moves (``None``: printed empty); the cells the arithmetic filled in are left to the re-run."""
    def value(tok: Token | None) -> int | float | None:
        return tok.value if tok is not None and tok.kind is Kind.NUMBER else None

    moved = sorted({k for other in placement.alternatives for k in other})
    if not moved:
        return []
    chosen = Alternative([[k[0], k[1], cells[k].value if cells[k].status in ("read", "blank") else None]
                          for k in moved], _("the placement chosen: the numbers as counted in their rows"))
    out = [chosen]
    for other in placement.alternatives:
        values = [[k[0], k[1], value(other.get(k))] for k in moved]
        if values not in [a.values for a in out]:
            out.append(Alternative(values, _("another placement that fits the arithmetic as well")))
    return out if len(out) > 1 else []


def _anchor(spec: TableSpec, headers: list[Token]) -> int | None:
    """The field position of the table's first column, from the positions at which its column
    names (自然人, 商业企业, …) are printed in tab- or ``|``-separated header rows (``None``
    unless they all agree)."""
    from collections import Counter

    from govreport.tables.labels import norm

    names = [norm(c.label) for c in spec.columns]
    offsets: Counter[int] = Counter()
    for tok in headers:
        text = norm(tok.text)
        for j, name in enumerate(names):
            if text == name or (len(name) >= 4 and len(text) >= 4 and (text in name or name in text)):
                offsets[tok.pos - j] += 1  # type: ignore[operator]
    if len(offsets) != 1:  # none, or header rows that disagree among themselves: no anchor
        return None
    offset, count = offsets.most_common(1)[0]
    return offset if count >= min(HEADER_ANCHORS, len(names)) else None


def _header_positions(spec: TableSpec, variant: str | None, units: list[Unit], placement: Placement,
                      headers: list[Token]) -> list[int]:
    """Rows whose numbers stand, by their field positions, under other column names than the
    columns the placement put them in (a row that lost its trailing empty cells, or gained a
    leading one), where the header's reading is another placement that fits the evidence as well.

    The evidence is the table's arithmetic over its rows and columns together: where the header's
    reading satisfies more of the table's equations than the placement's, the row is placed by
    the header (and is no doubt); where it satisfies fewer, or puts numbers beyond the last column
    or two numbers in one column, the placement stands (no doubt either). Returns the rows where
    both fit as well: their doubt stands."""
    offset = _anchor(spec, headers) if spec.layout == "rows" else None
    if offset is None:
        return []
    n = len(spec.columns)
    eqs = spec.equations(variant)
    out = []
    for u, unit in enumerate(units):
        filled = [i for i, t in enumerate(unit.slots) if t.kind is not Kind.BLANK and t.pos is not None]
        placed = dict(placement.positions[u])
        if not filled or any(i not in placed for i in filled):
            continue
        by_header = {i: unit.slots[i].pos - offset for i in filled}  # type: ignore[operator]
        if all(by_header[i] == unit.cells.index(placed[i]) for i in filled):
            continue
        if not (all(0 <= c < n for c in by_header.values()) and len(set(by_header.values())) == len(filled)):
            continue  # the header's reading is no placement at all: the count's stands
        header_cells = {unit.cells[c]: unit.slots[i] for i, c in by_header.items()}
        as_placed = _table_values(units, placement.positions)
        alternative = dict(as_placed)
        for k in unit.cells:
            alternative.pop(k, None)
        alternative.update({k: t for k, t in header_cells.items()})
        if all(_number(as_placed.get(k)) == _number(alternative.get(k)) for k in unit.cells):
            continue  # zeros that trade places with empty cells: every value is the same either way
        kept, moved = _failing(eqs, as_placed), _failing(eqs, alternative)
        if moved < kept:
            placement.positions[u] = sorted((i, unit.cells[c]) for i, c in by_header.items())
            placement.blanks[u] = [(None, k) for k in unit.cells if k not in header_cells]
        elif moved == kept:
            out.append(u)
    return out


def _table_values(units: list[Unit], positions: list[list[tuple[int, CellKey]]]) -> dict[CellKey, Token]:
    """The table's printed tokens by cell, as ``positions`` places them."""
    return {key: units[u].slots[i] for u, pos in enumerate(positions) for i, key in pos}


def _number(tok: Token | None) -> float | None:
    """A printed cell's value, an empty or unprinted one as 0 (``None``: masked)."""
    if tok is None or tok.kind is not Kind.MASK:
        return float(tok.value or 0) if tok is not None and tok.kind is Kind.NUMBER else 0.0
    return None


def _failing(eqs: list[Equation], cells: dict[CellKey, Token]) -> int:
    """How many equations fail over these printed cells (an unprinted cell counts as empty: 0;
    equations through a masked cell are not counted)."""
    bad = 0
    for e in eqs:
        toks = [cells.get(k) for k in e.cells]
        if any(t is not None and t.kind is Kind.MASK for t in toks):
            continue

        def total(keys: tuple[CellKey, ...]) -> float:
            return sum(float(cells[k].value or 0) for k in keys if k in cells and cells[k].kind is Kind.NUMBER)

        bad += abs(total(e.lhs) - total(e.rhs)) > 1e-6
    return bad


def _structure(spec: TableSpec, variant: str | None, units: list[Unit], placement: Placement,
               cells: dict[CellKey, Cell], issues: list[Issue]) -> set[CellKey]:
    """Cells whose row or column the table's own layout puts in question (a ``structure`` issue
    names them); returns them.

    - A wide table (appeals) whose numbers come in runs between header words that are no whole
      rows (text extracted column by column): their order is in question.
    - A row showing more numbers than the table has columns holds numbers of other rows (text
      extracted column by column): no row or column of the table can be trusted, and cells the
      placement took to be empty are not known to be.
    - Rows with no readable label placed by their order alone, where the gap between matched
      neighbours has more template rows than such rows: another placement fits as well.
    """
    out: set[CellKey] = set()
    n = len(spec.columns)
    scattered = [u for u, unit in enumerate(units) if len(unit.parts) > 1 and any(p % n for p in unit.parts)]
    for u in scattered:  # a wide table's numbers in runs that are no whole rows: their order is in question
        keys = sorted(units[u].cells)
        out |= set(keys)
        issues.append(Issue("structure", spec.id, _(
            "the table's numbers are printed in runs of {runs} between its header words, not in whole rows: which "
            "cell each belongs to is in question").format(runs=", ".join(map(str, units[u].parts))),
            [list(k) for k in keys]))
    overflow = [u for u, extra in enumerate(placement.unplaced) if extra]
    if overflow and all(_cut_by_rules(units[u], len(placement.unplaced[u]), n) for u in overflow):
        # a scanned grid row with a number too many (a seal's ring read as a rule split a cell, a
        # stroke read as a digit): the rules keep other rows' numbers out of it, so the doubt is
        # the row's own, which its ``unplaced`` issue names
        row_keys: set[CellKey] = set()
        for u in overflow:
            row_keys |= set(units[u].cells)
            for i, key in placement.blanks[u]:
                if i is None and cells[key].status == "blank":
                    cells[key].status, cells[key].text = "missing", None
        return row_keys
    if overflow:
        every = set(cells)
        for blanks in placement.blanks:
            for i, key in blanks:
                if i is None and cells[key].status == "blank":  # assumed empty, not printed empty
                    cells[key].status, cells[key].text = "missing", None
        rows = rows_text(spec, [units[u].cells[0][0] for u in overflow])
        issues.append(Issue("structure", spec.id, _(
            "{rows}: more numbers than the table has columns: numbers of other rows are in them, so no row or "
            "column of the table is certain").format(rows=rows), [list(k) for k in sorted(every)]))
        return every
    order = [r.id for r in spec.active_rows(variant)]
    at = {u: order.index(unit.cells[0][0]) for u, unit in enumerate(units)
          if unit.cells and unit.cells[0][0] in order and spec.layout == "rows"}
    anchors = sorted(i for u, i in at.items() if not units[u].lost)
    lost = sorted(i for u, i in at.items() if units[u].lost)
    gap_rows: set[str] = set()
    for i in lost:
        lo = max([a for a in anchors if a < i], default=-1)
        hi = min([a for a in anchors if a > i], default=len(order))
        between = [x for x in lost if lo < x < hi]
        if hi - lo - 1 > len(between):
            gap_rows |= set(order[lo + 1:hi])
    if gap_rows:
        keys = {k for k in cells if k[0] in gap_rows}
        out |= keys
        issues.append(Issue("structure", spec.id, _(
            "rows printed without a readable label were placed by their order alone, and another placement fits as "
            "well"), [list(k) for k in sorted(keys)]))
    return out


def _cut_by_rules(unit: Unit, extra: int, columns: int) -> bool:
    """Whether a row's numbers were each read from a cell of a ruled grid (a recogniser's readings
    with their boxes on one line of the page) and it has fewer numbers too many than half a row:
    a row's cells split or a mark read as a number, not the numbers of other rows (as in text
    extracted column by column, or two rows merged where a rule was lost)."""
    slots = [t for t in unit.slots if t.kind is not Kind.BREAK]
    if not slots or 2 * extra >= columns:
        return False
    if any(t.confidence is None or t.bbox is None or t.page != slots[0].page for t in slots):
        return False
    tops, bottoms = [t.bbox[1] for t in slots], [t.bbox[3] for t in slots]  # type: ignore[index]
    return max(tops) < min(bottoms)  # every cell on the row's one band of the page


def _convert_amounts(spec: TableSpec, units: list[Unit], placement: Placement, cells: dict[CellKey, Cell],
                     issues: list[Issue]) -> None:
    """Amounts printed in another unit than the template's 万元 (in the cell, or in a header or
    label before the row: ``（单位：元）``) converted, the printed text kept; an amount no printed
    unit explains and too large for 万元 flagged."""
    for u, unit in enumerate(units):
        header = _HEADER_UNIT.findall(unit.label)
        for i, key in placement.positions[u]:
            tok = unit.slots[i]
            if spec.column(key[1]).integer or tok.kind is not Kind.NUMBER or tok.value is None:
                continue
            name = printed_unit(tok.text) or (header[-1] if header else None)
            cell = cells[key]
            if name is not None:
                cell.value = round(float(tok.value) * AMOUNT_UNITS[name], 6)
            elif abs(float(tok.value)) >= UNEXPLAINED_AMOUNT:
                issues.append(Issue("unit", spec.id, _(
                    "{cell} = {text} 万元 with no unit printed: too large for 万元, it may be in 元").format(
                    cell=cell_label(spec, key), text=tok.text), [list(key)]))


def _glued_issues(spec: TableSpec, split: Split, cells: dict[CellKey, Cell], issues: list[Issue]) -> None:
    """Cells whose digits, printed without separators, split more than one way: ``missing`` with
    an issue; rows no split of which satisfies the arithmetic: ``inconsistent``."""
    for key, text in split.doubtful.items():
        cells[key].status, cells[key].value, cells[key].text = "missing", None, text
    bad = {key for u in split.unsplittable for key in split.units[u].cells}
    for u in split.unsplittable:
        unit = split.units[u]
        digits = " ".join(t.text for t in unit.slots if t.kind is not Kind.BLANK)
        issues.append(Issue("inconsistent", spec.id, _(
            "{row}: no split of the digits “{digits}” into its {n} cells satisfies its arithmetic").format(
            row=row_label(spec, unit.cells[0][0]), digits=digits, n=len(unit.cells)), [list(k) for k in unit.cells]))
    open_cells = sorted(k for k in split.doubtful if k not in bad)
    if open_cells:
        alternatives = [Alternative([[k[0], k[1], choice.get(k)] for k in open_cells],
                                    _("one split of the digits {digits} that the arithmetic allows").format(
                                        digits=" ".join(dict.fromkeys(split.doubtful[k] for k in open_cells))))
                        for choice in split.choices if all(k in choice for k in open_cells)]
        issues.append(Issue("ambiguous", spec.id, _("digits printed without separators split into cells in more "
                                                    "than one way the arithmetic allows"),
                            [list(k) for k in open_cells], alternatives=alternatives))
    if split.inconsistent:
        glued = sorted({k for unit in split.units for k in unit.cells if unit.slots and k in cells})
        issues.append(Issue("inconsistent", spec.id, _(
            "no split of the digits printed without separators satisfies the table's arithmetic"),
            [list(k) for k in glued]))


def _status_issues(spec: TableSpec, cells: dict[CellKey, Cell], units: list, settings: ExtractSettings,
                   issues: list[Issue], confirmed: set[CellKey] = frozenset()) -> None:
    masked = [list(k) for k, c in cells.items() if c.status == "masked"]
    if masked:
        issues.append(Issue("masked", spec.id, _("{n} redacted cell(s) the arithmetic cannot recover").format(
            n=len(masked)), masked))
    missing = [list(k) for k, c in cells.items() if c.status == "missing"]
    if missing:
        msg = (_("table {title} not found").format(title=spec.title) if not units
               else _("{n} cell(s) not found").format(n=len(missing)))
        issues.append(Issue("missing", spec.id, msg, missing))
    low = [list(k) for k, c in cells.items()
           if c.status in ("read", "blank") and c.confidence is not None and c.confidence < settings.low_confidence
           and k not in confirmed]
    if low:
        issues.append(Issue("low_confidence", spec.id,
                            _("{n} cell(s) read (as a number or as empty) with confidence under {limit}").format(
                                n=len(low), limit=settings.low_confidence), low))
