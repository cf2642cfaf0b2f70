"""API: the grid company's electricity readings in, accounts and readings out.

``POST /electricity/readings`` takes up to ``MAX_READINGS`` readings per request. The body is
parsed once with the standard JSON parser and turned into one Polars frame (no model per
reading), checked by the same function as the CSV import, and applied as one batch.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import polars as pl
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from ninja import Query, Router, Schema

from citycarbon.io.electricity_csv import GRAINS, TIME_ZONE, readings, validate_readings
from citycarbon.io.errors import RowError
from citycarbon.web.api.common import (
    Id,
    NoQuery,
    OutSchema,
    Page,
    Paging,
    PrincipalAuth,
    Text,
    inline_schema,
    page_of_queryset,
    principal,
)
from citycarbon.web.api.errors import ERROR_RESPONSES, ErrorOut, problem
from citycarbon.web.audit.actions import Actor
from citycarbon.web.electricity import selectors
from citycarbon.web.electricity.actions import do_ingest_readings

router = Router(tags=["electricity"])

MAX_READINGS: Final = 100_000
MAX_BODY_BYTES: Final = 64 * 1024 * 1024
MAX_REPORTED_ERRORS: Final = 1000
FIELDS_IN: Final = {
    "account": "account_no",
    "start": "start",
    "grain": "grain",
    "kwh": "kwh",
    "account_name": "account_name",
}
FIELD_OUT: Final = {v: k for k, v in FIELDS_IN.items()}


class ReadingIn(Schema):
    """One reading (documentation only: the body is parsed without a model per reading)."""

    account: str
    start: str
    grain: str
    kwh: float
    account_name: str | None = None


class ReadingsIn(Schema):
    readings: list[ReadingIn]


class AccountOut(OutSchema):
    id: int
    """The account's id."""
    account_no: str
    """户号: the grid company's account number."""
    name: str
    """The account's name as the grid company sends it."""
    enterprise_id: int | None
    """The enterprise it is mapped to (internal id); null while unmapped."""
    entity_id: str | None
    """That enterprise's code in the city's register."""
    first_seen: datetime
    """When a reading first named it."""
    mapped_at: datetime | None
    """When it was mapped."""
    readings_count: int
    """Current readings it holds."""
    month_kwh: float | None
    """The kWh of its month readings."""


class AccountsQuery(Paging):
    mapped: bool | None = None
    """``false``: accounts still to be mapped; ``true``: mapped ones."""


class ReadingOut(OutSchema):
    account: str
    """户号: the account number."""
    enterprise_id: int | None
    """The enterprise the account is mapped to (internal id)."""
    start: str
    """The reading's start, ISO 8601 in Asia/Shanghai."""
    grain: str
    """What it covers: month, day or 15min."""
    kwh: float
    """Electricity, kWh."""
    version: int
    """1, then one more for each correction."""


class ReadingsQuery(Paging):
    enterprise_id: Id | None = None
    """Readings of accounts mapped to this enterprise (internal id)."""
    account: Text | None = None
    """One account number."""
    grain: Text | None = None
    """One grain: month, day or 15min."""
    start_from: Text | None = None
    """Starting at or after: ``YYYY-MM``, ``YYYY-MM-DD`` or a date-time (Asia/Shanghai)."""
    start_to: Text | None = None
    """Starting before (exclusive), in the same forms."""


class IngestOut(OutSchema):
    batch: int
    """The readings batch's id."""
    received: int
    """Readings in the request."""
    inserted: int
    """New readings stored."""
    corrected: int
    """Readings that replaced a stored one with another value (kept in the history)."""
    unchanged: int
    """Readings already stored with the same value."""
    new_accounts: int
    """Accounts first named by this request."""


def _problem(status: int, detail: str, code: str | None = None, **extra: Any) -> HttpResponse:
    return problem(status, detail, code, **extra)


def _text(values: list[Any]) -> pl.Series:
    return pl.Series([None if v is None else str(v) for v in values], dtype=pl.String)


def _frame(items: list[Any]) -> pl.DataFrame:
    """The readings as text columns with ``row`` = index in the array."""
    columns: dict[str, pl.Series] = {"row": pl.Series(range(len(items)), dtype=pl.Int64)}
    for key, column in FIELDS_IN.items():
        columns[column] = _text([it.get(key) if type(it) is dict else None for it in items])
    return pl.DataFrame(columns)


def _row_errors(errors: pl.DataFrame) -> list[dict[str, Any]]:
    reported = []
    for row, column, value, code, detail in (
        errors.sort("row", "column").head(MAX_REPORTED_ERRORS).iter_rows()
    ):
        error = RowError("", row, column, code, value=value or "", detail=detail or "")
        reported.append(
            {
                "index": row,
                "field": FIELD_OUT.get(column, column),
                "value": error.value if value is not None else None,
                "code": code,
                "reason_zh": error.reason_zh,
                "reason_en": error.reason_en,
            }
        )
    return reported


class RefusedError(Exception):
    """A request refused before its readings are checked."""

    def __init__(self, status: int, detail: str, code: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code, self.extra = status, detail, code, extra


def _readings_of(request: HttpRequest) -> list[Any]:
    """The ``readings`` array of the body, parsed once; refuses what is too big or not it."""
    too_big = f"request body over {MAX_BODY_BYTES} bytes; send fewer readings"
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
        raise RefusedError(413, too_big, "too_large")
    try:
        body = request.read(MAX_BODY_BYTES + 1)
    except RawPostDataException:
        body = request.body
    if len(body) > MAX_BODY_BYTES:
        raise RefusedError(413, too_big, "too_large")
    try:
        # Numbers stay text until the readings check: a float would turn ``1e-400`` into 0.0
        # and ``NaN`` / ``Infinity`` into values the check could no longer tell apart.
        payload = json.loads(body, parse_float=str, parse_int=str, parse_constant=str)
    except ValueError as exc:
        raise RefusedError(400, "the body is not valid JSON", "bad_body") from exc
    items = payload.get("readings") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise RefusedError(400, 'expected a JSON object {"readings": [ … ]}', "bad_body")
    if len(items) > MAX_READINGS:
        raise RefusedError(
            413,
            f"{len(items):,} readings in one request; at most {MAX_READINGS:,} — split them "
            f"into several requests / 单次最多 {MAX_READINGS:,} 条读数，请分批发送",
            "too_large",
            max_readings=MAX_READINGS,
        )
    if not items:
        raise RefusedError(422, "no readings", "invalid_readings", errors=[], error_count=0)
    return items


@router.post(
    "/electricity/readings",
    auth=PrincipalAuth("electricity", "submit"),
    response={200: IngestOut, 400: ErrorOut, 413: ErrorOut, **ERROR_RESPONSES},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(ReadingsIn)}},
        }
    },
    summary="Send electricity readings (grid feed); needs a key with the electricity scope",
)
def post_readings(request: HttpRequest, query: Query[NoQuery]) -> Any:
    """Up to 100,000 readings per request: `{"readings": [{"account", "start", "grain",
    "kwh", "account_name"?}, …]}`. All or nothing: any bad reading → 422 with every row
    error (index in the array, field, reason in Chinese and English) and nothing written.
    A reading whose key (account, start, grain) is stored with another kWh is a correction:
    the old value is kept in history. Sending the same readings again changes nothing."""
    who = principal(request)
    try:
        items = _readings_of(request)
    except RefusedError as exc:
        return _problem(exc.status, exc.detail, exc.code, **exc.extra)
    except RecursionError:
        return _problem(400, "the body's JSON is nested too deeply", "bad_body")
    valid, errors = validate_readings(_frame(items))
    if errors.height:
        return _problem(
            422,
            f"{errors.height} errors in {errors['row'].n_unique()} readings; nothing written",
            "invalid_readings",
            errors=_row_errors(errors),
            error_count=errors.height,
        )
    batch = do_ingest_readings(
        readings(valid), actor=Actor(label=who.label), source=f"api:{who.label}"
    )
    return {
        "batch": batch.pk,
        "received": batch.rows,
        "inserted": batch.inserted,
        "corrected": batch.corrected,
        "unchanged": batch.unchanged,
        "new_accounts": batch.new_accounts,
    }


ACCOUNT_FIELDS: Final = (
    "id",
    "account_no",
    "name",
    "enterprise_id",
    "enterprise__entity_id",
    "first_seen",
    "mapped_at",
    "readings_count",
    "month_kwh",
)


@router.get(
    "/electricity/accounts",
    auth=PrincipalAuth("electricity"),
    response={200: Page[AccountOut], **ERROR_RESPONSES},
    summary="Electricity accounts (户号)",
)
def list_accounts(request: HttpRequest, query: Query[AccountsQuery]) -> dict[str, Any]:
    """Accounts the caller may read, unmapped first, with how many readings they hold and
    the kWh of their month readings; `mapped=false` lists those still to be mapped."""
    qs = selectors.accounts(principal(request), query.mapped)
    out = page_of_queryset(qs, ACCOUNT_FIELDS, query.page, query.page_size)
    for row in out["items"]:
        row["entity_id"] = row.pop("enterprise__entity_id")
    return out


def _moment(text: str | None) -> datetime | None:
    """``YYYY-MM``, ``YYYY-MM-DD`` or a date-time (Asia/Shanghai unless it has an offset)."""
    if not text:
        return None
    tz = ZoneInfo(TIME_ZONE)
    text = text.strip()
    if len(text) == 7 and (d := parse_date(text + "-01")) is not None:
        return datetime(d.year, d.month, 1, tzinfo=tz)
    if (d := parse_date(text)) is not None:
        return datetime(d.year, d.month, d.day, tzinfo=tz)
    moment = parse_datetime(text)
    if moment is None:
        msg = f"not a date or time: {text!r}"
        raise ValueError(msg)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=tz)


@router.get(
    "/electricity/readings",
    auth=PrincipalAuth("electricity"),
    response={200: Page[ReadingOut], **ERROR_RESPONSES},
    summary="Electricity readings",
)
def list_readings(request: HttpRequest, query: Query[ReadingsQuery]) -> Any:
    """Current readings the caller may read; `start_from` inclusive, `start_to` exclusive
    (`YYYY-MM`, `YYYY-MM-DD` or a date-time, Asia/Shanghai)."""
    paging, grain = query, query.grain
    if grain and grain not in GRAINS:
        return _problem(422, f"grain must be one of {', '.join(GRAINS)}", "invalid")
    try:
        lo, hi = _moment(query.start_from), _moment(query.start_to)
    except ValueError as exc:
        return _problem(422, str(exc), "invalid")
    qs = selectors.readings(
        principal(request),
        enterprise=query.enterprise_id,
        account=query.account,
        grain=grain,
        start_from=lo,
        start_to=hi,
    ).order_by("account__account_no", "grain", "start")
    fields = (
        "account__account_no",
        "account__enterprise_id",
        "start",
        "grain",
        "kwh",
        "version",
    )
    out = page_of_queryset(qs, fields, paging.page, paging.page_size)
    tz = ZoneInfo(TIME_ZONE)
    out["items"] = [
        {
            "account": r["account__account_no"],
            "enterprise_id": r["account__enterprise_id"],
            "start": r["start"].astimezone(tz).isoformat(),
            "grain": r["grain"],
            "kwh": r["kwh"],
            "version": r["version"],
        }
        for r in out["items"]
    ]
    return out
