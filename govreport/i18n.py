"""What a person reads, in their language: Chinese by default, English on request.

Every message meant for a person is written as ``_("English source text")`` (gettext's convention:
the msgid is English, the catalog ``govreport/locale/zh_CN/LC_MESSAGES/govreport.po`` holds the
Chinese). The language is chosen once per process by :func:`set_language` (the CLI's ``--lang``), else
``GOVREPORT_LANG``, else the locale (``LC_ALL``/``LC_MESSAGES``/``LANG`` starting ``en`` gives English),
else Chinese.

The catalog is compiled to ``govreport.mo`` when a wheel is built (``setup.py``'s ``build_py``);
an editable install (``pip install -e .``) has only the ``.po``, which is then compiled in memory
with Babel on first use. :func:`N_` marks a message for extraction where it is translated later
(option help, table headers).

>>> set_language("en"); _("printed empty")
'printed empty'
>>> set_language("zh"); _("output folder")
'输出文件夹'
>>> set_language(None)
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import html
import io
import logging
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("zh", "en")
DOMAIN = "govreport"
LOCALE_DIR = Path(__file__).with_name("locale")

_chosen: str | None = None


def set_language(lang: str | None) -> None:
    """Use ``lang`` (``"zh"``, ``"en"``, or a locale name such as ``zh_CN``) from now on; ``None``
    goes back to the environment's choice."""
    global _chosen
    _chosen = None if lang is None else normalise(lang)


@contextlib.contextmanager
def language(lang: str | None) -> Iterator[None]:
    """Messages in ``lang`` inside the block (``None``: unchanged), the previous choice restored after."""
    global _chosen
    previous = _chosen
    if lang is not None:
        set_language(lang)
    try:
        yield
    finally:
        _chosen = previous


def normalise(lang: str) -> str:
    """``"zh_CN.UTF-8"`` -> ``"zh"``, ``"en-US"`` -> ``"en"``; anything else is Chinese."""
    return "en" if lang.strip().lower().startswith("en") else "zh"


def current_language() -> str:
    """The language messages are written in now: ``"zh"`` or ``"en"``."""
    if _chosen is not None:
        return _chosen
    env = os.environ.get("GOVREPORT_LANG")
    if env:
        return normalise(env)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return normalise(value)
    return "zh"


CATALOG = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=4)
def _translations(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    mo = CATALOG.with_suffix(".mo")
    if mo.is_file() and (not CATALOG.is_file() or mo.stat().st_mtime >= CATALOG.stat().st_mtime):
        with mo.open("rb") as fh:
            return _gettext.GNUTranslations(fh)
    if CATALOG.is_file():
        try:
            return _gettext.GNUTranslations(io.BytesIO(compile_catalog(CATALOG)))
        except ImportError:  # pragma: no cover - babel is a dependency
            logging.getLogger("govreport").warning("babel is not installed: messages in English")
    return _gettext.NullTranslations()


def compile_catalog(po: Path) -> bytes:
    """The ``.mo`` bytes of the catalog ``po`` (Babel), fuzzy entries left out."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def N_(message: str) -> str:
    """``message`` unchanged: marks it for the catalog where it is translated later with :func:`_`."""
    return message


#: a message in a static HTML file (the verify app's page): ``{{_("English text")}}``
PLACEHOLDER = re.compile(r'\{\{_\("((?:[^"\\]|\\.)*)"\)\}\}')


def fill_placeholders(text: str) -> str:
    """``text`` with each ``{{_("...")}}`` replaced by its message in the current language, HTML-escaped."""
    return PLACEHOLDER.sub(lambda m: html.escape(_(m.group(1)), quote=True), text)


def extract_placeholders(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple]:
    """Babel extraction method for ``{{_("...")}}`` in HTML (``babel.cfg`` names it)."""
    for lineno, line in enumerate(fileobj.read().decode("utf-8").splitlines(), 1):
        for m in PLACEHOLDER.finditer(line):
            yield lineno, "_", m.group(1), []


def messages() -> dict[str, str]:
    """Every translated message of the current language, msgid -> text (for the browser apps)."""
    if current_language() == "en":
        return {}
    catalog = getattr(_translations("zh"), "_catalog", {})
    return {k: v for k, v in catalog.items() if isinstance(k, str) and k}


def _(message: str) -> str:
    """``message`` in the current language."""
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message in the current language."""
    return _translations(current_language()).ngettext(singular, plural, n)
