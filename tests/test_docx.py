"""Word reader: native tables with gridSpan/vMerge, paragraphs in order, legacy .doc refused."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("docx")
sys.path.insert(0, str(Path(__file__).parent))
import borndigital as bd

from govreport.errors import BadInputError, InputNotFoundError
from govreport.layout.docx import read_docx, read_docx_bytes
from govreport.settings import ExtractSettings

S = ExtractSettings()


def test_report_rows_in_document_order(tmp_path: Path) -> None:
    blocks = bd.sample_report(bd.random_values(random.Random(6)))
    path = tmp_path / "r.docx"
    bd.to_docx(blocks, path)
    r = read_docx(path, S)
    assert r.input_kind == "docx"
    rows = bd.token_rows(r.tokens)
    at_apps = bd.find_rows(rows, bd.expected_rows(blocks[-2]))
    at_art20 = bd.find_rows(rows, bd.expected_rows(bd.ART20[1]))
    assert 0 <= at_art20 < at_apps
    assert rows[at_apps - 1] == ["三、收到和处理政府信息公开申请情况"]
    assert rows[-1] == ["四、政府信息公开行政复议、行政诉讼情况"]
    lines = r.text.splitlines()
    assert lines[0] == "某某区人民政府办公室2024年政府信息公开工作年度报告"
    assert lines.index("三、收到和处理政府信息公开申请情况") < lines.index("四、政府信息公开行政复议、行政诉讼情况")


def test_nested_table_and_multiline_cells() -> None:
    import io

    import docx

    doc = docx.Document()
    outer = doc.add_table(rows=1, cols=1)
    cell = outer.cell(0, 0)
    cell.paragraphs[0].text = "（一）主动公开"
    inner = cell.add_table(rows=2, cols=2)
    inner.cell(0, 0).text = "信息内容"
    inner.cell(0, 1).text = "本年处理决定数量"
    inner.cell(1, 0).paragraphs[0].text = "行政"
    inner.cell(1, 0).add_paragraph("许可")
    inner.cell(1, 1).text = "２１４９"  # full-width digits
    doc.add_paragraph("说明\t17\t件")
    buf = io.BytesIO()
    doc.save(buf)
    r = read_docx_bytes(buf.getvalue())
    rows = bd.token_rows(r.tokens)
    assert rows[:3] == [["(一)主动公开"], ["信息内容", "本年处理决定数量"], ["行政许可", "2149"]]
    assert rows[-1] == ["说明", "17", "件"]  # a tab-separated paragraph: one token per field
    assert r.tokens[-3].value == 17


def test_legacy_doc_and_corrupt(tmp_path: Path) -> None:
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(BadInputError, match=r"convert it to \.docx"):
        read_docx(tmp_path / "old.doc", S)
    (tmp_path / "bad.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(BadInputError):
        read_docx(tmp_path / "bad.docx", S)
    with pytest.raises(InputNotFoundError):
        read_docx(tmp_path / "missing.docx", S)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32))
def test_random_span_tables_round_trip(seed: int) -> None:
    table = bd.random_span_table(random.Random(seed))
    rows = bd.token_rows(read_docx_bytes(bd.to_docx([table])).tokens)
    assert bd.find_rows(rows, bd.expected_rows(table)) == 0
    assert len(rows) == len(bd.expected_rows(table))
