"""The ``govreport`` command: its commands, and every failure mapped to one stderr line and an
:class:`~govreport.errors.ExitCode`."""

from __future__ import annotations

import logging
import sys

import typer

from govreport.cli.audit import audit_command
from govreport.cli.batch import batch_command
from govreport.cli.extract import extract
from govreport.cli.review import review_command
from govreport.cli.templates import templates
from govreport.cli.verify import verify_command
from govreport.errors import ExitCode, GovreportError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Turn government information-disclosure annual reports into checked data.")
app.command()(extract)
app.command()(templates)
app.command("batch")(batch_command)
app.command("review")(review_command)
app.command("verify")(verify_command)
app.command("audit")(audit_command)


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the app and maps every failure to one stderr line and an exit code."""
    try:
        rc = app(args=argv, standalone_mode=False)
    except GovreportError as exc:
        sys.stderr.write(f"govreport: error: {exc}\n")
        return int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except KeyboardInterrupt:
        sys.stderr.write("govreport: interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # click usage errors and the unexpected
        name = type(exc).__name__
        if name == "Abort":
            sys.stderr.write("govreport: interrupted\n")
            return int(ExitCode.INTERRUPTED)
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # click/typer usage errors
            message = exc.format_message()
            if message:
                sys.stderr.write(f"govreport: error: {message}\n")
            return int(ExitCode.USAGE)
        logging.getLogger("govreport").debug("internal error", exc_info=True)
        sys.stderr.write(f"govreport: internal error: {type(exc).__name__}: {exc} (please report this; "
                         "rerun with -vv for details)\n")
        return int(ExitCode.INTERNAL)
    return int(rc) if isinstance(rc, int) else 0
