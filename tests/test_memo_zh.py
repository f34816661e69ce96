"""The audit memo a supervisor can send: A4 in the GB/T 9704-2012 layout, a summary paragraph, the report's own
problems (with basis and 整改建议) apart from the tool's reading doubts (an appendix), in Word, PDF and HTML."""

from __future__ import annotations

import shutil

import pytest

from govreport.cli.audit import audit_paths
from govreport.i18n import language
from govreport.output.memo import MARGIN_MM, write_memo

from .conftest import SAMPLES
from .verifykit import damaged_text

MM = 72 / 25.4  #: PDF points per millimetre


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    folder = tmp_path_factory.mktemp("memo")
    inputs = [SAMPLES / "sample_2021_tabs.txt", SAMPLES / "sample_2021_web.html", SAMPLES / "sample_2019_pipes.md"]
    for seed in (1, 2):  # damaged reports: reading doubts for the appendix
        text, _ = damaged_text(seed)
        (folder / f"damaged{seed}.txt").write_text(text, encoding="utf-8")
        inputs.append(folder / f"damaged{seed}.txt")
    audit, load, failures = audit_paths(inputs, workers=0)
    assert not failures and len(audit.reports) == 5
    return audit, load, folder


def _memo(audited, suffix: str, lang: str = "zh"):
    audit, load, folder = audited
    with language(lang):
        return write_memo(audit, load, folder / f"memo-{lang}{suffix}")


def test_docx_is_a4_in_the_official_layout(audited):
    import docx
    from docx.shared import Mm

    d = docx.Document(str(_memo(audited, ".docx")))
    s = d.sections[0]
    assert (round(s.page_width / Mm(1)), round(s.page_height / Mm(1))) == (210, 297)
    margins = (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)
    assert [round(m / Mm(1)) for m in margins] == [37, 35, 28, 26]
    assert "PAGE" in s.footer._element.xml  # page numbers
    heads = [p.text for p in d.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert heads[0] == "政府信息公开工作年度报告审查意见" and "附件1　识别存疑（请对照原件核对）" in heads
    text = "\n".join(p.text for p in d.paragraphs)
    assert "共审查 5 份报告，涉及 4 个单位" in text and "整改建议：" in text and "依据：" in text
    fonts = d.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋"
    # the indicator tables: no column squeezed under four characters of 五号 (10.5 pt = 210 twips each)
    indicator_tables = [t for t in d.tables if t.rows[0].cells[0].text == "报告"]
    assert indicator_tables
    for t in indicator_tables:
        widths = [int(g.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}w"))
                  for g in t._tbl.tblGrid.iterchildren()]
        assert min(widths) >= 4 * 210, widths


def test_reading_doubts_are_an_appendix_with_what_to_check(audited):
    from lxml import html as lxml_html

    root = lxml_html.fromstring(_memo(audited, ".html").read_text(encoding="utf-8"))
    appendix = root.get_element_by_id("appendix-1")
    before = {li for li in root.xpath("//li[@data-about]") if li.getparent().getprevious() is not None
              and li.sourceline < appendix.sourceline}
    assert before and all(li.get("data-about") == "report" for li in before)
    after = [li for li in root.xpath("//li[@data-about='reading']")]
    assert after and all(li.sourceline > appendix.sourceline for li in after)
    assert all("核对：" in li.text_content() for li in after)
    assert all("依据：" in li.text_content() and "整改建议：" in li.text_content() for li in before)


def test_pdf_has_chinese_headings_embedded_fonts_and_text_within_the_margins(audited):
    pdfplumber = pytest.importorskip("pdfplumber")
    pikepdf = pytest.importorskip("pikepdf")
    path = _memo(audited, ".pdf")
    with pdfplumber.open(str(path)) as pdf:
        text = pdf.pages[0].extract_text()
        assert "政府信息公开工作年度报告审查意见" in text and "共审查 5 份报告" in text
        fonts = set()
        for page in pdf.pages:
            w, h = float(page.width), float(page.height)
            assert (round(w / MM), round(h / MM)) == (210, 297)
            for ch in page.chars:
                fonts.add(ch["fontname"])
                if ch["top"] > h - MARGIN_MM["bottom"] * MM:  # the foot: the page number only
                    assert ch["text"] in "— 0123456789", ch
                    continue
                assert ch["x0"] >= MARGIN_MM["left"] * MM - 1 and ch["x1"] <= w - MARGIN_MM["right"] * MM + 1, ch
                assert ch["top"] >= MARGIN_MM["top"] * MM - 2, ch
        all_text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert "附件1" in all_text and "附件2" in all_text and "— 2 —" in all_text
    with pikepdf.open(str(path)) as doc:  # every font that draws text is embedded
        embedded = set()
        for page in doc.pages:
            for _name, font in page.Resources.get("/Font", {}).items():
                desc = font.get("/FontDescriptor") or (font.get("/DescendantFonts") or [{}])[0].get("/FontDescriptor")
                if desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.add(str(font.BaseFont).lstrip("/"))
    assert fonts and all(any(f.endswith(e.split("+")[-1]) or f == e for e in embedded) for f in fonts), (
        fonts, embedded)


def test_pdf_renders_the_chinese_glyphs(audited):
    import numpy as np
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(str(_memo(audited, ".pdf")))[0]
    image = np.asarray(page.render(scale=1).to_pil().convert("L"))
    title = image[int(37 * 72 / 25.4):int(55 * 72 / 25.4)]  # the title's band, under the top margin
    assert (title < 128).mean() > 0.01  # ink: the glyphs drew (not blank boxes or nothing)


def test_memo_in_english(audited):
    text = _memo(audited, ".html", "en").read_text(encoding="utf-8")
    assert "Audit memo" in text and "Appendix 1" in text and "附件1" not in text


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_html_memo_does_not_overflow(audited):
    from .verifykit import chrome, chromium_paths

    if chromium_paths() is None:
        pytest.skip("chromedriver is not installed")
    page = _memo(audited, ".html")
    with chrome() as driver:
        driver.set_window_size(1000, 900)
        driver.get(page.as_uri())
        wide = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], wide
