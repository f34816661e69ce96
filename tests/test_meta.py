"""Year and issuing body from the title, the opening and the sign-off."""

from __future__ import annotations

import pytest

from govreport.checks.meta import read_meta
from govreport.synth.truth import AGENCIES


@pytest.mark.parametrize(("text", "year", "agency"), [
    ("东湖新技术开发区公安分局2024年政府\n\n信息公开工作年度报告\n根据……", 2024, "东湖新技术开发区公安分局"),
    ("东西湖区公安分局 2019 年 政务信息公开工作年度报告\n一、总体情况", 2019, "东西湖区公安分局"),
    ("临江市财政局2023年度政府信息公开工作年度报告", 2023, "临江市财政局"),
    ("临江市财政局2023年度政务公开工作年度报告", 2023, "临江市财政局"),
    ("北湖县人民政府关于2022年政府信息公开工作情况的报告", 2022, "北湖县人民政府"),
    ("关于临江市财政局2023年度政府信息公开工作年度报告的报告", 2023, "临江市财政局"),
    ("2023年度\n云溪县自然资源和规划局政府信息公开工作年度报告", 2023, "云溪县自然资源和规划局"),
    ("青山区人民政府\n办公室2024年政府信息公开\n工作年度报告", 2024, "青山区人民政府办公室"),
    ("****2024年政府信息公开工作年度报告\n本报告由****编制", 2024, None),
    ("**市**局2024年政府信息公开工作年度报告", 2024, None),
    ("本报告由****(以下简称“****分局”)编制,数据统计时限为2024年1月1日至2024年12月31日。", 2024, None),
    ("政府信息公开工作年度报告\n本报告由白沙镇人民政府根据《条例》编制。统计期限为2021年1月1日-2021年12月31日。",
     2021, "白沙镇人民政府"),
    ("某某局政府信息公开工作年度报告\n本年度(2022年)……", 2022, "某某局"),
    ("政府信息公开工作年度报告\n……\n长河市交通运输局\n\n2021年3月20日", 2020, "长河市交通运输局"),
    ("现将2024年政府信息公开工作年度报告公布如下。", 2024, None),
    ("一、总体情况\n没有标题的报告。", None, None),
])
def test_read_meta(text, year, agency):
    assert read_meta(text) == {"year": year, "agency": agency}


@pytest.mark.parametrize("agency", AGENCIES)
def test_synth_titles(agency):
    text = f"{agency}2021年政府信息公开工作年度报告\n\n本报告依据……编制，统计期限为2021年1月1日至2021年12月31日。"
    assert read_meta(text) == {"year": 2021, "agency": agency}


def test_seeds(seeds):
    got = {p.name[:3]: read_meta(p.read_text(encoding="utf-8")) for p in sorted(seeds.glob("*.txt"))}
    assert got == {"000": {"year": 2024, "agency": "东湖新技术开发区公安分局"},
                   "001": {"year": 2019, "agency": "东西湖区公安分局"},
                   "003": {"year": 2024, "agency": None}}


def test_date_at_end_of_001_alone(seeds):
    text = (seeds / "001_1cf9a5287485332c.txt").read_text(encoding="utf-8")
    body = text.split("一、总体情况", 1)[1]  # without its title: the year from the prose, the body from the sign-off
    assert read_meta(body) == {"year": 2019, "agency": "东西湖区公安分局"}
    tail = "\n".join(text.splitlines()[-5:])
    assert read_meta(tail) == {"year": 2019, "agency": "东西湖区公安分局"}
