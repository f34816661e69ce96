"""How fast ``govreport verify`` answers the keyboard, in a real browser (headless Chromium, Selenium).

    python benchmarks/bench_verify.py --steps 60 --folder-size 1000

1. A 6-page scanned report (the scanned sample's pages, cells with boxes on every page) is opened with
   its page images; then ``--steps`` keyboard steps alternate: a value typed + Enter, ``c`` (confirm),
   and ``n``/``p`` (next/previous flagged cell). Each step is timed inside the page, from the keydown
   to the page updated (for a decision: the server appended it to ``corrections.jsonl``, fsynced,
   re-ran the arithmetic, wrote the report's JSON, and the page redrew the changed cells).
2. A folder of ``--folder-size`` report JSONs: time from starting the server to the queue shown.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.verifykit import (
    chrome,
    decide_current,
    flagged_dataset,
    open_report,
    press,
    server,
    six_page_dataset,
    wait_attr,
    wait_images,
)


def _stats(xs: list[float]) -> str:
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))]
    return f"{len(xs)} | {statistics.median(xs):.0f} | {p90:.0f} | {xs[-1]:.0f}"


def keyboard_steps(root: Path, steps: int) -> dict[str, list[float]]:
    from selenium.webdriver.common.keys import Keys

    ds, rid, truth = six_page_dataset(root / "six", flagged=steps + 10)
    out: dict[str, list[float]] = {"decision (value + Enter, c)": [], "move (n, p)": []}
    with server(ds, "bench") as (url, _), chrome() as driver:
        t0 = time.perf_counter()
        open_report(driver, url, rid)
        images = wait_images(driver)
        print(f"opened the 6-page report with {images} page images in {time.perf_counter() - t0:.2f} s "
              "(first render included)")
        for i in range(steps):
            if i % 4 == 3:
                press(driver, "n" if i % 8 == 3 else "p")
                ms = driver.execute_script("return document.documentElement.getAttribute('data-last-move-ms')")
                out["move (n, p)"].append(float(ms))
                continue
            cur = driver.execute_script("return document.documentElement.getAttribute('data-cur')")
            value = truth[tuple(cur.split("|"))]
            keys = "c" if i % 2 else f"{int(value)}{Keys.ENTER}"
            out["decision (value + Enter, c)"].append(decide_current(driver, keys)["ms"])
    return out


def big_folder(root: Path, n: int) -> list[float]:
    """Seconds from starting ``govreport verify`` on ``n`` reports to the queue shown in the browser
    (a first and a second start)."""
    truths = flagged_dataset(root / "big", 5)
    ds = root / "big" / "ds"
    templates = [json.loads((ds / f"{rid}.json").read_text(encoding="utf-8")) for rid in truths]
    for k in range(n - len(truths)):
        data = templates[k % len(templates)]
        (ds / f"{k:016x}-copy{k}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    seconds = []
    with chrome() as driver:
        for _ in range(2):  # the first start reads every JSON; the second finds their summaries cached
            t0 = time.perf_counter()
            with server(ds, "bench") as (url, _):
                driver.get(url)
                wait_attr(driver, "data-ready", "1", timeout=120)
                shown = len(driver.find_elements("css selector", "#v-queue-table tbody tr"))
                seconds.append(time.perf_counter() - t0)
            assert shown == n, shown
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--folder-size", type=int, default=1000)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    try:
        times = keyboard_steps(root, args.steps)
        print("\n| step | n | median ms | p90 ms | max ms |\n|---|---:|---:|---:|---:|")
        for name, xs in times.items():
            print(f"| {name} | {_stats(xs)} |")
        if args.folder_size:
            first, second = big_folder(root, args.folder_size)
            print(f"\n{args.folder_size} reports: server started and queue shown in {first:.1f} s "
                  f"(first start), {second:.1f} s (next start)")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
