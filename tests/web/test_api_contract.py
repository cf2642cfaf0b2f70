"""The API's contract: every answer's fields are typed and described in the OpenAPI
document, a query parameter an endpoint does not take is refused (422), and calls over the
configured rate are refused (429) with ``Retry-After``."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.api.v1 import api
from citycarbon.web.audit.actions import Actor
from citycarbon.web.registry import registry
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db

# owned elsewhere: their answers are described by their own change
NOT_COVERED = {"rapid estimates"}
SCHEMA = api.get_openapi_schema()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = SCHEMA["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _undescribed(node: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """``where.field`` for each property, at any depth, without a type or a description."""
    node = _resolve(node)
    out: list[str] = []
    for option in node.get("anyOf", []) + node.get("allOf", []):
        out += _undescribed(option, where, seen)
    if node.get("type") == "array":
        out += _undescribed(node["items"], where + "[]", seen)
    title = node.get("title", "")
    if title in seen:
        return out
    seen.add(title)
    for name, prop in node.get("properties", {}).items():
        typed = "type" in prop or "anyOf" in prop or "$ref" in prop or "allOf" in prop
        if not typed or not prop.get("description"):
            out.append(f"{where}.{name}")
        out += _undescribed(prop, f"{where}.{name}", seen)
    return out


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, methods in SCHEMA["paths"].items()
        for method, op in methods.items()
        if not NOT_COVERED & set(op.get("tags", []))
    ]


OPERATIONS = [pytest.param(m, p, op, id=f"{m} {p}") for m, p, op in _operations()]
GET_OPERATIONS = [pytest.param(m, p, op, id=f"{m} {p}") for m, p, op in _operations() if m == "get"]


def test_every_operation_is_covered() -> None:
    # the document has the lists, the by-id reads and the writes
    paths = {p for _m, p, _op in _operations()}
    assert "/api/v1/enterprises" in paths and "/api/v1/energy/uploads" in paths
    assert len(OPERATIONS) >= 15


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS)
def test_answer_fields_are_typed_and_described(method: str, path: str, op: Any) -> None:
    for status, response in op["responses"].items():
        if not str(status).startswith("2"):
            continue
        content = response["content"]
        if "application/json" not in content:  # a file (the PDF of a report), not fields
            assert content, f"{method} {path} {status}"
            continue
        body = content["application/json"]["schema"]
        assert _undescribed(body, f"{method} {path} {status}", set()) == []
        assert _resolve(body).get("properties") or _resolve(body).get("items")


@pytest.mark.parametrize(("method", "path", "op"), GET_OPERATIONS)
def test_query_parameters_are_described(method: str, path: str, op: Any) -> None:
    for parameter in op.get("parameters", []):
        if parameter["in"] == "query":
            assert parameter.get("description"), f"{path} ?{parameter['name']}"


@pytest.fixture
def key(loaded_city: LoadedCity) -> str:
    binding = Binding("regulator")
    return do_create_api_key(
        binding, actor=Actor.system("test"), scopes=tuple(registry().resources)
    )[1]


def _concrete(path: str, loaded_city: LoadedCity) -> str:
    first = loaded_city.first
    return (
        path.replace("{enterprise_id}", str(first.pk))
        .replace("{uscc}", first.uscc or "X")
        .replace("{district_id}", str(first.district_id))
        .replace("{upload_id}", "1")
        .replace("{plan_id}", "1")
        .replace("{case_id}", "1")
        .replace("{target}", "1")
        .replace("{target_id}", "1")
        .replace("{scenario_id}", "1")
        .replace("{report_id}", "0000-0000-0000-0000")
    )


@pytest.mark.parametrize(("method", "path", "op"), GET_OPERATIONS)
def test_unknown_query_parameter_is_422(
    client: Client, key: str, loaded_city: LoadedCity, method: str, path: str, op: Any
) -> None:
    response = client.get(
        _concrete(path, loaded_city), {"month": "2026-10"}, headers={"X-API-Key": key}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "unknown_parameter"
    assert "month" in body["detail"] and "未知的查询参数" in body["detail"]
    assert body["errors"][0]["field"] == "month"


def test_known_parameters_still_answer(client: Client, key: str) -> None:
    response = client.get(
        "/api/v1/enterprises", {"page_size": 2, "year": 2025}, headers={"X-API-Key": key}
    )
    assert response.status_code == 200
    assert set(response.json()) == {"count", "page", "page_size", "items"}


def test_renamed_enterprise_filter(client: Client, key: str, loaded_city: LoadedCity) -> None:
    first = loaded_city.first.pk
    new = client.get("/api/v1/codes", {"enterprise_id": first}, headers={"X-API-Key": key})
    assert new.status_code == 200
    assert {row["enterprise_id"] for row in new.json()["items"]} == {first}
    old = client.get("/api/v1/codes", {"enterprise": first}, headers={"X-API-Key": key})
    assert old.status_code == 422 and old.json()["errors"][0]["field"] == "enterprise"


# --- throttling --------------------------------------------------------------------------


@pytest.fixture
def fresh_counts() -> Any:
    cache.clear()
    yield
    cache.clear()


@override_settings(CITYCARBON_API_RATE="3/min")
def test_a_key_gets_its_rate_then_429(client: Client, key: str, fresh_counts: None) -> None:
    headers = {"X-API-Key": key}
    answers = [client.get("/api/v1/building-codes", headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    refused = client.get("/api/v1/building-codes", headers=headers)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "throttled"
    assert "too many requests" in body["detail"] and "请求过于频繁" in body["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 60


@override_settings(CITYCARBON_API_RATE="3/min")
def test_keys_are_counted_apart(client: Client, key: str, fresh_counts: None) -> None:
    other = do_create_api_key(Binding("regulator"), actor=Actor.system("test"))[1]
    for _ in range(3):
        assert client.get("/api/v1/enterprises", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/api/v1/enterprises", headers={"X-API-Key": key}).status_code == 429
    assert client.get("/api/v1/enterprises", headers={"X-API-Key": other}).status_code == 200


@override_settings(CITYCARBON_API_RATE="off")
def test_off_counts_nothing(client: Client, key: str, fresh_counts: None) -> None:
    for _ in range(5):
        assert client.get("/api/v1/building-codes", headers={"X-API-Key": key}).status_code == 200
    assert len(cache._cache) == 0  # type: ignore[attr-defined]  # no count kept


@override_settings(CITYCARBON_API_ANON_RATE="2/min")
def test_calls_without_credentials_are_counted_per_address(
    client: Client, loaded_city: LoadedCity, fresh_counts: None
) -> None:
    bad = {"X-API-Key": "cc_wrong"}
    assert client.get("/api/v1/enterprises", headers=bad).status_code == 401
    assert client.get("/api/v1/enterprises").status_code == 401
    refused = client.get("/api/v1/enterprises", headers=bad)
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert "Retry-After" in refused
    elsewhere = client.get("/api/v1/enterprises", REMOTE_ADDR="127.0.0.9")
    assert elsewhere.status_code == 401


def test_estimates_refuse_the_pages_month_parameter(client: Client, key: str) -> None:
    # the estimates page says ``month``; the API says ``period`` and no longer ignores it
    response = client.get("/api/v1/estimates", {"month": "2026-10"}, headers={"X-API-Key": key})
    assert response.status_code == 422 and response.json()["code"] == "unknown_parameter"
