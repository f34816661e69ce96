"""Outputs of a report: files (JSON, CSV, Excel, Parquet), HTML views, review pages, dataset exports, audit memos.

Importing it registers the notebook views of :class:`~govreport.report.Report`.
"""

from govreport.output import html, review

__all__ = ["html", "review"]
