"""A regulator reviews a new grading run on /runs/ and publishes it: the run's page lists
the codes that change, the button publishes, and the dashboard then reads the new run."""

from __future__ import annotations

from typing import Any

import polars as pl

from citycarbon.core.factors import FactorSet
from citycarbon.web.audit.actions import Actor
from citycarbon.web.demo import DemoLogin
from citycarbon.web.energy import selectors as energy
from citycarbon.web.energy.actions import do_import_energy
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.grading.models import CarbonCode, GradingRun
from citycarbon.web.grading.runs import do_run_here, grading_run_of
from citycarbon.web.grading.selectors import latest_published

from .test_pages import log_in

ACTOR = Actor.system("browser-test")


def unpublished_run_with_a_change(factors: FactorSet) -> tuple[GradingRun, str]:
    """Correct the first enterprise's latest year (its energy × 20 or ÷ 20, enough to move
    its grade) and run the pipeline without publishing."""
    first = Enterprise.objects.order_by("entity_id").first()
    assert first is not None
    code = CarbonCode.objects.filter(run=latest_published(), enterprise=first).latest("year")
    records = energy.energy_records().filter(
        (pl.col("entity_id") == first.entity_id) & pl.col("period").str.starts_with(str(code.year))
    )
    scale = 0.05 if code.grade >= 3 else 20.0
    do_import_energy(
        records.with_columns(pl.col("quantity") * scale), actor=ACTOR, source="correction"
    )
    # The import queued the run already (the tests run jobs at once); this finds it.
    run = grading_run_of(do_run_here(code.year, factors, actor=ACTOR))
    assert run is not None and run.published_at is None
    return run, first.entity_id


def test_review_a_run_and_publish_it(
    page: Any, live_server: Any, city: dict[str, DemoLogin], factors: FactorSet
) -> None:
    run, entity_id = unpublished_run_with_a_change(factors)
    log_in(page, live_server.url, city["regulator"])
    page.goto(f"{live_server.url}/runs/")
    page.click(f"main a[href='/runs/{run.pk}/']")
    page.wait_for_url(f"**/runs/{run.pk}/")
    assert "尚未发布" in page.locator("dl.facts").inner_text()
    changed = page.locator("main table").last.inner_text()
    assert entity_id in changed
    button = page.get_by_role("button", name="发布本批次")
    assert button.is_visible()
    with page.expect_navigation():
        button.click()
    assert page.url == f"{live_server.url}/runs/{run.pk}/"
    assert "尚未发布" not in page.locator("dl.facts").inner_text()
    assert page.get_by_role("button", name="发布本批次").count() == 0
    run.refresh_from_db()
    assert run.published_at is not None and latest_published() == run
    page.goto(f"{live_server.url}/dashboard/")
    assert f"#{run.pk}" in page.locator(".synthetic").inner_text()
