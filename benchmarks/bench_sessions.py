"""CPU time of the OCR sessions alone: the cell crops of one generated page recognised, then a page
detected and recognised (min of ``--rounds``), for this tree or ``--code TREE`` (before/after a
change of how sessions are made; run the two in turn, a few times, on a shared machine).

    python benchmarks/bench_sessions.py && python benchmarks/bench_sessions.py --code /tmp/main
    python benchmarks/bench_sessions.py --width-step 320      # the GPU's strip widths, on the CPU
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--code", metavar="TREE", help="the govreport of this source tree instead of this one's")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--width-step", type=int, help="round strip widths up to a multiple of this")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(args.code).resolve() if args.code else ROOT))
    import numpy as np

    from govreport.ocr.engines import get_engine

    sys.path.insert(1, str(ROOT))
    from tests.scanfixtures import make_table_page

    engine = get_engine()
    if args.width_step:
        engine.width_step = args.width_step  # type: ignore[attr-defined]
    page = make_table_page(11)
    gray = np.asarray(page.image.convert("L"))
    crops = [gray[y0 + 6:y1 - 6, x0 + 6:x1 - 6] for (x0, y0, x1, y1) in page.cell_boxes.values()]
    rgb = np.asarray(page.image.convert("RGB"))[:1200]
    engine.recognize(crops)
    engine.detect(rgb)
    rec, det = [], []
    for _ in range(args.rounds):
        t = time.process_time()
        engine.recognize(crops)
        rec.append(time.process_time() - t)
        t = time.process_time()
        engine.detect(rgb)
        det.append(time.process_time() - t)
    print(f"{args.code or ROOT}: {len(crops)} crops recognised in {min(rec):.3f} CPU s; "
          f"a 1200-row page detected and recognised in {min(det):.3f} CPU s (min of {args.rounds})")


if __name__ == "__main__":
    main()
