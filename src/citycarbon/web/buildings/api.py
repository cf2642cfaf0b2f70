"""API: building carbon grades."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from citycarbon.web.access.policy import require
from citycarbon.web.api.common import (
    OutSchema,
    Page,
    Paging,
    PrincipalAuth,
    Text,
    Year,
    page_of_queryset,
    principal,
)
from citycarbon.web.api.errors import ERROR_RESPONSES
from citycarbon.web.buildings.models import BuildingCode

router = Router(tags=["buildings"])


class BuildingCodeOut(OutSchema):
    building_id: str
    """The building's id in the register."""
    building_type: str
    """Its type (office, mall, hotel, …), the peer group it is graded in."""
    year: int
    """The year graded."""
    factor_set: str
    """The emission-factor set the emissions were computed with."""
    scheme: str
    """The grading scheme (``data/building_grades.csv``), e.g. ``peer-percentile``."""
    tco2: float | None
    """The year's emissions, tCO₂."""
    kgco2_per_m2: float | None
    """Emissions per floor area, kgCO₂/m²."""
    grade: str
    """The grade, A (best) to E."""
    threshold_basis: str
    """Where the bounds came from: the scheme's fixed bounds or the peers' percentiles."""
    peer_count: int
    """Buildings of its type graded that year."""


class BuildingCodesQuery(Paging):
    year: Year | None = None
    """The year graded."""
    building_type: Text | None = None
    """One building type."""
    grade: Text | None = None
    """One grade, A to E."""


@router.get(
    "/building-codes",
    auth=PrincipalAuth("buildings"),
    response={200: Page[BuildingCodeOut], **ERROR_RESPONSES},
    summary="Building grades (A–E) by year",
)
def list_building_codes(request: HttpRequest, query: Query[BuildingCodesQuery]) -> dict[str, Any]:
    require(principal(request), "buildings")
    paging = query
    qs = BuildingCode.objects.all()
    if query.year is not None:
        qs = qs.filter(year=query.year)
    if query.building_type:
        qs = qs.filter(building__building_type=query.building_type)
    if query.grade:
        qs = qs.filter(grade=query.grade)
    fields = (
        "building__building_id",
        "building__building_type",
        "year",
        "factor_set",
        "scheme",
        "tco2",
        "kgco2_per_m2",
        "grade",
        "threshold_basis",
        "peer_count",
    )
    out = page_of_queryset(
        qs.order_by("building__building_id", "year"), fields, paging.page, paging.page_size
    )
    for row in out["items"]:
        row["building_id"] = row.pop("building__building_id")
        row["building_type"] = row.pop("building__building_type")
    return out
