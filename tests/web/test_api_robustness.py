"""The API under hostile input: bounded paging, readings bodies that used to crash, JSON
errors everywhere under ``/api/v1/``, and an OpenAPI document whose references resolve."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.access.models import Role
from citycarbon.web.api.v1 import api
from citycarbon.web.audit.actions import Actor
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
READINGS = "/api/v1/electricity/readings"


def regulator_key(scopes: tuple[str, ...] = ()) -> str:
    return do_create_api_key(Binding(Role.REGULATOR), actor=ACTOR, scopes=scopes)[1]


def paginated_paths() -> list[str]:
    """Every GET path of the API whose parameters include ``page``, from the API itself."""
    schema = api.get_openapi_schema()
    out = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get and any(p["name"] == "page" for p in get.get("parameters", [])):
            out.append(path.removeprefix("/api/v1"))
    return sorted(out)


PAGINATED = paginated_paths()


def test_the_api_lists_its_paginated_endpoints() -> None:
    assert len(PAGINATED) >= 11
    assert "/electricity/accounts" in PAGINATED


@pytest.mark.parametrize("path", PAGINATED)
@pytest.mark.parametrize(
    "params",
    [
        {"page": 10**30},
        {"page": 2**63},
        {"page": 0},
        {"page": -5},
        {"page_size": 10**30},
        {"page_size": 0},
        {"page": 10**6, "page_size": 500},
    ],
)
def test_huge_or_bad_pages_are_never_a_server_error(
    loaded_city: LoadedCity, client: Client, path: str, params: dict[str, int]
) -> None:
    response = client.get(f"/api/v1{path}", params, headers={"X-API-Key": regulator_key()})
    assert response.status_code in (200, 422), (path, params, response.content[:300])
    body = response.json()
    if response.status_code == 200:
        assert body["items"] == []
    else:
        assert body["code"] == "invalid"
        assert any(e["field"] in ("page", "page_size") for e in body["errors"])


def post_raw(client: Client, body: bytes | str, key: str) -> Any:
    return client.post(READINGS, body, content_type="application/json", headers={"X-API-Key": key})


@pytest.mark.parametrize(
    "reading",
    [
        {"account": "3300000001", "start": "0000-01", "grain": "month", "kwh": 1},
        {"account": "3300000001", "start": "0000-01-01T00:00:00", "grain": "day", "kwh": 1},
        {"account": "3300000001", "start": "9999-12-31T23:45:00", "grain": "15min", "kwh": 1},
        {"account": "33000\x0000001", "start": "2026-01", "grain": "month", "kwh": 1},
        {
            "account": "3300000001",
            "start": "2026-01",
            "grain": "month",
            "kwh": 1,
            "account_name": "名\x00称",
        },
        {"account": "3300000001", "start": "2026-\x0001", "grain": "month", "kwh": 1},
    ],
)
def test_bad_readings_are_422_with_reasons(client: Client, reading: dict[str, Any]) -> None:
    response = post_raw(
        client, json.dumps({"readings": [reading]}), regulator_key(("electricity",))
    )
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid_readings"
    assert body["errors"] and all(e["reason_zh"] and e["reason_en"] for e in body["errors"])


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"readings": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"readings": [' + '{"a":' * 20_000 + "1" + "}" * 20_000 + "]}",
        b"\xff\xfe not utf-8",
        '{"readings": "\x00"}',
    ],
)
def test_hostile_bodies_are_400_json(client: Client, body: str | bytes) -> None:
    response = post_raw(client, body, regulator_key(("electricity",)))
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "bad_body"
