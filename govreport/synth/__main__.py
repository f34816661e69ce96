"""Generate sample reports with known truth.

    python -m govreport.synth --kind scanned_pdf --template gov2021 --seed 7 --degrade office --out DIR

writes ``DIR/report.pdf`` (or ``.docx``, ``.html``, ``report_p1.png``...) and ``DIR/truth.json``:
the contract JSON the document should give. ``--name NAME`` writes ``NAME.<ext>`` and
``NAME.truth.json`` instead. :func:`generate` is the same from Python.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govreport.synth.adversarial import ATTACKS, Mark, draw_on_image, plan_attacks, split_rows
from govreport.synth.degrade import QUALITIES, degrade_pages, jpeg_roundtrip, redact_printed, truth_json
from govreport.synth.printed import printed_document
from govreport.synth.truth import random_truth
from govreport.types import CellRef

log = logging.getLogger(__name__)

KINDS = ("scanned_pdf", "text_pdf", "docx", "html", "png")
EXT = {"scanned_pdf": ".pdf", "text_pdf": ".pdf", "docx": ".docx", "html": ".html", "png": ".png"}


def generate(kind: str, template: str = "gov2021", seed: int = 0, quality: str = "office",
             out: str | Path = ".", name: str | None = None, variant: str | None = None,
             attacks: Sequence[str] = (), redaction: str = "removed",
             ) -> tuple[list[Path], dict[str, Any]]:
    """Write one document of ``kind`` and its truth file; returns (document files, truth).

    ``attacks`` (:data:`govreport.synth.adversarial.ATTACKS`) lays black boxes and seals over
    table structure and splits tables across pages (scans and PDFs); ``redaction`` says what a
    PDF's boxes leave of the text under them: ``removed`` (a redaction tool) or ``kept`` (a box
    drawn over the text).

    One branch per kind of document, each drawing from the same random stream in a fixed order
    (so a seed gives the same document), which is why it stays one function."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)} (got {kind!r})")
    if redaction not in ("removed", "kept"):
        raise ValueError(f"redaction must be removed or kept (got {redaction!r})")
    q = QUALITIES[quality]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = name or "report"
    truth_path = out / (f"{name}.truth.json" if name else "truth.json")
    rng = random.Random(f"{template}:{seed}:{kind}:{quality}")
    truth = random_truth(template, seed=seed, variant=variant)
    doc = printed_document(truth)
    status = redact_printed(doc, q, rng)
    synth: dict[str, Any] = {"generator": "govreport.synth", "seed": seed, "kind": kind, "degrade": quality}
    files: list[Path] = []
    if kind in ("html", "docx"):
        path = out / (base + EXT[kind])
        if kind == "html":
            from govreport.synth.render_html import write_html

            write_html(doc, path)
        else:
            from govreport.synth.render_docx import render_docx

            render_docx(doc, path)
        files.append(path)
        data = truth_json(doc, status, path.name, kind, synth=synth)
    else:
        from govreport.synth.render_pdf import layout_document

        splits: dict[str, int] = {}
        if "split" in attacks:
            splits = split_rows(doc, rng)
        elif q.split_tables:
            n = len(next(t for t in doc.tables() if t.table_id == "applications").rows)
            splits["applications"] = rng.randint(6, n - 4)
        layouts = layout_document(doc, splits=splits)
        marks = plan_attacks(layouts, doc, attacks, rng, status) if attacks else []
        if attacks:
            synth["attacks"] = list(attacks)
            synth["splits"] = splits
            synth["marks"] = [{"attack": m.attack, "kind": m.kind, "page": m.page + 1,
                               "bbox": [round(v, 1) for v in m.bbox], "covers": [list(k) for k in m.covers]}
                              for m in marks]
        if kind == "text_pdf":
            from govreport.synth.adversarial import hidden_text
            from govreport.synth.render_pdf import render_pdf

            path = out / (base + ".pdf")
            texts = [hidden_text(p, marks, i) for i, p in enumerate(layouts)] if redaction == "removed" else None
            render_pdf(doc, path, layouts, marks=marks, texts=texts)
            if marks:
                synth["redaction"] = redaction
            files.append(path)
            placements = {k: (p.number - 1, b) for p in layouts for k, b in p.cells.items()}
            synth["pages"] = [{"page": p.number, "size": [round(p.width, 2), round(p.height, 2)]}
                              for p in layouts]
            data = truth_json(doc, status, path.name, kind, placements, pages=len(layouts), synth=synth)
        else:
            data, files = _scan(kind, doc, status, layouts, q, rng, out, base, synth, marks)
    truth_path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    log.info("wrote %s and %s", ", ".join(str(f) for f in files), truth_path)
    return files, data


def _scan(kind: str, doc: Any, status: dict[CellRef, str], layouts: list[Any], q: Any, rng: random.Random,
          out: Path, base: str, synth: dict[str, Any], marks: Sequence[Mark] = ()) -> tuple[dict[str, Any], list[Path]]:
    from govreport.synth.render_image import render_page, scale_bbox

    dpi = rng.choice(q.dpi)
    images = [render_page(p, dpi, seal_agency=doc.truth.agency) for p in layouts]
    for i, img in enumerate(images):
        draw_on_image(img, marks, i, dpi, doc.truth.agency)
    placements = {k: (p.number - 1, scale_bbox(b, dpi)) for p in layouts for k, b in p.cells.items()}
    images, placements, info, notes = degrade_pages(images, placements, q, rng, status, doc.truth.agency, dpi)
    jq = rng.randint(*q.jpeg)
    synth.update({"pages": info, "jpeg_quality": jq, **notes})
    files: list[Path] = []
    if kind == "scanned_pdf":
        import calendar
        import time

        # a fixed date, so the same seed gives the same bytes
        stamp = time.gmtime(calendar.timegm((doc.truth.year + 1, 1, 20, 9, 30, 0, 0, 0, 0)))
        path = out / (base + ".pdf")
        images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi),
                       quality=jq, title=f"{doc.truth.agency}{doc.truth.year}年政府信息公开工作年度报告",
                       creationDate=stamp, modDate=stamp)
        files.append(path)
        source = path.name
    else:
        for i, img in enumerate(images, 1):
            path = out / f"{base}_p{i}.png"
            (jpeg_roundtrip(img, jq) if q.name != "none" else img).save(path, compress_level=3)
            files.append(path)
        source = files[0].name
        synth["files"] = [f.name for f in files]
    data = truth_json(doc, status, source, "scanned_pdf" if kind == "scanned_pdf" else "image",
                      placements, pages=len(images), dpi=dpi, synth=synth)
    return data, files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m govreport.synth", description=__doc__.split("\n")[0])
    ap.add_argument("--kind", choices=KINDS, default="scanned_pdf")
    ap.add_argument("--template", default="gov2021", choices=("gov2021", "gov2019"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--degrade", choices=tuple(QUALITIES), default="office")
    ap.add_argument("--variant", choices=("split", "single"), default=None,
                    help="applications table variant (default: random, as truth.py picks)")
    ap.add_argument("--attack", action="append", choices=(*ATTACKS, "all"), default=[],
                    help="black boxes and seals over table structure, tables split across pages "
                    "(repeatable; all: every one)")
    ap.add_argument("--redaction", choices=("removed", "kept"), default="removed",
                    help="text_pdf: what a box leaves of the text under it")
    ap.add_argument("--out", default=".")
    ap.add_argument("--name", default=None, help="file stem (default: report + truth.json)")
    ap.add_argument("-n", type=int, default=1, help="documents to write (seeds seed.., one folder each)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    for i in range(args.n):
        out = Path(args.out) if args.n == 1 else Path(args.out) / f"{args.seed + i:05d}"
        attacks = list(ATTACKS) if "all" in args.attack else args.attack
        files, data = generate(args.kind, args.template, args.seed + i, args.degrade, out, args.name,
                               args.variant, attacks, args.redaction)
        counts: dict[str, int] = {}
        for c in data["cells"]:
            counts[c["status"]] = counts.get(c["status"], 0) + 1
        print(f"{', '.join(str(f) for f in files)}: {data['meta']['pages'] or '-'} page(s), "
              f"{len(data['cells'])} cells {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
