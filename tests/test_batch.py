"""``govreport batch``: folders, globs and zips, failures, kill -9 and resume, exports, cross-year check."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from govreport.batch.archive import discover, read_member
from govreport.batch.run import run_batch
from govreport.cli import main
from govreport.errors import BadInputError, ExitCode, MissingDependencyError, TooLargeError
from govreport.output.dataset import EXPORTS, export_dataset
from govreport.settings import ExtractSettings
from govreport.synth.flatten import Damage, flatten
from govreport.synth.printed import printed_document
from govreport.synth.truth import Truth, random_truth

N_TEXT = 20
APPLICANTS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org")


def make_text(seed: int, *, template: str | None = None, agency: str | None = None, year: int | None = None,
              ) -> tuple[str, Truth]:
    t = random_truth(template or ("gov2019" if seed % 5 == 0 else "gov2021"), seed=seed)
    if agency is not None:
        t.agency = agency
    if year is not None:
        t.year = year
    text, _ = flatten(printed_document(t), "tabs" if seed % 2 else "pipes", Damage(), seed=seed)
    return text, t


def truth_values(t: Truth) -> dict[tuple[str, str, str], float]:
    return {k: float(v) for k, v in t.values.items()}


def json_values(data: dict) -> dict[tuple[str, str, str], float]:
    return {(c["table"], c["row"], c["col"]): float(c["value"]) for c in data["cells"] if c["value"] is not None}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """``corpus/``: 20 text reports and a bad file; ``bundle.zip``: 2 reports, ``../evil.txt``,
    an absolute name and a symlink member."""
    root = tmp_path_factory.mktemp("batch")
    folder = root / "corpus"
    folder.mkdir()
    truths: dict[str, Truth] = {}
    for seed in range(N_TEXT):
        text, t = make_text(seed)
        (folder / f"r{seed:02d}.txt").write_text(text, encoding="utf-8")
        truths[str(folder / f"r{seed:02d}.txt")] = t
    (folder / "bad.txt").write_text("天气很好。今天没有报告。", encoding="utf-8")
    bundle = root / "bundle.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zf:
        for seed in (100, 101):
            text, t = make_text(seed)
            zf.writestr(f"inner/z{seed}.txt", text)
            truths[f"{bundle}!inner/z{seed}.txt"] = t
        zf.writestr(zipfile.ZipInfo("../evil.txt"), "evil")
        zf.writestr(zipfile.ZipInfo("/tmp/govreport-abs-evil.txt"), "evil")
        link = zipfile.ZipInfo("link.txt")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    return {"root": root, "folder": folder, "bundle": bundle, "truths": truths}


def tree(root: Path, skip: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*")
            if p.is_file() and not p.is_relative_to(skip)}


def manifest(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line]


def test_folder_zip_and_failures(corpus, tmp_path, monkeypatch, capsys):
    root: Path = corpus["root"]  # type: ignore[assignment]
    work = root / "cwd"
    work.mkdir(exist_ok=True)
    monkeypatch.chdir(work)  # a member written by its own name would land in root/
    out = root / "out_zip"
    before = tree(root, out)
    code = main(["batch", str(corpus["folder"]), str(corpus["bundle"]), "--out", str(out), "--workers", "2",
                 "-q"])
    assert code == ExitCode.BATCH_FAILURES
    assert tree(root, out) == before, "something was written outside --out"
    assert not Path("/tmp/govreport-abs-evil.txt").exists() and not (root / "evil.txt").exists()
    assert not (out / ".tmp").exists()

    reports = {json.loads(p.read_text(encoding="utf-8"))["source"]: json.loads(p.read_text(encoding="utf-8"))
               for p in out.glob("*.json")}
    truths: dict[str, Truth] = corpus["truths"]  # type: ignore[assignment]
    assert set(reports) == set(truths)
    for source, t in truths.items():
        assert json_values(reports[source]) == truth_values(t), source
        assert reports[source]["meta"]["agency"] == t.agency

    failures = {f["source"]: f for f in map(json.loads, (out / "failures.jsonl").read_text().splitlines())}
    bundle = corpus["bundle"]
    assert failures[str(corpus["folder"] / "bad.txt")]["exit_code"] == "NOT_A_REPORT"
    assert failures[f"{bundle}!../evil.txt"]["exit_code"] == "NOT_A_REPORT"
    assert failures[f"{bundle}!/tmp/govreport-abs-evil.txt"]["exit_code"] == "NOT_A_REPORT"
    assert failures[f"{bundle}!link.txt"]["exit_code"] == "BAD_INPUT"
    assert len(failures) == 4

    with (out / "reports.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(truths)
    row = next(r for r in rows if r["source"] == str(corpus["folder"] / "r01.txt"))
    t = truths[row["source"]]
    assert float(row["applications.new.total"]) == t.values[("applications", "new", "total")]
    assert row["issue_count"] == "0" and row["template"] == t.template and row["year"] == str(t.year)

    import pyarrow.parquet as pq

    cells = pq.read_table(out / "cells.parquet")
    assert cells.num_rows == sum(len(r["cells"]) for r in reports.values())
    assert {"report_id", "source", "agency", "year", "template", "table", "row", "col", "value", "status",
            "text", "confidence", "page", "bbox"} <= set(cells.column_names)
    from openpyxl import load_workbook

    wb = load_workbook(out / "reports.xlsx", read_only=True)
    assert len(list(wb["reports"].rows)) == len(truths) + 1


def _run_cli(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "govreport.cli", "batch", *args, "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_kill_9_then_resume_is_exact(corpus, tmp_path):
    folder = str(corpus["folder"])
    ref = tmp_path / "ref"
    assert run_batch([folder], ref, workers=0, progress=False).failed == 1

    out = tmp_path / "out"
    proc = _run_cli(folder, "--out", str(out), "--workers", "1")
    deadline = time.monotonic() + 60
    while len(list(out.glob("*-r*.json"))) < 5:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.02)
    workers = _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {p.name for p in out.glob("*.json")}
    assert 5 <= len(done_before) < N_TEXT, "killed too late to test resuming"
    assert not (out / "reports.csv").exists()

    deadline = time.monotonic() + 10  # orphaned workers notice and exit
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its killed parent"
        time.sleep(0.1)

    rerun = _run_cli(folder, "--out", str(out), "--workers", "1")
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == ExitCode.BATCH_FAILURES, err.decode()

    records = manifest(out)
    processed = [r["id"] for r in records if r["status"] in ("ok", "failed")]
    assert len(processed) == len(set(processed)), "a report was processed twice"
    assert {r["id"] for r in records} == {r["id"] for r in manifest(ref)}, "a report was lost"
    assert {p.name for p in out.glob("*.json")} == {p.name for p in ref.glob("*.json")}
    for name in EXPORTS:
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name
    assert (out / "failures.jsonl").read_bytes() == (ref / "failures.jsonl").read_bytes()

    # a third run does nothing, and --export-only rebuilds the same bytes
    again = run_batch([folder], out, workers=1, progress=False)
    assert again.processed == 0 and again.resumed == N_TEXT and again.failed == 1
    for name in EXPORTS:
        (out / name).unlink()
    assert main(["batch", "--out", str(out), "--export-only"]) == 0
    for name in EXPORTS:
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:  # not Linux
        return []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
    except (OSError, IndexError):
        return False


def _link(prev: Truth, nxt: Truth, col: str, fwd: int, over: int) -> None:
    """Set ``carried_forward`` of ``prev`` and ``carried_over`` of ``nxt`` in ``col``, keeping each
    table's arithmetic (new + carried_over = total_handled + carried_forward) and non-negative."""
    a, b = prev.values, nxt.values
    a[("applications", "carried_forward", col)] = fwd
    b[("applications", "carried_over", col)] = over
    for t, v in ((prev, a), (nxt, b)):
        handled = v[("applications", "total_handled", col)]
        new = handled + v[("applications", "carried_forward", col)] - v[("applications", "carried_over", col)]
        if new < 0:  # more carried over than handled: carry the rest forward
            v[("applications", "carried_forward", col)] -= new
            assert t is nxt
            new = 0
        v[("applications", "new", col)] = new
    for v in (a, b):
        rows = {k[1] for k in v if k[0] == "applications"}
        for r in rows:
            v[("applications", r, "total")] = sum(v[("applications", r, c)] for c in APPLICANTS)


def test_cross_year_mismatch(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _, y23 = make_text(7, template="gov2021", agency="长河市交通运输局", year=2023)
    _, y24 = make_text(8, template="gov2021", agency="长河市交通运输局", year=2024)
    for col in APPLICANTS:
        _link(y23, y24, col, 3, 3 if col != "natural_person" else 5)
    _, other = make_text(9, template="gov2021", agency="白沙镇人民政府", year=2024)
    for name, t in (("a2023", y23), ("a2024", y24), ("other", other)):
        text, _ = flatten(printed_document(t), "tabs", Damage(), seed=1)
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    res = run_batch([folder], tmp_path / "out", workers=0, progress=False)
    assert res.failed == 0 and res.ok == 3
    with (tmp_path / "out" / "issues.csv").open(encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "cross_year_mismatch"]
    assert sorted(json.loads(r["cells"])[0][1] for r in rows) == ["natural_person", "total"]
    assert all(r["source"].endswith("a2024.txt") and r["year"] == "2024" for r in rows)
    assert all(r["related_report_id"].endswith("-a2023") for r in rows)
    assert "上年结转·自然人 5 in 2024 ≠ 结转下年度继续办理·自然人 3 in 2023" in next(
        r["message"] for r in rows if json.loads(r["cells"])[0][1] == "natural_person")


def test_zip_limits_and_globs(tmp_path):
    text, _ = make_text(3)
    bundle = tmp_path / "b.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", "0" * 50_000)
        zf.writestr("ok.txt", text)
    small = ExtractSettings(max_bytes=40_000)
    found = {f.source.split("!")[1]: f for f in discover([bundle], small)}
    assert isinstance(found["big.txt"].error, TooLargeError)  # declared size
    assert found["ok.txt"].kind == "text"
    # a member whose header lies about its size: inflating is still bounded and fails cleanly
    raw = bytearray(bundle.read_bytes())
    cd = raw.index(b"PK\x01\x02")
    raw[cd + 24:cd + 28] = (100).to_bytes(4, "little")  # uncompressed size of big.txt
    lying = tmp_path / "lying.zip"
    lying.write_bytes(bytes(raw))
    try:
        data = read_member(lying, "big.txt", small)
    except (TooLargeError, BadInputError):
        pass
    else:
        assert len(data) <= small.max_bytes
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.txt").write_text(text, encoding="utf-8")
    (tmp_path / "d" / "x.truth.json").write_text("{}", encoding="utf-8")
    names = [f.source for f in discover([str(tmp_path / "d" / "*.txt"), str(tmp_path / "nothing*")],
                                        ExtractSettings())]
    assert names == [str(tmp_path / "d" / "x.txt"), str(tmp_path / "nothing*")]
    assert [f.source for f in discover([tmp_path / "d"], ExtractSettings(), exclude=("*.truth.json",))] == names[:1]


def test_ray_missing_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)
    (tmp_path / "a.txt").write_text(make_text(1)[0], encoding="utf-8")
    with pytest.raises(MissingDependencyError, match=r"govreport\[ray\]"):
        run_batch([tmp_path / "a.txt"], tmp_path / "out", ray_address="local", progress=False)
    assert main(["batch", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o2"), "--ray"]) == \
        ExitCode.MISSING_DEPENDENCY
    assert "govreport[ray]" in capsys.readouterr().err


def test_export_only_on_empty_and_usage(tmp_path):
    assert export_dataset(tmp_path)["reports"] == 0
    assert main(["batch", "--out", str(tmp_path / "nope"), "--export-only"]) == ExitCode.OUTPUT_ERROR
    assert main(["batch", "--out", str(tmp_path)]) == ExitCode.USAGE
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "o"), "--workers", "-1"]) == ExitCode.USAGE


@pytest.mark.slow
def test_ray_with_a_recogniser_actor_matches_worker_processes(corpus, tmp_path):
    """``--ray`` with the models in a reused recogniser actor (as ``--device cuda`` does, here on the
    CPU) gives the same cells.parquet as ``--workers 2``. Needs ``pip install ray``; slow (a local
    Ray instance and a scanned report twice): ``python -m pytest -m slow -k ray``."""
    ray = pytest.importorskip("ray")
    scan = Path(__file__).resolve().parents[1] / "samples" / "sample_2021_scanned.pdf"
    inputs = [str(corpus["folder"] / f"r{i:02d}.txt") for i in range(4)] + [str(scan)]
    ref = run_batch(inputs, tmp_path / "ref", workers=2, progress=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        res = run_batch(inputs, tmp_path / "ray", ray_address="local", recognizer="service", progress=False)
    finally:
        ray.shutdown()
    assert (res.ok, res.failed) == (ref.ok, ref.failed) == (5, 0)
    assert (tmp_path / "ray" / "cells.parquet").read_bytes() == (tmp_path / "ref" / "cells.parquet").read_bytes()


@pytest.mark.slow
def test_ray_local_matches_processes(corpus, tmp_path):
    ray = pytest.importorskip("ray")
    inputs = [str(corpus["folder"] / f"r{i:02d}.txt") for i in range(6)] + [str(corpus["bundle"])]
    ref = run_batch(inputs, tmp_path / "ref", workers=0, progress=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        res = run_batch(inputs, tmp_path / "ray", ray_address="local", progress=False)
    finally:
        ray.shutdown()
    assert (res.ok, res.failed) == (ref.ok, ref.failed) == (8, 3)
    for name in EXPORTS:
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name


def test_manifest_survives_a_torn_line(tmp_path):
    (tmp_path / "a.txt").write_text(make_text(2)[0], encoding="utf-8")
    (tmp_path / "b.txt").write_text(make_text(4)[0], encoding="utf-8")
    out = tmp_path / "out"
    run_batch([tmp_path / "a.txt"], out, workers=0, progress=False)
    with (out / "manifest.jsonl").open("ab") as fh:
        fh.write(b'{"id": "torn')  # a kill in the middle of an append
    res = run_batch([tmp_path / "a.txt", tmp_path / "b.txt"], out, workers=0, progress=False)
    assert (res.processed, res.resumed, res.ok) == (1, 1, 2)
    assert [r["source"] for r in manifest_lines(out)] == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    # a valid JSON without a manifest line (killed between the two) is kept, not redone
    (out / "manifest.jsonl").unlink()
    res = run_batch([tmp_path / "a.txt", tmp_path / "b.txt"], out, workers=0, progress=False)
    assert res.processed == 0 and [r["status"] for r in manifest_lines(out)] == ["recovered", "recovered"]
    res = run_batch([tmp_path / "a.txt", tmp_path / "b.txt"], out, workers=0, progress=False)
    assert len(manifest_lines(out)) == 2


def manifest_lines(out: Path) -> list[dict]:
    out_lines = []
    for line in io.StringIO((out / "manifest.jsonl").read_text(encoding="utf-8")):
        try:
            out_lines.append(json.loads(line))
        except ValueError:
            continue
    return out_lines


def test_batch_review_pages(tmp_path):
    from govreport.cli import main

    out = tmp_path / "out"
    bad = tmp_path / "bad.txt"
    bad.write_text("只有一句话。", encoding="utf-8")
    sample = Path(__file__).resolve().parents[1] / "samples" / "sample_2021_tabs.txt"
    code = main(["batch", str(sample), str(bad), "--out", str(out), "--review", "--workers", "0", "-q"])
    assert code == 10  # one report failed
    index = (out / "review" / "index.html").read_text(encoding="utf-8")
    pages = sorted((out / "review").glob("*.html"))
    assert len(pages) == 2  # the report's page and the index
    assert "bad.txt" in index and "sample_2021_tabs.txt" in index
    assert index.index("bad.txt") < index.index("sample_2021_tabs.txt")  # failures first
    review = next(p for p in pages if p.name != "index.html").read_text(encoding="utf-8")
    assert review.count("data-status=") == 200
