"""What native code prints never reaches stdout: ``--json`` output is the JSON and nothing else.

HiGHS (scipy's solver behind the placement program and the arithmetic) printed a debug line with
C's ``printf`` on some tables, before the JSON. The test makes every solver call print such a line
from native code, and checks that the CLI's stdout still parses as JSON in every mode that writes
to stdout, while the same printf outside the CLI does reach stdout (so the check can fail)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOISE = "HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();"

_NOISY = r'''
import ctypes, sys
import govreport.tables.placement as placement, govreport.tables.solve as solve
libc = ctypes.CDLL(None)
import os
def loud(fn):
    def wrapper(*a, **k):
        os.write(2, b"solver call\n")  # the extraction runs in a child process: counted on stderr
        libc.printf(NOISE.encode() + b"\n")
        return fn(*a, **k)
    return wrapper
placement._Program._run = loud(placement._Program._run)
solve.linprog = loud(solve.linprog)
if sys.argv[1] == "control":
    libc.printf(b"control\n"); libc.fflush(None); sys.exit(0)
from govreport.cli.app import main
sys.exit(main(sys.argv[1:]))
'''.replace("NOISE", repr(NOISE))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _NOISY, *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)


def test_native_printf_reaches_stdout_outside_the_cli() -> None:
    assert _run("control").stdout == "control\n"


@pytest.mark.parametrize("sample", ["samples/sample_2021_tabs.txt"])
def test_extract_json_is_only_json_when_the_solver_prints(sample: str) -> None:
    p = _run("extract", sample, "--json")
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("solver call") > 0  # the solver really ran (and printed) during the extraction
    assert NOISE not in p.stdout
    assert json.loads(p.stdout)["template"] in ("gov2021", "gov2019")


def test_summary_on_stdout_carries_no_solver_line() -> None:
    p = _run("extract", "samples/sample_2021_tabs.txt")
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("solver call") > 0
    assert NOISE not in p.stdout and "第二十条" in p.stdout

