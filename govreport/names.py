"""File names as they come: bytes that need not be UTF-8, kept losslessly.

A POSIX file name is bytes. Python hands a name that is not UTF-8 (a GBK name copied from a Windows
share) over as a ``str`` with lone surrogates (``surrogateescape``); such a string cannot be written
as UTF-8. govreport keeps it as it is (so the file can be opened again) and writes it:

- in JSON as ``\\udcXX`` escapes (:func:`json_dumps`): valid UTF-8 text that Python's ``json``
  reads back to the same string, and ``os.fsencode`` to the same bytes;
- for people (messages, CSV, Excel, Parquet, HTML) as :func:`display`, each undecodable byte
  shown as ``\\xNN``.

Zip members without the archive's UTF-8 flag are named in the legacy code page of the machine
that made them; :func:`zip_member_name` decodes them as UTF-8, then GBK (GB18030), then cp437.

>>> name = b"\\xc4\\xea\\xb6\\xc8.pdf".decode("utf-8", "surrogateescape")   # 年度.pdf in GBK
>>> display(name)
'\\\\xc4\\\\xea\\\\xb6\\\\xc8.pdf'
>>> json_dumps({"source": name})
'{"source": "\\\\udcc4\\\\udcea\\\\udcb6\\\\udcc8.pdf"}'
>>> import json; json.loads(json_dumps({"source": name}))["source"] == name
True
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_UTF8_FLAG = 0x800


def display(name: str) -> str:
    """``name`` as text a person can read and any UTF-8 writer can write: bytes that were not
    UTF-8 become ``\\xNN``; a valid name is returned unchanged."""
    if not _SURROGATE.search(name):
        return name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def escape_surrogates(text: str) -> str:
    """JSON text with every lone surrogate written as its ``\\uXXXX`` escape (surrogates only occur
    inside JSON strings, where the escape means the same character)."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_dumps(data: Any, **options: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, ...)`` that any UTF-8 writer can write, whatever the
    names in ``data`` (see the module docstring)."""
    options.setdefault("ensure_ascii", False)
    return escape_surrogates(json.dumps(data, **options))


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its maker meant it: the archive's UTF-8 flag, else the raw bytes as
    UTF-8, GB18030 (Chinese Windows zips) and finally cp437 (the zip standard's legacy default)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # already decoded by some other rule
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


NAME_MAX = 255  #: bytes in one file name on the usual file systems (ext4, XFS, APFS, NTFS in UTF-16 units)


def fit_name(stem: str, suffix: str, limit: int = NAME_MAX) -> str:
    """``stem + suffix`` shortened (the stem, at a character boundary) to at most ``limit`` bytes.

    >>> fit_name("a" * 250, ".review.html") == "a" * 243 + ".review.html"
    True
    """
    room = limit - len(os.fsencode(suffix))
    while len(os.fsencode(stem)) > room:
        stem = stem[:-1]
    return stem + suffix
