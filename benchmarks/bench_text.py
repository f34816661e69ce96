"""Flattened-text benchmark: generated reports in every text style with random damage.

    python benchmarks/bench_text.py --n 100

Prints, per style, cell accuracy (right = the true value, or honestly empty for a cell printed
blank, masked or deleted), cells flagged by an issue, silent wrong values, and seconds per
report (median, in-process; the CLI adds ~0.35 s of Python start-up and imports).
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections import defaultdict

import govreport
from govreport.synth.flatten import STYLES, Damage, flatten
from govreport.synth.printed import printed_document
from govreport.synth.score import Score, score
from govreport.synth.truth import random_truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="reports per style")
    ap.add_argument("--clean", action="store_true", help="no damage")
    args = ap.parse_args()
    totals: dict[str, Score] = defaultdict(Score)
    times: dict[str, list[float]] = defaultdict(list)
    for seed in range(args.n):
        rng = random.Random(seed)
        truth = random_truth(rng.choice(["gov2021", "gov2019"]), rng=rng)
        doc = printed_document(truth)
        damage = Damage() if args.clean else Damage.random(doc, rng)
        for style in STYLES:
            text, _ = flatten(doc, style, damage, seed=seed)
            t0 = time.perf_counter()
            report = govreport.extract(text)
            times[style].append(time.perf_counter() - t0)
            totals[style] += score(report, truth.values, damage.masked | damage.blank_zero | damage.deleted)
    print(f"{args.n} generated reports per style ({'clean' if args.clean else 'random damage'}), "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}\n")
    print("| style | cells | right | flagged | silent wrong | s/report (median) |")
    print("|---|---:|---:|---:|---:|---:|")
    for style in STYLES:
        s = totals[style]
        print(f"| {style} | {s.total} | {s.accuracy:.2%} | {s.flagged} | {len(s.silent)} | "
              f"{statistics.median(times[style]):.3f} |")


if __name__ == "__main__":
    main()
