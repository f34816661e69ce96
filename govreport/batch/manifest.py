"""The batch folder's records: ``manifest.jsonl`` (one line per processed report, fsynced),
``failures.jsonl``, and report JSONs written durably."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from govreport.errors import OutputError
from govreport.names import json_dumps
from govreport.output.dataset import shareable
from govreport.output.export import atomic_path

MANIFEST = "manifest.jsonl"
FAILURES = "failures.jsonl"


class Manifest:
    """``DIR/manifest.jsonl``: one JSON line per processed report, appended and fsynced.

    A line cut short by a kill is ignored on reading (and the next line starts on a fresh line).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, dict[str, Any]] = {}
        self.lines = 0
        try:
            raw = path.read_bytes() if path.exists() else b""
            for line in raw.splitlines():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and "id" in rec:
                    self.records[rec["id"]] = rec
                    self.lines += 1
            self._fh = path.open("ab")
            if raw and not raw.endswith(b"\n"):
                self._fh.write(b"\n")
        except OSError as exc:
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None

    def append(self, record: dict[str, Any]) -> None:
        try:
            self._fh.write(json_dumps(record, sort_keys=True).encode("utf-8") + b"\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write ({exc.strerror or exc})") from None
        self.records[record["id"]] = record
        self.lines += 1

    def close(self) -> None:
        self._fh.close()


def write_json_durable(target: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON atomically, fsynced before the rename."""
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8") as fh:
        shareable(tmp)
        fh.write(json_dumps(data, indent=2) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_failures(out: Path, manifest: Manifest) -> list[dict[str, Any]]:
    """``DIR/failures.jsonl``: the latest failure of every id without a valid JSON, sorted by source."""
    rows = []
    for rec in manifest.records.values():
        if rec.get("status") == "failed" and not (out / f"{rec['id']}.json").exists():
            rows.append({k: rec.get(k) for k in ("id", "source", "exit_code", "reason")})
    rows.sort(key=lambda r: (str(r["source"]), r["id"]))
    with atomic_path(out / FAILURES) as tmp:
        tmp.write_text("".join(json_dumps(r, sort_keys=True) + "\n" for r in rows),
                       encoding="utf-8")
        shareable(tmp)
    return rows
