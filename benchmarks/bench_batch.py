"""``govreport batch`` throughput: documents/min, pages/s and peak memory per worker count.

Generates a mixed corpus (mostly text reports, some Word, HTML and text-layer PDF from
``govreport.synth``; scanned PDFs only with ``--with-scans``), cached under ``benchmarks/_work/``,
then runs a fresh batch for each ``--workers`` value in its own process, so that
``resource.getrusage`` gives that run's peak RSS for the parent and for the largest worker.
Prints a markdown table.

    python benchmarks/bench_batch.py                 # 200 documents, --workers 1 and 2
    python benchmarks/bench_batch.py --n 1000 --workers 1,2,4 --with-scans --tracemalloc
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORK = ROOT / "benchmarks" / "_work" / "batch"
#: share of each kind in the corpus (scanned_pdf only with --with-scans)
MIX = {"text": 0.80, "docx": 0.08, "html": 0.07, "text_pdf": 0.05}
SCAN_SHARE = 0.03


def plan(n: int, with_scans: bool) -> list[str]:
    """The kinds of the ``n`` documents, in a fixed order."""
    mix = dict(MIX)
    if with_scans:
        mix["scanned_pdf"] = SCAN_SHARE
        mix["text"] -= SCAN_SHARE
    counts = {k: int(round(v * n)) for k, v in mix.items()}
    counts["text"] += n - sum(counts.values())
    kinds = [k for k, c in counts.items() for _ in range(c)]
    random.Random(0).shuffle(kinds)
    return kinds


def generate_corpus(n: int, with_scans: bool) -> Path:
    """Write (or reuse) the corpus; truth files go to ``truth/`` beside it, not into the inputs."""
    from govreport.synth.__main__ import generate
    from govreport.synth.flatten import STYLES, Damage, flatten
    from govreport.synth.printed import printed_document
    from govreport.synth.truth import random_truth

    folder = WORK / f"corpus_{n}{'_scans' if with_scans else ''}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    docs, truth = folder / "docs", folder / "truth"
    docs.mkdir(parents=True)
    truth.mkdir()
    for i, kind in enumerate(plan(n, with_scans)):
        template = "gov2019" if i % 7 == 0 else "gov2021"
        name = f"{i:05d}_{kind}"
        if kind == "text":
            t = random_truth(template, seed=i)
            rng = random.Random(i)
            damage = Damage.random(printed_document(t), rng, heavy=False)
            text, _ = flatten(printed_document(t), rng.choice(STYLES[:4]), damage, seed=i)
            (docs / f"{name}.txt").write_text(text, encoding="utf-8")
        else:
            generate(kind, template, seed=i, quality="office", out=docs, name=name)
            (docs / f"{name}.truth.json").rename(truth / f"{name}.truth.json")
    marker.write_text(json.dumps({"n": n, "kinds": Counter(plan(n, with_scans))}), encoding="utf-8")
    return folder


def run_one(corpus: Path, out: Path, workers: int, trace: bool) -> dict[str, object]:
    """One batch in this process; returns its numbers (called in a fresh child process)."""
    import tracemalloc

    from govreport.batch.run import run_batch

    shutil.rmtree(out, ignore_errors=True)
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    res = run_batch([corpus / "docs"], out, workers=workers, progress=False)
    wall = time.perf_counter() - start
    heap = tracemalloc.get_traced_memory()[1] if trace else None
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    return {"workers": workers, "docs": res.processed, "ok": res.ok, "failed": res.failed, "pages": res.pages,
            "wall": wall, "parent_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale,
            "child_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale,
            "parent_heap": None if heap is None else heap / 2**20}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200, help="documents (e.g. 1000 for the memory run)")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    scans_help = f"make {SCAN_SHARE:.0%} of them scanned PDFs".replace("%", "%%")
    ap.add_argument("--with-scans", action="store_true", help=scans_help)
    ap.add_argument("--tracemalloc", action="store_true", help="also trace the parent's Python heap (slower)")
    ap.add_argument("--_one", nargs=3, metavar=("CORPUS", "OUT", "WORKERS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args._one:
        corpus, out, workers = args._one
        print(json.dumps(run_one(Path(corpus), Path(out), int(workers), args.tracemalloc)))
        return 0

    t0 = time.perf_counter()
    corpus = generate_corpus(args.n, args.with_scans)
    kinds = Counter(p.name.split("_", 1)[1].rsplit(".", 1)[0].removesuffix("_p1")
                    for p in (corpus / "docs").iterdir())
    print(f"corpus: {args.n} documents {dict(kinds)} in {corpus} ({time.perf_counter() - t0:.0f}s to make/check)",
          file=sys.stderr)
    rows = []
    for w in [int(x) for x in args.workers.split(",")]:
        cmd = [sys.executable, __file__, "--_one", str(corpus), str(WORK / f"out_w{w}"), str(w)]
        if args.tracemalloc:
            cmd.append("--tracemalloc")
        p = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(p.stdout.strip().splitlines()[-1]))
        print(f"workers={w}: {rows[-1]['wall']:.1f}s", file=sys.stderr)

    cpu = platform.processor() or platform.machine()
    print(f"\n{args.n} documents {dict(kinds)}, {os.cpu_count()} CPU(s) ({cpu}), Python {platform.python_version()}\n")
    head = ("| workers | docs | pages | failed | wall s | docs/min | pages/s | parent peak RSS MiB "
            "| largest worker peak RSS MiB |")
    if args.tracemalloc:
        head += " parent Python heap peak MiB |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in rows:
        line = (f"| {r['workers']} | {r['docs']} | {r['pages']} | {r['failed']} | {r['wall']:.1f} | "
                f"{r['docs'] / r['wall'] * 60:.0f} | {r['pages'] / r['wall']:.1f} | {r['parent_rss']:.0f} | "
                f"{r['child_rss']:.0f} |")
        if args.tracemalloc:
            line += f" {r['parent_heap']:.1f} |"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
