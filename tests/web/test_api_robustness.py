"""The API under hostile input: bounded paging, readings bodies that used to crash, JSON
errors everywhere under ``/api/v1/``, and an OpenAPI document whose references resolve."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.api.v1 import api
from citycarbon.web.audit.actions import Actor
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
READINGS = "/api/v1/electricity/readings"


def regulator_key(scopes: tuple[str, ...] = ()) -> str:
    return do_create_api_key(Binding("regulator"), actor=ACTOR, scopes=scopes)[1]


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


def is_json_error(response: Any, status: int, code: str) -> bool:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert body["code"] == code and isinstance(body["detail"], str) and body["detail"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])  # and in Chinese
    return True


def test_errors_under_the_api_are_json(
    loaded_city: LoadedCity, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = {"X-API-Key": regulator_key()}
    assert is_json_error(client.get("/api/v1/no-such-thing", headers=key), 404, "not_found")
    assert is_json_error(client.get("/api/no-such-version/"), 404, "not_found")
    assert is_json_error(client.get("/api/v1/enterprises/999999999", headers=key), 404, "not_found")
    assert is_json_error(client.get("/api/v1/enterprises"), 401, "unauthenticated")
    assert is_json_error(
        client.get("/api/v1/enterprises", {"page": "x"}, headers=key), 422, "invalid"
    )
    assert is_json_error(
        client.delete("/api/v1/enterprises", headers=key), 405, "method_not_allowed"
    )
    bank = do_create_api_key(Binding("bank", loaded_city.bank), actor=ACTOR)[1]
    assert is_json_error(
        client.get("/api/v1/energy-records", headers={"X-API-Key": bank}), 403, "forbidden"
    )

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("citycarbon.web.enterprises.api.search", broken)
    client.raise_request_exception = False
    assert is_json_error(client.get("/api/v1/enterprises", headers=key), 500, "server_error")


def test_django_level_errors_under_the_api_are_json(rf: Any) -> None:
    from django.core.exceptions import RequestDataTooBig  # noqa: PLC0415

    from citycarbon.web.api import errors  # noqa: PLC0415

    api_request, page_request = rf.post("/api/v1/electricity/readings"), rf.get("/enterprises/")
    assert is_json_error(errors.csrf_failure(api_request, "no token"), 403, "csrf_failed")
    assert is_json_error(errors.server_error(api_request), 500, "server_error")
    assert is_json_error(errors.bad_request(api_request, RequestDataTooBig()), 413, "too_large")
    assert is_json_error(errors.bad_request(api_request, ValueError()), 400, "bad_request")
    assert is_json_error(errors.permission_denied(api_request, ValueError()), 403, "forbidden")
    assert "text/html" in errors.not_found(page_request, ValueError())["Content-Type"]
    assert "text/html" in errors.csrf_failure(page_request, "no token")["Content-Type"]


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def test_every_openapi_reference_resolves(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    found = refs(document)
    assert found
    for ref in found:
        assert isinstance(resolve(document, ref), dict), ref
    body = document["paths"]["/api/v1/electricity/readings"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    schema = resolve(document, schema["$ref"]) if "$ref" in schema else schema
    item = schema["properties"]["readings"]["items"]
    item = resolve(document, item["$ref"]) if "$ref" in item else item
    assert set(item["properties"]) >= {"account", "start", "grain", "kwh"}


def test_every_list_describes_its_items(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    for path in PAGINATED:
        ok = document["paths"][f"/api/v1{path}"]["get"]["responses"]["200"]
        page = ok["content"]["application/json"]["schema"]
        page = resolve(document, page["$ref"]) if "$ref" in page else page
        item = page["properties"]["items"]["items"]
        item = resolve(document, item["$ref"]) if "$ref" in item else item
        assert item.get("properties"), (path, item)


def test_bank_portraits_agree_with_the_emissions_policy(
    loaded_city: LoadedCity, client: Client
) -> None:
    """A bank may not read emissions: neither the portraits API nor the enterprise page
    gives them to it, while a regulator gets both."""
    from citycarbon.web.grading.selectors import PORTRAIT_EMISSION_COLUMNS  # noqa: PLC0415

    first = loaded_city.first
    bank = {"X-API-Key": do_create_api_key(Binding("bank", loaded_city.bank), actor=ACTOR)[1]}
    regulator = {"X-API-Key": regulator_key()}
    assert client.get("/api/v1/emissions", headers=bank).status_code == 403
    for path in (f"/api/v1/portraits/{first.pk}", "/api/v1/portraits"):
        rows = client.get(path, headers=bank).json()
        rows = rows["items"] if isinstance(rows, dict) else rows
        assert rows and all(r["grade"] and r["intensity_tco2_per_10k_yuan"] for r in rows)
        assert all(r.get(c) is None for r in rows for c in PORTRAIT_EMISSION_COLUMNS), path
        full = client.get(path, headers=regulator).json()
        full = full["items"] if isinstance(full, dict) else full
        assert all(r["total_tco2"] is not None for r in full)

    login = loaded_city.logins["bank"]
    client.login(username=login.username, password=login.password)
    page = client.get(f"/enterprises/{first.pk}/")
    assert page.status_code == 200
    trend = page.context["trend"]
    assert trend["values"] == [] and trend["intensity"]
    assert all(c not in page.context["portrait"] for c in PORTRAIT_EMISSION_COLUMNS)
    assert page.context["mix"] is None


def test_a_long_value_is_echoed_cut_short(client: Client) -> None:
    reading = {"account": "A" * 100_000, "start": "2026-01", "grain": "month", "kwh": 1}
    response = post_raw(
        client, json.dumps({"readings": [reading]}), regulator_key(("electricity",))
    )
    assert response.status_code == 422, response.content[:300]
    assert len(response.content) < 5_000
    (error,) = [e for e in response.json()["errors"] if e["field"] == "account"]
    assert error["value"] == "A" * 100 + "…（共 100000 字符 / 100000 chars）"
