"""Fuzz every parser a little (the long run is ``benchmarks/fuzz.py``): byte mutations of the
bundled samples and generated inputs. The only acceptable outcomes are a result or a
``GovreportError``; each input is bounded in time (``signal`` timer: Python-level hangs)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govreport.errors import GovreportError

from . import hostile_inputs as H

PER_INPUT_S = 15
FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def outcome(target: Callable[[bytes], object], data: bytes) -> object:
    """The target's result, or the GovreportError it raised; anything else fails the test."""
    with H.time_bound(PER_INPUT_S):
        try:
            return target(data)
        except GovreportError as exc:
            assert "\n" not in str(exc), str(exc)
            return exc


@pytest.fixture(scope="module")
def seeds() -> dict[str, list[bytes]]:
    return H.seeds()


def mutated(name: str, seeds: dict[str, list[bytes]], seed: int) -> bytes:
    rng = random.Random(seed)
    return H.MUTATORS[name](rng.choice(seeds[name]), rng)


SEEDS = st.integers(min_value=0, max_value=2**32)


@settings(FUZZ, max_examples=25)
@given(seed=SEEDS)
def test_fuzz_text_mutations(seeds, seed):
    outcome(H.target_text, mutated("text", seeds, seed))


@settings(FUZZ, max_examples=25)
@given(text=st.text(alphabet=st.sampled_from(list("行政许可总计一二三（）、\t|\n 0123456789-*＊,.")), max_size=3000),
       encoding=st.sampled_from(["utf-8", "gb18030", "utf-16", "utf-16-le"]))
def test_fuzz_text_generated(text, encoding):
    outcome(H.target_text, text.encode(encoding))


@settings(FUZZ, max_examples=25)
@given(data=st.binary(max_size=2000))
def test_fuzz_text_random_bytes(data):
    outcome(H.target_text, data)


@settings(FUZZ, max_examples=15)
@given(seed=SEEDS)
def test_fuzz_html_mutations(seeds, seed):
    outcome(H.target_html, mutated("html", seeds, seed))


@settings(FUZZ, max_examples=20)
@given(tags=st.lists(st.sampled_from(["<table>", "</table>", "<tr>", "<td rowspan=9999>", "<td colspan=-1>", "</td>",
                                      "<div class=nav>", "</div>", "\x00", "行政许可", "12", "<script>", "<!--", "&#0;",
                                      "<th>", "<br>", "\ufffe", "<?xml version='1.0'?>"]), max_size=300))
def test_fuzz_html_generated(tags):
    outcome(H.target_html, "".join(tags).encode("utf-8", "surrogatepass"))


@settings(FUZZ, max_examples=40)
@given(seed=SEEDS)
def test_fuzz_docx_mutations(seeds, seed):
    outcome(H.target_docx, mutated("docx", seeds, seed))


@settings(FUZZ, max_examples=40)
@given(seed=SEEDS)
def test_fuzz_pdf_mutations(seeds, seed):
    outcome(H.target_pdf, mutated("pdf", seeds, seed))


@settings(FUZZ, max_examples=40)
@given(seed=SEEDS)
def test_fuzz_image_mutations(seeds, seed):
    outcome(H.target_image, mutated("image", seeds, seed))


@settings(FUZZ, max_examples=40)
@given(data=st.binary(max_size=9000))
def test_fuzz_sniff(data):
    kind, _ = H.target_sniff(data)
    assert kind in {"pdf", "docx", "doc", "html", "image", "zip", "text"}


def test_known_crashers_stay_fixed():
    """Inputs the long fuzz run found (fixed since)."""
    assert isinstance(outcome(H.target_html, b"<p>a\x00b</p><div class=nav>x</div>tail\x01"), GovreportError)
    assert isinstance(outcome(H.target_text, b"1 " * 100_000), GovreportError)
    assert isinstance(outcome(H.target_text, "行政许可\t".encode() + b"9" * 6000), GovreportError)
    not_a_document = b'<w:foo xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
    assert isinstance(outcome(H.target_docx, H.docx_bytes_with_document_xml(not_a_document)), GovreportError)
