"""The views of a scanned cell (govreport.ocr.views): the one rule, and each view earning its place.

Each view earns its place on a generated page (``scanfixtures.make_table_page`` with a seal, a box,
a stroke or a reader's pencil circles, gray and blurred as scans are) where, read with every view, a
cell comes out right, and read with that view taken out of :data:`~govreport.ocr.views.VIEWS`, the
same cell does not (:func:`test_each_view_reads_a_cell_no_other_view_reads_right`). The pages and
cells were found by reading such pages with each view taken out in turn; the truth is the page's
own (what was drawn). A view for which no such page could be found is not kept: ``lines_cut`` (a
doubtful two-line-tall "line" cut apart) decided no cell on 50 pages made for it (wrapped labels
blurred together or tied by strokes) and was dropped. The pages say nothing about how often each
view decides a cell on real scans.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from govreport.layout.tokens import Kind, Token
from govreport.ocr import views
from govreport.ocr.cells import PART_READ_CONF, SEAL_READ_CONF, CellRead, ViewReading

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scanfixtures import body_rows, cell_errors, make_table_page, token_rows


def _cell(text: str = "", conf: float | None = None, kind: str = "ink") -> CellRead:
    return CellRead((0.0, 0.0, 60.0, 30.0), 3, 4, text=text, conf=conf, kind=kind)


def _view(name: str) -> views.View:
    return next(v for v in views.VIEWS if v.name == name)


def test_views_are_one_list_of_named_functions():
    names = [v.name for v in views.VIEWS]
    assert len(names) == len(set(names))
    assert names[0] == "plain" and {v.stage for v in views.VIEWS} == {"first", "doubt", "seal"}
    for v in views.VIEWS:
        assert callable(v.crops) and v.crops.__doc__, f"{v.name}: a view is a function that says what it cuts"


def _judged(view: str, cr: CellRead, new: ViewReading) -> str:
    """The one rule's verdict on ``new`` from ``view``, applied to ``cr``."""
    trust = _view(view).trust
    verdict = views.judge(cr.reading(), new, trust, cr)
    views._apply(cr, new, trust, verdict)
    return verdict


def test_a_seal_view_takes_a_number_where_there_was_none_doubted_the_most():
    cr = _cell("臼", 0.6)
    assert _judged("without_light", cr, ViewReading("ink", "17", 0.9)) == "take"
    assert (cr.text, cr.conf) == ("17", PART_READ_CONF)


def test_a_clear_reading_a_seal_view_contradicts_is_doubted_not_overturned():
    cr = _cell("17", 0.97)
    assert _judged("without_ring", cr, ViewReading("ink", "11", 0.99)) == "doubt"
    assert (cr.text, cr.conf) == ("17", SEAL_READ_CONF)


def test_views_that_agree_change_nothing():
    cr = _cell("17", 0.6)
    assert views.judge(cr.reading(), ViewReading("ink", "17", 0.9), _view("without_residue").trust, cr) == "keep"


def test_the_band_view_vouches_only_for_numbers_and_only_where_none_was_read():
    band = _view("on_band").trust
    cr = _cell("臼", 0.3)
    assert views.judge(cr.reading(), ViewReading("ink", "公开", 0.99), band, cr) == "keep"
    assert views.judge(cr.reading(), ViewReading("ink", "8", 0.2), band, cr) == "take"
    read = _cell("8", 0.3)
    assert views.judge(read.reading(), ViewReading("ink", "3", 0.99), band, read) == "keep"


def test_the_inner_print_view_must_be_more_confident_by_a_margin():
    inner = _view("inner").trust
    cr = _cell("1?", 0.5)
    assert views.judge(cr.reading(), ViewReading("ink", "17", 0.53), inner, cr) == "keep"
    assert views.judge(cr.reading(), ViewReading("ink", "17", 0.7), inner, cr) == "take"
    assert views.judge(cr.reading(), ViewReading("ink", "其他", 0.99), inner, cr) == "keep"


def test_other_numbers_the_views_read_are_the_cells_alternatives():
    from govreport.ocr.cells import _other_values

    cr = _cell("17", 0.6)
    cr.evidence = [ViewReading("ink", "17", 0.6, None, "plain"), ViewReading("ink", "11", 0.5, None, "inner"),
                   ViewReading("ink", "71", 0.7, None, "on_band"), ViewReading("blank", "", 1.0, None, "x")]
    assert _other_values(cr, "17") == (71, 11)
    assert _other_values(cr, "") == (71, 17, 11)


# --------------------------------------------------------------------------------------------
# each view earns its place: a generated page where only that view reads a cell right


def _scanned(img: Image.Image, *, blur: float, quality: int, shrink: float = 1.0) -> Image.Image:
    """A gray scan of ``img``: optionally at a lower resolution, blurred, JPEG-compressed."""
    g = img.convert("L")
    if shrink != 1.0:
        g = g.resize((round(g.width * shrink), round(g.height * shrink)), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    g.filter(ImageFilter.GaussianBlur(blur)).save(buf, "JPEG", quality=quality)
    out = Image.open(buf).convert("L")
    return out.resize(img.size, Image.Resampling.BICUBIC) if shrink != 1.0 else out


def _colour_seal() -> Image.Image:
    """A clean colour page with a red seal (the printed-empty cell at row 3, column 4)."""
    return make_table_page(3, seal=(6, 2)).image


def _gray_seal() -> Image.Image:
    """The same page scanned gray: the seal is dark ink like the print over rows 5-7."""
    return _scanned(make_table_page(3, seal=(6, 2)).image, blur=0.8, quality=50)


def _gray_seal_42() -> Image.Image:
    """A seal over body rows 6-8, scanned gray: its ring crosses the printed 0 of row 7, column 0
    at the cell's edge."""
    return _scanned(make_table_page(42, seal=(7, 1)).image, blur=0.8, quality=50)


#: the cells a reader circled in pencil: two zeros, and a two-digit figure (row 13, column 2: 70)
CIRCLED = [(4, 3), (5, 4), (1, 6), (13, 2), (7, 2), (8, 6)]


def _circled() -> Image.Image:
    """Figures a reader circled in pencil (gray, lighter than the print) before the page was
    scanned: the recogniser reads a circle round 0 as ①, round 70 as ⑦ and a 0."""
    page = make_table_page(4)
    d = ImageDraw.Draw(page.image)
    for key in CIRCLED:
        x0, y0, x1, y1 = page.cell_boxes[key]
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        d.ellipse((cx - 42, cy - 26, cx + 42, cy + 26), outline=(110, 110, 110), width=3)
    return _scanned(page.image, blur=0.8, quality=50)


def _box_over_label() -> Image.Image:
    """A black box over the start of the label 4.保护第三方合法权益 (body row 7)."""
    page = make_table_page(8)
    x0, y0, _, y1 = page.cell_boxes[(7, 0)]
    label_x0 = x0 - 330  # the item labels' column is 330 px wide at 200 dpi
    ImageDraw.Draw(page.image).rectangle((label_x0 + 30, y0 + 24, label_x0 + 110, y1 - 24), fill="black")
    return page.image


def _dark_red_seal() -> Image.Image:
    """A dark red seal's ring and a stroke of it across a number (body row 7-8), JPEG 45: what
    painting red out leaves of it is residue."""
    page = make_table_page(6)
    x0, y0, x1, y1 = page.cell_boxes[(7, 3)]
    layer = Image.new("RGB", page.image.size, "white")
    d = ImageDraw.Draw(layer)
    cx, cy = (x0 + x1) // 2 + 20, (y0 + y1) // 2
    d.ellipse((cx - 110, cy - 110, cx + 110, cy + 110), outline=(150, 25, 35), width=9)
    d.line((x0 + 10, y0 + 30, x1 - 10, y1 - 30), fill=(150, 25, 35), width=6)
    stamped = np.asarray(page.image, dtype=np.float32) * np.asarray(layer, dtype=np.float32) / 255.0
    buf = io.BytesIO()
    Image.fromarray(stamped.astype(np.uint8)).save(buf, "JPEG", quality=45)
    return Image.open(buf).convert("RGB")


PAGES: dict[str, tuple[Callable[[], Image.Image], int]] = {  # name: (drawing, seed of its numbers)
    "colour_seal": (_colour_seal, 3),
    "gray_seal": (_gray_seal, 3),
    "gray_seal_42": (_gray_seal_42, 42),
    "circled": (_circled, 4),
    "box_over_label": (_box_over_label, 8),
    "dark_red_seal": (_dark_red_seal, 6),
}


def _value(row: int, col: int) -> Callable[[list[Token], int], bool]:
    """The body cell (row, col) reads as printed ("" for a cell printed empty)."""
    def right(tokens: list[Token], seed: int) -> bool:
        want = make_table_page(seed).numbers[row][col]
        rows = body_rows(tokens)
        if len(rows) <= row:
            return False
        tok = rows[row][-7:][col]
        if not want:
            return tok.kind is Kind.BLANK
        return tok.kind is Kind.NUMBER and tok.text == want
    right.__doc__ = f"body row {row}, column {col}"
    return right


def _label(text: str) -> Callable[[list[Token], int], bool]:
    """A label cell reads as what the box leaves of it, the box's side marked."""
    def right(tokens: list[Token], seed: int) -> bool:
        return any(t.kind is Kind.TEXT and t.text == text for r in token_rows(tokens) for t in r)
    right.__doc__ = f"the label {text}"
    return right


#: view: (page, the cell only it reads right)
EARNS: dict[str, tuple[str, Callable[[list[Token], int], bool]]] = {
    "plain": ("colour_seal", _value(3, 4)),  # inner print reads the others; the printed-empty cell is plain's
    "inner": ("gray_seal_42", _value(7, 0)),
    "beside_box": ("box_over_label", _label("■第三方合法权益")),
    "without_light": ("circled", _value(13, 2)),
    "without_residue": ("dark_red_seal", _value(8, 3)),
    "without_ring": ("gray_seal", _value(7, 3)),
    "on_band": ("gray_seal", _value(6, 3)),
}

_READ: dict[tuple[str, str | None], list[Token]] = {}


def _tokens(page: str, without: str | None, monkeypatch: pytest.MonkeyPatch) -> list[Token]:
    """The page's tokens, read with every view, or with ``without`` taken out of VIEWS."""
    if (page, without) not in _READ:
        from govreport.ocr.render import PageImage
        from govreport.ocr.scan import tokens_from_page_images
        from govreport.settings import ExtractSettings

        with monkeypatch.context() as m:
            if without is not None:
                m.setattr(views, "VIEWS", [v for v in views.VIEWS if v.name != without])
            img = np.asarray(PAGES[page][0]())
            _READ[page, without] = tokens_from_page_images([PageImage(1, img, 200)], ExtractSettings())[0]
    return _READ[page, without]


def test_every_view_has_a_page():
    assert set(EARNS) == {v.name for v in views.VIEWS}


@pytest.mark.ocr
@pytest.mark.parametrize("view", sorted(EARNS))
def test_each_view_reads_a_cell_no_other_view_reads_right(view: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("rapidocr")
    page, right = EARNS[view]
    seed = PAGES[page][1]
    assert right(_tokens(page, None, monkeypatch), seed), f"{page}: {right.__doc__} is read wrong with every view"
    assert not right(_tokens(page, view, monkeypatch), seed), \
        f"{page}: {right.__doc__} is read right without {view}: the view has not earned its place here"


@pytest.mark.ocr
def test_figures_circled_in_pencil_read_as_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every number on the circled page reads as printed: the circles' readings (①, ⑦) are doubted,
    so the seal views read the cells again without the lighter ink."""
    pytest.importorskip("rapidocr")
    assert cell_errors(make_table_page(4), _tokens("circled", None, monkeypatch)) == []


def test_an_encircled_digit_is_a_doubtful_reading():
    from govreport.ocr.numbers import GAPPED_CONF, encircled, read_numeric

    assert encircled("①") and encircled("⑦0") and not encircled("10") and not encircled("（一）")
    assert read_numeric("①", 0.99).confidence == GAPPED_CONF
    assert read_numeric("②9", 0.99).value == 29 and read_numeric("②9", 0.99).confidence == GAPPED_CONF
    assert read_numeric("29", 0.99).confidence == 0.99
    crop = views.Crop([np.zeros((4, 4), np.uint8)])
    assert views._reading(crop, iter([("⑦", 0.98)]), "plain").conf == GAPPED_CONF


@pytest.mark.parametrize("doc", ["README.md", "README.en.md", "docs/guide.md"])
def test_how_it_works_lists_the_views(doc: str) -> None:
    """The README's How it works (and the guide's) shows VIEWS as it is, in order."""
    import re

    text = (Path(__file__).resolve().parents[1] / doc).read_text(encoding="utf-8")
    block = text[text.index("VIEWS = ["):]
    block = block[: block.index("]\n")]
    assert re.findall(r'View\("(\w+)"', block) == [v.name for v in views.VIEWS]
