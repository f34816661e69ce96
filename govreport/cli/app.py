"""The ``govreport`` command: its commands, and every failure mapped to one stderr line and an
:class:`~govreport.errors.ExitCode`."""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator

import typer

from govreport.cli.audit import audit_command
from govreport.cli.batch import batch_command
from govreport.cli.common import native_stdout_away, stdout_guard
from govreport.cli.dashboard import dashboard_command
from govreport.cli.extract import extract
from govreport.cli.localise import localised_command, usage_message
from govreport.cli.review import review_command
from govreport.cli.templates import templates
from govreport.cli.verify import verify_command
from govreport.errors import ExitCode, GovreportError, Terminated
from govreport.i18n import N_, _, language

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help=N_("Turn government information-disclosure annual reports into checked data."))
app.command(help=N_("Extract one report's template tables, check them, and show or save the result."))(extract)
app.command(help=N_("List the templates, their tables and their constraints."))(templates)
app.command("batch", help=N_("Extract many reports into DIR (one JSON each, resumable), then write the dataset "
                             "exports."))(batch_command)
app.command("review", help=N_("Write an HTML review page per report: page images with every cell outlined, "
                              "issues, tables."))(review_command)
app.command("verify", help=N_("Review the flagged cells of DATASET in a local browser app; every decision is "
                              "kept."))(verify_command)
app.command("audit", help=N_("Audit reports against the regulations and the template; write a memo."))(audit_command)
app.command("dashboard", help=N_("Write the indicator dashboard (看板) of a batch folder: one offline HTML "
                                  "page."))(dashboard_command)


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the app and maps every failure to one stderr line and an exit code.

    Ctrl-C stops the command (finished work is kept) with exit code 130; a second Ctrl-C while it
    winds down ends the process at once. A closed standard output is an output error (exit 8)."""
    if sys.stdout is None:  # started with fd 1 closed
        sys.stdout = _ClosedStream()
    with _second_interrupt_exits(), native_stdout_away():
        return _run(argv)


_TERM = {"seen": False}  #: whether SIGTERM arrived (click turns the exception it raises into Abort)


def _interrupted() -> int:
    if _TERM["seen"]:
        sys.stderr.write(_("govreport: terminated (SIGTERM); finished work is kept") + "\n")
        return int(ExitCode.TERMINATED)
    sys.stderr.write(_("govreport: interrupted") + "\n")
    return int(ExitCode.INTERRUPTED)


def _lang_in(argv: list[str]) -> str | None:
    """The value of ``--lang`` in ``argv`` (read before the commands are built, so that their help is
    in that language), or ``None``."""
    for k, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _run(argv: list[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    with language(_lang_in(args)):  # a library caller's choice is back after the command
        return _run_in_language(args)


def _run_in_language(args: list[str]) -> int:
    try:
        with stdout_guard():
            rc = localised_command(app).main(args=args, prog_name="govreport", standalone_mode=False)
    except GovreportError as exc:  # one line, even where a file name holds a line break
        message = str(exc).replace("\r", "\\r").replace("\n", "\\n")
        sys.stderr.write(_("govreport: error: {message}").format(message=message) + "\n")
        return int(exc.exit_code)
    except typer.Exit as exc:
        if _TERM["seen"]:
            return _interrupted()
        return int(exc.exit_code or 0)
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as exc:  # click usage errors and the unexpected
        name = type(exc).__name__
        if name == "Abort":
            return _interrupted()
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # click/typer usage errors
            message = usage_message(exc.format_message())
            if message:
                sys.stderr.write(_("govreport: error: {message}").format(message=message) + "\n")
            return int(ExitCode.USAGE)
        return _internal(exc)
    if rc == ExitCode.INTERRUPTED or _TERM["seen"]:  # typer turns Ctrl-C into a return of 130, silently
        return _interrupted()
    return int(rc) if isinstance(rc, int) else 0


def _internal(exc: BaseException) -> int:
    logging.getLogger("govreport").debug("internal error", exc_info=True)
    sys.stderr.write(_("govreport: internal error: {error} (please report this; rerun with -vv for details)")
                     .format(error=f"{type(exc).__name__}: {exc}") + "\n")
    return int(ExitCode.INTERNAL)


class _ClosedStream(io.TextIOBase):
    """``sys.stdout`` when the process started without one: writing to it is an output error."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


@contextlib.contextmanager
def _second_interrupt_exits() -> Iterator[None]:
    """The first Ctrl-C raises ``KeyboardInterrupt`` (the command stops and keeps what it finished);
    a second one while it winds down exits at once with 130."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def second(signum: int, frame: object) -> None:
        os.write(2, b"govreport: interrupted\n")
        os._exit(int(ExitCode.INTERRUPTED))

    def first(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, second)
        raise KeyboardInterrupt

    def term(signum: int, frame: object) -> None:
        _TERM["seen"] = True
        signal.signal(signal.SIGTERM, second)
        raise Terminated

    _TERM["seen"] = False
    previous = signal.signal(signal.SIGINT, first)
    previous_term = signal.signal(signal.SIGTERM, term)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
