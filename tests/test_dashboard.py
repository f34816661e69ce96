"""Acceptance of issue 27 on a generated archive (five bodies over five years with the planted violations, plus
one body under two names, a report naming no body and a body whose appeals are one case): body identity, the
ranking, and the dashboard (看板) in a real browser with the network off, its figures recomputed here from
the batch's cells."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from govreport.batch.run import run_batch, write_reviews
from govreport.checks.bodies import UNIDENTIFIED
from govreport.checks.findings import flagged_cells
from govreport.cli import main
from govreport.cli.audit import audit_paths
from govreport.output.dataset import load_report_file, report_files
from govreport.synth.archive import BODIES, ONE_CASE_BODY, PARENT, build_archive
from tests.verifykit import chrome, chromium_paths, has_selenium

TRUSTED = {"read", "inferred", "corrected", "verified", "blank"}
DOUBTED_BODY = "南岭区市场监督管理局"  #: its 2020 本年新收 is made a reading doubt below
DOUBTS_ONLY = ONE_CASE_BODY[0]  #: its reports get only reading doubts (it has no planted defect)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("identity")
    arch = build_archive(root / "in", seed=0, violations=True, identity=True)
    out = root / "out"
    res = run_batch([arch.folder], out, workers=0, progress=False, export=False)
    assert res.failed == 0 and res.ok == len(arch.files)
    for p in report_files(out):  # a reading doubt on one cell: the figures must leave it out, and mark it
        data = json.loads(p.read_text(encoding="utf-8"))
        if data["meta"]["agency"] == DOUBTED_BODY and data["meta"]["year"] == 2020:
            data["issues"].append({"kind": "ambiguous", "table": "applications", "message": "两种读法",
                                   "cells": [["new", "total"]], "about": "reading", "alternatives": []})
            p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    write_reviews(out)
    return arch, out


def _reports(out: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: load_report_file(p) for p in report_files(out)}


def _by_file(audit):  # type: ignore[no-untyped-def]
    return {Path(r.source).name: r for r in audit.reports}


# -- body identity -------------------------------------------------------------------------------------------
def test_one_body_under_two_names_is_merged_and_its_jump_found(batch):
    arch, out = batch
    (variant_file, printed), = arch.variants.items()
    body = BODIES[1][0]
    assert printed == PARENT + body
    audit, _, _ = audit_paths([out])
    files = _by_file(audit)
    last = files[variant_file]
    before = next(r for r in audit.reports if r.agency == body and r.year == 2023)
    assert (last.agency, before.agency) == (printed, body)
    assert last.body == before.body
    assert (body, sorted([body, printed])) in audit.bodies.merges
    jump = [f for f in audit.findings_for(last.id) if f.kind == "cross_year_jump" and "本年新收·总计" in f.message]
    assert jump and "2023–2024" in jump[0].message and jump[0].related_report_id == before.id
    ranked = next(r for r in audit.ranking() if r["body"] == body)
    assert ranked["reports"] == 5 and ranked["years"] == [2020, 2021, 2022, 2023, 2024]


def test_a_report_naming_no_body_stays_unidentified(batch):
    arch, out = batch
    audit, _, _ = audit_paths([out])
    assert [Path(r.source).name for r in audit.unidentified()] == arch.unnamed
    assert UNIDENTIFIED not in {r["body"] for r in audit.ranking()}
    assert len(audit.ranking()) == len(BODIES) + 1
    row = next(s for s in audit.series() if s["body"] == UNIDENTIFIED)
    assert row["report_ids"] == audit.unidentified()[0].id


def test_a_body_resting_on_one_case_is_not_an_outlier(batch):
    arch, out = batch
    audit, _, _ = audit_paths([out])
    assert arch.one_case is not None
    r = _by_file(audit)[arch.one_case[2]]
    ind = r.indicators["correction_rate"]
    assert (ind.value, ind.numerator, ind.denominator) == (1.0, 1, 1)
    assert "not ranked: fewer than 5 cases" in ind.notes and ind.percentile is None
    assert not [f for f in audit.findings_for(r.id) if f.kind == "indicator_outlier"]


def test_ranking_puts_real_defects_before_reading_doubts(batch, tmp_path):
    _, out = batch
    folder = tmp_path / "doubts"
    shutil.copytree(out, folder, ignore=shutil.ignore_patterns("review"))
    for p in report_files(folder):  # many reading doubts, each an "error" by kind, on the body with no defect
        data = json.loads(p.read_text(encoding="utf-8"))
        if data["meta"]["agency"] == DOUBTS_ONLY:
            data["issues"] += [{"kind": k, "table": "applications", "message": k, "cells": [["new", "total"]],
                                "about": "reading"} for k in ["missing"] * 9 + ["structure"] * 2 + ["ambiguous"] * 9]
            p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    audit, _, _ = audit_paths([folder])
    ranking = audit.ranking()
    doubts = next(r for r in ranking if r["body"] == DOUBTS_ONLY)
    assert doubts["to_check"] == 5 * 20 and doubts["score"] == 0 and doubts["errors"] == 0
    assert ranking[-1]["body"] == DOUBTS_ONLY  # every body with a real defect comes first
    assert all(r["score"] > 0 for r in ranking[:-1])
    by_errors = max(ranking, key=lambda r: sum(audit.counts(i)["error"] for i in r["report_ids"]))
    assert by_errors["body"] == DOUBTS_ONLY  # what the old ranking (open errors) put first


def test_audit_writes_bodies_csv_and_the_dashboard_and_takes_the_users_bodies(batch, tmp_path, capsys):
    _, out = batch
    memo = tmp_path / "memo.json"
    assert main(["audit", str(out), "-o", str(memo)]) == 0
    err = capsys.readouterr().err
    assert f"merged {'、'.join(sorted([PARENT + BODIES[1][0], BODIES[1][0]]))} as one body" in err
    assert "未识别" in err
    board = tmp_path / "看板.html"
    assert board.stat().st_size > 1_000_000  # Plotly's JS is in it
    csv_text = (tmp_path / "bodies.csv").read_text(encoding="utf-8-sig")
    assert f"{PARENT}{BODIES[1][0]},{BODIES[1][0]},县,部门" in csv_text
    # the user says 东山县人民政府 is 长河市人民政府 (say, a renamed body): the audit follows
    edited = csv_text.replace(f"{DOUBTS_ONLY},{DOUBTS_ONLY}", f"{DOUBTS_ONLY},长河市人民政府")
    (tmp_path / "mine.csv").write_text(edited, encoding="utf-8")
    assert main(["audit", str(out), "-o", str(memo), "--bodies", str(tmp_path / "mine.csv")]) == 0
    data = json.loads(memo.read_text(encoding="utf-8"))
    assert {"body": "长河市人民政府", "variants": sorted([DOUBTS_ONLY, "长河市人民政府"])} in data["bodies"]["merged"]
    (tmp_path / "bad.csv").write_text("name,who\n", encoding="utf-8")
    assert main(["audit", str(out), "-o", str(memo), "--bodies", str(tmp_path / "bad.csv")]) == 4
    assert main(["dashboard", str(tmp_path / "nothing")]) == 3


# -- the dashboard in a browser ------------------------------------------------------------------------------
def _figures(reports: dict[str, dict[str, Any]], year: int | None = None) -> dict[str, float | int | None]:
    """The KPIs from the batch's cells: a cell counts when checked (read, inferred, corrected, verified, printed
    empty) and doubted by no issue."""
    out: dict[str, float | int | None] = {}
    rs = [d for d in reports.values() if year is None or d["meta"]["year"] == year]

    def value(d: dict[str, Any], keys: list[str]) -> float | None:
        cells = {(c["table"], c["row"], c["col"]): c for c in d["cells"]}
        flagged = flagged_cells(d)
        total = 0.0
        for k in keys:
            key = tuple(k.split("."))
            c = cells.get(key)
            if c is None or c["status"] not in TRUSTED or key in flagged:
                return None
            total += c["value"] or 0
        return total

    out["reports"] = len(rs)
    new = [value(d, ["applications.new.total"]) for d in rs]
    out["applications"] = sum(v for v in new if v is not None)
    for kpi, num, den in (
            ("disclosure_rate", ["applications.disclosed.total", "applications.partially_disclosed.total"],
             ["applications.total_handled.total"]),
            ("review_correction_rate", ["appeals.review.corrected"], ["appeals.review.total"]),
            ("suit_correction_rate", ["appeals.direct_suit.corrected", "appeals.suit_after_review.corrected"],
             ["appeals.direct_suit.total", "appeals.suit_after_review.total"])):
        pairs = [(value(d, num), value(d, den)) for d in rs]
        pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
        n, m = sum(a for a, _ in pairs), sum(b for _, b in pairs)
        out[kpi] = n / m if m else None
    return out


def _outliers(reports: dict[str, dict[str, Any]], num: list[str], den: list[str], min_cases: int = 5) -> set[str]:
    """The documented rule: among checked ratios over at least 5 cases (5 or more of them), beyond the quartiles
    by 3 IQR and at least 0.2 from the median."""
    vals = []
    for rid, d in reports.items():
        cells = {(c["table"], c["row"], c["col"]): c for c in d["cells"]}
        flagged = flagged_cells(d)
        keys = [tuple(k.split(".")) for k in num + den]
        if any(k not in cells or cells[k]["status"] not in TRUSTED or k in flagged for k in keys):
            continue
        n = sum(cells[tuple(k.split("."))]["value"] or 0 for k in num)
        m = sum(cells[tuple(k.split("."))]["value"] or 0 for k in den)
        if m >= min_cases:
            vals.append((rid, n / m))
    if len(vals) < 5:
        return set()
    xs = sorted(v for _, v in vals)

    def q(p: float) -> float:
        pos = (len(xs) - 1) * p
        lo = int(pos)
        hi = min(lo + 1, len(xs) - 1)
        return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)

    q1, med, q3 = q(0.25), q(0.5), q(0.75)
    return {rid for rid, v in vals if (v > q3 + 3 * (q3 - q1) or v < q1 - 3 * (q3 - q1)) and abs(v - med) >= 0.2}


CATCH = """window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message)));
const _ce = console.error; console.error = (...a) => { window.__errors.push(a.join(' ')); _ce(...a); };"""


def _kpis(driver) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {k: (v, t) for k, v, t in driver.execute_script(
        "return [...document.querySelectorAll('[data-kpi]')].map(e => [e.dataset.kpi, e.dataset.value, "
        "e.querySelector('.value').innerText])")}


def _charts(driver) -> dict[str, tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    return {i: (int(p or 0), s, n) for i, p, s, n in driver.execute_script(
        "return [...document.querySelectorAll('.chart')].map(e => [e.id, e.dataset.points, "
        "e.querySelectorAll('svg.main-svg').length, e.querySelectorAll('path.point').length])")}


def _check_figures(driver, want: dict[str, float | int | None]) -> None:  # type: ignore[no-untyped-def]
    got = _kpis(driver)
    assert int(got["reports"][0]) == want["reports"]
    assert int(got["applications"][0]) == want["applications"]
    assert got["applications"][1] == f"{int(want['applications']):,}"
    for k in ("disclosure_rate", "review_correction_rate", "suit_correction_rate"):
        assert abs(float(got[k][0]) - want[k]) < 1e-9, k  # type: ignore[operator]
        assert got[k][1] == f"{want[k]:.1%}", k


@pytest.mark.browser
@pytest.mark.skipif(chromium_paths() is None, reason="chromium and chromedriver are not installed")
@pytest.mark.skipif(not has_selenium(), reason="selenium is not installed (pip install -e '.[test]')")
def test_dashboard_in_a_browser_offline(batch):  # type: ignore[no-untyped-def]
    arch, out = batch
    assert main(["dashboard", str(out)]) == 0
    page = out / "看板.html"
    html = page.read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html  # nothing to fetch
    reports = _reports(out)
    with chrome() as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH})
        driver.get(page.as_uri())
        driver.execute_async_script("const done = arguments[0]; (function wait() { "
                                    "if ([...document.querySelectorAll('.chart')].every(e => e.dataset.points)) done();"
                                    " else setTimeout(wait, 100); })();")
        # every chart renders: an SVG with points in it
        charts = _charts(driver)
        assert set(charts) == {"chart-series", "chart-dist", "chart-scatter"}
        assert all(p > 0 and s > 0 and n > 0 for p, s, n in charts.values()), charts
        assert driver.find_element("css selector", "#heat table tbody tr") is not None
        # the figures are those computed here from the cells (the doubted 本年新收 left out, and said so)
        want = _figures(reports)
        _check_figures(driver, want)
        assert int(_kpis(driver)["bodies"][0]) == len(BODIES) + 1  # two names, one body; 未识别 is none
        note = driver.find_element("css selector", "[data-kpi=applications] .note").text
        assert "1 份待核对" in note
        assert driver.execute_script("return [...document.querySelectorAll('[data-unidentified]')].length") == 1
        # the year filter: the figures of 2022 alone
        driver.execute_script("const s = document.getElementById('f-year'); s.value = '2022';"
                              "s.dispatchEvent(new Event('change'));")
        _check_figures(driver, _figures(reports, 2022))
        driver.execute_script("const s = document.getElementById('f-year'); s.value = '全部';"
                              "s.dispatchEvent(new Event('change'));")
        # outliers by the documented rule; the one-case 纠错率 of 100% is not one of them
        one_case = next(rid for rid, d in reports.items() if Path(d["source"]).name == arch.one_case[2])
        for measure, num, den in (
                ("correction_rate", ["appeals.review.corrected", "appeals.direct_suit.corrected",
                                     "appeals.suit_after_review.corrected"],
                 ["appeals.review.total", "appeals.direct_suit.total", "appeals.suit_after_review.total"]),
                ("disclosure_rate", ["applications.disclosed.total", "applications.partially_disclosed.total"],
                 ["applications.total_handled.total"])):
            driver.execute_script(f"const s = document.getElementById('dist-measure'); s.value = '{measure}';"
                                  "s.dispatchEvent(new Event('change'));")
            shown = set(driver.execute_script(
                "return [...document.querySelectorAll('[data-outlier]')].map(e => e.dataset.outlier)"))
            assert shown == _outliers(reports, num, den), measure
            assert one_case not in shown
            if measure == "correction_rate":  # without the guard, its 100% would be the outlier
                assert one_case in _outliers(reports, num, den, min_cases=1)
        assert driver.execute_script("return window.__errors") == []
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
        assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
        # clicking a body opens its review page
        link = driver.find_element("css selector", "#heat tr[data-body] a[href*='review/']")
        href = link.get_attribute("href")
        link.click()
        assert driver.current_url == href and (out / "review" / Path(href).name).is_file()
        assert driver.execute_script("return document.querySelectorAll('[data-status]').length") > 100
