"""Scan benchmark: govreport vs img2table + Tesseract vs a raw RapidOCR pass, on generated scans.

    python benchmarks/bench_scan.py --n 5 --quality office --workers 2
    python benchmarks/bench_scan.py --n 14 --quality poor --attack each    # adversarial scans
    python benchmarks/bench_scan.py --systems govreport --dump /tmp/after      # keep every report
    python benchmarks/bench_scan.py --systems govreport --code /tmp/main --against /tmp/after

Documents come from ``python -m govreport.synth`` (cached under ``benchmarks/_work/``); see
``benchmarks/README.md`` for what is measured and how the baselines are mapped.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "--code" in sys.argv[:-1]:  # another source tree's govreport (before/after a change), imported first
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))

from common import DocScore, load_truth, map_grid_tables, numbers_in, numbers_recovered, score_report

WORK = Path(__file__).resolve().parent / "_work"
SYSTEMS = ("govreport", "govreport-detect", "img2table", "rapidocr")


# -- documents ---------------------------------------------------------------------------------------
def attacks_for(attack: str, i: int) -> list[str]:
    """The adversarial edits of document ``i``: none, one named attack, or (``each``) the attacks
    of :data:`govreport.synth.adversarial.ATTACKS` in turn, one per document."""
    if not attack:
        return []  # (a tree from before the adversarial scans, measured with --code, has no ATTACKS)
    from govreport.synth.adversarial import ATTACKS

    return [ATTACKS[i % len(ATTACKS)]] if attack == "each" else [attack]


def make_docs(n: int, quality: str, seed: int, attack: str = "") -> list[tuple[Path, Path]]:
    from govreport.synth.__main__ import generate

    out: list[tuple[Path, Path]] = []
    for i in range(n):
        d = WORK / (f"scan_{quality}" + (f"_{attack}" if attack else "")) / f"{seed + i:05d}"
        pdf, truth = d / "report.pdf", d / "truth.json"
        if not (pdf.is_file() and truth.is_file()):
            generate("scanned_pdf", "gov2021", seed + i, quality, d, attacks=attacks_for(attack, i))
        out.append((pdf, truth))
    return out


# -- systems -----------------------------------------------------------------------------------------
def run_govreport(pdf: Path, truth: dict[str, Any]) -> dict[str, Any]:
    import govreport

    return {"report": govreport.extract(str(pdf)).to_dict()}


def run_govreport_detect(pdf: Path, truth: dict[str, Any]) -> dict[str, Any]:
    """govreport with table cells read by a full detection pass per page (boxes assigned to the
    grid's cells) instead of the recogniser on each cell's crop: the comparison the scan issue asks
    for. Everything else (grid, template, arithmetic) is the same."""
    from govreport.layout.tokens import LayoutResult
    from govreport.ocr.render import render_pdf
    from govreport.ocr.scan import tokens_from_page_images
    from govreport.pipeline import build_report
    from govreport.settings import OCR_DPI, ExtractSettings

    settings = ExtractSettings()
    pages = list(render_pdf(pdf, OCR_DPI, None, settings.max_pages, settings.max_pixels))
    tokens, text = tokens_from_page_images(pages, settings, cell_mode="detect")
    layout = LayoutResult(tokens, text, "scanned_pdf", pages=len(pages), dpi=OCR_DPI)
    return {"report": build_report(layout, str(pdf), settings).to_dict()}


def run_img2table(pdf: Path, truth: dict[str, Any]) -> dict[str, Any]:
    from img2table.document import PDF
    from img2table.ocr import TesseractOCR

    ocr = TesseractOCR(n_threads=1, lang="chi_sim")
    doc = PDF(str(pdf), detect_rotation=True, pdf_text_extraction=False)
    tables = doc.extract_tables(ocr=ocr, implicit_rows=False, borderless_tables=False, min_confidence=50)
    grids = [tb.df.values.tolist() for page in sorted(tables) for tb in tables[page]]
    return {"report": map_grid_tables(grids, truth)}


_RAPID: Any = None


def run_rapidocr(pdf: Path, truth: dict[str, Any]) -> dict[str, Any]:
    import numpy as np
    import pypdfium2 as pdfium
    from rapidocr import RapidOCR

    global _RAPID
    if _RAPID is None:
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        _RAPID = RapidOCR()
    dpi = truth["meta"].get("dpi") or 200
    texts: list[str] = []
    doc = pdfium.PdfDocument(str(pdf))
    for i in range(len(doc)):
        img = np.asarray(doc[i].render(scale=dpi / 72).to_pil().convert("RGB"))
        res = _RAPID(img)
        texts += list(res.txts or ())
    return {"numbers": numbers_recovered(numbers_in(texts), truth)}


RUNNERS = {"govreport": run_govreport, "govreport-detect": run_govreport_detect, "img2table": run_img2table,
           "rapidocr": run_rapidocr}


def available(system: str) -> str | None:
    """None if ``system`` can run here, else why not."""
    import importlib.util
    import shutil

    need = {"govreport": ["govreport.api"], "govreport-detect": ["govreport.api"],
            "img2table": ["img2table", "pytesseract"], "rapidocr": ["rapidocr"]}[system]
    for mod in need:
        try:
            if importlib.util.find_spec(mod) is None:
                return f"{mod} not installed"
        except ModuleNotFoundError:
            return f"{mod} not installed"
    if system == "img2table" and not shutil.which("tesseract"):
        return "tesseract not installed"
    return None


def _task(system: str, pdf: str, truth_path: str) -> dict[str, Any]:
    logging.disable(logging.WARNING)
    truth = load_truth(truth_path)
    t0, c0 = time.perf_counter(), _cpu()
    try:
        out = RUNNERS[system](Path(pdf), truth)
    except Exception as e:  # a baseline failing on a document is a result, not a crash
        out = {"error": f"{type(e).__name__}: {e}"}
    out["seconds"] = time.perf_counter() - t0
    out["cpu"] = _cpu() - c0
    out["pages"] = truth["meta"]["pages"]
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished children (tesseract runs as a child)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
def _verdicts(report: dict[str, Any], truth: dict[str, Any]) -> dict[tuple[str, str, str], tuple[Any, str, str]]:
    """Each template cell's (value, status, verdict): right, flagged (wrong but flagged) or silent."""
    out = {}
    for want in truth["cells"]:
        key = (want["table"], want["row"], want["col"])
        got = next((c for c in report.get("cells", []) if (c["table"], c["row"], c["col"]) == key), None)
        one = {**report, "cells": [got] if got else []}
        s = score_report(one, {**truth, "cells": [want]})
        verdict = "right" if s.correct else "silent" if s.silent else "flagged"
        out[key] = ((got or {}).get("value"), (got or {}).get("status", "missing"), verdict)
    return out


def changed_cells(before: Path, reports: dict[str, dict[str, Any]], truths: dict[str, dict[str, Any]]) -> str:
    """How the cells of ``reports`` differ from the reports dumped in ``before`` (same documents)."""
    moves: dict[str, int] = {}
    changed = 0
    for name, report in reports.items():
        old_path = before / f"{name}.json"
        if not old_path.is_file():
            return f"{old_path} missing: no comparison"
        old = _verdicts(json.loads(old_path.read_text(encoding="utf-8")), truths[name])
        new = _verdicts(report, truths[name])
        for key, (value, status, verdict) in new.items():
            if old[key][:2] != (value, status):
                changed += 1
                move = f"{old[key][2]}->{verdict}"
                moves[move] = moves.get(move, 0) + 1
                if old[key][2] != verdict:
                    print(f"  {name} {'.'.join(key)}: {old[key][:2]} -> {(value, status)} ({move})")
    total = sum(len(t["cells"]) for t in truths.values())
    return f"{changed}/{total} cells changed against {before}: " + (
        ", ".join(f"{k} {v}" for k, v in sorted(moves.items())) or "none")


# -- report ------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=3, help="documents")
    ap.add_argument("--quality", choices=("office", "poor"), default="office")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--attack", default="", help="adversarial scans: an attack of govreport.synth.adversarial, "
                    "or each (one attack per document, in turn)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print silent wrong examples")
    ap.add_argument("--code", metavar="TREE", help="measure the govreport of this source tree (e.g. a "
                    "checkout of main) instead of this one's")
    ap.add_argument("--dump", type=Path, metavar="DIR", help="write govreport's report per document here")
    ap.add_argument("--against", type=Path, metavar="DIR", help="count govreport's cells that differ from "
                    "the reports an earlier --dump wrote there (and say which turned right or wrong)")
    args = ap.parse_args(argv)
    systems = [s for s in args.systems.split(",") if s]
    docs = make_docs(args.n, args.quality, args.seed, args.attack)
    truths = [load_truth(t) for _, t in docs]
    pages = sum(t["meta"]["pages"] for t in truths)
    print(f"{len(docs)} {args.quality} scans{f' (attack: {args.attack})' if args.attack else ''}, {pages} pages, "
          f"dpi {sorted({t['meta']['dpi'] for t in truths})}, workers {args.workers}, load {os.getloadavg()[0]:.1f}\n")
    rows = []
    by_attack: dict[str, dict[str, DocScore]] = {}
    for system in systems:
        why = available(system)
        if why:
            rows.append((system, "n/a", "n/a", "n/a", "n/a", "n/a", why))
            continue
        jobs = [(system, str(p), str(t)) for p, t in docs]
        if args.workers > 1:
            with ProcessPoolExecutor(args.workers) as ex:
                results = list(ex.map(_task, *zip(*jobs, strict=True)))
        else:
            results = [_task(*j) for j in jobs]
        secs = sum(r["seconds"] for r in results) / max(1, pages)
        cpu = sum(r["cpu"] for r in results) / max(1, pages)
        if system == "govreport" and (args.dump or args.against):
            names = {f"{args.quality}_{p.parent.name}": r.get("report", {})
                     for (p, _), r in zip(docs, results, strict=True)}
            if args.dump:
                args.dump.mkdir(parents=True, exist_ok=True)
                for name, report in names.items():
                    (args.dump / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
            if args.against:
                by_name = {f"{args.quality}_{p.parent.name}": t for (p, _), t in zip(docs, truths, strict=True)}
                print(changed_cells(args.against, names, by_name))
        errors = [r["error"] for r in results if "error" in r]
        note = f"{len(errors)} error(s): {errors[0][:80]}" if errors else ""
        total = DocScore()
        hit = want = 0
        for i, (r, truth) in enumerate(zip(results, truths, strict=True)):
            if "report" in r:
                s = score_report(r["report"], truth)
                total += s
                for a in attacks_for(args.attack, i) or ["none"]:
                    by_attack.setdefault(system, {}).setdefault(a, DocScore()).__iadd__(s)
            if "numbers" in r:
                hit += r["numbers"][0]
                want += r["numbers"][1]
        if system == "rapidocr":
            rows.append((system, "n/a (no table)", "n/a", f"{hit}/{want} ({hit / max(1, want):.1%})",
                         f"{secs:.2f}", f"{cpu:.2f}", note))
        else:
            n_cells = sum(len(t["cells"]) for t in truths)
            total.cells = n_cells if errors else total.cells
            rows.append((system, f"{total.correct}/{total.cells} ({total.accuracy:.1%})",
                         f"{total.silent} ({total.silent / max(1, total.cells):.1%})",
                         "", f"{secs:.2f}", f"{cpu:.2f}",
                         note or f"missing {total.missing}, flagged {total.flagged}"))
            if args.verbose:
                for ex_ in total.silent_examples[:10]:
                    print(f"  {system} silent: {ex_}")
    print("| system | cell accuracy | silent wrong | numbers recovered | s/page | CPU s/page | notes |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if args.attack == "each":
        print("\n| attack | system | documents | cells right | silent wrong | flagged |")
        print("|---|---|---:|---:|---:|---:|")
        for system, by in by_attack.items():
            for a, d in sorted(by.items()):
                n_docs = sum(1 for i in range(len(docs)) if attacks_for(args.attack, i) == [a])
                print(f"| {a} | {system} | {n_docs} | {d.correct}/{d.cells} ({d.accuracy:.1%}) | {d.silent} | "
                      f"{d.flagged} |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract: one thread per worker
    raise SystemExit(main())
