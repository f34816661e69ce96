"""Template data and the prose vocabulary are consistent: groups name real rows and columns, every
quantity the prose names resolves to cells of some template, and a wrong one would be caught."""

from __future__ import annotations

from govreport.models import prose as prose_module
from govreport.models.prose import prose, quantities, unknown_quantities
from govreport.models.template import templates


def test_groups_name_rows_or_columns_of_their_table() -> None:
    # a group may name rows of another variant (the 2019 format prints （六） as one row only)
    ids: dict[str, set[str]] = {}
    for tpl in templates().values():
        for spec in tpl.tables:
            ids.setdefault(spec.id, set()).update({r.id for r in spec.rows} | {c.id for c in spec.columns})
    for tpl in templates().values():
        for spec in tpl.tables:
            for name, members in spec.groups.items():
                assert members and set(members) <= ids[spec.id], (tpl.id, spec.id, name)


def test_every_prose_quantity_names_template_cells() -> None:
    assert quantities() and unknown_quantities() == set()


def test_an_unknown_quantity_is_caught(monkeypatch) -> None:
    monkeypatch.setattr(prose_module, "quantities", lambda: {"applications.no_such_row.total", "appeals.{row}.total"})
    assert unknown_quantities() == {"applications.no_such_row.total"}


def test_parents_and_zero_keywords_name_known_things() -> None:
    vocab = prose()
    assert vocab.appeals_rows <= {r.id for r in templates()["gov2021"].table(vocab.roles.appeals).rows} | {"suits"}
    assert set(vocab.zero_keywords.values()) <= quantities()
