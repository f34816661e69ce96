"""``govreport templates``: the templates, their tables and constraints."""

from __future__ import annotations

from govreport.cli import common


def templates(lang: common.Lang = None) -> None:
    """List the templates, their tables and their constraints."""
    from rich.console import Console

    from govreport.models.template import templates as all_templates

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
