"""API: rapid estimates per enterprise and month (or day), narrowed by the policy."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from citycarbon.web.access.policy import visible_ids
from citycarbon.web.api.common import Page, Paging, PrincipalAuth, Text, page_of_frame, principal
from citycarbon.web.api.errors import ERROR_RESPONSES
from citycarbon.web.estimates.selectors import estimates_view, narrowed

router = Router(tags=["rapid estimates"])

COLUMNS = (
    "enterprise_pk",
    "entity_id",
    "name",
    "district_code",
    "industry_code",
    "period",
    "kwh",
    "tco2_per_mwh",
    "ratio_level",
    "estimated_tco2",
    "accounted_tco2",
    "reported_tco2",
    "reported_source",
)


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


class EstimatesQuery(Paging):
    period: Text | None = None
    """``YYYY`` or ``YYYY-MM`` (months), or ``YYYY-MM-DD`` (days with daily readings)."""
    district: Text | None = None
    industry: Text | None = None


@router.get(
    "/estimates",
    auth=PrincipalAuth("estimates"),
    response={200: Page[EstimateOut], **ERROR_RESPONSES},
    summary="Estimated and accounted emissions per enterprise and month (速算)",
)
def list_estimates(request: HttpRequest, query: Query[EstimatesQuery]) -> dict[str, Any]:
    """``estimated_tco2`` = grid electricity × the industry ratio fitted on the latest
    complete statistics year; ``reported_tco2`` is the accounted figure where the forms have
    arrived (``reported_source`` = ``accounted``), else the estimate."""
    ids = visible_ids(principal(request), "estimates")
    view = estimates_view()
    daily = query.period is not None and len(query.period) == 10
    frame = narrowed(
        view.daily if daily else view.monthly,
        ids=ids,
        period=query.period,
        district=query.district,
        industry=query.industry,
    ).sort("entity_id", "period")
    return page_of_frame(frame.select(COLUMNS), query.page, query.page_size)
