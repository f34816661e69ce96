"""When a report was signed or published, and whether that met 条例 art. 49's deadline.

``find_dates(text)`` reads the dates a report prints: ``published`` (a web page's 发布日期/发布时间 line)
and ``signed`` (the date under the closing signature, or in brackets under the title). Nothing is
guessed: a report that prints no date has none, and the check says so.

``check_deadline`` compares the best date at hand (a ``--meta`` CSV's date, else ``published``, else
``signed``) with art. 49: departments by 31 January, governments (县级以上) by 31 March of the next year.
A body whose kind its name does not settle is late only if it is late under both.

>>> d = find_dates("某局2024年报告\\n发布日期：2025-01-20\\n……\\n某局\\n二〇二五年一月十八日")
>>> d["published"], d["signed"]["date"]
({'date': '2025-01-20', 'text': '发布日期:2025-01-20'}, '2025-01-18')
>>> c = check_deadline(2024, "临江市生态环境局", {"signed": {"date": "2025-02-03", "text": "2025年2月3日"}})
>>> c.status, c.deadline, c.findings[0].severity
('late', '2025-01-31', 'error')
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govreport.checks.cn_numbers import cn_to_int
from govreport.checks.findings import Finding, quote
from govreport.checks.rules import body_kind, rules
from govreport.i18n import N_, _

HEAD_CHARS = 2000  #: a web page's 发布日期 is looked for this far into the text
SIGN_LINES = 12  #: the closing date is looked for in this many last lines
TITLE_LINES = 8  #: a date in brackets under the title, this many first lines

_CN_DIGIT = "〇○零一二三四五六七八九"
_CJK_DATE = (rf"(?P<y>(?:19|20)\d\d|[{_CN_DIGIT}]{{4}})\s*年\s*(?P<m>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月\s*"
             r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日")
_ISO_DATE = r"(?P<y2>(?:19|20)\d\d)\s*[-/.]\s*(?P<m2>\d{1,2})\s*[-/.]\s*(?P<d2>\d{1,2})(?!\d)"
_DATE = re.compile(f"{_CJK_DATE}|{_ISO_DATE}")
_PUBLISHED = re.compile(rf"(?:发布|公开|发文|成文|印发|更新|上传)\s*(?:日期|时间|于)\s*[:：]?\s*"
                        rf"(?:{_CJK_DATE}|{_ISO_DATE})")
_DATE_ONLY = re.compile(rf"^[(（\[【]?\s*(?:{_CJK_DATE}|{_ISO_DATE})\s*[)）\]】]?$")
_TIME_SUFFIX = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2})?$")


def _num(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if len(s) == 4 and all(c in _CN_DIGIT for c in s):  # 二〇二五
        return int("".join(str(max(0, _CN_DIGIT.index(c) - 2)) for c in s))
    return cn_to_int(s)


def _date(m: re.Match[str]) -> dt.date | None:
    g = m.groupdict()
    y, mo, d = (g["y"], g["m"], g["d"]) if g.get("y") else (g["y2"], g["m2"], g["d2"])
    parts = [_num(x) for x in (y, mo, d)]
    if any(p is None for p in parts):
        return None
    try:
        return dt.date(*parts)  # type: ignore[arg-type]
    except ValueError:
        return None


def parse_date(text: str) -> dt.date | None:
    """The first date in ``text`` (2025年1月20日, 二〇二五年一月二十日, 2025-01-20, 2025/1/20, 2025.1.20).

    >>> parse_date("2025年1月20日"), parse_date("2025/1/32"), parse_date("二〇二一年十二月三十一日")
    (datetime.date(2025, 1, 20), None, datetime.date(2021, 12, 31))
    """
    m = _DATE.search(unicodedata.normalize("NFKC", text))
    return _date(m) if m else None


def find_dates(text: str) -> dict[str, dict[str, str]]:
    """``{"published": {"date", "text"}, "signed": {"date", "text"}}``, with only the dates printed."""
    text = unicodedata.normalize("NFKC", text)
    out: dict[str, dict[str, str]] = {}
    m = _PUBLISHED.search(text[:HEAD_CHARS])
    if m and (d := _date(m)):
        out["published"] = {"date": d.isoformat(), "text": re.sub(r"\s+", "", m.group(0))}
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in [*reversed(lines[-SIGN_LINES:]), *lines[:TITLE_LINES]]:
        ln = _TIME_SUFFIX.sub("", ln)
        m = _DATE_ONLY.match(ln)
        if m and (d := _date(m)):
            out["signed"] = {"date": d.isoformat(), "text": ln}
            break
    return out


@dataclass(slots=True)
class DeadlineCheck:
    """What the deadline check found for one report (``status``: on_time, late, unknown, not_checked)."""

    kind: str | None
    status: str
    date: str | None = None
    date_source: str | None = None  #: meta, published or signed
    evidence: str | None = None
    deadline: str | None = None
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "status": self.status, "date": self.date, "date_source": self.date_source,
                "evidence": self.evidence, "deadline": self.deadline}


_SOURCE_WORD = {"meta": N_("given in the metadata CSV as"), "published": N_("published"), "signed": N_("signed")}
_KIND_WORD = {"township_government": N_("township government"), "subdistrict": N_("subdistrict")}


def check_deadline(year: int | None, agency: str | None, dates: dict[str, dict[str, str]] | None,
                   meta_date: str | None = None, kind: str | None = None) -> DeadlineCheck:
    """The report's date against art. 49 (``meta_date``: ISO date from ``--meta``; ``kind`` overrides the
    kind of body read from ``agency``).

    One decision table (which deadline applies, which date is known, how late) read top to bottom;
    split, its cases would have to pass the same half-dozen facts around"""
    r = rules()
    kind = kind or body_kind(agency)
    src = r.deadline_source
    chosen: tuple[str, str, str] | None = None  # source, iso date, evidence
    if meta_date:
        chosen = ("meta", meta_date, f"--meta: {meta_date}")
    else:
        for key in ("published", "signed"):
            if dates and key in dates:
                chosen = (key, dates[key]["date"], dates[key]["text"])
                break
    res = DeadlineCheck(kind, "not_checked")

    def note(severity: str, message: str, evidence: str | None = None) -> None:
        res.findings.append(Finding("deadline", severity, message, rule="art49", source=src, evidence=evidence))

    if chosen is not None:
        res.date_source, res.date, res.evidence = chosen
    if year is None:
        note("info", _("the report's year is not known: the deadline was not checked"))
        return res
    if year < r.deadline_from_year:
        note("info", _("a report for {year} predates the 2019 revision's deadlines: not checked").format(year=year))
        return res
    if chosen is None:
        res.status = "unknown"
        note("info", _("no signing or publication date is printed in the report (and none was given with --meta): "
                       "the deadline was not checked"))
        return res
    source, iso, evidence = chosen
    when = dt.date.fromisoformat(iso)
    said = _("{how} {date} ({quote})").format(how=_(_SOURCE_WORD[source]), date=iso, quote=quote(evidence, 60))
    if when < dt.date(year + 1, 1, 1):
        note("warning", _("{said}: before the end of the year {year} it reports on").format(said=said, year=year),
             evidence)
    dept, gov = r.deadline("department"), r.deadline("government")
    assert dept is not None and gov is not None
    limits = {d.kind: (dt.date(year + 1, d.month, d.day), d.text) for d in (dept, gov)}
    if kind in limits:
        limit, text = limits[kind]
        res.deadline = limit.isoformat()
        res.status = "late" if when > limit else "on_time"
        if when > limit:
            note("error", _("{said}: {days} day(s) after the deadline {deadline} ({rule})").format(
                said=said, days=(when - limit).days, deadline=limit.isoformat(), rule=text), evidence)
        return res
    if kind in ("township_government", "subdistrict"):
        note("info", _("{said}: 条例第四十九条 sets no date for a {kind}; not checked").format(
            said=said, kind=_(_KIND_WORD[kind])), evidence)
        return res
    first, last = limits["department"][0], limits["government"][0]
    if when > last:
        res.status, res.deadline = "late", last.isoformat()
        note("error", _("{said}: after both deadlines of art. 49 ({first} for a department, {last} for a "
                        "government)").format(said=said, first=first.isoformat(), last=last.isoformat()), evidence)
    elif when > first:
        res.status = "unknown"
        note("warning", _("{said}: late if the body is a department (deadline {first}), in time if it is a "
                          "government ({last}); the name does not say which").format(
            said=said, first=first.isoformat(), last=last.isoformat()), evidence)
    else:
        res.status, res.deadline = "on_time", first.isoformat()
    return res


# -- --meta FILE --------------------------------------------------------------------------------------
_KEY_COLS = ("source", "file", "path", "filename", "文件", "文件名")
_DATE_COLS = ("date", "published", "publication_date", "publish_date", "发布日期", "发布时间", "公开日期")
_KIND_COLS = ("kind", "body_kind", "机关类型")
KINDS = ("department", "government", "township_government", "subdistrict", "other")


@dataclass(frozen=True, slots=True)
class MetaRow:
    date: str | None
    kind: str | None


MAX_META_BYTES = 64 * 2**20  #: a metadata CSV larger than this is refused (a line per report is ~100 bytes)


def _meta_text(path: Path) -> str:
    """The CSV's text: UTF-8 (with or without BOM), UTF-16 with its BOM, or GBK/GB18030 (what Excel
    writes on Chinese Windows). A FIFO, a device or an oversized file is refused before it is read."""
    from govreport.errors import BadInputError, InputNotFoundError, TooLargeError
    from govreport.i18n import _

    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputNotFoundError(_("{path}: no such file").format(path=path)) from None
    except OSError as exc:
        raise InputNotFoundError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):  # opening a FIFO with no writer would wait forever
        raise BadInputError(_("{path}: not a regular file (a named pipe, device or folder); give a CSV file")
                            .format(path=path))
    if st.st_size > MAX_META_BYTES:
        raise TooLargeError(_("{path}: {size} bytes is over the {limit}-byte limit of a metadata CSV").format(
            path=path, size=st.st_size, limit=MAX_META_BYTES))
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_META_BYTES + 1)
    except OSError as exc:
        raise InputNotFoundError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codecs = ("utf-16",)
    else:
        codecs = ("utf-8-sig", "gb18030")
    for codec in codecs:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise BadInputError(_("{path}: not text in UTF-8, UTF-16 or GBK; in Excel use Save As > 'CSV UTF-8'")
                        .format(path=path))


def read_meta_csv(path: str | Path) -> dict[str, MetaRow]:
    """A metadata CSV: a ``source``/``file`` column (the report's path or file name), a ``date`` column
    (its publication date) and optionally ``kind`` (department, government, ...). Keys are the path as
    written and its file name. Raises ``ValueError`` with what is wrong in a row, a
    :class:`~govreport.errors.UsageError` (exit 2) for missing columns, naming those found and those
    wanted, and other :class:`~govreport.errors.GovreportError` s for a file that cannot be read."""
    from govreport.errors import UsageError
    from govreport.i18n import _

    path = Path(path)
    text = _meta_text(path)
    lines: dict[str, int] = {}
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        cols = {c.strip().lower(): c for c in reader.fieldnames or [] if c is not None}
        key = next((cols[c] for c in _KEY_COLS if c in cols), None)
        date_col = next((cols[c] for c in _DATE_COLS if c in cols), None)
        kind_col = next((cols[c] for c in _KIND_COLS if c in cols), None)
        if key is None or (date_col is None and kind_col is None):
            found = ", ".join(repr(c) for c in reader.fieldnames or []) or _("none")
            raise UsageError(_("{path}: the columns are {found}; wanted {key} (or {file}) and {date} (and/or "
                               "{kind})").format(path=path, found=found, key=repr(_KEY_COLS[0]),
                                                 file=repr(_KEY_COLS[1]), date=repr(_DATE_COLS[0]),
                                                 kind=repr(_KIND_COLS[0])))
        out: dict[str, MetaRow] = {}
        for n, row in enumerate(reader, 2):
            name = (row.get(key) or "").strip()
            if not name:
                continue
            raw = (row.get(date_col) or "").strip() if date_col else ""
            d = parse_date(raw) if raw else None
            if raw and d is None:
                raise ValueError(f"{path}:{n}: {raw!r} is not a date")
            kind = (row.get(kind_col) or "").strip() or None if kind_col else None
            if kind is not None and kind not in KINDS:
                raise ValueError(f"{path}:{n}: kind {kind!r} is not one of {', '.join(KINDS)}")
            entry = MetaRow(d.isoformat() if d else None, kind)
            if name in lines and out[name] != entry:
                raise ValueError(_("{path}:{n}: {name} is given again, unlike on line {first}; keep one row per "
                                   "report").format(path=path, n=n, name=name, first=lines[name]))
            lines.setdefault(name, n)
            out[name] = entry
            out.setdefault(Path(name).name, entry)
    except csv.Error as exc:  # a field over the csv module's limit (128 KiB), a NUL byte ...
        raise ValueError(f"{path}: not a readable CSV ({exc})") from None
    return out


def meta_for(source: str, table: dict[str, MetaRow]) -> MetaRow | None:
    """The metadata row for a report's ``source`` (its path as given, or its file name; a zip member by
    its member name)."""
    if not table:
        return None
    for key in (source, source.split("!")[-1], Path(source.split("!")[-1]).name):
        if key in table:
            return table[key]
    return None
