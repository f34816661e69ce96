"""Find the reports of a batch: files, folders (recursively), globs and ``.zip`` archives.

Zip members are read into memory, member by member, never extracted by their own names: a member
called ``../evil.txt`` or ``/etc/passwd`` is only ever a string in a report's ``source``. Symlink
and encrypted members are refused, and every member is bounded by ``settings.max_bytes`` both by its
declared size and by the bytes actually inflated (zip bombs).

Each input gets a stable id, ``<first 16 hex of sha256(content)>-<sanitized stem>``:

>>> safe_stem("../../年度报告 (2024).PDF")
'年度报告_2024'
>>> make_id(b"abc", "a b.txt")
'ba7816bf8f01cfea-a_b'
"""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import logging
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from govreport.errors import BadInputError, GovreportError, InputNotFoundError, TooLargeError
from govreport.names import display, zip_member_name
from govreport.settings import ExtractSettings
from govreport.sources import sniff

log = logging.getLogger("govreport")

_GLOB_CHARS = re.compile(r"[*?\[]")
_UNSAFE = re.compile(r"[^\w\-]+")
_CHUNK = 1 << 20
MAX_MEMBERS = 100_000  #: refuse archives listing more members than this
OPEN_ARCHIVES = 4  #: archives a process keeps open


@dataclass(frozen=True, slots=True)
class Item:
    """One document to extract: a file on disk, or a member of a zip archive.

    ``source`` is what the report's JSON calls it (``a/b.pdf``, ``x.zip!dir/c.docx``); ``id`` is
    the stable output name; ``kind`` is :func:`govreport.sources.sniff`'s guess from the first bytes.
    """

    id: str
    source: str
    path: str  #: the file on disk, or the archive holding the member
    member: str | None = None
    size: int = 0
    kind: str = "text"
    sha256: str = ""

    @property
    def suffix(self) -> str:
        """The original (lower-cased) suffix, sanitized: used for the temporary copy's name."""
        name = self.member if self.member is not None else self.path
        suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
        return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


@dataclass(frozen=True, slots=True)
class Problem:
    """An input that could not be turned into an :class:`Item` (missing, unsafe, too large)."""

    id: str
    source: str
    error: GovreportError


def safe_stem(name: str, limit: int = 40) -> str:
    """The file name's stem reduced to letters, digits, ``_`` and ``-`` (any script), at most ``limit``."""
    base = PurePosixPath(name.replace("\\", "/")).name
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFKC", stem)).strip("_-")
    return stem[:limit].rstrip("_-") or "report"


def make_id(content: bytes | str, name: str) -> str:
    """``<16 hex of sha256>-<safe stem>``; ``content`` may be a sha256 hex digest already."""
    digest = content if isinstance(content, str) else hashlib.sha256(content).hexdigest()
    return f"{digest[:16]}-{safe_stem(name)}"


def _problem(source: str, error: GovreportError) -> Problem:
    digest = hashlib.sha256(("input:" + source).encode("utf-8", "surrogateescape")).hexdigest()
    return Problem(f"x{digest[:15]}-{safe_stem(source)}", source, error)


def is_archive(path: Path) -> bool:
    """A ``.zip`` file (``.docx`` and friends are zips too, but they are reports)."""
    return path.suffix.lower() == ".zip" and path.is_file() and zipfile.is_zipfile(path)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def read_member(archive: str | Path, member: str, settings: ExtractSettings) -> bytes:
    """A zip member's bytes, refusing symlinks, encryption and anything over ``settings.max_bytes``.
    The archive is opened once per process (:func:`open_archive`), not once per member."""
    try:
        zf = open_archive(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInputError(f"{archive}: corrupt zip archive ({exc})") from None
    try:
        info = zf.getinfo(member)
    except KeyError:
        raise InputNotFoundError(f"{archive}!{member}: no such member") from None
    return _read_info(zf, info, f"{archive}!{member}", settings)


def open_archive(path: str | Path) -> zipfile.ZipFile:
    """The open :class:`zipfile.ZipFile` of ``path`` for this process: its central directory (100,000
    members take a second to list) is read once, and again only if the file changes."""
    st = os.stat(path)
    key = (os.fspath(path), st.st_size, st.st_mtime_ns, st.st_ino)
    cached = _ARCHIVES.get(key[0])
    if cached is not None and cached[0] == key:
        return cached[1]
    if cached is not None:
        cached[1].close()
    zf = zipfile.ZipFile(path)
    if len(_ARCHIVES) >= OPEN_ARCHIVES:
        _ARCHIVES.pop(next(iter(_ARCHIVES)))[1].close()
    _ARCHIVES[key[0]] = (key, zf)
    return zf


_ARCHIVES: dict[str, tuple[tuple[Any, ...], zipfile.ZipFile]] = {}


def _read_info(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str, settings: ExtractSettings) -> bytes:
    limit = settings.max_bytes
    if _is_symlink(info):
        raise BadInputError(f"{source}: the zip member is a symbolic link; skipped")
    if info.flag_bits & 0x1:
        raise BadInputError(f"{source}: the zip member is encrypted")
    if info.file_size > limit:
        raise TooLargeError(f"{source}: {info.file_size} bytes is over the {limit}-byte limit")
    chunks: list[bytes] = []
    total = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(min(_CHUNK, limit + 1 - total))
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    raise TooLargeError(f"{source}: inflates past the {limit}-byte limit (declared "
                                        f"{info.file_size} bytes)")
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise BadInputError(f"{source}: corrupt zip member ({exc})") from None
    return b"".join(chunks)


def read_file(path: str | Path, settings: ExtractSettings) -> bytes:
    """A file's bytes, refusing anything over ``settings.max_bytes``."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(settings.max_bytes + 1)
    except FileNotFoundError:
        raise InputNotFoundError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputNotFoundError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > settings.max_bytes:
        raise TooLargeError(f"{path}: over the {settings.max_bytes}-byte limit")
    return data


def read_item(item: Item, settings: ExtractSettings) -> bytes:
    """The bytes of ``item`` (a file, or a zip member read into memory)."""
    if item.member is None:
        return read_file(item.path, settings)
    return read_member(item.path, item.member, settings)


def _hash_file(path: Path, settings: ExtractSettings) -> tuple[str, int, bytes]:
    h = hashlib.sha256()
    size = 0
    head = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if not head:
                head = chunk[:8192]
            size += len(chunk)
            if size > settings.max_bytes:
                raise TooLargeError(f"{path}: over the {settings.max_bytes}-byte limit")
            h.update(chunk)
    return h.hexdigest(), size, head


def _file_item(path: Path, settings: ExtractSettings) -> Item | Problem:
    source = str(path)
    try:
        digest, size, head = _hash_file(path, settings)
    except GovreportError as exc:
        return _problem(source, exc)
    except OSError as exc:
        return _problem(source, InputNotFoundError(f"{path}: cannot be read ({exc.strerror or exc})"))
    return Item(make_id(digest, path.name), source, str(path), None, size, sniff(head, path.name), digest)


def excluded(name: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``name`` (a path, or a zip member) matches one of the glob ``patterns`` by its file
    name or its whole path.

    >>> excluded("a/b.truth.json", ("*.truth.json",)), excluded("a/b.txt", ("*.truth.json",))
    (True, False)
    """
    posix = name.replace("\\", "/")
    base = posix.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(base, p) or fnmatch.fnmatch(posix, p) for p in patterns)


def _archive_items(path: Path, settings: ExtractSettings, exclude: tuple[str, ...] = ()) -> Iterator[Item | Problem]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield _problem(str(path), BadInputError(f"{path}: corrupt zip archive ({exc})"))
        return
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_MEMBERS:
            yield _problem(str(path), TooLargeError(f"{path}: {len(infos)} members is over {MAX_MEMBERS}"))
            return
        for info in sorted(infos, key=lambda i: zip_member_name(i)):
            name = zip_member_name(info)
            source = f"{path}!{name}"
            base = PurePosixPath(name.replace("\\", "/")).name
            if base.startswith(".") or name.startswith("__MACOSX/") or excluded(name, exclude):
                continue
            try:
                data = _read_info(zf, info, source, settings)
            except GovreportError as exc:
                yield _problem(source, exc)
                continue
            if not data:
                yield _problem(source, BadInputError(f"{source}: the file is empty"))
                continue
            digest = hashlib.sha256(data).hexdigest()
            yield Item(make_id(digest, base), source, str(path), info.filename, len(data),
                       sniff(data[:8192], base), digest)


def _walk(folder: Path, skip: Path | None) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (skip is None or
                                                                        _resolve(here / d) != skip))
        for name in sorted(files):
            if not name.startswith(".") and not name.startswith("~$"):
                yield here / name


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path.absolute()


def discover(inputs: list[str | Path], settings: ExtractSettings, skip: Path | None = None,
             exclude: tuple[str, ...] = ()) -> Iterator[Item | Problem]:
    """Every document under ``inputs``, in a stable order; ``skip`` is a folder to leave out (the output),
    ``exclude`` glob patterns of names to leave out (see :func:`excluded`).

    Hidden files and folders are ignored; an input that matches nothing is a :class:`Problem`.
    """
    skip = _resolve(Path(skip)) if skip is not None else None
    for raw in inputs:
        text = str(raw)
        if "\x00" in text:
            yield _problem(text.replace("\x00", "\\0"), BadInputError(f"{text!r}: a path cannot hold a NUL character"))
            continue
        path = Path(text)
        given = False
        if path.is_dir():
            paths: list[Path] = list(_walk(path, skip))
        elif path.exists() or path.is_symlink():
            paths, given = [path], True
        elif _GLOB_CHARS.search(text):
            paths = []
            for hit in sorted(glob.glob(text, recursive=True)):
                p = Path(hit)
                paths.extend(_walk(p, skip) if p.is_dir() else [p])
            if not paths:
                yield _problem(text, InputNotFoundError(f"{text}: no file matches"))
        else:
            yield _problem(text, InputNotFoundError(f"{text}: no such file or folder"))
            continue
        paths = [p for p in paths if not ((skip is not None and _resolve(p).is_relative_to(skip))
                                          or excluded(str(p), exclude))]
        for p in paths if given else with_page_folders(paths):
            if p.is_dir():  # a folder of one report's page images: one document
                yield _folder_item(p, settings)
                continue
            what = not_regular(p)
            if what is not None:  # opening a FIFO would wait forever, a device never ends
                if given:
                    yield _problem(str(p), BadInputError(f"{p}: is {what}, not a regular file"))
                else:
                    log.warning("%s: is %s, not a regular file; skipped", display(str(p)), what)
                continue
            if is_archive(p):
                yield from _archive_items(p, settings, exclude)
            else:
                yield _file_item(p, settings)


def with_page_folders(paths: list[Path]) -> list[Path]:
    """``paths`` with the files of each folder that holds one report's page images
    (:func:`govreport.page_folder.is_page_folder`) replaced by the folder, where its first file was."""
    from govreport.page_folder import is_page_folder

    by_dir: dict[Path, list[Path]] = {}
    for p in paths:
        by_dir.setdefault(p.parent, []).append(p)
    pages = {d for d, files in by_dir.items() if is_page_folder(d, files)}
    out: list[Path] = []
    for p in paths:
        if p.parent in pages:
            if p.parent not in out:
                out.append(p.parent)
        else:
            out.append(p)
    return out


def _folder_item(folder: Path, settings: ExtractSettings) -> Item | Problem:
    from govreport.page_folder import folder_digest, page_files

    try:
        files = page_files(folder, settings)
        digest, size = folder_digest(files)
    except GovreportError as exc:
        return _problem(str(folder), exc)
    except OSError as exc:
        return _problem(str(folder), InputNotFoundError(f"{folder}: cannot be read ({exc.strerror or exc})"))
    return Item(make_id(digest, folder.name), str(folder), str(folder), None, size, "image", digest)


def not_regular(path: Path) -> str | None:
    """What ``path`` is when it is no regular file (``a named pipe``, ...); ``None`` for a regular
    file, and for a path that cannot be looked at (reading it says why)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    return ("a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device")
