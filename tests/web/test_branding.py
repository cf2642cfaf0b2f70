"""The admin speaks the project's terms in Chinese, and every page has an icon."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.test import Client

from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db


def test_admin_is_titled_in_project_terms(loaded_city: LoadedCity) -> None:
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    html = client.get("/admin/").content.decode()
    assert "citycarbon 碳达峰管理平台 · 后台管理" in html
    assert "<title>平台管理 | citycarbon 后台管理</title>" in html
    assert "Django 管理" not in html and "Django administration" not in html
    # App groups by their Chinese names alone, not "企业 ENTERPRISES".
    assert "企业" in html and "Enterprises" not in html and "ENTERPRISES" not in html


def test_favicon_is_served(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/citycarbon/favicon.ico"
    found = finders.find("citycarbon/favicon.ico")
    assert found is not None
    with open(found, "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/static/citycarbon/favicon.ico">' in page
