"""Behaviour snapshot: the contract JSON of every sample and benchmark input, compared byte for byte.

    python benchmarks/compare_outputs.py write OUT [--inputs DIR]   # snapshot of this tree
    python benchmarks/compare_outputs.py diff A B                    # exit 1 and list what differs
    python benchmarks/compare_outputs.py scans --before TREE         # scans read by both trees, scored

A refactoring must not change what govreport outputs. ``write`` runs ``govreport extract FILE --json``
(in-process, through the CLI's ``main``) on every input and writes ``OUT/<name>.json`` (stdout: the
contract JSON) and ``OUT/<name>.status`` (the exit code and stderr: the one-line error of an input
that fails). Generated text reports go through ``govreport.extract(text)`` as ``bench_text.py`` does.

Inputs:

- ``samples/*`` (not the truth files), ``../shared/seeds/*.txt``, ``../shared/real/*`` (when beside
  the checkout);
- ``text``: 20 generated reports per text style with random damage (``bench_text.py``'s draw);
- ``gen``: Word, HTML and text-layer PDF reports of both templates (``python -m govreport.synth``,
  as ``bench_batch.py`` makes them), and one PNG scan;
- ``bd``: born-digital PDFs (plain, split, repeated header, Kangxi with filled rulings, as
  ``bench_borndigital.py`` makes them; one mixed text/image PDF), their Word and HTML twins;
- ``scan``: 3 office and 3 poor generated scans (``bench_scan.py``'s generator, seeds 1000 up);
- ``prose``: 40 flattened reports with figures planted in their prose (``tests/test_narrative_property.py``),
  for the prose-against-tables check;
- ``hostile``: broken and refused inputs (``tests/hostile_inputs.py``), for exit codes and messages.

Generated inputs are written once to ``--inputs`` (default ``benchmarks/_work/compare_inputs``) and
reused, so two snapshots read the very same files even if the generators change in between. Paths
in the JSON (``source``) are the inputs' paths, so compare snapshots made with the same ``--inputs``.
OCR makes the scans the slow part (about a minute on 2 cores); ``--skip-scans`` leaves them out.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import random
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SHARED = ROOT.parent / "shared"
DEFAULT_INPUTS = ROOT / "benchmarks" / "_work" / "compare_inputs"
TEXT_PER_STYLE = 20
SCAN_SEED = 1000
SCANS = {"office": 3, "poor": 3}
PROSE = 40
Input = tuple[str, list[str]]  #: (output name, CLI arguments after ``extract``)


# -- inputs ---------------------------------------------------------------------------------------
def _generate_gen(folder: Path) -> None:
    from govreport.synth.__main__ import generate

    for i, kind in enumerate(["docx", "html", "text_pdf"] * 3):
        template = "gov2019" if i % 3 == 1 else "gov2021"
        generate(kind, template, seed=i, quality="office", out=folder, name=f"{kind}_{template}_{i}")
    generate("png", "gov2021", seed=7, quality="office", out=folder, name="png_gov2021_7")


def _generate_bd(folder: Path) -> None:
    import borndigital as bd

    for i in range(8):
        rng = random.Random(i)
        kind = ["plain", "split", "header", "kangxi"][i % 4]
        blocks = bd.sample_report(bd.random_values(rng), prose=1 if kind == "plain" else 14)
        table = blocks[-2]
        if kind == "header":
            table.repeat_header = 3
        opts = bd.PdfOptions(kangxi=kind == "kangxi", filled_borders=kind == "kangxi")
        bd.to_pdf(blocks, folder / f"doc{i}_{kind}.pdf", opts)
        if i < 4:
            bd.to_docx(blocks, folder / f"doc{i}_{kind}.docx")
            (folder / f"doc{i}_{kind}.html").write_text(bd.to_html(blocks), encoding="utf-8")
    blocks = [*bd.sample_report(), bd.PageBreak(), "本页的文字层是乱码，需要OCR。" * 4, bd.ImagePage(bd.ART20)]
    bd.to_pdf(blocks, folder / "mixed.pdf", bd.PdfOptions(garbage_pages=frozenset({3})))


def _generate_scans(folder: Path) -> None:
    from govreport.synth.__main__ import generate

    for quality, n in SCANS.items():
        for i in range(n):
            generate("scanned_pdf", "gov2021", SCAN_SEED + i, quality, folder, name=f"{quality}_{SCAN_SEED + i}")


def _generate_prose(folder: Path) -> None:
    from test_narrative_property import _planted

    for seed in range(PROSE):
        template = "gov2019" if seed % 3 == 2 else "gov2021"
        style = ("tabs", "pipes", "cells", "lines")[seed % 4]
        text, _, _ = _planted(seed, template, style, spaced=seed % 2 == 1)
        (folder / f"prose_{seed:02d}_{template}_{style}.txt").write_text(text, encoding="utf-8")


def _generate_hostile(folder: Path) -> None:
    import hostile_inputs as h

    text_pdf = (ROOT / "samples" / "sample_2021_text.pdf").read_bytes()
    tabs = (ROOT / "samples" / "sample_2021_tabs.txt").read_bytes()
    flipped = bytearray(text_pdf)
    for k in random.Random(1).sample(range(len(flipped)), 300):
        flipped[k] ^= 0xFF
    files = {
        "truncated.pdf": text_pdf[: len(text_pdf) // 2],
        "flipped.pdf": bytes(flipped),
        "header_junk.pdf": b"%PDF-1.7\n" + random.Random(2).randbytes(5000),
        "preamble.pdf": b"junk before the header\n" + text_pdf,
        "zero_pages.pdf": h.blank_pdf(0),
        "blank_pages.pdf": h.blank_pdf(3),
        "encrypted.pdf": h.encrypted_report_pdf("1234"),
        "noise.png": h.noise_png(),
        "evil.zip": h.evil_zip(),
        "pdf_named.txt": text_pdf,
        "text_named.docx": tabs,
        "png_named.pdf": h.image_bytes("PNG", (300, 200)),
        "junk.pdf": bytes(range(256)) * 20,
        "junk.docx": bytes(range(256)) * 20,
        "junk.png": bytes(range(256)) * 20,
        "empty.txt": b"",
        "whitespace.txt": b" \n\t\r\n" * 100,
        "archive.txt.gz": b"\x1f\x8b\x08\x00" + bytes(100),
        "doc.rtf": b"{\\rtf1\\ansi hello}",
        "legacy.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        "prose.txt": ("本机关认真贯彻落实政府信息公开条例，持续深化政务公开。" * 30).encode(),
        "gif_cut.gif": h.image_bytes("GIF")[:-1] + b"!",
        "gbk.txt": (ROOT / "samples" / "sample_2021_tabs.txt").read_text(encoding="utf-8").encode("gbk"),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "a_folder").mkdir(exist_ok=True)


GENERATORS: dict[str, Callable[[Path], None]] = {
    "gen": _generate_gen, "bd": _generate_bd, "scan": _generate_scans, "prose": _generate_prose,
    "hostile": _generate_hostile}


def prepare_inputs(inputs: Path, skip_scans: bool) -> None:
    """Write each generated group once (a group's folder is complete when ``.complete`` exists)."""
    logging.disable(logging.WARNING)
    try:
        for group, make in GENERATORS.items():
            if group == "scan" and skip_scans:
                continue
            folder = inputs / group
            if (folder / ".complete").exists():
                continue
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            print(f"generating {group} inputs in {folder}", file=sys.stderr)
            make(folder)
            (folder / ".complete").write_text("", encoding="utf-8")
    finally:
        logging.disable(logging.NOTSET)


def file_inputs(inputs: Path, skip_scans: bool) -> Iterator[Input]:
    """Every file input as (name, CLI arguments)."""
    for p in sorted((ROOT / "samples").iterdir()):
        if not p.name.endswith(".truth.json"):
            yield f"samples__{p.name}", [str(p.relative_to(ROOT))]
    for sub in ("seeds", "real"):
        folder = SHARED / sub
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                if p.suffix in (".txt", ".html") and p.name != "README.md":
                    yield f"{sub}__{p.name}", [str(p)]
    for group in ("gen", "bd", "scan", "prose", "hostile"):
        if group == "scan" and skip_scans:
            continue
        for p in sorted((inputs / group).iterdir()):
            if p.name == ".complete" or p.name.endswith(".truth.json") or p.name.startswith("truth"):
                continue
            yield f"{group}__{p.name}", [str(p)]
    hostile = inputs / "hostile"
    yield "hostile__encrypted_wrong_password", [str(hostile / "encrypted.pdf"), "--password", "nope"]
    yield "hostile__encrypted_right_password", [str(hostile / "encrypted.pdf"), "--password", "1234"]
    yield "hostile__missing_file", [str(hostile / "no_such_file.txt")]
    yield "hostile__bad_template", ["samples/sample_2021_tabs.txt", "--template", "gov1999"]
    yield "hostile__forced_template", ["samples/sample_2021_tabs.txt", "--template", "gov2019"]


def text_inputs() -> Iterator[tuple[str, str]]:
    """Generated flattened-text reports as (name, text): ``bench_text.py``'s draw, seeds 0 up."""
    from govreport.synth.flatten import STYLES, Damage, flatten
    from govreport.synth.printed import printed_document
    from govreport.synth.truth import random_truth

    for seed in range(TEXT_PER_STYLE):
        rng = random.Random(seed)
        truth = random_truth(rng.choice(["gov2021", "gov2019"]), rng=rng)
        doc = printed_document(truth)
        damage = Damage.random(doc, rng)
        for style in STYLES:
            text, _ = flatten(doc, style, damage, seed=seed)
            yield f"text__{style}_{seed:02d}", text


# -- running --------------------------------------------------------------------------------------
def run_cli(args: list[str]) -> tuple[int, str, str]:
    """``govreport extract ARGS --json`` in this process: (exit code, stdout, stderr)."""
    from govreport.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["extract", *args, "--json"])
    return rc, out.getvalue(), err.getvalue()


def run_text(text: str) -> tuple[int, str, str]:
    import govreport
    from govreport.errors import GovreportError

    try:
        return 0, govreport.extract(text).to_json() + "\n", ""
    except GovreportError as exc:
        return int(exc.exit_code), "", f"govreport: error: {exc}\n"


def write(out: Path, inputs: Path, skip_scans: bool) -> int:
    prepare_inputs(inputs, skip_scans)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    n = 0
    jobs: list[tuple[str, Callable[[], tuple[int, str, str]]]] = [
        (name, lambda a=args: run_cli(a)) for name, args in file_inputs(inputs, skip_scans)]
    jobs += [(name, lambda t=text: run_text(t)) for name, text in text_inputs()]
    for name, job in jobs:
        rc, stdout, stderr = job()
        if stdout:
            (out / f"{name}.json").write_text(stdout, encoding="utf-8")
        (out / f"{name}.status").write_text(f"exit {rc}\n{stderr}", encoding="utf-8")
        n += 1
        print(f"{name}: exit {rc}", file=sys.stderr)
    print(f"{n} inputs written to {out}", file=sys.stderr)
    return 0


def diff(a: Path, b: Path) -> int:
    """List files present in one snapshot only or differing; 0 when byte-identical."""
    names_a = {p.name for p in a.iterdir()}
    names_b = {p.name for p in b.iterdir()}
    problems = [f"only in {a}: {n}" for n in sorted(names_a - names_b)]
    problems += [f"only in {b}: {n}" for n in sorted(names_b - names_a)]
    for n in sorted(names_a & names_b):
        if (a / n).read_bytes() != (b / n).read_bytes():
            problems.append(f"differs: {n}")
    for line in problems:
        print(line)
    print(f"{len(names_a & names_b)} files compared, {len(problems)} difference(s)", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write the snapshot of this tree into OUT")
    w.add_argument("out", type=Path)
    w.add_argument("--inputs", type=Path, default=DEFAULT_INPUTS, help="where generated inputs are kept")
    w.add_argument("--skip-scans", action="store_true", help="leave out the generated scans (OCR)")
    d = sub.add_parser("diff", help="compare two snapshots byte for byte")
    d.add_argument("a", type=Path)
    d.add_argument("b", type=Path)
    sc = sub.add_parser("scans", help="every scan corpus read by another tree and this one, side by side "
                        "(benchmarks/compare_scans.py)")
    sc.add_argument("--before", type=Path, required=True, metavar="TREE", help="the other source tree")
    sc.add_argument("--corpora", default="office,poor,attacks,forms", help="office, poor, attacks, forms")
    sc.add_argument("--n", type=int, default=3, help="documents per scan quality")
    sc.add_argument("--n-forms", type=int, default=1, help="documents per office form")
    args = ap.parse_args(argv)
    if args.command == "scans":
        from compare_scans import CORPORA, compare

        corpora = [c for c in args.corpora.split(",") if c]
        if set(corpora) - set(CORPORA) or not (args.before / "govreport" / "__init__.py").is_file():
            ap.error(f"corpora are {', '.join(CORPORA)}; --before must be a source tree with govreport/")
        return compare(args.before.resolve(), corpora, args.n, args.n_forms)
    if args.command == "write":
        os.chdir(ROOT)  # samples are named by their path from the checkout's root
        return write(args.out, args.inputs.resolve(), args.skip_scans)
    return diff(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
