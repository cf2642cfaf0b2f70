"""API: carbon-efficiency codes (碳效码), portraits and the benchmark lists of the published
grading run."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from citycarbon.web.access.policy import may_read_enterprise, require
from citycarbon.web.api.common import (
    MAX_PAGE_SIZE,
    Id,
    Page,
    PublishedQuery,
    Text,
    Year,
    principal,
    published_page,
)
from citycarbon.web.grading.selectors import (
    CODE_LOOKUP_FIELDS,
    latest_published_id,
    published_codes,
)

router = Router(tags=["carbon-efficiency codes"])


class CodeOut(Schema):
    enterprise_id: int
    entity_id: str
    uscc: str | None
    name: str
    year: int
    level: str
    grade: int
    label: str
    intensity_tco2_per_10k_yuan: float
    industry_avg_intensity: float
    k_value: float
    peer_count: int
    industry_level_used: str
    industry_code_used: str
    grade_confidence: float
    grade_low: int
    grade_high: int
    grade_may_flip: bool
    run_id: int


def _codes(request: HttpRequest, **where: Any) -> list[dict[str, Any]]:
    """An enterprise's published codes, if the caller may read them (else none)."""
    run_id = latest_published_id()
    caller = require(principal(request), "codes")
    if run_id is None:
        return []
    rows = published_codes(run_id, **where)
    if not rows or not may_read_enterprise(caller, "codes", int(rows[0]["enterprise_id"])):
        return []
    for row in rows:
        row["label"] = f"{row['level']}{row['grade']}级"
        row["run_id"] = run_id
    return rows


@router.get(
    "/codes/enterprise/{enterprise_id}",
    response=list[CodeOut],
    summary="An enterprise's published codes, by internal id (newest year first)",
)
def codes_by_id(
    request: HttpRequest, enterprise_id: Id, year: Year | None = None
) -> list[dict[str, Any]]:
    rows = _codes(request, enterprise_id=enterprise_id, year=year)
    if not rows:
        raise Http404
    return rows


@router.get(
    "/codes/uscc/{uscc}",
    response=list[CodeOut],
    summary="An enterprise's published codes, by 统一社会信用代码 (newest year first)",
)
def codes_by_uscc(
    request: HttpRequest, uscc: Text, year: Year | None = None
) -> list[dict[str, Any]]:
    rows = _codes(request, uscc=uscc, year=year)
    if not rows:
        raise Http404
    return rows


@router.get("/codes", response=Page, summary="Published codes, filterable")
def list_codes(request: HttpRequest, query: Query[PublishedQuery]) -> dict[str, Any]:
    names = ("enterprise_pk", "entity_id", "uscc", "name", "district_code", "industry_code")
    cols = (*names, *CODE_LOOKUP_FIELDS)
    return published_page(
        request,
        "codes",
        "portraits",
        query,
        sort=["entity_id", "year"],
        columns=cols,
    )


@router.get(
    "/portraits/{enterprise_id}",
    response=list[dict[str, Any]],
    summary="An enterprise's carbon portrait (碳画像), one row per graded year",
)
def portrait(request: HttpRequest, enterprise_id: Id) -> list[dict[str, Any]]:
    query = PublishedQuery(enterprise=enterprise_id, page_size=MAX_PAGE_SIZE)
    rows: list[dict[str, Any]] = published_page(
        request, "portraits", "portraits", query, sort=["year"]
    )["items"]
    if not rows:
        raise Http404
    return rows


@router.get("/portraits", response=Page, summary="Carbon portraits, filterable")
def list_portraits(request: HttpRequest, query: Query[PublishedQuery]) -> dict[str, Any]:
    return published_page(
        request,
        "portraits",
        "portraits",
        query,
        sort=["entity_id", "year"],
    )


@router.get(
    "/lists/poor-efficiency",
    response=Page,
    summary="二维能效对标较差企业清单: worse than the industry percentile on energy per 万元",
)
def poor_efficiency_list(request: HttpRequest, query: Query[PublishedQuery]) -> dict[str, Any]:
    return published_page(
        request,
        "lists",
        "poor_efficiency",
        query,
        sort=["year", "worst_ratio_to_threshold"],
        descending=[False, True],
    )


@router.get(
    "/lists/low-green",
    response=Page,
    summary="三维绿能低使用率企业清单: green-energy share below the industry percentile",
)
def low_green_list(request: HttpRequest, query: Query[PublishedQuery]) -> dict[str, Any]:
    return published_page(
        request,
        "lists",
        "low_green",
        query,
        sort=["year", "green_share", "entity_id"],
    )
