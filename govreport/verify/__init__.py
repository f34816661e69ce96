"""Close the loop: reviewers resolve flagged cells, and the dataset keeps what they decided.

``store`` (``DATASET/corrections.jsonl``), ``apply`` (decisions applied, arithmetic re-run),
``app`` (the local review app of ``govreport verify``; the command is :mod:`govreport.cli.verify`).
Importing it registers :meth:`govreport.report.Report.verify`.
"""

from govreport.verify import apply

__all__ = ["apply"]
