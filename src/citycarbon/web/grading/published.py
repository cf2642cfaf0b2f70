"""API reads of the latest published run's frames, shared by the grading endpoints: the
filters every list takes, what every row names, and one page of a frame limited to what the
caller may read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from django.http import HttpRequest
from ninja import Schema

from citycarbon.web.access.policy import Principal, visible_ids
from citycarbon.web.api.common import Grade, Id, Paging, Text, Year, page_of_frame, principal
from citycarbon.web.grading.selectors import latest_published, narrowed, published_view


class PublishedQuery(Paging):
    """Filters and paging shared by every list read from the published run."""

    year: Year | None = None
    district: Text | None = None
    industry: Text | None = None
    grade: Grade | None = None
    enterprise: Id | None = None


class NamedOut(Schema):
    """What every published-run row names: the enterprise and where it is."""

    enterprise_pk: int
    entity_id: str
    uscc: str | None = None
    name: str
    district_code: str | None = None
    industry_code: str | None = None
    year: int


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
    filters = query.model_dump(exclude={"page", "page_size"})
    frame = narrowed(getattr(published_view(run), frame_name), ids=ids, **filters)
    frame = frame.sort(sort, descending=descending)
    if narrow is not None:
        frame = narrow(principal(request), frame)
    return page_of_frame(frame.select(columns) if columns else frame, query.page, query.page_size)
