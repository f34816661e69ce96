"""Longer fuzz run of every parser: byte mutations of the bundled samples (and generated inputs).

Each input runs in a worker process with a wall-clock watchdog, so a hang inside C code (PDFium,
libxml2, Pillow's decoders) or a crash of the process is caught and counted too. The only
acceptable outcomes are a result or a ``GovreportError``; anything else is a crash.

    python benchmarks/fuzz.py --examples 1000            # per target
    python benchmarks/fuzz.py --examples 200 --targets pdf,docx --timeout 20 --seed 7
    python benchmarks/fuzz.py --hostile                  # the hostile cases through the CLI (README table)
    python benchmarks/fuzz.py --names 60 --seed 3        # file names through a batch and its exports

Prints, per target: inputs run, ok, GovreportError by exit code, crashes, hangs; and the first
few crashing inputs are saved under ``benchmarks/_work/fuzz/`` for reproduction.

``--hostile`` instead runs each generated hostile case (docx and zip bombs, PDF forms that draw
each other, huge pages, a million paths per page, a 100,000-member zip, hostile and non-UTF-8
names, a FIFO) through the ``govreport`` command as a user would, and prints a Markdown table:
exit code, the stderr line, the peak memory of the largest process and the wall time per input.

``--names N`` writes the sample report under N generated file names (CR, LF, TAB, bytes that are not
UTF-8, Chinese, formula characters, up to 255 bytes; the fixed cases of
``tests.hostile_inputs.FILE_NAME_CASES`` first) beside symlink loops, runs one batch over them and
reads ``reports.csv``, ``reports.xlsx`` and ``cells.parquet`` back with pandas: every name must come
back exactly as the report JSON records it (bytes that are not UTF-8 as ``\\xNN``), every loop must be
a recorded failure.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import logging
import multiprocessing as mp
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

log = logging.getLogger("govreport.fuzz")


def _worker(conn) -> None:  # type: ignore[no-untyped-def]
    from govreport.errors import GovreportError
    from tests.hostile_inputs import TARGETS

    logging.getLogger("govreport").setLevel(logging.CRITICAL)
    while True:
        msg = conn.recv()
        if msg is None:
            return
        name, data = msg
        try:
            TARGETS[name](data)
            conn.send(("ok", ""))
        except GovreportError as exc:
            conn.send((f"error:{int(exc.exit_code)}", str(exc)))
        except BaseException as exc:  # that is what we count
            conn.send(("crash", "".join(traceback.format_exception(exc))[-2000:]))


class Runner:
    """A worker process that is restarted after a hang or a crash of the process itself."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.ctx = mp.get_context("fork")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_worker, args=(child,), daemon=True)
        self.proc.start()

    def run(self, name: str, data: bytes) -> tuple[str, str]:
        try:
            self.conn.send((name, data))
            if self.conn.poll(self.timeout):
                return self.conn.recv()
            outcome = ("hang", f"over {self.timeout} s")
        except (EOFError, BrokenPipeError, ConnectionResetError):
            outcome = ("crash", f"worker died (exit code {self.proc.exitcode})")
        self.proc.kill()
        self.proc.join()
        self._start()
        return outcome

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.conn.send(None)
        self.proc.join(5)


def generated(name: str, rng: random.Random) -> bytes:
    """An input made from scratch rather than mutated (junk, odd encodings, huge lines)."""
    pick = rng.randrange(5)
    if pick == 0:
        return rng.randbytes(rng.randint(1, 4096))
    if pick == 1:
        words = ["行政许可", "总计", "\t", "|", "\n", "0", "12", "****", "-", "一、", "（七）", " "]
        text = "".join(rng.choice(words) + rng.choice(["", "\t", "\n"]) for _ in range(rng.randint(1, 3000)))
        return text.encode(rng.choice(["utf-8", "gb18030", "utf-16"]))
    if pick == 2:
        return ("行政许可".encode() + "总计".encode("gbk")) * rng.randint(1, 5000)
    if pick == 3:
        return " ".join(str(rng.randint(0, 10**6)) for _ in range(rng.randint(1, 200_000))).encode()
    depth = rng.randint(1, 3000)
    return ("<div>" * depth + "<table><tr><td>行政许可</td><td>1</td></tr></table>" + "</div>" * depth).encode()


#: runs a command and reports its exit code, last stderr line, seconds and the peak RSS of the largest
#: process under it (Linux folds waited-for descendants into RUSAGE_CHILDREN's maximum)
_MEASURE = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
run = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                     timeout=float(sys.argv[1]))
lines = [x for x in run.stderr.decode("utf-8", "replace").splitlines() if x.strip()]
print(json.dumps({"rc": run.returncode, "last": lines[-1] if lines else "", "s": time.perf_counter() - t,
                  "mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def hostile_cases(work: Path) -> list[tuple[str, list[str], Path | None]]:
    """(what, govreport arguments, dataset folder to inspect) for every hostile case, written under ``work``."""
    import os
    import shutil

    from tests import hostile_inputs as h

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    def put(name: str, data: bytes) -> str:
        (work / name).write_bytes(data)
        return str(work / name)

    sample = ROOT / "samples" / "sample_2021_tabs.txt"
    names = work / "names"
    names.mkdir()
    for k, raw in enumerate(h.HOSTILE_NAMES):
        with open(os.fsencode(names) + b"/" + raw, "wb") as fh:
            fh.write(sample.read_bytes() + b"\n" * (k + 1))
    os.mkfifo(names / "fifo.txt")
    return [
        ("docx bomb: 1 MB, document.xml inflates to 1 GB", ["extract", put("bomb.docx", h.docx_bomb(1 << 30))], None),
        ("zip bomb: 1 MB member inflating to 1 GB", ["batch", put("bomb.zip", h.zip_bomb(1 << 30)), "--out",
                                                     str(work / "o1")], work / "o1"),
        ("PDF forms drawing each other (1.5 KB)", ["extract", put("cyclic.pdf", h.form_bomb_pdf(4, cyclic=True))],
         None),
        ("PDF form tree, 20 deep (5 KB)", ["extract", put("tree.pdf", h.form_bomb_pdf(20))], None),
        ("40 pages of 200 x 200 inches", ["extract", put("huge.pdf", h.huge_pages_pdf(40))], None),
        ("20 pages of a million paths each (10 MB)", ["extract", put("paths.pdf", h.million_paths_pdf(20))], None),
        ("zip of 100,000 small members", ["batch", put("many.zip", h.many_members_zip(100_000)), "--out",
                                          str(work / "o2"), "-q"], work / "o2"),
        ("non-UTF-8, formula and control-character names, a FIFO", ["batch", str(names), "--out", str(work / "o3"),
                                                                     "-q"], work / "o3"),
        ("the same batch again (resume)", ["batch", str(names), "--out", str(work / "o3"), "-q"], work / "o3"),
        ("--out that is an input folder", ["batch", str(names), "--out", str(names)], None),
    ]


def run_hostile(timeout: float, per_document: float) -> int:
    import json
    import subprocess

    work = ROOT / "benchmarks" / "_work" / "hostile"
    rows = []
    for what, args, _ in hostile_cases(work):
        cmd = [sys.executable, "-m", "govreport.cli", *args, "--timeout", str(per_document)]
        t = time.perf_counter()
        try:
            out = subprocess.run([sys.executable, "-c", _MEASURE, str(timeout), *cmd], capture_output=True,
                                 text=True, timeout=timeout + 30, check=True).stdout
            got = json.loads(out)
        except (subprocess.SubprocessError, ValueError) as exc:
            got = {"rc": "hang", "last": str(exc)[:120], "s": time.perf_counter() - t, "mb": float("nan")}
        rows.append((what, got))
        log.info("%s: exit %s in %.1f s, %.0f MB: %s", what, got["rc"], got["s"], got["mb"], got["last"][:160])
    print("| input | exit | peak MB | s | says |")
    print("|---|---:|---:|---:|---|")
    for what, got in rows:
        said = got["last"].replace(str(work) + "/", "").replace("|", "\\|")
        print(f"| {what} | {got['rc']} | {got['mb']:.0f} | {got['s']:.1f} | {said[:110]} |")
    return 0 if all(g["rc"] != "hang" and g["mb"] < 2048 for _, g in rows) else 1


_NAME_PARTS = [b"a", b"Z", b"7", b" ", b"\t", b"\r", b"\n", b"\r\n", b"=", b"+", b"-", b"@", b"'", b'"', b",",
               "年度报告".encode(), "（2024）".encode(), b"\xff", b"\xc4\xea", b"\x80", b"\xe2\x80\xae"]


def random_name(rng: random.Random) -> bytes:
    """A file name of 5..255 bytes that ends ``.txt`` (no ``/``, no NUL, not hidden)."""
    size = rng.choice([rng.randint(1, 40), rng.randint(40, 251)])
    out = bytearray(rng.choice([b"r", "报".encode(), b"\xff", b"=", b"\t"]))
    while len(out) < size:
        out += rng.choice(_NAME_PARTS)
    return bytes(out[:251]) + b".txt"


def run_names(n: int, seed: int) -> int:
    """See the module docstring (``--names``); returns 0 when every name round-trips."""
    import json
    import os
    import shutil

    import pandas as pd

    from govreport.cli import main as cli
    from govreport.names import display
    from tests import hostile_inputs as h

    work = ROOT / "benchmarks" / "_work" / "names"
    shutil.rmtree(work, ignore_errors=True)
    src = work / "in"
    rng = random.Random(seed)
    names: dict[str, bytes] = dict(h.FILE_NAME_CASES)
    while len(names) < max(n, len(names)):
        raw = random_name(rng)
        if raw not in names.values():
            names[f"random{len(names)}"] = raw
    paths = h.write_named(src, names, (ROOT / "samples" / "sample_2021_tabs.txt").read_bytes())
    loops = h.symlink_loops(src)
    t = time.perf_counter()
    rc = cli(["batch", str(src), "--out", str(work / "out"), "--workers", "0", "-q"])
    seconds = time.perf_counter() - t
    out = work / "out"
    want = sorted(display(json.loads(p.read_text(encoding="utf-8"))["source"]) for p in out.glob("*.json"))
    given = sorted(display(str(p)) for p in paths.values())
    failed = {json.loads(ln)["source"] for ln in (out / "failures.jsonl").read_text(encoding="utf-8").splitlines()}
    read = {"csv": pd.read_csv(out / "reports.csv", encoding="utf-8-sig")["source"],
            "xlsx": pd.read_excel(out / "reports.xlsx", sheet_name="reports")["source"],
            "parquet": pd.read_parquet(out / "cells.parquet")["source"].drop_duplicates()}
    exact = {fmt: sum(a == b for a, b in zip(sorted(col), want, strict=False)) if len(col) == len(want) else 0
             for fmt, col in read.items()}
    counts = [sum(c in raw for raw in names.values()) for c in (b"\r", b"\n", b"\t")]
    print(f"{len(names)} names ({counts[0]} with CR, {counts[1]} with LF, {counts[2]} with TAB, "
          f"{sum(not _utf8(raw) for raw in names.values())} not UTF-8, "
          f"{sum(len(raw) == 255 for raw in names.values())} of 255 bytes) and {len(loops)} symlink loops: "
          f"batch exit {rc} in {seconds:.1f} s")
    print(f"report JSONs: {len(want)} of {len(given)} names; symlink loops recorded as failures: "
          f"{len({str(p) for p in loops} & failed)} of {len(loops)}; exact round trips: "
          + ", ".join(f"{fmt} {k}/{len(given)}" for fmt, k in exact.items()))
    ok = (want == given and all(k == len(given) for k in exact.values())
          and {str(p) for p in loops} <= failed and os.path.isdir(out))
    return 0 if ok else 1


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    from tests.hostile_inputs import MUTATORS, TARGETS, seeds

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=200, help="inputs per target")
    ap.add_argument("--targets", default=",".join(TARGETS), help="comma-separated: " + ",".join(TARGETS))
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per input before it counts as a hang")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--generated", type=float, default=0.2, help="share of generated (not mutated) inputs")
    ap.add_argument("--hostile", action="store_true", help="run the hostile cases through the CLI instead")
    ap.add_argument("--per-document", type=float, default=120.0, help="--hostile: govreport's --timeout")
    ap.add_argument("--names", type=int, default=0, metavar="N",
                    help="run N generated file names (and symlink loops) through a batch and its exports instead")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.names:
        return run_names(args.names, args.seed)
    if args.hostile:
        return run_hostile(max(args.timeout, 3 * args.per_document), args.per_document)
    out_dir = ROOT / "benchmarks" / "_work" / "fuzz"
    pools = seeds()
    runner = Runner(args.timeout)
    rows = []
    exit_code = 0
    try:
        for name in args.targets.split(","):
            rng = random.Random(f"{args.seed}:{name}")
            counts: collections.Counter[str] = collections.Counter()
            first: dict[str, str] = {}
            t0 = time.perf_counter()
            slowest = 0.0
            for k in range(args.examples):
                if rng.random() < args.generated:
                    data = generated(name, rng)
                else:
                    data = MUTATORS[name](rng.choice(pools[name]), rng)
                t = time.perf_counter()
                outcome, detail = runner.run(name, data)
                slowest = max(slowest, time.perf_counter() - t)
                counts[outcome] += 1
                if outcome in ("crash", "hang"):
                    out_dir.mkdir(parents=True, exist_ok=True)
                    (out_dir / f"{name}-{outcome}-{k}.bin").write_bytes(data)
                    key = detail.strip().splitlines()[-1] if detail.strip() else outcome
                    if key not in first:
                        first[key] = detail
                        log.info("%s #%d: %s\n%s", name, k, outcome, detail)
            errors = {k: v for k, v in sorted(counts.items()) if k.startswith("error:")}
            rows.append((name, args.examples, counts["ok"], errors, counts["crash"], counts["hang"],
                         time.perf_counter() - t0, slowest))
            if counts["crash"] or counts["hang"]:
                exit_code = 1
    finally:
        runner.close()
    log.info("%-6s %7s %5s %-40s %6s %5s %8s %8s", "target", "inputs", "ok", "GovreportError (exit code: n)",
             "crash", "hang", "time_s", "max_s")
    for name, n, ok, errors, crash, hang, secs, slowest in rows:
        errs = ", ".join(f"{k[6:]}: {v}" for k, v in errors.items()) or "-"
        log.info("%-6s %7d %5d %-40s %6d %5d %8.1f %8.2f", name, n, ok, errs, crash, hang, secs, slowest)
    total = sum(r[1] for r in rows)
    log.info("total: %d inputs, %d crashes, %d hangs", total, sum(r[4] for r in rows), sum(r[5] for r in rows))
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
