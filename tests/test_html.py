"""HTML reader: tables with spans, chrome removal, encodings."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("lxml")
sys.path.insert(0, str(Path(__file__).parent))
import borndigital as bd

from govreport.errors import BadInputError, InputNotFoundError, TooLargeError
from govreport.layout.html import decode_html, read_html, read_html_string
from govreport.settings import ExtractSettings

S = ExtractSettings()


def test_report_page_rows_and_chrome(tmp_path: Path) -> None:
    blocks = bd.sample_report(bd.random_values(random.Random(5)))
    path = tmp_path / "r.html"
    path.write_text(bd.to_html(blocks), encoding="utf-8")
    r = read_html(path, S)
    assert r.input_kind == "html" and r.pages is None
    rows = bd.token_rows(r.tokens)
    assert bd.find_rows(rows, bd.expected_rows(blocks[-2])) >= 0
    assert bd.find_rows(rows, bd.expected_rows(bd.ART20[1])) >= 0
    assert rows[0] == ["某某区人民政府办公室2024年政府信息公开工作年度报告"]
    for chrome in ("首页", "当前位置", "打印", "关闭窗口", "扫一扫", "主办单位", "网站标识码", "不该出现", "字体"):
        assert chrome not in r.text, chrome
    assert all(t.page is None and t.bbox is None for t in r.tokens)


@pytest.mark.parametrize("encoding", ["gbk", "gb2312", "gb18030"])
@pytest.mark.parametrize("declared", [True, False])
def test_chinese_encodings(tmp_path: Path, encoding: str, declared: bool) -> None:
    blocks = ["二零二四年度政府信息公开工作年度报告", *bd.ART20]
    page = bd.to_html(blocks, charset=encoding if declared else None)
    path = tmp_path / "g.htm"
    path.write_bytes(page.encode(encoding))
    r = read_html(path, S)
    assert "二零二四年度政府信息公开工作年度报告" in r.text
    assert bd.find_rows(bd.token_rows(r.tokens), bd.expected_rows(bd.ART20[1])) >= 0


def test_wrong_declaration_and_bom() -> None:
    assert decode_html("<meta charset='gb2312'>年度报告".encode())[1] == "utf-8"
    assert decode_html('<meta charset="utf-8">年度报告'.encode("gbk"))[1] == "gb18030"
    assert decode_html(b"\xef\xbb\xbf<p>\xe5\xb9\xb4</p>") == ("<p>年</p>", "utf-8")


def test_layout_table_nested_and_hidden() -> None:
    html = """<table><tr><td class="left"><p>一、总体情况</p>
      <table><tr><th>信息内容</th><th>本年处理决定数量</th></tr><tr><td>行政许可</td><td>2,149</td></tr></table>
      <div style="display: none">隐藏</div><p>三、收到和处理</p></td></tr></table>
      <div class="bottom-nav">网站地图</div>"""
    rows = bd.token_rows(read_html_string(html).tokens)
    assert rows == [["一、总体情况"], ["信息内容", "本年处理决定数量"], ["行政许可", "2,149"], ["三、收到和处理"]]


def test_cell_lines_join_and_br() -> None:
    html = "<table><tr><td>商业<br>企业</td><td><p>科研</p><p>机构</p></td><td>1<br>2</td></tr></table>"
    assert bd.token_rows(read_html_string(html).tokens) == [["商业企业", "科研机构", "1 2"]]


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputNotFoundError):
        read_html(tmp_path / "missing.html", S)
    (tmp_path / "e.html").write_bytes(b"")
    with pytest.raises(BadInputError):
        read_html(tmp_path / "e.html", S)
    (tmp_path / "chrome.html").write_text("<nav>首页</nav><script>x()</script>", encoding="utf-8")
    with pytest.raises(BadInputError):
        read_html(tmp_path / "chrome.html", S)
    (tmp_path / "big.html").write_text("<p>x</p>" * 100, encoding="utf-8")
    with pytest.raises(TooLargeError):
        read_html(tmp_path / "big.html", ExtractSettings(max_bytes=10))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32))
def test_random_span_tables_round_trip(seed: int) -> None:
    table = bd.random_span_table(random.Random(seed))
    rows = bd.token_rows(read_html_string(bd.to_html([table], chrome=False)).tokens)
    assert bd.find_rows(rows, bd.expected_rows(table)) == 0
    assert len(rows) == len(bd.expected_rows(table))
