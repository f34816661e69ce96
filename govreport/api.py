"""The library entry point: :func:`extract`.

>>> report = extract("规章\\t0\\t0\\t0\\n行政规范性文件\\t1\\t0\\t5\\n行政许可\\t12\\n")
>>> report.value("art20_1", "normative_documents", "in_force")
5
"""

from __future__ import annotations

import os

from govreport.errors import BadInputError
from govreport.pipeline import extract_file, extract_text
from govreport.report import Report
from govreport.settings import ExtractSettings

TEXT_OVER = 1024  #: a string this long (or holding a newline or tab) is a report's text, not a path


def _is_path(text: str) -> bool:
    """Whether ``text`` names an existing file (a file name may hold a newline or a tab)."""
    return "\x00" not in text and len(text) <= 4096 and os.path.lexists(text)


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
        return extract_text(source, settings, name="<bytes>")
    if (isinstance(source, str) and ("\n" in source or "\t" in source or len(source) > TEXT_OVER)
            and not _is_path(source)):
        return extract_text(source, settings, name="<text>")
    if isinstance(source, str) and not source.strip():
        raise BadInputError("nothing to read: the path (or text) given is empty")
    if isinstance(source, str) and "\x00" in source:
        raise BadInputError(f"{source!r}: a path cannot hold a NUL character (pass a report's text with its "
                            "line breaks)")
    return extract_file(source, settings, name=str(source))
