"""The library entry point: :func:`extract`.

>>> report = extract("规章\\t0\\t0\\t0\\n行政规范性文件\\t1\\t0\\t5\\n行政许可\\t12\\n")
>>> report.value("art20_1", "normative_documents", "in_force")
5
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from govreport.errors import BadInputError
from govreport.layout.text import read_text
from govreport.report import Report
from govreport.settings import ExtractSettings
from govreport.sources import load
from govreport.tables.build import build_report

log = logging.getLogger("govreport")


def extract(source: str | os.PathLike[str] | bytes, settings: ExtractSettings | None = None,
            **options: object) -> Report:
    """Read one report (a file path, or the report's text itself) into a checked :class:`Report`.

    ``options`` are :class:`ExtractSettings` fields (``engine="paddle"``, ``device="cuda"``, ...).
    Raises a :class:`~govreport.errors.GovreportError` subclass for input it cannot use.
    """
    if settings is None:
        settings = ExtractSettings(**options)  # type: ignore[arg-type]
    elif options:
        raise TypeError("pass either settings or keyword options, not both")
    if isinstance(source, bytes):
        layout = read_text(source, settings, name="<bytes>")
        name = "<bytes>"
    elif isinstance(source, str) and ("\n" in source or "\t" in source or len(source) > 1024):
        layout = read_text(source, settings, name="<text>")
        name = "<text>"
    else:
        path = Path(source)
        if isinstance(source, str) and not path.exists() and not source.strip():
            raise BadInputError("<text>: the text is empty")
        layout = load(path, settings)
        name = str(source)
    return build_report(layout, name, settings)
