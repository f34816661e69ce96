"""The report's six parts (一、总体情况 … 六、其他需要报告的事项), found by their headings.

A heading is the part's keywords after a top-level ordinal (一、 二. 第三部分 3、), at the start of a line
or after the end of a sentence (some reports reach us as one run of text); without an ordinal it must be a
line of its own. Parts are searched in order, each after the one before, so the parts a report lists in its
opening sentence (全文包括总体情况、主动公开政府信息情况……) are not taken for headings. Each part's ``text``
is its prose (table lines left out, the closing signature and date too); ``table_lines`` counts the rest.

>>> text = ("某局2024年报告\\n一、总体情况\\n全年工作平稳。\\n二、主动公开政府信息情况\\n规章\\t0\\t0\\t1\\n"
...         "五、存在的主要问题及改进情况\\n无。\\n六、其他需要报告的事项\\n未收取信息处理费。\\n某局\\n2025年1月5日")
>>> for p in split_parts(text):
...     print(p["id"], p["heading"], repr(p["text"]), p["table_lines"])
part1 一、总体情况 '全年工作平稳。' 0
part2 二、主动公开政府信息情况 '' 1
part5 五、存在的主要问题及改进情况 '无。' 0
part6 六、其他需要报告的事项 '未收取信息处理费。' 0
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from govreport.checks.rules import PartRule, rules

_CN = "一二三四五六七八九十"
_ORDINAL = rf"(?:[{_CN}]{{1,2}}\s*[、.．]|第[{_CN}]{{1,2}}部分\s*[、:：,]?|\d{{1,2}}\s*[、．](?!\d))"
_BEFORE = r"(?:^|(?<![一二三四五六七八九十第\d(]))[#>*\s]*"
_LEAD = r"(?:(?:19|20)\d\d\s*年(?:度)?)?(?:本机关|本单位|全区|全市|全县)?"  #: 一、2023年度总体情况
_TAIL = r"(?:(?<!情况)(?<!事项)[^\n。;,]{0,12}?(?:情况|事项|措施|打算))?"
_SENTENCE_END = "。;!?"
_DATE_LINE = re.compile(r"^[(（]?\s*(?:(?:19|20)\d\d|[〇○零一二三四五六七八九]{4})\s*年.{1,8}日\s*[)）]?$|"
                        r"^(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}$")
_SIGNATURE = re.compile(r"(?:局|委员会|委|办公室|办公厅|办|政府|厅|院|中心|街道办事处|街道|镇|乡|署|会|"
                        r"管委会|分局|处|所|站|队|实验区|开发区)$")
_NUMBER_RUN = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")
_TABLE_ANCHOR = re.compile(r"第二十条第[(（][一二三四五六七八九][)）]项|信息内容|申请人情况|本年新收|上年结转|"
                           r"结转下年度|结果维持|结果纠正|尚未审结|未经复议直接起诉|复议后起诉|勾稽关系")
_LEADING_ORDINALS = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|[(][一二三四五六七八九十\d]+[)]|\d+[.、])+")
_GROUP_LABELS = ("本年度办理结果", "申请人情况", "法人或其他组织", "信息内容", "行政诉讼", "不予公开", "无法提供",
                 "不予处理", "其他处理", "其他")


@cache
def _labels() -> tuple[str, ...]:
    """The templates' printed labels (rows, columns, titles), normalised, longest first."""
    from govreport.models.template import templates

    out = set(_GROUP_LABELS)
    for tpl in templates().values():
        for t in tpl.tables:
            out.add(_norm_label(t.title))
            out.update(_norm_label(c.label) for c in t.columns)
            out.update(_norm_label(x) for r in t.rows for x in r.labels)
    return tuple(sorted((x for x in out if x), key=len, reverse=True))


def _norm_label(text: str) -> str:
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    return _LEADING_ORDINALS.sub("", s)


def _is_label_line(line: str) -> bool:
    """A row or column label of the template printed on a line of its own (a table read as lines)."""
    s = _norm_label(line)
    if not s or len(s) > 80 or "。" in s:
        return False
    return any(s.startswith(lab) and len(s) - len(lab) <= 30 for lab in _labels())


def _heading_re(part: PartRule) -> tuple[re.Pattern[str], re.Pattern[str]]:
    with_ord = re.compile(rf"{_BEFORE}(?P<h>{_ORDINAL}\s*{_LEAD}(?:{part.keywords.pattern}){_TAIL})",
                          re.M)
    alone = re.compile(rf"^[#>*\s]*(?P<h>{_LEAD}(?:{part.keywords.pattern})[^\n。;,]{{0,12}})\s*$", re.M)
    return with_ord, alone


def _is_table_line(line: str) -> bool:
    """A line of a table (tabs, pipes, numbers without sentences, the template's cell labels)."""
    if "\t" in line or "|" in line:
        return True
    if any(ch in line for ch in _SENTENCE_END):
        return False
    numbers = len(_NUMBER_RUN.findall(line))
    return (numbers >= 2 or (numbers >= 1 and len(line) <= 4) or bool(_TABLE_ANCHOR.search(line))
            or _is_label_line(line))


def _strip_signature(lines: list[str]) -> list[str]:
    """Drop the closing date and the issuing body's name above it."""
    out = list(lines)
    while out and _DATE_LINE.match(out[-1]):
        out.pop()
        if out and len(out[-1]) <= 40 and _SIGNATURE.search(out[-1]) and not any(c in out[-1] for c in "。,;"):
            out.pop()
    return out


def _join(lines: list[str]) -> str:
    """Lines into paragraphs: a line not ending a sentence goes on with the next (a page's wrapping)."""
    out = ""
    for ln in lines:
        if out and not out.endswith(tuple(_SENTENCE_END + ":：")) and len(out.rsplit("\n", 1)[-1]) > 20:
            out += ln
        else:
            out += ("\n" if out else "") + ln
    return out.strip()


def _find(text: str, part: PartRule, start: int) -> re.Match[str] | None:
    with_ord, alone = _heading_re(part)
    hits = [m for m in (with_ord.search(text, start), alone.search(text, start)) if m]
    return min(hits, key=lambda m: m.start("h")) if hits else None


def split_parts(text: str) -> list[dict[str, Any]]:
    """The parts found, in order: ``{"id", "number", "heading", "text", "table_lines"}``."""
    text = unicodedata.normalize("NFKC", text)
    found: list[tuple[PartRule, int, int, str]] = []  # part, heading start, body start, heading
    cursor = 0
    for part in rules().parts:
        m = _find(text, part, cursor)
        if m is None:
            continue
        heading = re.sub(r"\s+", "", m.group("h"))
        found.append((part, m.start("h"), m.end("h"), heading))
        cursor = m.end("h")
    found = _by_content(text, found)
    out: list[dict[str, Any]] = []
    for i, (part, _hs, body_start, heading) in enumerate(found):
        end = found[i + 1][1] if i + 1 < len(found) else len(text)
        lines = [ln.strip(" \u3000#>*") for ln in text[body_start:end].splitlines()]
        lines = [ln for ln in lines if ln]
        if i + 1 == len(found):
            lines = _strip_signature(lines)
        prose = [ln for ln in lines if not _is_table_line(ln)]
        entry = {"id": part.id, "number": part.number, "heading": heading,
                 "text": _join(prose), "table_lines": len(lines) - len(prose)}
        if body_start == _hs:
            entry["found_by"] = "content"  # no heading of its own: its sub-headings are its text
        out.append(entry)
    return out


def _by_content(text: str, found: list[tuple[PartRule, int, int, str]]) -> list[tuple[PartRule, int, int, str]]:
    """Parts whose heading is lost, found by their sub-headings in order (``by_content`` in the rules) between
    the parts found around them: ``(part, start, start, heading)``, the sub-headings kept in its text.

    >>> text = ("四、行政复议、行政诉讼情况\\n无。\\n(一)主要问题\\n不够及时。\\n(二)改进情况\\n将加强。\\n"
    ...         "六、其他需要报告的事项\\n无。")
    >>> [(p["id"], p["heading"], p.get("found_by")) for p in split_parts(text)][1]
    ('part5', '(一)主要问题/(二)改进情况', 'content')
    """
    have = {p.id for p, *_ in found}
    for part in rules().parts:
        if part.id in have or not part.by_content:
            continue
        start = max((b for p, _h, b, _t in found if p.number < part.number), default=0)
        end = min((h for p, h, _b, _t in found if p.number > part.number), default=len(text))
        pos, first, heads = start, None, []
        for rx in part.by_content:
            m = rx.search(text, pos, end)
            if m is None:
                break
            first = text.index("(", m.start()) if first is None else first
            heads.append(re.sub(r"[\s#>*]+", "", m.group(0)))
            pos = m.end()
        else:
            assert first is not None
            found.append((part, first, first, "/".join(heads)))
            found.sort(key=lambda f: f[0].number)
    return found
