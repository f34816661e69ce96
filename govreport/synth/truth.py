"""Random but arithmetically consistent report contents, with known truth.

Used by the property tests, the sample generator and the benchmarks.

>>> t = random_truth("gov2021", seed=7)
>>> from govreport.tables.check import violations
>>> violations(t.template, t.values, t.variant)
[]
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from govreport.models.template import get_template
from govreport.types import CellRef

AGENCIES = ["青山区人民政府办公室", "临江市生态环境局", "北湖县财政局", "南岭区市场监督管理局",
            "东川市公安局西城分局", "云溪县自然资源和规划局", "白沙镇人民政府", "长河市交通运输局"]


@dataclass
class Truth:
    template: str
    variant: str | None  # applications variant: "split" / "single"
    values: dict[CellRef, int | float]
    year: int
    agency: str
    extra: dict[str, object] = field(default_factory=dict)


def _small(rng: random.Random, p_zero: float = 0.6, hi: int = 30) -> int:
    return 0 if rng.random() < p_zero else rng.randint(1, hi)


def random_truth(template_id: str = "gov2021", seed: int | None = None, variant: str | None = None,
                 rng: random.Random | None = None) -> Truth:
    """A consistent set of values for every cell of the template."""
    rng = rng or random.Random(seed)
    tpl = get_template(template_id)
    apps = tpl.table("applications")
    if variant is None:
        variant = apps.variants[0] if len(apps.variants) == 1 or rng.random() < 0.8 else apps.variants[-1]
    values: dict[CellRef, int | float] = {}
    for table in tpl.tables:
        if table.id in ("applications", "appeals"):
            continue
        for row in table.active_rows():
            for col in table.columns:
                if col.kind == "amount":
                    v: int | float = round(rng.choice([0.0, rng.uniform(0, 5000)]), 2)
                elif col.kind == "change":
                    v = rng.choice([0, 0, rng.randint(-20, 20)])
                else:
                    v = rng.choice([0, rng.randint(0, 50), rng.randint(0, 300000)])
                values[(table.id, row.id, col.id)] = v

    rows = [r.id for r in apps.active_rows(variant)]
    outcomes = [r for r in apps.groups["outcomes"] if r in rows]
    applicants = list(apps.groups["applicants"])
    busy = rng.random() < 0.5  # many organisations, or mostly natural persons
    for col in applicants:
        p_zero = 0.7 if (col == "natural_person" or busy) else 0.95
        handled = 0
        for r in outcomes:
            v = _small(rng, p_zero, 40 if col == "natural_person" else 5)
            values[("applications", r, col)] = v
            handled += v
        forward = _small(rng, 0.7, 10)
        over = rng.randint(0, handled + forward) if rng.random() < 0.4 else 0
        values[("applications", "total_handled", col)] = handled
        values[("applications", "carried_forward", col)] = forward
        values[("applications", "carried_over", col)] = over
        values[("applications", "new", col)] = handled + forward - over
    for r in rows:
        values[("applications", r, "total")] = sum(int(values[("applications", r, c)]) for c in applicants)

    for r in ("review", "direct_suit", "suit_after_review"):
        parts = [_small(rng, 0.6, 8) for _ in range(4)]
        for c, v in zip(("upheld", "corrected", "other", "pending"), parts, strict=True):
            values[("appeals", r, c)] = v
        values[("appeals", r, "total")] = sum(parts)
    year = rng.randint(2020, 2025) if template_id == "gov2021" else 2019
    return Truth(template_id, variant, values, year, rng.choice(AGENCIES))
