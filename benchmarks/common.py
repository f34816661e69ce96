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
