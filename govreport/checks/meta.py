"""The report's year and issuing body, from its title and opening (and, failing those, its sign-off).

>>> read_meta("东湖新技术开发区公安分局2024年政府\\n\\n信息公开工作年度报告\\n根据……")
{'year': 2024, 'agency': '东湖新技术开发区公安分局'}
>>> read_meta("本报告由****编制,数据统计时限为2023年1月1日至2023年12月31日。")["year"]
2023
>>> read_meta("临江市财政局2023年度政务公开工作年度报告")
{'year': 2023, 'agency': '临江市财政局'}
>>> read_meta("北湖县人民政府关于2022年政府信息公开工作情况的报告\\n……")
{'year': 2022, 'agency': '北湖县人民政府'}
>>> read_meta("云溪县财政局\\n云溪县财政局2024年政府信息公开工作年度报告\\n发布日期:2025-01-20")
{'year': 2024, 'agency': '云溪县财政局'}
>>> read_meta("政府信息公开工作年度报告\\n……\\n长河市交通运输局\\n2021年3月20日")
{'year': 2020, 'agency': '长河市交通运输局'}
"""

from __future__ import annotations

import re
import unicodedata

from govreport.layout.tokens import normalize
from govreport.types import MASK_GLYPHS

_NOT_AGENCY = r"[^\s,，。.;；:：、“”\"《》<>()（）\[\]【】|]"
_KIND = r"(?:政\s*+府\s*+信\s*+息|政\s*+务\s*+信\s*+息|政\s*+务|信\s*+息)\s*+公\s*+开"
# \s*+ (possessive) throughout: a run of spaces is never given back, so matching stays linear
_REPORT = (rf"{_KIND}\s*+(?:工\s*+作)?\s*+(?:情\s*+况)?\s*+(?:年\s*+度)?\s*+(?:工\s*+作)?\s*+(?:情\s*+况)?\s*+"
           r"(?:的)?\s*+报\s*+告")
_YEAR = r"(?P<year>20\d\d|19\d\d)\s*+年\s*+(?:度)?"
# 某某局2024年(度)政府信息公开工作年度报告 / 某某局关于2024年政府信息公开工作的报告
_TITLE = re.compile(rf"(?P<agency>{_NOT_AGENCY}{{2,40}}?)?\s*+(?:关于)?\s*+{_YEAR}\s*+(?:本\s*+机\s*+关)?\s*+{_REPORT}")
# 2024年(度)某某局政府信息公开工作年度报告
_TITLE_YEAR_FIRST = re.compile(rf"{_YEAR}\s*+(?P<agency>{_NOT_AGENCY}{{2,40}}?)\s*+{_REPORT}")
_TITLE_NO_YEAR = re.compile(rf"(?P<agency>{_NOT_AGENCY}{{3,40}}?)\s*+{_REPORT}")
_PERIOD = re.compile(r"(20\d\d)\s*+年\s*+0?1\s*+月\s*+0?1\s*+日\s*+(?:起)?\s*+(?:至|到|-|—|–|~|～|－)\s*+"
                     r"(?:(20\d\d)\s*+年\s*+)?12\s*+月\s*+31\s*+日")
_THIS_YEAR = re.compile(r"(?:本年度|本报告年度|报告年度|统计年度|统计期限|统计时限|统计时间|统计区间)"
                        r"\s*+(?:为|是|即|指|:|：)?\s*+"
                        r"(?:自\s*+)?(20\d\d)\s*+年")
_THIS_YEAR_PAREN = re.compile(r"本年度\s*+[(（]\s*+(20\d\d)\s*+年")
_YEAR_OF = re.compile(r"(20\d\d)\s*+年(?:度)?\s*+(?:政府|政务)?\s*+信息公开")
_DATE = re.compile(r"(20\d\d)\s*+年\s*+(\d{1,2})\s*+月\s*+(\d{1,2})\s*+日")
_BY = re.compile(rf"本报告(?:由|是)\s*+(?P<agency>{_NOT_AGENCY}{{2,40}}?)\s*+"
                 r"(?:\(|（|根据|依据|按照|依照|编制|制作|发布|,|，)")
_MASK = re.compile(rf"[*＊]{{2,}}|[{re.escape(MASK_GLYPHS.replace('*', '').replace('＊', ''))}]")
_AGENCY_END = re.compile(r"(?:局|委员会|委|办公室|办公厅|办|政府|厅|院|分局|中心|街道办事处|街道|镇|乡|所|队|处|署|会|"
                         r"公司|部|站|馆|社|队|大队|支队|总队|监狱|学校|大学|集团)$")
_JUNK = re.compile(r"报告|根据|依据|按照|本机关|首页|当前位置|索引号|信息公开|发布日期|目录|现将|公布|如下|编制|我")


def _clean_agency(a: str | None) -> str | None:
    if not a:
        return None
    a = a.strip().removeprefix("关于").strip()
    if len(a) < 2 or _MASK.search(a) or _JUNK.search(a) or _YEAR_ONLY.fullmatch(a):
        return None
    return a


def _bare_agency(lines: list[str]) -> str | None:
    """A line that is only a body's name (``某某镇人民政府``), among the first few: the agency of a title
    printed without one (``2022年政府信息公开工作年度报告`` / ``某某镇人民政府``)."""
    for ln in lines[:4]:
        cand = ln.replace(" ", "")
        if 2 <= len(cand) <= 40 and _AGENCY_END.search(cand) and re.fullmatch(f"{_NOT_AGENCY}+", cand):
            return _clean_agency(cand)
    return None


def _title(lines: list[str]) -> tuple[int | None, str | None, bool]:
    """Year, agency and whether the agency is masked, from the first title-like line (or a title split over
    up to three lines)."""
    for i in range(len(lines)):
        for n in (1, 2, 3):
            if i + n > len(lines):
                break
            cand = "".join(lines[i:i + n])
            m = _TITLE.search(cand) or _TITLE_YEAR_FIRST.search(cand)
            if m and n > 1 and (_TITLE.search(lines[i + n - 1]) or _TITLE_YEAR_FIRST.search(lines[i + n - 1])):
                break  # the title is whole on a later line (a page header above it is no part of the name)
            if m:
                raw = m.group("agency") or ""
                return int(m.group("year")), _clean_agency(raw), bool(_MASK.search(raw))
    return None, None, False


def _tail_date_year(text: str) -> int | None:
    """The year a report dated at its end covers (a report dated 2020年1月20日 is about 2019)."""
    dates = list(_DATE.finditer(text[-400:]))
    if not dates:
        return None
    y, month = int(dates[-1].group(1)), int(dates[-1].group(2))
    return y - 1 if 1 <= month <= 6 else None


def _signature(text: str) -> str | None:
    """The issuing body printed on the line before the closing date."""
    lines = [ln.strip() for ln in text[-400:].splitlines() if ln.strip()]
    for i in range(len(lines) - 1, 0, -1):
        if _DATE.fullmatch(lines[i].replace(" ", "")):
            cand = lines[i - 1].replace(" ", "")
            if 2 <= len(cand) <= 40 and _AGENCY_END.search(cand) and re.fullmatch(f"{_NOT_AGENCY}+", cand):
                return _clean_agency(cand)
            return None
    return None


def read_meta(text: str) -> dict[str, object]:
    """``{"year": int | None, "agency": str | None}``; ``agency`` is ``None`` when masked or not stated.

    >>> read_meta("2023年度\\n云溪县自然资源和规划局政府信息公开工作年度报告")
    {'year': 2023, 'agency': '云溪县自然资源和规划局'}
    >>> read_meta("本报告由白沙镇人民政府根据《条例》编制。本年度(2021年)……")
    {'year': 2021, 'agency': '白沙镇人民政府'}
    >>> read_meta("某某局政府信息公开工作年度报告\\n统计期限为2022年1月1日-2022年12月31日")
    {'year': 2022, 'agency': '某某局'}
    >>> read_meta("****2024年政府信息公开工作年度报告")
    {'year': 2024, 'agency': None}
    >>> read_meta("2022年政府信息公开工作年度报告\\n桃源县石门镇人民政府\\n2022年政府信息公开工作年度报告")
    {'year': 2022, 'agency': '桃源县石门镇人民政府'}
    >>> read_meta("現將我局2021年政府信息公開工作報告如下")["year"]
    2021
    """
    year, agency = _read(unicodedata.normalize("NFKC", text[:3000]), unicodedata.normalize("NFKC", text[-400:]))
    if year is None:  # a report served in traditional characters: 2022年政府信息公開工作年度報告
        year = _read(normalize(text[:3000]), normalize(text[-400:]))[0]
    return {"year": year, "agency": agency}


def _read(head: str, tail: str) -> tuple[int | None, str | None]:
    """Year and agency from a report's normalised head and tail (see :func:`read_meta`)."""
    lines = [ln.strip() for ln in head[:600].splitlines() if ln.strip()][:15]
    year, agency, masked_title = _title(lines)
    if year is None:
        p = _PERIOD.search(head)
        if p:
            year = int(p.group(1))
    if year is None:
        t = _THIS_YEAR.search(head) or _THIS_YEAR_PAREN.search(head)
        if t:
            year = int(t.group(1))
    if year is None:
        y = _YEAR_OF.search(head)
        if y:
            year = int(y.group(1))
    if year is None:
        year = _tail_date_year(tail)
    if agency is None and not masked_title:
        agency = _bare_agency(lines)
    if agency is None and not masked_title:
        t = next((m for m in map(_TITLE_NO_YEAR.fullmatch, lines[:3]) if m), None)
        if t and not _MASK.search(t.group("agency")):
            agency = _clean_agency(t.group("agency"))
    if agency is None and not masked_title:
        b = _BY.search(head)
        if b:
            agency = _clean_agency(b.group("agency"))
        elif not _BY_MASKED.search(head):
            agency = _signature(tail)
    return year, agency


_BY_MASKED = re.compile(r"本报告(?:由|是)\s*+[*＊]{2,}")
_YEAR_ONLY = re.compile(r"(?:19|20)\d\d\s*年?\s*度?")
