"""Write the bundled text samples (``samples/*.txt``/``*.md``) with their truth.

``python -m govreport.synth.samples samples/`` regenerates them; the truth file lists each cell's
true ``value`` and how it was ``printed`` (read / blank / masked).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from govreport.synth.flatten import Damage, flatten
from govreport.synth.printed import printed_document
from govreport.synth.truth import Truth, random_truth


def truth_json(truth: Truth, damage: Damage, source: str) -> dict[str, object]:
    cells = []
    for (table, row, col), value in truth.values.items():
        key = (table, row, col)
        printed = "masked" if key in damage.masked else "blank" if key in damage.blank_zero else "read"
        cells.append({"table": table, "row": row, "col": col, "value": value, "printed": printed})
    return {"source": source, "template": truth.template,
            "meta": {"year": truth.year, "agency": truth.agency, "variant": truth.variant}, "cells": cells}


def write_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    t = random_truth("gov2021", seed=11, variant="split")
    t.agency, t.year = "青山区人民政府办公室", 2024
    doc = printed_document(t)
    dmg = Damage(masked={("applications", "unable_not_held", "natural_person")},
                 blank_zero={k for k in doc.cell_text if k[1] == "withheld_query" and t.values[k] == 0}, wrap=14)
    text, _ = flatten(doc, "tabs", dmg, seed=1)
    out.append(_write(folder / "sample_2021_tabs.txt", text, truth_json(t, dmg, "sample_2021_tabs.txt")))
    t2 = random_truth("gov2019", seed=12)
    t2.agency, t2.year = "临江市生态环境局", 2019
    dmg2 = Damage(halfwidth=True)
    text2, _ = flatten(printed_document(t2), "pipes", dmg2, seed=2)
    out.append(_write(folder / "sample_2019_pipes.md", text2, truth_json(t2, dmg2, "sample_2019_pipes.md")))
    return out


def _write(path: Path, text: str, truth: dict[str, object]) -> Path:
    path.write_text(text, encoding="utf-8")
    path.with_name(path.stem + ".truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover
    for p in write_samples(Path(sys.argv[1] if len(sys.argv) > 1 else "samples")):
        print(p)
