"""PDF text-layer reader: generated PDFs (fpdf2 + a CJK font) read back into token rows."""

from __future__ import annotations

import random
import sys
import types
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

pytest.importorskip("pypdfium2")
pytest.importorskip("fpdf")

sys.path.insert(0, str(Path(__file__).parent))
import borndigital as bd

from govreport.errors import BadInputError, EncryptedError, MissingDependencyError, TooLargeError
from govreport.layout.pdf_text import read_pdf, text_layer_problem
from govreport.layout.tokens import BREAK, Kind, Token
from govreport.settings import ExtractSettings

if bd.cjk_font() is None:
    pytest.skip("no CJK TrueType font (apt-get install fonts-wqy-zenhei)", allow_module_level=True)

S = ExtractSettings()


def _check_table(result, table: bd.Table) -> int:  # type: ignore[no-untyped-def]
    rows = bd.token_rows(result.tokens)
    at = bd.find_rows(rows, bd.expected_rows(table))
    assert at >= 0, "\n".join(" | ".join(r) for r in rows)
    return at


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    d = tmp_path_factory.mktemp("pdf")
    out: dict[str, object] = {}
    blocks = bd.sample_report(bd.random_values(random.Random(1)))
    out["plain"] = (bd.to_pdf(blocks, d / "plain.pdf") and d / "plain.pdf", blocks)
    split = bd.sample_report(bd.random_values(random.Random(2)), prose=14)
    out["split"] = (bd.to_pdf(split, d / "split.pdf") and d / "split.pdf", split)
    kx = bd.sample_report(bd.random_values(random.Random(3)), prose=14)
    opts = bd.PdfOptions(kangxi=True, filled_borders=True)
    out["kangxi"] = (bd.to_pdf(kx, d / "kangxi.pdf", opts) and d / "kangxi.pdf", kx)
    return out


def test_applications_table_reaches_its_rows(pdfs: dict) -> None:
    path, blocks = pdfs["plain"]
    r = read_pdf(path, S)
    assert r.input_kind == "text_pdf" and r.pages == 2 and r.notes == [] and r.dpi is None
    table = blocks[-2]
    at = _check_table(r, table)
    _check_table(r, bd.ART20[1])
    rows = bd.token_rows(r.tokens)
    # the label printed one character per line comes out whole, with its first outcome row
    assert rows[at + 5][:2] == ["三、本年度办理结果", "(一)予以公开"]
    assert "某某区人民政府办公室2024年政府信息公开工作年度报告" in r.text
    nums = [t for t in r.tokens if t.kind is Kind.NUMBER]
    assert nums and all(t.page in (1, 2) and t.bbox is not None for t in nums)
    x0, y0, x1, y1 = nums[0].bbox
    assert 0 <= x0 < x1 <= 595 and 0 <= y0 < y1 <= 842


def test_blank_and_masked_cells_keep_their_place(pdfs: dict) -> None:
    path, blocks = pdfs["plain"]
    r = read_pdf(path, S)
    assert {Kind.BLANK, Kind.MASK, Kind.NUMBER, Kind.TEXT} <= {t.kind for t in r.tokens}
    values = [row[-7:] for row in bd.expected_rows(blocks[-2])[3:]]
    got = [row[-7:] for row in bd.token_rows(r.tokens) if len(row) >= 8 and row[-1] != "总计"]
    assert got[-len(values) :] == values


def test_table_split_over_two_pages(pdfs: dict) -> None:
    path, blocks = pdfs["split"]
    r = read_pdf(path, S)
    assert r.pages == 2
    _check_table(r, blocks[-2])
    pages = {t.page for t in r.tokens if t.kind is Kind.NUMBER}
    assert pages == {1, 2}


def test_kangxi_radicals_and_filled_rulings(pdfs: dict) -> None:
    path, blocks = pdfs["kangxi"]
    r = read_pdf(path, S)
    _check_table(r, blocks[-2])
    assert "一、总体情况" in r.text and "\u2f00" not in r.text


def test_repeated_header_is_dropped(tmp_path: Path) -> None:
    blocks = bd.sample_report(bd.random_values(random.Random(4)), prose=14)
    blocks[-2].repeat_header = 3
    bd.to_pdf(blocks, tmp_path / "r.pdf")
    r = read_pdf(tmp_path / "r.pdf", S)
    _check_table(r, blocks[-2])
    assert any("repeated table header" in n for n in r.notes)


def test_unruled_lines_split_into_segments(tmp_path: Path) -> None:
    bd.to_pdf(["行政许可" + "\u3000" * 12 + "2149"], tmp_path / "u.pdf")
    rows = bd.token_rows(read_pdf(tmp_path / "u.pdf", S).tokens)
    assert rows == [["行政许可", "2149"]]


@pytest.fixture
def fake_ocr(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Stand-in for govreport.ocr.scan: one TEXT token per page image, page numbers kept."""
    calls: list[list[int]] = []

    def tokens_from_page_images(pages, settings):  # type: ignore[no-untyped-def]
        pages = list(pages)  # the real one takes an iterator (pages rendered one at a time)
        calls.append([p.number for p in pages])
        toks: list[Token] = []
        for p in pages:
            toks += [Token(Kind.TEXT, f"OCR{p.number}", page=p.number, bbox=(0.0, 0.0, 200.0, 100.0)), BREAK]
        return toks, "\n".join(f"OCR{p.number}" for p in pages)

    monkeypatch.setitem(
        sys.modules, "govreport.ocr.scan", types.SimpleNamespace(tokens_from_page_images=tokens_from_page_images)
    )
    import govreport.ocr as ocr_pkg

    monkeypatch.setattr(ocr_pkg, "scan", sys.modules["govreport.ocr.scan"], raising=False)
    return calls


def test_garbage_and_image_pages_are_ocred(tmp_path: Path, fake_ocr: list[list[int]]) -> None:
    blocks = [*bd.sample_report(), bd.PageBreak(), "本页的文字层是乱码，需要OCR。" * 4, bd.ImagePage(bd.ART20)]
    bd.to_pdf(blocks, tmp_path / "m.pdf", bd.PdfOptions(garbage_pages=frozenset({3})))
    r = read_pdf(tmp_path / "m.pdf", S)
    assert r.input_kind == "mixed_pdf" and r.pages == 4
    assert fake_ocr == [[3, 4]]
    assert [n.split(":")[0] for n in r.notes] == ["page 3", "page 4"]
    assert "unmapped glyphs" in r.notes[0] and "no text layer" in r.notes[1]
    _check_table(r, blocks[-5])
    ocr = [t for t in r.tokens if t.text.startswith("OCR")]
    assert [t.page for t in ocr] == [3, 4]
    assert ocr[0].bbox == (0.0, 0.0, 72.0, 36.0)  # pixels at 200 dpi back to points
    assert r.text.index("四、政府信息公开") < r.text.index("OCR3")


def test_latin_mojibake_layer_is_rejected(tmp_path: Path, fake_ocr: list[list[int]]) -> None:
    blocks = ["第一页正常的文字层，政府信息公开工作年度报告。", bd.PageBreak(), "第二页文字层是乱码。" * 6]
    bd.to_pdf(blocks, tmp_path / "g.pdf", bd.PdfOptions(garbage_pages=frozenset({2}), garbage="latin"))
    r = read_pdf(tmp_path / "g.pdf", S)
    assert r.input_kind == "mixed_pdf" and "garbage text layer" in r.notes[0]


def test_all_image_pdf_is_scanned(tmp_path: Path, fake_ocr: list[list[int]]) -> None:
    bd.to_pdf([bd.ImagePage(["一、总体情况"])], tmp_path / "s.pdf")
    r = read_pdf(tmp_path / "s.pdf", S)
    assert r.input_kind == "scanned_pdf" and r.dpi == 200
    assert r.tokens[0].bbox == (0.0, 0.0, 200.0, 100.0)  # pixels stay pixels


def test_scan_without_ocr_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bd.to_pdf([bd.ImagePage(["一、总体情况"])], tmp_path / "s.pdf")
    import govreport.ocr as ocr_pkg

    monkeypatch.setitem(sys.modules, "govreport.ocr.scan", None)  # import fails
    monkeypatch.delattr(ocr_pkg, "scan", raising=False)
    with pytest.raises(MissingDependencyError, match="ocr"):
        read_pdf(tmp_path / "s.pdf", S)


def test_encrypted(tmp_path: Path) -> None:
    import fpdf

    pdf = fpdf.FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.text(20, 20, "2024 annual report 17")
    pdf.output(str(tmp_path / "e.pdf"))
    with pytest.raises(EncryptedError, match="password"):
        read_pdf(tmp_path / "e.pdf", S)
    with pytest.raises(EncryptedError, match="wrong password"):
        read_pdf(tmp_path / "e.pdf", ExtractSettings(password="nope"))
    r = read_pdf(tmp_path / "e.pdf", ExtractSettings(password="secret"))
    assert "2024 annual report 17" in r.text


def test_bad_inputs(tmp_path: Path, pdfs: dict) -> None:
    (tmp_path / "c.pdf").write_bytes(b"%PDF-1.4\n1 0 obj garbage\n")
    with pytest.raises(BadInputError):
        read_pdf(tmp_path / "c.pdf", S)
    (tmp_path / "z.pdf").write_bytes(b"")
    with pytest.raises(BadInputError):
        read_pdf(tmp_path / "z.pdf", S)
    path, _ = pdfs["plain"]
    with pytest.raises(TooLargeError, match="pages"):
        read_pdf(path, ExtractSettings(max_pages=1))
    with pytest.raises(TooLargeError, match="bytes"):
        read_pdf(path, ExtractSettings(max_bytes=100))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("政府信息公开工作年度报告 2024年", None),
        ("⼀、总体情况⼆、主动公开", None),  # Kangxi radicals are fine once NFKC-folded
        ("", "no text layer"),
        ("\ue000\ue001\ue002\ue003 政府", "unmapped"),
        ("ÕþÕýÐÅÏ¢¹«¿ª¹¤×÷Äê¶È±¨¸æ", "garbage"),  # GBK bytes read as Latin-1
        ("".join(chr(0x8000 + 37 * k) for k in range(60)), "garbage"),  # rare characters only
    ],
)
def test_text_layer_problem(text: str, problem: str | None) -> None:
    got = text_layer_problem(text)
    assert (got is None) if problem is None else (got is not None and problem in got)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 2**32), st.booleans())
def test_random_span_tables_round_trip(tmp_path: Path, seed: int, filled: bool) -> None:
    table = bd.random_span_table(random.Random(seed))
    bd.to_pdf([table], tmp_path / "h.pdf", bd.PdfOptions(filled_borders=filled))
    expected = bd.expected_rows(table)
    # a page whose whole text is one character ("0") reads as a page without text: not a table
    assume(sum(len(c) for r in expected for c in r) >= 2)
    rows = bd.token_rows(read_pdf(tmp_path / "h.pdf", S).tokens)
    assert bd.find_rows(rows, expected) == 0 and len(rows) == len(expected), (rows, expected)


@pytest.mark.parametrize(
    ("rotation", "matrix"), [(90, (0, 1, -1, 0, 842, 0)), (180, (-1, 0, 0, -1, 595, 842)), (270, (0, -1, 1, 0, 0, 595))]
)
def test_rotated_pages_and_form_xobjects(pdfs: dict, tmp_path: Path, rotation: int, matrix: tuple) -> None:
    """The page content wrapped in a form XObject, turned, with /Rotate turning it back upright."""
    import pypdfium2

    path, _ = pdfs["plain"]
    base = read_pdf(path, S)
    src = pypdfium2.PdfDocument(str(path))
    dst = pypdfium2.PdfDocument.new()
    for i in range(len(src)):
        page = dst.new_page(*((842, 595) if rotation != 180 else (595, 842)))
        obj = src.page_as_xobject(i, dst).as_pageobject()
        obj.transform(pypdfium2.PdfMatrix(*matrix))
        page.insert_obj(obj)
        page.gen_content()
        page.set_rotation(rotation)
    dst.save(str(tmp_path / "rot.pdf"))
    got = read_pdf(tmp_path / "rot.pdf", S)
    assert bd.token_rows(got.tokens) == bd.token_rows(base.tokens)
    for a, b in zip(got.tokens, base.tokens, strict=True):
        assert (a.bbox is None) == (b.bbox is None)
        if a.bbox is not None:
            assert max(abs(u - v) for u, v in zip(a.bbox, b.bbox, strict=True)) < 0.1
