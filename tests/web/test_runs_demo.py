"""The demo runs the registered pipeline and publishes what it published before."""

from __future__ import annotations

import polars as pl
import pytest

from citycarbon.core.accounting import emissions_by_period
from citycarbon.core.democity import energy_records, generate_buildings, generate_city
from citycarbon.core.factors import FactorSet
from citycarbon.core.grading import grade
from citycarbon.web.demo import load_demo
from citycarbon.web.grading.models import CarbonCode
from citycarbon.web.grading.selectors import latest_published


@pytest.mark.django_db(transaction=True)
def test_the_demo_publishes_the_codes_it_published_before(factors: FactorSet) -> None:
    """The demo runs the registered pipeline; its published codes per grade are those the
    accounting and grading functions give on the city's files directly."""
    city = generate_city(factors, seed=7, enterprises=70)
    load = load_demo(city, generate_buildings(seed=7, buildings=20), factors, source="test")
    assert load.published and load.grading_run.job is not None
    emissions = emissions_by_period(energy_records(city.energy), factors, "year").collect()
    expected = grade(emissions, city.economics).graded.group_by("grade").len()
    published = latest_published()
    assert published == load.grading_run
    grades = CarbonCode.objects.filter(run=published).values_list("grade", flat=True)
    got = dict(pl.DataFrame({"grade": list(grades)}).group_by("grade").len().iter_rows())
    assert got == dict(expected.iter_rows())
