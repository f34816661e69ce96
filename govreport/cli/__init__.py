"""Command line: ``govreport extract``, ``templates``, ``review``, ``batch``."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:  # the app is built on first use: the commands import govreport.cli.common
    if name in ("app", "main", "_console_script"):
        from govreport.cli import extract

        return getattr(extract, name)
    raise AttributeError(name)
