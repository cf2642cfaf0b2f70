"""API: enterprises."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from citycarbon.web.access.policy import scoped
from citycarbon.web.api.common import (
    Id,
    Page,
    Paging,
    PrincipalAuth,
    Text,
    Year,
    page_of_queryset,
    principal,
)
from citycarbon.web.api.errors import ERROR_RESPONSES
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.enterprises.selectors import search, with_key_energy_year

router = Router(tags=["enterprises"])

FIELDS = (
    "id",
    "entity_id",
    "uscc",
    "name",
    "district__code",
    "industry__code",
    "address",
    "key_energy_user",
    "key_energy_user_year",
    "synthetic",
)


class EnterpriseOut(Schema):
    id: int
    entity_id: str
    uscc: str | None
    name: str
    district_code: str
    industry_code: str
    address: str
    key_energy_user: bool
    """A key energy user (重点用能单位, ≥ 1,000 tce) in its latest accounted year."""
    key_energy_user_year: int | None
    """The latest year it was flagged a key energy user."""
    synthetic: bool


def _out(row: dict[str, Any]) -> dict[str, Any]:
    row["district_code"] = row.pop("district__code")
    row["industry_code"] = row.pop("industry__code")
    return row


@router.get(
    "/enterprises",
    auth=PrincipalAuth("enterprises"),
    response={200: Page[EnterpriseOut], **ERROR_RESPONSES},
    summary="Enterprises the caller may see",
)
def list_enterprises(
    request: HttpRequest,
    paging: Query[Paging],
    district: Text | None = None,
    industry: Text | None = None,
    q: Text | None = None,
    key_energy_user: bool | None = None,
    year: Year | None = None,
) -> dict[str, Any]:
    """``key_energy_user=true``: key energy users (重点用能单位, ≥ 1,000 tce a year) as of
    their latest accounted year, or of ``year`` when given; ``false``: the others."""
    qs = scoped(principal(request), "enterprises", Enterprise.objects.all(), via="")
    qs = search(
        qs, district=district, industry=industry, q=q, key_energy_user=key_energy_user, year=year
    )
    qs = with_key_energy_year(qs)
    out = page_of_queryset(qs.order_by("entity_id"), FIELDS, paging.page, paging.page_size)
    out["items"] = [_out(r) for r in out["items"]]
    return out


@router.get(
    "/enterprises/{enterprise_id}",
    auth=PrincipalAuth("enterprises"),
    response={200: EnterpriseOut, **ERROR_RESPONSES},
)
def get_enterprise(request: HttpRequest, enterprise_id: Id) -> dict[str, Any]:
    qs = scoped(
        principal(request), "enterprises", Enterprise.objects.filter(pk=enterprise_id), via=""
    )
    row = with_key_energy_year(qs).values(*FIELDS).first()
    if row is None:
        raise Http404
    return _out(row)
