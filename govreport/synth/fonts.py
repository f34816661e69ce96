"""The CJK font generated documents are printed in (PDF via reportlab, images via Pillow)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from functools import cache

from PIL import ImageFont

log = logging.getLogger(__name__)

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
FONT_NAME = "GovCJK"


class FontNotFound(RuntimeError):
    """No CJK TrueType font could be found (install Debian's ``fonts-wqy-zenhei``)."""


def _fc_match() -> list[str]:
    if not shutil.which("fc-match"):
        return []
    out: list[str] = []
    for pattern in (":lang=zh-cn:fontformat=TrueType", ":lang=zh-cn"):
        try:
            res = subprocess.run(["fc-match", "-s", "-f", "%{file}\n", pattern], capture_output=True,
                                 text=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        out += [line.strip() for line in res.stdout.splitlines()[:20] if line.strip()]
    return out


@cache
def cjk_font() -> tuple[str, int]:
    """``(path, index)`` of a CJK font with TrueType outlines (embeddable by reportlab).

    ``GOVREPORT_CJK_FONT`` (``path`` or ``path:index``) overrides the search.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    env = os.environ.get("GOVREPORT_CJK_FONT")
    candidates: list[str] = [env] if env else []
    candidates += [*_FONT_CANDIDATES, *_fc_match()]
    for cand in candidates:
        path, idx = cand, ""
        head, sep, tail = cand.rpartition(":")
        if sep and tail.isdigit():
            path, idx = head, tail
        if not os.path.isfile(path) or not path.lower().endswith((".ttf", ".ttc", ".otf")):
            continue
        try:
            font = TTFont(FONT_NAME, path, subfontIndex=int(idx or 0))
            # must cover the characters we print
            if not all(font.face.charToGlyph.get(ord(ch)) for ch in "政府信息公开（）１"):
                continue
        except Exception:  # CFF outlines, broken files: try the next one
            continue
        pdfmetrics.registerFont(font)
        log.debug("CJK font: %s (index %s)", path, idx or 0)
        return path, int(idx or 0)
    raise FontNotFound("no CJK TrueType font found: apt-get install fonts-wqy-zenhei "
                       "(or set GOVREPORT_CJK_FONT=/path/to/font.ttc)")


def text_width(text: str, size: float) -> float:
    from reportlab.pdfbase import pdfmetrics

    cjk_font()
    return float(pdfmetrics.stringWidth(text, FONT_NAME, size))


@cache
def pil_font(size_px: int) -> ImageFont.FreeTypeFont:
    """The CJK font at ``size_px`` pixels, for drawing page images."""
    path, index = cjk_font()
    return ImageFont.truetype(path, size=max(4, size_px), index=index)
