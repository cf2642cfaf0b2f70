"""The permission matrix, in the API and in pages: each role sees exactly what it should."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon.web.access.actions import (
    Binding,
    BindingError,
    do_create_api_key,
    do_revoke_api_key,
)
from citycarbon.web.access.models import ApiKey
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent
from citycarbon.web.enterprises.actions import do_grant_consent, do_revoke_consent
from citycarbon.web.enterprises.models import Consent, Enterprise
from citycarbon.web.grading.models import CarbonCode
from citycarbon.web.regions.models import District
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")

API_LISTS = [
    "/api/v1/enterprises",
    "/api/v1/energy-records",
    "/api/v1/emissions",
    "/api/v1/codes",
    "/api/v1/portraits",
    "/api/v1/lists/poor-efficiency",
    "/api/v1/lists/low-green",
    "/api/v1/building-codes",
]
ALLOWED = {
    "regulator": set(API_LISTS),
    "district": set(API_LISTS) - {"/api/v1/building-codes"},
    "enterprise": {
        "/api/v1/enterprises",
        "/api/v1/energy-records",
        "/api/v1/emissions",
        "/api/v1/codes",
        "/api/v1/portraits",
    },
    "bank": {"/api/v1/enterprises", "/api/v1/codes", "/api/v1/portraits"},
}


def key_for(city: LoadedCity, role: str, enterprise: Enterprise | None = None) -> str:
    district = District.objects.order_by("code").first()
    binding = {
        "regulator": Binding("regulator"),
        "district": Binding("district", district),
        "enterprise": Binding("enterprise", enterprise or city.first),
        "bank": Binding("bank", city.bank),
    }[role]
    return do_create_api_key(binding, actor=ACTOR)[1]


def get(client: Client, path: str, key: str | None = None, **params: Any) -> Any:
    headers = {"X-API-Key": key} if key else {}
    return client.get(path, params, headers=headers)


def ids_of(response: Any) -> set[int]:
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {i.get("enterprise_pk", i.get("enterprise_id", i.get("id"))) for i in items}


@pytest.mark.parametrize("path", API_LISTS)
def test_api_without_valid_credentials_is_401(
    loaded_city: LoadedCity, client: Client, path: str
) -> None:
    assert get(client, path).status_code == 401
    assert get(client, path, "cck_nope_nope").status_code == 401
    assert get(client, path, "not-a-key").status_code == 401


@pytest.mark.parametrize("role", ["regulator", "district", "enterprise", "bank"])
def test_api_role_matrix(loaded_city: LoadedCity, client: Client, role: str) -> None:
    key = key_for(loaded_city, role)
    for path in API_LISTS:
        response = get(client, path, key, page_size=500)
        expected = 200 if path in ALLOWED[role] else 403
        assert response.status_code == expected, (role, path, response.content[:200])


def test_api_scopes_each_role_to_its_enterprises(loaded_city: LoadedCity, client: Client) -> None:
    district = District.objects.order_by("code").first()
    assert district is not None
    in_district = set(Enterprise.objects.filter(district=district).values_list("pk", flat=True))
    everyone = set(Enterprise.objects.values_list("pk", flat=True))
    consenting = {loaded_city.first.pk}
    expected = {
        "regulator": everyone,
        "district": in_district,
        "enterprise": {loaded_city.first.pk},
        "bank": consenting,
    }
    for role, want in expected.items():
        key = key_for(loaded_city, role)
        got = ids_of(get(client, "/api/v1/enterprises", key, page_size=500))
        assert got == want, role
        codes = ids_of(get(client, "/api/v1/codes", key, page_size=500))
        assert codes <= want and codes, role


def test_enterprise_a_never_reads_enterprise_b(loaded_city: LoadedCity, client: Client) -> None:
    a, b = loaded_city.first, loaded_city.second
    key = key_for(loaded_city, "enterprise", a)
    assert get(client, f"/api/v1/enterprises/{a.pk}", key).status_code == 200
    for path in (
        f"/api/v1/enterprises/{b.pk}",
        f"/api/v1/codes/enterprise/{b.pk}",
        f"/api/v1/portraits/{b.pk}",
    ):
        assert get(client, path, key).status_code == 404, path
    if b.uscc:
        assert get(client, f"/api/v1/codes/uscc/{b.uscc}", key).status_code == 404
    for path in ("/api/v1/energy-records", "/api/v1/emissions", "/api/v1/codes"):
        assert get(client, path, key, enterprise_id=b.pk, page_size=500).json()["count"] in (0,)
        assert ids_of(get(client, path, key, page_size=500)) == {a.pk}


def test_codes_by_uscc_and_by_id_agree(loaded_city: LoadedCity, client: Client) -> None:
    key = key_for(loaded_city, "regulator")
    e = loaded_city.first
    by_id = get(client, f"/api/v1/codes/enterprise/{e.pk}", key).json()
    by_uscc = get(client, f"/api/v1/codes/uscc/{e.uscc}", key).json()
    assert by_id == by_uscc and by_id
    stored = CarbonCode.objects.filter(enterprise=e).order_by("-year").first()
    assert stored is not None
    assert by_id[0]["label"] == f"{stored.level}{stored.grade}级"
    assert by_id[0]["k_value"] == pytest.approx(stored.k_value)


def test_bank_reads_only_while_consent_stands(loaded_city: LoadedCity, client: Client) -> None:
    key = key_for(loaded_city, "bank")
    first, second = loaded_city.first, loaded_city.second
    path = "/api/v1/codes/enterprise/{}"
    assert get(client, path.format(first.pk), key).status_code == 200
    assert get(client, path.format(second.pk), key).status_code == 404
    consent = do_grant_consent(second, loaded_city.bank, actor=ACTOR)
    assert get(client, path.format(second.pk), key).status_code == 200
    assert do_revoke_consent(consent, actor=ACTOR)
    assert get(client, path.format(second.pk), key).status_code == 404
    assert get(client, "/api/v1/energy-records", key, enterprise_id=first.pk).status_code == 403


def test_filters_and_pagination(loaded_city: LoadedCity, client: Client) -> None:
    key = key_for(loaded_city, "regulator")
    everything = get(client, "/api/v1/codes", key, page_size=500).json()
    year = max(i["year"] for i in everything["items"])
    grade = everything["items"][0]["grade"]
    some = get(client, "/api/v1/codes", key, year=year, grade=grade, page_size=500).json()
    assert some["count"] == sum(
        1 for i in everything["items"] if i["year"] == year and i["grade"] == grade
    )
    pages = [
        get(client, "/api/v1/enterprises", key, page=p, page_size=25).json() for p in (1, 2, 3)
    ]
    seen = [i["id"] for p in pages for i in p["items"]]
    assert len(seen) == len(set(seen)) == 60 and pages[0]["count"] == 60


def test_revoked_key_is_refused_and_keys_are_stored_hashed(
    loaded_city: LoadedCity, client: Client
) -> None:
    row, key = do_create_api_key(Binding("regulator"), actor=ACTOR, label="probe")
    assert get(client, "/api/v1/enterprises", key).status_code == 200
    stored = ApiKey.objects.get(pk=row.pk)
    assert stored.key_sha256 == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(list(ApiKey.objects.values()))
    assert key not in str(list(AuditEvent.objects.values()))
    do_revoke_api_key(row, actor=ACTOR)
    assert get(client, "/api/v1/enterprises", key).status_code == 401


def test_scoped_key_reads_only_its_scopes(loaded_city: LoadedCity, client: Client) -> None:
    _row, key = do_create_api_key(Binding("regulator"), actor=ACTOR, scopes=("codes",))
    assert get(client, "/api/v1/codes", key).status_code == 200
    assert get(client, "/api/v1/enterprises", key).status_code == 403


def test_bindings_are_checked() -> None:
    with pytest.raises(BindingError, match="needs a district"):
        Binding("district").check()
    with pytest.raises(BindingError, match="takes no district"):
        Binding("regulator", District(code="1")).check()
    with pytest.raises(BindingError, match="unknown scope"):
        do_create_api_key(Binding("regulator"), actor=ACTOR, scopes=("everything",))


def test_failed_action_leaves_no_data_and_no_event(
    loaded_city: LoadedCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (Consent.objects.count(), AuditEvent.objects.count())

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr("citycarbon.web.enterprises.actions.record", broken)
    with pytest.raises(RuntimeError):
        do_grant_consent(loaded_city.second, loaded_city.bank, actor=ACTOR)
    assert (Consent.objects.count(), AuditEvent.objects.count()) == before


# Pages ------------------------------------------------------------------------------------


def login(client: Client, city: LoadedCity, username: str) -> None:
    client.force_login(User.objects.get(username=username))


PAGES = {
    # page: roles that may open it (others: 403)
    "/dashboard/": {"admin", "regulator", "district"},
    "/lists/poor-efficiency/": {"admin", "regulator", "district"},
    "/audit/": {"admin", "regulator"},
    "/enterprises/": {"admin", "regulator", "district", "enterprise1", "enterprise2", "bank"},
}


@pytest.mark.parametrize(
    "username", ["admin", "regulator", "district", "enterprise1", "enterprise2", "bank"]
)
def test_page_matrix(loaded_city: LoadedCity, client: Client, username: str) -> None:
    login(client, loaded_city, username)
    for path, allowed in PAGES.items():
        status = client.get(path, follow=True).status_code  # an enterprise's list: its page
        assert status == (200 if username in allowed else 403), (username, path, status)
    first, second = loaded_city.first, loaded_city.second
    district = District.objects.order_by("code").first()
    sees_first = {
        "admin": True,
        "regulator": True,
        "district": first.district == district,
        "enterprise1": True,
        "enterprise2": False,
        "bank": True,
    }[username]
    sees_second = {
        "admin": True,
        "regulator": True,
        "district": second.district == district,
        "enterprise1": False,
        "enterprise2": True,
        "bank": False,
    }[username]
    for enterprise, sees in ((first, sees_first), (second, sees_second)):
        status = client.get(f"/enterprises/{enterprise.pk}/").status_code
        assert status == (200 if sees else 404), (username, enterprise.entity_id, status)


def test_anonymous_sees_only_the_verification_page(loaded_city: LoadedCity, client: Client) -> None:
    for path in ("/", "/dashboard/", "/enterprises/", f"/enterprises/{loaded_city.first.pk}/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path


def test_verification_page_shows_its_fields_and_nothing_else(
    loaded_city: LoadedCity, client: Client
) -> None:
    from citycarbon.web.grading.views import verify_token  # noqa: PLC0415

    code = CarbonCode.objects.filter(enterprise=loaded_city.first).order_by("-year").first()
    assert code is not None
    page = client.get(f"/verify/{verify_token(code)}/").content.decode()
    assert loaded_city.first.name in page and f"{code.level}{code.grade}级" in page
    assert str(code.year) in page and f"{code.year + 1}-12-31" in page
    assert loaded_city.first.uscc and loaded_city.first.uscc in page  # which legal entity
    for secret in (
        loaded_city.first.entity_id,
        f"{code.k_value:.2f}",
        f"{code.intensity_tco2_per_10k_yuan:.3f}",
        loaded_city.first.district.name_zh,
    ):
        assert secret not in page, secret
    assert client.get(f"/verify/{code.pk}/").status_code == 404
    assert client.get(f"/verify/{verify_token(code)}x/").status_code == 404


def test_enterprise_page_has_qr_and_code(loaded_city: LoadedCity, client: Client) -> None:
    login(client, loaded_city, "enterprise1")
    page = client.get(f"/enterprises/{loaded_city.first.pk}/").content.decode()
    code = CarbonCode.objects.filter(enterprise=loaded_city.first).order_by("-year").first()
    assert code is not None
    assert "<svg" in page and f"{code.level}{code.grade}级" in page
    csv = client.get(f"/enterprises/{loaded_city.first.pk}/download/records.csv")
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").startswith("entity_id,")
    other = client.get(f"/enterprises/{loaded_city.second.pk}/download/records.csv")
    assert other.status_code == 404


def test_whatif_fragment(loaded_city: LoadedCity, client: Client) -> None:
    login(client, loaded_city, "enterprise1")
    url = f"/enterprises/{loaded_city.first.pk}/whatif/"
    response = client.post(url, {"energy_cut_pct": "20"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "whatif-table" in response.content.decode()
    bad = client.post(url, {"energy_cut_pct": "200"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "energy_cut_pct" in bad.content.decode()
    assert client.post(f"/enterprises/{loaded_city.second.pk}/whatif/", {}).status_code == 404


def test_consent_from_the_enterprise_page_is_audited(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, loaded_city, "enterprise2")
    url = f"/enterprises/{loaded_city.second.pk}/consents/"
    assert client.post(url, {"grant": "1", "bank": loaded_city.bank.pk}).status_code == 302
    consent = Consent.objects.get(enterprise=loaded_city.second, revoked_at__isnull=True)
    event = AuditEvent.objects.get(action="access.grant_consent", object_id=str(consent.pk))
    assert event.actor_label == "enterprise2"
    assert client.post(url, {"revoke": "1", "consent": consent.pk}).status_code == 302
    assert AuditEvent.objects.filter(action="access.revoke_consent").exists()
    # Another enterprise's user cannot change these consents.
    login(client, loaded_city, "enterprise1")
    assert client.post(url, {"grant": "1", "bank": loaded_city.bank.pk}).status_code == 404


def test_district_dashboard_is_limited_to_its_district(
    loaded_city: LoadedCity, client: Client
) -> None:
    login(client, loaded_city, "district")
    district = District.objects.order_by("code").first()
    other = District.objects.exclude(pk=district.pk).first()  # type: ignore[union-attr]
    response = client.get("/dashboard/", {"district": other.code})  # type: ignore[union-attr]
    figures = response.context["f"]
    assert figures["by_district"]["keys"] == [district.code]  # type: ignore[union-attr]
    assert figures["enterprises"] == Enterprise.objects.filter(district=district).count()


def test_audit_log_filters(loaded_city: LoadedCity, client: Client) -> None:
    login(client, loaded_city, "regulator")
    response = client.get("/audit/", {"action": "grading.publish"})
    events = list(response.context["page_obj"])
    assert events and all(e.action == "grading.publish" for e in events)
