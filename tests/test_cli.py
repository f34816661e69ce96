"""The CLI: exit codes, --json purity, atomic outputs."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from govreport.cli import main
from govreport.errors import ExitCode

from .conftest import SAMPLES

SAMPLE = SAMPLES / "sample_2021_tabs.txt"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govreport.cli", *args], capture_output=True, text=True, timeout=120)


def test_json_is_exactly_the_contract():
    p = run("extract", str(SAMPLE), "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert set(data) >= {"source", "template", "meta", "cells", "issues"}
    assert len(data["cells"]) == 200
    assert set(data["cells"][0]) == {"table", "row", "col", "value", "status", "text", "confidence", "page", "bbox"}
    truth = json.loads((SAMPLES / "sample_2021_tabs.truth.json").read_text(encoding="utf-8"))
    want = {(c["table"], c["row"], c["col"]): c["value"] for c in truth["cells"]}
    got = {(c["table"], c["row"], c["col"]): c["value"] for c in data["cells"]}
    assert got == want


@pytest.mark.parametrize("content,code", [(b"", ExitCode.BAD_INPUT), (b"\x00\xff\x13\x02" * 100, ExitCode.BAD_INPUT),
                                          ("天气很好。".encode(), ExitCode.NOT_A_REPORT)])
def test_bad_input_one_line_and_exit_code(tmp_path, capsys, content, code):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    assert main(["extract", str(f)]) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("govreport: error:") and "bad.txt" in err[0]


def test_missing_file_and_usage(capsys):
    assert main(["extract", "/no/such/file.pdf"]) == ExitCode.INPUT_NOT_FOUND
    assert main(["extract", str(SAMPLE), "--device", "tpu"]) == ExitCode.USAGE
    assert main(["extract", str(SAMPLE), "--template", "gov1999"]) == ExitCode.USAGE


@pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx", ".parquet", ".html"])
def test_outputs_written_atomically(tmp_path, suffix):
    out = tmp_path / f"r{suffix}"
    assert main(["extract", str(SAMPLE), "-o", str(out)]) == 0
    assert out.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind


def test_failed_run_keeps_existing_output(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("previous", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("没有表格。", encoding="utf-8")
    assert main(["extract", str(bad), "-o", str(out)]) == ExitCode.NOT_A_REPORT
    assert out.read_text(encoding="utf-8") == "previous"


def test_summary_and_templates():
    p = run("extract", str(SAMPLE))
    assert p.returncode == 0 and "applications" in p.stdout
    t = run("templates")
    assert t.returncode == 0 and "gov2019" in t.stdout and "balance" in t.stdout


def test_templates_in_chinese_by_default_and_ids_with_lang_en():
    zh = run("templates", "--lang", "zh")
    assert zh.returncode == 0
    lines = zh.stdout.splitlines()
    # printed labels and the constraints in words, one row label a line however long
    assert "勾稽关系：一 + 二 = 三（七） + 四（逐列）" in [x.strip() for x in lines]
    assert any(x.strip().startswith("（三）不予公开 › 1.属于国家秘密") for x in lines)
    assert any(x.strip() == "列：结果维持、结果纠正、其他结果、尚未审结、总计" for x in lines)
    assert re.findall(r"[A-Za-z_]{3,}", zh.stdout.replace("gov2019", "").replace("gov2021", "")) == []
    en = run("templates", "--lang", "en")
    assert en.returncode == 0 and "constraint balance: for each col:" in en.stdout and "勾稽" not in en.stdout


COMMANDS = ("extract", "batch", "review", "verify", "audit", "templates", "dashboard")


def test_every_command_help_is_chinese_by_default():
    """A new user's first look: the help of every command in zh holds no English phrase (two English
    words in a row), only option names, metavars, file names and commands."""
    import os

    env = {**os.environ, "GOVREPORT_LANG": "zh", "COLUMNS": "300"}
    for command in ("", *COMMANDS):
        p = subprocess.run([sys.executable, "-m", "govreport.cli", *([command] if command else []), "--help"],
                           capture_output=True, text=True, timeout=120, env=env)
        assert p.returncode == 0, p.stderr
        assert "用法：govreport" in p.stdout and "Usage" not in p.stdout and "[OPTIONS]" not in p.stdout
        phrases = [m for m in re.findall(r"\b[A-Za-z]{2,} [a-z]{3,}\b", p.stdout)
                   if not m.startswith("govreport ") and m != "device cuda"]
        assert phrases == [], (command, phrases)
