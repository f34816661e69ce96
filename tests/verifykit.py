"""Shared by the ``govreport verify`` tests and ``benchmarks/bench_verify.py``: datasets of generated
reports with flagged cells and known truth, the server as a subprocess, and headless Chromium driven
through Selenium with the system chromedriver (nothing is downloaded: the driver and browser paths are
given, and Selenium Manager is told to stay offline)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from govreport.synth.flatten import Damage, flatten
from govreport.synth.printed import printed_document
from govreport.synth.truth import random_truth

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000")

Key = tuple[str, str, str]


def chromium_paths() -> tuple[str, str] | None:
    """``(browser, chromedriver)`` of the system, or ``None``."""
    browser = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def has_selenium() -> bool:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def chrome() -> Iterator[Any]:
    """A headless Chromium under Selenium, with a fresh profile folder."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    paths = chromium_paths()
    assert paths is not None
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a driver or a browser
    with tempfile.TemporaryDirectory(prefix="gr-chrome-") as profile:
        opts = webdriver.ChromeOptions()
        opts.binary_location = paths[0]
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
            opts.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=paths[1]), options=opts)
        try:
            driver.set_script_timeout(30)
            yield driver
        finally:
            driver.quit()


# -- datasets ----------------------------------------------------------------------------------------
def damaged_text(seed: int, template: str = "gov2021") -> tuple[str, dict[Key, float]]:
    """A flattened report with random damage (masked and deleted numbers, blank zeros, spaces for
    columns: cells get flagged) and its true values."""
    t = random_truth(template, seed=seed)
    doc = printed_document(t)
    d = Damage.random(doc, random.Random(seed))
    text, _ = flatten(doc, "spaces", d, seed=seed)
    return text, {k: float(v) for k, v in t.values.items()}


def flagged_dataset(folder: Path, n: int, start: int = 0, max_flagged: int = 40) -> dict[str, dict[Key, float]]:
    """Write ``n`` damaged text reports, each with 1..``max_flagged`` flagged cells, to ``folder/in``
    and batch them into ``folder/ds``; returns the truth by report id."""
    import govreport
    from govreport.batch.archive import make_id
    from govreport.batch.run import run_batch

    src = folder / "in"
    src.mkdir(parents=True, exist_ok=True)
    truths: dict[str, dict[Key, float]] = {}
    seed = start
    while len(truths) < n:
        seed += 1
        text, truth = damaged_text(seed, "gov2019" if seed % 7 == 0 else "gov2021")
        flagged = govreport.extract(text).issue_cells()
        if not 1 <= len(flagged) <= max_flagged:
            continue
        path = src / f"r{seed:03d}.txt"
        path.write_text(text, encoding="utf-8")
        truths[make_id(path.read_bytes(), path.name)] = truth
    result = run_batch([src], folder / "ds", workers=0, progress=False)
    assert result.ok == n, result.failures
    return truths


# -- the server ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def server(dataset: Path, reviewer: str = "tester", *extra: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``govreport verify DATASET --no-browser`` as a subprocess; yields (url, process). Stopped with
    SIGINT (the exports are brought up to date) unless the block killed it already."""
    cmd = [sys.executable, "-c", "from govreport.cli import _console_script; _console_script()", "verify",
           str(dataset), "--no-browser", "--reviewer", reviewer, *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        url = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                break
            if line.startswith("http://"):
                url = line.strip()
                break
        assert url, f"no URL from govreport verify: {proc.stderr.read() if proc.stderr else ''}"
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# -- a scripted reviewer -------------------------------------------------------------------------------------
def wait_attr(driver: Any, name: str, value: str | None = None, timeout: float = 30) -> str:
    """Wait until ``<html>`` has attribute ``name`` (equal to ``value`` if given); returns it."""
    deadline = time.monotonic() + timeout
    while True:
        got = driver.execute_script("return document.documentElement.getAttribute(arguments[0])", name)
        if got is not None and (value is None or got == value):
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(f"<html {name}> is {got!r}, not {value!r}")
        time.sleep(0.02)


def press(driver: Any, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(keys).perform()


def open_report(driver: Any, url: str, rid: str) -> None:
    driver.get(url + "#r=" + rid)
    wait_attr(driver, "data-ready", "1")
    wait_attr(driver, "data-report", rid)


def decide_current(driver: Any, keys: str) -> dict[str, Any]:
    """Type ``keys`` (a value + Enter, ``c``, ``b`` or ``x``) on the current cell and wait for the answer."""
    steps = int(driver.execute_script("return document.documentElement.getAttribute('data-steps')") or 0)
    press(driver, keys)
    wait_attr(driver, "data-steps", str(steps + 1))
    wait_attr(driver, "data-busy", "0")
    return {"cur": driver.execute_script("return document.documentElement.getAttribute('data-cur')"),
            "ms": float(driver.execute_script("return document.documentElement.getAttribute('data-last-step-ms')"))}


def resolve_all(driver: Any, url: str, rid: str, truth: dict[Key, float], limit: int = 400) -> list[float]:
    """Open report ``rid`` and type the true value of every open flagged cell, one by one, as a reviewer
    would: the app moves to the next open cell after each. Returns the step times (ms)."""
    from selenium.webdriver.common.keys import Keys

    open_report(driver, url, rid)
    times: list[float] = []
    for _ in range(limit):
        if driver.execute_script("return document.documentElement.getAttribute('data-open')") == "0":
            return times
        cur = driver.execute_script("return document.documentElement.getAttribute('data-cur')")
        key = tuple(cur.split("|"))
        value = truth[key]
        text = str(int(value)) if value == int(value) else f"{value:g}"
        times.append(decide_current(driver, text + Keys.ENTER)["ms"])
    raise AssertionError(f"{rid}: flagged cells still open after {limit} decisions")


def report_json(dataset: Path, rid: str) -> dict[str, Any]:
    return json.loads((dataset / f"{rid}.json").read_text(encoding="utf-8"))


def six_page_dataset(folder: Path, flagged: int = 60) -> tuple[Path, str, dict[Key, float]]:
    """A batch folder holding one 6-page scanned report: the scanned sample's pages 1-4, 2, 3 (its
    truth as if read, the tables of pages 2-3 repeated on pages 5-6), with ``flagged`` cells named by
    a ``low_confidence`` issue. Returns (folder, report id, true values)."""
    import pypdfium2 as pdfium

    from govreport.batch.archive import make_id
    from govreport.output.dataset import export_dataset
    from govreport.report import Issue, Report

    scanned = ROOT / "samples" / "sample_2021_scanned.pdf"
    src = pdfium.PdfDocument(str(scanned))
    dst = pdfium.PdfDocument.new()
    dst.import_pages(src, [0, 1, 2, 3, 1, 2])
    pdf = folder / "six.pdf"
    folder.mkdir(parents=True, exist_ok=True)
    dst.save(str(pdf))
    truth = json.loads((ROOT / "samples" / "sample_2021_scanned.truth.json").read_text(encoding="utf-8"))
    report = Report.from_dict(truth)
    report.source, report.meta["pages"] = str(pdf), 6
    for c in list(report.cells):
        if c.page in (2, 3):
            extra = Report.from_dict({"cells": [c.to_dict()]}).cells[0]
            extra.table, extra.page = c.table + "_copy", c.page + 3
            report.cells.append(extra)
    report.issues = []
    boxed = [c for c in report.cells if c.bbox is not None and c.value is not None and c.table in
             ("applications", "appeals")][:flagged]
    for c in boxed:
        c.confidence = 0.4
    report.issues.append(Issue("low_confidence", "applications", f"{len(boxed)} cell(s) read with low confidence",
                               [[c.row, c.col] for c in boxed if c.table == "applications"]))
    report.issues.append(Issue("low_confidence", "appeals", "cells read with low confidence",
                               [[c.row, c.col] for c in boxed if c.table == "appeals"]))
    ds = folder / "ds"
    ds.mkdir(exist_ok=True)
    rid = make_id(pdf.read_bytes(), pdf.name)
    (ds / f"{rid}.json").write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n",
                                    encoding="utf-8")
    export_dataset(ds)
    return ds, rid, {c.key: float(c.value) for c in report.cells if c.value is not None}


def wait_images(driver: Any, timeout: float = 60) -> int:
    """Wait until every page image has loaded; returns how many there are."""
    deadline = time.monotonic() + timeout
    while True:
        n, done = driver.execute_script(
            "var i=document.querySelectorAll('#v-pages img');"
            "return [i.length, Array.prototype.filter.call(i, function(x){"
            "return x.complete && x.naturalWidth>0}).length]")
        if n and n == done:
            return n
        if time.monotonic() > deadline:
            raise TimeoutError(f"{done} of {n} page images loaded")
        time.sleep(0.05)
