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
