"""Command line: ``govreport extract FILE``, ``govreport templates``.

Every expected failure prints one line on stderr and exits with its :class:`ExitCode`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from govreport import cli_options as opts
from govreport.errors import ExitCode, GovreportError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Turn government information-disclosure annual reports into checked data.")


def _fail(code: ExitCode, message: str) -> None:
    sys.stderr.write(f"govreport: error: {message}\n")
    raise typer.Exit(int(code))


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("govreport: %(levelname)s: %(message)s"))
    log = logging.getLogger("govreport")
    log.handlers[:] = [handler]
    log.setLevel(level)


def _print_summary(report, ids: bool = False) -> None:  # type: ignore[no-untyped-def]
    from govreport.summary import print_summary

    print_summary(report, ids=ids)


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="report file: .txt/.md, .pdf, .docx, .html, .png/.jpg/.tif")],
    json_out: Annotated[bool, typer.Option("--json", help="print the contract JSON on stdout, nothing else")] = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output",  # noqa: UP045
                                                   help="write .json, .csv, .xlsx, .parquet or .html")] = None,
    engine: opts.Engine = "rapidocr",
    device: opts.Device = "cpu",
    dpi: opts.Dpi = None,
    password: opts.Password = None,
    template: opts.Template = None,
    max_pages: opts.MaxPages = 200,
    ids: Annotated[bool, typer.Option("--ids", help="summary: contract IDs instead of the printed labels")] = False,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="more logging on stderr")] = 0,
) -> None:
    """Extract one report's template tables, check them, and show or save the result."""
    _setup_logging(verbose)
    from govreport.api import extract as do_extract
    from govreport.export import write_report
    from govreport.settings import ExtractSettings

    try:
        settings = ExtractSettings(engine=engine, device=device, dpi=dpi, password=password,
                                   template=template, max_pages=max_pages)
    except ValueError as exc:
        _fail(ExitCode.USAGE, str(exc))
    report = do_extract(file, settings)
    if output is not None:
        write_report(report, output)
    if json_out:
        sys.stdout.write(report.to_json() + "\n")
    elif output is None:
        _print_summary(report, ids)
    else:
        sys.stderr.write(f"govreport: wrote {output} ({len(report.cells)} cells, {len(report.issues)} issues)\n")


@app.command()
def templates() -> None:
    """List the templates, their tables and their constraints."""
    from rich.console import Console

    from govreport.models.template import templates as all_templates

    console = Console(highlight=False)
    for tpl in all_templates().values():
        console.print(f"[bold]{tpl.id}[/bold]  {tpl.name}")
        for t in tpl.tables:
            variants = f" variants={','.join(t.variants)}" if t.variants else ""
            console.print(f"  [cyan]{t.id}[/cyan] {t.title} ({t.layout}{variants})")
            console.print(f"    rows: {', '.join(r.id + (f'[{r.variant}]' if r.variant else '') for r in t.rows)}")
            cols = ", ".join(c.id + ("" if c.kind == "count" else f"({c.kind})") for c in t.columns)
            console.print(f"    cols: {cols}")
            for c in t.constraints:
                each = f"for each {c.each}: " if c.each else ""
                console.print(f"    constraint {c.id}: {each}{' + '.join(c.lhs)} = {' + '.join(c.rhs)}  {c.text}")


def _register_optional_commands() -> None:
    """Commands that live in their own modules (``govreport.batch``, ``govreport.review``,
    ``govreport.verify.command``)."""
    import importlib

    for module, name in (("govreport.batch", "batch"), ("govreport.review", "review"),
                         ("govreport.verify.command", "verify")):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        command = getattr(mod, f"{name}_command", None)
        if command is not None:
            app.command(name)(command)


_register_optional_commands()


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


def _console_script() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    _console_script()
