"""The review app of ``govreport verify DATASET``: a local web server over a batch folder.

It listens on 127.0.0.1 only, and answers nothing outside ``/t/<token>/`` (a random token in the URL it
prints) nor for a ``Host`` other than its own address (no DNS rebinding). Report ids are checked against
the folder's report files, so no request reaches a path outside DATASET; request bodies over
:data:`MAX_BODY` are refused. Everything a report says is escaped in the server's HTML and set as text
by the page's script.

Pages: the queue (reports worst first), and per report its page images with every cell outlined (the
review page's drawing, :func:`govreport.output.review.page_figures`), its issues, its tables and its flagged
cells in order. Page images are rendered on first request and cached in ``DATASET/.verify/pages/``, so
opening a folder of a thousand reports reads only their JSONs. Each decision is appended to
``corrections.jsonl`` and applied to the report's JSON (:mod:`govreport.verify.apply`) before it is
answered; the dataset exports are rebuilt in a separate process once the reviewer pauses, and on exit.

>>> import tempfile
>>> app = VerifyApp(tempfile.mkdtemp(), reviewer="ann")
>>> app.queue()["reports"]
[]
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from govreport.errors import GovreportError, OutputError
from govreport.i18n import _, current_language, fill_placeholders, messages
from govreport.models.template import get_template
from govreport.output.dataset import EXPORTS, export_dataset, load_report_file, report_files
from govreport.output.folder import writing
from govreport.output.html import COLORS, CSS, SEVERE, flagged_cells, header_html, issues_html, tables_html
from govreport.output.review import PageView, bbox_units, page_figures, page_views
from govreport.report import Cell, Report, open_decisions
from govreport.verify.apply import CONFLICT, apply_corrections, apply_decisions, check_value, write_report_json
from govreport.verify.exports import BUSY
from govreport.verify.store import UNDO, CorrectionStore, Decision, digest, doc_hash, latest

log = logging.getLogger("govreport")

MAX_BODY = 16 * 1024  #: bytes a request body may have
REQUEST_TIMEOUT = 30.0  #: seconds a connection may stay silent before it is closed
IMAGE_DPI = 150  #: page images of the app (the static review page embeds 110 dpi)
IMAGE_QUALITY = 80
EXPORT_DELAY = 5.0  #: seconds without a decision before the exports are rebuilt
CLOSE_WAIT_S = 5.0  #: how long the app waits on exit for another writer of the folder
STATE_DIR = ".verify"
REPORT_ID = re.compile(r"^[0-9a-f]{16}-[\w\-]{1,80}$")
KEY = re.compile(r"^[a-z0-9_]{1,64}$")
STATIC = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8", "icon.svg": "image/svg+xml"}
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_value(text: str) -> float:
    """A typed value: full-width digits, thousands separators and spaces allowed.

    >>> parse_value(" １,２３４ "), parse_value("2.5")
    (1234.0, 2.5)
    """
    s = unicodedata.normalize("NFKC", str(text)).replace(",", "").replace(" ", "").strip()
    if not NUMBER.match(s):
        raise ValueError(_("not a number: {value}").format(value=repr(text)))
    return float(s)


@cache
def _labels(template: str) -> dict[tuple[str, str], str]:
    """Printed labels: ``(table, "")`` the title, ``(table, row)``, ``(table, "col:" + col)``."""
    out: dict[tuple[str, str], str] = {}
    for t in get_template(template).tables:
        out[(t.id, "")] = t.title
        for r in t.rows:
            out[(t.id, r.id)] = r.labels[0] if r.labels else r.id
        for c in t.columns:
            out[(t.id, "col:" + c.id)] = c.label
    return out


def _static(name: str) -> bytes:
    return resources.files("govreport.verify").joinpath("static", name).read_bytes()


def _page() -> bytes:
    """The app's page in the current language, its words filled in."""
    text = fill_placeholders(_static("app.html").decode("utf-8"))
    lang = "en" if current_language() == "en" else "zh-CN"
    return text.replace("{{REVIEW_CSS}}", CSS).replace("{{LANG}}", lang).encode("utf-8")


def _messages_js() -> bytes:
    """The catalog of the current language for app.js (a script of its own: the page allows no inline one)."""
    return ("window.GR_MESSAGES = " + json.dumps(messages(), ensure_ascii=False) + ";\n").encode("utf-8")


@dataclass
class Summary:
    """One line of the queue, kept between requests (re-read when the file changes)."""

    id: str
    stamp: tuple[int, int]
    source: str
    template: str | None
    agency: str | None
    year: Any
    issues: int
    inconsistent: int
    severe: int
    flagged: int
    open: int
    decided: int
    decisions: int  #: open decisions: the reading issues not yet settled (:func:`open_decisions`)

    def row(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "stamp"}


@dataclass
class Loaded:
    """A report as the app holds it: its JSON's stamp, the report, and its page sizes."""

    stamp: tuple[int, int]
    report: Report
    views: list[PageView] | None = None
    source: Path | None = None
    note: str = ""


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return (st.st_mtime_ns, st.st_size)


def open_cells(report: Report, decided: set[tuple[str, str, str]]) -> tuple[list[tuple[str, str, str]], set]:
    """``(flagged cells in template order, those still open)``: a flagged cell is open until a reviewer
    decides it, and again while a ``verified_conflict`` issue names it."""
    flagged = report.issue_cells()
    conflict = {(i.table, *rc) for i in report.issues if i.kind == CONFLICT and i.table for rc in i.cells}
    order = [c.key for c in report.cells if c.key in flagged]
    return order, {k for k in order if k not in decided or k in conflict}


class VerifyApp:
    """The app's state and actions, independent of HTTP (the handler below maps requests to them)."""

    def __init__(self, folder: str | os.PathLike[str], reviewer: str, *, token: str | None = None,
                 image_dpi: int = IMAGE_DPI, sources: list[Path] | None = None,
                 export_delay: float = EXPORT_DELAY) -> None:
        self.folder = Path(folder).resolve()
        self.reviewer = reviewer
        self.token = token or secrets.token_urlsafe(24)
        self.image_dpi = image_dpi
        self.sources = [Path(s) for s in sources or ()]
        self.export_delay = export_delay
        self.store = CorrectionStore(self.folder)
        self.lock = threading.RLock()  #: app state; decisions also hold the corrections file lock
        self.render_lock = threading.Lock()  #: pdfium is not thread-safe
        self.summaries: dict[str, Summary] = {}
        self.loaded: dict[str, Loaded] = {}
        self._texts: dict[str, str | None] = {}  #: plain text of text/Word/HTML documents, for the source view
        self.pages_dir = self.folder / STATE_DIR / "pages"
        self.queue_cache = self.folder / STATE_DIR / "queue.json"  #: summaries by report, with the JSON's stamp
        self._load_queue_cache()
        self._dirty = threading.Event()
        self._last_decision = 0.0
        self._stop = threading.Event()
        self._exporter: threading.Thread | None = None
        self._export_proc: subprocess.Popen[bytes] | None = None
        self.exports_written = 0
        threading.Thread(target=_warm_up, name="govreport-verify-warm", daemon=True).start()
        if self.store.path.exists():
            apply_corrections(self.folder, report_files(self.folder), self.store)
            if self._exports_stale():
                self._dirty.set()

    # -- reports ------------------------------------------------------------------------------------
    def report_path(self, rid: str) -> Path | None:
        """The JSON of report ``rid``, or ``None`` (a bad id, or no such report in the folder)."""
        if not REPORT_ID.match(rid):
            return None
        path = self.folder / f"{rid}.json"
        try:
            if path.is_symlink() or not path.is_file() or path.resolve().parent != self.folder:
                return None
        except OSError:
            return None
        return path

    def decisions(self, rid: str, fd: int | None = None) -> list[Decision]:
        return self.store.for_doc(doc_hash(rid), fd)

    def load(self, rid: str, fd: int | None = None) -> Loaded | None:
        """The report (cached while its JSON is unchanged); ``fd``: the corrections lock's descriptor,
        when the caller holds it."""
        path = self.report_path(rid)
        if path is None:
            return None
        with self.lock:
            stamp = _stamp(path)
            got = self.loaded.get(rid)
            if got is not None and got.stamp == stamp:
                return got
            data = load_report_file(path)
            if data is None:
                return None
            got = Loaded(stamp, Report.from_dict(data))
            self.loaded[rid] = got
            self._summarise(rid, got.report, stamp, set(latest(self.decisions(rid, fd))))
            return got

    def _summarise(self, rid: str, report: Report, stamp: tuple[int, int],
                   decided: set[tuple[str, str, str]] | None = None) -> Summary:
        if decided is None:
            decided = set(latest(self.decisions(rid)))
        order, still = open_cells(report, decided)
        kinds = [i.kind for i in report.issues]
        s = Summary(rid, stamp, report.source, report.template, report.meta.get("agency"), report.meta.get("year"),
                    len(kinds), kinds.count("inconsistent"), sum(k in SEVERE for k in kinds), len(order), len(still),
                    len(decided), open_decisions(report.issues))
        self.summaries[rid] = s
        return s

    def queue(self) -> dict[str, Any]:
        """Every report of the folder, worst first: those with open decisions (or cells), then by
        inconsistent and severe issues, open decisions and open cells."""
        rows: list[Summary] = []
        fresh = 0
        for path in report_files(self.folder):
            rid = path.stem
            if self.report_path(rid) is None:  # a symlink (to a JSON outside the folder, say): not ours
                continue
            try:
                stamp = _stamp(path)
            except OSError:
                continue
            with self.lock:
                s = self.summaries.get(rid)
            if s is None or s.stamp != stamp:
                data = load_report_file(path)
                if data is None:
                    continue
                with self.lock:
                    s = self._summarise(rid, Report.from_dict(data), stamp)
                fresh += 1
            rows.append(s)
        if fresh:
            self._save_queue_cache(rows)
        rows.sort(key=lambda s: (s.decisions == 0 and s.open == 0, -s.inconsistent, -s.severe, -s.decisions,
                                 -s.open, s.source, s.id))
        return {"reports": [s.row() for s in rows], "reviewer": self.reviewer, "folder": str(self.folder),
                "open": sum(s.open for s in rows), "decisions": sum(s.decisions for s in rows)}

    def _load_queue_cache(self) -> None:
        """Summaries kept from an earlier run (a large folder's queue then opens without reading every JSON)."""
        try:
            data = json.loads(self.queue_cache.read_text(encoding="utf-8"))
            for row in data.get("reports", []):
                s = Summary(**{**row, "stamp": tuple(row["stamp"])})
                self.summaries[s.id] = s
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.summaries.clear()

    def _save_queue_cache(self, rows: list[Summary]) -> None:
        from govreport.output.export import atomic_path

        data = {"reports": [{**s.row(), "stamp": list(s.stamp)} for s in rows]}
        with contextlib.suppress(OutputError, OSError):
            self.queue_cache.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.queue_cache) as tmp:
                tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    # -- one report ---------------------------------------------------------------------------------
    def _source(self, rid: str, report: Report) -> tuple[Path | None, str]:
        """The report's document, if it can be found and is the same document (hash) as reviewed."""
        src = report.source or ""
        if not src or "!" in src:
            return None, "page images: the document is inside an archive; the tables are shown"
        candidates = [Path(src)]
        if not Path(src).is_absolute():
            candidates += [self.folder.parent / src, self.folder / src]
        candidates += [d / Path(src).name for d in self.sources]
        want = doc_hash(rid)
        for p in candidates:
            with contextlib.suppress(OSError):
                if p.is_file():
                    if _sha16(p) == want:
                        return p, ""
                    return None, f"page images: {p} is not the document this report was read from"
        return None, f"page images: {src} not found (give its folder with --sources)"

    def _views(self, rid: str, got: Loaded) -> list[PageView]:
        """Page sizes in bbox units without rendering, each with its image's URL."""
        if got.views is not None:
            return got.views
        report = got.report
        numbers = sorted({int(c.page) for c in report.cells if c.page is not None and c.bbox is not None})
        if not numbers:
            got.views = []
            return got.views
        src, note = self._source(rid, report)
        sizes: dict[int, tuple[float, float]] = {}
        if src is not None:
            try:
                with self.render_lock:
                    sizes = _page_sizes(src, numbers, report)
            except Exception as exc:  # a review without images beats no review
                note = f"page images: cannot read {src.name} ({type(exc).__name__})"
                src = None
        views = []
        for n in numbers:
            if n in sizes:
                w, h = sizes[n]
                views.append(PageView(n, w, h, f"img/{rid}/{n}.jpg", (0, 0)))
            else:
                views.append(_placeholder(n, [c for c in report.cells if c.page == n], report))
        got.views, got.source, got.note = views, src, note
        return views

    def payload(self, rid: str, pages: bool = True) -> dict[str, Any] | None:
        """What the page shows of report ``rid``: HTML parts and every cell's state.

        ``pages``: the whole view (page figures, tables, labels); else only what a decision can change
        (each cell as ``[status, value, text, confidence, flag, decided action]``, flagged and open cells,
        header and issues), which the page applies in place.
        """
        got = self.load(rid)
        if got is None:
            return None
        report = got.report
        decided = latest(self.decisions(rid))
        order, still = open_cells(report, set(decided))
        flagged, bad = flagged_cells(report)
        state: dict[str, list[Any]] = {}
        for c in report.cells:
            d = decided.get(c.key)
            state["|".join(c.key)] = [c.status, c.value, c.text, c.confidence,
                                      2 if c.key in bad else 1 if c.key in flagged else 0, d.action if d else None]
        out: dict[str, Any] = {
            "id": rid, "source": report.source, "header": header_html(report),
            "issues": issues_html(report, link=lambda keys: "c-" + "-".join(keys[0]), choices=True), "cells": state,
            "flagged": ["|".join(k) for k in order], "open": ["|".join(k) for k in order if k in still],
            "decisions": open_decisions(report.issues)}
        if pages:
            labels = _labels(report.template) if report.template else {}
            views = self._views(rid, got)
            css, html = page_figures(report, views)
            out.update(template=report.template, reviewer=self.reviewer, pages=html, page_css=css, note=got.note,
                       tables=tables_html(report, id_prefix="c"), colors=COLORS, cell_info={
                           "|".join(c.key): [labels.get((c.table, ""), c.table), labels.get((c.table, c.row), c.row),
                                             labels.get((c.table, "col:" + c.col), c.col), c.page]
                           for c in report.cells})
            out["sources"] = self._cell_sources(rid, report)
        return out

    def _cell_sources(self, rid: str, report: Report) -> dict[str, list[Any]]:
        """For a text, Word or HTML report: the line of the document each cell was read from."""
        from govreport.verify.sources import TEXT_KINDS, cell_sources, document_text

        if report.meta.get("input_kind") not in TEXT_KINDS:
            return {}
        if rid not in self._texts:
            src, _note = self._source(rid, report)
            self._texts[rid] = document_text(src) if src is not None else None
        text = self._texts[rid]
        return cell_sources(report, text) if text else {}

    def decide(self, rid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Record one decision, apply it to the report's JSON and answer the report's new state.
        ``ValueError`` (answered 400) for a decision that cannot be."""
        path = self.report_path(rid)
        if path is None:
            raise LookupError(rid)
        action = str(body.get("action", ""))
        if action == "choose":  # one alternative of a reading issue: every cell it sets, in one decision
            self._choose(rid, path, body)
            out = self.payload(rid, pages=False)
            assert out is not None
            return out
        table, row, col = (str(body.get(k, "")) for k in ("table", "row", "col"))
        if not all(KEY.match(x) for x in (table, row, col)):
            raise ValueError(_("bad cell"))
        if action not in ("value", "confirm", "blank", "illegible", UNDO):
            raise ValueError(_("unknown action {action}").format(action=repr(action)))
        with self.lock, self.store.locked(exclusive=True) as fd:
            got = self.load(rid, fd)  # the cached report, unless another process rewrote the JSON
            if got is None:
                raise LookupError(rid)
            report = got.report
            try:
                cell = report.cell(table, row, col)
            except KeyError:
                raise ValueError(_("no such cell in this report")) from None
            value: int | float | None = None
            if action == UNDO:  # withdraws the cell's decision in force (a line of its own: nothing is erased)
                if cell.key not in latest(self.decisions(rid, fd)):
                    raise ValueError(_("nothing to undo: no decision on this cell is in force"))
            elif action == "value":
                if report.template is None:
                    raise ValueError(_("this report has no template"))
                value = check_value(get_template(report.template).table(table), col, parse_value(body.get("value", "")))
            elif action == "confirm":
                if cell.value is None:
                    raise ValueError(_("nothing to confirm: type the value, or mark the cell printed blank (b) "
                                       "or not legible (x)"))
                value = cell.value
            self.store.append(self._decision(rid, report, cell, action, value), fd)
            self._apply(rid, path, got, fd)
        out = self.payload(rid, pages=False)
        assert out is not None
        return out

    def _decision(self, rid: str, report: Report, cell: Cell, action: str, value: int | float | None) -> Decision:
        conflicts = (report.meta.get("review") or {}).get("conflicts") or {}
        name = f"{cell.table}.{cell.row}.{cell.col}"
        seen = [conflicts[name]["value"]] if isinstance(conflicts.get(name), dict) and \
            conflicts[name].get("value") is not None else []
        return Decision.make(doc_hash(rid), cell.table, cell.row, cell.col, action, value, old_value=cell.value,
                             old_status=cell.status, old_text=cell.text, reviewer=self.reviewer,
                             report=rid, source=report.source, seen=seen)

    def _choose(self, rid: str, path: Path, body: dict[str, Any]) -> None:
        """Settle reading issue ``body["issue"]`` (its index in the report's issues) by its alternative
        ``body["alt"]``: each cell it sets is decided (a value, or printed blank), all in one go."""
        try:
            k, j = int(body.get("issue")), int(body.get("alt"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(_("choose needs the issue's and the alternative's numbers")) from None
        with self.lock, self.store.locked(exclusive=True) as fd:
            got = self.load(rid, fd)
            if got is None:
                raise LookupError(rid)
            report = got.report
            if not (0 <= k < len(report.issues)) or report.issues[k].about != "reading" \
                    or not (0 <= j < len(report.issues[k].alternatives)):
                raise ValueError(_("no such alternative (the report changed: reload it)"))
            issue = report.issues[k]
            values = issue.alternatives[j].values
            if not values:
                raise ValueError(_("this alternative is to re-key the cells: type each value"))
            spec = get_template(report.template).table(issue.table) if report.template and issue.table else None
            todo = []
            for row, col, value in values:
                try:
                    cell = report.cell(str(issue.table), str(row), str(col))
                except KeyError:
                    raise ValueError(_("no such cell in this report")) from None
                if value is None:
                    todo.append(self._decision(rid, report, cell, "blank", None))
                else:
                    checked = check_value(spec, str(col), float(value)) if spec is not None else value
                    todo.append(self._decision(rid, report, cell, "value", checked))
            for decision in todo:
                self.store.append(decision, fd)
            self._apply(rid, path, got, fd)

    def _apply(self, rid: str, path: Path, got: Loaded, fd: int) -> None:
        """Apply the store's decisions to the report's JSON (under the store's lock)."""
        report = got.report
        decisions = self.store.for_doc(doc_hash(rid), fd)
        try:
            apply_decisions(report, decisions, fingerprint=digest(decisions))
            write_report_json(path, report.to_dict())
        finally:
            self.loaded.pop(rid, None)
        got.stamp = _stamp(path)
        self.loaded[rid] = got
        self._summarise(rid, report, got.stamp, set(latest(decisions)))
        self._last_decision = time.monotonic()
        self._dirty.set()

    def image(self, rid: str, page: int) -> bytes | None:
        """The JPEG of page ``page`` of report ``rid`` (rendered once, then read from the cache)."""
        got = self.load(rid)
        if got is None:
            return None
        views = self._views(rid, got)
        if got.source is None or not any(v.number == page for v in views):
            return None
        target = self.pages_dir / f"{rid}-p{page}-{self.image_dpi}.jpg"
        with contextlib.suppress(OSError):
            return target.read_bytes()
        with self.render_lock:
            with contextlib.suppress(OSError):
                return target.read_bytes()
            rendered = page_views(got.report, got.source, [page], image_dpi=self.image_dpi, quality=IMAGE_QUALITY)
        if not rendered or not rendered[0].uri:
            return None
        data = base64.b64decode(rendered[0].uri.split(",", 1)[1])
        with contextlib.suppress(OutputError, OSError):
            self.pages_dir.mkdir(parents=True, exist_ok=True)
            from govreport.output.export import atomic_path

            with atomic_path(target) as tmp:
                tmp.write_bytes(data)
        return data

    # -- exports --------------------------------------------------------------------------------------
    def _exports_stale(self) -> bool:
        try:
            newest = self.store.path.stat().st_mtime_ns
            return any(not (self.folder / e).exists() or (self.folder / e).stat().st_mtime_ns < newest
                       for e in EXPORTS)
        except OSError:
            return False

    def start_exporter(self) -> None:
        """Rebuild the exports in a separate process once no decision came for ``export_delay`` s."""
        self._exporter = threading.Thread(target=self._export_loop, name="govreport-verify-export", daemon=True)
        self._exporter.start()

    def _export_loop(self) -> None:
        while not self._stop.is_set():
            if not self._dirty.wait(0.5):
                continue
            if time.monotonic() - self._last_decision < self.export_delay:
                self._stop.wait(0.25)
                continue
            self._dirty.clear()
            self._export_subprocess()

    def _export_subprocess(self) -> None:
        cmd = [sys.executable, "-m", "govreport.verify.exports", str(self.folder)]
        try:
            self._export_proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.PIPE)
            _, err = self._export_proc.communicate()
            if self._export_proc.returncode == 0:
                self.exports_written += 1
            elif self._export_proc.returncode == BUSY:  # a batch is writing the folder: later
                self._stop.wait(self.export_delay)
                self._dirty.set()
            else:
                log.warning("exports not rebuilt: %s", err.decode("utf-8", "replace").strip()[-500:])
                self._dirty.set()
        except OSError as exc:
            log.warning("exports not rebuilt: %s", exc)
        finally:
            self._export_proc = None

    def close(self) -> bool:
        """Stop the exporter; rebuild the exports here if decisions came since. Returns whether it did."""
        self._stop.set()
        if self._exporter is not None:
            self._exporter.join()
        if self._dirty.is_set():
            try:
                with writing(self.folder, wait=CLOSE_WAIT_S):
                    export_dataset(self.folder)
            except OutputError as exc:
                log.warning("exports not rebuilt: %s (the batch rebuilds them when it finishes)", exc)
                return False
            self._dirty.clear()
            self.exports_written += 1
            return True
        return False


def _warm_up() -> None:
    """Import the LP solver now (0.4 s), not on the first decision that needs it."""
    with contextlib.suppress(ImportError):
        import scipy.optimize  # noqa: F401


def _sha16(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def _page_sizes(src: Path, numbers: list[int], report: Report) -> dict[int, tuple[float, float]]:
    """Each page's size in the units of its cells' boxes, read without rendering it."""
    unit_dpi = bbox_units(report)[1]
    out: dict[int, tuple[float, float]] = {}
    with src.open("rb") as fh:
        is_pdf = fh.read(5) == b"%PDF-"
    if is_pdf:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(src))
        try:
            for n in numbers:
                if 1 <= n <= len(doc):
                    w, h = doc[n - 1].get_size()  # with /Rotate applied, as rendering does
                    k = (unit_dpi or 72.0) / 72.0
                    out[n] = (w * k, h * k)
        finally:
            doc.close()
        return out
    from PIL import Image

    with Image.open(src) as im:
        for n in numbers:
            try:
                im.seek(n - 1)
            except EOFError:
                continue
            w, h = im.size
            orientation = im.getexif().get(0x0112, 1)
            out[n] = (float(h), float(w)) if orientation in (5, 6, 7, 8) else (float(w), float(h))
    return out


def _placeholder(n: int, cells: list[Cell], report: Report) -> PageView:
    """A page without its image: A4 at the boxes' resolution, big enough for every box."""
    res = bbox_units(report)[1] or 200.0
    w, h = 8.27 * res, 11.69 * res
    for c in cells:
        if c.bbox:
            w, h = max(w, c.bbox[2] * 1.05), max(h, c.bbox[3] * 1.05)
    return PageView(n, w, h, None)


# -- HTTP --------------------------------------------------------------------------------------------
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class Handler(BaseHTTPRequestHandler):
    """Routes under ``/t/<token>/``: ``""`` (the page), ``static/<name>``, ``api/queue``,
    ``api/report/<id>``, ``api/decide/<id>`` (POST) and ``img/<id>/<page>.jpg``."""

    server_version = "govreport-verify"
    sys_version = ""
    timeout = REQUEST_TIMEOUT  #: a connection silent this long is closed (a stalled client holds no thread)
    app: VerifyApp  # set on the subclass made by :func:`make_server`

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("verify: " + format, *args)

    # -- plumbing -------------------------------------------------------------------------------------
    def _send(self, code: int, body: bytes, ctype: str, cache: str = "no-store") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        for k, v in SECURITY_HEADERS.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, code: int, data: Any) -> None:
        self._send(code, json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8"),
                   "application/json; charset=utf-8")

    def _error(self, code: int, message: str) -> None:
        self._json(code, {"error": message})

    def _route(self) -> str | None:
        """The path after ``/t/<token>/``, or ``None`` (answered) when the request may not go on."""
        host = (self.headers.get("Host") or "").lower()
        port = self.server.server_address[1]
        if host not in (f"127.0.0.1:{port}", f"localhost:{port}"):
            self._error(403, "forbidden")
            return None
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        parts = path.split("/", 3)
        if len(parts) < 3 or parts[1] != "t" or not hmac.compare_digest(parts[2].encode(), self.app.token.encode()):
            self._error(403, "forbidden")
            return None
        if len(parts) == 3:
            self.send_response(308)
            self.send_header("Location", path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        rest = unquote(parts[3])
        if ".." in rest or "\\" in rest or "\x00" in rest or rest.startswith("/"):
            self._error(404, "not found")
            return None
        return rest

    # -- methods --------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        rest = self._route()
        if rest is None:
            return
        try:
            self._get(rest)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:
            log.warning("verify: GET %s failed: %s: %s", rest, type(exc).__name__, exc)
            log.debug("verify", exc_info=True)
            self._error(500, "internal error")

    do_HEAD = do_GET

    def _get(self, rest: str) -> None:
        app = self.app
        if rest == "":
            page = _page()
            self._send(200, page, "text/html; charset=utf-8")
        elif rest == "messages.js":
            self._send(200, _messages_js(), "text/javascript; charset=utf-8")
        elif rest.startswith("static/") and rest[7:] in STATIC:
            self._send(200, _static(rest[7:]), STATIC[rest[7:]], "private, max-age=60")
        elif rest == "api/queue":
            self._json(200, app.queue())
        elif rest.startswith("api/report/"):
            data = app.payload(rest[11:])
            if data is None:
                self._error(404, "no such report")
            else:
                self._json(200, data)
        elif rest.startswith("img/"):
            m = re.fullmatch(r"img/([^/]+)/(\d{1,4})\.jpg", rest)
            img = app.image(m.group(1), int(m.group(2))) if m else None
            if img is None:
                self._error(404, "no such page image")
            else:
                self._send(200, img, "image/jpeg", "private, max-age=3600")
        else:
            self._error(404, "not found")

    def do_POST(self) -> None:
        rest = self._route()
        if rest is None:
            return
        try:
            length = int(self.headers.get("Content-Length") or -1)
        except ValueError:
            length = -1
        if length < 0:
            self._error(411, "a Content-Length is needed")
            return
        if length > MAX_BODY:
            self.close_connection = True
            self._error(413, f"request body over {MAX_BODY} bytes")
            return
        ctype = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        body = self.rfile.read(length)
        if ctype != "application/json":
            self._error(415, "send application/json")
            return
        if not rest.startswith("api/decide/"):
            self._error(404, "not found")
            return
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("send a JSON object")
            self._json(200, self.app.decide(rest[11:], data))
        except LookupError:
            self._error(404, "no such report")
        except ValueError as exc:
            self._error(400, str(exc))
        except RecursionError:  # a JSON body nested thousands deep
            self._error(400, "the JSON body is nested too deeply")
        except GovreportError as exc:
            self._error(500, str(exc))
        except Exception as exc:
            log.warning("verify: POST %s failed: %s: %s", rest, type(exc).__name__, exc)
            log.debug("verify", exc_info=True)
            self._error(500, "internal error")


class _Server(ThreadingHTTPServer):
    """A client that goes away (a closed tab, a timed-out connection) is logged at debug level, not
    printed as a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("verify: connection from %s ended: %s", client_address, sys.exc_info()[1])


def make_server(app: VerifyApp, port: int = 0) -> ThreadingHTTPServer:
    """A server for ``app`` on 127.0.0.1 (``port`` 0: any free port)."""
    handler = type("BoundHandler", (Handler,), {"app": app})
    server = _Server(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def url_of(server: ThreadingHTTPServer, app: VerifyApp) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/t/{app.token}/"


@contextlib.contextmanager
def running(app: VerifyApp, port: int = 0) -> Iterator[str]:
    """Serve ``app`` in a thread for the ``with`` block; yields its URL (for tests and benchmarks)."""
    server = make_server(app, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield url_of(server, app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
