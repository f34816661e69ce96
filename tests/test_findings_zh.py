"""Audit findings in Chinese name what the report prints: no contract ID in any message."""

from __future__ import annotations

import re

from govreport.batch.run import run_batch
from govreport.cli.audit import audit_paths
from govreport.i18n import language
from govreport.models.template import templates
from govreport.output.memo import AUDIT_KINDS
from govreport.synth.archive import build_archive

CJK = re.compile(r"[\u4e00-\u9fff]")


def contract_ids() -> set[str]:
    ids = set()
    for tpl in templates().values():
        for t in tpl.tables:
            ids.add(t.id)
            ids.update(r.id for r in t.rows if "_" in r.id)  # one-word IDs (new, total) are English words too
            ids.update(c.id for c in t.columns if "_" in c.id)
    return ids


def test_every_audit_finding_is_chinese_without_ids(tmp_path):
    arch = build_archive(tmp_path / "a", seed=0, violations=True)
    res = run_batch([arch.folder], tmp_path / "out", workers=0, progress=False, export=False)
    assert res.failed == 0
    with language("zh"):
        audit, _load, _failures = audit_paths([tmp_path / "out"], workers=0)
    findings = [f for r in audit.reports for f in audit.findings_for(r.id)] + audit.batch
    kinds = {f.kind for f in findings}
    assert {"compliance", "deadline", "cross_year_stock_flow", "cross_year_gap", "cross_year_jump",
            "boilerplate"} <= kinds <= AUDIT_KINDS
    ids = contract_ids()
    word = re.compile(r"[a-z][a-z0-9_]+")
    for f in findings:
        assert CJK.search(f.message), f.message
        assert not set(word.findall(f.message)) & ids, (f.kind, f.message)
