"""API: carbon-efficiency codes (碳效码), portraits and the benchmark lists of the published
grading run."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.http import Http404, HttpRequest
from ninja import Router, Schema

from citycarbon.web.access.policy import may_read_enterprise, require, visible_enterprise_ids
from citycarbon.web.api.common import Page, filtered, only_ids, page_of_frame, principal
from citycarbon.web.grading.selectors import (
    latest_published,
    latest_published_id,
    published_codes,
    published_view,
)

router = Router(tags=["carbon-efficiency codes"])

CODE_FIELDS = (
    "enterprise_id",
    "year",
    "level",
    "grade",
    "intensity_tco2_per_10k_yuan",
    "industry_avg_intensity",
    "k_value",
    "peer_count",
    "industry_level_used",
    "industry_code_used",
    "grade_confidence",
    "grade_low",
    "grade_high",
    "grade_may_flip",
)


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
    request: HttpRequest, enterprise_id: int, year: int | None = None
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
def codes_by_uscc(request: HttpRequest, uscc: str, year: int | None = None) -> list[dict[str, Any]]:
    rows = _codes(request, uscc=uscc, year=year)
    if not rows:
        raise Http404
    return rows


def _frame(request: HttpRequest, resource: str, name: str) -> pl.DataFrame:
    ids = visible_enterprise_ids(principal(request), resource)  # type: ignore[arg-type]
    run = latest_published()
    if run is None:
        return pl.DataFrame()
    return only_ids(getattr(published_view(run), name), ids)


@router.get("/codes", response=Page, summary="Published codes, filterable")
def list_codes(
    request: HttpRequest,
    year: int | None = None,
    district: str | None = None,
    industry: str | None = None,
    grade: int | None = None,
    enterprise: int | None = None,
    page: int = 1,
    page_size: int = 100,
) -> dict[str, Any]:
    frame = _frame(request, "codes", "portraits")
    if frame.is_empty():
        return page_of_frame(frame, page, page_size)
    frame = filtered(
        frame, year=year, district=district, industry=industry, grade=grade, enterprise=enterprise
    )
    cols = ["enterprise_pk", "entity_id", "uscc", "name", "district_code", "industry_code"]
    cols += [c for c in CODE_FIELDS if c != "enterprise_id"]
    return page_of_frame(frame.sort("entity_id", "year").select(cols), page, page_size)


@router.get(
    "/portraits/{enterprise_id}",
    response=list[dict[str, Any]],
    summary="An enterprise's carbon portrait (碳画像), one row per graded year",
)
def portrait(request: HttpRequest, enterprise_id: int) -> list[dict[str, Any]]:
    frame = _frame(request, "portraits", "portraits")
    rows = frame.filter(enterprise_pk=enterprise_id) if not frame.is_empty() else frame
    if rows.is_empty():
        raise Http404
    return rows.sort("year").to_dicts()


@router.get("/portraits", response=Page, summary="Carbon portraits, filterable")
def list_portraits(
    request: HttpRequest,
    year: int | None = None,
    district: str | None = None,
    industry: str | None = None,
    grade: int | None = None,
    enterprise: int | None = None,
    page: int = 1,
    page_size: int = 100,
) -> dict[str, Any]:
    frame = _frame(request, "portraits", "portraits")
    if not frame.is_empty():
        frame = filtered(
            frame,
            year=year,
            district=district,
            industry=industry,
            grade=grade,
            enterprise=enterprise,
        )
        frame = frame.sort("entity_id", "year")
    return page_of_frame(frame, page, page_size)


@router.get(
    "/lists/poor-efficiency",
    response=Page,
    summary="二维能效对标较差企业清单: worse than the industry percentile on energy per 万元",
)
def poor_efficiency_list(
    request: HttpRequest,
    year: int | None = None,
    district: str | None = None,
    industry: str | None = None,
    page: int = 1,
    page_size: int = 100,
) -> dict[str, Any]:
    frame = _frame(request, "lists", "poor_efficiency")
    if not frame.is_empty():
        frame = filtered(frame, year=year, district=district, industry=industry)
        frame = frame.sort("year", "worst_ratio_to_threshold", descending=[False, True])
    return page_of_frame(frame, page, page_size)


@router.get(
    "/lists/low-green",
    response=Page,
    summary="三维绿能低使用率企业清单: green-energy share below the industry percentile",
)
def low_green_list(
    request: HttpRequest,
    year: int | None = None,
    district: str | None = None,
    industry: str | None = None,
    page: int = 1,
    page_size: int = 100,
) -> dict[str, Any]:
    frame = _frame(request, "lists", "low_green")
    if not frame.is_empty():
        frame = filtered(frame, year=year, district=district, industry=industry)
        frame = frame.sort("year", "green_share", "entity_id")
    return page_of_frame(frame, page, page_size)
