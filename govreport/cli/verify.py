"""``govreport verify DATASET``: review a batch folder's flagged cells in the browser.

    govreport verify dataset/                          # prints the URL (with its token) and opens it
    govreport verify dataset/ --reviewer ann --no-browser --port 8765
    govreport verify dataset/ --export corrections.csv  # every decision, for audit; no server

``--export`` writes outside the dataset folder only (its files are govreport's: the reviewers'
``corrections.jsonl`` above all), a ``.csv`` only, and replaces an existing file only with ``--force``
(exit 2 otherwise, before anything is written). A folder that holds no batch output is refused (exit 2).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Optional

import typer

from govreport.cli import common
from govreport.errors import ExitCode, UsageError
from govreport.i18n import N_, _
from govreport.names import display

log = logging.getLogger("govreport")


def verify_command(
    dataset: Annotated[Path, typer.Argument(help=N_("a folder written by govreport batch"))],
    reviewer: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--reviewer", "-r", help=N_("your name in corrections.jsonl (default: the OS user)"))] = None,
    port: Annotated[int, typer.Option(help=N_("port on 127.0.0.1 (0: any free port)"))] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help=N_("print the URL only"))] = False,
    export: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--export", metavar="FILE.csv", help=N_("write every decision to FILE.csv (for audit) and exit"))] = None,
    force: Annotated[bool, typer.Option("--force", help=N_("let --export replace an existing file"))] = False,
    sources: Annotated[Optional[list[Path]], typer.Option(  # noqa: UP045
        "--sources", help=N_("a folder holding the reports' documents, for page images (repeatable)"))] = None,
    image_dpi: Annotated[int, typer.Option(help=N_("resolution of the page images"))] = 150,
    verbose: common.Verbose = 0,
    lang: common.Lang = None,
) -> None:
    """Review the flagged cells of DATASET in a local browser app; every decision is kept."""
    from govreport.verify.store import CorrectionStore, default_reviewer

    common.setup_logging(common.verbosity(verbose))
    if not dataset.is_dir():
        common.fail(ExitCode.INPUT_NOT_FOUND, _("{path}: no such folder").format(path=dataset))
    check_dataset(dataset, exporting=export is not None)
    if export is not None:
        from govreport.verify.exports import write_corrections_csv

        check_export(dataset, export, force)
        n = write_corrections_csv(CorrectionStore(dataset).decisions(), export)
        sys.stderr.write(_("govreport: wrote {path} ({n} decision(s))").format(path=export, n=n) + "\n")
        return
    if not 0 <= port <= 65535:
        common.fail(ExitCode.USAGE, _("--port must be 0..65535 (got {value})").format(value=port))
    if not 30 <= image_dpi <= 400:
        common.fail(ExitCode.USAGE, _("--image-dpi must be between {low} and {high} (got {value})").format(
            low=30, high=400, value=image_dpi))
    name = (reviewer or default_reviewer()).strip()
    if not name or len(name) > 100 or any(ord(ch) < 32 for ch in name):
        common.fail(ExitCode.USAGE, _("--reviewer must be a name of 1-100 printable characters"))
    serve(dataset, name, port=port, open_browser=not no_browser, sources=sources or [], image_dpi=image_dpi)


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return path.absolute()


def check_dataset(dataset: Path, exporting: bool = False) -> None:
    """Refuse (exit 2) a folder that holds no batch output (for ``--export``, a folder with a
    ``corrections.jsonl`` will do)."""
    from govreport.output.dataset import report_files
    from govreport.output.folder import is_dataset
    from govreport.verify.store import CORRECTIONS

    if is_dataset(dataset) or report_files(dataset) or (exporting and (dataset / CORRECTIONS).is_file()):
        return
    raise UsageError(_("{folder}: holds no batch output (no report JSONs); run 'govreport batch FILES --out "
                       "{folder}' first").format(folder=display(str(dataset))))


def check_export(dataset: Path, target: Path, force: bool) -> None:
    """Refuse (exit 2) an ``--export`` target inside the dataset folder, one that is not ``.csv``, a
    folder, or an existing file without ``force``."""
    shown = display(str(target))
    real, home = _real(target), _real(dataset)
    if real == home or real.is_relative_to(home):
        raise UsageError(_("{target}: is inside the dataset folder {folder}, whose files are govreport's (the "
                           "reviewers' decisions among them); write the export outside it").format(
                               target=shown, folder=display(str(dataset))))
    if target.suffix.lower() != ".csv":
        raise UsageError(_("{target}: unknown export format (use a .csv file name)").format(target=shown))
    if target.is_dir():
        raise UsageError(_("{target}: is a folder; give a file name ending in .csv").format(target=shown))
    if (target.exists() or target.is_symlink()) and not force:
        raise UsageError(_("{target}: exists; add --force to replace it").format(target=shown))


def serve(dataset: Path, reviewer: str, *, port: int = 0, open_browser: bool = True, sources: list[Path] = (),
          image_dpi: int = 150) -> None:
    """Run the app until Ctrl-C or SIGTERM, then bring the exports up to date."""
    from govreport.errors import OutputError
    from govreport.verify.app import VerifyApp, make_server, url_of

    app = VerifyApp(dataset, reviewer, sources=list(sources), image_dpi=image_dpi)
    try:
        server = make_server(app, port)
    except OSError as exc:
        raise OutputError(_("cannot listen on 127.0.0.1:{port} ({error})").format(port=port,
                                                                                 error=exc.strerror or exc)) from None
    url = url_of(server, app)
    queue = app.queue()
    sys.stdout.write(_("govreport verify: {reports} report(s), {decisions} open decision(s) ({open} flagged cell(s) "
                       "open), reviewer {reviewer}").format(reports=len(queue["reports"]), decisions=queue["decisions"],
                                                            open=queue["open"], reviewer=reviewer) + f"\n{url}\n")
    sys.stdout.flush()
    sys.stderr.write(_("govreport: Ctrl-C to stop (the exports are brought up to date on the way out)") + "\n")
    stop = threading.Event()

    def on_term(signum: int, frame: object) -> None:
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, on_term)
    app.start_exporter()
    if open_browser:
        import webbrowser

        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        if app.close():
            sys.stderr.write(_("govreport: exports in {path} brought up to date").format(path=dataset) + "\n")
