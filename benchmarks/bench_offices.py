"""Documents as offices send them: phone photos, faxes, tables pasted as pictures, wrong text
layers, folders of page images; generated with known truth and read through the command line.

    python benchmarks/bench_offices.py --n 2
    python benchmarks/bench_offices.py --n 3 --forms photo,fax_standard -v

Each document is read by ``python -m govreport.cli extract PATH --json`` in its own process: its stdout
must parse as one JSON object (nothing else on stdout) and its exit code must be 0. Per form:
cells right, silent errors (wrong and unflagged: must be 0), flagged, missing, failures (an exit
code other than 0, or stdout that is not JSON), and wall seconds per page (the process's start and
model loading included). Documents are cached under ``benchmarks/_work/offices/``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import DocScore, load_truth, score_report

WORK = Path(__file__).resolve().parent / "_work" / "offices"
FORMS = ("photo", "fax_standard", "fax_fine", "fax_photocopy", "picture_screenshot1x", "picture_screenshot2x",
         "picture_jpeg", "picture_scan_parts", "wrong_layer", "right_layer", "image_folder")


def make_doc(form: str, seed: int) -> tuple[Path, Path]:
    """(what to read, its truth) for document ``seed`` of ``form``, generated once."""
    d = WORK / form / f"{seed:05d}"
    truth = d / "truth.json"
    if form == "photo":
        target = d / "pages"
    elif form.startswith("fax_"):
        target = d / "report.tif"
    elif form == "image_folder":
        target = d / "pages"
    else:
        target = d / "report.pdf"
    if truth.is_file() and target.exists():
        return target, truth
    if form == "photo":
        from govreport.synth import photo

        photo.generate(seed, d)
    elif form.startswith("fax_"):
        from govreport.synth import fax

        fax.generate(form[4:], seed, d)
    elif form == "image_folder":
        from govreport.synth.__main__ import generate

        generate("png", "gov2021", seed, "office", target)
        (target / "truth.json").rename(truth)
    else:
        from govreport.synth import picture_pdf

        picture_pdf.generate(form.removeprefix("picture_"), seed, d)
    return target, truth


def run_one(target: Path) -> tuple[dict[str, Any] | None, str, float]:
    """(the contract JSON, or None; what went wrong; seconds) of ``govreport extract TARGET --json``."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "govreport.cli", "extract", str(target), "--json"],
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        why = f"exit {proc.returncode}, stdout not JSON: {proc.stdout[:120]!r} {proc.stderr.strip()[-200:]}"
        return None, why, seconds
    if proc.returncode != 0:
        return None, f"exit {proc.returncode}: {proc.stderr.strip()[-200:]}", seconds
    return data, "", seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2, help="documents per form")
    ap.add_argument("--seed", type=int, default=2000)
    ap.add_argument("--forms", default=",".join(FORMS))
    ap.add_argument("-v", "--verbose", action="store_true", help="print each document and its silent errors")
    args = ap.parse_args(argv)
    forms = [f for f in args.forms.split(",") if f]
    unknown = set(forms) - set(FORMS)
    if unknown:
        ap.error(f"unknown form(s): {', '.join(sorted(unknown))}")
    print("| form | docs | cells right | silent | flagged | missing | failures | s/page |")
    print("|---|---|---|---|---|---|---|---|")
    worst_silent = 0
    for form in forms:
        total = DocScore()
        failures = 0
        seconds = 0.0
        pages = 0
        for i in range(args.n):
            target, truth_path = make_doc(form, args.seed + i)
            truth = load_truth(truth_path)
            data, why, sec = run_one(target)
            seconds += sec
            pages += truth["meta"]["pages"] or 1
            if data is None:
                failures += 1
                s = DocScore(cells=len(truth["cells"]), missing=len(truth["cells"]))
            else:
                s = score_report(data, truth)
            total += s
            if args.verbose:
                print(f"  {form} {target}: {s.correct}/{s.cells} silent={s.silent} flagged={s.flagged} "
                      f"missing={s.missing} {sec:.1f}s {why} {s.silent_examples}", file=sys.stderr)
        worst_silent = max(worst_silent, total.silent)
        print(f"| {form} | {args.n} | {100 * total.accuracy:.1f}% ({total.correct}/{total.cells}) | {total.silent} "
              f"| {total.flagged} | {total.missing} | {failures} | {seconds / max(1, pages):.2f} |", flush=True)
    return 1 if worst_silent else 0


if __name__ == "__main__":
    raise SystemExit(main())
