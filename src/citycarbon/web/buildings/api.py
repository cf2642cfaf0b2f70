"""API: building carbon grades."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from citycarbon.web.access.policy import require
from citycarbon.web.api.common import (
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


class BuildingCodeOut(Schema):
    building_id: str
    building_type: str
    year: int
    factor_set: str
    scheme: str
    tco2: float | None
    kgco2_per_m2: float | None
    grade: str
    threshold_basis: str
    peer_count: int


@router.get(
    "/building-codes",
    auth=PrincipalAuth("buildings"),
    response={200: Page[BuildingCodeOut], **ERROR_RESPONSES},
    summary="Building grades (A–E) by year",
)
def list_building_codes(
    request: HttpRequest,
    paging: Query[Paging],
    year: Year | None = None,
    building_type: Text | None = None,
    grade: Text | None = None,
) -> dict[str, Any]:
    require(principal(request), "buildings")
    qs = BuildingCode.objects.all()
    if year is not None:
        qs = qs.filter(year=year)
    if building_type:
        qs = qs.filter(building__building_type=building_type)
    if grade:
        qs = qs.filter(grade=grade)
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
