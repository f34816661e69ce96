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
