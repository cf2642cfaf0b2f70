"""API: enterprises."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router

from citycarbon.web.access.policy import scoped
from citycarbon.web.api.common import (
    Id,
    NoQuery,
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


class EnterpriseOut(OutSchema):
    id: int
    """The internal id (``enterprise_id`` in the other endpoints)."""
    entity_id: str
    """The enterprise's code in the city's register."""
    uscc: str | None
    """统一社会信用代码 (unified social credit code), where known."""
    name: str
    """The enterprise's name."""
    district_code: str
    """Its district's administrative division code (GB/T 2260)."""
    industry_code: str
    """Its GB/T 4754 industry code."""
    address: str
    """Its address."""
    key_energy_user: bool
    """A key energy user (重点用能单位, ≥ 1,000 tce) in its latest accounted year."""
    key_energy_user_year: int | None
    """The latest year it was flagged a key energy user."""
    synthetic: bool
    """Made by the demo city's generator, not real."""


class EnterpriseQuery(Paging):
    district: Text | None = None
    """A district's administrative division code (GB/T 2260)."""
    industry: Text | None = None
    """A GB/T 4754 code or prefix (division "26", group "265", class "2651")."""
    q: Text | None = None
    """Part of the name, or a whole entity id or USCC."""
    key_energy_user: bool | None = None
    """``true``: key energy users only; ``false``: the others."""
    year: Year | None = None
    """The year ``key_energy_user`` is judged on (default: each one's latest)."""


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
def list_enterprises(request: HttpRequest, query: Query[EnterpriseQuery]) -> dict[str, Any]:
    """``key_energy_user=true``: key energy users (重点用能单位, ≥ 1,000 tce a year) as of
    their latest accounted year, or of ``year`` when given; ``false``: the others."""
    qs = scoped(principal(request), "enterprises", Enterprise.objects.all(), via="")
    qs = search(
        qs,
        district=query.district,
        industry=query.industry,
        q=query.q,
        key_energy_user=query.key_energy_user,
        year=query.year,
    )
    qs = with_key_energy_year(qs)
    out = page_of_queryset(qs.order_by("entity_id"), FIELDS, query.page, query.page_size)
    out["items"] = [_out(r) for r in out["items"]]
    return out


@router.get(
    "/enterprises/{enterprise_id}",
    auth=PrincipalAuth("enterprises"),
    response={200: EnterpriseOut, **ERROR_RESPONSES},
)
def get_enterprise(
    request: HttpRequest, enterprise_id: Id, query: Query[NoQuery]
) -> dict[str, Any]:
    qs = scoped(
        principal(request), "enterprises", Enterprise.objects.filter(pk=enterprise_id), via=""
    )
    row = with_key_energy_year(qs).values(*FIELDS).first()
    if row is None:
        raise Http404
    return _out(row)
