"""The audit on the real reports of ../shared/real and on the bundled samples: every finding is explained
by the text it quotes (each quotation is in the document), or says what is absent; and what a reader of
these reports sees by hand is what the audit says."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

import govreport
from govreport.checks.audit import Auditor
from govreport.pipeline import read
from govreport.settings import ExtractSettings
from govreport.sources import open_source

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real"
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir()  # the scanned sample is left out: OCR takes long
                 if p.suffix in (".txt", ".md", ".html", ".docx", ".pdf") and "scanned" not in p.name)
QUOTE = re.compile(r"“([^”]*)”")
#: what a finding without a quotation says instead: that something is absent or was not checked
ABSENT = re.compile(r"not found|not stated|no signing or publication date|not checked|is not known|not clear")


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def audited():  # type: ignore[no-untyped-def]
    if not REAL.is_dir():
        pytest.skip("../shared/real is not beside this checkout")
    paths = sorted(p for p in REAL.iterdir() if p.suffix in (".txt", ".html")) + SAMPLES
    a = Auditor()
    texts, data = {}, {}
    for p in paths:
        rid = p.name
        data[rid] = govreport.extract(p).to_dict()
        settings = ExtractSettings()
        texts[rid] = _compact(read(open_source(p, settings), settings).text)
        a.add(rid, data[rid])
    return a.finish(data.get), texts


def test_every_finding_quotes_the_text_or_says_what_is_absent(audited):
    audit, texts = audited
    checked = 0
    for r in audit.reports:
        for f in audit.all_findings(r.id):
            quotes = [q.rstrip("…") for q in QUOTE.findall(f.message)]
            if f.evidence:
                quotes.append(f.evidence)
            sources = [texts[r.id]] + ([texts[f.related_report_id]] if f.related_report_id else [])
            for q in quotes:
                if q.startswith("--meta"):
                    continue
                assert any(_compact(q) in s for s in sources), (r.id, f.kind, f.message, q)
                checked += 1
            if not quotes:
                assert f.kind not in ("compliance", "deadline") or ABSENT.search(f.message), (r.id, f.message)
    assert checked >= 8


def test_what_a_reader_sees(audited):
    audit, _ = audited
    by = {r.id: r for r in audit.reports}
    shuyang = by["shuyang_county_2025.txt"]
    assert shuyang.kind == "government"
    assert (shuyang.deadline.status, shuyang.deadline.date, shuyang.deadline.deadline) == \
        ("on_time", "2026-01-23", "2026-03-31")
    gov = [f for f in audit.findings_for(shuyang.id) if f.rule == "art50(4)-government"]
    assert len(gov) == 1 and "社会评议、责任追究 not stated" in gov[0].message
    assert "考核" in gov[0].evidence  # what it does say about 工作考核 is quoted
    shanghai = by["shanghai_office_2019.html"]
    assert shanghai.kind == "department" and shanghai.deadline.status == "on_time"
    assert (shanghai.deadline.date_source, shanghai.deadline.date) == ("published", "2020-01-31")
    notes = [f.message for f in audit.findings_for(shanghai.id) if f.kind == "compliance"]
    assert notes == ["part “六、其他需要报告的事项” says only “无。”"]
    pingtan = by["pingtan_2019_pagetxt.txt"]  # one run of text: the parts are still found
    found = {f.rule for f in audit.findings_for(pingtan.id) if f.kind == "compliance"}
    assert not found & {"art50(1)", "art50(2)", "art50(3)", "art50(4)"}
    assert pingtan.deadline.date == "2020-01-20" and pingtan.kind == "other"


def test_scope_of_the_real_prose(audited):
    data = govreport.extract(REAL / "shanghai_office_2019.html").to_dict()
    scoped = [e for e in data["narrative"] if e.get("scope")]
    assert [(e["scope"], e["figure"], e["agrees"]) for e in scoped] == [("代表市政府", 859, True)]
    shuyang = govreport.extract(REAL / "shuyang_county_2025.txt").to_dict()
    assert {e.get("scope") for e in shuyang["narrative"] if e["quantity"].startswith("applications")} == {"全县"}
