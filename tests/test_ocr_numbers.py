"""numbers.py: cleaning OCR text of numeric cells."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govreport.ocr.numbers import read_numeric


@pytest.mark.parametrize(
    ("raw", "kind", "text", "value"),
    [
        ("12", "number", "12", 12),
        ("O", "number", "0", 0),
        ("〇", "number", "0", 0),
        ("D", "number", "0", 0),
        ("l0", "number", "10", 10),
        ("I2", "number", "12", 12),
        ("|", "number", "1", 1),
        ("1!", "number", "11", 11),
        ("１２３", "number", "123", 123),
        ("1,234", "number", "1234", 1234),
        ("1 234", "number", "1234", 1234),
        ("21672.16", "number", "21672.16", 21672.16),
        ("21672,16", "number", "21672.16", 21672.16),
        ("3.50万元", "number", "3.50", 3.5),
        ("12件", "number", "12", 12),
        (".12", "number", "12", 12),
        ("12.", "number", "12", 12),
        ("'7", "number", "7", 7),
        ("", "blank", "", None),
        ("-", "blank", "", None),
        ("—", "blank", "", None),
        ("/", "blank", "", None),
        ("无", "blank", "", None),
        ("****", "mask", "****", None),
        ("＊＊＊", "mask", "***", None),
        ("■", "mask", "■", None),
        ("米米米米", "mask", "米米米米", None),
        ("行政许可", "text", "行政许可", None),
        ("总计", "text", "总计", None),
    ],
)
def test_read_numeric_in_numeric_column(raw: str, kind: str, text: str, value: float | None) -> None:
    r = read_numeric(raw, 0.95)
    assert (r.kind, r.text, r.value) == (kind, text, value)


def test_confidence_drops_with_guesses() -> None:
    assert read_numeric("12", 0.9).confidence == 0.9
    assert read_numeric("l2", 0.9).confidence == pytest.approx(0.81)
    assert read_numeric("12", None).confidence is None


def test_letters_alone_are_text_outside_numeric_columns() -> None:
    assert read_numeric("O", numeric_column=False).kind == "text"
    assert read_numeric("Il", numeric_column=False).kind == "text"
    assert read_numeric("1O", numeric_column=False).value == 10
    assert read_numeric("So", numeric_column=False).kind == "text"


@given(st.integers(min_value=0, max_value=10**9))
def test_integers_round_trip(n: int) -> None:
    r = read_numeric(str(n), 0.99)
    assert (r.kind, r.value, r.substitutions) == ("number", n, 0)


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=99))
def test_decimals_round_trip(n: int, cents: int) -> None:
    s = f"{n}.{cents:02d}"
    assert read_numeric(s).value == pytest.approx(float(s))


@given(st.integers(min_value=0, max_value=10**6))
def test_full_width_and_look_alikes(n: int) -> None:
    s = str(n)
    full = "".join(chr(ord(c) + 0xFEE0) for c in s)
    assert read_numeric(full).value == n
    look = s.replace("0", "O").replace("1", "l")
    assert read_numeric(look).value == n


@given(st.text(max_size=12))
def test_never_crashes(s: str) -> None:
    r = read_numeric(s, 0.5)
    assert r.kind in {"number", "blank", "mask", "text"}
    if r.kind == "number":
        assert (r.value is not None and r.value >= 0) or r.text.startswith("-")


def test_a_gap_inside_a_number_is_doubted() -> None:
    """"1 2975": a seal's stroke read as "1" beside the number, or two numbers in one cell."""
    r = read_numeric("1 2975", 0.87)
    assert (r.kind, r.value) == ("number", 12975)
    assert r.confidence is not None and r.confidence <= 0.5
    assert read_numeric("12975", 0.87).confidence == 0.87


def test_a_leading_zero_is_doubted() -> None:
    """Counts are not printed as "03": a stray mark was read as a zero."""
    assert read_numeric("03", 0.95).confidence == 0.5
    assert read_numeric("0", 0.95).confidence == 0.95
    assert read_numeric("0.5", 0.95).confidence == 0.95
    assert read_numeric("30", 0.95).confidence == 0.95
