"""Hostile and broken inputs (issue 6): never a crash, a hang, the machine's memory, or a write
outside the output folder. Each case asserts the exact exit code and one stderr line naming the
file and the reason.

Unreadable files: CI runs as root, which reads a ``chmod 000`` file anyway, so the unreadable
cases are a directory, a broken symlink and a FIFO (the chmod case runs only as a normal user).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from govreport.cli import main
from govreport.errors import ExitCode

from . import hostile_inputs as H

SAMPLES = H.SAMPLES
TEXT_PDF = SAMPLES / "sample_2021_text.pdf"
TABS = SAMPLES / "sample_2021_tabs.txt"


def run_cli(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, str]:
    """Exit code and the one stderr line of ``govreport extract PATH --json``."""
    rc = main(["extract", str(path), "--json", *extra])
    err = capsys.readouterr().err
    return rc, err


def assert_error(capsys: pytest.CaptureFixture[str], path: Path, code: ExitCode, reason: str, *extra: str,
                 only_ours: bool = True) -> str:
    """Exit code ``code`` and exactly one ``govreport: error: PATH: ...reason...`` line; with
    ``only_ours`` every other stderr line must be govreport's own logging (a warning, say)."""
    rc, err = run_cli(capsys, path, *extra)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("govreport: error:")]
    assert rc == code, err
    assert len(errors) == 1, err
    assert errors[0].startswith(f"govreport: error: {path}: "), errors[0]
    assert reason in errors[0], errors[0]
    assert "Traceback" not in err
    if only_ours:
        assert all(ln.startswith("govreport: ") for ln in lines), err
    return errors[0]


def subprocess_cli(args: list[str], *, timeout: float, mem_gb: float | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process, with a wall-clock bound and optionally an address-space limit."""
    code = "import sys\n"
    if mem_gb is not None:
        code += f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({int(mem_gb * 2**30)},) * 2)\n"
    code += f"from govreport.cli import main\nsys.exit(main({args!r}))\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)


def one_error_line(p: subprocess.CompletedProcess[str], path: Path, reason: str) -> None:
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"govreport: error: {path}: ") and reason in lines[0], p.stderr


# ---------------------------------------------------------------------------------------------
# PDFs


def test_truncated_pdf(tmp_path, capsys):
    data = TEXT_PDF.read_bytes()
    f = tmp_path / "half.pdf"
    f.write_bytes(data[: len(data) // 2])
    assert_error(capsys, f, ExitCode.BAD_INPUT, "not a readable PDF")


def test_flipped_bytes_pdf(tmp_path, capsys):
    data = bytearray(TEXT_PDF.read_bytes())
    rng = random.Random(1)
    for _ in range(200):
        data[rng.randrange(len(data))] = rng.randrange(256)
    f = tmp_path / "flipped.pdf"
    f.write_bytes(bytes(data))
    assert_error(capsys, f, ExitCode.BAD_INPUT, "PDF")


def test_pdf_header_then_junk(tmp_path, capsys):
    f = tmp_path / "junk.pdf"
    f.write_bytes(b"%PDF-1.7\n" + random.Random(2).randbytes(5000))
    assert_error(capsys, f, ExitCode.BAD_INPUT, "not a readable PDF")


def test_zero_page_pdf(tmp_path, capsys):
    f = tmp_path / "zero.pdf"
    f.write_bytes(H.blank_pdf(0))
    assert_error(capsys, f, ExitCode.BAD_INPUT, "PDF")


def test_blank_pages_pdf(tmp_path, capsys):
    f = tmp_path / "blank.pdf"
    f.write_bytes(H.blank_pdf(3))
    assert_error(capsys, f, ExitCode.BAD_INPUT, "no text found")


def test_thousands_of_pages_refused_quickly(tmp_path, capsys):
    f = tmp_path / "many.pdf"
    f.write_bytes(H.blank_pdf(3000))
    t = time.perf_counter()
    assert_error(capsys, f, ExitCode.TOO_LARGE, "3000 pages")
    assert_error(capsys, f, ExitCode.TOO_LARGE, "over the limit of 50", "--max-pages", "50")
    assert time.perf_counter() - t < 5


@pytest.fixture(scope="module")
def encrypted_pdf(tmp_path_factory) -> Path:
    if not H.CJK_FONT.exists():
        pytest.skip("needs fonts-wqy-zenhei")
    f = tmp_path_factory.mktemp("enc") / "locked.pdf"
    f.write_bytes(H.encrypted_report_pdf("1234"))
    return f


def test_encrypted_pdf_without_password(encrypted_pdf, capsys):
    assert_error(capsys, encrypted_pdf, ExitCode.ENCRYPTED, "encrypted")


def test_encrypted_pdf_wrong_password(encrypted_pdf, capsys):
    assert_error(capsys, encrypted_pdf, ExitCode.ENCRYPTED, "wrong password", "--password", "nope")


def test_encrypted_pdf_right_password(encrypted_pdf, capsys):
    import json

    assert main(["extract", str(encrypted_pdf), "--json", "--password", "1234"]) == ExitCode.OK
    data = json.loads(capsys.readouterr().out)
    truth = json.loads((SAMPLES / "sample_2021_tabs.truth.json").read_text(encoding="utf-8"))
    want = {(c["table"], c["row"], c["col"]): c["value"] for c in truth["cells"]}
    got = {(c["table"], c["row"], c["col"]): c["value"] for c in data["cells"]}
    assert sum(got.get(k) == v for k, v in want.items()) >= 0.7 * len(want)


# ---------------------------------------------------------------------------------------------
# images: decompression bombs, memory bounded


@pytest.mark.parametrize("name,data", [("bomb.png", H.png_bytes(50_000, 50_000, fill=False)),
                                       ("bomb.tif", H.tiff_header_bytes(50_000, 50_000))], ids=["png", "tiff"])
def test_decompression_bomb_refused_in_bounded_memory(tmp_path, name, data):
    f = tmp_path / name
    f.write_bytes(data)
    assert f.stat().st_size < 1000
    t = time.perf_counter()
    p = subprocess_cli(["extract", str(f)], timeout=60, mem_gb=2)
    assert p.returncode == ExitCode.TOO_LARGE, p.stderr
    one_error_line(p, f, "pixels")
    assert time.perf_counter() - t < 30


def test_large_image_downscaled_in_bounded_memory(tmp_path):
    """A 46 kB PNG of 1800x1800 pixels against a 1 Mpx limit loads downscaled, under 1 GB."""
    f = tmp_path / "big.png"
    f.write_bytes(H.png_bytes(1800, 1800))
    code = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({1 << 30},) * 2)
        from pathlib import Path
        from govreport.ocr.render import load_image_file
        (page,) = load_image_file(Path({str(f)!r}), 10, 1_000_000)
        h, w = page.image.shape[:2]
        assert h * w <= 1_000_000 and page.scale < 1, (h, w, page.scale)
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


@pytest.mark.slow
def test_worst_case_png_under_default_limits_stays_under_1_5_gb(tmp_path):
    f = tmp_path / "worst.png"
    f.write_bytes(H.png_bytes(15_000, 15_000))
    code = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({int(1.5 * 2**30)},) * 2)
        from pathlib import Path
        from govreport.ocr.render import load_image_file
        load_image_file(Path({str(f)!r}))
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-500:]


def test_too_many_tiff_frames(tmp_path, capsys):
    from PIL import Image

    f = tmp_path / "frames.tif"
    frames = [Image.new("L", (8, 8), 255) for _ in range(12)]
    frames[0].save(f, save_all=True, append_images=frames[1:])
    assert_error(capsys, f, ExitCode.TOO_LARGE, "12 pages", "--max-pages", "5")


@pytest.mark.ocr
def test_random_noise_photo_is_not_a_report(tmp_path, capsys):
    f = tmp_path / "photo.png"
    f.write_bytes(H.noise_png())
    assert_error(capsys, f, ExitCode.NOT_A_REPORT, "no table", only_ours=False)


@pytest.mark.ocr
def test_ocr_prints_nothing_but_the_error_line(tmp_path, capsys):
    f = tmp_path / "photo.png"
    f.write_bytes(H.noise_png(seed=1))
    assert_error(capsys, f, ExitCode.NOT_A_REPORT, "no table")


# ---------------------------------------------------------------------------------------------
# archives


def test_zip_with_escaping_paths_refused_by_extract(tmp_path, capsys):
    f = tmp_path / "evil.zip"
    f.write_bytes(H.evil_zip())
    assert_error(capsys, f, ExitCode.BAD_INPUT, "govreport batch")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.zip"]


def test_zip_with_escaping_paths_batch_writes_only_inside_out(tmp_path, capsys):
    pytest.importorskip("govreport.batch.run")
    work = tmp_path / "work"
    work.mkdir()
    archive = work / "evil.zip"
    archive.write_bytes(H.evil_zip())
    out = work / "out"
    before = {p for p in tmp_path.rglob("*")}
    rc = main(["batch", str(archive), "--out", str(out)])
    assert rc in (ExitCode.OK, ExitCode.BATCH_FAILURES), capsys.readouterr().err
    created = {p for p in tmp_path.rglob("*")} - before
    assert created and all(p == out or p.is_relative_to(out) for p in created), created
    assert not Path("/tmp/absolute.txt").exists() or Path("/tmp/absolute.txt").stat().st_mtime < time.time() - 60


# ---------------------------------------------------------------------------------------------
# files that cannot be read


def test_directory(tmp_path, capsys):
    assert_error(capsys, tmp_path, ExitCode.BAD_INPUT, "is a directory")


def test_broken_symlink(tmp_path, capsys):
    f = tmp_path / "link.pdf"
    f.symlink_to(tmp_path / "gone.pdf")
    assert_error(capsys, f, ExitCode.INPUT_NOT_FOUND, "broken symbolic link")


def test_missing_file(tmp_path, capsys):
    assert_error(capsys, tmp_path / "nope.pdf", ExitCode.INPUT_NOT_FOUND, "no such file")


def test_fifo_does_not_hang(tmp_path):
    f = tmp_path / "pipe.txt"
    os.mkfifo(f)
    p = subprocess_cli(["extract", str(f)], timeout=30)
    assert p.returncode == ExitCode.BAD_INPUT, p.stderr
    one_error_line(p, f, "named pipe")


def test_device_is_not_a_file(capsys):
    assert_error(capsys, Path("/dev/zero"), ExitCode.BAD_INPUT, "not a regular file")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_permission_denied(tmp_path, capsys):
    f = tmp_path / "secret.txt"
    f.write_bytes(TABS.read_bytes())
    f.chmod(0)
    try:
        assert_error(capsys, f, ExitCode.INPUT_NOT_FOUND, "cannot be read")
    finally:
        f.chmod(0o644)


# ---------------------------------------------------------------------------------------------
# wrong names, empty files, other formats


def test_pdf_named_txt_is_read_as_pdf(tmp_path, capsys):
    f = tmp_path / "report.txt"
    f.write_bytes(TEXT_PDF.read_bytes())
    rc, err = run_cli(capsys, f)
    assert rc == ExitCode.OK, err


def test_text_named_docx_is_read_as_text(tmp_path, capsys):
    f = tmp_path / "report.docx"
    f.write_bytes(TABS.read_bytes())
    rc, err = run_cli(capsys, f)
    assert rc == ExitCode.OK, err


@pytest.mark.ocr
def test_png_named_pdf_is_read_as_image(tmp_path, capsys):
    f = tmp_path / "scan.pdf"
    f.write_bytes(H.image_bytes("PNG", (300, 200)))
    assert_error(capsys, f, ExitCode.NOT_A_REPORT, "no table", only_ours=False)


@pytest.mark.parametrize("suffix,what", [(".pdf", "a PDF"), (".docx", "a Word"), (".png", "an image")])
def test_binary_junk_with_a_format_suffix(tmp_path, capsys, suffix, what):
    f = tmp_path / f"junk{suffix}"
    f.write_bytes(bytes(range(256)) * 20)
    assert_error(capsys, f, ExitCode.BAD_INPUT, f"named {suffix} but it is not {what}")


@pytest.mark.parametrize("name", ["empty.pdf", "empty.txt", "empty.docx", "empty.png", "empty.html", "empty"])
def test_empty_files(tmp_path, capsys, name):
    f = tmp_path / name
    f.write_bytes(b"")
    assert_error(capsys, f, ExitCode.BAD_INPUT, "empty")


def test_whitespace_only_text(tmp_path, capsys):
    f = tmp_path / "blank.txt"
    f.write_bytes(b" \n\t\r\n" * 100)
    assert_error(capsys, f, ExitCode.BAD_INPUT, "empty")


@pytest.mark.parametrize("name,data,reason", [
    ("r.txt.gz", b"\x1f\x8b\x08\x00" + bytes(100), "gzip"),
    ("r.7z", b"7z\xbc\xaf\x27\x1c" + bytes(100), "7-Zip"),
    ("r.rtf", b"{\\rtf1\\ansi 2024}", "RTF"),
    ("r.exe", b"MZ\x90\x00" + bytes(100), "executable"),
    ("r.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "legacy"),
])
def test_other_formats_named(tmp_path, capsys, name, data, reason):
    f = tmp_path / name
    f.write_bytes(data)
    assert_error(capsys, f, ExitCode.BAD_INPUT, reason)


def test_excel_and_ofd_archives(tmp_path, capsys):
    for name, member, reason in (("book.xlsx", "xl/workbook.xml", "Excel"), ("doc.ofd", "OFD.xml", "OFD")):
        f = tmp_path / name
        with zipfile.ZipFile(f, "w") as zf:
            zf.writestr(member, "<x/>")
        assert_error(capsys, f, ExitCode.BAD_INPUT, reason)


def test_zip_named_docx(tmp_path, capsys):
    f = tmp_path / "fake.docx"
    with zipfile.ZipFile(f, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert_error(capsys, f, ExitCode.BAD_INPUT, ".docx")


def test_prose_is_not_a_report(tmp_path, capsys):
    f = tmp_path / "prose.txt"
    f.write_text("今天天气很好，我们去公园散步。\n" * 200, encoding="utf-8")
    assert_error(capsys, f, ExitCode.NOT_A_REPORT, "no table")


def test_size_limit_checked_before_reading(tmp_path, capsys):
    f = tmp_path / "huge.txt"
    with f.open("wb") as fh:  # sparse: 300 MB claimed, nothing written
        fh.truncate(300 * 1024 * 1024)
    t = time.perf_counter()
    assert_error(capsys, f, ExitCode.TOO_LARGE, "byte limit")
    assert time.perf_counter() - t < 2


# ---------------------------------------------------------------------------------------------
# enormous lines, mixed encodings: bounded time, a clean outcome


def test_fifty_megabyte_single_line(tmp_path):
    f = tmp_path / "line.txt"
    f.write_bytes(b"abc " * (50 * 1024 * 1024 // 4))
    t = time.perf_counter()
    p = subprocess_cli(["extract", str(f)], timeout=60, mem_gb=4)
    assert time.perf_counter() - t < 20
    assert p.returncode == ExitCode.NOT_A_REPORT, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.startswith("govreport: error:")]
    assert len(lines) == 1 and str(f) in lines[0]


def test_a_million_numbers_in_one_row(tmp_path, capsys):
    f = tmp_path / "numbers.txt"
    f.write_text(" ".join(str(i % 997) for i in range(1_000_000)), encoding="utf-8")
    t = time.perf_counter()
    assert_error(capsys, f, ExitCode.NOT_A_REPORT, "no table")
    assert time.perf_counter() - t < 20


def test_a_million_digits_in_one_cell(tmp_path, capsys):
    f = tmp_path / "digits.txt"
    f.write_text("行政许可\t" + "7" * 1_000_000 + "\n", encoding="utf-8")
    assert_error(capsys, f, ExitCode.NOT_A_REPORT, "no table")


def test_report_followed_by_junk_is_read_and_cut_with_a_note(tmp_path, capsys):
    import json

    f = tmp_path / "long.txt"
    junk = "\t".join(["行政许可", *map(str, range(500))]) + "\n"
    f.write_text(TABS.read_text(encoding="utf-8") + junk * 40, encoding="utf-8")
    t = time.perf_counter()
    assert main(["extract", str(f), "--json"]) == ExitCode.OK
    assert time.perf_counter() - t < 20
    meta = json.loads(capsys.readouterr().out)["meta"]
    assert any("text cut after" in n for n in meta["notes"])


def test_mixed_utf8_and_gbk(tmp_path, capsys):
    lines = TABS.read_text(encoding="utf-8").split("\n")
    mixed = b"\n".join(ln.encode("gbk" if i % 7 == 3 else "utf-8") for i, ln in enumerate(lines))
    f = tmp_path / "mixed.txt"
    f.write_bytes(mixed)
    t = time.perf_counter()
    rc, err = run_cli(capsys, f)
    assert time.perf_counter() - t < 20
    assert rc in (ExitCode.OK, ExitCode.NOT_A_REPORT, ExitCode.BAD_INPUT), err
    assert "Traceback" not in err and len([ln for ln in err.splitlines() if "error" in ln]) <= 1


def test_parse_number_absurd_digit_string():
    from govreport.layout.tokens import classify, parse_number

    assert parse_number("9" * 5000) is None
    assert classify("1 " * 5000).kind.value == "text"


def test_gif_cut_short(tmp_path, capsys):
    """Found by benchmarks/fuzz.py: Pillow's GIF reader raises IndexError counting frames."""
    f = tmp_path / "cut.gif"
    f.write_bytes(H.image_bytes("GIF")[:-1] + b"!")
    assert_error(capsys, f, ExitCode.BAD_INPUT, "damaged image")


def test_image_loader_maps_decoder_errors(tmp_path):
    from govreport.errors import BadInputError
    from govreport.ocr.render import load_image_file

    f = tmp_path / "cut.gif"
    f.write_bytes(H.image_bytes("GIF")[:-1] + b"!")
    with pytest.raises(BadInputError):
        load_image_file(f)


def test_batch_over_a_folder_of_hostile_inputs_loses_no_good_report(tmp_path):
    """Everything above in one folder: the batch finishes, records each failure, keeps each report."""
    import json

    root = Path(__file__).resolve().parents[1]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good = {"good_tabs.txt": root / "samples" / "sample_2021_tabs.txt",
            "good_pipes.md": root / "samples" / "sample_2019_pipes.md",
            "good_web.html": root / "samples" / "sample_2021_web.html"}
    for name, src in good.items():
        (corpus / name).write_bytes(src.read_bytes())
    pdf = (root / "samples" / "sample_2021_text.pdf").read_bytes()
    bad = {
        "truncated.pdf": pdf[: len(pdf) // 2],
        "encrypted.pdf": H.encrypted_report_pdf(),
        "thousand_pages.pdf": H.blank_pdf(300),
        "bomb.png": H.png_bytes(50_000, 50_000),
        "noise.png": H.noise_png(),
        "evil.zip": H.evil_zip(symlink=False),
        "empty.txt": b"",
        "junk.docx": os.urandom(4096),
        "prose.txt": "今天天气很好，我们去公园散步。".encode(),
        "huge_line.txt": b"9 " * 300_000,
    }
    for name, data in bad.items():
        (corpus / name).write_bytes(data)
    out = tmp_path / "out"
    code = main(["batch", str(corpus), "--out", str(out), "--workers", "0", "--max-pages", "100", "-q"])
    assert code == ExitCode.BATCH_FAILURES
    sources = []
    for p in out.glob("*.json"):
        data = json.loads(p.read_text(encoding="utf-8"))
        sources.append(Path(data["source"]).name)
        assert len(data["cells"]) >= 198
    for name in good:
        assert name in sources  # no good report lost
    failed = {Path(json.loads(line)["source"].split("!")[0]).name
              for line in (out / "failures.jsonl").read_text(encoding="utf-8").splitlines()}
    # every non-report input is recorded (zip members that are not reports are recorded too)
    assert {"truncated.pdf", "encrypted.pdf", "thousand_pages.pdf", "bomb.png", "noise.png", "empty.txt",
            "junk.docx", "prose.txt", "huge_line.txt"} <= failed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "out"]  # nothing written elsewhere


# ---------------------------------------------------------------------------------------------
# round 3 (issue 30): a reviewer's decisions are never destroyed, every file name is safe, every
# folder survives. Each case: the documented exit code, one line naming the file, nothing of the
# user's or the dataset's changed, no hang.


def error_lines(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if ln.startswith("govreport: error:")]


def one_error(err: str, names: str, reason: str) -> str:
    """Exactly one error line, naming ``names`` and saying ``reason``; no traceback."""
    lines = error_lines(err)
    assert len(lines) == 1 and names in lines[0] and reason in lines[0], err
    assert "Traceback" not in err
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (not following links) by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.name != ".lock"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A batch folder of two text reports (built once; tests work on copies)."""
    root = tmp_path_factory.mktemp("r3")
    src = root / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(TABS.read_bytes())
    (src / "b.txt").write_bytes(TABS.read_bytes() + b"\n")
    out = root / "ds"
    assert main(["batch", str(src), "--out", str(out), "--workers", "0", "-q"]) == ExitCode.OK
    return out


@pytest.fixture
def ds(built, tmp_path) -> Path:
    import shutil

    out = tmp_path / "ds"
    shutil.copytree(built, out)
    return out


def _rid(ds: Path) -> str:
    from govreport.output.dataset import report_files

    return report_files(ds)[0].stem


def _append_decision(ds: Path, rid: str, key: tuple[str, str, str], action: str, value: object,
                     raw: str | None = None) -> None:
    """A decision line as a reviewer's app writes it (or ``raw``, as a hand edit would)."""
    from govreport.verify.store import Decision, doc_hash

    if raw is None:
        raw = Decision.make(doc_hash(rid), *key, action, value, reviewer="ann", report=rid).to_json()
    with (ds / "corrections.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(raw + "\n")


# -- serious 1: verify --export ----------------------------------------------------------------


@pytest.mark.parametrize("target", ["corrections.jsonl", "REPORT", "reports.csv", "new.csv", "."])
def test_verify_export_refuses_the_datasets_own_files(ds, capsys, target):
    rid = _rid(ds)
    _append_decision(ds, rid, ("appeals", "review", "total"), "value", 17)
    path = ds / (f"{rid}.json" if target == "REPORT" else target)
    before = snapshot(ds)
    assert main(["verify", str(ds), "--export", str(path), "--force"]) == ExitCode.USAGE
    one_error(capsys.readouterr().err, str(path), "inside the dataset folder")
    assert snapshot(ds) == before


def test_verify_export_refuses_unknown_suffix_and_needs_force(ds, tmp_path, capsys):
    import csv

    rid = _rid(ds)
    _append_decision(ds, rid, ("appeals", "review", "total"), "value", 17)
    bad = tmp_path / "audit.xlsx"
    assert main(["verify", str(ds), "--export", str(bad)]) == ExitCode.USAGE
    one_error(capsys.readouterr().err, str(bad), ".csv")
    assert not bad.exists()
    mine = tmp_path / "mine.csv"
    mine.write_text("the user's own file\n", encoding="utf-8")
    assert main(["verify", str(ds), "--export", str(mine)]) == ExitCode.USAGE
    one_error(capsys.readouterr().err, str(mine), "--force")
    assert mine.read_text(encoding="utf-8") == "the user's own file\n"
    assert main(["verify", str(ds), "--export", str(mine), "--force"]) == ExitCode.OK
    rows = list(csv.DictReader(mine.open(encoding="utf-8-sig")))
    assert [(r["report"], r["value"]) for r in rows] == [(rid, "17")]


def test_verify_on_a_folder_without_batch_output(tmp_path, capsys):
    """Issue 26: not a batch folder -> exit 2, saying to run govreport batch first."""
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert main(["verify", str(tmp_path), "--no-browser"]) == ExitCode.USAGE
    one_error(capsys.readouterr().err, str(tmp_path), "govreport batch")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# -- serious 2 and the fuzz names: every name round-trips through CSV, XLSX and Parquet ----------


def test_hostile_names_round_trip_through_every_export(tmp_path):
    import csv

    import pandas as pd

    from govreport.names import display

    src = tmp_path / "in"
    paths = H.write_named(src, H.FILE_NAME_CASES, TABS.read_bytes())
    H.symlink_loops(src)
    out = tmp_path / "out"
    assert main(["batch", str(src), "--out", str(out), "--workers", "0", "-q"]) == ExitCode.BATCH_FAILURES
    want = sorted(display(str(p)) for p in paths.values())
    with (out / "reports.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 1 + len(paths) and len({len(r) for r in rows}) == 1  # no row split, no column shifted
    got_csv = sorted(pd.read_csv(out / "reports.csv", encoding="utf-8-sig")["source"])
    got_xlsx = sorted(pd.read_excel(out / "reports.xlsx", sheet_name="reports")["source"])
    got_parquet = sorted(set(pd.read_parquet(out / "cells.parquet")["source"]))
    assert got_csv == want and got_xlsx == want and got_parquet == want
    assert "cr\rname.txt" in "".join(want) and "\\xc4\\xea" in "".join(want)  # exactly, not cleaned


# -- serious 3: symlink loops ------------------------------------------------------------------


def test_symlink_loops_in_a_folder_are_failures_not_a_crash(tmp_path, capsys):
    import json

    src = tmp_path / "in"
    loops = H.symlink_loops(src)
    (src / "good.txt").write_bytes(TABS.read_bytes())
    out = tmp_path / "out"
    for _ in range(2):  # the same on a rerun
        rc = main(["batch", str(src), "--out", str(out), "--workers", "0", "-q"])
        err = capsys.readouterr().err
        assert rc == ExitCode.BATCH_FAILURES, err
        assert "Traceback" not in err and "internal error" not in err
    failed = {Path(json.loads(ln)["source"]).name: json.loads(ln)["exit_code"]
              for ln in (out / "failures.jsonl").read_text(encoding="utf-8").splitlines()}
    assert failed == {p.name: "INPUT_NOT_FOUND" for p in loops}
    assert len(list(out.glob("*-good.json"))) == 1
    assert main(["extract", str(loops[0])]) == ExitCode.INPUT_NOT_FOUND  # the same as extract says
    one_error(capsys.readouterr().err, str(loops[0]), "symbolic links")


# -- tampered dataset files --------------------------------------------------------------------


def test_report_json_with_a_string_bbox(ds, capsys):
    import json

    rid = _rid(ds)
    data = json.loads((ds / f"{rid}.json").read_text(encoding="utf-8"))
    data["cells"][0]["bbox"] = "1,2,3,4"
    (ds / f"{rid}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tampered = (ds / f"{rid}.json").read_bytes()
    assert main(["batch", "--export-only", "--out", str(ds)]) == ExitCode.OK
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"{ds / rid}.json: not a valid report JSON" in err
    assert (ds / f"{rid}.json").read_bytes() == tampered
    import pandas as pd

    assert rid not in set(pd.read_csv(ds / "reports.csv", encoding="utf-8-sig")["report_id"])


@pytest.mark.parametrize("bad", ["1e999", "NaN", "1e30", "-5"])
def test_hand_edited_decision_is_left_out_and_blocks_nothing(ds, capsys, bad):
    import json

    from govreport.verify.store import Decision, doc_hash

    rid = _rid(ds)
    line = Decision.make(doc_hash(rid), "appeals", "review", "upheld", "value", 1, reviewer="ann").to_json()
    edited = line.replace('"value": 1', f'"value": {bad}')
    assert edited != line
    _append_decision(ds, rid, ("appeals", "review", "upheld"), "value", 7, raw=edited)
    _append_decision(ds, rid, ("appeals", "review", "total"), "value", 17)  # a later, good decision
    assert main(["batch", "--export-only", "--out", str(ds)]) == ExitCode.OK
    err = capsys.readouterr().err
    assert "Traceback" not in err and "corrections.jsonl" in err and "not a valid report JSON" not in err
    cells = {(c["table"], c["row"], c["col"]): c
             for c in json.loads((ds / f"{rid}.json").read_text(encoding="utf-8"))["cells"]}
    assert cells[("appeals", "review", "total")]["status"] == "verified"  # the good one applied
    assert (cells[("appeals", "review", "upheld")]["value"], cells[("appeals", "review", "upheld")]["status"]) \
        == (7, "read")  # the bad one not


def test_printed_blank_decision_stands_and_the_failing_arithmetic_says_so(ds):
    import json

    rid = _rid(ds)
    # the sample prints review: 7 + 8 + 0 + 2 = 17; a reviewer says upheld is printed blank
    _append_decision(ds, rid, ("appeals", "review", "upheld"), "blank", None)
    assert main(["batch", "--export-only", "--out", str(ds), "-q"]) == ExitCode.OK
    data = json.loads((ds / f"{rid}.json").read_text(encoding="utf-8"))
    cell = next(c for c in data["cells"] if (c["table"], c["row"], c["col"]) == ("appeals", "review", "upheld"))
    assert (cell["status"], cell["value"]) == ("blank", None)  # not "inferred 7"
    said = [i for i in data["issues"] if i["kind"] == "inconsistent" and ["review", "upheld"] in i["cells"]]
    assert said and "printed blank" in said[0]["message"]


# -- --meta CSV ----------------------------------------------------------------------------------


def _meta_batch(tmp_path: Path, meta: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess_cli(["batch", str(TABS), "--out", str(tmp_path / "out"), "--workers", "0", "-q",
                           "--meta", str(meta)], timeout=timeout)


@pytest.mark.parametrize("codec", ["gbk", "utf-16"])
def test_meta_csv_as_excel_writes_it(tmp_path, capsys, codec):
    meta = tmp_path / "meta.csv"
    meta.write_bytes(f"文件名,发布日期\n{TABS.name},2025-01-20\n".encode(codec))
    assert main(["batch", str(TABS), "--out", str(tmp_path / "out"), "--workers", "0", "-q",
                 "--meta", str(meta)]) == ExitCode.OK, capsys.readouterr().err
    from govreport.checks.deadlines import read_meta_csv

    assert read_meta_csv(tmp_path / "out" / "meta.csv")[TABS.name].date == "2025-01-20"


@pytest.mark.parametrize("case,code,reason", [
    ("columns", ExitCode.USAGE, "wanted 'source'"),
    ("big_field", ExitCode.BAD_INPUT, "field larger"),
    ("duplicate", ExitCode.BAD_INPUT, "given again"),
    ("not_text", ExitCode.BAD_INPUT, "CSV UTF-8"),
])
def test_meta_csv_refused_with_one_line(tmp_path, capsys, case, code, reason):
    meta = tmp_path / "meta.csv"
    meta.write_bytes({
        "columns": b"name,when\na.txt,2025-01-01\n",
        "big_field": b"source,date\n" + b"a" * (200 * 1024) + b",2025-01-01\n",
        "duplicate": b"source,date\na.txt,2025-01-20\na.txt,2025-02-20\n",
        "not_text": b"source,date\n\x81\x30\xff\xfe\x00,2025\n" * 3,
    }[case])
    assert main(["batch", str(TABS), "--out", str(tmp_path / "out"), "--meta", str(meta), "-q"]) == code
    line = one_error(capsys.readouterr().err, str(meta), reason)
    if case == "columns":
        assert "'name', 'when'" in line  # the columns found, and the ones wanted
    assert not (tmp_path / "out").exists()  # refused before the folder is made


def test_meta_fifo_does_not_hang(tmp_path):
    meta = tmp_path / "meta.csv"
    os.mkfifo(meta)
    p = _meta_batch(tmp_path, meta, timeout=30)
    assert p.returncode == ExitCode.BAD_INPUT, p.stderr
    one_error(p.stderr, str(meta), "not a regular file")


def test_huge_meta_refused_before_reading(tmp_path):
    meta = tmp_path / "meta.csv"
    with meta.open("wb") as fh:
        fh.truncate(322 * 2**20)  # sparse: claimed, not written
    t = time.perf_counter()
    p = subprocess_cli(["batch", str(TABS), "--out", str(tmp_path / "out"), "-q", "--meta", str(meta)],
                       timeout=60, mem_gb=1.0)
    assert p.returncode == ExitCode.TOO_LARGE, p.stderr
    one_error(p.stderr, str(meta), "byte limit")
    assert time.perf_counter() - t < 30


# -- interrupted exports -----------------------------------------------------------------------

_FAULT = """
import errno, os, signal, sys
from govreport.output import dataset as D
real, n = D._XlsxStream.report, [0]
def report(self, row):
    n[0] += 1
    if n[0] == 2:
        {fault}
    return real(self, row)
D._XlsxStream.report = report
from govreport.cli import main
sys.exit(main(["batch", "--export-only", "--out", {out!r}]))
"""


@pytest.mark.parametrize("fault,code,said", [
    ("os.kill(os.getpid(), signal.SIGTERM)", ExitCode.TERMINATED, "govreport: terminated"),
    ("os.kill(os.getpid(), signal.SIGINT)", ExitCode.INTERRUPTED, "govreport: interrupted"),
    ("raise OSError(errno.ENOSPC, 'No space left on device')", ExitCode.OUTPUT_ERROR, "No space left"),
], ids=["sigterm", "ctrl-c", "disk-full"])
def test_interrupted_export_leaves_nothing_and_keeps_the_old_exports(ds, fault, code, said):
    before = snapshot(ds)
    p = subprocess.run([sys.executable, "-c", _FAULT.format(fault=fault, out=str(ds))], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == code, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and said in lines[0] and "Traceback" not in p.stderr, p.stderr
    if code == ExitCode.OUTPUT_ERROR:
        assert str(ds / "reports.xlsx") in lines[0]
    assert snapshot(ds) == before  # no tmpXXXX, no scratch folder, no .part; the old exports as they were


def test_scratch_files_of_an_older_run_are_removed(ds):
    (ds / "tmpab12cd34").write_bytes(b"xlsxwriter scratch")
    (ds / ".xlsx-scratch.k3j4h5g6").mkdir()
    (ds / ".xlsx-scratch.k3j4h5g6" / "tmp0000aaaa").write_bytes(b"x")
    assert main(["batch", "--export-only", "--out", str(ds), "-q"]) == ExitCode.OK
    assert not (ds / "tmpab12cd34").exists() and not (ds / ".xlsx-scratch.k3j4h5g6").exists()


# -- file names ----------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["lf", "tab"])
def test_a_file_named_with_a_newline_is_a_file(tmp_path, capsys, label):
    import json

    path = H.write_named(tmp_path, {label: H.FILE_NAME_CASES[label]}, TABS.read_bytes())[label]
    assert main(["extract", str(path), "--json"]) == ExitCode.OK, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["source"] == str(path)


@pytest.mark.parametrize("raw", [b"bad\nname.pdf", b"bad\rname.pdf", b"bad\r\nname.pdf"])
def test_an_error_about_a_name_with_a_line_break_is_one_line(tmp_path, capsys, raw):
    path = H.write_named(tmp_path, {"x": raw}, b"%PDF-1.4 junk")["x"]
    assert main(["extract", str(path)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    shown = str(path).replace("\r", "\\r").replace("\n", "\\n")
    assert err.count("\n") == 1 and "\r" not in err, repr(err)
    assert err.startswith(f"govreport: error: {shown}: not a readable PDF") and err.count(shown) == 1, repr(err)


def test_review_folder_with_a_long_name_twice(tmp_path, capsys):
    src = tmp_path / "in"
    long_name = H.write_named(src, {"long": b"r" * 236 + b".txt"}, TABS.read_bytes())["long"]
    other = H.write_named(src, {"o": b"other.txt"}, TABS.read_bytes())["o"]
    out = tmp_path / "review"
    out.mkdir()
    for _ in range(2):  # the second run replaces what the first wrote (index.html included)
        rc = main(["review", str(long_name), str(other), "-o", str(out)])
        err = capsys.readouterr().err
        assert rc == ExitCode.OK and not error_lines(err), err
    assert all(len(os.fsencode(p.name)) <= 255 for p in out.iterdir())
    assert len(list(out.glob("*.review.html"))) == 2 and (out / "index.html").exists()


def test_failure_inside_a_zip_names_the_member(tmp_path):
    import json

    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("x.txt", "x")
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("inner.zip", inner.read_bytes())
        zf.writestr("half.pdf", TEXT_PDF.read_bytes()[:3000])
    out = tmp_path / "out"
    assert main(["batch", str(archive), "--out", str(out), "--workers", "0", "-q"]) == ExitCode.BATCH_FAILURES
    reasons = {json.loads(ln)["source"]: json.loads(ln)["reason"]
               for ln in (out / "failures.jsonl").read_text(encoding="utf-8").splitlines()}
    assert set(reasons) == {f"{archive}!inner.zip", f"{archive}!half.pdf"}
    for source, reason in reasons.items():
        assert reason.startswith(f"{source}: ") and ".tmp" not in reason and "govreport batch" not in reason


# -- verify app ----------------------------------------------------------------------------------


def test_verify_app_leaves_out_a_symlinked_json(ds, tmp_path):
    from govreport.verify.app import VerifyApp

    rid = _rid(ds)
    outside = tmp_path / "elsewhere.json"
    outside.write_bytes((ds / f"{rid}.json").read_bytes())
    (ds / "fedcba9876543210-planted.json").symlink_to(outside)
    ids = {r["id"] for r in VerifyApp(ds, "t").queue()["reports"]}
    assert rid in ids and "fedcba9876543210-planted" not in ids


def test_verify_app_nested_body_stalled_and_dropped_connections(ds, capfd):
    import http.client
    import socket
    import struct
    import threading
    from urllib.parse import urlsplit

    from govreport.verify.app import VerifyApp, make_server, url_of

    app = VerifyApp(ds, "t")
    server = make_server(app)
    server.RequestHandlerClass.timeout = 1.0  # the test's stand-in for REQUEST_TIMEOUT
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        u = urlsplit(url_of(server, app))
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.request("POST", u.path + f"api/decide/{_rid(ds)}", body=b"[" * 5000,
                     headers={"Host": f"127.0.0.1:{u.port}", "Content-Type": "application/json"})
        assert conn.getresponse().status == 400
        conn.close()
        stalled = socket.create_connection((u.hostname, u.port), timeout=10)
        stalled.sendall(b"GET " + u.path.encode() + b" HTTP/1.1\r\n")  # and then nothing
        t = time.perf_counter()
        assert stalled.recv(100) == b""  # closed by the server
        assert time.perf_counter() - t < 8
        stalled.close()
        for _ in range(3):  # a client that resets its connection mid-request
            s = socket.create_connection((u.hostname, u.port), timeout=10)
            s.sendall(b"POST " + u.path.encode() + b"api/decide/x HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        time.sleep(1.5)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception" not in err, err
