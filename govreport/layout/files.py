"""The checks every reader makes before opening a file.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "r.txt"; _ = p.write_text("x")
>>> require_file(p, max_bytes=10)
1
"""

from __future__ import annotations

from pathlib import Path

from govreport.errors import BadInputError, InputNotFoundError, TooLargeError


def require_file(path: Path, max_bytes: int) -> int:
    """The size of ``path``; a one-line error if it is missing, empty or over ``max_bytes``."""
    if not path.is_file():
        raise InputNotFoundError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise BadInputError(f"{path}: empty file")
    if size > max_bytes:
        raise TooLargeError(f"{path}: {size} bytes is over the limit of {max_bytes}")
    return size
