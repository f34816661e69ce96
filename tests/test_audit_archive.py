"""Acceptance: a generated archive (five bodies over five years, as text, Markdown, Word, HTML and
born-digital PDF) with planted violations, each found with its evidence; the same archive without them:
no such finding, and no issue at all. Then the batch exports, the memo in both formats, and the CLI."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from govreport.batch.run import run_batch
from govreport.checks.audit import Auditor
from govreport.cli import main
from govreport.cli.audit import audit_json, audit_paths
from govreport.errors import ExitCode
from govreport.output.dataset import export_dataset, load_report_file, report_files
from govreport.synth.archive import EXT, build_archive

AUDIT_KINDS = {"compliance", "deadline", "boilerplate", "narrative_mismatch", "indicator_outlier"}


def _audit(folder: Path):  # type: ignore[no-untyped-def]
    a = Auditor()
    for p in report_files(folder):
        a.add(p.stem, load_report_file(p))
    return a.finish(lambda rid: load_report_file(folder / f"{rid}.json"))


@pytest.fixture(scope="module")
def archives(tmp_path_factory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("archives")
    out = {}
    for name, violations in (("bad", True), ("clean", False)):
        arch = build_archive(root / name, seed=0, violations=violations)
        res = run_batch([arch.folder], root / f"{name}.out", workers=0, progress=False, export=False)
        assert res.failed == 0 and res.ok == len(arch.files)
        out[name] = (arch, root / f"{name}.out", _audit(root / f"{name}.out"))
    return out


def _by_file(audit):  # type: ignore[no-untyped-def]
    return {Path(r.source).name: r for r in audit.reports}


def test_archive_has_every_input_form(archives):
    arch, _, audit = archives["bad"]
    assert {Path(f).suffix for f in arch.files} == set(EXT.values())
    assert {r.agency for r in audit.reports} == {a for a, _ in (("临江市生态环境局", 0), ("北湖县财政局", 0),
                                                               ("南岭区市场监督管理局", 0), ("长河市人民政府", 0),
                                                               ("云溪县人民政府", 0))}
    assert len({(r.body, r.year) for r in audit.reports}) == len(audit.reports)  # every body named the same way


def test_every_planted_violation_is_found_with_its_evidence(archives):
    arch, out, audit = archives["bad"]
    files = _by_file(audit)
    assert len(arch.planted) == 9
    for p in arch.planted:
        if p.file is None:  # the missing year: reported on the body's next report
            target = next(r for r in sorted(audit.reports, key=lambda r: r.year or 0)
                          if r.agency == p.agency and (r.year or 0) > p.year)
        else:
            target = files[p.file]
        found = [f for f in audit.all_findings(target.id) if f.kind == p.kind and p.evidence in f.message]
        assert found, f"{p.violation} in {p.file or p.agency}: no {p.kind} finding saying {p.evidence!r}"
        f = found[0]
        # a figure for 全市 is expected to differ from the body's own table: a note; the rest are faults
        assert f.severity == "info" if p.violation == "city_figure" else f.severity in ("error", "warning"), p
        if p.kind == "boilerplate":  # the passage quoted is in both reports' prose
            mine, theirs = load_report_file(out / f"{f.report_id}.json"), load_report_file(
                out / f"{f.related_report_id}.json")
            assert f.evidence and len(f.evidence) >= 60
            assert f.evidence in " ".join(x["text"] for x in mine["parts"])
            assert f.evidence in " ".join(x["text"] for x in theirs["parts"])
        if p.kind == "deadline":
            assert target.deadline.status == "late" and target.deadline.date == f"{p.year + 1}-03-10"


def test_the_archive_without_violations_has_no_finding(archives):
    _, _, audit = archives["clean"]
    noisy = [(r.source, f.kind, f.message) for r in audit.reports for f in audit.all_findings(r.id)]
    assert noisy == []
    assert all(r.deadline.status == "on_time" for r in audit.reports)
    kinds = {f.kind for f in audit.batch}
    assert not kinds  # no cross_year_*, boilerplate or outlier


def test_only_the_planted_kinds_differ(archives):
    """Each finding in the violated archive belongs to a planted violation (or follows from one)."""
    arch, _, audit = archives["bad"]
    planted = {(p.agency, p.kind) for p in arch.planted}
    for r in audit.reports:
        for f in audit.all_findings(r.id):
            if f.kind == "cross_year_gap" or (f.kind == "compliance" and "信息处理费" in f.message):
                continue  # the missing year; part 六 gone takes its 信息处理费 statement with it
            assert (r.agency, f.kind) in planted or (f.kind == "boilerplate" and f.related_report_id), \
                (r.source, f.kind, f.message)


def test_exports_carry_the_findings_and_the_series(archives, tmp_path):
    arch, out, _ = archives["bad"]
    folder = tmp_path / "ds"
    shutil.copytree(out, folder)
    counts = export_dataset(folder)
    with (folder / "issues.csv").open(encoding="utf-8-sig") as fh:
        issues = list(csv.DictReader(fh))
    kinds = {r["kind"] for r in issues}
    assert {"compliance", "deadline", "cross_year_stock_flow", "cross_year_gap", "cross_year_jump", "boilerplate",
            "narrative_mismatch"} <= kinds
    stock = next(r for r in issues if r["kind"] == "cross_year_stock_flow")
    assert stock["severity"] == "error" and stock["related_report_id"] and stock["year"] == "2022"
    with (folder / "series.csv").open(encoding="utf-8-sig") as fh:
        series = list(csv.DictReader(fh))
    assert counts["series"] == len(series) == len(arch.files)  # one row per body and year (one report each)
    assert len({(r["body"], r["year"]) for r in series}) == len(series)
    late = next(r for r in series if r["agency"] == "临江市生态环境局" and r["year"] == "2021")
    assert (late["deadline_status"], late["date"], late["deadline"]) == ("late", "2022-03-10", "2022-01-31")
    assert float(late["indicator.disclosure_rate"]) > 0
    import openpyxl

    wb = openpyxl.load_workbook(folder / "reports.xlsx", read_only=True)
    assert wb.sheetnames == ["reports", "issues", "series"]
    before = (folder / "issues.csv").read_bytes(), (folder / "series.csv").read_bytes()
    export_dataset(folder)
    assert ((folder / "issues.csv").read_bytes(), (folder / "series.csv").read_bytes()) == before  # deterministic


def test_memo_marks_flagged_cells_and_groups_findings(archives, tmp_path):
    from lxml import html as lxml_html

    from govreport.output.memo import write_memo

    _, out, audit = archives["bad"]
    page = write_memo(audit, lambda rid: load_report_file(out / f"{rid}.json"), tmp_path / "memo.html")
    root = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    ranking = root.xpath("//h2[text()=\"Bodies ranked by the reports' own defects\"]"
                         "/following-sibling::table[1]//tbody/tr")
    assert len(ranking) == 5
    scores = [int(tr.xpath("td[5]")[0].text) for tr in ranking]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    kinds = {li.get("data-kind") for li in root.xpath("//li[@data-kind]")}
    assert {"deadline", "compliance", "cross_year_stock_flow", "boilerplate"} <= kinds
    # the 全市 figure: its own table's cell is not flagged by it (it speaks of another scope)
    flagged = root.xpath("//td[@data-mark='flagged']")
    assert all("⚑" in td.text_content() for td in flagged if td.getparent().getparent().tag == "tbody"
               and td.get("title") and "." in td.get("title", ""))


def test_memo_docx(archives, tmp_path):
    import docx

    from govreport.output.memo import write_memo

    _, out, audit = archives["bad"]
    path = write_memo(audit, lambda rid: load_report_file(out / f"{rid}.json"), tmp_path / "memo.docx")
    d = docx.Document(str(path))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == "Audit memo" and "Bodies ranked by the reports' own defects" in headings
    text = "\n".join(p.text for p in d.paragraphs)
    assert "deadline [art49]" in text and "carried-over mismatch" in text  # cross_year_stock_flow, in words
    assert "Advice: " in text and "Basis: " in text  # each finding about the report: its basis and what to put right
    assert len(d.tables) > 24 * 5


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_memo_opens_in_libreoffice(archives, tmp_path):
    from govreport.output.memo import write_memo

    _, out, audit = archives["bad"]
    for suffix in (".docx", ".html"):
        path = write_memo(audit, lambda rid: load_report_file(out / f"{rid}.json"), tmp_path / f"memo{suffix}")
        conv = tmp_path / suffix[1:]
        p = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                            "--convert-to", "pdf", "--outdir", str(conv), str(path)],
                           capture_output=True, text=True, timeout=300, check=False)
        assert p.returncode == 0, p.stderr
        pdf = conv / "memo.pdf"
        assert pdf.stat().st_size > 10_000
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(pdf))
        assert len(doc) > 5
        assert "Audit memo" in doc[0].get_textpage().get_text_range()


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_memo_opens_in_a_browser(archives, tmp_path):
    from lxml import html as lxml_html

    from govreport.output.memo import write_memo

    _, out, audit = archives["bad"]
    page = write_memo(audit, lambda rid: load_report_file(out / f"{rid}.json"), tmp_path / "memo.html")
    p = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}/c",
                        "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    assert p.returncode == 0, p.stderr[-2000:]
    root = lxml_html.fromstring(p.stdout)
    assert root.get("data-ready") == "1"
    assert len(root.xpath("//table")) > 24 * 5


# -- the command line ------------------------------------------------------------------------------------------
def test_audit_cli_and_meta(tmp_path, capsys):
    arch = build_archive(tmp_path / "a", seed=3, violations=False, years=range(2020, 2025))
    text = next(f for f in arch.files if f.suffix == ".txt")
    meta = tmp_path / "meta.csv"
    meta.write_text(f"source,date\n{text.name},{2030}-06-01\n", encoding="utf-8")
    assert main(["audit", str(text), "-o", str(tmp_path / "one.json"), "--meta", str(meta), "-j", "0"]) == 0
    data = json.loads((tmp_path / "one.json").read_text(encoding="utf-8"))
    (r,) = data["reports"]
    assert r["deadline"]["date_source"] == "meta" and r["deadline"]["status"] == "late"
    assert "wrote" in capsys.readouterr().err
    # a batch folder of JSONs is audited as it is; --meta of batch lands in the folder for later exports
    ds = tmp_path / "ds"
    assert main(["batch", str(text), "--out", str(ds), "--meta", str(meta), "-q", "-j", "0"]) == 0
    assert (ds / "meta.csv").exists()
    with (ds / "series.csv").open(encoding="utf-8-sig") as fh:
        assert next(csv.DictReader(fh))["deadline_status"] == "late"
    assert main(["audit", str(ds), "-o", str(tmp_path / "m.html")]) == 0
    assert "late" in (tmp_path / "m.html").read_text(encoding="utf-8")
    # usage and input errors: one line, documented exit codes
    assert main(["audit", str(text), "-o", str(tmp_path / "m.rtf")]) == ExitCode.USAGE
    assert main(["audit", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "m.html")]) == ExitCode.INPUT_NOT_FOUND
    meta.write_text("file,date\nx.txt,someday\n", encoding="utf-8")
    assert main(["audit", str(text), "-o", str(tmp_path / "m.html"), "--meta", str(meta)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "someday" in err and "Traceback" not in err


def test_audit_is_deterministic(archives):
    _, out, _ = archives["bad"]
    a1, _, _ = audit_paths([out])  # a batch folder: its JSONs as they are
    a2, _, _ = audit_paths([out])
    assert json.dumps(audit_json(a1), ensure_ascii=False) == json.dumps(audit_json(a2), ensure_ascii=False)

