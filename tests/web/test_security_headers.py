"""Security headers and HTTPS: the Content-Security-Policy on every page (and templates
that need no inline script or style under it), HSTS and the HTTPS redirect behind a proxy,
and an HTTP-only CSRF cookie."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from citycarbon.web import settings as web_settings
from tests.web.conftest import LoadedCity

TEMPLATES = sorted(Path(web_settings.BASE_DIR).glob("**/templates/**/*.html"))
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "hx-on (needs eval)": re.compile(r"\bhx-on\b|\bhx-on:", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_templates_are_found() -> None:
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_template_needs_what_the_policy_blocks(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    found = {what for what, pattern in INLINE.items() if pattern.search(text)}
    assert not found, (template, found)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/enterprises/", "/api/v1/codes", "/healthz"])
def test_every_answer_carries_the_policy(client: Client, path: str) -> None:
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_signed_in_pages_carry_the_policy(loaded_city: LoadedCity, client: Client) -> None:
    login = loaded_city.logins["regulator"]
    client.login(username=login.username, password=login.password)
    for path in ("/dashboard/", f"/enterprises/{loaded_city.first.pk}/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_csrf_cookie_is_http_only_and_the_page_carries_the_token(client: Client) -> None:
    response = client.get("/login/")
    cookie = response.cookies["csrftoken"]
    assert cookie["httponly"] is True
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    assert "X-CSRFToken" in response.content.decode()  # htmx sends it from the page


def settings_behind_proxy(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CITYCARBON_", "DJANGO_"))}
    clean.update({"CITYCARBON_VAR": env.pop("var"), **env})
    code = (
        "from citycarbon.web import settings as s;"
        "print(getattr(s, 'SECURE_SSL_REDIRECT', False), getattr(s, 'SECURE_HSTS_SECONDS', 0),"
        " getattr(s, 'SECURE_REDIRECT_EXEMPT', []), s.CSRF_COOKIE_HTTPONLY)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def test_hsts_and_redirect_only_behind_a_proxy(tmp_path: Path) -> None:
    assert settings_behind_proxy(var=str(tmp_path)) == ["False", "0", "[]", "True"]
    behind = settings_behind_proxy(var=str(tmp_path), CITYCARBON_BEHIND_PROXY="1")
    assert behind == ["True", "31536000", "['^healthz$']", "True"]


@pytest.mark.django_db
@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_REDIRECT_EXEMPT=[r"^healthz$"],
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_behind_a_proxy_plain_http_is_redirected_except_the_health_check() -> None:
    client = Client()
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200
    secure = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
