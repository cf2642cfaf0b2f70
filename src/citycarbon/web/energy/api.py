"""API: energy records and emissions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from citycarbon.web.access.policy import scoped
from citycarbon.web.api.common import (
    Id,
    NamedOut,
    Page,
    Paging,
    PublishedQuery,
    Text,
    Year,
    page_of_queryset,
    principal,
    published_page,
)
from citycarbon.web.api.errors import ERROR_RESPONSES
from citycarbon.web.energy.models import EnergyRecord

router = Router(tags=["energy"])


class EnergyRecordOut(Schema):
    id: int
    enterprise_id: int
    period: str
    energy_code: str
    purpose: str
    quantity: float


class EmissionOut(NamedOut):
    energy_tce: float | None
    scope1_tco2: float | None
    scope2_tco2: float | None
    total_tco2: float | None
    renewable_tce: float | None
    coal_tce: float | None
    oil_tce: float | None
    gas_tce: float | None
    electricity_heat_tce: float | None
    other_tce: float | None
    largest_sources: str | None
    factor_set: str | None


@router.get(
    "/energy-records",
    response={200: Page[EnergyRecordOut], **ERROR_RESPONSES},
    summary="Energy records (205-1 codes, standard units)",
)
def list_energy_records(
    request: HttpRequest,
    paging: Query[Paging],
    enterprise: Id | None = None,
    year: Year | None = None,
    energy_code: Text | None = None,
) -> dict[str, Any]:
    qs = scoped(principal(request), "energy", EnergyRecord.objects.all())
    if enterprise is not None:
        qs = qs.filter(enterprise_id=enterprise)
    if year is not None:
        qs = qs.filter(period__startswith=str(year))
    if energy_code:
        qs = qs.filter(energy_code=energy_code)
    fields = ("id", "enterprise_id", "period", "energy_code", "purpose", "quantity")
    return page_of_queryset(
        qs.order_by("enterprise_id", "period", "energy_code"), fields, paging.page, paging.page_size
    )


EMISSION_FIELDS = (
    "enterprise_pk",
    "entity_id",
    "name",
    "district_code",
    "industry_code",
    "year",
    "energy_tce",
    "scope1_tco2",
    "scope2_tco2",
    "total_tco2",
    "renewable_tce",
    "coal_tce",
    "oil_tce",
    "gas_tce",
    "electricity_heat_tce",
    "other_tce",
    "largest_sources",
    "factor_set",
)


@router.get(
    "/emissions",
    response={200: Page[EmissionOut], **ERROR_RESPONSES},
    summary="Yearly emissions of the published run",
)
def list_emissions(request: HttpRequest, query: Query[PublishedQuery]) -> dict[str, Any]:
    return published_page(
        request,
        "emissions",
        "emissions",
        query,
        sort=["entity_id", "year"],
        columns=EMISSION_FIELDS,
    )
