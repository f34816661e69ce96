"""The Chinese catalog covers every message in the code; Chinese by default, English on request."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from govreport.i18n import CATALOG, _, compile_catalog, current_language, language, normalise

from .conftest import ROOT, SAMPLES

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
FIELD = re.compile(r"\{[^{}]*\}")


def _method_map() -> tuple[list[tuple[str, str]], dict]:
    try:
        from babel.messages.frontend import parse_mapping_cfg as parse
    except ImportError:  # babel < 2.14
        from babel.messages.frontend import parse_mapping as parse
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        return parse(fh)


def _source_messages() -> dict[str, str]:
    """msgid -> where it is used, extracted from the source as ``pybabel extract -F babel.cfg`` does."""
    method_map, options_map = _method_map()
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _catalog() -> dict[str, str]:
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh)
    out = {}
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(strings):
            continue
        for msgid in ids:  # Chinese has one plural form: it translates the singular and the plural
            out[msgid] = strings[0]
    return out


def test_every_message_in_the_code_has_a_chinese_translation():
    source = _source_messages()
    assert len(source) > 50, "the extraction found almost nothing: is babel.cfg's mapping right?"
    catalog = _catalog()
    missing = sorted(set(source) - set(catalog))
    assert not missing, ("messages with no zh_CN translation in govreport/locale/zh_CN/LC_MESSAGES/govreport.po "
                         f"({len(missing)}):\n" + "\n".join(f"  {source[m]}: msgid {m!r}" for m in missing))


def test_translations_keep_the_placeholders():
    bad = [(msgid, text) for msgid, text in _catalog().items()
           if sorted(FIELD.findall(msgid)) != sorted(FIELD.findall(text))]
    assert not bad, "translations whose {placeholders} differ from the msgid:\n" + "\n".join(map(repr, bad))


def test_catalog_compiles_and_translates():
    assert compile_catalog(CATALOG)[:4] in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")  # the .mo magic
    with language("zh"):
        assert _("output folder") == "输出文件夹"
    with language("en"):
        assert _("output folder") == "output folder"


def test_language_choice(monkeypatch):
    for var in ("GOVREPORT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    assert current_language() == "zh"  # Chinese by default
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert current_language() == "en"
    monkeypatch.setenv("GOVREPORT_LANG", "zh_CN")
    assert current_language() == "zh"  # GOVREPORT_LANG outranks the locale
    with language("en"):
        assert current_language() == "en"  # and --lang outranks both
    assert current_language() == "zh"
    assert [normalise(x) for x in ("en-US", "EN", "zh_TW", "fr")] == ["en", "en", "zh", "zh"]


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("GOVREPORT_LANG", "LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run([sys.executable, "-m", "govreport.cli", *args], capture_output=True, text=True,
                          env={**clean, **env}, cwd=ROOT, timeout=120)


def test_cli_chinese_by_default_english_on_request():
    zh = _cli("extract", "--help")
    assert "提取一份报告的模板表格" in zh.stdout and "选项" in zh.stdout
    en = _cli("extract", "--help", "--lang", "en")
    assert "Extract one report's template tables" in en.stdout and "提取" not in en.stdout
    assert "Extract one report" in _cli("extract", "--help", LANG="en_US.UTF-8").stdout
    assert "提取一份报告" in _cli("extract", "--help", LANG="en_US.UTF-8", GOVREPORT_LANG="zh").stdout
    bad = _cli("extract", "--lang", "fr", "x.txt")
    assert bad.returncode == 2 and "--lang" in bad.stderr
    assert _cli("extract", "--nope").stderr.strip() == "govreport：错误：没有这个选项：--nope"


def test_json_identical_in_both_languages():
    sample = str(SAMPLES / "sample_2021_tabs.txt")
    zh, en = _cli("extract", sample, "--json"), _cli("extract", sample, "--json", "--lang", "en")
    assert zh.returncode == en.returncode == 0
    a, b = json.loads(zh.stdout), json.loads(en.stdout)
    strip = ("message",)  # for people, in the output language; everything else is for programs
    for d in (a, b):
        for issue in d["issues"]:
            for k in strip:
                issue.pop(k, None)
            for alt in issue.get("alternatives", []):
                alt.pop("why", None)
    assert a == b
