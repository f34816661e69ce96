"""Flattened-text benchmark: generated reports in every text style with random damage, and the
same reports as real converters leave them.

    python benchmarks/bench_text.py --n 100                  # the flattening styles
    python benchmarks/bench_text.py --converters --n 30      # pdftotext, pdfminer, pandoc, ...

Prints, per style, cell accuracy (right = the true value, or honestly empty for a cell printed
blank, masked or deleted), cells flagged by an issue, silent wrong values, and seconds per
report (median, in-process; the CLI adds ~0.35 s of Python start-up and imports).

Per converter: cells right (the true value, or empty where the damage left the cell empty), wrong
but flagged (an issue names the cell, or it is masked or missing: a cell the converter's text does
not let us place counts here, not as right), silent wrong, and seconds per report for
``govreport.extract`` on the converted text (the conversion itself is not timed). Converters whose
tool is not installed are left out.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass

import govreport
from govreport.report import Report
from govreport.synth.convert import CONVERTERS, available, convert, damaged
from govreport.synth.flatten import STYLES, Damage, flatten
from govreport.synth.printed import printed_document
from govreport.synth.score import Score, score
from govreport.synth.truth import random_truth
from govreport.types import CellRef as Key


@dataclass
class Strict:
    """Right, wrong but flagged (missing included), silent; a cell the report lacks is missing."""

    cells: int = 0
    right: int = 0
    flagged: int = 0
    silent: int = 0

    def add(self, report: Report, truth: dict[Key, int | float], unreadable: set[Key]) -> None:
        got = {c.key: c for c in report.cells}
        named = report.issue_cells()
        for key, want in truth.items():
            self.cells += 1
            c = got.get(key)
            if c is not None and ((c.value is not None and abs(float(c.value) - float(want)) < 1e-6)
                                  or (c.value is None and key in unreadable and c.status != "missing")):
                self.right += 1
            elif c is None or c.status in ("masked", "missing") or key in named:
                self.flagged += 1
            else:
                self.silent += 1


def styles(n: int, clean: bool) -> None:
    totals: dict[str, Score] = defaultdict(Score)
    times: dict[str, list[float]] = defaultdict(list)
    for seed in range(n):
        rng = random.Random(seed)
        truth = random_truth(rng.choice(["gov2021", "gov2019"]), rng=rng)
        doc = printed_document(truth)
        damage = Damage() if clean else Damage.random(doc, rng)
        for style in STYLES:
            text, _ = flatten(doc, style, damage, seed=seed)
            t0 = time.perf_counter()
            report = govreport.extract(text)
            times[style].append(time.perf_counter() - t0)
            totals[style] += score(report, truth.values, damage.masked | damage.blank_zero | damage.deleted)
    print(f"{n} generated reports per style ({'clean' if clean else 'random damage'}), "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}\n")
    print("| style | cells | right | flagged | silent wrong | s/report (median) |")
    print("|---|---:|---:|---:|---:|---:|")
    for style in STYLES:
        s = totals[style]
        print(f"| {style} | {s.total} | {s.accuracy:.2%} | {s.flagged} | {len(s.silent)} | "
              f"{statistics.median(times[style]):.3f} |")


def converters(n: int, clean: bool, names: list[str]) -> None:
    totals: dict[str, Strict] = defaultdict(Strict)
    times: dict[str, list[float]] = defaultdict(list)
    names = [name for name in names if available(name)]
    for seed in range(n):
        rng = random.Random(seed)
        truth = random_truth(rng.choice(["gov2021", "gov2019"]), rng=rng)
        doc = printed_document(truth)
        damage = Damage() if clean else Damage.random(doc, rng)
        printed = damaged(doc, damage, seed)
        for name in names:
            text = convert(printed, name)
            t0 = time.perf_counter()
            report = govreport.extract(text)
            times[name].append(time.perf_counter() - t0)
            totals[name].add(report, truth.values, damage.masked | damage.blank_zero | damage.deleted)
    print(f"{n} generated reports per converter ({'clean' if clean else 'random damage'}), "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}\n")
    print("| converter | cells | right | wrong, flagged | silent wrong | s/report (median) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        s = totals[name]
        print(f"| {name} | {s.cells} | {s.right / s.cells:.2%} | {s.flagged} | {s.silent} | "
              f"{statistics.median(times[name]):.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="reports per style or converter")
    ap.add_argument("--clean", action="store_true", help="no damage")
    ap.add_argument("--converters", action="store_true", help="the converter family instead of the styles")
    ap.add_argument("--only", nargs="*", default=list(CONVERTERS), help="converters to run (default: all)")
    args = ap.parse_args()
    if args.converters:
        converters(args.n, args.clean, args.only)
    else:
        styles(args.n, args.clean)


if __name__ == "__main__":
    main()
