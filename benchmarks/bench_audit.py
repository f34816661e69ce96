"""``govreport audit`` on an archive of text reports: wall time end to end, and per phase.

Generates (or reuses, under ``benchmarks/_work/audit/``) an archive of ``--bodies`` bodies over five
years as flattened text (``govreport.synth.archive``, tabs and pipes, with the planted violations in
the first five bodies), then runs, each in a fresh process as a user would:

1. ``govreport audit ARCHIVE -o memo.html --workers W --work DIR``: extraction, audit and memo;
2. ``govreport audit DIR -o memo.html``: the audit and memo alone, from the extracted JSONs;
3. ``govreport audit DIR -o memo.docx``: the same as a Word memo.

Prints a markdown table (and what the audit found, which must include every planted violation).

    python benchmarks/bench_audit.py                       # 200 bodies x 5 years = 1,000 reports, 2 workers
    python benchmarks/bench_audit.py --bodies 40 --workers 1
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORK = ROOT / "benchmarks" / "_work" / "audit"
PLACES = ("临江市", "北湖县", "南岭区", "长河市", "云溪县", "青山区", "白沙县", "东川市", "西湖区", "石门县")
DEPARTMENTS = ("生态环境局", "财政局", "市场监督管理局", "交通运输局", "教育局", "卫生健康委员会", "民政局",
               "自然资源和规划局", "住房和城乡建设局", "农业农村局", "人力资源和社会保障局", "水利局", "商务局",
               "文化和旅游局", "应急管理局", "审计局", "统计局", "司法局", "公安局")


def bodies(n: int) -> list[tuple[str, str]]:
    """``n`` distinct bodies: the archive's five first (they carry the planted violations), then
    departments and governments of the places."""
    from govreport.synth.archive import BODIES

    out = list(BODIES)
    names = {b[0] for b in out}
    for place in PLACES:
        for name, kind in [(f"{place}人民政府", "government"), *((f"{place}{d}", "department") for d in DEPARTMENTS)]:
            if len(out) < n and name not in names:
                out.append((name, kind))
                names.add(name)
    if len(out) < n:
        raise SystemExit(f"at most {len(out)} bodies")
    return out[:n]


def archive(n_bodies: int) -> Path:
    from govreport.synth.archive import build_archive

    folder = WORK / f"archive_{n_bodies}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        arch = build_archive(folder / "docs", bodies=bodies(n_bodies), forms=("tabs", "pipes"))
        planted = [dataclasses.asdict(p) for p in arch.planted]
        (folder / "planted.json").write_text(json.dumps(planted, ensure_ascii=False, indent=1), encoding="utf-8")
        marker.write_text(str(len(arch.files)), encoding="utf-8")
    return folder


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # every finished descendant: the CLI and its workers
    return r.ru_utime + r.ru_stime


def run(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (all processes) of one ``govreport`` command."""
    t0, c0 = time.perf_counter(), _cpu()
    p = subprocess.run([sys.executable, "-m", "govreport.cli", *args], capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    if p.returncode != 0:
        raise SystemExit(f"govreport {' '.join(args)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bodies", type=int, default=200, help="bodies (five reports each, one fewer for the gap)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    folder = archive(args.bodies)
    docs = folder / "docs"
    n = sum(1 for p in docs.iterdir() if p.suffix in (".txt", ".md"))
    out = folder / "run"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    rows = []
    load = os.getloadavg()[0]
    wall = run(["audit", str(docs), "-o", str(out / "memo.html"), "--workers", str(args.workers),
                "--work", str(out / "json")])
    rows.append((f"extract + audit + HTML memo (`--workers {args.workers}`)", wall))
    rows.append(("audit + HTML memo, from the JSONs", run(["audit", str(out / "json"), "-o", str(out / "memo2.html")])))
    rows.append(("audit + Word memo, from the JSONs", run(["audit", str(out / "json"), "-o", str(out / "memo.docx")])))
    run(["audit", str(out / "json"), "-o", str(out / "audit.json")])
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    kinds = Counter(f["kind"] for r in data["reports"] for f in r["findings"])
    planted = json.loads((folder / "planted.json").read_text(encoding="utf-8"))
    print(f"{n} text reports, {args.bodies} bodies; {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load average before: {load:.1f}\n")
    print("| phase | reports | wall s | CPU s (all processes) | reports/min |\n|---|---:|---:|---:|---:|")
    for name, (secs, cpu) in rows:
        print(f"| {name} | {n} | {secs:.1f} | {cpu:.1f} | {n / secs * 60:.0f} |")
    print(f"\nfindings by kind: {dict(sorted(kinds.items()))}")
    print(f"planted: {', '.join(sorted(p['violation'] for p in planted))}")
    sizes = [(out / name).stat().st_size / 1e6 for name in ("memo.html", "memo.docx")]
    print(f"memo: {sizes[0]:.1f} MB HTML, {sizes[1]:.1f} MB Word")


if __name__ == "__main__":
    main()
