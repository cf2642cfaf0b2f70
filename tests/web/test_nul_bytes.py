"""A NUL character anywhere in a request's fields answers 400 on every page and endpoint of
the site (PostgreSQL refuses NUL in text: without the check some pages answered 500)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db
REGEX_SYNTAX = re.compile(r"[()\[\]*+?|{}\\]")


def _text(pattern: Any) -> str | None:
    """The literal path of a pattern, or ``None`` when it takes arguments."""
    if pattern.regex.groups:
        return None
    text = str(pattern).removeprefix("^").removesuffix("$").replace(r"\.", ".")
    text = text.replace(r"\Z", "")
    return None if REGEX_SYNTAX.search(text) else text


def plain_paths(patterns: Sequence[URLPattern | URLResolver], prefix: str = "/") -> Iterator[str]:
    """Every URL of the site that needs no argument."""
    for p in patterns:
        text = _text(p.pattern)
        if text is None:
            continue
        if isinstance(p, URLResolver):
            yield from plain_paths(p.url_patterns, prefix + text)
        else:
            yield prefix + text


PATHS = sorted(set(plain_paths(get_resolver().url_patterns)))


def test_the_site_has_its_pages() -> None:
    for path in ("/enterprises/", "/audit/", "/api/v1/enterprises", "/admin/", "/login/"):
        assert path in PATHS, PATHS


def assert_refused(response: Any, path: str) -> None:
    assert response.status_code == 400, (path, response.status_code)
    if path.startswith("/api/"):
        assert response.json()["code"] == "nul_byte"
        assert "NUL" in response.json()["detail"]
    else:
        assert response["Content-Type"].startswith("text/html")
        text = response.content.decode()
        assert "NUL 字符" in text and "NUL character" in text


@pytest.mark.parametrize("path", PATHS)
def test_nul_in_any_field_is_a_400(loaded_city: LoadedCity, client: Client, path: str) -> None:
    client.force_login(User.objects.get(username="regulator"))
    for query in ("q=%00", "action=a%00b", "%00=1", "page=1&period=2025%00"):
        assert_refused(client.get(f"{path}?{query}"), f"{path}?{query}")
    assert_refused(client.post(path, {"q": "x\x00", "name": "ok"}), path)
    assert_refused(client.post(path, {"x\x00": "ok"}), path)


def test_pages_without_nul_still_answer(loaded_city: LoadedCity, client: Client) -> None:
    client.force_login(User.objects.get(username="regulator"))
    assert client.get("/enterprises/", {"q": "企业"}).status_code == 200
    assert client.get("/audit/", {"actor": "energy"}).status_code == 200
    assert client.get("/api/v1/enterprises", {"q": "x"}).status_code == 200


def test_nul_in_path_and_cookie(loaded_city: LoadedCity, client: Client) -> None:
    client.force_login(User.objects.get(username="regulator"))
    assert_refused(client.get("/enterprises/%00/"), "/enterprises/%00/")
    client.cookies["theme"] = "a\x00"
    assert_refused(client.get("/enterprises/"), "/enterprises/")


def test_upload_content_is_not_searched(loaded_city: LoadedCity, client: Client) -> None:
    client.force_login(User.objects.get(username="regulator"))
    upload = SimpleUploadedFile("energy.csv", b"entity_id,period\x00\n", "text/csv")
    response = client.post("/energy/uploads/", {"file": upload})
    assert "NUL character" not in response.content.decode()
