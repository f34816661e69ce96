"""``govreport templates``: the templates, their tables and constraints (printed labels in Chinese;
``--lang en`` lists the contract IDs)."""

from __future__ import annotations

from govreport.cli import common
from govreport.i18n import _, current_language


def templates(lang: common.Lang = None) -> None:
    """List the templates, their tables and their constraints."""
    from rich.console import Console
    from rich.markup import escape

    from govreport.models.template import templates as all_templates

    if current_language() != "en":  # long Chinese labels: the terminal wraps them, rich does not cut them
        _labels(Console(highlight=False, soft_wrap=True), all_templates().values(), escape)
        return
    console = Console(highlight=False)
    for tpl in all_templates().values():
        console.print(f"[bold]{tpl.id}[/bold]  {tpl.name}")
        for t in tpl.tables:
            variants = f" variants={','.join(t.variants)}" if t.variants else ""
            console.print(f"  [cyan]{t.id}[/cyan] {t.title} ({t.layout}{variants})")
            console.print(f"    rows: {', '.join(r.id + (f'[{r.variant}]' if r.variant else '') for r in t.rows)}")
            cols = ", ".join(c.id + ("" if c.kind == "count" else f"({c.kind})") for c in t.columns)
            console.print(f"    cols: {cols}")
            for c in t.constraints:
                each = f"for each {c.each}: " if c.each else ""
                console.print(f"    constraint {c.id}: {each}{' + '.join(c.lhs)} = {' + '.join(c.rhs)}  {c.text}")


def _labels(console, tpls, escape) -> None:  # type: ignore[no-untyped-def]
    """The listing as the reports print it: titles, row and column labels, each constraint in words."""
    from govreport.tables.words import row_label

    kinds = {"amount": _("amount"), "change": _("change")}
    each = {"row": _("in every row"), "col": _("in every column")}
    variant = {"split": _("printed in sub-rows"), "single": _("printed as one row")}
    for tpl in tpls:
        console.print(f"[bold]{escape(tpl.name)}[/bold]  " + escape(_("(template {id})").format(id=tpl.id)))
        for t in tpl.tables:
            variants = _("; variants: {names}").format(names="、".join(variant.get(v, v) for v in t.variants)) \
                if t.variants else ""
            console.print(f"  [cyan]{escape(t.title)}[/cyan]  " + escape(_("({layout}{variants})").format(
                layout=_("one row per item") if t.layout == "rows" else _("wide table"), variants=variants)))
            rows = [row_label(t, r.id) + (f"［{variant.get(r.variant, r.variant)}］" if r.variant else "")
                    for r in t.rows]
            if len(rows) <= 4:
                console.print("    " + escape(_("rows: {rows}").format(rows="；".join(rows))))
            else:  # a long table: one row a line
                console.print("    " + escape(_("rows: {rows}").format(rows="")))
                for r in rows:
                    console.print("      " + escape(r))
            cols = "、".join(c.label + (f"（{kinds[c.kind]}）" if c.kind in kinds else "") for c in t.columns)
            console.print("    " + escape(_("columns: {cols}").format(cols=cols)))
            for c in t.constraints:
                where = f"（{each.get(c.each, c.each)}）" if c.each else ""
                console.print("    " + escape(_("check: {text}").format(text=(c.text or c.id) + where)))
