"""A report's year against the template it was read with: a misfit is an issue, never silent.

The national template changed with 国办公开办函〔2021〕30号: reports for 2020 onward print ``gov2021``,
reports for 2019 (and before) the 2019 format. A 2022 report whose tables matched ``gov2019`` better
(a fax or a photo where the distinguishing labels are lost) is matched again on its year's template;
the year's reading is kept when it places at least as many printed rows, and either way the misfit
is named in an issue about the reading.

>>> expected_template(2022), expected_template(2019), expected_template(None)
('gov2021', 'gov2019', None)
"""

from __future__ import annotations

import logging

from govreport.i18n import _
from govreport.report import Issue
from govreport.tables.match import Match, best_match
from govreport.tables.segments import Segment

log = logging.getLogger("govreport")

FIRST_GOV2021_YEAR = 2020  #: the first report year printed on the 2021 template (contract: gov2021)


def expected_template(year: int | None) -> str | None:
    """The template a report for ``year`` is printed on (``None``: the year is not known)."""
    if year is None:
        return None
    return "gov2021" if year >= FIRST_GOV2021_YEAR else "gov2019"


def fit_year(match: Match, segments: list[Segment], text: str, year: int | None,
             forced: str | None = None) -> tuple[Match, list[Issue]]:
    """``match`` (or the match on the year's template, where that places as many rows) and the
    issue that names a misfit between the report's year and its template; a template forced by
    the caller (``forced``) is kept, its misfit named all the same."""
    want = expected_template(year)
    got = match.template.id
    if want is None or want == got:
        return match, []
    if forced is None:
        other = best_match(segments, text, want)
        if len(other.units) >= len(match.units) and other.units:
            log.info("year %s: %s matched better but %s places as many rows; read as %s", year, got, want, want)
            message = _("the report is for {year}, whose template is {want}; its tables matched {got} a little "
                        "better and were read as {want}: check the rows").format(year=year, want=want, got=got)
            return other, [Issue("template", None, message, [], about="reading")]
    message = _("the report is for {year}, whose template is {want}, but its tables were read as {got}: "
                "check the template and the year").format(year=year, want=want, got=got)
    return match, [Issue("template", None, message, [], about="reading")]
