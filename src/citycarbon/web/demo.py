"""Loading the synthetic demo city into the database and running its batch work."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from citycarbon.core.democity import DemoCity, energy_records
from citycarbon.core.factors import FactorSet
from citycarbon.web.audit.actions import Actor
from citycarbon.web.buildings.actions import do_grade_buildings, do_import_buildings
from citycarbon.web.energy.actions import do_account, do_import_energy
from citycarbon.web.enterprises.actions import do_import_enterprises
from citycarbon.web.grading.actions import do_grade, do_publish
from citycarbon.web.grading.models import GradingRun
from citycarbon.web.regions.actions import do_sync_regions

ACTOR = Actor.system("demo")


@dataclass(frozen=True)
class DemoLoad:
    """What loading changed; all zero/False on a second load of the same city."""

    regions_changed: int
    enterprises_imported: bool
    energy_imported: bool
    accounted: bool
    graded: bool
    published: bool
    building_codes_written: int
    grading_run: GradingRun


def load_demo(
    city: DemoCity, buildings: pl.DataFrame, factors: FactorSet, *, source: str
) -> DemoLoad:
    """Load ``city`` (and its ``buildings`` frame), account, grade and publish. Each step is its
    own audited action; running it again with the same city changes nothing."""
    regions = do_sync_regions(city.districts, city.industries, actor=ACTOR)
    ent = do_import_enterprises(city.enterprises, city.economics, actor=ACTOR, source=source)
    records = energy_records(city.energy).collect()
    en = do_import_energy(records, actor=ACTOR, source=source)
    accounting, accounted = do_account(factors, actor=ACTOR)
    grading, graded = do_grade(accounting, actor=ACTOR)
    published = do_publish(grading, actor=ACTOR)
    do_import_buildings(buildings, actor=ACTOR, source=source)
    codes = do_grade_buildings(factors, actor=ACTOR)
    return DemoLoad(
        regions_changed=regions,
        enterprises_imported=ent is not None,
        energy_imported=en is not None,
        accounted=accounted,
        graded=graded,
        published=published,
        building_codes_written=codes,
        grading_run=grading,
    )
