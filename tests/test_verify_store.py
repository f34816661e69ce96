"""``corrections.jsonl``: whole lines under a lock, fsynced; torn lines ignored; two writers never corrupt it."""

from __future__ import annotations

import csv
import json
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from govreport.verify.exports import write_corrections_csv
from govreport.verify.store import CORRECTIONS, CorrectionStore, Decision, digest, latest

DOC = "0123456789abcdef"


def decision(n: int, doc: str = DOC, reviewer: str = "ann") -> Decision:
    return Decision.make(doc, "applications", "new", "natural_person", "value", n, old_value=0, old_status="read",
                         old_text="0", reviewer=reviewer, report=f"{doc}-r")


def test_append_read_and_latest(tmp_path):
    store = CorrectionStore(tmp_path)
    for n in (1, 2, 3):
        store.append(decision(n))
    store.append(Decision.make(DOC, "appeals", "review", "total", "illegible", reviewer="bo"))
    got = CorrectionStore(tmp_path).decisions()
    assert [d.value for d in got] == [1, 2, 3, None]
    final = latest(got)
    assert final[("applications", "new", "natural_person")].value == 3
    assert final[("appeals", "review", "total")].status == "masked"
    lines = (tmp_path / CORRECTIONS).read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[0])
    assert {"doc", "table", "row", "col", "old_value", "old_status", "value", "reviewer", "time"} <= set(rec)
    assert rec["time"].endswith("Z") and rec["doc"] == DOC
    assert digest(got[:3]) != digest(got)


def test_incremental_reading_sees_only_new_lines(tmp_path):
    reader, writer = CorrectionStore(tmp_path), CorrectionStore(tmp_path)
    writer.append(decision(1))
    assert len(reader.decisions()) == 1
    writer.append(decision(2))
    assert [d.value for d in reader.decisions()] == [1, 2]
    assert [d.value for d in reader.for_doc(DOC)] == [1, 2]
    assert reader.for_doc("ffffffffffffffff") == []


def test_torn_last_line_is_ignored_with_a_warning_and_the_next_append_starts_fresh(tmp_path, caplog):
    store = CorrectionStore(tmp_path)
    store.append(decision(1))
    with (tmp_path / CORRECTIONS).open("ab") as fh:
        fh.write(decision(2).to_json().encode()[:40])  # a crash in the middle of a line
    with caplog.at_level(logging.WARNING, logger="govreport"):
        got = CorrectionStore(tmp_path).decisions()
    assert [d.value for d in got] == [1]
    assert "incomplete last line" in caplog.text
    store.append(decision(3))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="govreport"):
        assert [d.value for d in CorrectionStore(tmp_path).decisions()] == [1, 3]
    assert "malformed line" in caplog.text  # the torn fragment, now a line of its own


@pytest.mark.parametrize("bad", [b"[]", b'{"doc": "x"}', b'{"doc":"x","table":"t","row":"r","col":"c",'
                                 b'"action":"value","value":"9"}', b'{"doc":"x","table":"t","row":"r","col":"c",'
                                 b'"action":"blank","value":3}', b"\xff\xfe"])
def test_malformed_lines_are_skipped(tmp_path, bad):
    (tmp_path / CORRECTIONS).write_bytes(bad + b"\n" + decision(5).to_json().encode() + b"\n")
    assert [d.value for d in CorrectionStore(tmp_path).decisions()] == [5]


def test_decision_rules():
    with pytest.raises(ValueError):
        Decision.make(DOC, "t", "r", "c", "guess", 1)
    with pytest.raises(ValueError):
        Decision.make(DOC, "t", "r", "c", "value", None)
    assert Decision.make(DOC, "t", "r", "c", "blank", 5).value is None


def _writer(folder: str, who: str, n: int) -> None:
    store = CorrectionStore(folder)
    for k in range(n):
        store.append(decision(k, reviewer=who))


def test_two_processes_appending_never_corrupt_the_file(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), who, 150)) for who in ("ann", "bo")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    raw = (tmp_path / CORRECTIONS).read_bytes()
    assert raw.endswith(b"\n")
    lines = raw.splitlines()
    assert len(lines) == 300
    got = [Decision.from_json(x) for x in lines]  # every line whole
    for who in ("ann", "bo"):
        assert [d.value for d in got if d.reviewer == who] == list(range(150))  # each writer's order kept


KILLED_WRITER = """
import sys
from govreport.verify.store import CorrectionStore, Decision
store = CorrectionStore(sys.argv[1])
n = 0
while True:
    store.append(Decision.make("0123456789abcdef", "appeals", "review", "total", "value", n, reviewer="k"))
    print(n, flush=True)
    n += 1
"""


def test_a_killed_writer_loses_nothing_it_acknowledged(tmp_path):
    p = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    acked = []
    deadline = time.monotonic() + 30
    while len(acked) < 40 and time.monotonic() < deadline:
        acked.append(int(p.stdout.readline()))
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    values = [d.value for d in CorrectionStore(tmp_path).decisions()]
    assert values[:len(acked)] == acked  # every acknowledged decision is there, in order


def test_corrections_csv_neutralises_formulas(tmp_path):
    evil = Decision.make(DOC, "applications", "new", "total", "value", 3, old_value=-2, old_status="read",
                         old_text="=HYPERLINK(\"http://x\")", reviewer="@admin", source="+cmd|' /C calc'!A0")
    out = tmp_path / "c.csv"
    assert write_corrections_csv([evil, decision(1)], out) == 2
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert rows[0]["old_text"].startswith("'=") and rows[0]["reviewer"] == "'@admin"
    assert rows[0]["source"].startswith("'+")
    assert rows[0]["old_value"] == "-2" and rows[0]["value"] == "3"  # numbers stay numbers
    assert rows[1]["reviewer"] == "ann"


def test_verify_export_command(tmp_path):
    from govreport.cli import main

    dataset = tmp_path / "dataset"
    dataset.mkdir()
    CorrectionStore(dataset).append(decision(4))
    out = tmp_path / "audit.csv"
    assert main(["verify", str(dataset), "--export", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == 1 and rows[0]["value"] == "4" and rows[0]["doc"] == DOC
    assert main(["verify", str(tmp_path / "nope"), "--export", str(out)]) == 3
    assert main(["verify", str(dataset), "--export", str(out)]) == 2  # exists: --force to replace it
    assert main(["verify", str(dataset), "--export", str(out), "--force"]) == 0
