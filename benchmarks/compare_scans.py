"""Scans read by two source trees, side by side in one run: accuracy, silent, flagged, CPU s/page.

    python benchmarks/compare_outputs.py scans --before /path/to/old/tree            # every corpus
    python benchmarks/compare_outputs.py scans --before OLD --corpora office,poor --n 2

Every scan corpus this checkout can generate is read by ``govreport extract FILE --json`` of both
trees (``--before``: another checkout, e.g. ``git worktree add --detach /tmp/old COMMIT``; after:
this checkout), each document by the two trees one after the other, so that both run under the
same load. Corpora (generated once, cached under ``benchmarks/_work/`` as ``bench_scan.py`` and
``bench_offices.py`` make them):

- ``office``, ``poor``: ``bench_scan.py``'s generated scans (seeds 1000 up);
- ``attacks``: poor scans with one adversarial edit each (``govreport.synth.adversarial.ATTACKS``:
  boxes over rules, headers, labels, seals over labels and headers, split rows);
- ``forms``: ``bench_offices.py``'s forms that need OCR (phone photos, faxes, pictures in PDFs, a
  wrong text layer, an image folder), seeds 2000 up.

Per corpus and tree it prints cells right, silent (wrong and named by no issue), flagged cells (a
status or an issue asks a person to look: the review load) of which false alarms (flagged but
right), documents that failed, and CPU seconds per page (the child's own, ``os.wait4``). Exit 1
when the after tree is worse on any corpus in accuracy, silent or flagged cells; CPU is printed,
not judged (a shared machine's noise is ~10%).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from common import FLAGGING, DocScore, load_truth, score_report  # noqa: E402

CORPORA = ("office", "poor", "attacks", "forms")
OCR_FORMS = ("photo", "fax_standard", "fax_fine", "fax_photocopy", "picture_screenshot1x", "picture_jpeg",
             "picture_scan_parts", "wrong_layer", "image_folder")


@dataclass
class Side:
    """One tree's results on one corpus."""

    score: DocScore = field(default_factory=DocScore)
    flagged: int = 0  #: cells a status or an issue asks a person to look at
    false_alarms: int = 0  #: ... of which the tool had right
    failed: int = 0
    cpu: float = 0.0
    pages: int = 0
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)


def documents(corpus: str, n: int) -> list[tuple[str, Path, Path]]:
    """(name, what to read, its truth) for ``corpus``, generated once."""
    if corpus in ("office", "poor", "attacks"):
        from bench_scan import make_docs

        from govreport.synth.adversarial import ATTACKS

        if corpus == "attacks":
            docs = make_docs(len(ATTACKS), "poor", 1000, "each")
            return [(f"attack_{ATTACKS[i]}", p, t) for i, (p, t) in enumerate(docs)]
        return [(f"{corpus}_{p.parent.name}", p, t) for p, t in make_docs(n, corpus, 1000)]
    from bench_offices import make_doc

    out = []
    for form in OCR_FORMS:
        for i in range(n):
            target, truth = make_doc(form, 2000 + i)
            out.append((f"{form}_{2000 + i}", target, truth))
    return out


def read(tree: Path, target: Path) -> tuple[dict[str, Any] | None, float]:
    """(the contract JSON or None, the child's CPU seconds) of ``govreport extract`` in ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "GOVREPORT_LANG": "en"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "govreport.cli", "extract", str(target), "--json"],
                                stdout=out, stderr=err, env=env, cwd=tree)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        try:
            data = json.loads(out.read().decode("utf-8")) if proc.returncode == 0 else None
        except json.JSONDecodeError:
            data = None
    return data, usage.ru_utime + usage.ru_stime


def add(side: Side, name: str, data: dict[str, Any] | None, truth: dict[str, Any], cpu: float) -> None:
    side.cpu += cpu
    side.pages += truth["meta"].get("pages") or 1
    if data is None:
        side.failed += 1
        side.score += DocScore(cells=len(truth["cells"]), missing=len(truth["cells"]))
        return
    side.reports[name] = data
    side.score += score_report(data, truth)
    named = {(i["table"], rc[0], rc[1]) for i in data.get("issues", []) if i.get("table")
             for rc in i.get("cells", []) if len(rc) == 2}
    got = {(c["table"], c["row"], c["col"]): c for c in data.get("cells", [])}
    for want in truth["cells"]:
        key = (want["table"], want["row"], want["col"])
        c = got.get(key)
        if c is None or not (c.get("status") in FLAGGING or key in named):
            continue
        side.flagged += 1
        if score_report({**data, "cells": [c], "issues": []}, {**truth, "cells": [want]}).correct:
            side.false_alarms += 1


def changed(before: Side, after: Side) -> int:
    """Cells whose (value, status) differ between the trees, over the documents both read."""
    n = 0
    for name in before.reports.keys() & after.reports.keys():
        a = {(c["table"], c["row"], c["col"]): (c.get("value"), c.get("status")) for c in before.reports[name]["cells"]}
        b = {(c["table"], c["row"], c["col"]): (c.get("value"), c.get("status")) for c in after.reports[name]["cells"]}
        n += sum(1 for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    return n


def _row(corpus: str, tree: str, s: Side, docs: int) -> str:
    return (f"| {corpus} ({docs} docs, {s.pages} pages) | {tree} | {s.score.correct}/{s.score.cells} "
            f"({s.score.accuracy:.1%}) | {s.score.silent} | {s.flagged} ({s.flagged / max(1, docs):.1f}/doc) "
            f"| {s.false_alarms} | {s.failed} | {s.cpu / max(1, s.pages):.2f} |")


def compare(before_tree: Path, corpora: list[str], n: int, n_forms: int) -> int:
    print(f"before: {before_tree}\nafter:  {ROOT}\nmachine: {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}\n")
    print("| corpus | tree | cells right | silent | flagged cells | false alarms | failed | CPU s/page |")
    print("|---|---|---|---|---|---|---|---|")
    worse = []
    t0 = time.perf_counter()
    for corpus in corpora:
        docs = documents(corpus, n_forms if corpus == "forms" else n)
        before, after = Side(), Side()
        for name, target, truth_path in docs:
            truth = load_truth(truth_path)
            for side, tree in ((before, before_tree), (after, ROOT)):
                data, cpu = read(tree, target)
                add(side, name, data, truth, cpu)
        print(_row(corpus, "before", before, len(docs)))
        print(_row(corpus, "after", after, len(docs)))
        print(f"| {corpus} | cells changed | {changed(before, after)} | | | | | |", flush=True)
        if (after.score.correct < before.score.correct or after.score.silent > before.score.silent
                or after.flagged > before.flagged):
            worse.append(corpus)
    print(f"\n{time.perf_counter() - t0:.0f} s; " + (f"after is worse on: {', '.join(worse)}" if worse
                                                      else "after is not worse on any corpus"))
    return 1 if worse else 0
