"""What every API router shares: authentication to a ``Principal``, pagination, errors."""

from __future__ import annotations

from typing import Annotated, Any, Final

import polars as pl
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.security.base import AuthBase

from citycarbon.web.access.policy import Principal, Resource, visible_enterprise_ids
from citycarbon.web.access.selectors import principal_of_key, principal_of_user

MAX_PAGE_SIZE: Final = 500
MAX_PAGE: Final = 1_000_000
MAX_ID: Final = 2**63 - 1  # a 64-bit database key
MAX_TEXT: Final = 200

# Parameters bounded in the schema, so a request outside them is a 422 (and the OpenAPI says
# so) instead of an overflow in the database or in Polars.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=1, le=9999)]
Grade = Annotated[int, Field(ge=1, le=5)]
Text = Annotated[str, Field(max_length=MAX_TEXT, pattern=r"^[^\x00]*$")]


class PrincipalAuth(AuthBase):
    """An API key in ``X-API-Key`` (or ``Authorization: Bearer``), else the page session.
    Returns the ``Principal``; no valid credentials → 401."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "X-API-Key"

    def __call__(self, request: HttpRequest) -> Principal | None:
        key = request.headers.get("X-API-Key", "")
        if not key:
            scheme, _, value = request.headers.get("Authorization", "").partition(" ")
            key = value.strip() if scheme.lower() == "bearer" else ""
        if key:
            return principal_of_key(key)
        return principal_of_user(getattr(request, "user", None))


def principal(request: HttpRequest) -> Principal:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class Paging(Schema):
    """``page`` (from 1) and ``page_size`` of every list; out of bounds → 422."""

    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(100, ge=1, le=MAX_PAGE_SIZE)


class PublishedQuery(Paging):
    """Filters and paging shared by every list read from the published run."""

    year: Year | None = None
    district: Text | None = None
    industry: Text | None = None
    grade: Grade | None = None
    enterprise: Id | None = None


class Page(Schema):
    count: int
    page: int
    page_size: int
    items: list[dict[str, Any]]


def _check(page: int, page_size: int) -> tuple[int, int]:
    return min(max(page, 1), MAX_PAGE), min(max(page_size, 1), MAX_PAGE_SIZE)


def page_of_frame(frame: pl.DataFrame, page: int, page_size: int) -> dict[str, Any]:
    page, page_size = _check(page, page_size)
    rows = frame.slice((page - 1) * page_size, page_size)
    return {
        "count": frame.height,
        "page": page,
        "page_size": page_size,
        "items": rows.to_dicts(),
    }


def page_of_queryset(
    queryset: QuerySet[Model], fields: tuple[str, ...], page: int, page_size: int
) -> dict[str, Any]:
    page, page_size = _check(page, page_size)
    start = (page - 1) * page_size
    return {
        "count": queryset.count(),
        "page": page,
        "page_size": page_size,
        "items": list(queryset.values(*fields)[start : start + page_size]),
    }


def published_page(
    request: HttpRequest,
    resource: Resource,
    frame_name: str,
    query: PublishedQuery,
    *,
    sort: list[str],
    descending: list[bool] | bool = False,
    columns: tuple[str, ...] | list[str] | None = None,
) -> dict[str, Any]:
    """A page of one of the latest published run's frames (``PublishedView.<frame_name>``),
    limited to what the caller may read of ``resource``, filtered and sorted."""
    from citycarbon.web.grading.selectors import (  # noqa: PLC0415
        latest_published,
        narrowed,
        published_view,
    )

    ids = visible_enterprise_ids(principal(request), resource)
    run = latest_published()
    if run is None:
        return page_of_frame(pl.DataFrame(), query.page, query.page_size)
    filters = query.model_dump(exclude={"page", "page_size"})
    frame = narrowed(getattr(published_view(run), frame_name), ids=ids, **filters)
    frame = frame.sort(sort, descending=descending)
    return page_of_frame(frame.select(columns) if columns else frame, query.page, query.page_size)
