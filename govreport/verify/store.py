"""``DATASET/corrections.jsonl``: every reviewer decision, one JSON line each, append-only.

A decision is written as one ``os.write`` of a whole line to a file opened with ``O_APPEND``, under an
exclusive advisory lock (``fcntl.flock``), and fsynced before it is acknowledged: a server killed at
any moment loses nothing it had accepted, and two servers (or a server and a batch) on one folder
never interleave their lines. A line cut short by a crash is ignored, with a warning, on reading; the
next append starts on a fresh line, so the torn fragment never spoils a good one.

>>> import tempfile, pathlib
>>> store = CorrectionStore(pathlib.Path(tempfile.mkdtemp()))
>>> d = Decision.make("0123456789abcdef", "appeals", "review", "total", "value", 3, old_value=8,
...                   old_status="read", reviewer="ann")
>>> store.append(d)
>>> [(x.key, x.value, x.status) for x in store.decisions()]
[(('appeals', 'review', 'total'), 3, 'verified')]

An ``undo`` line withdraws the cell's last decision in force (the one before it, if any, is in force
again; with none left the cell is what the extraction gave): nothing is ever erased from the file.
"""

from __future__ import annotations

import contextlib
import datetime
import getpass
import hashlib
import json
import logging
import math
import os
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from govreport.errors import OutputError

log = logging.getLogger("govreport")

CORRECTIONS = "corrections.jsonl"
#: what a reviewer can decide about a cell, and the status the cell gets
ACTIONS = {"value": "verified", "confirm": "verified", "blank": "blank", "illegible": "masked"}
UNDO = "undo"  #: withdraws the cell's last decision in force (see :func:`latest`)
DOC_HASH = re.compile(r"^[0-9a-f]{16}$")
MAX_LINE = 64 * 1024  #: a decision line longer than this is refused (and ignored on reading)
FORMAT = 1


def default_reviewer() -> str:
    """The OS user's name (``unknown`` where the platform cannot say)."""
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # no such user in a container, no environment variable
        return "unknown"


def utc_now() -> str:
    """The current UTC time as ISO 8601 with milliseconds and a ``Z``."""
    now = datetime.datetime.now(datetime.UTC)
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def doc_hash(report_id: str) -> str:
    """The document's hash from a batch report id (``<16 hex of sha256>-<stem>``); ``""`` if none.

    >>> doc_hash("ba7816bf8f01cfea-a_b"), doc_hash("notes")
    ('ba7816bf8f01cfea', '')
    """
    head = report_id.split("-", 1)[0]
    return head if DOC_HASH.match(head) else ""


@dataclass(frozen=True, slots=True)
class Decision:
    """One reviewer decision about one cell of one document."""

    doc: str  #: 16 hex of the document's sha256 (the first part of its batch report id)
    table: str
    row: str
    col: str
    action: str  #: ``value`` (typed), ``confirm`` (the value shown), ``blank`` (printed blank), ``illegible``, ``undo``
    value: int | float | None  #: the value the cell takes (``None`` for blank, illegible and undo)
    old_value: int | float | None = None
    old_status: str | None = None
    old_text: str | None = None  #: what the tool read there
    reviewer: str = ""
    time: str = ""  #: UTC, ISO 8601
    report: str | None = None  #: the report id it was made on
    source: str | None = None
    seen: tuple[int | float, ...] = field(default=())  #: extraction values the reviewer overruled knowingly

    @classmethod
    def make(cls, doc: str, table: str, row: str, col: str, action: str, value: int | float | None = None,
             **fields: Any) -> Decision:
        """A decision stamped now, by ``reviewer`` (default: the OS user)."""
        if action not in ACTIONS and action != UNDO:
            raise ValueError(f"unknown action {action!r} (one of {', '.join(ACTIONS)}, {UNDO})")
        if action in ("blank", "illegible", UNDO):
            value = None
        elif value is None:
            raise ValueError(f"{action}: a value is needed")
        fields.setdefault("reviewer", default_reviewer())
        fields.setdefault("time", utc_now())
        fields["seen"] = tuple(fields.get("seen") or ())
        return cls(doc, table, row, col, action, value, **fields)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table, self.row, self.col)

    @property
    def status(self) -> str:
        """The status the cell gets: ``verified``, ``blank`` or ``masked`` (``""`` for an undo)."""
        return ACTIONS.get(self.action, "")

    def to_json(self) -> str:
        data = {"v": FORMAT, **asdict(self)}
        data["seen"] = list(self.seen)
        if not data["seen"]:
            del data["seen"]
        return json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False)

    @classmethod
    def from_json(cls, line: str | bytes) -> Decision:
        """Parse one line; ``ValueError`` if it is not a well-formed decision."""
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        try:
            out = cls(str(data["doc"]), str(data["table"]), str(data["row"]), str(data["col"]), str(data["action"]),
                      _number(data.get("value")), _number(data.get("old_value")), _opt(data.get("old_status")),
                      _opt(data.get("old_text")), str(data.get("reviewer") or ""), str(data.get("time") or ""),
                      _opt(data.get("report")), _opt(data.get("source")),
                      tuple(v for v in map(_number, data.get("seen") or ()) if v is not None))
        except KeyError as exc:
            raise ValueError(f"no {exc.args[0]!r}") from None
        if out.action not in ACTIONS and out.action != UNDO:
            raise ValueError(f"unknown action {out.action!r}")
        if (out.value is None) != (out.action in ("blank", "illegible", UNDO)):
            raise ValueError(f"{out.action} with value {out.value!r}")
        return out


def _number(v: Any) -> int | float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"not a number: {v!r}")
    if isinstance(v, float) and not math.isfinite(v):  # 1e999 and NaN parse, but are no cell's value
        raise ValueError(f"not a finite number: {v!r}")
    return v


def _opt(v: Any) -> str | None:
    return None if v is None else str(v)


def in_force(decisions: Sequence[Decision]) -> list[bool]:
    """For each decision (file order), whether it is in force now: the last one written for its cell
    that no ``undo`` has withdrawn. An ``undo`` withdraws the cell's last decision still in force, so
    two undos after three decisions leave the first in force; an undo line itself is never in force.

    >>> ds = [Decision.make("", "t", "r", "c", a, v, reviewer="x", time="t")
    ...       for a, v in (("value", 1), ("value", 2), ("undo", None), ("value", 3), ("undo", None))]
    >>> in_force(ds)
    [True, False, False, False, False]
    """
    stacks: dict[tuple[str, str, str], list[int]] = {}
    for n, d in enumerate(decisions):
        stack = stacks.setdefault(d.key, [])
        if d.action == UNDO:
            if stack:
                stack.pop()
        else:
            stack.append(n)
    tops = {s[-1] for s in stacks.values() if s}
    return [n in tops for n in range(len(decisions))]


def latest(decisions: Iterable[Decision]) -> dict[tuple[str, str, str], Decision]:
    """The decision in force for each cell (see :func:`in_force`), in the order they were written;
    a cell whose decisions were all withdrawn has none."""
    ds = list(decisions)
    return {d.key: d for d, live in zip(ds, in_force(ds), strict=True) if live}


def digest(decisions: Sequence[Decision]) -> str:
    """A short fingerprint of a document's decisions (to tell whether its JSON has them all)."""
    h = hashlib.sha256()
    for d in decisions:
        h.update(d.to_json().encode("utf-8") + b"\n")
    return h.hexdigest()[:16]


@contextlib.contextmanager
def _locked(fd: int, exclusive: bool) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks; appends stay whole lines
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


class CorrectionStore:
    """The decisions of one dataset folder, read incrementally (only what was appended since)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.path = self.folder / CORRECTIONS
        self._decisions: list[Decision] = []
        self._by_doc: dict[str, list[Decision]] = {}
        self._offset = 0
        self._ino: int | None = None
        self._mem = threading.Lock()  #: taken inside the file lock only, never while waiting for it

    # -- writing --------------------------------------------------------------------------------
    def append(self, decision: Decision, fd: int | None = None) -> None:
        """Append one decision durably (see the module docstring); ``OutputError`` if it cannot.
        ``fd``: the descriptor of a :meth:`locked` block the caller holds."""
        line = decision.to_json().encode("utf-8") + b"\n"
        if len(line) > MAX_LINE:
            raise OutputError(f"{self.path}: a decision over {MAX_LINE} bytes is refused")
        if fd is None:
            with self.locked(exclusive=True) as held:
                self.append(decision, held)
            return
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # a torn line from a crash: start on a fresh line
            written = os.write(fd, line)
            os.fsync(fd)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write ({exc.strerror or exc})") from None
        if written != len(line):
            raise OutputError(f"{self.path}: short write ({written} of {len(line)} bytes; disk full?)")
        self._read_new(fd)

    @contextlib.contextmanager
    def locked(self, exclusive: bool = True) -> Iterator[int]:
        """Hold the corrections lock (the file's own ``flock``); yields the file descriptor. Writers
        of report JSONs hold it too, so two servers never write one report at once."""
        created = not self.path.exists()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot open ({exc.strerror or exc})") from None
        try:
            if created:
                _fsync_dir(self.folder)
            with _locked(fd, exclusive):
                yield fd
        finally:
            os.close(fd)

    # -- reading --------------------------------------------------------------------------------
    def decisions(self, fd: int | None = None) -> list[Decision]:
        """Every well-formed decision in file order (re-reading only what was appended since).

        ``fd``: the descriptor :meth:`locked` yields, for reading while holding the lock (``flock``
        locks of one process on two descriptors of one file would wait for each other).
        """
        if fd is not None:
            self._read_new(fd)
            with self._mem:
                return list(self._decisions)
        if not self.path.exists():
            self._decisions, self._by_doc, self._offset, self._ino = [], {}, 0, None
            return []
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            log.warning("%s: cannot read (%s)", self.path, exc.strerror or exc)
            return list(self._decisions)
        try:
            with _locked(fd, exclusive=False):
                self._read_new(fd)
                with self._mem:
                    return list(self._decisions)
        finally:
            os.close(fd)

    def _read_new(self, fd: int) -> None:
        with self._mem:
            self._read_new_unlocked(fd)

    def _read_new_unlocked(self, fd: int) -> None:
        st = os.fstat(fd)
        if st.st_ino != self._ino or st.st_size < self._offset:  # replaced or truncated: read it all again
            self._decisions, self._by_doc, self._offset, self._ino = [], {}, 0, st.st_ino
        if st.st_size == self._offset:
            return
        data = os.pread(fd, st.st_size - self._offset, self._offset)
        lines = data.split(b"\n")
        tail = lines.pop()  # b"" when the file ends with a newline
        for n, raw in enumerate(lines):
            if not raw.strip():
                continue
            try:
                if len(raw) > MAX_LINE:
                    raise ValueError("line too long")
                d = Decision.from_json(raw)
                self._decisions.append(d)
                self._by_doc.setdefault(d.doc, []).append(d)
            except (ValueError, UnicodeDecodeError) as exc:
                log.warning("%s: ignoring a malformed line near byte %d (%s)", self.path,
                            self._offset + sum(len(x) + 1 for x in lines[:n]), exc)
        if tail.strip():
            # held under the lock, a line without its newline is one a crash cut short
            log.warning("%s: ignoring an incomplete last line (%d bytes; cut short by a crash?)", self.path, len(tail))
        self._offset = st.st_size

    def by_doc(self, fd: int | None = None) -> dict[str, list[Decision]]:
        """Decisions grouped by document hash, each list in file order."""
        self.decisions(fd)
        with self._mem:
            return {k: list(v) for k, v in self._by_doc.items()}

    def for_doc(self, doc: str, fd: int | None = None) -> list[Decision]:
        self.decisions(fd)
        with self._mem:
            return list(self._by_doc.get(doc, ()))


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
