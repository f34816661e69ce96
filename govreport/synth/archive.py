"""An archive of several bodies' reports over several years, in every input form, with known truth
and, on request, planted violations of what the law and the template ask (the audit's test bed).

Each body's series is consistent from year to year: ``carried_forward`` of one year is the next year's
``carried_over``, 现行有效 follows 制发 and 废止, counts move smoothly, every part is there with prose of
its own, and every report is dated before its deadline. ``violations=True`` plants, each in one report
(:attr:`Archive.planted` says where and what the audit must find): a missing part, an empty 存在的主要问题
part, a late date, a broken 现行有效 stock-and-flow, a part copied from the body's previous report and one
copied from another body's, a missing year, a tenfold jump and a figure stated for 全市. Everything else
is drawn the same with or without them.

``identity=True`` adds what tests of body identity need (:attr:`Archive.variants` and the fields after it):
the body of the tenfold jump prints its name with its parent's prefix in its last year (临江市北湖县财政局,
one body under two names), a report names no body at all, and a sixth body's appeals rest on one case
(one 行政复议, corrected: a 纠错率 of 100% from one case).

    python -m govreport.synth.archive OUT [--clean] [--seed N]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from govreport.synth.flatten import Damage, flatten
from govreport.synth.printed import PrintedDocument, Prose, fmt, printed_document
from govreport.synth.prose import report_prose
from govreport.synth.truth import Truth, random_truth

BODIES: tuple[tuple[str, str], ...] = (
    ("临江市生态环境局", "department"), ("北湖县财政局", "department"), ("南岭区市场监督管理局", "department"),
    ("长河市人民政府", "government"), ("云溪县人民政府", "government"))
FORMS = ("tabs", "docx", "html", "text_pdf", "pipes")
EXT = {"tabs": ".txt", "pipes": ".md", "docx": ".docx", "html": ".html", "text_pdf": ".pdf"}
APPLICANTS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org")


@dataclass(frozen=True, slots=True)
class Planted:
    """One planted violation: where, and what the audit must report (``kind``, text in its message)."""

    violation: str
    agency: str
    year: int
    file: str | None  #: the report's file name (None for a missing year)
    kind: str
    evidence: str


@dataclass
class Archive:
    folder: Path
    files: list[Path] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    forms: dict[str, str] = field(default_factory=dict)  #: file name -> form
    variants: dict[str, str] = field(default_factory=dict)  #: file name -> the body's other name printed in it
    unnamed: list[str] = field(default_factory=list)  #: files whose report names no body
    one_case: tuple[str, int, str] | None = None  #: (body, year, file) whose appeals are one case


ONE_CASE_BODY = ("东山县人民政府", "government")  #: the sixth body of ``identity=True``
PARENT = "临江市"  #: the prefix the variant name prints


def _applications(truth: Truth, rng: random.Random, scale: float, carried: dict[str, int]) -> dict[str, int]:
    """Fill ``applications`` around ``scale`` with ``carried`` as carried_over; returns carried_forward."""
    a, v = "applications", truth.values
    outcomes = [k[1] for k in v if k[0] == a and k[2] == "total"
                and k[1] not in ("new", "carried_over", "total_handled", "carried_forward")]
    weights = {"natural_person": 1.0, "commercial": 0.25, "research": 0.05, "social_org": 0.05,
               "legal_service": 0.1, "other_org": 0.1}
    share = {"disclosed": 0.35, "partially_disclosed": 0.1, "unable_not_held": 0.15}
    forward: dict[str, int] = {}
    for col in APPLICANTS:
        handled = 0
        for row in outcomes:
            n = round(rng.random() * 2 * scale * weights[col] * share.get(row, 0.03))
            v[(a, row, col)] = n
            handled += n
        over = carried.get(col, 0)
        if handled < over:  # what was carried over is handled this year at least
            v[(a, "disclosed", col)] += over - handled
            handled = over
        fwd = round(rng.random() * 0.15 * scale * weights[col])
        v[(a, "total_handled", col)], v[(a, "carried_over", col)] = handled, over
        v[(a, "carried_forward", col)], v[(a, "new", col)] = fwd, handled + fwd - over
        forward[col] = fwd
    for row in {k[1] for k in v if k[0] == a}:
        v[(a, row, "total")] = sum(v[(a, row, c)] for c in APPLICANTS)
    return forward


def _write(doc: PrintedDocument, form: str, path: Path, seed: int) -> None:
    if form in ("tabs", "pipes"):
        path.write_text(flatten(doc, form, Damage(), seed=seed)[0], encoding="utf-8")
    elif form == "docx":
        from govreport.synth.render_docx import render_docx

        render_docx(doc, path)
    elif form == "html":
        from govreport.synth.render_html import write_html

        write_html(doc, path)
    else:
        from govreport.synth.render_pdf import render_pdf

        render_pdf(doc, path, seal=False)


def build_archive(folder: str | Path, seed: int = 0, violations: bool = True,
                  years: Sequence[int] = range(2020, 2025), bodies: Sequence[tuple[str, str]] = BODIES,
                  forms: Sequence[str] = FORMS, identity: bool = False) -> Archive:
    """Write the archive into ``folder`` (gov2021 reports, ``len(bodies) * len(years)`` of them, one fewer
    with violations: the missing year).

    One loop over bodies and years that draws from one random stream per body and applies the
    violation planned for each (body, year); split, the steps would pass that state around, so it
    stays one function"""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    years = list(years)
    assert len(years) >= 5 and len(bodies) >= 5, "the planted violations need five bodies over five years"
    arch = Archive(folder)
    names = [b[0] for b in bodies]
    plan = {  # (body, year index) -> violation
        (names[0], 1): "late_date", (names[0], 3): "copied_part",
        (names[1], 2): "missing_part", (names[1], len(years) - 1): "tenfold_jump",
        (names[2], 1): "empty_problems_part", (names[2], 3): "gap_year",
        (names[3], 2): "broken_stock_flow", (names[3], 3): "city_figure",
        (names[4], len(years) - 1): "copied_across_bodies",
    } if violations else {}
    part1_of: dict[tuple[str, int], list[str]] = {}  # for the copy across bodies
    if identity:
        bodies = [*bodies, ONE_CASE_BODY]
    for b, (agency, kind) in enumerate(bodies):
        brng = random.Random(f"{seed}:{agency}")
        stock = {"regulations": brng.randint(0, 8) if kind == "government" else 0,
                 "normative_documents": brng.randint(5, 60)}
        scale = brng.uniform(8, 40)
        bases = {k: brng.randint(20, 400) for k in ("art20_5.licensing", "art20_6.penalties", "art20_6.coercion")}
        carried: dict[str, int] = {}
        prev_part5: list[str] | None = None
        for i, year in enumerate(years):
            what = plan.get((agency, i))
            rng = random.Random(f"{seed}:{agency}:{year}")
            truth = random_truth("gov2021", rng=rng, variant="split")
            truth.agency, truth.year = agency, year
            if identity and b == 1 and i == len(years) - 1:
                truth.agency = PARENT + agency  # one body, its parent's prefix printed this year
            v = truth.values
            for row in ("regulations", "normative_documents"):
                issued = rng.randint(0, 4 if row == "normative_documents" else 1)
                repealed = rng.randint(0, min(3, stock[row]))
                stock[row] += issued - repealed
                if what == "broken_stock_flow" and row == "normative_documents":
                    stock[row] += 5  # five documents appear that were never issued
                v[("art20_1", row, "issued")], v[("art20_1", row, "repealed")] = issued, repealed
                v[("art20_1", row, "in_force")] = stock[row]
            for key, base in bases.items():
                table, row = key.split(".")
                v[(table, row, "decisions")] = round(base * rng.uniform(0.75, 1.3))
            carried = _applications(truth, rng, scale * (12 if what == "tenfold_jump" else 1), carried)
            if identity:
                _steady_appeals(truth, random.Random(f"{seed}:{agency}:{year}:appeals"))
            if identity and (agency, kind) == ONE_CASE_BODY and i == 2:
                for row in ("review", "direct_suit", "suit_after_review"):
                    for col, n in (("upheld", 0), ("corrected", 1 if row == "review" else 0), ("other", 0),
                                   ("pending", 0)):
                        v[("appeals", row, col)] = n
                    v[("appeals", row, "total")] = 1 if row == "review" else 0
            prose = report_prose(truth, kind, rng)
            part5 = list(prose.parts["part5"])
            _plant(what, prose, truth, prev_part5, part1_of.get((names[0], year)))
            prev_part5 = part5
            if b == 0:
                part1_of[(agency, year)] = list(prose.parts["part1"])
            form = forms[(b + i) % len(forms)]
            name = f"body{b}_{year}{EXT[form]}"
            if what is not None:
                arch.planted.append(_expect(what, agency, year, None if what == "gap_year" else name, prose, truth))
            if what == "gap_year":
                continue
            path = folder / name
            _write(printed_document(truth, prose), form, path, seed=b * 100 + i)
            arch.files.append(path)
            arch.forms[name] = form
            if truth.agency != agency:
                arch.variants[name] = truth.agency
            if identity and (agency, kind) == ONE_CASE_BODY and i == 2:
                arch.one_case = (agency, year, name)
    if identity:
        _unnamed(arch, seed, years[2])
    return arch


def _steady_appeals(truth: Truth, rng: random.Random) -> None:
    """Appeals whose 纠错率 stays within 10–30% (so that one case corrected, 100%, would stand far out)."""
    for row in ("review", "direct_suit", "suit_after_review"):
        total = rng.randint(6, 20)
        corrected = round(total * rng.uniform(0.1, 0.3))
        pending, other = rng.randint(0, 2), rng.randint(0, 1)
        parts = {"upheld": total - corrected - pending - other, "corrected": corrected, "other": other,
                 "pending": pending, "total": total}
        for col, n in parts.items():
            truth.values[("appeals", row, col)] = n


def _unnamed(arch: Archive, seed: int, year: int) -> None:
    """A report that names no body (its title and signature without one)."""
    rng = random.Random(f"{seed}:unnamed:{year}")
    truth = random_truth("gov2021", rng=rng, variant="split")
    truth.agency, truth.year = "", year
    _applications(truth, rng, 20, {})
    prose = report_prose(truth, "department", rng)
    name = f"unnamed_{year}.txt"
    _write(printed_document(truth, prose), "tabs", arch.folder / name, seed=999)
    arch.files.append(arch.folder / name)
    arch.forms[name] = "tabs"
    arch.unnamed.append(name)


def _plant(what: str | None, prose: Prose, truth: Truth, prev_part5: list[str] | None,
           other_part1: list[str] | None) -> None:
    y = truth.year
    if what == "late_date":
        prose.signed, prose.published = f"{y + 1}年3月10日", f"{y + 1}-03-10"
    elif what == "copied_part" and prev_part5 is not None:
        prose.parts["part5"] = list(prev_part5)
    elif what == "copied_across_bodies" and other_part1 is not None:
        prose.parts["part1"] = list(other_part1)
    elif what == "missing_part":
        prose.omit.add("part6")
    elif what == "empty_problems_part":
        prose.parts["part5"] = []
    elif what == "city_figure":
        new = truth.values[("applications", "new", "total")]
        prose.parts["part3"].insert(0, f"全市各级行政机关共收到政府信息公开申请{fmt(new * 37 + 11)}件。")


def _expect(what: str, agency: str, year: int, name: str | None, prose: Prose, truth: Truth) -> Planted:
    new = truth.values[("applications", "new", "total")]
    expect = {
        "late_date": ("deadline", f"{year + 1}-03-10"),
        "copied_part": ("boilerplate", "五、存在的主要问题及改进情况"),
        "copied_across_bodies": ("boilerplate", "一、总体情况"),
        "missing_part": ("compliance", "六、其他需要报告的事项 not found"),
        "empty_problems_part": ("compliance", "五、存在的主要问题及改进情况” is present but empty"),
        "broken_stock_flow": ("cross_year_stock_flow", f"{agency} {year - 1}–{year}: 行政规范性文件·现行有效件数"),
        "gap_year": ("cross_year_gap", f"no report for {year}"),
        "tenfold_jump": ("cross_year_jump", f"{agency} {year - 1}–{year}: 本年新收·总计"),
        "city_figure": ("narrative_mismatch", f"says {fmt(new * 37 + 11)} for 全市"),
    }[what]
    return Planted(what, agency, year, name, *expect)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m govreport.synth.archive", description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--clean", action="store_true", help="no planted violations")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    arch = build_archive(args.out, seed=args.seed, violations=not args.clean)
    for p in arch.planted:
        print(f"{p.violation}: {p.agency} {p.year} {p.file or '(not written)'} -> {p.kind}: {p.evidence}")
    print(f"{len(arch.files)} reports in {args.out}")


if __name__ == "__main__":  # pragma: no cover
    main()
