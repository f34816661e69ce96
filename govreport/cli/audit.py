"""``govreport audit``: check reports against what the law and the template ask, and write a memo.

    govreport audit report.pdf -o memo.docx
    govreport audit archive/ more/*.html --meta dates.csv -o memo.html --workers 2
    govreport audit dataset/ -o memo.html          # a batch folder: its report JSONs, as they are
    govreport audit archive/ -o audit.json          # the audit as data
    govreport audit dataset/ -o memo.html --bodies bodies.csv   # the user's own mapping of names to bodies

Beside the memo it writes ``bodies.csv`` (every printed name and the body it was taken for: edit it and pass
it back with ``--bodies``) and the dashboard ``看板.html`` (:mod:`govreport.output.dashboard`).

Inputs are extracted as ``govreport batch`` does (into ``--work DIR`` if given, where a rerun resumes;
else a temporary folder); a folder of report JSONs written by ``govreport batch`` is audited as it is.
From Python, :func:`audit_paths` returns the :class:`~govreport.checks.audit.Audit` and a loader of the
reports' contract dicts.

>>> audit, load, failures = audit_paths(["samples/sample_2021_tabs.txt"], workers=0)
>>> [f.kind for f in audit.findings_for(audit.reports[0].id)], failures
(['deadline'], [])
"""

from __future__ import annotations

import csv
import json
import logging
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from govreport.batch.run import BatchSettings, run_batch
from govreport.checks.audit import Audit, Auditor
from govreport.checks.bodies import read_bodies_csv
from govreport.checks.deadlines import read_meta_csv
from govreport.cli import common
from govreport.errors import BadInputError, ExitCode, InputNotFoundError, MissingDependencyError
from govreport.i18n import N_, _
from govreport.output.dataset import folder_meta, load_report_file, report_files
from govreport.output.export import write_text_atomic
from govreport.settings import MAX_MEMORY_MB, MAX_SECONDS, ExtractSettings

log = logging.getLogger("govreport")
DASHBOARD = "看板.html"  #: the dashboard's name beside the memo

Loader = Callable[[str], "dict[str, Any] | None"]


def _dataset_folder(path: Path) -> bool:
    return path.is_dir() and bool(report_files(path))


def audit_paths(inputs: Iterable[str | Path], meta: str | Path | None = None, settings: ExtractSettings | None = None,
                workers: int = 1, work: str | Path | None = None, exclude: Iterable[str] = (),
                progress: bool | None = False, bodies: str | Path | None = None,
                ) -> tuple[Audit, Loader, list[dict[str, Any]]]:
    """Extract (or read) every report under ``inputs`` and audit them together (``bodies``: the user's
    ``bodies.csv``, whose mapping of names to bodies wins).

    Returns ``(audit, load, failures)``: ``load(report_id)`` gives a report's contract dict back,
    ``failures`` lists the inputs that could not be read (as ``govreport batch`` records them).
    """
    inputs = [str(p) for p in inputs]
    folders = [Path(p) for p in inputs if _dataset_folder(Path(p))]
    documents = [p for p in inputs if not _dataset_folder(Path(p))]
    paths: dict[str, Path] = {}
    failures: list[dict[str, Any]] = []
    table = {}
    for folder in folders:
        table.update(folder_meta(folder))
        paths.update({p.stem: p for p in report_files(folder)})
    if meta is not None:
        try:
            table.update(read_meta_csv(meta))
        except FileNotFoundError:
            raise InputNotFoundError(_("{path}: no such file").format(path=meta)) from None
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise BadInputError(str(exc)) from None
    given = None
    if bodies is not None:
        try:
            given = read_bodies_csv(bodies)
        except FileNotFoundError:
            raise InputNotFoundError(f"{bodies}: no such file") from None
        except (OSError, ValueError, UnicodeDecodeError, csv.Error) as exc:
            raise BadInputError(str(exc)) from None
    keep: tempfile.TemporaryDirectory[str] | None = None  # lives as long as the loader (removed after)
    if documents:
        if work is None:
            keep = tempfile.TemporaryDirectory(prefix="govreport-audit-")
        out = Path(work) if work is not None else Path(keep.name)  # type: ignore[union-attr]
        res = run_batch(documents, out, settings, BatchSettings(workers=workers, export=False, progress=progress,
                                                                exclude=tuple(exclude)))
        failures = res.failures
        paths.update({p.stem: p for p in report_files(out) if p.stem in res.ids})

    def load(rid: str, _keep: object = keep) -> dict[str, Any] | None:
        return load_report_file(paths[rid]) if rid in paths else None

    auditor = Auditor(table, given)
    for rid in sorted(paths):
        data = load(rid)
        if data is None:
            log.warning("%s: not a valid report JSON; left out", paths[rid])
            continue
        auditor.add(rid, data)
    return auditor.finish(load), load, failures


def audit_json(audit: Audit) -> dict[str, Any]:
    """The audit as plain data: per report its deadline, indicators and findings; the batch's findings,
    series table and ranking."""
    reports = []
    for r in audit.reports:
        reports.append({"id": r.id, "source": r.source, "agency": r.agency, "year": r.year, "kind": r.kind,
                        "template": r.template, "deadline": r.deadline.to_dict(),
                        "indicators": {k: v.to_dict() for k, v in r.indicators.items()},
                        "findings": [f.to_dict() for f in audit.findings_for(r.id)],
                        "counts": dict(sorted(audit.counts(r.id).items()))})
    return {"reports": reports, "batch": [f.to_dict() for f in audit.batch], "series": audit.series(),
            "ranking": audit.ranking(), "bodies": {
                "merged": [{"body": b, "variants": v} for b, v in audit.bodies.merges],
                "not_merged": list(audit.bodies.notes),
                "unidentified": [{"id": r.id, "source": r.source} for r in audit.unidentified()]}}


def write_audit(audit: Audit, load: Loader, target: Path, failures: list[dict[str, Any]] = ()) -> Path:
    """Write the memo (``.docx``/``.pdf``/``.html``) or the audit as JSON (``.json``)."""
    if target.suffix.lower() == ".json":
        data = audit_json(audit)
        data["failures"] = list(failures)
        write_text_atomic(target, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        return target
    from govreport.output.memo import write_memo

    return write_memo(audit, load, target, failures)


def merge_lines(audit: Audit) -> list[str]:
    """What the audit merged, and what it did not, one line each (for stderr)."""
    out = [_("merged {variants} as one body: {body}").format(variants="、".join(v), body=b)
           for b, v in audit.bodies.merges]
    out += list(audit.bodies.notes)
    n = len(audit.unidentified())
    if n:
        out.append(_("{n} report(s) whose body was not read: 未识别 ({files})").format(
            n=n, files=", ".join(Path(r.source).name for r in audit.unidentified())))
    return out


def write_beside(audit: Audit, load: Loader, output: Path, batch_dir: str | Path | None) -> list[Path]:
    """``bodies.csv`` and the dashboard ``看板.html`` beside ``output``; review links into ``batch_dir/review``."""
    from govreport.output.dashboard import write_dashboard

    folder = output.parent
    bodies = folder / "bodies.csv"
    write_text_atomic(bodies, "\ufeff" + audit.bodies.to_csv())  # with a BOM, as spreadsheets want it
    has_reviews = batch_dir is not None and (Path(batch_dir) / "review").is_dir()
    try:
        board = write_dashboard(audit, load, folder / DASHBOARD, batch_dir if has_reviews else None)
    except MissingDependencyError as exc:  # the memo is written: the dashboard alone is missing
        log.warning("%s", exc)
        return [bodies]
    return [bodies, board]


def audit_command(
    inputs: Annotated[list[str], typer.Argument(
        help=N_("report files, folders, globs, .zip archives, or batch folders of report JSONs"), show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help=N_("the memo: .docx, .pdf or .html (or .json: the "
                                         "audit as data)"))],
    meta: common.Meta = None,
    workers: common.Workers = 1,
    work: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--work", metavar="DIR", help=N_("keep the extracted report JSONs here (a rerun resumes)"))] = None,
    exclude: common.Exclude = None,
    bodies: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--bodies", metavar="CSV", help="your bodies.csv: which printed names are one body (variant,body,level,"
        "kind); it overrides the names the audit merges")] = None,
    engine: common.Engine = "rapidocr",
    device: common.Device = "cpu",
    dpi: common.Dpi = None,
    password: common.Password = None,
    template: common.Template = None,
    max_pages: common.MaxPages = 200,
    max_memory: common.MaxMemory = MAX_MEMORY_MB,
    timeout: common.Timeout = MAX_SECONDS,
    verbose: common.Verbose = 0,
    lang: common.Lang = None,
) -> None:
    """Audit reports: required content, deadlines, cross-year series, indicators, boilerplate; write a memo."""
    common.setup_logging(common.verbosity(verbose))
    common.check_output(output, [Path(p) for p in inputs], (".docx", ".pdf", ".html", ".htm", ".json"))
    common.check_workers(workers)
    settings = common.extract_settings(engine=engine, device=device, dpi=dpi, password=password, template=template,
                                       max_pages=max_pages, max_memory_mb=max_memory, max_seconds=timeout)
    for p in inputs:
        if not any(ch in p for ch in "*?[") and not Path(p).exists():
            raise InputNotFoundError(_("{path}: no such file or folder").format(path=p))
    audit, load, failures = audit_paths(inputs, meta, settings, workers, work, exclude or (), progress=None,
                                        bodies=bodies)
    if not audit.reports:
        common.fail(ExitCode.BATCH_FAILURES if failures else ExitCode.NOT_A_REPORT,
                    _("no report could be read ({n} input(s) failed)").format(n=len(failures)))
    write_audit(audit, load, output, failures)
    folders = [Path(p) for p in inputs if _dataset_folder(Path(p))]
    batch_dir = folders[0] if len(folders) == 1 and len(inputs) == 1 else work
    extra = write_beside(audit, load, output, batch_dir)
    for line in merge_lines(audit):
        sys.stderr.write(f"govreport: {line}\n")
    sys.stderr.write(f"govreport: wrote {', '.join(str(p) for p in extra)}\n")
    counts = {"error": 0, "warning": 0, "info": 0}
    for r in audit.reports:
        for k, v in audit.counts(r.id).items():
            counts[k] += v
    failed = _("; {n} input(s) failed").format(n=len(failures)) if failures else ""
    sys.stderr.write(_("govreport: wrote {path} ({n} report(s): {errors} error(s), {warnings} warning(s), "
                       "{notes} note(s){failed})").format(path=output, n=len(audit.reports), errors=counts["error"],
                                                         warnings=counts["warning"], notes=counts["info"],
                                                         failed=failed) + "\n")
    if failures:
        raise typer.Exit(int(ExitCode.BATCH_FAILURES))


__all__ = ["audit_command", "audit_json", "audit_paths", "merge_lines", "write_audit", "write_beside"]
