"""Review load: what a reviewer is handed, per corpus.

For each corpus: documents, cells, cells right, cells right and unflagged, false alarms (flagged cells
whose value was right, not counting the cells of a printed inconsistency the truth names), decisions per
report (open ``reading`` issues), and silent errors (a wrong value no issue names, not masked or missing).

    python benchmarks/bench_review.py                     # real reports, seeds, samples, generated text
    python benchmarks/bench_review.py --pdf 4 --scans 2   # and generated born-digital PDFs and scans

Corpora: ``../shared/real`` and ``../shared/seeds`` (skipped when absent), ``samples/``, generated
text of the review-load classes (a total column printed empty, a part column printed in its first row
only, rows that drop their empty fields), generated born-digital PDFs (``--pdf N``) and office scans
(``--scans N``, slow: OCR).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import govreport  # noqa: E402
from govreport.report import Report  # noqa: E402

Truth = dict[tuple[str, str, str], "int | float | None"]


@dataclass
class Row:
    corpus: str
    docs: int = 0
    cells: int = 0
    right: int = 0
    right_clean: int = 0
    false_alarms: int = 0
    decisions: int = 0
    silent: int = 0
    worst_alarms: int = 0

    def add(self, report: Report, truth: Truth, inconsistent_rows: set[tuple[str, str]]) -> None:
        flagged = report.issue_cells()
        cells = {c.key: c for c in report.cells}
        alarms = 0
        for key, want in truth.items():
            c = cells.get(key)
            v, st = (c.value, c.status) if c else (None, "missing")
            ok = (want is None and v in (None, 0)) or (want is not None and v is not None
                                                       and abs(float(v) - float(want)) < 1e-6) \
                or (want == 0 and v is None and st == "blank")
            doubted = key in flagged or st in ("masked", "missing")
            self.cells += 1
            if ok:
                self.right += 1
                if not doubted:
                    self.right_clean += 1
                elif key[:2] not in inconsistent_rows:
                    alarms += 1
            elif not doubted:
                self.silent += 1
        self.docs += 1
        self.false_alarms += alarms
        self.worst_alarms = max(self.worst_alarms, alarms)
        self.decisions += sum(1 for i in report.issues if i.about == "reading")


def _truth_json(path: Path) -> tuple[Truth, set[tuple[str, str]]]:
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    truth = {(c["table"], c["row"], c["col"]): c.get("value") for c in data["cells"]}
    for table, r, col, value in data.get("synth", {}).get("hidden", []):  # redacted, recoverable
        truth[(table, r, col)] = value
    bad = {tuple(x) for x in data.get("inconsistent_rows", []) + data.get("meta", {}).get("inconsistent", [])}
    return truth, bad  # type: ignore[return-value]


def shared_docs(folder: Path) -> Iterator[tuple[Path, Path]]:
    """Documents with their truth beside them: ``NAME.truth.json`` by ``NAME.*``, or a folder's
    ``truth.json`` by its one document (what ``python -m govreport.synth`` writes)."""
    for truth in sorted(folder.rglob("*truth.json")):
        stem = truth.name[: -len("truth.json")].rstrip(".")
        docs = [p for p in truth.parent.glob((stem + ".*") if stem else "*")
                if not p.name.endswith("truth.json") and p.is_file()]
        if docs:
            yield docs[0], truth


def generated_text(n: int, seed: int) -> Iterator[tuple[str, str, Truth]]:
    """Review-load classes printed as tab text (see tests/test_review_load.py)."""
    from govreport.synth.tabtext import tab_text as tab
    from govreport.synth.truth import random_truth

    for i in range(n):
        t = random_truth("gov2021", seed=seed + i, variant="split")
        apps = [k for k in t.values if k[0] == "applications"]
        outcome = {k for k in apps if k[1] not in ("new", "carried_over", "total_handled", "carried_forward")}
        total_empty = {k for k in outcome if k[2] == "total"}
        part_empty = {k for k in apps if k[1] != "new" and k[2] == "natural_person"}
        rng = random.Random(seed + i)
        dropped = {r for r in range(40) if rng.random() < 0.5}
        truth: Truth = dict(t.values)
        yield "total column empty", tab(t, lambda k, e=total_empty: k in e, lambda r: False), truth
        part_truth: Truth = {k: (None if k in part_empty else v) for k, v in t.values.items()}
        yield "part column empty", tab(t, lambda k, e=part_empty: k in e, lambda r: False), part_truth
        yield "dropped empty fields", tab(t, lambda k, tv=t.values: k[0] == "applications" and tv[k] == 0,
                                          lambda r, d=dropped: r in d), truth


def converted(n: int, seed: int) -> Iterator[tuple[str, str, Truth]]:
    """Generated reports as other people's converters leave them (govreport.synth.convert), undamaged:
    every flag on them is a false alarm."""
    from govreport.synth import convert as conv
    from govreport.synth.printed import printed_document
    from govreport.synth.truth import random_truth

    for name in conv.CONVERTERS:
        if not conv.available(name):
            continue
        for i in range(n):
            t = random_truth("gov2021" if i % 2 == 0 else "gov2019", seed=seed + 100 + i)
            with tempfile.TemporaryDirectory() as tmp:
                text = conv.convert(printed_document(t), name, tmp)
            yield name, text, dict(t.values)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--text", type=int, default=6, help="generated text documents per class")
    ap.add_argument("--converted", type=int, default=1, help="generated reports per converter")
    ap.add_argument("--pdf", type=int, default=0, help="generated born-digital PDFs")
    ap.add_argument("--scans", type=int, default=0, help="generated office scans (slow)")
    ap.add_argument("--seed", type=int, default=2500)
    args = ap.parse_args(argv)
    rows: dict[str, Row] = {}

    def row(name: str) -> Row:
        return rows.setdefault(name, Row(name))

    for name in ("real", "seeds"):
        folder = args.shared / name
        for doc, truth_path in shared_docs(folder) if folder.is_dir() else ():
            truth, bad = _truth_json(truth_path)
            row(f"../shared/{name}").add(govreport.extract(doc), truth, bad)
    for doc, truth_path in shared_docs(ROOT / "samples"):
        if doc.suffix == ".pdf" and "scanned" in doc.name and not args.scans:
            continue
        truth, bad = _truth_json(truth_path)
        row("samples").add(govreport.extract(doc), truth, bad)
    for cls, text, truth in generated_text(args.text, args.seed):
        row(f"text: {cls}").add(govreport.extract(text.encode()), truth, set())
    for name, text, truth in converted(args.converted, args.seed):
        row(f"converted: {name}").add(govreport.extract(text.encode()), truth, set())
    with tempfile.TemporaryDirectory() as tmp:
        for kind, n, degrade in (("text_pdf", args.pdf, None), ("scanned_pdf", args.scans, "office")):
            if not n:
                continue
            import subprocess

            out = Path(tmp) / kind
            cmd = [sys.executable, "-m", "govreport.synth", "--kind", kind, "-n", str(n), "--seed", str(args.seed),
                   "--out", str(out)] + (["--degrade", degrade] if degrade else [])
            subprocess.run(cmd, check=True, capture_output=True)
            for doc, truth_path in shared_docs(out):
                truth, bad = _truth_json(truth_path)
                row("generated born-digital" if kind == "text_pdf" else "generated office scans").add(
                    govreport.extract(doc), truth, bad)
    head = ("corpus", "docs", "cells", "right", "right, unflagged", "false alarms (max/doc)", "decisions/report",
            "silent")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows.values():
        print(f"| {r.corpus} | {r.docs} | {r.cells} | {r.right} ({100 * r.right / max(r.cells, 1):.1f}%) | "
              f"{r.right_clean} | {r.false_alarms} ({r.worst_alarms}) | {r.decisions / max(r.docs, 1):.1f} | "
              f"{r.silent} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
