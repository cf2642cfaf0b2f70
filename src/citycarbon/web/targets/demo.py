"""The demo city's targets: a CO2-intensity target for each of its districts (basic and
incentive thresholds, synthetic and marked as placeholders), a department's energy-intensity
target with imported yearly changes, the seed case of document 000 with its published
changes, the accounted values of the published run, and a baseline scenario of the path to
the peak. Loading it again changes nothing."""

from __future__ import annotations

import polars as pl

from citycarbon.web.audit.actions import Actor
from citycarbon.web.regions.models import District
from citycarbon.web.targets.actions import (
    do_import_targets,
    do_record_accounted_values,
    do_record_value,
    do_save_scenario,
)
from citycarbon.web.targets.models import Scenario, Target, TargetValue, ValueSource
from citycarbon.web.targets.selectors import CO2_PER_IVA, base_emissions

DEMO_SOURCE = "演示数据（合成）"
SEED_CASE = "hu-energy-per-gdp-14fyp"
SEED_CHANGES = ((2021, 2022, 3.3), (2023, 2023, -5.9), (2024, 2024, -5.7))
"""Document 000: +3.3 % over the first two years of the 14th FYP, −5.9 % in 2023 and −5.7 %
in the first half of 2024 (taken as 2024's change)."""
DEPARTMENT = "市经信局"
DEPARTMENT_CHANGES = ((2021, -3.5), (2022, -4.0), (2023, -3.8), (2024, -4.2))
BASELINE = "基准情景"


def _row(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "city": "演示市",
        "subject_key": None,
        "unit": "%",
        "comparison": "le",
        "source_doc": "demo",
        "source_title": DEMO_SOURCE,
        "confidence": "I",
    }
    return {**base, **fields}


def _targets(first_year: int) -> pl.DataFrame:
    rows = [
        _row(
            target_id=f"demo-{d.code}-co2-per-iva",
            subject_type="district",
            subject_name=d.name_zh,
            subject_key=d.code,
            indicator=CO2_PER_IVA,
            indicator_zh="万元工业增加值二氧化碳排放",
            base_year=first_year,
            target_year=first_year + 3,
            value=-10.0,
            basic_value=-10.0,
            incentive_value=-12.0,
            quote="演示用目标：基本目标下降10%，激励目标下降12%，非来源文件数据。",
        )
        for d in District.objects.order_by("code")
    ]
    rows.append(
        _row(
            target_id="demo-department-energy-per-iva",
            subject_type="department",
            subject_name=DEPARTMENT,
            indicator="energy_per_iva",
            indicator_zh="规上工业单位增加值能耗",
            base_year=2020,
            target_year=2025,
            value=-16.0,
            basic_value=-16.0,
            incentive_value=-18.0,
            quote="演示用目标：仿照浙江省工业领域“下降16%、力争下降18%”设置基本目标和激励目标。",
        )
    )
    return pl.DataFrame(rows)


def _record_once(target: Target, year_from: int, year_to: int, change: float, **kw: object) -> None:
    held = TargetValue.objects.filter(
        target=target, year_from=year_from, year_to=year_to, change_pct=change
    )
    if not held.exists():
        do_record_value(target, year_from=year_from, year_to=year_to, change_pct=change, **kw)  # type: ignore[arg-type]


def load(*, actor: Actor) -> None:
    """Load the demo city's targets, values and baseline scenario (see the module)."""
    year, _base = base_emissions()
    first = (year or 2025) - 1
    do_import_targets(_targets(first), actor=actor)
    seed = Target.objects.filter(code=SEED_CASE).first()
    if seed is not None:
        for start, end, change in SEED_CHANGES:
            _record_once(
                seed,
                start,
                end,
                change,
                source=ValueSource.SEED,
                provenance="000 2024年国家碳达峰试点(湖州)建设经验",
                actor=actor,
            )
    department = Target.objects.get(code="demo-department-energy-per-iva")
    for y, change in DEPARTMENT_CHANGES:
        _record_once(department, y, y, change, provenance=DEMO_SOURCE, actor=actor)
    do_record_accounted_values(actor=actor)
    if year is not None and not Scenario.objects.filter(name=BASELINE).exists():
        do_save_scenario(
            BASELINE,
            end_year=2030,
            base_year=year,
            parameters={
                "green_share_base_pct": 10.0,
                "green_share_target_pct": 40.0,
                "switch_ratio": 0.8,
                "levers": [
                    {
                        "industry_code": "*",
                        "activity_growth_pct": 5.5,
                        "intensity_decline_pct": 3.0,
                        "fuel_switch_pct": 2.0,
                    }
                ],
            },
            actor=actor,
        )
