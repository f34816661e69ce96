"""The review page and the verify app in a real browser (Debian's chromium + chromedriver), in Chinese
and in English: in Chinese no visible text node holds an English interface string."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govreport.cli import main

from .conftest import SAMPLES
from .verifykit import chrome, chromium_paths, flagged_dataset, has_selenium, open_report, press, server, wait_attr

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_paths() is None, reason="chromium and chromedriver are not installed"),
              pytest.mark.skipif(not has_selenium(), reason="selenium is not installed (pip install -e '.[test]')")]

#: every visible text node (and input placeholder), leaving out what comes from the data rather than the
#: interface: issue messages (``.gr-msg``: written when the report was extracted, in that run's language)
VISIBLE_TEXT = """
var out = [], w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (w.nextNode()) {
  var n = w.currentNode, e = n.parentElement, t = n.textContent.trim();
  if (!t || !e || e.closest('script,style,.gr-msg,.gr-alt')) continue;
  var st = getComputedStyle(e);
  if (st.visibility === 'hidden' || !e.getClientRects().length) continue;
  out.push(t);
}
document.querySelectorAll('input[placeholder]').forEach(function (i) {
  if (i.getClientRects().length) out.push(i.placeholder); });
out.push(document.title);
return out;
"""
#: ASCII words an interface in Chinese still shows: the product, key names, template IDs, file kinds
ALLOWED = {"govreport", "Enter", "Esc", "PDF", "Word", "gov2021", "gov2019", "txt", "pdf", "html", "docx", "jpg"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,}")


def english_words(texts: list[str], data: set[str]) -> list[tuple[str, str]]:
    allowed = ALLOWED | {w for d in data for w in WORD.findall(d)}
    return [(w, t) for t in texts for w in WORD.findall(t) if w not in allowed]


def _review_page(tmp_path: Path, lang: str, sample: str) -> Path:
    out = tmp_path / f"{lang}.review.html"
    assert main(["review", str(SAMPLES / sample), "-o", str(out), "--lang", lang]) == 0
    return out


@pytest.mark.parametrize("sample", ["sample_2021_tabs.txt", "sample_2021_text.pdf"])
def test_review_page_in_chinese_has_no_english_interface_text(tmp_path, sample):
    page = _review_page(tmp_path, "zh", sample)
    with chrome() as driver:
        driver.get(page.as_uri())
        texts = driver.execute_script(VISIBLE_TEXT)
        assert "表格" in texts and any(t.startswith("问题") for t in texts)
        assert driver.execute_script("return document.documentElement.lang") == "zh-CN"
        assert english_words(texts, {str(SAMPLES / sample)}) == []
        # the Tables section is headed by the printed labels, the IDs only in tooltips
        heads = driver.execute_script("return [...document.querySelectorAll('.gr-tables th')].map(e => e.textContent)")
        assert "自然人" in heads and "natural_person" not in heads


def test_review_page_in_english(tmp_path):
    page = _review_page(tmp_path, "en", "sample_2021_tabs.txt")
    with chrome() as driver:
        driver.get(page.as_uri())
        texts = driver.execute_script(VISIBLE_TEXT)
        assert "Tables" in texts and driver.execute_script("return document.documentElement.lang") == "en"


def _walk_app(driver, url: str, rid: str) -> tuple[list[str], list[str]]:
    driver.get(url)
    wait_attr(driver, "data-ready", "1")
    queue = driver.execute_script(VISIBLE_TEXT)
    open_report(driver, url, rid)
    wait_attr(driver, "data-view", "report")
    return queue, driver.execute_script(VISIBLE_TEXT)


def test_verify_app_in_chinese_and_english(tmp_path):
    from govreport.i18n import language

    with language("zh"):  # a Chinese user's batch: its messages and alternatives are Chinese too
        truths = flagged_dataset(tmp_path, 1, max_flagged=6)
    rid = next(iter(truths))
    ds = tmp_path / "ds"
    data = {str(p) for p in (tmp_path / "in").iterdir()} | {rid}
    with server(ds, "tester", "--lang", "zh") as (url, _proc), chrome() as driver:
        queue, report = _walk_app(driver, url, rid)
        assert "报告" in queue and "被标记的单元格" in report and "已决定" in report
        found = english_words(queue + report, data)
        assert found == [], sorted(set(found))
        # a decision: the decided list holds it, with the way back to it
        press(driver, "b")  # printed blank: a decision any cell can take
        wait_attr(driver, "data-steps", "1")
        decided = driver.execute_script("return document.querySelectorAll('#v-decided li').length")
        flashed = driver.execute_script("return document.getElementById('v-flash').textContent")
        assert decided == 1 and "已保存" in flashed
        assert english_words(driver.execute_script(VISIBLE_TEXT), data) == []
        # the source beside the cell: a text report shows the line the cell was read from, the cell marked
        assert driver.execute_script("return document.querySelector('#v-decided li button').textContent") == "撤销"
        press(driver, "u")  # undo it: the list is empty again, and the app says so in Chinese
        wait_attr(driver, "data-undos", "1")
        wait_attr(driver, "data-busy", "0")
        assert driver.execute_script("return document.querySelectorAll('#v-decided li').length") == 0
        assert "已撤销" in driver.execute_script("return document.getElementById('v-flash').textContent")
        texts = driver.execute_script(VISIBLE_TEXT)
        assert english_words(texts, data) == [] and any(t.startswith("待决定") for t in texts)
        assert driver.execute_script("return document.getElementById('v-source-text').textContent")
        for _ in range(80):  # a cell whose printed text was found in its line is marked there
            line = driver.execute_script("return document.getElementById('v-source-text').textContent")
            mark = driver.execute_script("var m = document.querySelector('#v-source-text mark'); "
                                         "return m ? m.textContent : null")
            if mark:
                break
            press(driver, "n")
        # (only where some flagged cell's printed text stands in its line: a deleted number has none to mark)
        from govreport.report import Report
        from govreport.verify.sources import cell_sources

        from .verifykit import report_json

        rep = Report.from_dict(report_json(ds, rid))
        text = next((tmp_path / "in").iterdir()).read_text(encoding="utf-8")
        found_any = any(cell_sources(rep, text).get("|".join(k), [None, -1])[1] >= 0 for k in rep.issue_cells())
        assert line and (mark in line if mark else not found_any)
    with server(ds, "tester", "--lang", "en") as (url, _proc), chrome() as driver:
        queue, report = _walk_app(driver, url, rid)
        assert "Flagged cells" in report and "Decided" in report and "被标记" not in " ".join(report)
