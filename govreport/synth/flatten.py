"""Flatten a printed report to text the way real reports reach us, with known truth.

Styles: ``tabs`` (tab-separated rows, positions drifting), ``pipes`` (``|``-separated rows),
``cells`` (one tab-prefixed cell per line, blank line between rows), ``lines`` (one cell per
line, blank cells as empty lines), ``spaces`` (single spaces, blank cells dropped).
Damage: masked cells (``****``), zeros printed blank, a deleted number, masked / misspelt /
split / wrapped labels, Kangxi radicals, half-width brackets.

>>> from govreport.synth.truth import random_truth
>>> from govreport.synth.printed import printed_document
>>> text, damage = flatten(printed_document(random_truth(seed=1)), "pipes", Damage())
>>> "行政许可 |" in text
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from govreport.synth.printed import Paragraph, PrintedCell, PrintedDocument, PrintedTable
from govreport.types import CellRef

STYLES = ("tabs", "pipes", "cells", "lines", "spaces")
_KANGXI = {"一": "⼀", "二": "⼆", "八": "⼋", "十": "⼗", "人": "⼈", "工": "⼯"}
_SIMILAR = {"政": "攻", "公": "分", "开": "幵", "申": "由", "请": "清", "处": "外", "理": "埋", "数": "教",
            "量": "星", "结": "给", "行": "衍", "总": "急", "计": "讣", "其": "共", "他": "地"}


@dataclass
class Damage:
    masked: set[CellRef] = field(default_factory=set)  #: printed as ****
    blank_zero: set[CellRef] = field(default_factory=set)  #: zeros printed as empty cells
    deleted: set[CellRef] = field(default_factory=set)  #: the number vanished from the text
    mask_labels: float = 0.0  #: share of row labels partly replaced by ****
    misspell: float = 0.0  #: share of row labels with one wrong character
    split_labels: float = 0.0  #: share of labels printed one character per line
    wrap: int = 0  #: wrap labels longer than this many characters (0: never)
    kangxi: bool = False
    halfwidth: bool = False
    drift: float = 0.0  #: chance of an extra empty field in a tab/pipe row

    @classmethod
    def random(cls, doc: PrintedDocument, rng: random.Random, heavy: bool = True) -> Damage:
        keys = list(doc.cell_text)
        zeros = [k for k in keys if doc.truth.values[k] == 0]
        d = cls(
            masked=set(rng.sample(keys, rng.randint(0, 3 if heavy else 1))),
            blank_zero=set(rng.sample(zeros, min(len(zeros), rng.randint(0, 25)))) if rng.random() < 0.6 else set(),
            mask_labels=rng.choice([0.0, 0.0, 0.1, 0.25]),
            misspell=rng.choice([0.0, 0.0, 0.1]),
            split_labels=rng.choice([0.0, 0.0, 0.15]),
            wrap=rng.choice([0, 0, 8, 14]),
            kangxi=rng.random() < 0.3,
            halfwidth=rng.random() < 0.5,
            drift=rng.choice([0.0, 0.0, 0.2]),
        )
        if heavy and rng.random() < 0.7:
            candidates = [k for k in keys if k not in d.masked and k not in d.blank_zero]
            d.deleted = {rng.choice(candidates)}
        return d


def damage_label(text: str, d: Damage, rng: random.Random) -> str:
    """A row label as ``d`` prints it: half-width brackets, a masked run, a misread character, Kangxi radicals."""
    s = text
    if d.halfwidth:
        s = s.replace("（", "(").replace("）", ")").replace("：", ":").replace("，", ",")
    core = [i for i, ch in enumerate(s) if "\u4e00" <= ch <= "\u9fff"]
    if len(core) >= 6 and rng.random() < d.mask_labels:
        start = rng.choice(core[2:-3])
        s = s[:start] + "****" + s[start + rng.randint(2, 4):]
    if core and rng.random() < d.misspell:
        idx = [i for i in core if i < len(s) and s[i] in _SIMILAR]
        if idx:
            i = rng.choice(idx)
            s = s[:i] + _SIMILAR[s[i]] + s[i + 1:]
    if d.kangxi:
        s = "".join(_KANGXI.get(ch, ch) for ch in s)
    return s


def _cell_text(cell: PrintedCell, d: Damage, rng: random.Random) -> str | None:
    """Printed text of a cell; ``None`` if it vanished."""
    if cell.key is None:
        return damage_label(cell.text, d, rng)
    if cell.key in d.deleted:
        return None
    if cell.key in d.masked:
        return "****"
    if cell.key in d.blank_zero:
        return ""
    return cell.text


def _wrap(text: str, d: Damage, rng: random.Random, sep: str) -> str:
    if text and rng.random() < d.split_labels and len(text) <= 12:
        return sep.join(text)
    if d.wrap and len(text) > d.wrap:
        return sep.join(text[i:i + d.wrap] for i in range(0, len(text), d.wrap))
    return text


def _table_lines(table: PrintedTable, style: str, d: Damage, rng: random.Random) -> list[str]:
    grid = table.grid()
    lines: list[str] = []
    for row in grid:
        texts: list[str | None] = []
        for cell in row:
            if cell is None:
                texts.append("" if style in ("tabs", "pipes") else None)
                continue
            t = _cell_text(cell, d, rng)
            if t is not None and cell.key is None:
                t = _wrap(t, d, rng, "\n" if style in ("cells", "lines") else "")
            texts.append(t)
        if style in ("tabs", "pipes"):
            fields = [t for t in texts if t is not None]
            if rng.random() < d.drift:
                fields.append("")
            if rng.random() < d.drift:
                fields.insert(0, "")
            lines.append(("\t" if style == "tabs" else " | ").join(fields))
        elif style == "cells":
            for t in texts:
                if t is not None:
                    lines.append("\t" + t)
            lines.append("")
        elif style == "lines":
            lines.extend(t for t in texts if t is not None)
        else:  # spaces: blank cells and vanished numbers leave no trace
            words = [t.replace("\n", "") for t in texts if t]
            if words:
                lines.append(" ".join(words))
    return lines


def flatten(doc: PrintedDocument, style: str, damage: Damage, seed: int = 0) -> tuple[str, Damage]:
    """The document as text in ``style`` with ``damage`` applied."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}")
    rng = random.Random(seed)
    out: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            text = block.text
            if damage.kangxi:
                text = "".join(_KANGXI.get(ch, ch) for ch in text)
            out += [text, ""]
        else:
            out += _table_lines(block, style, damage, rng)
            out.append("")
    if doc.signed:
        out += [doc.truth.agency, doc.signed, ""]
    return "\n".join(out), damage
