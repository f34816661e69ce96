"""Each renderer writes a valid file whose visible numbers are the truth's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govreport.synth.__main__ import generate, main
from govreport.synth.printed import PrintedDocument, printed_document
from govreport.synth.truth import random_truth
from govreport.types import CellRef

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _positions(template: str, seed: int) -> dict[CellRef, tuple[int, int, int]]:
    """Where each value cell sits: (table index, grid row, grid col)."""
    doc: PrintedDocument = printed_document(random_truth(template, seed=seed))
    out: dict[CellRef, tuple[int, int, int]] = {}
    for ti, t in enumerate(doc.tables()):
        for r, row in enumerate(t.grid()):
            for c, cell in enumerate(row):
                if cell is not None and cell.key is not None:
                    out[cell.key] = (ti, r, c)
    return out


def _expected(cell: dict) -> str:
    if cell["status"] == "read":
        v = cell["value"]
        return f"{v:.2f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)
    return cell["text"] or ""


def _check_grid(truth: dict, grids: list[list[list[str]]], template: str, seed: int) -> None:
    pos = _positions(template, seed)
    assert len(truth["cells"]) == len(pos)
    for cell in truth["cells"]:
        ti, r, c = pos[(cell["table"], cell["row"], cell["col"])]
        assert grids[ti][r][c].strip() == _expected(cell), cell


def _expand_html_table(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.iter("tr")):
        c = 0
        for td in tr.iter("td"):
            while (r, c) in grid:
                c += 1
            text = "".join(td.itertext())
            for dr in range(int(td.get("rowspan", 1))):
                for dc in range(int(td.get("colspan", 1))):
                    grid[(r + dr, c + dc)] = text if (dr, dc) == (0, 0) else ""
            c += int(td.get("colspan", 1))
    nr = max(k[0] for k in grid) + 1
    nc = max(k[1] for k in grid) + 1
    return [[grid.get((r, c), "") for c in range(nc)] for r in range(nr)]


def test_html_roundtrip(tmp_path: Path) -> None:
    lxml_html = pytest.importorskip("lxml.html")
    files, truth = generate("html", "gov2021", 11, "office", tmp_path)
    root = lxml_html.fromstring(files[0].read_bytes())
    grids = [_expand_html_table(t) for t in root.iter("table")]
    _check_grid(truth, grids, "gov2021", 11)
    assert truth["meta"]["input_kind"] == "html"
    assert all(c["page"] is None and c["bbox"] is None for c in truth["cells"])
    assert json.loads((tmp_path / "truth.json").read_text("utf-8")) == truth


def test_docx_roundtrip(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    files, truth = generate("docx", "gov2019", 4, "office", tmp_path)
    d = docx.Document(str(files[0]))
    grids = [[[cell.text for cell in row.cells] for row in t.rows] for t in d.tables]
    _check_grid(truth, grids, "gov2019", 4)
    assert truth["template"] == "gov2019"


def _pdf_cell_texts(path: Path, truth: dict) -> dict[CellRef, str]:
    pdfium = pytest.importorskip("pypdfium2")
    pdf = pdfium.PdfDocument(str(path))
    assert len(pdf) == truth["meta"]["pages"]
    out: dict[CellRef, str] = {}
    for cell in truth["cells"]:
        page = pdf[cell["page"] - 1]
        h = page.get_height()
        x0, y0, x1, y1 = cell["bbox"]
        out[(cell["table"], cell["row"], cell["col"])] = page.get_textpage().get_text_bounded(
            x0 + 0.5, h - y1 + 0.5, x1 - 0.5, h - y0 - 0.5).strip()
    return out


@pytest.mark.parametrize("template,seed", [("gov2021", 4), ("gov2019", 1)])
def test_text_pdf_layer_matches_truth(tmp_path: Path, template: str, seed: int) -> None:
    files, truth = generate("text_pdf", template, seed, "office", tmp_path)
    texts = _pdf_cell_texts(files[0], truth)
    assert truth["synth"]["bbox_units"] == "pt"
    for cell in truth["cells"]:
        assert texts[(cell["table"], cell["row"], cell["col"])] == _expected(cell), cell
    # the applications table is split across two pages
    pages = {c["page"] for c in truth["cells"] if c["table"] == "applications"}
    assert len(pages) == 2


def test_scanned_pdf_pages_and_boxes(tmp_path: Path) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    import numpy as np

    files, truth = generate("scanned_pdf", "gov2021", 1, "office", tmp_path)
    dpi = truth["meta"]["dpi"]
    assert truth["meta"]["input_kind"] == "scanned_pdf" and 200 <= dpi <= 300
    pdf = pdfium.PdfDocument(str(files[0]))
    assert len(pdf) == truth["meta"]["pages"] >= 3
    assert not pdf[0].get_textpage().get_text_range().strip()  # no text layer: it is a scan
    boxed = {tuple(k) for k in truth["synth"]["black_boxed"]}
    assert boxed
    hidden = {tuple(h[:3]): h[3] for h in truth["synth"]["hidden"]}
    for cell in truth["cells"]:
        key = (cell["table"], cell["row"], cell["col"])
        info = truth["synth"]["pages"][cell["page"] - 1]
        w, h = info["size"]
        x0, y0, x1, y1 = cell["bbox"]
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        if key in boxed:
            assert cell["status"] == "masked" and cell["value"] is None and key in hidden
            img = np.asarray(pdf[cell["page"] - 1].render(scale=dpi / 72).to_pil().convert("L"))
            assert abs(img.shape[0] - h) <= 1 and abs(img.shape[1] - w) <= 1  # pdf page size rounding
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            core = img[int(cy - 3):int(cy + 3), int(cx - 3):int(cx + 3)]
            assert core.mean() < 80  # the black box sits on the truth's bbox
    masked_issue = {(i["table"], *rc) for i in truth["issues"] if i["kind"] == "masked" for rc in i["cells"]}
    assert boxed <= masked_issue


def test_png_kind_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--kind", "png", "--seed", "2", "--degrade", "none", "--out", str(tmp_path), "--name", "x"]
    assert main(argv) == 0
    truth = json.loads((tmp_path / "x.truth.json").read_text("utf-8"))
    assert truth["meta"]["input_kind"] == "image"
    assert [f"x_p{i}.png" for i in range(1, truth["meta"]["pages"] + 1)] == truth["synth"]["files"]
    assert all((tmp_path / f).is_file() for f in truth["synth"]["files"])
    assert {c["status"] for c in truth["cells"]} == {"read"}
    assert "x_p1.png" in capsys.readouterr().out


def test_generation_is_deterministic(tmp_path: Path) -> None:
    a = generate("html", "gov2021", 9, "office", tmp_path / "a")[1]
    b = generate("html", "gov2021", 9, "office", tmp_path / "b")[1]
    assert a["cells"] == b["cells"]


def test_committed_samples() -> None:
    assert sum(f.stat().st_size for f in SAMPLES.iterdir()) < 3 * 1024 * 1024
    for doc in ("sample_2021_text.pdf", "sample_2021_scanned.pdf", "sample_2019_word.docx",
                "sample_2021_web.html"):
        stem = doc.rsplit(".", 1)[0]
        truth = json.loads((SAMPLES / f"{stem}.truth.json").read_text("utf-8"))
        assert truth["source"] == doc and (SAMPLES / doc).is_file()
    truth = json.loads((SAMPLES / "sample_2021_text.truth.json").read_text("utf-8"))
    texts = _pdf_cell_texts(SAMPLES / "sample_2021_text.pdf", truth)
    assert all(texts[(c["table"], c["row"], c["col"])] == _expected(c) for c in truth["cells"])
    scan = json.loads((SAMPLES / "sample_2021_scanned.truth.json").read_text("utf-8"))
    assert 3 <= scan["meta"]["pages"] <= 6 and scan["synth"]["sealed"]
    assert len({c["page"] for c in scan["cells"] if c["table"] == "applications"}) == 2
