"""Chinese numerals <-> integers, as reports write counts in prose (十七, 两, 二十三, 一百零五, 一〇五).

>>> cn_to_int("十七"), cn_to_int("两"), cn_to_int("二十三"), cn_to_int("一百零五"), cn_to_int("零")
(17, 2, 23, 105, 0)
>>> cn_to_int("一万零三百"), cn_to_int("二〇二四"), cn_to_int("三十万"), cn_to_int("十七个")
(10300, 2024, 300000, None)
>>> int_to_cn(105), int_to_cn(12), int_to_cn(20010)
('一百零五', '十二', '两万零一十')
"""

from __future__ import annotations

import re

DIGITS: dict[str, int] = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                          "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5,
                          "陆": 6, "柒": 7, "捌": 8, "玖": 9}
SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS: dict[str, int] = {"万": 10_000, "亿": 100_000_000}

#: one run of Chinese numeral characters (callers decide what may precede / follow it)
CN_NUMERAL = "[零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]+"
_FULL = re.compile(f"^{CN_NUMERAL}$")
_PLAIN = "一二三四五六七八九"


def _section(s: str) -> int | None:
    """Value of a run below 万 (e.g. ``三百零五``), or ``None`` if malformed."""
    total, digit, last_unit = 0, None, 10_000
    for ch in s:
        if ch in DIGITS:
            if digit is not None and DIGITS[ch] != 0 and digit != 0:
                return None  # two digits in a row without a unit (一二) inside a sectioned numeral
            digit = DIGITS[ch]
        elif ch in SMALL_UNITS:
            unit = SMALL_UNITS[ch]
            if unit >= last_unit:
                return None
            total += (1 if digit is None and unit == 10 and total == 0 else (digit or 0)) * unit
            if digit is None and not (unit == 10 and total == 10):
                return None  # 百 / 千 need a digit before them
            digit, last_unit = None, unit
        else:
            return None
    return total + (digit or 0)


def cn_to_int(s: str) -> int | None:
    """The integer a Chinese numeral writes, or ``None`` if ``s`` is not one.

    Positional forms (``一〇五``, ``二〇二四``) and the 万/亿 multipliers are read too.

    >>> cn_to_int("十"), cn_to_int("一十二"), cn_to_int("两千零五十"), cn_to_int("九千九百九十九万")
    (10, 12, 2050, 99990000)
    >>> cn_to_int("abc") is None and cn_to_int("") is None and cn_to_int("百") is None
    True
    >>> cn_to_int("一" * 5000) is None  # no count is written that long
    True
    """
    s = s.strip()
    if not s or len(s) > 24 or not _FULL.match(s):
        return None
    if all(ch in DIGITS for ch in s):
        if len(s) == 1:
            return DIGITS[s]
        if s[0] in "零〇○" or "两" in s:
            return None
        return int("".join(str(DIGITS[ch]) for ch in s))  # 一〇五, 二〇二四
    total = 0
    rest = s
    for big in ("亿", "万"):
        if big in rest:
            head, _, rest = rest.partition(big)
            if not head or big in rest:
                return None
            hv = _section(head) if not any(b in head for b in BIG_UNITS) else cn_to_int(head)
            if hv is None or hv == 0:
                return None
            total += hv * BIG_UNITS[big]
    if rest:
        rv = _section(rest.lstrip("零〇○") or "零")
        if rv is None:
            return None
        total += rv
    return total


def _below_10000(n: int, leading: bool) -> str:
    out: list[str] = []
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero or (not out and not leading and unit < 1000):
            out.append("零")
        zero = False
        if unit == 10 and d == 1 and not out and leading:
            out.append("十")  # 十二, not 一十二, at the very start
        else:
            out.append(_PLAIN[d - 1] + name)
    return "".join(out)


def int_to_cn(n: int, liang: bool = True) -> str:
    """Write ``n`` (0 <= n < 10**12) as a Chinese numeral; ``liang`` writes 2 as 两 before 千/万/亿 and alone.

    >>> int_to_cn(0), int_to_cn(2), int_to_cn(2, liang=False), int_to_cn(10), int_to_cn(1_0001)
    ('零', '两', '二', '十', '一万零一')
    """
    if n < 0 or n >= 10**12:
        raise ValueError("n must be in [0, 10**12)")
    if n == 0:
        return "零"
    parts: list[str] = []
    groups = [(n // 100_000_000, "亿"), (n // 10_000 % 10_000, "万"), (n % 10_000, "")]
    started = False
    for value, name in groups:
        if value == 0:
            continue
        text = _below_10000(value, leading=not started)
        if started and value < 1000 and not parts[-1].endswith("零"):
            text = text if text.startswith("零") else "零" + text
        parts.append(text + name)
        started = True
    s = "".join(parts)
    if liang:
        s = re.sub("二(?=[千万亿])", "两", s)
        if s.startswith("二") and len(s) > 1 and s[1] in "千万亿":
            s = "两" + s[1:]
        if s == "二":
            s = "两"
    return s
