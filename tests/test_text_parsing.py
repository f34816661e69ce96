"""The text reader: encodings, styles, and a round-trip property for the tokenizer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govreport
from govreport.errors import BadInputError
from govreport.layout.text import decode, text_to_tokens
from govreport.layout.tokens import Kind, classify, parse_number
from govreport.tables.segments import segment

SMALL = "行政许可\t7\n第二十条第（六）项\n信息内容\t本年处理决定数量\n行政处罚\t48\n行政强制\t0\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be"])
def test_encodings(tmp_path, encoding):
    p = tmp_path / "r.txt"
    p.write_bytes(SMALL.encode(encoding))
    r = govreport.extract(p)
    assert r.value("art20_6", "penalties", "decisions") == 48


def test_kangxi_and_fullwidth_digits():
    text = SMALL.replace("行政处罚\t48", "行政处罚\t４８").replace("第二十条", "第⼆⼗条")
    assert govreport.extract(text).value("art20_6", "penalties", "decisions") == 48


@pytest.mark.parametrize("data", [b"", b"   \n\t", b"\x00\x01\x02\x03\xff\xfe\xfd" * 50, bytes(range(256)) * 20])
def test_junk_is_a_clean_error(data):
    with pytest.raises(BadInputError):
        decode(data)


@pytest.mark.parametrize("text,kind,value", [("12", Kind.NUMBER, 12), ("1,234", Kind.NUMBER, 1234),
                                              ("-8", Kind.NUMBER, -8), ("21672.16 万元", Kind.NUMBER, 21672.16),
                                              ("", Kind.BLANK, None), ("—", Kind.BLANK, None),
                                              ("****", Kind.MASK, None), ("■■", Kind.MASK, None),
                                              ("1.属于国家秘密", Kind.TEXT, None), ("1.", Kind.TEXT, None)])
def test_classify(text, kind, value):
    t = classify(text)
    assert t.kind is kind and t.value == value


label = st.text(alphabet="政府信息公开申请数量行政处罚许可强制规章", min_size=1, max_size=12)
cell = st.one_of(st.integers(0, 10**6).map(str), st.just(""), st.just("****"))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(label, st.lists(cell, min_size=1, max_size=8)), min_size=1, max_size=10),
       sep=st.sampled_from(["\t", " | "]))
def test_rows_round_trip_through_tokens_and_segments(rows, sep):
    text = "\n".join(sep.join([lab, *cells]) for lab, cells in rows)
    segs = [s for s in segment(text_to_tokens(text)) if s.slots]
    got = [[t.text for t in s.slots] for s in segs]
    want = [[c for c in cells] for _, cells in rows]
    # every row's cells come back in order; blank-only rows may merge into no segment
    assert [g for g in got if any(g)] == [w for w in want if any(w)]


@given(st.integers(-10**9, 10**9))
def test_parse_number_round_trip(n):
    assert parse_number(str(n)) == n
    assert parse_number(f"{n:,}") == n


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("\t行政诉讼\t", "\t行政\t"),  # a seal over 诉讼
        ("未经复议直接起诉", "未经 议直接起诉"),  # one character lost in the sub-header
    ],
)
def test_appeals_found_under_a_damaged_header(tmp_path, old, new):
    """The appeals table is still found when OCR loses part of its header; its numbers are the
    printed row (hand-checked in the sample's truth file)."""
    import json
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "samples" / "sample_2021_tabs.txt"
    truth = json.loads(sample.with_name("sample_2021_tabs.truth.json").read_text(encoding="utf-8"))
    text = sample.read_text(encoding="utf-8")
    assert old in text
    damaged = tmp_path / "damaged.txt"
    damaged.write_text(text.replace(old, new, 1), encoding="utf-8")
    report = govreport.extract(damaged)
    want = {(c["row"], c["col"]): c["value"] for c in truth["cells"] if c["table"] == "appeals"}
    got = {(c.row, c.col): c.value for c in report.cells if c.table == "appeals"}
    assert got == want and len(want) == 15


def _sample_tokens():  # type: ignore[no-untyped-def]
    from pathlib import Path

    from govreport.layout.text import text_to_tokens

    sample = Path(__file__).resolve().parents[1] / "samples" / "sample_2021_tabs.txt"
    return sample, text_to_tokens(sample.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("label", "new", "confidence"),
    [
        ("5.属于三类内部事务信息", ".属于三类", 0.95),  # a seal took the ordinal and the end
        ("3.要求提供公开出版物", "阜", 0.6),  # OCR read a seal's character, with doubts
        ("3.要求提供公开出版物", "3", 0.9),  # only the ordinal is left
    ],
)
def test_row_whose_label_a_seal_damaged_keeps_its_place(label, new, confidence):
    """A row label cut short or garbled under a seal still fills its row between matched
    neighbours; its numbers are the printed ones (the sample's hand-checked truth)."""
    import json

    from govreport.layout.tokens import Kind, Token
    from govreport.tables.match import best_match
    from govreport.tables.segments import segment

    sample, tokens = _sample_tokens()
    truth = json.loads(sample.with_name("sample_2021_tabs.truth.json").read_text(encoding="utf-8"))
    i = next(k for k, t in enumerate(tokens) if t.kind is Kind.TEXT and t.text == label)
    tokens[i] = Token(Kind.TEXT, new, confidence=confidence)
    match = best_match(segment(tokens), "")
    row = {"5.属于三类内部事务信息": "withheld_internal", "3.要求提供公开出版物": "rejected_publication"}[label]
    unit = next(u for u in match.units if u.table == "applications" and u.cells[0][0] == row)
    want = [c["value"] for c in truth["cells"] if c["table"] == "applications" and c["row"] == row]
    assert [t.value for t in unit.slots if t.kind is Kind.NUMBER] == want


def test_a_confident_unknown_label_is_not_a_row():
    """Prose or a stray heading read clearly is no row: the lost-label rule needs OCR doubt."""
    from govreport.layout.tokens import Kind, Token
    from govreport.tables.match import best_match
    from govreport.tables.segments import segment

    _, tokens = _sample_tokens()
    i = next(k for k, t in enumerate(tokens) if t.kind is Kind.TEXT and t.text == "3.要求提供公开出版物")
    tokens[i] = Token(Kind.TEXT, "阜", confidence=0.99)
    match = best_match(segment(tokens), "")
    assert not any(u.table == "applications" and u.cells[0][0] == "rejected_publication" for u in match.units)
