"""reports.xlsx has a Chinese header row (the CSV and Parquet keep the IDs); reports.csv and reports.xlsx say
per value whether it was read, inferred, corrected, verified or is in doubt."""

from __future__ import annotations

import csv

from govreport.checks.findings import flagged_cells
from govreport.i18n import language
from govreport.output.dataset import export_dataset, load_report_file, report_files

from .verifykit import flagged_dataset


def test_value_states_and_chinese_xlsx_header(tmp_path):
    flagged_dataset(tmp_path, 1, max_flagged=8)
    ds = tmp_path / "ds"
    with language("zh"):
        export_dataset(ds)
    data = load_report_file(report_files(ds)[0])
    doubted = flagged_cells(data)
    with (ds / "reports.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    row = rows[0]
    assert "report_id" in row and "applications.new.total" in row  # the CSV keeps the IDs
    for c in data["cells"]:
        key = f"{c['table']}.{c['row']}.{c['col']}"
        want = "in_doubt" if (c["table"], c["row"], c["col"]) in doubted and c["status"] != "verified" else c["status"]
        assert row[key + ".status"] == want, key
    assert doubted and any(v == "in_doubt" for k, v in row.items() if k.endswith(".status"))
    import openpyxl

    sheet = openpyxl.load_workbook(ds / "reports.xlsx", read_only=True)["reports"]
    head, first = (list(r) for r in sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    assert head[:3] == ["报告编号", "来源文件", "单位"]
    k = head.index("收到和处理政府信息公开申请情况·一、本年新收政府信息公开申请数量·总计")
    assert head[k + 1].endswith("（状态）") and first[k + 1] in ("识别", "推算", "修正", "已复核", "存疑", "印为空白",
                                                               "遮盖", "缺失")
    assert not any(h and h.isascii() and "." in h for h in head)  # no ID left as a heading


def test_exports_and_the_queue_count_open_decisions(tmp_path):
    import json

    from govreport.report import Report
    from govreport.verify.app import VerifyApp
    from govreport.verify.store import CorrectionStore, Decision, doc_hash

    truths = flagged_dataset(tmp_path, 2, max_flagged=8)
    ds = tmp_path / "ds"

    def reading(rid: str) -> int:  # counted from the JSON by hand: its issues about the reading
        return sum(i["about"] == "reading" for i in json.loads((ds / f"{rid}.json").read_text("utf-8"))["issues"])

    want = {rid: reading(rid) for rid in truths}
    assert all(want.values())
    with language("zh"):
        export_dataset(ds)
    rows = {r["report_id"]: r for r in csv.DictReader((ds / "reports.csv").open(encoding="utf-8-sig"))}
    assert list(rows[next(iter(truths))])[7:9] == ["issue_count", "decisions_open"]
    assert {rid: int(rows[rid]["decisions_open"]) for rid in truths} == want
    series = list(csv.DictReader((ds / "series.csv").open(encoding="utf-8-sig")))
    assert sum(int(s["decisions_open"]) for s in series) == sum(want.values())
    import openpyxl

    book = openpyxl.load_workbook(ds / "reports.xlsx", read_only=True)
    head = next(book["reports"].iter_rows(min_row=1, max_row=1, values_only=True))
    assert head[7:9] == ("问题数", "待决定")
    assert "待决定" in next(book["series"].iter_rows(min_row=1, max_row=1, values_only=True))
    app = VerifyApp(ds, reviewer="ann")
    assert {r["id"]: r["decisions"] for r in app.queue()["reports"]} == want
    rid = next(iter(truths))  # settle every flagged cell of one report: its decisions go
    report = Report.from_dict(json.loads((ds / f"{rid}.json").read_text("utf-8")))
    store = CorrectionStore(ds)
    for k in sorted(report.issue_cells()):
        store.append(Decision.make(doc_hash(rid), *k, "value", truths[rid][k], old_value=report.value(*k),
                                   old_status=report.cell(*k).status, reviewer="ann", report=rid))
    export_dataset(ds)
    rows = {r["report_id"]: r for r in csv.DictReader((ds / "reports.csv").open(encoding="utf-8-sig"))}
    assert int(rows[rid]["decisions_open"]) == reading(rid) < want[rid]
    assert VerifyApp(ds, reviewer="ann").queue()["decisions"] == reading(rid) + sum(
        v for r, v in want.items() if r != rid)
