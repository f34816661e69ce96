"""The memo's static charts (issue 27): their figures are those recomputed here from the batch's cells (the oracle
of tests/test_dashboard.py: checked cells only, a doubted figure marked, outliers by the documented rule with its
guards), and they lie as pictures within the page in Word (A4), PDF and HTML (no overflow)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from html import escape
from pathlib import Path
from typing import Any

import pytest

from govreport.checks.findings import flagged_cells
from govreport.cli.audit import audit_paths
from govreport.i18n import language
from govreport.output.dataset import report_files
from govreport.output.memo import memo_blocks, write_memo
from govreport.output.memo_charts import MAX_BODIES, chart_data
from govreport.output.memo_parts import MARGIN_MM, PAGE_MM
from tests.test_dashboard import _outliers, _reports, batch  # noqa: F401 - batch: the archive fixture
from tests.verifykit import chrome, chromium_paths, has_selenium

pytest.importorskip("matplotlib")

TRUSTED = {"read", "inferred", "corrected", "verified", "blank"}
MM = 72 / 25.4
NUM = {"new": ["applications.new.total"],
       "disclosure_rate": ["applications.disclosed.total", "applications.partially_disclosed.total"],
       "correction_rate": ["appeals.review.corrected", "appeals.direct_suit.corrected",
                           "appeals.suit_after_review.corrected"]}
DEN = {"disclosure_rate": ["applications.total_handled.total"],
       "correction_rate": ["appeals.review.total", "appeals.direct_suit.total", "appeals.suit_after_review.total"]}
OUTLIER = ("长河市人民政府", 2022)  #: its appeals are made all corrected: a 纠错率 of 100% over many cases
DOUBTED_OUTLIER = ("云溪县人民政府", 2022)  #: the same, but its cell doubted: hollow, never an outlier


@pytest.fixture(scope="module")
def charted(batch, tmp_path_factory):  # type: ignore[no-untyped-def]  # noqa: F811
    arch, out = batch
    folder = tmp_path_factory.mktemp("charts") / "batch"
    shutil.copytree(out, folder, ignore=shutil.ignore_patterns("review"))
    for p in report_files(folder):
        data = json.loads(p.read_text(encoding="utf-8"))
        who = (data["meta"]["agency"], data["meta"]["year"])
        if who in (OUTLIER, DOUBTED_OUTLIER):
            totals = {c["row"]: c["value"] for c in data["cells"] if c["table"] == "appeals" and c["col"] == "total"}
            for c in data["cells"]:
                if c["table"] == "appeals" and c["col"] == "corrected":
                    c["value"] = totals[c["row"]]
        if who == DOUBTED_OUTLIER:
            data["issues"].append({"kind": "ambiguous", "table": "appeals", "message": "两种读法",
                                   "cells": [["review", "corrected"]], "about": "reading", "alternatives": []})
        p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    audit, load, failures = audit_paths([folder])
    assert not failures
    return arch, folder, audit, load


def _oracle(d: dict[str, Any], measure: str) -> tuple[float, bool, float | None] | None:
    """A report's figure from its cells: (value, doubted, cases); None where a cell has no value."""
    cells = {(c["table"], c["row"], c["col"]): c for c in d["cells"]}
    flagged = flagged_cells(d)
    doubted = False
    sums = []
    for keys in (NUM[measure], DEN.get(measure, [])):
        total = 0.0
        for k in keys:
            key = tuple(k.split("."))
            c = cells.get(key)
            if c is None or (c["value"] is None and c["status"] != "blank"):
                return None
            doubted |= c["status"] not in TRUSTED or key in flagged
            total += c["value"] or 0
        sums.append(total)
    if measure not in DEN:
        return sums[0], doubted, None
    if sums[1] == 0:
        return None
    return sums[0] / sums[1], doubted, sums[1]


def test_chart_figures_are_the_cells_checked_figures(charted):
    arch, folder, audit, load = charted
    reports = _reports(folder)
    charts = {(c.kind, c.measure): c for c in chart_data(audit, load)}
    assert set(charts) == {("series", "new"), ("series", "disclosure_rate"), ("series", "correction_rate"),
                           ("distribution", "disclosure_rate"), ("distribution", "correction_rate")}
    named = {rid: d for rid, d in reports.items() if Path(d["source"]).name not in arch.unnamed}
    assert len(named) == len(reports) - 1
    for measure in ("new", "disclosure_rate", "correction_rate"):
        c = charts["series", measure]
        assert len(c.bodies) == 6 <= MAX_BODIES and c.left_out == 0
        want = {rid: f for rid, d in named.items() if (f := _oracle(d, measure)) is not None}
        got = {p.report_id: (p.value, p.doubted, p.cases) for p in c.points}
        assert got.keys() == want.keys(), measure
        for rid, (v, doubted, cases) in want.items():
            assert got[rid][0] == pytest.approx(v) and got[rid][1:] == (doubted, cases), (measure, rid)
    # the doubted 本年新收 of 2020 (tests/test_dashboard.py) is drawn, hollow
    hollow = [p for p in charts["series", "new"].points if p.group == "doubted"]
    assert [(p.body, p.year) for p in hollow] == [("南岭区市场监督管理局", 2020)]
    for measure in ("disclosure_rate", "correction_rate"):
        c = charts["distribution", measure]
        want = {rid: f for rid, d in reports.items() if (f := _oracle(d, measure)) is not None}
        assert {p.report_id: (pytest.approx(p.value), p.doubted) for p in c.points} == {
            rid: (v, doubted) for rid, (v, doubted, _cases) in want.items()}
        assert {p.report_id for p in c.points if p.group == "outlier"} == _outliers(reports, NUM[measure],
                                                                                   DEN[measure])
        assert {p.report_id for p in c.points if p.group == "few"} == {
            rid for rid, (_v, doubted, cases) in want.items() if not doubted and cases < 5}
        assert {p.report_id for p in c.points if p.group == "doubted"} == {
            rid for rid, (_v, doubted, _c) in want.items() if doubted}
    corr = charts["distribution", "correction_rate"]
    by = {(p.body, p.year): p for p in corr.points}
    assert by[OUTLIER].group == "outlier" and by[OUTLIER].value == 1.0 and by[OUTLIER].cases >= 5
    assert by[DOUBTED_OUTLIER].group == "doubted" and by[DOUBTED_OUTLIER].value == 1.0
    one_case = next(p for p in corr.points if p.cases == 1)
    assert one_case.value == 1.0 and one_case.group == "few"  # 100% from one case: grey, not an outlier


def _chart_blocks(audit, load):  # type: ignore[no-untyped-def]
    return [b for b in memo_blocks(audit, load) if b.kind == "chart"]


def test_docx_holds_the_charts_within_the_a4_text_block(charted, tmp_path):
    import docx
    from docx.shared import Mm

    _, _, audit, load = charted
    with language("zh"):
        path = write_memo(audit, load, tmp_path / "memo.docx")
        captions = [b.text for b in _chart_blocks(audit, load)]
    d = docx.Document(str(path))
    s = d.sections[0]
    assert (round(s.page_width / Mm(1)), round(s.page_height / Mm(1))) == PAGE_MM
    text_width = s.page_width - s.left_margin - s.right_margin
    text_height = s.page_height - s.top_margin - s.bottom_margin
    shapes = list(d.inline_shapes)
    assert len(shapes) == len(captions) == 5
    assert all(0 < sh.width <= text_width and 0 < sh.height <= text_height for sh in shapes)
    pictures = [r for r in d.part.rels.values() if r.reltype.endswith("/image")]
    assert len(pictures) == 5 and all(r.target_part.blob[:8] == b"\x89PNG\r\n\x1a\n" for r in pictures)
    paragraphs = [p.text for p in d.paragraphs]
    assert captions[0].startswith("图1　本年新收申请") and all(c in paragraphs for c in captions)
    assert any(t.startswith("离群值（中位数") and "长河市人民政府 2022：100.0%" in t for t in paragraphs)


def test_pdf_images_lie_within_the_margins(charted, tmp_path):
    pdfplumber = pytest.importorskip("pdfplumber")
    _, _, audit, load = charted
    with language("zh"):
        path = write_memo(audit, load, tmp_path / "memo.pdf")
    images = 0
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            w, h = float(page.width), float(page.height)
            for im in page.images:
                images += 1
                assert im["x0"] >= MARGIN_MM["left"] * MM - 0.5 and im["x1"] <= w - MARGIN_MM["right"] * MM + 0.5, im
                assert im["top"] >= MARGIN_MM["top"] * MM - 0.5 and im["bottom"] <= h - MARGIN_MM["bottom"] * MM + 0.5
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert images == 5
    flat = text.replace("\n", "")
    assert "图5" in flat and "纠错率在各报告间的分布" in flat and "离群值（中位数" in flat


def test_html_inlines_the_charts_with_the_outliers_marked(charted, tmp_path):
    _, _, audit, load = charted
    with language("zh"):
        html = write_memo(audit, load, tmp_path / "memo.html").read_text(encoding="utf-8")
    assert html.count("<figure class=\"chart\"") == 5 and html.count("<svg") == 5 and "<img" not in html
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    # the picture draws what the data says: one red marker per outlier, one hollow per doubted figure
    corr = next(c for c in chart_data(audit, load) if (c.kind, c.measure) == ("distribution", "correction_rate"))

    def markers(gid: str) -> int:
        m = re.search(rf'<g id="{gid}">(.*?)</g>\s*</g>', html, re.S)
        return 0 if m is None else m.group(1).count("<use ")

    assert markers("distribution-correction_rate-points-outlier") == sum(p.group == "outlier" for p in corr.points)
    assert markers("distribution-correction_rate-points-doubted") == sum(p.group == "doubted" for p in corr.points)
    assert markers("distribution-correction_rate-points-few") == sum(p.group == "few" for p in corr.points)
    gids = re.findall(r'\bid="((?:series|distribution)-[^"]+)"', html)
    assert gids and len(gids) == len(set(gids))  # each chart's marker groups are named apart


@pytest.mark.browser
@pytest.mark.skipif(chromium_paths() is None, reason="chromium and chromedriver are not installed")
@pytest.mark.skipif(not has_selenium(), reason="selenium is not installed (pip install -e '.[test]')")
def test_html_charts_do_not_overflow(charted, tmp_path):
    _, _, audit, load = charted
    with language("zh"):
        page = write_memo(audit, load, tmp_path / "memo.html")
    with chrome() as driver:
        for width in (1000, 480):
            driver.set_window_size(width, 900)
            driver.get(page.as_uri())
            wide = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            assert wide[0] <= wide[1], (width, wide)
            boxes = driver.execute_script(
                "return [...document.querySelectorAll('figure.chart svg')].map(s => { const r = "
                "s.getBoundingClientRect(), p = s.parentElement.getBoundingClientRect(); "
                "return [r.width, r.height, r.left - p.left, p.right - r.right]; })")
            assert len(boxes) == 5
            assert all(w > 100 and h > 50 and left >= -0.5 and right >= -0.5 for w, h, left, right in boxes), boxes


def test_without_matplotlib_the_memo_says_the_charts_are_left_out(charted, tmp_path, monkeypatch):
    _, _, audit, load = charted
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    with language("zh"):
        blocks = memo_blocks(audit, load)
        html = write_memo(audit, load, tmp_path / "memo.html").read_text(encoding="utf-8")
    assert not [b for b in blocks if b.kind == "chart"]
    note = [b.text for b in blocks if b.kind == "p" and "matplotlib" in b.text]
    assert note == ["未附图表：未安装 matplotlib（pip install 'govreport[charts]'）。"]
    assert escape(note[0]) in html and "<svg" not in html
