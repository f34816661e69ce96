"""Command line: ``govreport extract``, ``templates``, ``review``, ``batch``, ``verify``, ``audit`` (one module each);
:mod:`govreport.cli.common` holds the shared options and the one-line failure."""

from __future__ import annotations

import sys

from govreport.cli.app import app, main

__all__ = ["app", "main"]


def _console_script() -> None:
    """The ``govreport`` executable (``[project.scripts]``)."""
    sys.exit(main())
