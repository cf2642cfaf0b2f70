"""An expired code says so plainly, on the enterprise page and the public verification page,
and the verification page names the enterprise's USCC and the issuer."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from citycarbon.web.grading.models import CarbonCode
from citycarbon.web.grading.views import verify_token
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db


def latest_code(city: LoadedCity) -> CarbonCode:
    code = CarbonCode.objects.filter(enterprise=city.first).order_by("-year").first()
    assert code is not None
    return code


def test_a_current_code_is_valid_and_emphasised(
    loaded_city: LoadedCity, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = latest_code(loaded_city)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(code.year + 1, 6, 1))
    with override_settings(CITYCARBON_ISSUER="某市发展和改革委员会"):
        page = client.get(f"/verify/{verify_token(code)}/").content.decode()
    assert 'class="status-valid"><strong>该碳效码有效' in page
    assert "已过期" not in page and "取代" not in page
    assert f'<dd id="uscc">{loaded_city.first.uscc}</dd>' in page
    assert '<dd id="issuer">某市发展和改革委员会</dd>' in page


def test_an_expired_code_is_shown_as_expired_not_replaced(
    loaded_city: LoadedCity, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = latest_code(loaded_city)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(code.year + 2, 1, 1))
    page = client.get(f"/verify/{verify_token(code)}/").content.decode()
    assert f"该碳效码已过期（有效期至 {code.year + 1}-12-31）" in page
    assert 'class="status-expired"' in page and "<strong>该碳效码" not in page
    assert "取代" not in page  # no newer code exists
    assert '<dd id="issuer">citycarbon 平台</dd>' in page
    client.force_login(User.objects.get(username="enterprise1"))
    own = client.get(f"/enterprises/{loaded_city.first.pk}/").content.decode()
    assert 'id="code-expired">已过期</strong>' in own


def test_an_older_code_says_a_newer_one_replaces_it(
    loaded_city: LoadedCity, client: Client
) -> None:
    codes = list(CarbonCode.objects.filter(enterprise=loaded_city.first).order_by("year"))
    assert len(codes) >= 2
    page = client.get(f"/verify/{verify_token(codes[0])}/").content.decode()
    assert "已被新的碳效码取代" in page and "已过期（" not in page
