"""Longer fuzz run of every parser: byte mutations of the bundled samples (and generated inputs).

Each input runs in a worker process with a wall-clock watchdog, so a hang inside C code (PDFium,
libxml2, Pillow's decoders) or a crash of the process is caught and counted too. The only
acceptable outcomes are a result or a ``GovreportError``; anything else is a crash.

    python benchmarks/fuzz.py --examples 1000            # per target
    python benchmarks/fuzz.py --examples 200 --targets pdf,docx --timeout 20 --seed 7

Prints, per target: inputs run, ok, GovreportError by exit code, crashes, hangs; and the first
few crashing inputs are saved under ``benchmarks/_work/fuzz/`` for reproduction.
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


def main(argv: list[str] | None = None) -> int:
    from tests.hostile_inputs import MUTATORS, TARGETS, seeds

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=200, help="inputs per target")
    ap.add_argument("--targets", default=",".join(TARGETS), help="comma-separated: " + ",".join(TARGETS))
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per input before it counts as a hang")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--generated", type=float, default=0.2, help="share of generated (not mutated) inputs")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
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
