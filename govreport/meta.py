"""The report's year and issuing body, from its title and opening.

>>> read_meta("东湖新技术开发区公安分局2024年政府\\n\\n信息公开工作年度报告\\n根据……")
{'year': 2024, 'agency': '东湖新技术开发区公安分局'}
>>> read_meta("本报告由****编制,数据统计时限为2023年1月1日至2023年12月31日。")["year"]
2023
"""

from __future__ import annotations

import re
import unicodedata

_TITLE = re.compile(r"([^\s，。,.;；:：、“”《》()（）]{2,40}?)\s*(20\d\d|19\d\d)\s*年\s*(?:度)?\s*"
                    r"(?:政府|政务)?\s*信\s*息\s*公\s*开\s*(?:工\s*作)?\s*(?:年\s*度)?\s*报\s*告")
_PERIOD = re.compile(r"(20\d\d)\s*年\s*1\s*月\s*1\s*日\s*(?:起\s*)?至\s*(20\d\d)\s*年\s*12\s*月\s*31\s*日")
_YEAR_OF = re.compile(r"(20\d\d)\s*年(?:度)?(?:政府|政务)?信息公开")
_MASK = re.compile(r"[*＊]{2,}")


def read_meta(text: str) -> dict[str, object]:
    head = unicodedata.normalize("NFKC", text[:3000])
    joined = re.sub(r"\s*\n\s*", "", head[:400])  # titles are often split over lines
    year: int | None = None
    agency: str | None = None
    m = _TITLE.search(joined)
    if m:
        agency = m.group(1).strip()
        year = int(m.group(2))
    if year is None:
        p = _PERIOD.search(head)
        if p:
            year = int(p.group(1))
    if year is None:
        y = _YEAR_OF.search(head)
        if y:
            year = int(y.group(1))
    if agency and (_MASK.search(agency) or len(agency) < 2):
        agency = None
    return {"year": year, "agency": agency}
