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
    NamedOut,
    Page,
    PublishedQuery,
    Text,
    Year,
    principal,
    published_page,
)
from citycarbon.web.api.errors import ERROR_RESPONSES
from citycarbon.web.grading.selectors import (
    CODE_LOOKUP_FIELDS,
    latest_published_id,
    portraits_for,
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


class CodeRowOut(NamedOut):
    level: str
    grade: int
    intensity_tco2_per_10k_yuan: float | None
    industry_avg_intensity: float | None
    k_value: float | None
    peer_count: int
    industry_level_used: str
    industry_code_used: str
    grade_confidence: float | None
    grade_low: int | None
    grade_high: int | None
    grade_may_flip: bool | None


class PortraitOut(CodeRowOut):
    """A portrait row; the emissions fields (``PORTRAIT_EMISSION_COLUMNS``) are null for a
    role that may not read emissions (the bank)."""

    district_name: str | None = None
    industry_name: str | None = None
    intensity_rank_in_industry: int | None
    intensity_percentile_in_industry: float | None
    intensity_rank_in_district: int | None
    intensity_percentile_in_district: float | None
    previous_intensity: float | None
    previous_grade: int | None
    intensity_change: float | None
    total_tco2: float | None = None
    energy_tce: float | None = None
    value_added_10k_yuan: float | None = None
    largest_sources: str | None = None
    coal_share: float | None = None
    oil_share: float | None = None
    gas_share: float | None = None
    electricity_heat_share: float | None = None
    other_share: float | None = None
    green_share: float | None = None


class ListRowOut(NamedOut):
    district_name: str | None
    industry_name: str | None
    industry_code_used: str | None
    grade: int | None


class PoorEfficiencyOut(ListRowOut):
    industry_percentile: float | None
    measures: str | None
    reasons_zh: str | None
    reasons_en: str | None
    worst_ratio_to_threshold: float | None
    energy_tce_per_10k_yuan: float | None
    coal_tce_per_10k_yuan: float | None
    oil_tce_per_10k_yuan: float | None
    gas_tce_per_10k_yuan: float | None
    electricity_heat_tce_per_10k_yuan: float | None
    other_tce_per_10k_yuan: float | None
    energy_threshold: float | None
    coal_threshold: float | None
    oil_threshold: float | None
    gas_threshold: float | None
    electricity_heat_threshold: float | None
    other_threshold: float | None


class LowGreenOut(ListRowOut):
    green_share: float | None
    energy_tce: float | None
    electricity_heat_mwh: float | None
    switchable_mwh: float | None
    max_green_share: float | None
    min_electricity_mwh: float | None
    target_share: float | None
    rule_version: str | None
    reason_zh: str | None
    reason_en: str | None


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
    response={200: list[CodeOut], **ERROR_RESPONSES},
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
    response={200: list[CodeOut], **ERROR_RESPONSES},
    summary="An enterprise's published codes, by 统一社会信用代码 (newest year first)",
)
def codes_by_uscc(
    request: HttpRequest, uscc: Text, year: Year | None = None
) -> list[dict[str, Any]]:
    rows = _codes(request, uscc=uscc, year=year)
    if not rows:
        raise Http404
    return rows


@router.get(
    "/codes",
    response={200: Page[CodeRowOut], **ERROR_RESPONSES},
    summary="Published codes, filterable",
)
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
    response={200: list[PortraitOut], **ERROR_RESPONSES},
    summary="An enterprise's carbon portrait (碳画像), one row per graded year",
)
def portrait(request: HttpRequest, enterprise_id: Id) -> list[dict[str, Any]]:
    query = PublishedQuery(enterprise=enterprise_id, page=1, page_size=MAX_PAGE_SIZE)
    rows: list[dict[str, Any]] = published_page(
        request, "portraits", "portraits", query, sort=["year"], narrow=portraits_for
    )["items"]
    if not rows:
        raise Http404
    return rows


@router.get(
    "/portraits",
    response={200: Page[PortraitOut], **ERROR_RESPONSES},
    summary="Carbon portraits, filterable",
)
def list_portraits(request: HttpRequest, query: Query[PublishedQuery]) -> dict[str, Any]:
    return published_page(
        request,
        "portraits",
        "portraits",
        query,
        sort=["entity_id", "year"],
        narrow=portraits_for,
    )


@router.get(
    "/lists/poor-efficiency",
    response={200: Page[PoorEfficiencyOut], **ERROR_RESPONSES},
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
    response={200: Page[LowGreenOut], **ERROR_RESPONSES},
    summary="三维绿能低使用率企业清单: large electricity users with little green energy, "
    "most switchable MWh first",
)
def low_green_list(request: HttpRequest, query: Query[PublishedQuery]) -> dict[str, Any]:
    return published_page(
        request,
        "lists",
        "low_green",
        query,
        sort=["year", "switchable_mwh", "entity_id"],
        descending=[False, True, False],
    )
