"""API: rapid estimates per enterprise and month (or day), narrowed by the policy, read
from the newest estimate run of the published accounting run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from citycarbon.web.access.policy import visible_ids
from citycarbon.web.api.common import Page, Paging, PrincipalAuth, Text, principal
from citycarbon.web.api.errors import ERROR_RESPONSES
from citycarbon.web.estimates import selectors

router = Router(tags=["rapid estimates"])


class EstimateOut(Schema):
    enterprise_pk: int
    entity_id: str
    name: str
    district_code: str | None
    industry_code: str | None
    period: str
    kwh: float | None
    tco2_per_mwh: float | None
    ratio_level: str | None
    estimated_tco2: float | None
    accounted_tco2: float | None
    reported_tco2: float | None
    reported_source: str | None


class EstimateRunOut(Schema):
    """The provenance of the estimates: the run, the accounting run and factor set it is
    built on, the method and the SHA-256 of its input frames (readings, records,
    enterprises)."""

    id: int
    accounting_run: int
    factor_set: str
    factor_set_hash: str
    method_version: str
    input_fingerprint: str
    fit_year: int | None
    finished_at: datetime | None


class EstimatesPage(Page[EstimateOut]):
    run: EstimateRunOut | None
    """None until a run is built over the published accounting run (then no items)."""


class EstimatesQuery(Paging):
    period: Text | None = None
    """``YYYY`` or ``YYYY-MM`` (months), or ``YYYY-MM-DD`` (days with daily readings)."""
    district: Text | None = None
    industry: Text | None = None


@router.get(
    "/estimates",
    auth=PrincipalAuth("estimates"),
    response={200: EstimatesPage, **ERROR_RESPONSES},
    summary="Estimated and accounted emissions per enterprise and month (速算)",
)
def list_estimates(request: HttpRequest, query: Query[EstimatesQuery]) -> dict[str, Any]:
    """``estimated_tco2`` = grid electricity × the industry ratio fitted on the latest
    complete statistics year; ``reported_tco2`` is the accounted figure where the forms have
    arrived (``reported_source`` = ``accounted``), else the estimate. ``run`` names what
    the figures are built from."""
    ids = visible_ids(principal(request), "estimates")
    run = selectors.shown().run
    page = {"page": query.page, "page_size": query.page_size}
    if run is None:
        return {**page, "count": 0, "items": [], "run": None}
    count, items = selectors.rows(
        run,
        ids=ids,
        period=query.period,
        district=query.district,
        industry=query.industry,
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
    )
    provenance = {
        "id": run.pk,
        "accounting_run": run.accounting_run_id,
        "factor_set": run.factor_set,
        "factor_set_hash": run.factor_set_hash,
        "method_version": run.method_version,
        "input_fingerprint": run.input_fingerprint,
        "fit_year": run.fit_year,
        "finished_at": run.finished_at,
    }
    return {**page, "count": count, "items": items, "run": provenance}
