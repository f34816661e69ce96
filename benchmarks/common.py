"""Scoring shared by the benchmarks: a ``truth.json`` (``python -m govreport.synth``) against a
report (a :class:`govreport.report.Report` or its contract dict).

A cell is **correct** when it gives what the document holds:

- truth ``read``: the value is the printed one (any status that carries a value);
- truth ``blank`` (printed empty): status ``blank``, or the value 0;
- truth ``masked`` (redacted): status ``masked``, or the hidden value recovered by arithmetic.

A wrong cell is **silent** when its status is neither masked nor missing and no issue names it:
a reader would take it at face value. ``inferred`` and ``corrected`` claim the arithmetic fixed
the value, so a wrong one is silent too (the contract: inferred means trusted). That count must
stay at zero.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govreport.types import CellRef

FLAGGING = frozenset({"masked", "missing"})


def load_truth(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _key(c: dict[str, Any]) -> CellRef:
    return (c["table"], c["row"], c["col"])


def _same(a: Any, b: Any) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) < 1e-6


@dataclass
class DocScore:
    cells: int = 0
    correct: int = 0
    silent: int = 0  #: wrong and unflagged
    flagged: int = 0  #: wrong but flagged (status or issue)
    missing: int = 0  #: cells the report does not have, or gives as missing
    silent_examples: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.cells if self.cells else 0.0

    def __iadd__(self, o: DocScore) -> DocScore:
        self.cells += o.cells
        self.correct += o.correct
        self.silent += o.silent
        self.flagged += o.flagged
        self.missing += o.missing
        self.silent_examples += o.silent_examples
        return self


def score_report(report: Any, truth: dict[str, Any], examples: int = 5) -> DocScore:
    """Score one report (``Report`` or contract dict) against one truth dict."""
    data = report if isinstance(report, dict) else report.to_dict()
    got = {_key(c): c for c in data.get("cells", [])}
    flagged_keys: set[CellRef] = set()
    for issue in data.get("issues", []):
        for rc in issue.get("cells", []):
            if issue.get("table") and len(rc) == 2:
                flagged_keys.add((issue["table"], rc[0], rc[1]))
    hidden = {(h[0], h[1], h[2]): h[3] for h in truth.get("synth", {}).get("hidden", [])}
    s = DocScore()
    for want in truth["cells"]:
        key = _key(want)
        s.cells += 1
        c = got.get(key)
        if c is None or c.get("status") == "missing":
            s.missing += 1
            continue
        value, status = c.get("value"), c.get("status")
        if want["status"] == "read":
            ok = _same(value, want["value"])
        elif want["status"] == "blank":
            ok = status == "blank" or _same(value, 0)
        else:  # masked
            ok = status == "masked" or _same(value, hidden.get(key))
        if ok:
            s.correct += 1
        elif status in FLAGGING or key in flagged_keys:
            s.flagged += 1
        else:
            s.silent += 1
            if len(s.silent_examples) < examples:
                s.silent_examples.append(f"{'.'.join(key)}: got {value!r} ({status}), truth "
                                         f"{want['value'] if want['status'] == 'read' else want['status']}")
    return s


_NUM = re.compile(r"\d+(?:\.\d+)?")


def numbers_in(texts: list[str]) -> Counter[str]:
    """Every number token in some OCR'd text (NFKC, thousands separators dropped)."""
    out: Counter[str] = Counter()
    for t in texts:
        t = unicodedata.normalize("NFKC", t).replace(",", "")
        out.update(_NUM.findall(t))
    return out


def numbers_recovered(found: Counter[str], truth: dict[str, Any]) -> tuple[int, int]:
    """(printed value cells whose number appears among ``found``, printed value cells), as multisets."""
    want = Counter(c["text"] for c in truth["cells"] if c["status"] == "read" and c["text"])
    hit = sum(min(n, found.get(t, 0)) for t, n in want.items())
    return hit, sum(want.values())


# -- baselines: plain table grids mapped to template cells ------------------------------------
def norm_text(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    return "".join(ch for ch in s if not ch.isspace())


def cell_number(s: Any) -> int | float | str | None:
    """A table cell's number, None when empty, '?' when it holds something else."""
    if s is None or (isinstance(s, float) and s != s):
        return None
    t = norm_text(str(s)).replace(",", "")
    if not t:
        return None
    try:
        return int(t)
    except ValueError:
        try:
            return float(t)
        except ValueError:
            return "?"


def label_index(template: str, variant: str | None) -> list[tuple[str, str, list[str]]]:
    from govreport.models.template import get_template

    out: list[tuple[str, str, list[str]]] = []
    for t in get_template(template).tables:
        if t.id == "appeals":
            continue
        for r in t.active_rows(variant if t.id == "applications" else None):
            out.append((t.id, r.id, [norm_text(x) for x in r.labels]))
    return out


def map_grid_tables(grids: list[list[list[Any]]], truth: dict[str, Any]) -> dict[str, Any]:
    """Map plain table grids (rows of cell strings, merged cells repeated) to template cells as
    fairly as we can: each row to the template row whose label is most similar, its numbers to
    the template's columns in order; the appeals table by its one row of 15 numbers."""
    from govreport.models.template import get_template

    template = truth["template"]
    tpl = get_template(template)
    index = label_index(template, truth["synth"].get("variant"))
    best: dict[tuple[str, str], tuple[float, list[Any]]] = {}
    appeals: list[Any] | None = None
    for grid in grids:
        for row in grid:
            labels: list[str] = []
            for cell in row:
                if cell_number(cell) == "?" and norm_text(str(cell)) not in labels:
                    labels.append(norm_text(str(cell)))
            nums = [cell_number(c) for c in row]
            if not labels and sum(isinstance(v, int | float) for v in nums) >= 10 and len(nums) >= 15:
                appeals = nums[-15:]
                continue
            if not labels:
                continue
            text, last = "".join(labels), labels[-1]
            score, hit = 0.0, None
            for tid, rid, cands in index:
                for cand in cands:
                    r = max(difflib.SequenceMatcher(None, last, cand).ratio(),
                            difflib.SequenceMatcher(None, text, cand).ratio())
                    if r > score:
                        score, hit = r, (tid, rid)
            if hit is None or score < 0.5:
                continue
            ncols = len(tpl.table(hit[0]).columns)
            values = nums[-ncols:] if len(nums) > ncols else nums
            if len(values) == ncols and score > best.get(hit, (0.0, []))[0]:
                best[hit] = (score, values)
    found: dict[tuple[str, str, str], Any] = {}
    for (tid, rid), (_, values) in best.items():
        for col, v in zip(tpl.table(tid).columns, values, strict=True):
            found[(tid, rid, col.id)] = v
    if appeals is not None:
        cols = [c.id for c in tpl.table("appeals").columns]
        for i, rid in enumerate(("review", "direct_suit", "suit_after_review")):
            for j, col in enumerate(cols):
                found[("appeals", rid, col)] = appeals[i * 5 + j]
    cells = []
    for c in truth["cells"]:
        key = (c["table"], c["row"], c["col"])
        if key not in found:
            cells.append({**c, "value": None, "status": "missing", "text": None})
        else:
            v = found[key]
            cells.append({**c, "value": v if v != "?" else None,
                          "status": "blank" if v is None else "read", "text": None})
    return {"cells": cells, "issues": []}
