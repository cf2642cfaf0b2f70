"""API reads of the latest published run's frames, shared by the grading endpoints: the
filters every list takes, what every row names, and one page of a frame limited to what the
caller may read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from django.http import HttpRequest

from citycarbon.web.access.policy import Principal, visible_ids
from citycarbon.web.api.common import (
    Grade,
    Id,
    OutSchema,
    Paging,
    Text,
    Year,
    page_of_frame,
    principal,
)
from citycarbon.web.grading.selectors import latest_published, narrowed, published_view


class PublishedQuery(Paging):
    """Filters and paging shared by every list read from the published run."""

    year: Year | None = None
    """The graded (accounting) year."""
    district: Text | None = None
    """A district's administrative division code (GB/T 2260)."""
    industry: Text | None = None
    """A GB/T 4754 code or prefix: a division ("26"), group ("265") or class ("2651")."""
    grade: Grade | None = None
    """A carbon-efficiency grade, 1 (best) to 5."""
    enterprise_id: Id | None = None
    """One enterprise, by its internal id."""


class NamedOut(OutSchema):
    """What every published-run row names: the enterprise and where it is."""

    enterprise_id: int
    """The enterprise's internal id (as in ``/enterprises/{enterprise_id}``)."""
    entity_id: str
    """The enterprise's code in the city's register."""
    uscc: str | None = None
    """统一社会信用代码 (unified social credit code), where known."""
    name: str
    """The enterprise's name."""
    district_code: str | None = None
    """Its district's administrative division code (GB/T 2260)."""
    industry_code: str | None = None
    """Its GB/T 4754 industry code."""
    year: int
    """The accounting year of the row."""


def published_page(
    request: HttpRequest,
    resource: str,
    frame_name: str,
    query: PublishedQuery,
    *,
    sort: list[str],
    descending: list[bool] | bool = False,
    columns: tuple[str, ...] | list[str] | None = None,
    narrow: Callable[[Principal, pl.DataFrame], pl.DataFrame] | None = None,
) -> dict[str, Any]:
    """A page of one of the latest published run's frames (``PublishedView.<frame_name>``),
    limited to what the caller may read of ``resource``, filtered and sorted; ``narrow``
    drops what the caller may not read of each row (e.g. ``portraits_for``)."""
    ids = visible_ids(principal(request), resource)
    run = latest_published()
    if run is None:
        return page_of_frame(pl.DataFrame(), query.page, query.page_size)
    filters = query.model_dump(exclude={"page", "page_size", "enterprise_id"})
    frame = narrowed(
        getattr(published_view(run), frame_name),
        ids=ids,
        enterprise=query.enterprise_id,
        **filters,
    )
    frame = frame.sort(sort, descending=descending)
    if narrow is not None:
        frame = narrow(principal(request), frame)
    if columns:
        frame = frame.select(columns)
    # the frames' internal key column is the API's ``enterprise_id``
    return page_of_frame(
        frame.rename({"enterprise_pk": "enterprise_id"}, strict=False), query.page, query.page_size
    )
