"""``govreport verify`` in a real browser: Debian's chromium + chromedriver through Selenium (nothing is
downloaded). A scripted reviewer works the queue by keyboard; the server is restarted; the JSONs, the
exports and ``corrections.jsonl`` must all hold what was decided."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from govreport.batch.run import run_batch
from govreport.output.dataset import EXPORTS
from govreport.report import Report
from govreport.verify.store import CorrectionStore

from .test_verify_app import hostile_report, request
from .verifykit import (
    chrome,
    chromium_paths,
    decide_current,
    flagged_dataset,
    has_selenium,
    open_report,
    press,
    report_json,
    resolve_all,
    server,
    six_page_dataset,
    wait_attr,
    wait_images,
)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_paths() is None, reason="chromium and chromedriver are not installed"),
              pytest.mark.skipif(not has_selenium(), reason="selenium is not installed (pip install -e '.[test]')")]


def attr(driver, name: str) -> str | None:
    return driver.execute_script("return document.documentElement.getAttribute(arguments[0])", name)


def payload(url: str, rid: str) -> dict:
    return json.loads(request(url, urlsplit(url).path + f"api/report/{rid}")[1])


def goto(driver, key: str, limit: int = 300) -> None:
    """Press ``n`` until the current cell is ``key``."""
    for _ in range(limit):
        if attr(driver, "data-cur") == key:
            return
        press(driver, "n")
    raise AssertionError(f"{key} not reached")


def test_queue_keyboard_decisions_and_restart(tmp_path):
    truths = flagged_dataset(tmp_path, 2, max_flagged=20)
    ds = tmp_path / "ds"
    with chrome() as driver:
        _keyboard_and_restart(driver, ds, truths)


def _keyboard_and_restart(driver, ds: Path, truths: dict) -> None:
    from selenium.webdriver.common.keys import Keys

    with server(ds, "ann") as (url, _):
        driver.get(url)
        wait_attr(driver, "data-ready", "1")
        rows = driver.find_elements("css selector", "#v-queue-table tbody tr")
        assert len(rows) == 2
        opened = [int(r.get_attribute("data-open")) for r in rows]
        decisions = [int(r.get_attribute("data-decisions")) for r in rows]
        assert min(opened) > 0
        assert (decisions[0], opened[0]) >= (decisions[1], opened[1])  # worst first: open decisions, then cells
        rid = rows[0].get_attribute("data-id")
        press(driver, Keys.ENTER)  # the selected (worst) report
        wait_attr(driver, "data-report", rid)
        data = payload(url, rid)
        truth = truths[rid]
        typed = []
        for _ in range(2):  # correct two cells by keyboard: value + Enter
            key = attr(driver, "data-cur")
            value = int(truth[tuple(key.split("|"))]) + 1  # deliberately not the value read
            decide_current(driver, f"{value}{Keys.ENTER}")
            typed.append((key, value))
        data = payload(url, rid)
        confirm = next(k for k in data["open"] if data["cells"][k][1] is not None)
        goto(driver, confirm)
        decide_current(driver, "c")  # confirm the value shown
        shown = data["cells"][confirm][1]
        assert attr(driver, "data-open") == str(len(data["open"]) - 1)
        status = driver.execute_script(
            "return document.querySelector('#v-tables td[data-table=\"'+arguments[0]+'\"][data-row=\"'+arguments[1]+"
            "'\"][data-col=\"'+arguments[2]+'\"]').getAttribute('data-status')", *typed[0][0].split("|"))
        assert status == "verified"
    # the server was stopped (SIGINT) and brought the exports up to date; start it again
    with server(ds, "ann") as (url, _):
        open_report(driver, url, rid)
        for key, _value in typed:
            got = driver.execute_script(
                "return document.querySelector('#v-tables td[data-table=\"'+arguments[0]+'\"][data-row=\"'+"
                "arguments[1]+'\"][data-col=\"'+arguments[2]+'\"]').textContent", *key.split("|"))
            assert float(got) == _value  # an amount shows as 3.0
    expected = {tuple(k.split("|")): v for k, v in typed} | {tuple(confirm.split("|")): shown}
    report = Report.from_dict(report_json(ds, rid))
    for k, v in expected.items():
        assert (report.cell(*k).status, report.value(*k)) == ("verified", v)
    cells = pd.read_parquet(ds / "cells.parquet")
    mine = cells[cells.report_id == rid].set_index(["table", "row", "col"])
    for k, v in expected.items():
        assert (mine.loc[k, "status"], mine.loc[k, "value"]) == ("verified", v)
    reports = {r["report_id"]: r for r in csv.DictReader((ds / "reports.csv").open(encoding="utf-8-sig"))}
    assert all(float(reports[rid][".".join(k)]) == v for k, v in expected.items())
    decisions = CorrectionStore(ds).decisions()
    assert [(d.action, d.key, d.value, d.reviewer) for d in decisions] == [
        ("value", tuple(typed[0][0].split("|")), typed[0][1], "ann"),
        ("value", tuple(typed[1][0].split("|")), typed[1][1], "ann"),
        ("confirm", tuple(confirm.split("|")), shown, "ann")]
    assert all(d.doc == rid.split("-")[0] and d.old_status for d in decisions)


def test_report_text_stays_text_in_the_browser(tmp_path):
    ds = tmp_path / "ds"
    ds.mkdir()
    rid = hostile_report(ds)
    with server(ds, "ann") as (url, _), chrome() as driver:
        driver.get(url)
        wait_attr(driver, "data-ready", "1")
        agency = driver.find_element("css selector", "#v-queue-table tbody tr td:nth-child(2)").text
        assert agency.startswith("<img src=x")
        open_report(driver, url, rid)
        assert driver.execute_script("return window.__xss") is None
        scripts = driver.execute_script("return [...document.querySelectorAll('script')].map(s => s.src)")
        assert [s.rsplit("/", 1)[-1] for s in scripts] == ["messages.js", "app.js"]  # the app's own only
        assert driver.execute_script("return document.querySelectorAll('img[src=x]').length") == 0
        assert "<script>" in driver.find_element("id", "v-issues").text  # shown, as text


def test_six_page_scan_images_and_boxes(tmp_path):
    ds, rid, _ = six_page_dataset(tmp_path, flagged=10)
    n_boxes = sum(1 for c in Report.from_dict(report_json(ds, rid)).cells if c.bbox is not None)
    with server(ds, "ann") as (url, _), chrome() as driver:
        open_report(driver, url, rid)
        assert wait_images(driver) == 6
        assert driver.execute_script("return document.querySelectorAll('#v-pages .gr-box').length") == n_boxes
        assert not (ds / "six.json").exists()  # images are files on demand, not in the JSON
        assert len(list((ds / ".verify" / "pages").glob("*.jpg"))) == 6
        key = attr(driver, "data-cur")
        decide_current(driver, "c")
        status = driver.execute_script(
            "return document.querySelector('#v-pages .gr-box[data-table=\"'+arguments[0]+'\"][data-row=\"'+"
            "arguments[1]+'\"][data-col=\"'+arguments[2]+'\"]').getAttribute('data-box-status')", *key.split("|"))
        assert status == "verified"
        zoom = driver.execute_script("return getComputedStyle(document.getElementById('v-zoom')).backgroundImage")
        assert "img/" in zoom


def _resolve_dataset(tmp_path: Path, n: int, max_flagged: int = 40) -> None:
    truths = flagged_dataset(tmp_path, n, max_flagged=max_flagged)
    ds = tmp_path / "ds"
    with server(ds, "rev") as (url, _), chrome() as driver:
        for rid, truth in truths.items():
            resolve_all(driver, url, rid, truth)
        driver.get(url)
        wait_attr(driver, "data-ready", "1")
        assert attr(driver, "data-open-total") == "0"
    decided = {(d.report, *d.key): d.value for d in CorrectionStore(ds).decisions()}
    assert decided and all(d.reviewer == "rev" for d in CorrectionStore(ds).decisions())
    issues = list(csv.DictReader((ds / "issues.csv").open(encoding="utf-8-sig")))
    # the report's own issues name none of them (cross-year findings compare a verified cell with another year's)
    named = {(i["report_id"], i["table"], *rc) for i in issues if not i["related_report_id"]
             for rc in json.loads(i["cells"])}
    assert not named & set(decided)  # issues.csv holds none of them
    cells = pd.read_parquet(ds / "cells.parquet")
    got = {(r.report_id, r.table, r.row, r.col): (r.status, r.value) for r in cells.itertuples()}
    for (rid, *k), v in decided.items():
        assert got[(rid, *k)] == ("verified", v) and v == truths[rid][tuple(k)]
    for rid, truth in truths.items():  # every value now right (the arithmetic filled the rest)
        for c in report_json(ds, rid)["cells"]:
            if c["value"] is not None:
                assert c["value"] == truth[(c["table"], c["row"], c["col"])]
    before = {p.name: p.read_bytes() for p in ds.iterdir() if p.is_file() and p.name != "manifest.jsonl"}
    run_batch([tmp_path / "in"], ds, workers=0, progress=False)  # a second batch run changes nothing
    after = {p.name: p.read_bytes() for p in ds.iterdir() if p.is_file() and p.name != "manifest.jsonl"}
    assert after == before and set(EXPORTS) <= set(after)


def test_scripted_reviewer_resolves_every_flagged_cell_small(tmp_path):
    _resolve_dataset(tmp_path, 2, max_flagged=8)


@pytest.mark.slow
def test_scripted_reviewer_resolves_every_flagged_cell_of_20_reports(tmp_path):
    _resolve_dataset(tmp_path, 20)


def test_a_reviewer_settles_an_ambiguous_issue_with_one_choice(tmp_path):
    """An ``ambiguous`` placement (zeros printed empty, rows dropping their empty fields) offers its
    alternatives as buttons; one click decides every cell the chosen alternative names, and the issue
    is gone from the report."""
    import random as _random

    from govreport.synth.truth import random_truth

    from .test_review_load import APPS, tab_text

    truth = random_truth("gov2021", seed=2, variant="split")
    rng = _random.Random(2)
    dropped = {r for r in range(40) if rng.random() < 0.5}
    text = tab_text(truth, blank=lambda k: k[0] == APPS and truth.values[k] == 0, drop_empty=lambda r: r in dropped)
    src = tmp_path / "in"
    src.mkdir()
    (src / "r.txt").write_text(text, encoding="utf-8")
    result = run_batch([src], tmp_path / "ds", workers=0, progress=False)
    assert result.ok == 1
    from govreport.batch.archive import make_id

    ds = tmp_path / "ds"
    rid = make_id((src / "r.txt").read_bytes(), "r.txt")
    before = Report.from_dict(report_json(ds, rid))
    k, issue = next((k, i) for k, i in enumerate(before.issues) if i.kind == "ambiguous" and i.alternatives
                    and i.alternatives[0].values)
    chosen = issue.alternatives[0].values
    with server(ds, "ann") as (url, _), chrome() as driver:
        open_report(driver, url, rid)
        buttons = driver.find_elements("css selector", f"#v-issues button.gr-alt[data-issue='{k}'][data-alt='0']")
        assert len(buttons) == 1
        driver.execute_script("arguments[0].scrollIntoView()", buttons[0])
        buttons[0].click()
        wait_attr(driver, "data-last-step-ms")  # set when the answer is back (the JSON is written before)
        wait_attr(driver, "data-busy", "0")
        after = Report.from_dict(report_json(ds, rid))
    for r, c, v in chosen:  # a value is verified; an empty cell is the reviewer's "printed blank"
        cell = after.cell(APPS, r, c)
        assert (cell.status, cell.value) == (("verified", v) if v is not None else ("blank", None))
    assert not [i for i in after.issues if i.kind == "ambiguous" and i.cells == issue.cells]
    decided = {(d.table, d.row, d.col) for d in CorrectionStore(ds).decisions()}
    assert {(APPS, r, c) for r, c, _v in chosen} <= decided


def test_a_decision_undone_from_the_decided_list(tmp_path):
    """A cell decided, then undone from the decided list: the JSON is the extraction's again (cells and
    issues), ``corrections.jsonl`` keeps both lines, and the exports and the audit CSV say so."""
    from selenium.webdriver.common.keys import Keys

    from govreport.cli import main
    from govreport.report import open_decisions
    from govreport.verify.store import latest

    truths = flagged_dataset(tmp_path, 1, max_flagged=10)
    ds = tmp_path / "ds"
    rid = next(iter(truths))
    before = report_json(ds, rid)
    with server(ds, "ann") as (url, _), chrome() as driver:
        open_report(driver, url, rid)
        open_before = attr(driver, "data-decisions")
        assert open_before == str(open_decisions(before["issues"])) != "0"
        key = attr(driver, "data-cur")
        k = tuple(key.split("|"))
        value = int(truths[rid][k]) + 1  # a wrong value, to be taken back
        decide_current(driver, f"{value}{Keys.ENTER}")
        mid = Report.from_dict(report_json(ds, rid))
        assert (mid.cell(*k).status, mid.value(*k)) == ("verified", value)
        items = driver.find_elements("css selector", "#v-decided li")
        assert [i.get_attribute("data-key") for i in items] == [key]
        items[0].find_element("css selector", "button.v-undo").click()
        wait_attr(driver, "data-undos", "1")
        wait_attr(driver, "data-busy", "0")
        assert driver.find_elements("css selector", "#v-decided li") == []
        assert attr(driver, "data-decisions") == open_before
        assert attr(driver, "data-open") == str(len(payload(url, rid)["flagged"]))
        after = report_json(ds, rid)
    assert after["cells"] == before["cells"] and after["issues"] == before["issues"]  # the extraction again
    assert after["meta"]["review"]["decided"] == []
    decisions = CorrectionStore(ds).decisions()
    assert [(d.action, d.key, d.value) for d in decisions] == [("value", k, value), ("undo", k, None)]
    assert latest(decisions) == {}
    lines = (ds / "corrections.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["action"] == "undo"  # appended, nothing erased
    out = tmp_path / "audit.csv"
    assert main(["verify", str(ds), "--export", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [(r["action"], r["value"], r["in_force"]) for r in rows] == [("value", str(value), "0"), ("undo", "", "0")]
    reports = {r["report_id"]: r for r in csv.DictReader((ds / "reports.csv").open(encoding="utf-8-sig"))}
    extracted = next(c for c in before["cells"] if (c["table"], c["row"], c["col"]) == k)
    shown = reports[rid][".".join(k)]
    assert (float(shown) if shown else None) == extracted["value"] != value  # the extraction's value, not the undone
    assert reports[rid]["decisions_open"] == open_before
