"""Plain-text reports: decode the bytes, then turn flattened tables back into tokens.

Handles tab-separated rows whose positions drift, ``|``-separated rows (Markdown too: the outer
pipes of ``| a | b |`` are no cells, and a heading above a table row is not part of that row), one
cell per line (tab-prefixed cells with blank lines between rows, or bare lines with blank cells as
empty lines; lines that are no cells there are prose), text whose whitespace collapsed so blank
cells vanished, and text extracted with no separators at all, where digits run into labels and
into each other (``（一）予以公开7000007``): there, digit runs become ``glued`` number tokens,
split into cells later by the template's arithmetic, and label ordinals (``2.其他…``) stay label
text.

>>> r = read_text("行政许可\\t12\\t\\t696\\n")
>>> [t.kind.value for t in r.tokens]
['text', 'number', 'blank', 'number', 'break']
"""

from __future__ import annotations

import codecs
import itertools
import logging
import re

from govreport.errors import BadInputError
from govreport.layout.tokens import BREAK, WEAK_BLANK, Kind, LayoutResult, Token, classify, normalize, parse_number
from govreport.settings import ExtractSettings

log = logging.getLogger("govreport")

#: Safety bounds on what any reader hands to table matching (whose cost grows with the token
#: count: about 0.5 ms per token, so 20,000 tokens stay under ~10 s; a real report has 300-3,000).
MAX_TOKENS = 10_000
MAX_LINE_CHARS = 200_000  #: a longer line is cut (a 50 MB one-line file is junk, not a report)
MAX_CELL_CHARS = 500  #: a longer cell is prose: kept as TEXT, never parsed as a number

_CELL_LINE = re.compile(r"^\t[^\t]*$")
#: digits run straight into the ordinal of the next row's label (``7000007(二)部分公开``,
#: ``00000002.其他…``, ``0000000三、本年度…``): the sign of text whose cell separators were lost
_CN = "[一二三四五六七八九十]{1,2}"
_GLUE_EVIDENCE = re.compile(rf"(?<!\d)\d+(?={_CN}、|\({_CN}\)|\d[.．][\u4e00-\u9fff])")  # from a run's start: linear
MIN_GLUED = 3  #: glued runs needed before a document is read as glued text
_RUN = re.compile(r"-?\d+(?:\.\d+)?")
#: after a digit run: a counting unit or date (prose: "共收到申请161件"), or an ordinal mark ("2.属于…")
_PROSE_AFTER = re.compile(r"(?:[年月日号时件条个项次宗起份家篇户人%％]|[.．、](?!\d))")
_DIGIT = re.compile(r"\d")
#: a page number on a line of its own (— 3 —, - 3 -, 第3页, 第 3 页 共 8 页, 3/8): no cell
_PAGE_NUMBER = re.compile(r"^(?:[-—–－]+\s*\d+\s*[-—–－]+|第\s*\d+\s*页(?:\s*[,，]?\s*共\s*\d+\s*页)?"
                          r"|\d+\s*/\s*\d+|page\s*\d+(?:\s*of\s*\d+)?)$", re.IGNORECASE)
_MD_ESCAPE = re.compile(r"\\([\\.*_()\[\]#+!|`>-])")  #: Markdown's escapes: 1\.属于…, \*\*\*\*
DOUBLE_SPACED = 0.75  #: share of lines followed by an empty one that makes empty lines meaningless
_AMOUNT_AFTER = re.compile(r"(?:亿元|万元|千元|元)")
_PIPE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_PIPES = "|｜"
MIN_FRAGMENTS = 10  #: cell-per-line pipes needed before a document is read as such


def decode(data: bytes, name: str = "input") -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 (BOM or NUL-patterned) or GB18030/GBK."""
    if not data.strip():
        raise BadInputError(f"{name}: the file is empty")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _checked(data.decode(enc, errors="replace"), name)
    head = data[:4000]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if even + odd >= 2 and max(even, odd) >= 0.9 * (even + odd):  # BOM-less UTF-16: NULs on one side
        enc = "utf-16-le" if odd > even else "utf-16-be"
        return _checked(data.decode(enc, errors="replace"), name)
    for enc in ("utf-8", "gb18030"):
        try:
            return _checked(data.decode(enc), name)
        except UnicodeDecodeError:
            continue
    raise BadInputError(f"{name}: not text in UTF-8, UTF-16 or GB18030 (binary file?)")


def _checked(text: str, name: str) -> str:
    sample = text[:20000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    plausible = sum(1 for ch in sample if _plausible(ch))
    if sample and (bad / len(sample) > 0.02 or plausible / len(sample) < 0.8):
        raise BadInputError(f"{name}: looks like binary data, not a text report")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _plausible(ch: str) -> bool:
    """Characters a Chinese report is made of: CJK, ASCII, punctuation and forms, Kangxi radicals."""
    o = ord(ch)
    return (32 <= o < 127 or ch in "\t\n\r\f\v" or 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF or 0x2000 <= o <= 0x27BF or 0x2E80 <= o <= 0x2FDF or 0x3400 <= o <= 0x4DBF
            or 0xA0 <= o <= 0x24F or 0xF900 <= o <= 0xFAFF or o == 0xFEFF)


def safe_classify(text: str, **geometry: object) -> Token:
    """:func:`~govreport.layout.tokens.classify`, except that a cell over ``MAX_CELL_CHARS`` is TEXT
    (cut to that length) without being parsed: ``"1 2 3 …"`` a million times is not one number.

    >>> safe_classify("12").value, safe_classify("1 " * 5000).kind.value
    (12, 'text')
    """
    if len(text) > MAX_CELL_CHARS:
        return Token(Kind.TEXT, normalize(text[:MAX_CELL_CHARS]), **geometry)  # type: ignore[arg-type]
    return classify(text, **geometry)


def _is_number(s: str) -> bool:
    return len(s) <= MAX_CELL_CHARS and parse_number(s) is not None


def bound_lines(text: str, name: str = "input") -> tuple[str, list[str]]:
    """``text`` with every line cut to ``MAX_LINE_CHARS``, and a note per cut (none usually)."""
    if len(text) <= MAX_LINE_CHARS or max(map(len, text.split("\n"))) <= MAX_LINE_CHARS:
        return text, []
    lines = text.split("\n")
    cut = [i for i, ln in enumerate(lines) if len(ln) > MAX_LINE_CHARS]
    for i in cut:
        lines[i] = lines[i][:MAX_LINE_CHARS]
    note = (f"{len(cut)} line(s) over {MAX_LINE_CHARS} characters cut to that length "
            f"(first: line {cut[0] + 1})")
    log.warning("%s: %s", name, note)
    return "\n".join(lines), [note]


def _double_spaced(lines: list[str]) -> bool:
    """Whether (nearly) every non-empty line is followed by an empty one."""
    filled = [i for i, ln in enumerate(lines[:-1]) if ln.strip()]
    spaced = sum(1 for i in filled if not lines[i + 1].strip())
    return len(filled) >= 20 and spaced >= DOUBLE_SPACED * len(filled)


def _mode(lines: list[str]) -> str:
    nonempty = [ln for ln in lines if ln.strip()]
    if not nonempty:
        return "plain"
    cells = sum(1 for ln in nonempty if _CELL_LINE.match(ln))
    if cells >= 20 and cells >= 0.3 * len(nonempty):
        return "cells"
    single = sum(1 for ln in nonempty if _is_number(ln.strip()))
    multi = sum(1 for ln in nonempty
                if "\t" not in ln and sum(_is_number(w) for w in ln.split()) >= 2)
    if single >= 15 and multi * 5 <= single:
        return "lines"
    return "plain"


def _row_of_cells(line: str) -> bool:
    """Whether a pipe stands between two cells' texts on ``line`` (``规章 | 0 | 0``)."""
    inner = line.strip(" \t\u3000" + _PIPES)
    return "|" in inner or "｜" in inner


def _fragment(line: str) -> tuple[str, int] | None:
    """A cell as some page scrapers write one per line: its text (maybe none), then its closing pipe,
    then the pipes of the columns it spans (``第二十条第（一）项 | ||||``, ``0 |``, ``|``): the text and
    the number of pipes; ``None`` for any other line.

    >>> _fragment("第二十条第（一）项 | ||||"), _fragment("|"), _fragment("规章 | 0 |"), _fragment("规章")
    (('第二十条第（一）项', 5), ('', 1), None, None)
    """
    body = line.rstrip()
    if not body.endswith(tuple(_PIPES)) or _row_of_cells(body):
        return None
    text = body.rstrip(" \t\u3000" + _PIPES)
    tail = body[len(text):]
    return text.strip(), tail.count("|") + tail.count("｜")


def fragment_style(lines: list[str]) -> str | None:
    """How a page scraper wrote a table one cell per line with pipes, if it did (else ``None``):

    - ``"closed"``: each cell's text then its pipe (``规章 |`` / ``0 |``); a lone ``|`` is an empty
      cell, a line of pipes only (``|||``) the columns a cell spans;
    - ``"opened"``: the same, and a lone ``|`` opens each row (the row's leading pipe);
    - ``"between"``: a cell's text on lines of its own (a header may wrap: ``本年新`` / ``制作数量``),
      a lone ``|`` between cells, two of them around an empty cell.

    >>> fragment_style(["规章 |", "0 |", "0 |", "|"] * 3)
    'closed'
    >>> fragment_style(["二、主动公开", "|", "规章 |", "0 |", "0 |"] * 3)
    'opened'
    >>> fragment_style(["规章", "|", "0", "|", "0", "|"] * 4)
    'between'
    >>> fragment_style(["规章 | 0 | 0 |"] * 12) is None
    True
    """
    frags = [(i, f) for i, ln in enumerate(lines) if (f := _fragment(ln))]
    rows = sum(1 for ln in lines if _row_of_cells(ln))
    if len(frags) < MIN_FRAGMENTS or len(frags) < 3 * rows:
        return None
    lone = [i for i, (text, pipes) in frags if not text and pipes == 1]
    closed = sum(1 for _, (text, _) in frags if text)
    if closed * 3 < len(lone):
        return "between"
    is_frag = {i for i, _ in frags}
    nonempty = [i for i, ln in enumerate(lines) if ln.strip()]
    after = dict(itertools.pairwise(nonempty))
    before = {b: a for a, b in after.items()}
    opens = sum(1 for i in lone if i in before and before[i] not in is_frag)
    labelled = sum(1 for i in lone if i in after and _opens_row(lines[after[i]]))
    return "opened" if opens and labelled * 2 >= len(lone) else "closed"


def _opens_row(line: str) -> bool:
    """Whether a cell-per-line pipe line is a label cell (text that is no number), as a row's first."""
    f = _fragment(line)
    return f is not None and bool(f[0]) and safe_classify(f[0]).kind is Kind.TEXT


def is_glued(text: str) -> bool:
    """Whether ``text`` ran its table cells together (a web archiver's or ``text_content()``'s
    output): several digit runs glued to the ordinals of the labels after them.

    >>> is_glued("（一）予以公开7000007（二）部分公开1000001（三）不予公开1.属于国家秘密00000002.其他")
    True
    >>> is_glued("共收到申请161件，办结150件。（二）加强培训")
    False
    """
    return len(_GLUE_EVIDENCE.findall(normalize(text))) >= MIN_GLUED


def unglue(word: str) -> list[Token]:
    """A word of glued text as label text and ``glued`` digit runs. A run followed by a unit or a
    date is prose and stays text; the digit before an ordinal mark (``00000002.其他…``) is the
    next label's ordinal; an amount keeps its unit (``394432.52元``).

    >>> [(t.kind.value, t.text, t.glued) for t in unglue("（七）总计23")]
    [('text', '(七)总计', False), ('number', '23', True)]
    >>> [t.text for t in unglue("00000002.其他法律行政法规禁止公开")]
    ['0000000', '2.其他法律行政法规禁止公开']
    >>> [t.kind.value for t in unglue("收到申请161件")]
    ['text']
    """
    s = normalize(word)
    out: list[Token] = []
    start = 0  # where the text not yet emitted begins
    for m in _RUN.finditer(s):
        run, end = m.group(), m.end()
        if _PROSE_AFTER.match(s, end):
            if s[end] not in ".．、" or len(run.lstrip("-")) < 2:
                continue  # prose (161件, 2019年) or an ordinal on its own (1.属于…)
            run, end = run[:-1], end - 1  # the last digit is the next label's ordinal
        unit = _AMOUNT_AFTER.match(s, end)
        if unit:
            end += len(unit.group())
        if m.start() > start:
            out.append(Token(Kind.TEXT, s[start:m.start()]))
        digits = run.lstrip("-").replace(".", "")
        out.append(Token(Kind.NUMBER, s[m.start():end], parse_number(s[m.start():end]), glued=len(digits) > 1))
        start = end
    if start < len(s):
        out.append(Token(Kind.TEXT, s[start:]))
    return out


def _fields(line: str, sep: str) -> list[Token]:
    """The cells of a tab- or ``|``-separated line, each with its field index; the outer pipes of a
    Markdown row (``| a | b |``) delimit no cells."""
    line = line.replace("｜", "|")
    parts = line.split(sep)
    if sep == "|" and line.startswith("|") and line.rstrip().endswith("|") and len(parts) > 2:
        parts = parts[1:-1]
    return [safe_classify(f, pos=i) for i, f in enumerate(parts)]


def _lone_pipe(style: str, last_lone: bool, lines: list[str], i: int) -> list[Token]:
    """What a lone ``|`` on line ``i`` means in a cell-per-line pipe ``style`` (see
    :func:`fragment_style`): an empty cell, a row's opening pipe, or only the end of a cell."""
    if style == "between":
        return [classify("")] if last_lone else []  # two separators around an empty cell
    if style == "opened":
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and _opens_row(lines[j]):
            return [BREAK]
    return [classify("")]


def text_to_tokens(text: str) -> list[Token]:
    """Tokens for a flattened report (see the module docstring for the styles)."""
    return _tokenize(text)[0]


def _tokenize(text: str) -> tuple[list[Token], int | None]:
    """Tokens, and the index of the first line left unread when ``MAX_TOKENS`` was reached.

    One pass over the lines, each read by the document's mode (fragments, cells, tabs, plain…); the
    pending multi-line cell, the last lone pipe and the token budget are shared, so it stays one
    function"""
    lines = [_MD_ESCAPE.sub(r"\1", ln) if "\\" in ln else ln for ln in text.split("\n")]
    style = fragment_style(lines)
    mode = "fragments" if style else _mode(lines)
    glued = mode == "plain" and is_glued(text)
    # every line its own paragraph (pdfminer's text boxes, mammoth's cells): empty lines say nothing
    spaced = mode in ("lines", "plain") and _double_spaced(lines)
    last_lone = False  # was the last non-empty line a lone pipe? (cell-per-line pipes)
    out: list[Token] = []
    cell: list[str] | None = None  # a tab-prefixed cell that may continue on the next line

    def flush() -> None:
        nonlocal cell
        if cell is not None:
            out.append(safe_classify("".join(s.strip() for s in cell)))
            cell = None

    stop: int | None = None
    for i, line in enumerate(lines):
        if len(out) >= MAX_TOKENS:
            stop = i
            break
        stripped = line.strip()
        if style is not None and stripped and not _row_of_cells(line):
            frag = _fragment(line)
            lone = frag == ("", 1)
            if frag is None:
                out.append(safe_classify(stripped))  # a cell's text on a line of its own, or prose
            elif frag[0]:
                out.append(safe_classify(frag[0]))  # pipes after it: the columns it spans
            elif lone:
                out.extend(_lone_pipe(style, last_lone, lines, i))
            last_lone = lone
            continue
        if mode == "cells" and _CELL_LINE.match(line):
            flush()
            cell = [line[1:]]
            continue
        if mode == "cells" and cell is not None and stripped and "\t" not in line and "|" not in line:
            cell.append(stripped)  # a wrapped cell: 商业 / 企业
            continue
        flush()
        if _PAGE_NUMBER.match(stripped):
            out.append(Token(Kind.TEXT, normalize(stripped)))
            continue
        if not stripped:
            if mode == "fragments" or spaced:
                continue
            if mode == "cells" or mode == "plain":
                if out and out[-1].kind is not Kind.BREAK:
                    out.append(BREAK)
            else:  # one cell per line: an empty line is a blank cell, or only a paragraph break
                out.append(WEAK_BLANK)
            continue
        if "\t" in line.strip("\n") or line.count("|") + line.count("｜") >= 2:
            if "\t" not in line and _PIPE_SEP.match(line):
                continue
            if out and out[-1].kind is not Kind.BREAK:
                out.append(BREAK)  # a row of cells is a row of its own: a heading above is not in it
            out.extend(_fields(line, "\t" if "\t" in line.strip("\n") else "|"))
            out.append(BREAK)
        elif mode == "lines":
            out.append(safe_classify(stripped))
        elif mode == "cells":  # not a cell: prose, whose numbers are no cells
            out.extend(Token(Kind.TEXT, normalize(w[:MAX_CELL_CHARS])) for w in stripped.split())
        else:
            words = itertools.islice(stripped.split(), MAX_TOKENS - len(out) + 1)  # no more than the budget
            if glued:
                out.extend(t for w in words for t in (unglue(w) if _DIGIT.search(w) else [safe_classify(w)]))
            else:
                out.extend(safe_classify(w) for w in words)
    flush()
    if len(out) > MAX_TOKENS:  # one line gave more than the whole budget
        del out[MAX_TOKENS:]
        out.append(BREAK)
        stop = stop if stop is not None else len(lines)
    return out, stop


def read_text(source: str | bytes, settings: ExtractSettings | None = None, name: str = "input") -> LayoutResult:
    """A :class:`LayoutResult` for text given as ``str`` or raw ``bytes`` (a file's bytes: the file
    was checked by :mod:`govreport.sources`); every reader takes ``settings``, this one needs none."""
    text = decode(source, name) if isinstance(source, bytes) else source
    if not text.strip():
        raise BadInputError(f"{name}: the text is empty")
    text, notes = bound_lines(text, name)
    tokens, stop = _tokenize(text)
    if stop is not None:
        note = f"text cut after {MAX_TOKENS} tokens ({stop} of {text.count(chr(10)) + 1} lines read)"
        log.warning("%s: %s", name, note)
        notes.append(note)
        text = "\n".join(text.split("\n")[:stop])
    return LayoutResult(tokens=tokens, text=text, input_kind="text", notes=notes)
