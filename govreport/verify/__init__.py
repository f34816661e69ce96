"""Close the loop: reviewers resolve flagged cells, and the dataset keeps what they decided.

``store`` (``DATASET/corrections.jsonl``), ``apply`` (decisions applied, arithmetic re-run),
``app`` (the local review app of ``govreport verify``), ``command`` (the CLI).
"""
