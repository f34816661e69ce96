"""What a person reads, in their language: Chinese by default, English on request.

Every message meant for a person is written as ``_("English source text")`` (gettext's convention:
the msgid is English, the catalog ``govreport/locale/zh_CN/LC_MESSAGES/govreport.po`` holds the
Chinese). The language is chosen once per process by :func:`set_language` (the CLI's ``--lang``), else
``GOVREPORT_LANG``, else the locale (``LC_ALL``/``LC_MESSAGES``/``LANG`` starting ``en`` gives English),
else Chinese.

>>> set_language("en"); _("printed empty")
'printed empty'
>>> set_language(None)
"""

from __future__ import annotations

import gettext as _gettext
import os
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DOMAIN = "govreport"
LOCALE_DIR = Path(__file__).with_name("locale")

_chosen: str | None = None


def set_language(lang: str | None) -> None:
    """Use ``lang`` (``"zh"``, ``"en"``, or a locale name such as ``zh_CN``) from now on; ``None``
    goes back to the environment's choice."""
    global _chosen
    _chosen = None if lang is None else normalise(lang)


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


@lru_cache(maxsize=4)
def _translations(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=["zh_CN"], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language."""
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message in the current language."""
    return _translations(current_language()).ngettext(singular, plural, n)
