"""A batch folder is govreport's own: claimed once, never shared with the user's files, written
under one lock.

- :func:`claim`: ``--out`` must be a new or empty folder, or one govreport made (it holds
  :data:`MARKER`, or the ``manifest.jsonl`` of an older version). A folder holding anything else,
  a folder that is one of the inputs, or one that holds an input is refused with a usage error
  (exit 2) before anything is read or written: govreport never writes among the user's files.
- :func:`writing`: the folder's lock (``DIR/.lock``, ``flock``). A batch holds it for its whole
  run, ``--export-only`` and the review app's export rebuilds while they write; a second writer is
  refused (``OutputError``, exit 8) or, when asked to, waits. Report JSONs are rewritten under the
  reviewers' lock (:meth:`govreport.verify.store.CorrectionStore.locked`), which every writer of a
  JSON takes inside this one.
- :func:`clean_parts`: temporary ``.NAME.XXXXXXXX.part`` files a killed run left behind.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "dataset"
>>> claim(out, []); sorted(p.name for p in out.iterdir())
['.govreport']
>>> with writing(out): pass
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from govreport.errors import OutputError, UsageError
from govreport.names import display

MARKER = ".govreport"  #: written in a folder govreport claimed for a batch
LOCK = ".lock"
LEGACY = ("manifest.jsonl",)  #: what an older version's batch folder holds
_PART = re.compile(r"^\.[^/]+\.[A-Za-z0-9_]{8}\.part$")
_HELD: dict[Path, int] = {}  #: folders whose lock this process holds, and how many times


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def is_dataset(folder: Path) -> bool:
    """Whether ``folder`` is a batch folder govreport made."""
    return any((folder / name).exists() for name in (MARKER, *LEGACY))


def claim(out: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Make ``out`` the batch folder for ``inputs``, or refuse (module docstring)."""
    out = Path(out)
    real = _resolve(out)
    for raw in inputs:
        text = os.fspath(raw)
        if "\x00" in text:
            continue
        given = _resolve(Path(text)) if Path(text).exists() else None
        if given is None:
            continue
        if given == real:
            raise UsageError(f"{display(str(out))}: --out is one of the inputs; give a new folder for the dataset")
        if given.is_relative_to(real):
            raise UsageError(f"{display(str(out))}: --out holds the input {display(text)}; give a new folder for "
                             "the dataset")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{display(str(out))}: --out is a file, not a folder")
    if out.is_dir() and not is_dataset(out):
        try:
            mine = next(iter(out.iterdir()), None)
        except OSError as exc:
            raise OutputError(f"{display(str(out))}: cannot read ({exc.strerror or exc})") from None
        if mine is not None:
            raise UsageError(f"{display(str(out))}: --out holds files govreport did not write (such as "
                             f"{display(mine.name)}); give a new or empty folder: govreport never writes among "
                             "your files")
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not (out / MARKER).exists():
            (out / MARKER).write_text("a dataset folder written by govreport batch\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{display(str(out / MARKER))}: cannot write ({exc.strerror or exc})") from None


@contextlib.contextmanager
def writing(folder: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold ``folder``'s lock (re-entrant within this process); wait up to ``wait`` seconds for it,
    then refuse with an :class:`OutputError` (exit 8)."""
    key = _resolve(Path(folder))
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    path = Path(folder) / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise OutputError(f"{display(str(path))}: cannot write ({exc.strerror or exc})") from None
    try:
        _acquire(fd, folder, wait)
        _HELD[key] = 1
        try:
            yield
        finally:
            del _HELD[key]
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _acquire(fd: int, folder: Path, wait: float) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError:
            if time.monotonic() >= deadline:
                raise OutputError(f"{display(str(folder))}: another govreport process (a batch, --export-only or "
                                  "the review app's exports) is writing this folder; try again when it has "
                                  "finished") from None
            time.sleep(0.1)


def clean_parts(folder: Path, *subfolders: str) -> int:
    """Remove the temporary ``.part`` files a killed run left in ``folder`` (and ``subfolders``);
    call it holding :func:`writing`. Returns how many went."""
    gone = 0
    for where in (Path(folder), *(Path(folder) / s for s in subfolders)):
        try:
            names = [e.name for e in os.scandir(where) if e.is_file(follow_symlinks=False)]
        except OSError:
            continue
        for name in names:
            if _PART.match(name):
                with contextlib.suppress(OSError):
                    (where / name).unlink()
                    gone += 1
    return gone
