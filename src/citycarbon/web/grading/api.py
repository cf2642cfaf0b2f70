"""API: carbon-efficiency codes (碳效码), portraits, yearly emissions and the benchmark lists
of the published grading run."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router

from citycarbon.web.access.policy import may_read, require
from citycarbon.web.api.common import (
    MAX_PAGE_SIZE,
    Id,
    NoQuery,
    OutSchema,
    Page,
    PrincipalAuth,
    QuerySchema,
    Text,
    Year,
    principal,
)
from citycarbon.web.api.errors import ERROR_RESPONSES
from citycarbon.web.grading.published import NamedOut, PublishedQuery, published_page
from citycarbon.web.grading.selectors import (
    CODE_LOOKUP_FIELDS,
    latest_published_id,
    portraits_for,
    published_codes,
)

router = Router(tags=["carbon-efficiency codes"])


class CodeOut(OutSchema):
    enterprise_id: int
    """The enterprise's internal id."""
    entity_id: str
    """The enterprise's code in the city's register."""
    uscc: str | None
    """统一社会信用代码 (unified social credit code), where known."""
    name: str
    """The enterprise's name."""
    year: int
    """The accounting year graded."""
    level: str
    """碳效等级 level: its intensity's band (e.g. 低碳, 中碳, 高碳)."""
    grade: int
    """碳效码 grade within the level, 1 (best) to 5, from ``k_value``."""
    label: str
    """Level and grade as shown on the code, e.g. ``低碳2级``."""
    intensity_tco2_per_10k_yuan: float
    """Carbon intensity: emissions per value added, tCO₂/万元."""
    industry_avg_intensity: float
    """The industry average intensity it is compared with, tCO₂/万元."""
    k_value: float
    """``intensity / industry_avg_intensity`` (碳效值)."""
    peer_count: int
    """Enterprises in the industry average."""
    industry_level_used: str
    """The GB/T 4754 level of that average: class, group, division or section."""
    industry_code_used: str
    """The GB/T 4754 code of that average."""
    grade_confidence: float
    """Share of resampled industry averages giving the same grade (0–1)."""
    grade_low: int
    """The 5th percentile of the resampled grades."""
    grade_high: int
    """The 95th percentile of the resampled grades."""
    grade_may_flip: bool
    """The grade is not the same across the resampled averages."""
    run_id: int
    """The published grading run the code comes from."""


class CodesQuery(QuerySchema):
    year: Year | None = None
    """Only the code graded on this year."""


class CodeRowOut(NamedOut):
    level: str
    """碳效等级 level: its intensity's band."""
    grade: int
    """碳效码 grade within the level, 1 (best) to 5."""
    intensity_tco2_per_10k_yuan: float | None
    """Carbon intensity, tCO₂/万元."""
    industry_avg_intensity: float | None
    """The industry average intensity it is compared with, tCO₂/万元."""
    k_value: float | None
    """``intensity / industry_avg_intensity`` (碳效值)."""
    peer_count: int
    """Enterprises in the industry average."""
    industry_level_used: str
    """The GB/T 4754 level of that average: class, group, division or section."""
    industry_code_used: str
    """The GB/T 4754 code of that average."""
    grade_confidence: float | None
    """Share of resampled industry averages giving the same grade (0–1)."""
    grade_low: int | None
    """The 5th percentile of the resampled grades."""
    grade_high: int | None
    """The 95th percentile of the resampled grades."""
    grade_may_flip: bool | None
    """The grade is not the same across the resampled averages."""


class PortraitOut(CodeRowOut):
    """A portrait row; the emissions fields (``PORTRAIT_EMISSION_COLUMNS``) are null for a
    role that may not read emissions (the bank)."""

    district_name: str | None = None
    """The district's name."""
    industry_name: str | None = None
    """The industry's name (GB/T 4754)."""
    intensity_rank_in_industry: int | None
    """Rank of its intensity among its industry's enterprises (1: lowest)."""
    intensity_percentile_in_industry: float | None
    """Its industry rank ÷ the enterprises ranked (near 0: lowest intensity, 1: highest)."""
    intensity_rank_in_district: int | None
    """Rank of its intensity in its district (1: lowest)."""
    intensity_percentile_in_district: float | None
    """Its district rank ÷ the enterprises ranked (near 0: lowest intensity, 1: highest)."""
    previous_intensity: float | None
    """The intensity of the year before, tCO₂/万元."""
    previous_grade: int | None
    """The grade of the year before."""
    intensity_change: float | None
    """Relative change of the intensity from the year before (−0.1: 10 % lower)."""
    total_tco2: float | None = None
    """The year's emissions (scope 1 + 2), tCO₂."""
    energy_tce: float | None = None
    """The year's energy use, tce."""
    value_added_10k_yuan: float | None = None
    """The year's value added, 万元."""
    largest_sources: str | None = None
    """The 205-1 energy codes that emit most, largest first, joined by ";"."""
    coal_share: float | None = None
    """Coal's share of the energy use (0–1)."""
    oil_share: float | None = None
    """Oil's share of the energy use (0–1)."""
    gas_share: float | None = None
    """Gas's share of the energy use (0–1)."""
    electricity_heat_share: float | None = None
    """Electricity and heat's share of the energy use (0–1)."""
    other_share: float | None = None
    """Other energies' share of the energy use (0–1)."""
    green_share: float | None = None
    """Renewable energy's share of the energy use (0–1)."""


class ListRowOut(NamedOut):
    district_name: str | None
    """The district's name."""
    industry_name: str | None
    """The industry's name (GB/T 4754)."""
    industry_code_used: str | None
    """The GB/T 4754 code of the peer group compared with."""
    grade: int | None
    """The carbon-efficiency grade, 1 (best) to 5."""


class PoorEfficiencyOut(ListRowOut):
    industry_percentile: float | None
    """The industry percentile a measure must exceed to list the enterprise (0–1)."""
    measures: str | None
    """The measures over their threshold, joined by ";" (energy, coal, oil, …)."""
    reasons_zh: str | None
    """Why it is listed, in Chinese."""
    reasons_en: str | None
    """Why it is listed, in English."""
    worst_ratio_to_threshold: float | None
    """The largest measure ÷ its threshold (the list's order)."""
    energy_tce_per_10k_yuan: float | None
    """Energy use per value added, tce/万元."""
    coal_tce_per_10k_yuan: float | None
    """Coal per value added, tce/万元."""
    oil_tce_per_10k_yuan: float | None
    """Oil per value added, tce/万元."""
    gas_tce_per_10k_yuan: float | None
    """Gas per value added, tce/万元."""
    electricity_heat_tce_per_10k_yuan: float | None
    """Electricity and heat per value added, tce/万元."""
    other_tce_per_10k_yuan: float | None
    """Other energies per value added, tce/万元."""
    energy_threshold: float | None
    """The industry's threshold for energy per value added, tce/万元."""
    coal_threshold: float | None
    """The industry's threshold for coal per value added, tce/万元."""
    oil_threshold: float | None
    """The industry's threshold for oil per value added, tce/万元."""
    gas_threshold: float | None
    """The industry's threshold for gas per value added, tce/万元."""
    electricity_heat_threshold: float | None
    """The industry's threshold for electricity and heat per value added, tce/万元."""
    other_threshold: float | None
    """The industry's threshold for other energies per value added, tce/万元."""


class LowGreenOut(ListRowOut):
    green_share: float | None
    """Renewable energy's share of its energy use (0–1)."""
    energy_tce: float | None
    """The year's energy use, tce."""
    electricity_heat_mwh: float | None
    """The year's electricity and heat, MWh."""
    switchable_mwh: float | None
    """MWh it could switch to green: ``electricity_heat_mwh × (target_share − green_share)``."""
    max_green_share: float | None
    """The rule's share at or below which it is listed (0–1)."""
    min_electricity_mwh: float | None
    """The rule's least electricity and heat to be listed, MWh."""
    target_share: float | None
    """The rule's target green share (0–1)."""
    rule_version: str | None
    """The version of the rule (``data/list_rules.csv``)."""
    reason_zh: str | None
    """Why it is listed, in Chinese."""
    reason_en: str | None
    """Why it is listed, in English."""


def _codes(request: HttpRequest, **where: Any) -> list[dict[str, Any]]:
    """An enterprise's published codes, if the caller may read them (else none)."""
    run_id = latest_published_id()
    caller = require(principal(request), "codes")
    if run_id is None:
        return []
    rows = published_codes(run_id, **where)
    if not rows or not may_read(caller, "codes", int(rows[0]["enterprise_id"])):
        return []
    for row in rows:
        row["label"] = f"{row['level']}{row['grade']}级"
        row["run_id"] = run_id
    return rows


@router.get(
    "/codes/enterprise/{enterprise_id}",
    auth=PrincipalAuth("codes"),
    response={200: list[CodeOut], **ERROR_RESPONSES},
    summary="An enterprise's published codes, by internal id (newest year first)",
)
def codes_by_id(
    request: HttpRequest, enterprise_id: Id, query: Query[CodesQuery]
) -> list[dict[str, Any]]:
    rows = _codes(request, enterprise_id=enterprise_id, year=query.year)
    if not rows:
        raise Http404
    return rows


@router.get(
    "/codes/uscc/{uscc}",
    auth=PrincipalAuth("codes"),
    response={200: list[CodeOut], **ERROR_RESPONSES},
    summary="An enterprise's published codes, by 统一社会信用代码 (newest year first)",
)
def codes_by_uscc(
    request: HttpRequest, uscc: Text, query: Query[CodesQuery]
) -> list[dict[str, Any]]:
    rows = _codes(request, uscc=uscc, year=query.year)
    if not rows:
        raise Http404
    return rows


@router.get(
    "/codes",
    auth=PrincipalAuth("codes"),
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
    auth=PrincipalAuth("portraits"),
    response={200: list[PortraitOut], **ERROR_RESPONSES},
    summary="An enterprise's carbon portrait (碳画像), one row per graded year",
)
def portrait(request: HttpRequest, enterprise_id: Id, none: Query[NoQuery]) -> list[dict[str, Any]]:
    query = PublishedQuery(enterprise_id=enterprise_id, page=1, page_size=MAX_PAGE_SIZE)
    rows: list[dict[str, Any]] = published_page(
        request, "portraits", "portraits", query, sort=["year"], narrow=portraits_for
    )["items"]
    if not rows:
        raise Http404
    return rows


@router.get(
    "/portraits",
    auth=PrincipalAuth("portraits"),
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
    auth=PrincipalAuth("lists"),
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
    auth=PrincipalAuth("lists"),
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


class EmissionOut(NamedOut):
    energy_tce: float | None
    """The year's energy use, tce."""
    scope1_tco2: float | None
    """Direct emissions (scope 1), tCO₂."""
    scope2_tco2: float | None
    """Emissions of purchased electricity and heat (scope 2), tCO₂."""
    total_tco2: float | None
    """Scope 1 + 2, tCO₂."""
    renewable_tce: float | None
    """Renewable energy used, tce."""
    coal_tce: float | None
    """Coal used, tce."""
    oil_tce: float | None
    """Oil used, tce."""
    gas_tce: float | None
    """Gas used, tce."""
    electricity_heat_tce: float | None
    """Electricity and heat used, tce."""
    other_tce: float | None
    """Other energies used, tce."""
    largest_sources: str | None
    """The 205-1 energy codes that emit most, largest first, joined by ";"."""
    factor_set: str | None
    """The emission-factor set used (e.g. ``cn-2023``)."""


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
    auth=PrincipalAuth("emissions"),
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
