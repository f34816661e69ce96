"""Nothing a user owns is overwritten, exhausted or hung (issue 18): outputs never among the user's
files, inflated sizes bounded, one document under a memory and a time limit, formula-safe CSV,
one lock per batch folder, no process-wide stdout redirection, bytes-safe names, Ctrl-C."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from govreport.batch.run import run_batch
from govreport.cli import main
from govreport.errors import BadInputError, ExitCode, InputNotFoundError, NotAReportError, TooLargeError
from govreport.isolate import extract_isolated
from govreport.settings import ExtractSettings

from . import hostile_inputs as h
from .conftest import SAMPLES

TABS = SAMPLES / "sample_2021_tabs.txt"
PY = sys.executable


def _govreport(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "govreport.cli", *args], capture_output=True, text=True, timeout=300, **kw)


def _report_text(seed: int) -> str:
    return TABS.read_text(encoding="utf-8") + "\n" * (seed + 1)  # same tables, different content hash


# -- 1, 2: outputs never among the user's files -------------------------------------------------------
def test_batch_refuses_an_out_that_is_an_input_or_holds_the_users_files(tmp_path, capsys):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text(_report_text(0), encoding="utf-8")
    (folder / "reports.csv").write_text("mine\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main(["batch", str(folder), "--out", str(folder), "--workers", "0"]) == ExitCode.USAGE
    assert "one of the inputs" in capsys.readouterr().err
    assert main(["batch", str(folder / "a.txt"), "--out", str(folder), "--workers", "0"]) == ExitCode.USAGE
    assert "holds the input" in capsys.readouterr().err
    other = tmp_path / "other"
    other.mkdir()
    (other / "b.txt").write_text(_report_text(1), encoding="utf-8")
    assert main(["batch", str(other / "b.txt"), "--out", str(folder), "--workers", "0"]) == ExitCode.USAGE
    assert "did not write" in capsys.readouterr().err
    assert main(["batch", str(folder / "a.txt"), "--out", str(tmp_path), "--workers", "0"]) == ExitCode.USAGE
    assert "holds the input" in capsys.readouterr().err
    assert main(["batch", "--out", str(folder), "--export-only"]) == ExitCode.USAGE
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # a dataset inside the input folder is fine, and is left out of the inputs
    out = folder / "dataset"
    assert main(["batch", str(folder), "--out", str(out), "--workers", "0", "-q"]) == ExitCode.BATCH_FAILURES
    assert main(["batch", str(folder), "--out", str(out), "--workers", "0", "-q"]) == ExitCode.BATCH_FAILURES
    assert (folder / "reports.csv").read_text(encoding="utf-8") == "mine\n"
    rows = list(csv.DictReader((out / "reports.csv").open(encoding="utf-8-sig")))
    assert [Path(r["source"]).name for r in rows] == ["a.txt"]  # reports.csv of the user's is no report


def test_extract_refuses_its_input_and_unknown_suffixes_before_any_work(tmp_path, capsys):
    page = tmp_path / "page.html"
    shutil.copy(SAMPLES / "sample_2021_web.html", page)
    before = page.read_bytes()
    assert main(["extract", str(page), "-o", str(page)]) == ExitCode.USAGE
    assert "is the input itself" in capsys.readouterr().err
    assert page.read_bytes() == before
    # the suffix is checked before the input is even opened (a missing input would be exit 3)
    assert main(["extract", str(tmp_path / "missing.pdf"), "-o", str(tmp_path / "x.docx")]) == ExitCode.USAGE
    assert "unknown output format" in capsys.readouterr().err


# -- 3, 4, 5, 14: inflated sizes, memory and time bounded ------------------------------------------
def test_docx_parts_are_bounded_by_their_inflated_size(tmp_path, capsys):
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(h.docx_bomb(70 << 20))  # 70 MB of XML in a 70 KB file
    assert bomb.stat().st_size < 1 << 20
    assert main(["extract", str(bomb)]) == ExitCode.TOO_LARGE
    assert "inflates to" in capsys.readouterr().err


def test_pdf_forms_that_draw_each_other_are_stopped_at_the_memory_limit(tmp_path):
    settings = ExtractSettings(max_memory_mb=300, max_seconds=120)
    for name, data in (("cyclic.pdf", h.form_bomb_pdf(4, cyclic=True)), ("tree.pdf", h.form_bomb_pdf(22))):
        path = tmp_path / name
        path.write_bytes(data)
        t0 = time.monotonic()
        with pytest.raises(TooLargeError, match="more than 300 MB"):
            extract_isolated(path, settings)
        assert time.monotonic() - t0 < 100


def test_batch_records_a_document_over_its_limits_and_goes_on(tmp_path):
    (tmp_path / "a_forms.pdf").write_bytes(h.form_bomb_pdf(4, cyclic=True))
    (tmp_path / "b.txt").write_text(_report_text(1), encoding="utf-8")
    out = tmp_path / "out"
    res = run_batch([tmp_path / "a_forms.pdf", tmp_path / "b.txt"], out, ExtractSettings(max_memory_mb=300),
                    workers=1, progress=False)
    assert (res.ok, res.failed) == (1, 1)
    fail = res.failures[0]
    assert fail["exit_code"] == "TOO_LARGE" and "300 MB" in fail["reason"]
    # a document over the time limit: the worker is ended, the next one goes on
    (tmp_path / "c_slow.pdf").write_bytes(h.million_paths_pdf(20, 300_000))
    res = run_batch([tmp_path / "c_slow.pdf", tmp_path / "b.txt"], tmp_path / "out2",
                    ExtractSettings(max_seconds=4.0), workers=1, progress=False)
    assert (res.ok, [f["exit_code"] for f in res.failures]) == (1, ["TOO_LARGE"])
    assert "longer than 4 s" in res.failures[0]["reason"]


def test_scanned_pages_are_read_one_at_a_time():
    """The OCR stages take pages from an iterator and let each go once read."""
    import weakref

    import numpy as np

    from govreport.ocr.render import PageImage
    from govreport.ocr.scan import tokens_from_page_images

    alive: set[int] = set()
    most = 0

    def pages():
        nonlocal most
        for k in range(1, 5):
            img = np.full((300, 300, 3), 255, np.uint8)
            alive.add(k)
            weakref.finalize(img, alive.discard, k)
            most = max(most, len(alive))
            yield PageImage(k, img, 200)
            del img

    scans: list = []
    tokens_from_page_images(pages(), ExtractSettings(), scans=scans)
    assert len(scans) == 4 and most == 1 and not alive
    assert all(s.image is None for s in scans)


def test_a_zip_is_opened_once_not_per_member(tmp_path, monkeypatch):
    bundle = tmp_path / "many.zip"
    bundle.write_bytes(h.many_members_zip(3000, reports=2))
    opened = []
    real = zipfile.ZipFile.__init__

    def counting(self, file, *a, **k):  # type: ignore[no-untyped-def]
        opened.append(str(file))
        real(self, file, *a, **k)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", counting)
    res = run_batch([bundle], tmp_path / "out", workers=0, progress=False, export=False)
    assert res.ok == 2 and res.total == 3000
    assert sum(1 for f in opened if f == str(bundle)) <= 3


# -- 6: formula-safe CSV -------------------------------------------------------------------------------
def test_csv_exports_neutralise_formulas(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    text = _report_text(2).replace("青山区", "=HYPERLINK(\"http://x\")青山区", 1)
    (folder / "=HYPERLINK(1).txt").write_text(text, encoding="utf-8")
    (folder / "@SUM(1).txt").write_text(_report_text(3), encoding="utf-8")
    out = tmp_path / "out"
    run_batch([folder], out, workers=0, progress=False)
    for name in ("reports.csv", "issues.csv"):
        for row in csv.reader((out / name).open(encoding="utf-8-sig")):
            assert not any(cell[:1] in ("=", "+", "@", "\t", "\r") for cell in row), (name, row)
    sources = [r["source"] for r in csv.DictReader((out / "reports.csv").open(encoding="utf-8-sig"))]
    assert all(s.startswith("'") or s.startswith(str(folder)) for s in sources)
    assert main(["extract", str(folder / "@SUM(1).txt"), "-o", str(tmp_path / "one.csv")]) == 0


# -- 7: one lock for every writer of a batch folder ---------------------------------------------------
def test_one_writer_of_a_batch_folder_at_a_time(tmp_path, capsys):
    out = tmp_path / "out"
    (tmp_path / "a.txt").write_text(_report_text(4), encoding="utf-8")
    assert main(["batch", str(tmp_path / "a.txt"), "--out", str(out), "--workers", "0", "-q"]) == 0
    holder = subprocess.Popen([PY, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR); "
                               "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
                               str(out / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        before = (out / "reports.csv").read_bytes()
        assert main(["batch", "--out", str(out), "--export-only"]) == ExitCode.OUTPUT_ERROR
        assert "another govreport process" in capsys.readouterr().err
        assert main(["batch", str(tmp_path / "a.txt"), "--out", str(out), "--workers", "0"]) == ExitCode.OUTPUT_ERROR
        from govreport.verify.exports import BUSY
        from govreport.verify.exports import main as verify_exports

        assert verify_exports([str(out)]) == BUSY
        assert (out / "reports.csv").read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    assert main(["batch", "--out", str(out), "--export-only"]) == 0


def test_leftover_part_files_are_cleaned(tmp_path):
    (tmp_path / "a.txt").write_text(_report_text(5), encoding="utf-8")
    out = tmp_path / "out"
    run_batch([tmp_path / "a.txt"], out, workers=0, progress=False)
    left = [out / ".reports.csv.abc12345.part", out / ".0123456789abcdef-a.json.zz_99yyy.part"]
    for p in left:
        p.write_text("half", encoding="utf-8")
    assert main(["batch", "--out", str(out), "--export-only"]) == 0
    assert not any(p.exists() for p in left)


# -- 8: no process-wide stdout redirection -------------------------------------------------------------
def test_extracting_in_threads_never_redirects_the_hosts_stdout(capfd):
    import govreport

    texts = [_report_text(k).replace("\t", "  ") for k in range(6)]  # spaces: the placement program runs
    stop = threading.Event()
    written = []

    def chatter() -> None:
        k = 0
        while not stop.is_set():
            os.write(1, f"line {k}\n".encode())
            written.append(k)
            k += 1
            time.sleep(0.001)

    talker = threading.Thread(target=chatter)
    talker.start()
    workers = [threading.Thread(target=govreport.extract, args=(t,)) for t in texts]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    while len(written) <= 10:  # a loaded machine may starve the talker while the workers run
        time.sleep(0.001)
    stop.set()
    talker.join()
    got = capfd.readouterr().out.split("\n")
    assert len(written) > 10 and got[:-1] == [f"line {k}" for k in written]


# -- 9: numbers without the template's words -------------------------------------------------------------
def test_bare_numbers_are_no_report(tmp_path, capsys):
    bare = tmp_path / "numbers.txt"
    bare.write_text("1\t2\t3\t4\t5\t6\n" * 3, encoding="utf-8")
    assert main(["extract", str(bare)]) == ExitCode.NOT_A_REPORT
    assert "none of the template's wording" in capsys.readouterr().err
    import govreport

    with pytest.raises(NotAReportError):
        govreport.extract("0\t0\t0\t0\t0\t0\t0\n" * 40)


# -- 10, 11: names that are not UTF-8, FIFOs -----------------------------------------------------------
@pytest.mark.skipif(sys.platform != "linux", reason="bytes file names")
def test_non_utf8_and_hostile_file_names_are_kept(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for k, raw in enumerate(h.HOSTILE_NAMES):
        with open(os.fsencode(folder) + b"/" + raw, "wb") as fh:
            fh.write(_report_text(10 + k).encode("utf-8"))
    out = tmp_path / "out"
    for _ in range(2):  # a rerun resumes
        res = run_batch([folder], out, workers=1, progress=False)
        assert (res.ok, res.failed) == (len(h.HOSTILE_NAMES), 0)
    on_disk = {os.fsencode(folder) + b"/" + raw for raw in h.HOSTILE_NAMES}
    sources = set()
    for p in out.glob("*.json"):
        if p.name[16:17] == "-":
            sources.add(os.fsencode(json.loads(p.read_text(encoding="utf-8"))["source"]))
    assert sources == on_disk  # the JSON gives back the exact bytes
    gbk = os.fsencode(folder) + b"/" + h.HOSTILE_NAMES[0]
    name = os.fsdecode(gbk)
    for suffix in (".json", ".html", ".csv"):
        assert main(["extract", name, "-o", str(tmp_path / f"x{suffix}")]) == 0
    assert "\\xc4\\xea" in (tmp_path / "x.html").read_text(encoding="utf-8")
    assert main(["review", name, "-o", str(tmp_path / "r.html")]) == 0
    assert main(["extract", name, "--json"]) == 0


def test_zip_members_named_in_gbk_are_decoded(tmp_path):
    bundle = tmp_path / "win.zip"
    bundle.write_bytes(h.gbk_names_zip())
    res = run_batch([bundle], tmp_path / "out", workers=0, progress=False)
    assert res.ok == 1
    data = json.loads(next((tmp_path / "out").glob("*-*.json")).read_text(encoding="utf-8"))
    assert data["source"].endswith("!年度报告.txt")


def test_a_fifo_in_a_folder_is_skipped_not_waited_on(tmp_path, caplog):
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")
    (folder / "a.txt").write_text(_report_text(6), encoding="utf-8")
    with h.time_bound(60):
        res = run_batch([folder], tmp_path / "out", workers=0, progress=False)
        assert (res.ok, res.failed) == (1, 0)
        assert "a named pipe, not a regular file; skipped" in caplog.text
        res = run_batch([folder / "pipe.txt"], tmp_path / "out", workers=0, progress=False)
        assert res.failures[0]["exit_code"] == "BAD_INPUT"


# -- 12: Ctrl-C -----------------------------------------------------------------------------------------
def _slow_batch(tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(_report_text(7), encoding="utf-8")
    for k in range(3):
        (folder / f"z{k}.pdf").write_bytes(h.million_paths_pdf(20, 300_000 + k))
    out = tmp_path / "out"
    proc = subprocess.Popen([PY, "-m", "govreport.cli", "batch", str(folder), "--out", str(out), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("*-a.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    return proc, out


def test_one_ctrl_c_stops_promptly_and_keeps_finished_work(tmp_path):
    proc, out = _slow_batch(tmp_path)
    time.sleep(1.0)  # the first PDF is being read
    proc.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - t0 < 15
    assert proc.returncode == ExitCode.INTERRUPTED and "interrupted" in err
    assert len(list(out.glob("*-a.json"))) == 1
    assert not list(out.glob("*-z0.json"))
    # the rerun resumes: the finished report is not redone
    res = run_batch([tmp_path / "in" / "a.txt"], out, workers=0, progress=False)
    assert (res.resumed, res.processed) == (1, 0)


def test_a_second_ctrl_c_ends_at_once(tmp_path):
    proc, _ = _slow_batch(tmp_path)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == ExitCode.INTERRUPTED


# -- 13: exit codes of outputs that cannot be written -------------------------------------------------
def _limited(limit: int, code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a child whose files may not grow past ``limit`` bytes (as a full disk would say)."""
    prelude = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
               f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
               "from govreport.cli import main; ")
    return subprocess.run([PY, "-c", prelude + code], capture_output=True, text=True, timeout=300)


def test_a_full_disk_names_the_file_that_failed(tmp_path):
    for k in range(12):
        (tmp_path / f"r{k}.txt").write_text(_report_text(20 + k), encoding="utf-8")
    out = tmp_path / "out"
    run_batch([tmp_path / f"r{k}.txt" for k in range(12)], out, workers=0, progress=False)
    sizes = {name: (out / name).stat().st_size for name in ("cells.parquet", "reports.csv", "reports.xlsx",
                                                              "issues.csv")}
    import zipfile

    with zipfile.ZipFile(out / "reports.xlsx") as z:  # xlsxwriter writes each sheet uncompressed to a scratch
        sizes["reports.xlsx"] = max(sizes["reports.xlsx"], *(i.file_size for i in z.infolist()))  # file first
    biggest, second = sorted(sizes, key=sizes.get, reverse=True)[:2]
    limit = (sizes[biggest] + sizes[second]) // 2
    before = {name: (out / name).read_bytes() for name in sizes}
    run = _limited(limit, f"sys.exit(main(['batch', '--out', {str(out)!r}, '--export-only']))")
    assert run.returncode == ExitCode.OUTPUT_ERROR, run.stderr
    assert f"{biggest}: cannot write" in run.stderr and run.stderr.count("\n") == 1
    assert {name: (out / name).read_bytes() for name in sizes} == before  # nothing written is lost


def test_an_out_folder_that_cannot_be_written_is_exit_8(tmp_path):
    (tmp_path / "a.txt").write_text(_report_text(8), encoding="utf-8")
    run = _limited(0, f"sys.exit(main(['batch', {str(tmp_path / 'a.txt')!r}, '--out', {str(tmp_path / 'o')!r}]))")
    assert run.returncode == ExitCode.OUTPUT_ERROR and ".govreport: cannot write" in run.stderr
    if os.geteuid() != 0:  # permission bits do not stop root
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        assert main(["batch", str(tmp_path / "a.txt"), "--out", str(ro)]) == ExitCode.OUTPUT_ERROR


# -- smaller ------------------------------------------------------------------------------------------------
def test_closed_stdout_is_an_output_error(tmp_path):
    run = subprocess.run([PY, "-m", "govreport.cli", "extract", str(TABS), "--json"], capture_output=True,
                         text=True, timeout=120, preexec_fn=lambda: os.close(1))
    assert run.returncode == ExitCode.OUTPUT_ERROR and "standard output" in run.stderr
    assert run.stderr.count("\n") == 1


def test_password_protected_docx(tmp_path, capsys):
    from msoffcrypto.format.ooxml import OOXMLFile

    locked = tmp_path / "locked.docx"
    with (SAMPLES / "sample_2019_word.docx").open("rb") as src, locked.open("wb") as dst:
        OOXMLFile(src).encrypt("1234", dst)
    assert main(["extract", str(locked)]) == ExitCode.ENCRYPTED
    assert "password-protected" in capsys.readouterr().err
    assert main(["extract", str(locked), "--password", "nope"]) == ExitCode.ENCRYPTED
    assert main(["extract", str(locked), "--password", "1234", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["template"] == "gov2019"


def test_deep_html_keeps_its_tables_or_says_it_cannot(tmp_path, capsys):
    page = (SAMPLES / "sample_2021_web.html").read_text(encoding="utf-8")
    for depth, code in ((250, 0), (1500, 0), (3000, ExitCode.BAD_INPUT)):
        deep = tmp_path / f"deep{depth}.html"
        deep.write_text(page.replace("<body>", "<body>" + "<div>" * depth, 1)
                        .replace("</body>", "</div>" * depth + "</body>", 1), encoding="utf-8")
        assert main(["extract", str(deep), "--json"]) == code, depth
        out, err = capsys.readouterr()
        if code == 0:
            assert sum(c["status"] == "read" for c in json.loads(out)["cells"]) > 50
        else:
            assert "nested too deeply" in err


def test_empty_and_nul_paths_are_clear_errors(capsys):
    import govreport

    with pytest.raises(BadInputError, match="empty"):
        govreport.extract("")
    with pytest.raises(BadInputError, match="NUL"):
        govreport.extract("a\x00b.pdf")
    with pytest.raises(BadInputError, match="empty"):
        extract_isolated("", ExtractSettings())
    assert main(["extract", ""]) == ExitCode.BAD_INPUT
    assert "empty" in capsys.readouterr().err
    assert main(["extract", "a\x00b.txt"]) == ExitCode.BAD_INPUT
    assert "NUL" in capsys.readouterr().err
    with pytest.raises(InputNotFoundError, match="NUL"):
        from govreport.sources import check_file

        check_file(Path("a\x00b"), 10)


def test_a_malformed_report_json_is_left_out_of_the_exports(tmp_path, caplog):
    (tmp_path / "a.txt").write_text(_report_text(9), encoding="utf-8")
    out = tmp_path / "out"
    run_batch([tmp_path / "a.txt"], out, workers=0, progress=False)
    bad = out / "0123456789abcdef-bad.json"
    bad.write_text(json.dumps({"source": "x", "template": "gov2021", "cells": [1, 2], "issues": []}),
                   encoding="utf-8")
    assert main(["batch", "--out", str(out), "--export-only"]) == 0
    assert "not a valid report JSON" in caplog.text
    assert len(list(csv.DictReader((out / "reports.csv").open(encoding="utf-8-sig")))) == 1


def test_cuda_without_cuda_is_one_line_and_exit_9_before_any_work(tmp_path):
    import onnxruntime as ort

    from govreport.ocr.engines import cuda_devices

    if "CUDAExecutionProvider" in ort.get_available_providers() and cuda_devices():
        pytest.skip("CUDA is available here")
    (tmp_path / "a.txt").write_text(_report_text(11), encoding="utf-8")
    for args in (["extract", str(TABS), "--device", "cuda"],
                 ["batch", str(tmp_path / "a.txt"), "--out", str(tmp_path / "out"), "--device", "cuda"]):
        run = _govreport(*args)
        assert run.returncode == ExitCode.MISSING_DEPENDENCY, run.stderr
        assert run.stderr.count("\n") == 1 and "cuda" in run.stderr.lower() and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()  # refused before any work


def test_audit_refuses_its_input_as_the_memo_and_unknown_suffixes(tmp_path, capsys):
    page = tmp_path / "page.html"
    shutil.copy(SAMPLES / "sample_2021_web.html", page)
    before = page.read_bytes()
    assert main(["audit", str(page), "-o", str(page)]) == ExitCode.USAGE
    assert "is the input itself" in capsys.readouterr().err
    assert page.read_bytes() == before
    assert main(["audit", str(page), "-o", str(tmp_path / "memo.rtf")]) == ExitCode.USAGE
    assert "unknown output format" in capsys.readouterr().err
