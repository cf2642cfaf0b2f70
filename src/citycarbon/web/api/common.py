"""What every API router shares: authentication to a ``Principal``, throttling, query
schemas that refuse unknown parameters, pagination, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Final, Generic, TypeVar

import polars as pl
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import Throttled
from ninja.security.base import AuthBase
from ninja.utils import check_csrf
from pydantic import ConfigDict, ValidationInfo, model_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from citycarbon.web.access.policy import Principal, require
from citycarbon.web.access.selectors import principal_of_key, principal_of_user
from citycarbon.web.api.errors import UNKNOWN_PARAMETER, CsrfRefusedError
from citycarbon.web.api.throttling import anonymous_throttle
from citycarbon.web.registry import Action

MAX_PAGE_SIZE: Final = 500
MAX_PAGE: Final = 1_000_000
MAX_ID: Final = 2**63 - 1  # a 64-bit database key
MAX_TEXT: Final = 200
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# Parameters bounded in the schema, so a request outside them is a 422 (and the OpenAPI says
# so) instead of an overflow in the database or in Polars.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=1, le=9999)]
Grade = Annotated[int, Field(ge=1, le=5)]
Text = Annotated[str, Field(max_length=MAX_TEXT, pattern=r"^[^\x00]*$")]


class PrincipalAuth(AuthBase):
    """An API key in ``X-API-Key`` (or ``Authorization: Bearer``), else the page session.
    Returns the ``Principal``; no valid credentials → 401. A session's request that writes
    (not GET, HEAD, OPTIONS) needs the page's CSRF token, as a form post does → 403
    ``csrf_failed`` without it; a key's request needs none (no cookie is involved).

    Made with a resource (``auth=PrincipalAuth("codes")`` on an endpoint), it also requires
    the caller to be allowed ``action`` on that resource (403 with the reason otherwise);
    the generated permission tests read ``resource`` and ``action`` off each endpoint."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "X-API-Key"

    def __init__(self, resource: str | None = None, action: Action = "read") -> None:
        super().__init__()
        self.resource, self.action = resource, action

    def __call__(self, request: HttpRequest) -> Principal | None:
        key = request.headers.get("X-API-Key", "")
        if not key:
            scheme, _, value = request.headers.get("Authorization", "").partition(" ")
            key = value.strip() if scheme.lower() == "bearer" else ""
        found = principal_of_key(key) if key else principal_of_user(getattr(request, "user", None))
        if found is None:
            # No valid credentials: counted per address, so that guessing keys is slowed
            # down too (ninja throttles only after authentication has passed).
            throttle = anonymous_throttle()
            if not throttle.allow_request(request):
                raise Throttled(wait=throttle.wait())  # type: ignore[arg-type]
            return None
        if not key and request.method not in SAFE_METHODS and check_csrf(request):
            raise CsrfRefusedError
        if self.resource is not None:
            require(found, self.resource, self.action)
        return found


def principal(request: HttpRequest) -> Principal:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class QuerySchema(Schema):
    """The base of every endpoint's query parameters (``Query[…]``, one schema per endpoint):
    a parameter the schema does not declare is refused with 422 ``unknown_parameter``
    rather than ignored (``?month=`` on a list that filters by ``year`` would otherwise
    answer every row)."""

    model_config = ConfigDict(use_attribute_docstrings=True)
    hidden: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_unknown_parameters(self, info: ValidationInfo) -> QuerySchema:
        request = (info.context or {}).get("request")
        if request is None:
            return self
        known = {field.alias or name for name, field in type(self).model_fields.items()}
        known -= type(self).hidden
        unknown = sorted(set(request.GET) - known)
        if unknown:
            raise PydanticCustomError(
                UNKNOWN_PARAMETER,
                "unknown query parameter: {names}; this endpoint takes: {known}",
                {"names": ", ".join(unknown), "known": ", ".join(sorted(known)) or "none"},
            )
        return self


class NoQuery(QuerySchema):
    """An endpoint that takes no query parameter: any one given is refused (422)."""

    # ninja cannot resolve a query schema without fields; this one is left out of the
    # OpenAPI document and takes no value
    no_parameters: SkipJsonSchema[None] = None
    hidden: ClassVar[frozenset[str]] = frozenset({"no_parameters"})


class Paging(QuerySchema):
    """``page`` (from 1) and ``page_size`` of every list; out of bounds → 422."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="The page, from 1.")
    page_size: int = Field(
        100, ge=1, le=MAX_PAGE_SIZE, description=f"Rows per page, at most {MAX_PAGE_SIZE}."
    )


class OutSchema(Schema):
    """The base of every answer's schema: each field's docstring is its description in the
    OpenAPI document."""

    model_config = ConfigDict(use_attribute_docstrings=True)


Item = TypeVar("Item", bound=Schema)


class Page(OutSchema, Generic[Item]):
    """One page of a list: ``Page[ItemOut]`` documents the items' fields in the OpenAPI."""

    count: int
    """Rows in the whole filtered list."""
    page: int
    """This page's number, from 1."""
    page_size: int
    """Rows per page asked for."""
    items: list[Item]
    """This page's rows."""


def inline_schema(model: type[Schema]) -> dict[str, Any]:
    """``model``'s JSON schema with its ``$defs`` written in place, for ``openapi_extra``
    (where a ``#/$defs/…`` reference would not resolve in the OpenAPI document)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                return inline(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    return inline(schema)  # type: ignore[no-any-return]


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


def page_of_objects(
    queryset: QuerySet[Any], row: Callable[[Any], dict[str, Any]], page: int, page_size: int
) -> dict[str, Any]:
    """One page of ``queryset``, each of its rows made an item by ``row``."""
    page, page_size = _check(page, page_size)
    start = (page - 1) * page_size
    return {
        "count": queryset.count(),
        "page": page,
        "page_size": page_size,
        "items": [row(r) for r in queryset[start : start + page_size]],
    }


def page_of_queryset(
    queryset: QuerySet[Model], fields: tuple[str, ...], page: int, page_size: int
) -> dict[str, Any]:
    return page_of_objects(queryset.values(*fields), dict, page, page_size)
