"""A progress bar over the pages of one scan, on stderr, only when stderr is a terminal.

``govreport extract`` asks for it (:func:`want_page_progress`, an environment variable, so that the
child process that reads the document under the memory and time limits sees it too); the OCR loop
wraps its pages in :func:`page_progress`. Nothing is printed otherwise (pipes, logs, batch runs,
the library).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from govreport.i18n import _

ENV = "GOVREPORT_PAGE_PROGRESS"
T = TypeVar("T")


def want_page_progress(on: bool = True) -> None:
    """Show the page bar in this process and its children from now on (``on=False``: not)."""
    if on:
        os.environ[ENV] = "1"
    else:
        os.environ.pop(ENV, None)


def page_progress(pages: Iterable[T], total: int | None = None) -> Iterator[T]:
    """``pages`` as they come, with a bar on stderr while they are read (when asked for and a TTY)."""
    if os.environ.get(ENV) != "1" or not _tty():
        yield from pages
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn(_("reading pages")), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=total)
        for page in pages:
            yield page
            bar.advance(task)


def _tty() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
