"""Energy files uploaded through the API: the same action, rule and checks as the upload page
(role, ``uploads`` scope for keys, size cap, suffix), answered with 202 and the upload to
follow; the upload, its errors and the list of uploads read back as typed JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.access.policy import DeniedError, Principal
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent, DataImport
from citycarbon.web.energy.api import StatusName
from citycarbon.web.energy.models import EnergyRecord, EnergyUpload, UploadStatus
from citycarbon.web.energy.selectors import uploader_enterprise
from tests.web.conftest import LoadedCity
from tests.web.test_upload_pages import csv_file

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
UPLOADS = "/api/v1/energy/uploads"

ApiPost = Callable[..., HttpResponse]


def key_of(role: str, scopes: tuple[str, ...] = ("uploads",), **binding: Any) -> str:
    return do_create_api_key(Binding(role, *binding.values()), actor=ACTOR, scopes=scopes)[1]


@pytest.fixture
def api_post(django_capture_on_commit_callbacks: Any) -> ApiPost:
    """Post an upload to the API with ``key`` and run the job it queues after commit."""

    def post(key: str | None, data: dict[str, Any], client: Client | None = None) -> HttpResponse:
        headers = {"X-API-Key": key} if key else {}
        with django_capture_on_commit_callbacks(execute=True):
            return (client or Client()).post(UPLOADS, data, headers=headers)  # type: ignore[return-value]

    return post


def test_regulator_key_uploads_and_follows_the_upload(
    loaded_city: LoadedCity, api_post: ApiPost
) -> None:
    first, second = loaded_city.first, loaded_city.second
    key = key_of("regulator")
    events = AuditEvent.objects.count()
    body = csv_file(
        "接口.csv", f"{first.entity_id},2033-01,01,5,t,", f"{second.entity_id},2033-13,01,5,t,"
    )
    answer = api_post(key, {"file": body, "partial": "true"})
    assert answer.status_code == 202, answer.content
    accepted = answer.json()
    upload = EnergyUpload.objects.get(pk=accepted["id"])
    assert accepted == {"id": upload.pk, "status": "pending", "url": answer["Location"]}
    assert answer["Location"] == f"{UPLOADS}/{upload.pk}"
    assert (upload.uploaded_by, upload.enterprise) == (None, None)
    assert upload.actor_label.startswith("apikey:")
    actions = list(
        AuditEvent.objects.order_by("sequence")[events:].values_list("action", flat=True)
    )
    assert actions[0] == "energy.upload"  # the page's action, audited the same way
    got = Client().get(answer["Location"], headers={"X-API-Key": key}).json()
    assert (got["status"], got["rows_read"], got["rows_imported"], got["rows_quarantined"]) == (
        "partial",
        2,
        1,
        1,
    )
    assert got["page_url"] == f"/energy/uploads/{upload.pk}/"
    [error] = got["errors"]
    assert error["file"] == "接口.csv" and error["row"] == 3
    assert (error["column"], error["code"]) == ("period", "bad_period")
    assert "期间格式错误" in error["reason_zh"] and "malformed period" in error["reason_en"]
    assert EnergyRecord.objects.get(enterprise=first, period="2033-01").quantity == 5.0


def test_rejected_upload_lists_its_errors_with_codes(
    loaded_city: LoadedCity, api_post: ApiPost
) -> None:
    first = loaded_city.first
    key = key_of("regulator")
    lines = [f"{first.entity_id},2033-{m:02d},99,1,t," for m in range(1, 13)] * 30
    answer = api_post(key, {"file": csv_file("坏.csv", *lines)})
    assert answer.status_code == 202
    got = Client().get(answer["Location"], headers={"X-API-Key": key}).json()
    assert got["status"] == "rejected"
    assert got["error_count"] > 200 and len(got["errors"]) == 200
    assert {e["code"] for e in got["errors"]} >= {"unknown_code"}
    assert all(e["reason_zh"] and e["reason_en"] for e in got["errors"])


def test_enterprise_key_uploads_its_own_data_only(
    loaded_city: LoadedCity, api_post: ApiPost
) -> None:
    first, second = loaded_city.first, loaded_city.second
    key = key_of("enterprise", enterprise=first)
    own = api_post(key, {"file": csv_file("own.csv", f"{first.entity_id},2033-02,01,2,t,")})
    assert own.status_code == 202
    assert EnergyUpload.objects.get(pk=own.json()["id"]).enterprise == first
    other = api_post(key, {"file": csv_file("other.csv", f"{second.entity_id},2033-02,01,2,t,")})
    got = Client().get(other["Location"], headers={"X-API-Key": key}).json()
    assert got["status"] == "rejected"
    assert got["errors"][0]["code"] == "not_own_enterprise"
    # another enterprise's key sees neither upload, nor lists them
    second_key = key_of("enterprise", enterprise=second)
    assert Client().get(own["Location"], headers={"X-API-Key": second_key}).status_code == 404
    listed = Client().get(UPLOADS, headers={"X-API-Key": second_key}).json()
    assert own.json()["id"] not in {u["id"] for u in listed["items"]}
    mine = Client().get(UPLOADS, headers={"X-API-Key": key}).json()
    assert {own.json()["id"], other.json()["id"]} <= {u["id"] for u in mine["items"]}


@pytest.mark.parametrize(
    ("role", "scopes", "binding"),
    [
        ("regulator", (), {}),  # a key without scopes reads but does not upload
        ("regulator", ("energy",), {}),
        ("district", ("energy",), {"district": "first"}),
        ("bank", ("enterprises",), {"bank": "demo"}),
    ],
)
def test_keys_that_may_not_upload_are_refused(
    loaded_city: LoadedCity,
    api_post: ApiPost,
    role: str,
    scopes: tuple[str, ...],
    binding: dict[str, str],
) -> None:
    objects = {"first": loaded_city.first.district, "demo": loaded_city.bank}
    key = key_of(role, scopes, **{k: objects[v] for k, v in binding.items()})
    before = EnergyUpload.objects.count()
    first = loaded_city.first
    answer = api_post(key, {"file": csv_file("x.csv", f"{first.entity_id},2033-03,01,1,t,")})
    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"
    assert "uploads" in answer.json()["detail"]
    assert EnergyUpload.objects.count() == before


def test_district_session_may_not_upload_nor_list(loaded_city: LoadedCity) -> None:
    client = Client()
    client.force_login(User.objects.get(username="district"))
    assert client.get(UPLOADS).status_code == 403
    first = loaded_city.first
    answer = client.post(UPLOADS, {"file": csv_file("x.csv", f"{first.entity_id},2033-03,01,1,t,")})
    assert answer.status_code == 403


def test_no_credentials_is_401(loaded_city: LoadedCity, api_post: ApiPost) -> None:
    answer = api_post(None, {"file": csv_file("x.csv", "E,2033-03,01,1,t,")})
    assert (answer.status_code, answer.json()["code"]) == (401, "unauthenticated")


def test_session_upload_needs_the_csrf_token(loaded_city: LoadedCity, api_post: ApiPost) -> None:
    first = loaded_city.first
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="regulator"))
    before = EnergyUpload.objects.count()
    body = {"file": csv_file("会话.csv", f"{first.entity_id},2033-04,01,3,t,")}
    refused = api_post(None, body, client)
    assert (refused.status_code, refused.json()["code"]) == (403, "csrf_failed")
    assert EnergyUpload.objects.count() == before
    client.get("/energy/uploads/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    body = {"file": csv_file("会话.csv", f"{first.entity_id},2033-04,01,3,t,")}
    with_token = api_post(None, {**body, "csrfmiddlewaretoken": token}, client)
    assert with_token.status_code == 202, with_token.content
    upload = EnergyUpload.objects.get(pk=with_token.json()["id"])
    assert upload.uploaded_by == User.objects.get(username="regulator")
    assert (upload.actor_label, upload.status) == ("regulator", "imported")


def test_wrong_suffix_and_missing_file_are_422_in_both_languages(
    loaded_city: LoadedCity, api_post: ApiPost
) -> None:
    key = key_of("regulator")
    before = (EnergyUpload.objects.count(), DataImport.objects.count())
    wrong = api_post(key, {"file": SimpleUploadedFile("data.json", b"{}")})
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "unsupported_file"
    assert "请上传 .csv、.xlsx 或 .xls 文件" in wrong.json()["detail"]
    assert "upload a .csv, .xlsx or .xls file" in wrong.json()["detail"]
    missing = api_post(key, {"partial": "true"})
    assert (missing.status_code, missing.json()["code"]) == (422, "invalid")
    assert missing.json()["errors"][0]["field"] == "file"
    bad_flag = api_post(key, {"file": csv_file("x.csv", "E,2033-03,01,1,t,"), "partial": "maybe"})
    assert (bad_flag.status_code, bad_flag.json()["errors"][0]["field"]) == (422, "partial")
    assert (EnergyUpload.objects.count(), DataImport.objects.count()) == before


def test_upload_over_the_cap_is_413_json(
    loaded_city: LoadedCity, api_post: ApiPost, settings: SettingsWrapper
) -> None:
    settings.CITYCARBON_MAX_UPLOAD_BYTES = 4096
    key = key_of("regulator")
    first = loaded_city.first
    lines = [f"{first.entity_id},2033-05,01,{i},t," for i in range(400)]
    before = EnergyUpload.objects.count()
    answer = api_post(key, {"file": csv_file("大.csv", *lines)})
    assert answer.status_code == 413
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json()["code"] == "too_large"
    assert "文件过大" in answer.json()["detail"] and "too large" in answer.json()["detail"]
    assert EnergyUpload.objects.count() == before


def test_file_stopped_by_the_capped_handler_is_413_json(
    loaded_city: LoadedCity, api_post: ApiPost, settings: SettingsWrapper
) -> None:
    """Without the Content-Length check in front (a body that streams in), the capped
    handler stops the file and the endpoint answers 413, not "choose a file"."""
    settings.CITYCARBON_MAX_UPLOAD_BYTES = 4096
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "citycarbon.web.uploads.RequestSizeLimitMiddleware"
    ]
    key = key_of("regulator")
    first = loaded_city.first
    lines = [f"{first.entity_id},2033-05,01,{i},t," for i in range(400)]
    before = EnergyUpload.objects.count()
    answer = api_post(key, {"file": csv_file("流.csv", *lines)})
    assert (answer.status_code, answer.json()["code"]) == (413, "too_large")
    assert EnergyUpload.objects.count() == before


def test_unreadable_multipart_body_is_400(loaded_city: LoadedCity) -> None:
    key = key_of("regulator")
    answer = Client().generic(
        "POST",
        UPLOADS,
        b"no parts here",
        content_type="multipart/form-data",  # no boundary
        headers={"X-API-Key": key},
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "bad_body")


def test_list_is_paged_and_filtered_by_status(loaded_city: LoadedCity, api_post: ApiPost) -> None:
    key = key_of("regulator")
    first = loaded_city.first
    before = EnergyUpload.objects.count()
    for month in (6, 7, 8):
        api_post(
            key, {"file": csv_file(f"m{month}.csv", f"{first.entity_id},2033-0{month},01,1,t,")}
        )
    api_post(key, {"file": csv_file("bad.csv", f"{first.entity_id},2033-13,01,1,t,")})
    page = Client().get(UPLOADS, {"page_size": 2}, headers={"X-API-Key": key}).json()
    assert (page["count"], page["page"], page["page_size"], len(page["items"])) == (
        before + 4,
        1,
        2,
        2,
    )
    assert page["items"][0]["source"] == "bad.csv"  # newest first
    assert page["items"][0]["url"] == f"{UPLOADS}/{page['items'][0]['id']}"
    rejected = Client().get(UPLOADS, {"status": "rejected"}, headers={"X-API-Key": key}).json()
    assert [u["source"] for u in rejected["items"]][:1] == ["bad.csv"]
    assert rejected["items"][0]["error_count"] == 1
    assert Client().get(UPLOADS, {"status": "done"}, headers={"X-API-Key": key}).status_code == 422


def test_status_schema_lists_every_upload_status() -> None:
    assert set(get_args(StatusName)) == set(UploadStatus.values)


def test_enterprise_role_without_its_enterprise_may_not_upload(loaded_city: LoadedCity) -> None:
    """Fails closed: an enterprise binding that names no enterprise does not upload for all."""
    assert uploader_enterprise(Principal("x", "regulator")) is None
    own = Principal("x", "enterprise", "enterprise", loaded_city.first.pk)
    assert uploader_enterprise(own) == loaded_city.first
    with pytest.raises(DeniedError):
        uploader_enterprise(Principal("x", "enterprise", "enterprise", None))
