"""What every command shares: the extraction options (one definition each), building
:class:`~govreport.settings.ExtractSettings` from them, logging, and the one-line failure."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from govreport.errors import ExitCode, OutputError, UsageError
from govreport.i18n import N_, _, set_language
from govreport.names import display
from govreport.settings import ExtractSettings

Engine = Annotated[str, typer.Option(help=N_("OCR engine: rapidocr or paddle"))]
Device = Annotated[str, typer.Option(help=N_("cpu, cuda, cuda:N or cuda:N,M (one recogniser per listed GPU)"))]
Dpi = Annotated[Optional[int], typer.Option(help=N_("PDF render resolution for OCR"))]  # noqa: UP045
Password = Annotated[Optional[str], typer.Option(help=N_("password of encrypted PDFs"))]  # noqa: UP045
Template = Annotated[Optional[str], typer.Option(help=N_("force a template: gov2021 or gov2019"))]  # noqa: UP045
MaxPages = Annotated[int, typer.Option(help=N_("refuse documents with more pages"))]
MaxMemory = Annotated[int, typer.Option("--max-memory", metavar="MB",
                                        help=N_("refuse a document that needs more memory"))]
Timeout = Annotated[float, typer.Option("--timeout", metavar="SECONDS", help=N_("refuse a document that takes longer"))]
Meta = Annotated[Optional[Path], typer.Option(  # noqa: UP045
    "--meta", metavar="FILE", help=N_("CSV of the reports' publication dates (columns source, date; optional kind: "
    "department or government), checked against 条例 art. 49's deadlines"))]


def _lang(value: str | None) -> str | None:
    if value is not None:
        if value.strip().lower() not in ("zh", "en", "zh_cn", "zh-cn", "en_us", "en-us"):
            fail(ExitCode.USAGE, _("--lang must be zh or en (got {value!r})").format(value=value))
        set_language(value)
    return value


Lang = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--lang", metavar="zh|en", callback=_lang, is_eager=True,
    help=N_("language of what a person reads: zh (default) or en; else GOVREPORT_LANG, else the locale"))]
Verbose = Annotated[int, typer.Option("-v", "--verbose", count=True, help=N_("more logging on stderr"))]
Workers = Annotated[int, typer.Option("--workers", "-j", help=N_("worker processes (0: in this process)"))]
Exclude = Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
    "--exclude", "-x", help=N_("leave out file names matching this glob (repeatable), e.g. '*.truth.json'"))]


@contextlib.contextmanager
def native_stdout_away() -> Iterator[None]:
    """For the command's run, file descriptor 1 points at the null device and ``sys.stdout`` at a
    copy of the real standard output: what native code prints with C's ``printf`` (HiGHS, the
    solver behind the arithmetic and the placement, prints debug lines there on some tables) never
    reaches the JSON or the CSV a script reads from stdout, while Python's own output does. Child
    processes (batch workers) inherit the null device as their fd 1. A no-op where ``sys.stdout``
    is not the process's own fd 1 (a test's capture, a closed stdout)."""
    try:
        real = sys.stdout.fileno() == 1 and sys.stdout is sys.__stdout__
    except (AttributeError, OSError, ValueError):
        real = False
    if not real:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    original = sys.stdout
    stream = open(os.dup(saved), "w", encoding=original.encoding, errors=original.errors,  # noqa: SIM115
                  newline=None, closefd=True)
    sys.stdout = stream
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
        _flush_c_stdio()
        os.dup2(saved, 1)
        os.close(saved)
        sys.stdout = original
        with contextlib.suppress(OSError, ValueError):
            stream.close()


def _flush_c_stdio() -> None:
    """Flush C's stdio buffers while fd 1 still points at the null device (so what native code
    buffered goes there, not to the real stdout after it is restored)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def stdout_guard() -> Iterator[None]:
    """Writing to a closed standard output (``| head``, ``>&-``) is an :class:`OutputError` (exit 8),
    not a traceback; the interpreter's last flush then goes nowhere."""
    try:
        yield
        sys.stdout.flush()
    except OSError as exc:
        if exc.errno not in (errno.EPIPE, errno.EBADF):
            raise
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        raise OutputError(_("cannot write to standard output (it is closed)")) from None


def check_workers(workers: int) -> int:
    """``--workers``, refused (exit 2) when negative."""
    if workers < 0:
        fail(ExitCode.USAGE, _("--workers must be 0 or more (got {n})").format(n=workers))
    return workers


def fail(code: ExitCode, message: str) -> NoReturn:
    """Stop the command: one line on stderr, exit with ``code``."""
    sys.stderr.write(_("govreport: error: {message}").format(message=message) + "\n")
    raise typer.Exit(int(code))


def setup_logging(level: int) -> None:
    """The ``govreport`` logger to stderr at ``level``, one prefixed line per record."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("govreport: %(levelname)s: %(message)s"))
    log = logging.getLogger("govreport")
    log.handlers[:] = [handler]
    log.setLevel(level)


def verbosity(verbose: int) -> int:
    """The log level of ``-v`` counted: warnings, ``-v`` info, ``-vv`` debug."""
    return logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG


def extract_settings(**fields: object) -> ExtractSettings:
    """:class:`ExtractSettings` from the command's options; a bad value is a usage error, and a
    device that cannot run here (``--device cuda`` without CUDA) is refused now, before any work."""
    try:
        settings = ExtractSettings(**fields)  # type: ignore[arg-type]
    except ValueError as exc:
        fail(ExitCode.USAGE, str(exc))
    if settings.device != "cpu":
        from govreport.ocr.sessions import check_device

        check_device(settings.engine, settings.device)
    return settings


def check_output(target: Path, inputs: Iterable[Path], suffixes: Iterable[str]) -> None:
    """Refuse an output that is one of the inputs, or whose suffix no writer knows, before any work."""
    if target.suffix.lower() not in suffixes:
        raise UsageError(_("{path}: unknown output format (use one of {formats})").format(
            path=display(str(target)), formats=", ".join(suffixes)))
    for src in inputs:
        try:
            same = target.exists() and src.exists() and os.path.samefile(target, src)
        except (OSError, ValueError):
            same = False
        if same:
            raise UsageError(_("{path}: the output is the input itself; give another name").format(
                path=display(str(target))))
