"""Born-digital PDF tables: govreport's reader vs camelot (lattice) vs pdfplumber.

Generates report PDFs with the 2021 applications table (tests/borndigital.py: fpdf2 + a CJK
font): plain, split over two pages, with a repeated header, Kangxi radicals with rulings drawn as
filled rectangles. Score: of the printed figures of the 25 data rows x 7 columns, how many a reader
puts in the row with the right label and at the right column (counting from the row's end).
Also times the Word and HTML readers on the same reports. Then adversarial reports (black boxes as
vector fills over the text layer, the text under them removed or left; seals over labels and
headers; every table split across pages), scored on every template cell. Prints markdown tables.

    python benchmarks/bench_borndigital.py [--docs 8] [--repeat 3] [--adversarial 2] [--seed 500]
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import sys
import tempfile
import time
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import borndigital as bd  # noqa: E402
from common import DocScore, load_truth, map_grid_tables, score_report  # noqa: E402

from govreport.layout.docx import read_docx  # noqa: E402
from govreport.layout.html import read_html  # noqa: E402
from govreport.layout.pdf_text import read_pdf  # noqa: E402
from govreport.settings import ExtractSettings  # noqa: E402

Rows = list[list[str]]
S = ExtractSettings()


def norm(s: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s or ""))


def ours(path: Path) -> Rows:
    return bd.token_rows(read_pdf(path, S).tokens)


def camelot_lattice(path: Path) -> Rows:
    import camelot

    rows: Rows = []
    for t in camelot.read_pdf(str(path), pages="all", flavor="lattice", backend="pdfium"):
        rows.extend([[str(v) for v in r] for r in t.df.values.tolist()])
    return rows


def pdfplumber_tables(path: Path) -> Rows:
    import pdfplumber

    rows: Rows = []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                rows.extend([["" if v is None else v for v in r] for r in table])
    return rows


READERS: dict[str, Callable[[Path], Rows]] = {
    "govreport (pypdfium2)": ours,
    "camelot lattice (pdfium)": camelot_lattice,
    "pdfplumber extract_tables": pdfplumber_tables,
}


def labels(rows: Rows, table: bd.Table) -> tuple[int, int]:
    """(label cells of the data rows read whole as one cell, label cells printed)."""
    cells = {norm(c) for r in rows for c in r}
    want = [norm(c) for r in bd.expected_rows(table)[3:] for c in r[:-7]]
    return sum(1 for w in want if w in cells), len(want)


def score(rows: Rows, table: bd.Table) -> tuple[int, int]:
    """(figures in the right row and column, figures printed)."""
    expected = bd.expected_rows(table)[3:]  # the 25 data rows
    got = [[norm(c) for c in r] for r in rows]
    hit = total = 0
    for exp in expected:
        label, values = norm(exp[-8]), [norm(v) for v in exp[-7:]]
        match = next((r for r in got if label and label in r), None)
        for k, v in enumerate(values):
            if not re.fullmatch(r"[\d,.]+", v):
                continue
            total += 1
            if match is not None and len(match) >= 7 and match[len(match) - 7 + k] == v:
                hit += 1
    return hit, total


def build(n: int, work: Path) -> list[tuple[Path, int, bd.Table, list[object], str]]:
    docs = []
    for i in range(n):
        rng = random.Random(i)
        kind = ["plain", "split", "repeated header", "kangxi + filled rulings"][i % 4]
        blocks = bd.sample_report(bd.random_values(rng), prose=1 if kind == "plain" else 14)
        table = blocks[-2]
        assert isinstance(table, bd.Table)
        if kind == "repeated header":
            table.repeat_header = 3
        opts = bd.PdfOptions(kangxi=kind.startswith("kangxi"), filled_borders=kind.startswith("kangxi"))
        path = work / f"doc{i}.pdf"
        bd.to_pdf(blocks, path, opts)
        import pypdfium2

        pages = len(pypdfium2.PdfDocument(str(path)))
        docs.append((path, pages, table, blocks, kind))
    return docs


def camelot_grids(path: Path) -> list[list[list[str]]]:
    import camelot

    return [t.df.values.tolist() for t in camelot.read_pdf(str(path), pages="all", flavor="lattice", backend="pdfium")]


def pdfplumber_grids(path: Path) -> list[list[list[str]]]:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return [[["" if v is None else v for v in r] for r in table] for page in pdf.pages
                for table in page.extract_tables()]


def adversarial(n: int, work: Path, seed: int = 500) -> None:
    """Generated reports (govreport.synth text_pdf, office redactions) with each attack of
    govreport.synth.adversarial, redaction boxes as vector fills with the text under them removed
    or left: every template cell scored on the contract output (benchmarks/common.py); the other
    readers' tables mapped to template cells by row label and column order."""
    from govreport.api import extract
    from govreport.synth.__main__ import generate
    from govreport.synth.adversarial import ATTACKS

    docs = []
    for attack in ATTACKS:
        for i in range(n):
            out = work / f"adv_{attack}_{i}"
            files, _ = generate("text_pdf", "gov2021", seed + i, "office", out, attacks=[attack],
                                redaction="removed" if i % 2 == 0 else "kept")
            docs.append((attack, files[0], load_truth(out / "truth.json")))
    pages = sum(t["meta"]["pages"] for _, _, t in docs)
    print(f"\n{len(docs)} adversarial PDFs ({n} per attack: {', '.join(ATTACKS)}), {pages} pages\n")
    readers = {"govreport": lambda p, t: extract(str(p)).to_dict(),
               "camelot lattice (pdfium)": lambda p, t: map_grid_tables(camelot_grids(p), t),
               "pdfplumber extract_tables": lambda p, t: map_grid_tables(pdfplumber_grids(p), t)}
    table: dict[str, dict[str, DocScore]] = {}
    secs: dict[str, float] = {}
    for name, fn in readers.items():
        by: dict[str, DocScore] = {}
        secs[name] = 0.0
        try:
            for attack, path, truth in docs:
                t0 = time.perf_counter()
                report = fn(path, truth)
                secs[name] += time.perf_counter() - t0
                by.setdefault(attack, DocScore()).__iadd__(score_report(report, truth))
        except Exception as exc:  # a competitor missing or failing is reported, not fatal
            print(f"{name}: error: {exc.__class__.__name__}: {exc}")
            continue
        table[name] = by
    names = list(table)
    print("| attack | cells | " + " | ".join(f"{r}: right, silent" for r in names) + " |")
    print("|---|---:|" + "---:|" * len(names))

    def cell(d: DocScore) -> str:
        return f"{d.correct} ({100 * d.accuracy:.2f}%), {d.silent}"

    for attack in ATTACKS:
        row = [table[r].get(attack, DocScore()) for r in names]
        print(f"| {attack} | {row[0].cells if row else 0} | " + " | ".join(cell(d) for d in row) + " |")
    totals = []
    for r in names:
        t = DocScore()
        for d in table[r].values():
            t += d
        totals.append(t)
    print(f"| all | {totals[0].cells if totals else 0} | " + " | ".join(cell(d) for d in totals) + " |")
    print("| s/page | | " + " | ".join(f"{secs[r] / max(1, pages):.3f}" for r in names) + " |")
    for t, r in zip(totals, names, strict=True):
        for ex in t.silent_examples[:5] if r == "govreport" else ():
            print(f"  govreport silent: {ex}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3, help="timing runs per reader and document (best is kept)")
    ap.add_argument("--adversarial", type=int, default=2, help="adversarial PDFs per attack (0: none)")
    ap.add_argument("--seed", type=int, default=500, help="first seed of the adversarial PDFs")
    ap.add_argument("--only-adversarial", action="store_true", help="skip the plain table readers")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.only_adversarial:
            adversarial(args.adversarial, work, args.seed)
            return
        docs = build(args.docs, work)
        total_pages = sum(d[1] for d in docs)
        print(f"{len(docs)} generated PDFs, {total_pages} pages, 175 cells / applications table\n")
        print("| reader | s/page (best of runs) | figures in right row+column | labels whole | by kind |")
        print("|---|---:|---:|---:|---|")
        for name, fn in READERS.items():
            try:
                fn(docs[0][0])  # warm-up (imports)
            except Exception as exc:  # a competitor missing or failing is reported, not fatal
                print(f"| {name} | - | error: {exc.__class__.__name__}: {exc} | |")
                continue
            secs = 0.0
            hits = total = lab_hit = lab_total = 0
            by_kind: dict[str, list[int]] = {}
            for path, _, table, _, kind in docs:
                best = float("inf")
                rows: Rows = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    rows = fn(path)
                    best = min(best, time.perf_counter() - t0)
                secs += best
                h, t = score(rows, table)
                hits += h
                total += t
                lh, lt = labels(rows, table)
                lab_hit += lh
                lab_total += lt
                acc = by_kind.setdefault(kind, [0, 0])
                acc[0] += h
                acc[1] += t
            kinds = ", ".join(f"{k}: {100 * h / max(1, t):.0f}%" for k, (h, t) in by_kind.items())
            fig = f"{hits}/{total} ({100 * hits / max(1, total):.1f}%)"
            lab = f"{lab_hit}/{lab_total} ({100 * lab_hit / max(1, lab_total):.1f}%)"
            print(f"| {name} | {secs / total_pages:.3f} | {fig} | {lab} | {kinds} |")

        print("\n| reader | s/document (best of runs) | figures in right row+column |")
        print("|---|---:|---:|")
        for label, suffix in (("govreport docx", ".docx"), ("govreport html", ".html")):
            secs = 0.0
            hits = total = 0
            result = None
            for i, (_, _, table, blocks, _) in enumerate(docs):
                path = work / f"doc{i}{suffix}"
                if suffix == ".docx":
                    bd.to_docx(blocks, path)  # type: ignore[arg-type]
                    reader = read_docx
                else:
                    path.write_text(bd.to_html(blocks), encoding="utf-8")  # type: ignore[arg-type]
                    reader = read_html
                best = float("inf")
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    result = reader(path, S)
                    best = min(best, time.perf_counter() - t0)
                secs += best
                h, t = score(bd.token_rows(result.tokens), table)
                hits += h
                total += t
            print(f"| {label} | {secs / len(docs):.4f} | {hits}/{total} ({100 * hits / max(1, total):.1f}%) |")
        if args.adversarial:
            adversarial(args.adversarial, work, args.seed)


if __name__ == "__main__":
    main()
