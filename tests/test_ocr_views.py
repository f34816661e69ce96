"""The views of a scanned cell (govreport.ocr.views): the one rule, and each view earning its place."""

from __future__ import annotations

from govreport.ocr import views
from govreport.ocr.cells import PART_READ_CONF, SEAL_READ_CONF, CellRead, ViewReading


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


def test_a_seal_view_takes_a_number_where_there_was_none_doubted_the_most():
    cr = _cell("臼", 0.6)
    v = _view("without_light")
    new = ViewReading("ink", "17", 0.9)
    assert views.judge(cr.reading(), new, v.trust, cr) == "take"
    views._apply(cr, new, v.trust, "take")
    assert (cr.text, cr.conf) == ("17", PART_READ_CONF)


def test_a_clear_reading_a_seal_view_contradicts_is_doubted_not_overturned():
    cr = _cell("17", 0.97)
    v = _view("without_ring")
    new = ViewReading("ink", "11", 0.99)
    assert views.judge(cr.reading(), new, v.trust, cr) == "doubt"
    views._apply(cr, new, v.trust, "doubt")
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
