"""``govreport batch`` throughput: pages/s, CPU seconds per page and peak memory per worker count.

Generates a corpus from ``govreport.synth``, cached under ``benchmarks/_work/``: by default a mixed
one (mostly text reports, some Word, HTML and text-layer PDF; scanned PDFs too with
``--with-scans``); with ``--scans N``, N scanned reports (office and poor quality in turn, see
``bench_scan.py``). Each batch runs in a fresh process, so that ``resource.getrusage`` gives that
run's CPU time (the batch process and its workers) and peak RSS. ``--code TREE`` runs the same
batches with the govreport of another source tree too (a checkout of main: before/after a change),
the runs interleaved round by round so that a shared machine's load falls on both alike.
With ``--device cuda`` the GPU's utilisation is sampled (``nvidia-smi``) while each batch runs.
Prints a markdown table.

    python benchmarks/bench_batch.py                 # 200 documents, --workers 1 and 2
    python benchmarks/bench_batch.py --n 1000 --workers 1,2,4 --with-scans --tracemalloc
    git worktree add /tmp/main main && python benchmarks/bench_batch.py --scans 16 --workers 1 \\
        --code /tmp/main --rounds 2                  # scanned pages/s, main against this tree
    python benchmarks/bench_batch.py --scans 200 --workers 8 --device cuda    # on a GPU machine
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
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if "--code" in sys.argv[:-1] and "--_one" in sys.argv:  # a child measuring another tree's govreport
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))
else:
    sys.path.insert(0, str(ROOT))

WORK = ROOT / "benchmarks" / "_work" / "batch"
#: share of each kind in the corpus (scanned_pdf only with --with-scans)
MIX = {"text": 0.80, "docx": 0.08, "html": 0.07, "text_pdf": 0.05}
SCAN_SHARE = 0.03
SCAN_QUALITIES = ("office", "poor")  #: --scans: the qualities, in turn
GPU_SAMPLE_MS = 500  #: nvidia-smi sampling period


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


def _make_one(i: int, kind: str, quality: str, docs: Path, truth: Path) -> None:
    from govreport.synth.__main__ import generate
    from govreport.synth.flatten import STYLES, Damage, flatten
    from govreport.synth.printed import printed_document
    from govreport.synth.truth import random_truth

    template = "gov2019" if i % 7 == 0 else "gov2021"
    name = f"{i:05d}_{kind}"
    if kind == "text":
        t = random_truth(template, seed=i)
        rng = random.Random(i)
        damage = Damage.random(printed_document(t), rng, heavy=False)
        text, _ = flatten(printed_document(t), rng.choice(STYLES[:4]), damage, seed=i)
        (docs / f"{name}.txt").write_text(text, encoding="utf-8")
    else:
        generate(kind, template, seed=i, quality=quality, out=docs, name=name)
        (docs / f"{name}.truth.json").rename(truth / f"{name}.truth.json")


def generate_corpus(n: int, with_scans: bool, scans: int = 0) -> Path:
    """Write (or reuse) the corpus; truth files go to ``truth/`` beside it, not into the inputs.
    Documents are made in parallel, one process per CPU."""
    if scans:
        folder = WORK / f"scans_{scans}"
        jobs = [(i, "scanned_pdf", SCAN_QUALITIES[i % len(SCAN_QUALITIES)]) for i in range(scans)]
    else:
        folder = WORK / f"corpus_{n}{'_scans' if with_scans else ''}"
        jobs = [(i, kind, "office") for i, kind in enumerate(plan(n, with_scans))]
    marker = folder / ".complete"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    docs, truth = folder / "docs", folder / "truth"
    docs.mkdir(parents=True)
    truth.mkdir()
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        for f in [pool.submit(_make_one, i, kind, quality, docs, truth) for i, kind, quality in jobs]:
            f.result()
    marker.write_text(json.dumps({"kinds": Counter(k for _, k, _ in jobs)}), encoding="utf-8")
    return folder


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its children that have ended."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def run_one(corpus: Path, out: Path, workers: int, trace: bool, device: str) -> dict[str, object]:
    """One batch in this process; returns its numbers (called in a fresh child process)."""
    import tracemalloc

    import govreport
    from govreport.batch.run import run_batch
    from govreport.settings import ExtractSettings

    shutil.rmtree(out, ignore_errors=True)
    if trace:
        tracemalloc.start()
    start, cpu0 = time.perf_counter(), _cpu_seconds()
    res = run_batch([corpus / "docs"], out, settings=ExtractSettings(device=device), workers=workers,
                    progress=False)
    wall, cpu = time.perf_counter() - start, _cpu_seconds() - cpu0
    heap = tracemalloc.get_traced_memory()[1] if trace else None
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    return {"workers": workers, "docs": res.processed, "ok": res.ok, "failed": res.failed, "pages": res.pages,
            "wall": wall, "cpu": cpu, "code": str(Path(govreport.__file__).parents[1]),
            "parent_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale,
            "child_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale,
            "parent_heap": None if heap is None else heap / 2**20}


def _gpu_sampler(path: Path) -> subprocess.Popen[bytes] | None:
    """``nvidia-smi`` writing GPU utilisation (%) and memory used (MiB) to ``path`` until stopped."""
    if not shutil.which("nvidia-smi"):
        return None
    with path.open("wb") as fh:
        return subprocess.Popen(["nvidia-smi", "--query-gpu=utilization.gpu,memory.used",
                                 "--format=csv,noheader,nounits", f"-lms={GPU_SAMPLE_MS}"],
                                stdout=fh, stderr=subprocess.DEVNULL)


def _gpu_summary(path: Path) -> tuple[float, float] | None:
    """Mean utilisation % and peak memory MiB over the samples (all GPUs together)."""
    util, mem = [], []
    for line in path.read_text().splitlines():
        try:
            u, m = (float(x) for x in line.split(","))
        except ValueError:
            continue
        util.append(u)
        mem.append(m)
    return (statistics.mean(util), max(mem)) if util else None


def measure(corpus: Path, workers: int, code: str | None, device: str, trace: bool) -> dict[str, Any]:
    """One batch in a fresh child process (with ``code``'s govreport when given)."""
    tag = "this" if code is None else "code"
    cmd = [sys.executable, __file__, "--_one", str(corpus), str(WORK / f"out_{tag}_w{workers}"), str(workers),
           "--device", device]
    if code is not None:
        cmd += ["--code", code]
    if trace:
        cmd.append("--tracemalloc")
    with tempfile.TemporaryDirectory() as tmp:
        sampler = _gpu_sampler(Path(tmp) / "gpu.csv") if device == "cuda" else None
        try:
            p = subprocess.run(cmd, capture_output=True, text=True)
        finally:
            if sampler is not None:
                sampler.terminate()
                sampler.wait()
        if p.returncode:
            raise SystemExit(f"batch run failed ({' '.join(cmd)}):\n{p.stderr[-2000:]}")
        row: dict[str, Any] = json.loads(p.stdout.strip().splitlines()[-1])
        row["gpu"] = _gpu_summary(Path(tmp) / "gpu.csv") if sampler is not None else None
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200, help="documents (e.g. 1000 for the memory run)")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    scans_help = f"make {SCAN_SHARE:.0%} of them scanned PDFs".replace("%", "%%")
    ap.add_argument("--with-scans", action="store_true", help=scans_help)
    ap.add_argument("--scans", type=int, default=0, metavar="N",
                    help="instead: N scanned reports (office and poor in turn); --n is ignored")
    ap.add_argument("--code", action="append", default=[], metavar="TREE",
                    help="also measure the govreport of this source tree (repeatable), interleaved")
    ap.add_argument("--rounds", type=int, default=1, help="runs of each tree and worker count (medians)")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--tracemalloc", action="store_true", help="also trace the parent's Python heap (slower)")
    ap.add_argument("--_one", nargs=3, metavar=("CORPUS", "OUT", "WORKERS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args._one:
        corpus, out, workers = args._one
        print(json.dumps(run_one(Path(corpus), Path(out), int(workers), args.tracemalloc, args.device)))
        return 0

    t0 = time.perf_counter()
    corpus = generate_corpus(args.n, args.with_scans, args.scans)
    kinds = Counter(p.name.split("_", 1)[1].rsplit(".", 1)[0].removesuffix("_p1")
                    for p in (corpus / "docs").iterdir())
    n_docs = sum(kinds.values())
    print(f"corpus: {n_docs} documents {dict(kinds)} in {corpus} ({time.perf_counter() - t0:.0f}s to make/check)",
          file=sys.stderr)
    trees: list[str | None] = [str(Path(c).resolve()) for c in args.code] + [None]
    runs: dict[tuple[str | None, int], list[dict[str, Any]]] = {}
    for rnd in range(args.rounds):
        for w in [int(x) for x in args.workers.split(",")]:
            for tree in trees:
                row = measure(corpus, w, tree, args.device, args.tracemalloc)
                runs.setdefault((tree, w), []).append(row)
                print(f"round {rnd + 1} workers={w} {row['code']}: {row['wall']:.1f}s, CPU {row['cpu']:.1f}s, "
                      f"{row['pages']} pages", file=sys.stderr)

    cpu_name = platform.processor() or platform.machine()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{n_docs} documents {dict(kinds)}, {os.cpu_count()} CPU(s) ({cpu_name}), Python "
          f"{platform.python_version()}, device {args.device}, medians of {args.rounds} interleaved round(s), "
          f"load average at the end {load:.1f}\n")
    head = ("| code | workers | docs | pages | failed | wall s | docs/min | pages/s | CPU s/page "
            "| parent peak RSS MiB | largest worker peak RSS MiB |")
    if args.device == "cuda":
        head += " GPU util % (mean) | GPU memory MiB (peak) |"
    if args.tracemalloc:
        head += " parent Python heap peak MiB |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for (_tree, w), rows in runs.items():
        r = rows[0]
        wall = statistics.median(x["wall"] for x in rows)
        cpu = statistics.median(x["cpu"] for x in rows)
        line = (f"| {r['code']} | {w} | {r['docs']} | {r['pages']} | {r['failed']} | {wall:.1f} | "
                f"{r['docs'] / wall * 60:.0f} | {r['pages'] / wall:.2f} | {cpu / max(1, r['pages']):.2f} | "
                f"{max(x['parent_rss'] for x in rows):.0f} | {max(x['child_rss'] for x in rows):.0f} |")
        if args.device == "cuda":
            gpu = [x["gpu"] for x in rows if x["gpu"]]
            line += (f" {statistics.mean(g[0] for g in gpu):.0f} | {max(g[1] for g in gpu):.0f} |" if gpu
                     else " n/a | n/a |")
        if args.tracemalloc:
            line += f" {max(x['parent_heap'] for x in rows):.1f} |"
        print(line)
    if len(trees) > 1:
        print()
        for w in [int(x) for x in args.workers.split(",")]:
            mine = runs[(None, w)]
            for tree in trees[:-1]:
                other = runs[(tree, w)]
                speed = statistics.median(x["wall"] for x in other) / statistics.median(x["wall"] for x in mine)
                cpu = statistics.median(x["cpu"] for x in other) / statistics.median(x["cpu"] for x in mine)
                print(f"workers={w}: this tree against {tree}: {speed:.2f}x pages/s, {cpu:.2f}x less CPU per page")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
