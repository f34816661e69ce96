"""The one result model shared by every input path: ``Report`` > cells and issues.

``Report.to_dict()`` is exactly the JSON contract (``shared/CONTRACT.md``); every exporter is
derived from it.

>>> r = Report(source="x.txt", template="gov2021")
>>> r.cells.append(Cell("appeals", "review", "total", value=3, status="read", text="3"))
>>> r.to_dict()["cells"][0]["value"]
3
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from govreport.types import CellRef

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Status = Literal["read", "blank", "masked", "inferred", "corrected", "missing", "verified"]
STATUSES: tuple[Status, ...] = get_args(Status)


@dataclass(slots=True)
class Cell:
    """One template cell. ``bbox`` is ``[x0, y0, x1, y1]`` (page pixels at ``meta.dpi``, or PDF
    points for a text layer); ``page`` is 1-based; both ``None`` for text input."""

    table: str
    row: str
    col: str
    value: int | float | None = None
    status: Status = "missing"
    text: str | None = None
    confidence: float | None = None
    page: int | None = None
    bbox: list[float] | None = None
    #: other values the reader's views read in the cell (not part of the contract: they become the
    #: alternatives of the cell's reading issue)
    others: tuple[int | float, ...] = field(default=(), compare=False, repr=False)

    @property
    def key(self) -> CellRef:
        return (self.table, self.row, self.col)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "row": self.row,
            "col": self.col,
            "value": self.value,
            "status": self.status,
            "text": self.text,
            "confidence": None if self.confidence is None else round(float(self.confidence), 4),
            "page": self.page,
            "bbox": None if self.bbox is None else [round(float(v), 1) for v in self.bbox],
        }


About = Literal["reading", "report"]

#: issue kinds that are always about the document itself, never about the tool's reading of it
REPORT_KINDS = frozenset({"narrative_mismatch", "empty_column"})


def default_about(kind: str) -> About:
    """What an issue of ``kind`` is about when its maker does not say: ``"report"`` for the kinds that
    only a document's own fault raises (and audit findings, whose kinds are not the reader's),
    ``"reading"`` for the reader's doubts (an ``inconsistent`` counts as one unless its maker says
    the source is exact).

    >>> default_about("ambiguous"), default_about("narrative_mismatch")
    ('reading', 'report')
    """
    return "report" if kind in REPORT_KINDS else "reading"


def open_decisions(issues: Iterable[Issue | dict[str, Any]]) -> int:
    """The decisions a reviewer has left on a report: its ``reading`` issues (a decision settles one,
    and it goes). Issues as :class:`Issue` or contract dicts.

    >>> open_decisions([{"kind": "ambiguous"}, {"kind": "inconsistent", "about": "report"}])
    1
    """
    n = 0
    for i in issues:
        if isinstance(i, dict):
            about = i.get("about") if i.get("about") in ("reading", "report") else default_about(str(i.get("kind")))
        else:
            about = i.about
        n += about == "reading"
    return n


@dataclass(slots=True)
class Alternative:
    """One way a ``reading`` issue may be settled: the cell values it sets (``[row, col, value]``;
    empty for "re-key this table") and why the tool weighed it."""

    values: list[list[Any]]
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"values": [list(v) for v in self.values], "why": self.why}


@dataclass(slots=True)
class Issue:
    """A problem worth a reviewer's eye. ``cells`` holds ``[row, col]`` pairs of ``table``;
    ``about`` says whether the tool doubts its reading (``"reading"``) or the document is at fault
    (``"report"``); ``alternatives`` (reading issues) are the settlements weighed, best first.

    >>> Issue("ambiguous", "appeals", "m", [["review", "total"]]).to_dict()["about"]
    'reading'
    """

    kind: str
    table: str | None
    message: str
    cells: list[list[str]] = field(default_factory=list)
    about: About | None = None
    alternatives: list[Alternative] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.about is None:
            self.about = default_about(self.kind)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "table": self.table, "message": self.message, "cells": self.cells,
                "about": self.about, "alternatives": [a.to_dict() for a in self.alternatives]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Issue:
        """The inverse of :meth:`to_dict` (files written before ``about`` existed get the default)."""
        alts = [Alternative([list(v) for v in a.get("values", [])], str(a.get("why", "")))
                for a in d.get("alternatives") or [] if isinstance(a, dict)]
        about = d.get("about") if d.get("about") in ("reading", "report") else None
        return cls(d["kind"], d.get("table"), d["message"], [list(x) for x in d.get("cells", [])], about, alts)


@dataclass(slots=True)
class Report:
    """A checked report. Build one with :func:`govreport.extract`."""

    source: str
    template: str | None
    meta: dict[str, Any] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    narrative: list[dict[str, Any]] = field(default_factory=list)
    #: the template's parts found in the text, with their prose (govreport.checks.parts); None: not looked for
    parts: list[dict[str, Any]] | None = None

    # -- lookup -----------------------------------------------------------------------------
    def cell(self, table: str, row: str, col: str) -> Cell:
        """The cell with these contract IDs (``KeyError`` if the template has no such cell)."""
        for c in self.cells:
            if c.table == table and c.row == row and c.col == col:
                return c
        raise KeyError((table, row, col))

    def value(self, table: str, row: str, col: str) -> int | float | None:
        return self.cell(table, row, col).value

    def __iter__(self) -> Iterator[Cell]:
        return iter(self.cells)

    @property
    def tables(self) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.cells:
            seen.setdefault(c.table, None)
        return list(seen)

    # -- contract ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The output contract as plain Python data (JSON-ready)."""
        out: dict[str, Any] = {
            "source": self.source,
            "template": self.template,
            "meta": dict(self.meta),
            "cells": [c.to_dict() for c in self.cells],
            "issues": [i.to_dict() for i in self.issues],
        }
        if self.narrative:
            out["narrative"] = list(self.narrative)
        if self.parts is not None:
            out["parts"] = list(self.parts)
        return out

    def to_json(self, indent: int | None = 2) -> str:
        """The contract as JSON text (a source name that is not UTF-8 as ``\\udcXX`` escapes:
        :mod:`govreport.names`)."""
        from govreport.names import json_dumps

        return json_dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_dict` output (e.g. a JSON file from a batch run)."""
        cells = [
            Cell(**{k: d.get(k) for k in ("table", "row", "col", "value", "status", "text",
                                           "confidence", "page", "bbox")})
            for d in data.get("cells", [])
        ]
        issues = [Issue.from_dict(i) for i in data.get("issues", [])]
        return cls(data.get("source", ""), data.get("template"), dict(data.get("meta", {})), cells,
                   issues, list(data.get("narrative", [])),
                   None if data.get("parts") is None else list(data["parts"]))

    # -- pandas -----------------------------------------------------------------------------
    def to_pandas(self) -> pd.DataFrame:
        """One row per template cell, with the contract's columns."""
        import pandas as pd

        cols = ["table", "row", "col", "value", "status", "text", "confidence", "page", "bbox"]
        return pd.DataFrame([c.to_dict() for c in self.cells], columns=cols)

    def table(self, name: str, what: Literal["value", "status", "text"] = "value") -> pd.DataFrame:
        """A DataFrame shaped like the printed table (rows x columns, contract IDs)."""
        import pandas as pd

        cells = [c for c in self.cells if c.table == name]
        if not cells:
            raise KeyError(f"no table {name!r} in this report (tables: {', '.join(self.tables)})")
        rows = list(dict.fromkeys(c.row for c in cells))
        cols = list(dict.fromkeys(c.col for c in cells))
        frame = pd.DataFrame(index=rows, columns=cols, dtype=object)
        for c in cells:
            frame.loc[c.row, c.col] = getattr(c, what)
        frame.index.name = name
        return frame

    def issue_cells(self) -> set[CellRef]:
        """Keys of every cell that some issue names."""
        out: set[CellRef] = set()
        for i in self.issues:
            for rc in i.cells:
                if i.table is not None and len(rc) == 2:
                    out.add((i.table, rc[0], rc[1]))
        return out

    # -- review -----------------------------------------------------------------------------
    def verify(self, table: str, row: str, col: str, value: int | float | None, *,
               reviewer: str | None = None) -> Cell:
        """Record a person's reading of one cell, as ``govreport verify`` does: the cell becomes
        ``verified`` with ``value`` (``text`` keeps what the tool read), and the table's arithmetic is
        re-run with it trusted (cells it then fixes become ``inferred``; issues it settles go).
        ``value=None`` says the cell is printed blank. Returns the cell.

        >>> r = Report("x", "gov2021", cells=[Cell("appeals", "review", c, v, "read", str(v))
        ...     for c, v in (("upheld", 1), ("corrected", 0), ("other", 0), ("pending", 0), ("total", 2))])
        >>> r.verify("appeals", "review", "upheld", 2).status, r.issues
        ('verified', [])
        """
        return _EXTENSIONS["verify"](self, table, row, col, value, reviewer=reviewer)

    # -- display ----------------------------------------------------------------------------
    def show(self, page: int, source_path: str | None = None) -> object:
        """The page image with every template cell outlined and coloured (for notebooks)."""
        return _EXTENSIONS["page"](self, page, source_path)

    def _repr_html_(self) -> str:
        return _EXTENSIONS["html"](self)

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for c in self.cells:
            counts[c.status] = counts.get(c.status, 0) + 1
        summary = ", ".join(f"{k}={counts[k]}" for k in STATUSES if k in counts)
        return (f"Report(source={self.source!r}, template={self.template!r}, cells={len(self.cells)} "
                f"[{summary}], issues={len(self.issues)})")


_EXTENSIONS: dict[str, Callable[..., Any]] = {}


def register_extension(name: str, function: Callable[..., Any]) -> None:
    """What the model's methods that need other packages call, registered by those packages when
    ``govreport`` is imported (so the model imports none of them): ``"html"`` (the tables coloured by
    status, for ``_repr_html_``) and ``"page"`` (one page with its cells outlined, for
    :meth:`Report.show`) by :mod:`govreport.output`; ``"verify"`` (:meth:`Report.verify`) by
    :mod:`govreport.verify`."""
    _EXTENSIONS[name] = function
