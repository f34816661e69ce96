"""The terminal summary in Chinese: words for the header, table names that rich does not swallow,
legend words, wrapped row labels indented under their row."""

from __future__ import annotations

from govreport.output.summary import render_summary
from govreport.report import Cell, Issue, Report

from .conftest import SAMPLES


def _report() -> Report:
    cells = [Cell("appeals", "review", c, v, "read", str(v)) for c, v in
             (("upheld", 10), ("corrected", 1), ("other", 0), ("pending", 0), ("total", 0))]
    cells.append(Cell("applications", "rejected_petition", "natural_person", 3, "inferred", ""))
    cells += [Cell("applications", "other_no_correction", c, 0, "read", "0") for c in
              ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total")]
    r = Report("x.pdf", "gov2021", meta={"year": 2024, "agency": "某某区人民政府办公室", "input_kind": "scanned_pdf",
                                         "pages": 6}, cells=cells)
    r.issues.append(Issue("inconsistent", "appeals", "sum does not hold", [["review", c] for c in
                                                                          ("upheld", "corrected", "total")]))
    return r


def test_chinese_summary(zh):
    text = render_summary(_report(), width=100)
    head = " ".join(text.splitlines()[:2])
    assert "2024 年度" in head and "扫描 PDF" in head and "6 页" in head and "=" not in head
    assert "【政府信息公开行政复议、行政诉讼情况】" in text  # the table's name, not eaten as markup
    assert "勾稽不符" in text and "1 个问题" in text
    assert "颜色：" in text and "推算" in text and "被问题标记" in text


def test_english_summary_keeps_the_table_id_visible():
    text = render_summary(_report(), width=60)
    assert "[appeals]" in text and "inconsistent" in text and "1 issue:" in text


def test_wrapped_labels_stay_under_their_row(zh):
    text = render_summary(_report(), width=80)
    lines = [ln for ln in text.splitlines() if ln.startswith("│")]
    first = next(k for k, ln in enumerate(lines) if "1.申请人" in ln)
    assert lines[first].startswith("│  1.申请人")
    # the label's next line (its wrap) keeps the sub-row's indentation: it does not start at column 0
    assert lines[first + 1].startswith("│  ") and lines[first + 1][3] != " "


def test_colour_legend_words_carry_their_colour(zh):
    from io import StringIO

    from rich.console import Console

    from govreport.output.summary import print_summary

    buf = StringIO()
    print_summary(_report(), Console(file=buf, width=80, force_terminal=True, color_system="standard"))
    out = buf.getvalue()
    assert "\x1b[36m推算" in out  # inferred in cyan, the colour of inferred cells


def test_cli_summary_english_and_chinese(capsys):
    from govreport.cli import main

    sample = str(SAMPLES / "sample_2021_tabs.txt")
    assert main(["extract", sample, "--lang", "en"]) == 0
    en = capsys.readouterr().out
    assert "template gov2021" in en and "colours:" in en
    assert main(["extract", sample, "--lang", "zh"]) == 0
    zh = capsys.readouterr().out
    assert "模板 gov2021" in zh and "颜色：" in zh and "colours" not in zh


class _Tty:
    def __init__(self, tty: bool) -> None:
        self.text, self.tty = "", tty

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.tty


def test_page_progress_on_a_terminal_only(monkeypatch, zh):
    from govreport.output.progress import ENV, page_progress

    for tty in (True, False):
        err = _Tty(tty)
        monkeypatch.setattr("sys.stderr", err)
        monkeypatch.setenv(ENV, "1")
        assert list(page_progress(iter(range(3)))) == [0, 1, 2]
        assert ("正在识别页面" in err.text) is tty
    monkeypatch.delenv(ENV)
    err = _Tty(True)
    monkeypatch.setattr("sys.stderr", err)
    assert list(page_progress(range(2))) == [0, 1] and err.text == ""  # not asked for: nothing
