"""Synthetic scanned pages with known truth, for the OCR tests.

Draws an A4 page at 200 dpi with a title, a prose line and a ruled table shaped like the
applications table (merged label cells spanning rows and columns, wrapped labels, seven numeric
columns), then optionally a red seal over a number, a black redaction box, rotation and skew.
Needs a CJK font: Debian/Ubuntu package ``fonts-noto-cjk`` (NotoSerifCJK-Regular.ttc).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from govreport.layout.tokens import Kind, Token

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


def cjk_font_path() -> str:
    for p in FONT_CANDIDATES:
        if Path(p).exists():
            return p
    pytest.skip("no CJK font: apt-get install fonts-noto-cjk")
    raise AssertionError  # unreachable


LABEL_ROWS: list[tuple[str, str, str]] = [
    # (col0 group label, col1 sub-group label, col2 item label); "" = merged with the cell above/left
    ("一、本年新收政府信息公开申请数量", "", ""),
    ("二、上年结转政府信息公开申请数量", "", ""),
    ("三、本年度办理结果", "（一）予以公开", ""),
    ("", "（二）部分公开", ""),
    ("", "（三）不予公开", "1.属于国家秘密"),
    ("", "", "2.其他法律行政法规禁止公开"),
    ("", "", "3.危及“三安全一稳定”"),
    ("", "", "4.保护第三方合法权益"),
    ("", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("", "", "2.没有现成信息需要另行制作"),
    ("", "（五）不予处理", "1.信访举报投诉类申请"),
    ("", "", "2.重复申请"),
    ("", "（六）其他处理", ""),
    ("", "（七）总计", ""),
    ("四、结转下年度继续办理", "", ""),
]
NUM_COLS = 7
HEADERS_2 = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


@dataclass
class SyntheticPage:
    image: Image.Image
    numbers: list[list[str]]  #: one list of 7 printed strings per body row ("" for a blank cell)
    masked: set[tuple[int, int]] = field(default_factory=set)  #: (body row, col) under a black box
    sealed: tuple[int, int] | None = None  #: (body row, col) under the red seal
    cell_boxes: dict[tuple[int, int], tuple[int, int, int, int]] = field(default_factory=dict)
    title: str = "某某区人民政府办公室2023年政府信息公开工作年度报告"


def _values(rng: random.Random) -> list[list[str]]:
    rows = []
    for r in range(len(LABEL_ROWS)):
        vals = []
        for c in range(NUM_COLS - 1):
            roll = rng.random()
            if r == 3 and c == 4:
                vals.append("")  # a printed-empty cell
            elif roll < 0.35:
                vals.append("0")
            elif roll < 0.8:
                vals.append(str(rng.randint(1, 99)))
            else:
                vals.append(str(rng.randint(100, 2999)))
        total = sum(int(v) for v in vals if v)
        rows.append([*vals, str(total)])
    return rows


def make_table_page(
    seed: int = 1,
    *,
    seal: tuple[int, int] | None = None,
    black_box: tuple[int, int] | None = None,
    dpi: int = 200,
    ruled: bool = True,
) -> SyntheticPage:
    """An upright table page; ``seal``/``black_box`` put a red seal / black box on (row, col)."""
    rng = random.Random(seed)
    numbers = _values(rng)
    scale = dpi / 200
    w, h = int(1654 * scale), int(2339 * scale)
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    fp = cjk_font_path()
    f_title = ImageFont.truetype(fp, int(40 * scale))
    f_body = ImageFont.truetype(fp, int(26 * scale))
    f_cell = ImageFont.truetype(fp, int(24 * scale))

    page = SyntheticPage(img, numbers)
    d.text((w // 2, int(150 * scale)), page.title, font=f_title, fill="black", anchor="mm")
    d.text(
        (int(140 * scale), int(250 * scale)),
        "本年度共收到政府信息公开申请情况如下表所示。",
        font=f_body,
        fill="black",
    )
    x0, y0 = int(110 * scale), int(330 * scale)
    colw = [int(v * scale) for v in (110, 170, 330, 125, 125, 125, 125, 125, 125, 120)]
    xs = [x0]
    for cw in colw:
        xs.append(xs[-1] + cw)
    head_h, row_h = int(62 * scale), int(84 * scale)
    ys = [y0, y0 + head_h, y0 + 2 * head_h]
    for _ in LABEL_ROWS:
        ys.append(ys[-1] + row_h)
    lw = max(2, int(2 * scale))

    def box(c0: int, c1: int, r0: int, r1: int, text: str, font: ImageFont.FreeTypeFont) -> None:
        bx0, bx1, by0, by1 = xs[c0], xs[c1], ys[r0], ys[r1]
        if ruled:
            d.rectangle((bx0, by0, bx1, by1), outline="black", width=lw)
        if text:
            _draw_wrapped(d, text, font, (bx0, by0, bx1, by1))

    box(0, 3, 0, 2, "申请人情况", f_cell)
    box(3, 10, 0, 1, "申请人类型", f_cell)
    for i, lab in enumerate(HEADERS_2):
        box(3 + i, 4 + i, 1, 2, lab, f_cell)

    # label cells, honouring the merges encoded by "" in LABEL_ROWS
    n = len(LABEL_ROWS)
    for r, (g0, g1, g2) in enumerate(LABEL_ROWS):
        rr = r + 2
        if g0:
            span = 1
            while r + span < n and not LABEL_ROWS[r + span][0]:
                span += 1
            c1 = 3 if not g1 and not g2 else 1
            box(0, c1, rr, rr + span, g0, f_cell)
        if g1:
            span = 1
            while r + span < n and not LABEL_ROWS[r + span][1] and not LABEL_ROWS[r + span][0]:
                span += 1
            if not g2 and span > 1:
                span = 1
            box(1, 3 if not g2 else 2, rr, rr + span, g1, f_cell)
        if g2:
            box(2, 3, rr, rr + 1, g2, f_cell)
        for c in range(NUM_COLS):
            box(3 + c, 4 + c, rr, rr + 1, numbers[r][c], f_cell)
            page.cell_boxes[(r, c)] = (xs[3 + c], ys[rr], xs[4 + c], ys[rr + 1])

    if black_box is not None:
        r, c = black_box
        bx0, by0, bx1, by1 = xs[3 + c], ys[2 + r], xs[4 + c], ys[3 + r]
        d.rectangle((bx0 + 18 * scale, by0 + 22 * scale, bx1 - 18 * scale, by1 - 22 * scale), fill="black")
        page.masked.add(black_box)
    if seal is not None:
        r, c = seal
        cx, cy = (xs[3 + c] + xs[4 + c]) // 2, (ys[2 + r] + ys[3 + r]) // 2
        _draw_seal(img, (cx + int(30 * scale), cy + int(10 * scale)), int(120 * scale), f_cell)
        page.sealed = seal
    return page


def _draw_wrapped(
    d: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, rect: tuple[int, int, int, int]
) -> None:
    x0, y0, x1, y1 = rect
    maxw = (x1 - x0) - 16
    lines, cur = [], ""
    for ch in text:
        if d.textlength(cur + ch, font=font) > maxw and cur:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    lines.append(cur)
    lh = font.size * 1.25
    top = (y0 + y1) / 2 - lh * len(lines) / 2 + lh / 2
    for i, line in enumerate(lines):
        d.text(((x0 + x1) / 2, top + i * lh), line, font=font, fill="black", anchor="mm")


def _draw_seal(img: Image.Image, center: tuple[int, int], radius: int, font: ImageFont.FreeTypeFont) -> None:
    """A translucent red round seal with a star and a ring of text, multiplied onto the page."""
    layer = Image.new("RGB", img.size, "white")
    d = ImageDraw.Draw(layer)
    cx, cy = center
    red = (220, 30, 40)
    d.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=max(4, radius // 14))
    star = []
    for k in range(10):
        ang = -np.pi / 2 + k * np.pi / 5
        rr = radius * (0.32 if k % 2 == 0 else 0.13)
        star.append((cx + rr * np.cos(ang), cy + rr * np.sin(ang)))
    d.polygon(star, fill=red)
    text = "某某区人民政府办公室"
    for i, ch in enumerate(text):
        ang = np.pi * (1.15 + 0.7 * i / (len(text) - 1))
        tx, ty = cx + radius * 0.72 * np.cos(ang), cy + radius * 0.72 * np.sin(ang)
        d.text((tx, ty), ch, font=font, fill=red, anchor="mm")
    a = np.asarray(img, dtype=np.float32) * np.asarray(layer, dtype=np.float32) / 255.0
    img.paste(Image.fromarray(a.astype(np.uint8)))


def transform_point(
    size: tuple[int, int], xy: tuple[float, float], *, rotate: int = 0, skew: float = 0.0
) -> tuple[float, float]:
    """Where :func:`transform` moves the point ``xy`` of an upright page of ``size``."""
    (w, h), (x, y) = size, xy
    for angle in (skew, rotate):
        if not angle:
            continue
        t = np.radians(angle)
        c, s = np.cos(t), np.sin(t)
        nw = abs(w * c) + abs(h * s)
        nh = abs(w * s) + abs(h * c)
        dx, dy = x - w / 2, y - h / 2
        x, y = dx * c + dy * s + nw / 2, -dx * s + dy * c + nh / 2
        w, h = round(nw), round(nh)
    return x, y


def transform(img: Image.Image, *, rotate: int = 0, skew: float = 0.0, noise: bool = True) -> Image.Image:
    """Rotate by a multiple of 90° (counter-clockwise), skew by a small angle, add scanner noise."""
    out = img
    if skew:
        out = out.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    if rotate:
        out = out.rotate(rotate, expand=True)
    if noise:
        a = np.asarray(out, dtype=np.int16)
        rng = np.random.default_rng(0)
        a = np.clip(a + rng.normal(0, 6, a.shape[:2])[..., None], 0, 255).astype(np.uint8)
        out = Image.fromarray(a)
    return out


def token_rows(tokens: list[Token]) -> list[list[Token]]:
    """Tokens split at BREAKs."""
    rows: list[list[Token]] = [[]]
    for t in tokens:
        if t.kind is Kind.BREAK:
            rows.append([])
        else:
            rows[-1].append(t)
    return [r for r in rows if r]


def body_rows(tokens: list[Token]) -> list[list[Token]]:
    """Rows ending in seven numeric/blank/mask cells (the synthetic table's body)."""
    ok = (Kind.NUMBER, Kind.BLANK, Kind.MASK)
    return [r for r in token_rows(tokens) if len(r) >= NUM_COLS + 1 and all(t.kind in ok for t in r[-NUM_COLS:])]


def cell_errors(page: SyntheticPage, tokens: list[Token]) -> list[str]:
    """Differences between the numbers read and the page's truth (masked cells must be MASK)."""
    rows = body_rows(tokens)
    errs = [] if len(rows) == len(page.numbers) else [f"{len(rows)} body rows, want {len(page.numbers)}"]
    for i, (row, want) in enumerate(zip(rows, page.numbers, strict=False)):
        for c, (tok, w) in enumerate(zip(row[-NUM_COLS:], want, strict=True)):
            if (i, c) in page.masked:
                if tok.kind is not Kind.MASK:
                    errs.append(f"row {i} col {c}: {tok.kind.value} {tok.text!r}, want mask")
            elif (tok.kind is Kind.BLANK and w) or (tok.kind is not Kind.BLANK and tok.text != w):
                errs.append(f"row {i} col {c}: {tok.kind.value} {tok.text!r}, want {w!r}")
    return errs
