"""Rebuild a dataset's exports in a process of its own: ``python -m govreport.verify.exports DATASET``.

The review app runs this once the reviewer pauses, so writing the exports of a large folder never
holds up a keyboard step. It applies ``corrections.jsonl`` to the JSONs first, as every export does.
Also :func:`write_corrections_csv`, the audit file of ``govreport verify DATASET --export FILE.csv``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from pathlib import Path

from govreport.output.export import CsvWriter, atomic_path, neutralise
from govreport.verify.store import Decision, in_force

log = logging.getLogger("govreport")

CSV_COLUMNS = ("time", "reviewer", "doc", "report", "source", "table", "row", "col", "action", "value",
               "old_value", "old_status", "old_text", "in_force")
BUSY = 75  #: exit code of :func:`main` when another process is writing the folder (EX_TEMPFAIL)
def write_corrections_csv(decisions: Iterable[Decision], target: Path) -> int:
    """Every decision, in file order, as CSV (UTF-8 with BOM, for Excel); returns the row count.
    ``action`` ``undo`` rows withdraw their cell's last decision; ``in_force`` is 1 for the decision
    each cell holds now, 0 for one replaced or withdrawn (and for the undo rows)."""
    n = 0
    ds = list(decisions)
    live = in_force(ds)
    with atomic_path(Path(target)) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        w = CsvWriter(fh)
        w.writerow(CSV_COLUMNS)
        for d, now in zip(ds, live, strict=True):
            row = [getattr(d, c) for c in CSV_COLUMNS[:-1]] + [int(now)]
            w.writerow(["" if v is None else neutralise(v) for v in row])
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    from govreport.errors import OutputError
    from govreport.output.dataset import export_dataset
    from govreport.output.folder import writing

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m govreport.verify.exports DATASET\n")
        return 2
    try:
        with writing(Path(args[0])):  # one writer of a batch folder at a time
            export_dataset(Path(args[0]))
    except OutputError as exc:
        sys.stderr.write(f"govreport: {exc}\n")
        return BUSY
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
