"""The demo city's budgets: an approved carbon budget for the latest accounted year
(monitored on accounted months, then adjusted once with a reason) and one for the next year,
monitored on the months only the rapid estimates cover, so that the budget tree shows green,
yellow and red lines, accounted and estimated figures, and open warning cases.

The budgets are made from the city's own figures so that each colour appears: each line's
annual budget is its projected year divided by a chosen ratio (green 0.8, yellow 0.95, red
1.1 of the annual budget), the city's and districts' totals raised where their key
enterprises would otherwise add up to more. They are plausible in size, not a plan anyone
published."""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from citycarbon.web.audit.actions import Actor
from citycarbon.web.budgets import selectors
from citycarbon.web.budgets.actions import do_adjust, do_approve, do_create_plan, do_monitor
from citycarbon.web.budgets.imports import PLAN_LINES
from citycarbon.web.budgets.models import BudgetPlan, Measure
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District

ACTOR: Final = Actor.system("demo")
RATIOS: Final = (0.8, 0.95, 0.85, 1.1, 0.8)
"""Projected year ÷ annual budget of the demo lines, in turn (green, yellow, green, red,
green): two lines in five warn."""
KEY_ENTERPRISES: Final = 3
"""Key enterprises per district given a line of their own (the largest emitters)."""


def load_demo_budgets() -> list[BudgetPlan]:
    """The demo plans (once: a second load finds them and changes nothing). Returns the
    versions in force."""
    if not BudgetPlan.objects.filter(created_by=ACTOR.label).exists():
        accounted, estimated = selectors.available_months()
        if accounted:
            plan = _plan(int(accounted[-1][:4]), accounted[-1])
            if plan is not None:
                _adjust(plan, accounted[-1])
        if estimated and (not accounted or estimated[-1][:4] > accounted[-1][:4]):
            _plan(int(estimated[-1][:4]), estimated[-1])
    return [p for p in selectors.plans() if p.in_force]


def _adjust(plan: BudgetPlan, as_of: str) -> None:
    """One adjustment of ``plan``: its first key enterprise's budget cut by 5 % after a
    verified energy-saving retrofit; the new version is monitored as the first was."""
    line = plan.lines.filter(level="enterprise").order_by("id").first()
    if line is None:
        return
    adjusted = do_adjust(
        plan,
        {line.line_id: {"budget_tco2": round(line.budget_tco2 * 0.95, 1)}},
        reason="节能技改经核实后核减该企业预算 5%（演示）",
        actor=ACTOR,
    )
    do_monitor(adjusted, as_of, actor=ACTOR)


def _plan(year: int, as_of: str) -> BudgetPlan | None:
    city = next((c for c in District.objects.values_list("parent_code", flat=True) if c), "city")
    actuals = selectors.actuals(year, as_of, Measure.CARBON, city_code=city).frame
    months = int(as_of[5:])
    to_date = actuals.group_by("subject_id").agg(
        pl.col("tco2").sum(), pl.col("value_added_10k_yuan").sum()
    )
    projected: dict[str, float] = {
        str(s): float(t) * 12 / months for s, t, _va in to_date.iter_rows()
    }
    if city not in projected:
        return None
    turn = 0

    def budget(subject: str) -> float:
        nonlocal turn
        ratio = RATIOS[turn % len(RATIOS)]
        turn += 1
        return round(projected.get(subject, 0.0) / ratio, 1)

    enterprises = list(Enterprise.objects.values_list("entity_id", "pk", "district_id", "name"))
    district_lines: list[dict[str, Any]] = []
    enterprise_lines: list[dict[str, Any]] = []
    for district in District.objects.order_by("code"):
        if district.code not in projected:
            continue
        own = [e for e in enterprises if e[2] == district.pk and e[0] in projected]
        own.sort(key=lambda e: -projected[e[0]])
        children = []
        for entity, pk, district_id, name in own[:KEY_ENTERPRISES]:
            line = _line(f"E-{entity}", "enterprise", entity, f"D-{district.code}", name)
            line |= {"budget_tco2": budget(entity), "enterprise_id": pk, "district_id": district_id}
            children.append(line)
        total = max(budget(district.code), round(sum(c["budget_tco2"] for c in children) * 1.01, 1))
        line = _line(f"D-{district.code}", "district", district.code, "C", district.name_zh)
        line |= {"budget_tco2": total, "district_id": district.pk}
        district_lines.append(line)
        enterprise_lines.extend(children)
    root = _line("C", "city", city, None, "全市")
    root["budget_tco2"] = round(sum(d["budget_tco2"] for d in district_lines) * 1.02, 1)
    value_added = float(to_date.filter(pl.col("subject_id") == city)["value_added_10k_yuan"].sum())
    if value_added > 0:
        intensity = projected[city] / (value_added * 12 / months)
        root["budget_intensity_tco2_per_10k_yuan"] = round(intensity / RATIOS[1], 4)
    frame = pl.DataFrame(
        [root, *district_lines, *enterprise_lines],
        schema=PLAN_LINES,
    )
    plan = do_create_plan(
        year, Measure.CARBON, f"{year} 年度碳预算方案（演示）", frame, actor=ACTOR, source="demo"
    )
    plan = do_approve(plan, actor=ACTOR)
    do_monitor(plan, as_of, actor=ACTOR)
    return plan


def _line(
    budget_id: str, level: str, subject: str, parent: str | None, name: str
) -> dict[str, Any]:
    return {
        "row": 0,
        "budget_id": budget_id,
        "level": level,
        "subject_id": subject,
        "parent_id": parent,
        "name": name,
        "budget_tco2": 0.0,
        "budget_intensity_tco2_per_10k_yuan": None,
        "budget_energy_tce": None,
        "monthly_profile": None,
        "district_id": None,
        "enterprise_id": None,
    }
