"""The font files on this machine, for the memo's PDF and its charts (Chinese needs a CJK font)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts",
             "C:/Windows/Fonts", "/Library/Fonts", "/System/Library/Fonts")

@cache
def font_files() -> dict[str, Path]:
    """The font files under the font folders (``GOVREPORT_FONT_DIR`` first), by lower-case file name."""
    dirs = [os.environ.get("GOVREPORT_FONT_DIR", ""), *FONT_DIRS]
    found: dict[str, Path] = {}
    for d in dirs:
        root = Path(d).expanduser() if d else None
        if root is None or not root.is_dir():
            continue
        for path in root.rglob("*"):
            found.setdefault(path.name.lower(), path)
    return found
