"""Review pages (``govreport review``): HTML structure with lxml, and the page in headless Chromium.

Regenerate the README screenshot with ``python -m tests.test_review`` (needs chromium).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import govreport
from govreport.cli import main
from govreport.output.review import IndexEntry, review_html, show_page, write_index, write_review
from govreport.report import Issue, Report

from .conftest import ROOT, SAMPLES

lxml_html = pytest.importorskip("lxml.html")

SCANNED = SAMPLES / "sample_2021_scanned.pdf"
EXTRACTED = ["sample_2021_text.pdf", "sample_2021_web.html", "sample_2019_word.docx", "sample_2021_tabs.txt",
             "sample_2019_pipes.md"]


def scanned_report() -> Report:
    """The scanned sample's truth (cells with page and bbox at meta.dpi), as if read."""
    r = Report.from_dict(json.loads((SAMPLES / "sample_2021_scanned.truth.json").read_text(encoding="utf-8")))
    r.source = str(SCANNED)
    return r


def every_status_report() -> Report:
    """The scanned truth with every status present and an inconsistent issue."""
    r = scanned_report()
    boxed = [c for c in r.cells if c.table == "applications" and c.bbox is not None and c.status == "read"]
    boxed[0].status, boxed[0].value = "inferred", 7
    boxed[1].status, boxed[1].text, boxed[1].value = "corrected", "8", 3
    boxed[2].status, boxed[2].value = "blank", None
    boxed[3].status, boxed[3].value, boxed[3].page, boxed[3].bbox = "missing", None, None, None
    rc = [[c.row, c.col] for c in boxed[4:7]]
    r.issues.append(Issue("inconsistent", "applications", "a + b = c does not hold", rc))
    return r


def sample_reports() -> dict[str, Report]:
    out = {"scanned_truth": scanned_report(), "every_status": every_status_report()}
    for name in EXTRACTED:
        out[name] = govreport.extract(SAMPLES / name)
    return out


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    return sample_reports()


def _statuses(root) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    return [(e.get("data-table"), e.get("data-row"), e.get("data-col"), e.get("data-status"))
            for e in root.xpath("//*[@data-status]")]


def _expected(report: Report) -> list[tuple[str, str, str, str]]:
    return [(c["table"], c["row"], c["col"], c["status"]) for c in report.to_dict()["cells"]]


# -- structure (no browser) --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["scanned_truth", "every_status", *EXTRACTED])
def test_one_status_element_per_cell(reports, name):
    report = reports[name]
    root = lxml_html.fromstring(review_html(report))
    assert _statuses(root) == _expected(report)
    boxes = root.xpath("//div[contains(@class,'gr-box')]")
    assert all(b.get("data-status") is None and b.get("data-box-status") for b in boxes)
    with_box = [c for c in report.cells if c.bbox is not None and c.page is not None]
    assert len(boxes) == len(with_box)
    assert [b.get("data-box-status") for b in boxes] == [c.status for c in sorted(with_box, key=lambda c: c.page)]
    # self-contained: no external resources
    for el in root.xpath("//*[@src or @href]"):
        ref = el.get("src") or el.get("href")
        assert ref.startswith(("data:image/", "#")), ref
    assert not root.xpath("//link | //script[@src] | //iframe")


def test_text_input_shows_tables_only(reports):
    root = lxml_html.fromstring(review_html(reports["sample_2021_tabs.txt"]))
    assert not root.xpath("//figure") and not root.xpath("//img")
    assert root.xpath("//section[@class='gr-tables']//td[@data-status]")


def test_scanned_pages_and_box_geometry(reports):
    report = reports["scanned_truth"]
    root = lxml_html.fromstring(review_html(report))
    pages = root.xpath("//figure[@data-page]")
    assert [int(p.get("data-page")) for p in pages] == sorted({c.page for c in report.cells})
    assert all(p.xpath("./img[starts-with(@src,'data:image/jpeg;base64,')]") for p in pages)
    cell = report.cells[0]
    box = root.get_element_by_id(f"b-{cell.table}-{cell.row}-{cell.col}")
    left = float(re.search(r"left:([\d.]+)%", box.get("style")).group(1))
    width_px = 595.44 * 200 / 72  # A4 page at meta.dpi
    assert left == pytest.approx(100 * cell.bbox[0] / width_px, abs=0.05)


def test_text_pdf_boxes_in_points(reports):
    report = reports["sample_2021_text.pdf"]
    assert "dpi" not in report.meta
    root = lxml_html.fromstring(review_html(report))
    cell = next(c for c in report.cells if c.bbox is not None)
    box = root.get_element_by_id(f"b-{cell.table}-{cell.row}-{cell.col}")
    top = float(re.search(r"top:([\d.]+)%", box.get("style")).group(1))
    assert top == pytest.approx(100 * cell.bbox[1] / 841.89, abs=0.05)


def test_issues_link_and_mark_cells(reports):
    report = reports["every_status"]
    root = lxml_html.fromstring(review_html(report))
    li = root.xpath("//li[@data-kind='inconsistent']")[0]
    keys = [k.split("|") for k in li.get("data-cells").split()]
    assert keys == [["applications", *rc] for rc in report.issues[-1].cells]
    target = li.xpath(".//a/@href")[0][1:]
    assert "gr-bad" in root.get_element_by_id(target).get("class")
    for _, row, col in keys:
        marked = root.xpath(f"//*[@data-row='{row}'][@data-col='{col}'][@data-table='applications']")
        assert len(marked) == 2 and all("gr-bad" in e.get("class") for e in marked)
    corrected = root.xpath("//div[@data-box-status='corrected']")[0]
    assert "read '8'" in corrected.get("title") and "value 3" in corrected.get("title")


def test_hover_shows_the_readings_a_reviewer_may_choose():
    """A cell's reading issue offers other values (another view of the scan read 11): the page box
    and the table cell both say so on hover; a cell without alternatives says nothing more."""
    from govreport.report import Alternative

    report = scanned_report()
    cell, other = [c for c in report.cells if c.table == "applications" and c.bbox is not None
                   and isinstance(c.value, int) and c.value > 1][:2]
    report.issues.append(Issue("low_confidence", "applications", "m", [[cell.row, cell.col]], about="reading",
                               alternatives=[Alternative([[cell.row, cell.col, cell.value]], "as read"),
                                             Alternative([[cell.row, cell.col, 11]], "another view"),
                                             Alternative([], "re-key")]))
    root = lxml_html.fromstring(review_html(report))
    where = f"[@data-table='applications'][@data-row='{cell.row}'][@data-col='{cell.col}']"
    tips = [e.get("title") for e in root.xpath(f"//div{where}") + root.xpath(f"//td{where}")]
    assert len(tips) == 2 and all(t.endswith("| or: 11") for t in tips), tips
    plain = f"[@data-table='applications'][@data-row='{other.row}'][@data-col='{other.col}']"
    assert all("or:" not in e.get("title") for e in root.xpath(f"//div{plain}"))


def test_missing_source_gives_placeholders(reports):
    report = scanned_report()
    report.source = "/nowhere/report.pdf"
    root = lxml_html.fromstring(review_html(report))
    assert not root.xpath("//img") and len(root.xpath("//figure[contains(@class,'gr-noimg')]")) == 4
    assert len(root.xpath("//*[@data-status]")) == len(report.cells)


def test_write_review_atomic_and_webp(tmp_path):
    out = write_review(scanned_report(), tmp_path / "r.html", SCANNED, image_format="webp")
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    assert "data:image/webp;base64," in out.read_text(encoding="utf-8")


def test_show_page(reports):
    report = reports["every_status"]
    overlay = show_page(report, 2)
    root = lxml_html.fromstring(overlay._repr_html_())
    assert root.xpath("//figure[@data-page='2']") and len(root.xpath("//figure")) == 1
    assert len(root.xpath("//div[@data-box-status]")) == sum(1 for c in report.cells if c.page == 2 and c.bbox)
    assert not root.xpath("//*[@data-status]")
    with pytest.raises(ValueError, match="page 9"):
        show_page(report, 9)


def test_repr_html_compact(reports):
    report = reports["every_status"]
    root = lxml_html.fromstring(report._repr_html_())
    assert _statuses(root) == _expected(report)
    assert root.xpath("//details[@open]//td[contains(@class,'gr-bad')]")
    assert root.xpath("//li[contains(@class,'gr-k-inconsistent')]")


def test_index_worst_first(tmp_path, reports):
    good, bad = reports["sample_2019_pipes.md"], reports["every_status"]
    entries = [(good, tmp_path / "a" / "good.html"), (bad.to_dict(), tmp_path / "a" / "bad.html"),
               IndexEntry("broken.pdf", error="no such file")]
    index = write_index(entries, tmp_path / "index.html")
    root = lxml_html.fromstring(index.read_text(encoding="utf-8"))
    rows = root.xpath("//tr[td]")
    assert rows[0].text_content().startswith("broken.pdf")
    assert rows[1].get("data-source") == bad.source and rows[2].get("data-source") == good.source
    assert rows[1].xpath(".//a/@href") == ["a/bad.html"]


def test_cli_review(tmp_path):
    out = tmp_path / "one.html"
    assert main(["review", str(SAMPLES / "sample_2021_tabs.txt"), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count("data-status=") == 200
    js = tmp_path / "r.json"
    report = scanned_report()
    shutil.copy(report.source, tmp_path / "scan.pdf")  # a JSON's document is looked for beside it
    report.source = "scan.pdf"
    js.write_text(report.to_json(), encoding="utf-8")
    files = [str(SAMPLES / "sample_2019_pipes.md"), str(js)]
    assert main(["review", *files, "-o", str(tmp_path / "many")]) == 0
    names = sorted(p.name for p in (tmp_path / "many").iterdir())
    assert names == ["index.html", "r.review.html", "sample_2019_pipes.review.html"]
    assert "data:image/jpeg" in (tmp_path / "many" / "r.review.html").read_text(encoding="utf-8")
    assert main(["review", str(tmp_path / "nope.txt"), *files, "-o", str(tmp_path / "m2")]) == 10
    assert main(["review", *files, "-o", str(tmp_path / "x.html")]) == 2


def test_review_of_an_untrusted_json_embeds_no_file_from_elsewhere(tmp_path, capsys):
    """A JSON naming a document outside its own folder (``../secret.pdf``, an absolute path) gets
    placeholders, not that file's pages."""
    elsewhere = tmp_path / "private"
    elsewhere.mkdir()
    shutil.copy(scanned_report().source, elsewhere / "secret.pdf")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for k, source in enumerate([str(elsewhere / "secret.pdf"), "../private/secret.pdf"]):
        report = scanned_report()
        report.source = source
        (inbox / f"r{k}.json").write_text(report.to_json(), encoding="utf-8")
        out = tmp_path / f"r{k}.html"
        assert main(["review", str(inbox / f"r{k}.json"), "-o", str(out)]) == 0
        page = out.read_text(encoding="utf-8")
        assert "data:image/jpeg" not in page and page.count("data-status=") == 200
        assert "not in the JSON's folder" in capsys.readouterr().err


def test_review_never_overwrites_its_input(tmp_path, capsys):
    src = tmp_path / "a.html"
    shutil.copy(SAMPLES / "sample_2021_web.html", src)
    before = src.read_bytes()
    assert main(["review", str(src), "-o", str(src)]) == 2
    assert "is the input itself" in capsys.readouterr().err
    pdf = tmp_path / "s.pdf"
    shutil.copy(SAMPLES / "sample_2021_tabs.txt", pdf)
    assert main(["review", str(pdf), "-o", str(tmp_path / "s.pdf")]) == 2  # unknown suffix, before any OCR
    assert main(["review", str(src), "-o", str(tmp_path / "x.docx")]) == 2
    assert src.read_bytes() == before
    # several files: an index.html of the user's in the folder is not replaced
    folder = tmp_path / "reviews"
    folder.mkdir()
    (folder / "index.html").write_text("<p>mine</p>", encoding="utf-8")
    assert main(["review", str(src), str(SAMPLES / "sample_2019_pipes.md"), "-o", str(folder)]) == 2
    assert (folder / "index.html").read_text(encoding="utf-8") == "<p>mine</p>"


# -- in a real browser -------------------------------------------------------------------------


def chromium() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def run_chromium(url: str, *args: str, timeout: float = 60) -> tuple[str, float]:
    """Run headless Chromium on ``url``; returns (stdout, wall seconds)."""
    exe = chromium()
    assert exe is not None
    with tempfile.TemporaryDirectory(prefix="gr-chromium-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
               *args, url]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        wall = time.perf_counter() - t0
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout, wall


browser = pytest.mark.skipif(chromium() is None, reason="chromium is not installed")


@pytest.mark.browser
@browser
@pytest.mark.parametrize("name", ["scanned_truth", "every_status", *EXTRACTED])
def test_browser_draws_every_cell(tmp_path, reports, name):
    report = reports[name]
    page = write_review(report, tmp_path / "review.html")
    dom, _ = run_chromium(page.as_uri(), "--dump-dom")
    root = lxml_html.fromstring(dom)
    assert root.get("data-ready") == "1"  # the script ran without error
    assert _statuses(root) == _expected(report)
    assert len(root.xpath("//div[@data-box-status]")) == sum(1 for c in report.cells if c.bbox is not None)


@pytest.mark.browser
@browser
def test_browser_issue_link_highlights(tmp_path, reports):
    report = reports["every_status"]
    page = write_review(report, tmp_path / "review.html")
    dom, _ = run_chromium(page.as_uri() + f"#issue-{len(report.issues) - 1}", "--dump-dom")
    root = lxml_html.fromstring(dom)
    lit = root.xpath("//*[contains(concat(' ',@class,' '),' gr-hl ')]")
    assert len(lit) == 2 * len(report.issues[-1].cells)  # box and table cell of each


@pytest.mark.browser
@browser
def test_browser_screenshot(tmp_path, reports):
    page = write_review(reports["every_status"], tmp_path / "review.html")
    png = tmp_path / "shot.png"
    run_chromium(page.as_uri(), f"--screenshot={png}", "--window-size=1400,1000")
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == (1400, 1000)
        lo, hi = im.convert("L").getextrema()
        assert hi - lo > 100  # something was drawn


def six_page_case(tmp_path: Path) -> tuple[Report, Path]:
    """A 6-page scanned PDF (the sample's pages 1-4, 2, 3) with the template cells on every page."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(SCANNED))
    dst = pdfium.PdfDocument.new()
    dst.import_pages(src, [0, 1, 2, 3, 1, 2])
    pdf = tmp_path / "six.pdf"
    dst.save(str(pdf))
    report = scanned_report()
    report.source, report.meta["pages"] = str(pdf), 6
    for c in list(report.cells):
        if c.page in (2, 3):
            extra = Report.from_dict({"cells": [c.to_dict()]}).cells[0]
            extra.table, extra.page = c.table + "_copy", c.page + 3
            report.cells.append(extra)
    return report, pdf


@pytest.mark.browser
@browser
def test_six_page_size_and_render_time(tmp_path):
    report, pdf = six_page_case(tmp_path)
    page = write_review(report, tmp_path / "six.html", pdf)
    size = page.stat().st_size
    assert size < 5 * 1024 * 1024
    dom, wall = run_chromium(page.as_uri(), "--dump-dom")
    root = lxml_html.fromstring(dom)
    assert len(root.xpath("//figure[@data-page]")) == 6
    load_ms = int(root.get("data-load-ms"))
    print(f"six-page review: {size / 1e6:.2f} MB, load event {load_ms} ms, chromium wall {wall:.2f} s")
    assert load_ms < 3000


def make_docs_screenshot(target: Path = ROOT / "docs" / "review.png") -> Path:
    """The README screenshot: one page of the scanned sample's review, with the first issue that has
    a box on a page selected (headless ``--screenshot`` of a scrolled page comes out blank, so the
    review is limited to that page)."""
    from PIL import Image

    report = govreport.extract(SCANNED)
    report.source = SCANNED.name
    boxed = {c.key: c.page for c in report.cells if c.bbox is not None}
    hits = [(k, boxed[(i.table, *rc)]) for k, i in enumerate(report.issues) for rc in i.cells
            if (i.table, *rc) in boxed]
    issue, page_no = hits[0] if hits else (None, 2)
    with tempfile.TemporaryDirectory() as tmp:
        page = write_review(report, Path(tmp) / "review.html", SCANNED, pages=[page_no])
        shot = Path(tmp) / "shot.png"
        for frag in ([f"#issue-{issue}"] if issue is not None else []) + [""]:
            run_chromium(page.as_uri() + frag, f"--screenshot={shot}", "--window-size=1400,1000")
            with Image.open(shot) as im:
                lo, hi = im.convert("L").getextrema()
                if hi - lo > 100:
                    break
        with Image.open(shot) as im:
            target.parent.mkdir(parents=True, exist_ok=True)
            im.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    return target


if __name__ == "__main__":  # pragma: no cover
    import logging

    logging.basicConfig(level=logging.INFO)
    out = make_docs_screenshot()
    logging.getLogger("govreport").info("wrote %s (%d bytes)", out, out.stat().st_size)
