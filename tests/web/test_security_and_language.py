"""Log-in rate limiting, CSRF, no stack traces, zh-hans by default with an English switch,
and the API key command."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.web import settings as web_settings
from citycarbon.web.access.models import ApiKey, LoginThrottle
from citycarbon.web.audit.models import AuditEvent

LOCALE = Path(web_settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.mark.django_db
def test_login_is_refused_after_repeated_failures(client: Client) -> None:
    User.objects.create_user("officer", password="right-password-123")
    for _ in range(5):
        response = client.post("/login/", {"username": "officer", "password": "wrong"})
        assert response.status_code == 200
    assert LoginThrottle.objects.get(username="officer").failures == 5
    assert AuditEvent.objects.filter(action="access.login_failed").count() == 5
    blocked = client.post("/login/", {"username": "officer", "password": "right-password-123"})
    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_good_login_works_and_forms_need_csrf() -> None:
    User.objects.create_user("officer", password="right-password-123")
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post("/login/", {"username": "officer", "password": "right-password-123"})
    assert refused.status_code == 403
    client = Client()
    response = client.post("/login/", {"username": "officer", "password": "right-password-123"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_server_errors_show_no_stack_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    admin = User.objects.create_superuser("root", "r@example.org", "pw-for-tests-only")
    monkeypatch.setattr("citycarbon.web.grading.views.latest_published", broken)
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    response = client.get("/dashboard/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "secret internals" not in body and "Traceback" not in body


@pytest.mark.django_db
def test_chinese_by_default_english_by_switch(client: Client) -> None:
    page = client.get("/login/", headers={"Accept-Language": "en-US,en"}).content.decode()
    assert "登录" in page and 'lang="zh-hans"' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    page = client.get("/login/").content.decode()
    assert "Log in" in page and 'lang="en"' in page


def test_every_message_is_translated_and_compiled() -> None:
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = re.findall(r'\n(?:msgctxt "(.+)"\n)?msgid "(.+)"\nmsgstr "(.*)"\n', po)
    assert entries and not [m for _, m, s in entries if not s]
    with (LOCALE / "django.mo").open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)

    def text(s: str) -> str:
        return s.encode().decode("unicode_escape").encode("latin-1").decode()

    for context, msgid, msgstr in entries:
        found = (
            catalog.pgettext(text(context), text(msgid))
            if context
            else catalog.gettext(text(msgid))
        )
        assert found == text(msgstr), (context, msgid)


@pytest.mark.django_db(transaction=True)
def test_apikey_command_prints_the_key_once_and_stores_its_hash() -> None:
    result = CliRunner().invoke(app, ["apikey", "create", "--role", "regulator", "--label", "ci"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("cck_")
    row = ApiKey.objects.get(label="ci")
    assert key.split("_")[1] == row.prefix and key not in row.key_sha256
    assert Client().get("/api/v1/enterprises", headers={"X-API-Key": key}).status_code == 200
    bad = CliRunner().invoke(app, ["apikey", "create", "--role", "district"])
    assert bad.exit_code == 2 and "needs a district" in bad.output
    unknown = CliRunner().invoke(app, ["apikey", "create", "--role", "district", "--district", "9"])
    assert unknown.exit_code == 2 and "no district" in unknown.output


@pytest.mark.django_db
def test_admin_revokes_api_keys_with_an_audited_action(client: Client) -> None:
    from citycarbon.web.access.actions import Binding, do_create_api_key  # noqa: PLC0415
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415

    row, key = do_create_api_key(Binding("regulator"), actor=Actor.system("test"))
    admin = User.objects.create_superuser("root", "r@example.org", "pw-for-tests-only")
    client.force_login(admin)
    response = client.post(
        "/admin/access/apikey/",
        {"action": "revoke_keys", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    event = AuditEvent.objects.get(action="access.revoke_api_key")
    assert event.actor_label == "root"
    assert Client().get("/api/v1/enterprises", headers={"X-API-Key": key}).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("codenames", "revoked"), [(["view_apikey"], False), (["change_apikey"], True)]
)
def test_revoking_api_keys_in_the_admin_needs_the_change_permission(
    client: Client, codenames: list[str], revoked: bool
) -> None:
    from django.contrib.auth.models import Permission  # noqa: PLC0415

    from citycarbon.web.access.actions import Binding, do_create_api_key  # noqa: PLC0415
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415

    row, key = do_create_api_key(Binding("regulator"), actor=Actor.system("test"))
    staff = User.objects.create_user("clerk", password="pw-for-tests-only", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(staff)
    listing = client.get("/admin/access/apikey/")
    assert listing.status_code == 200
    assert ('value="revoke_keys"' in listing.content.decode()) is revoked
    client.post("/admin/access/apikey/", {"action": "revoke_keys", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert (row.revoked_at is not None) is revoked
    assert AuditEvent.objects.filter(action="access.revoke_api_key").exists() is revoked
    status = Client().get("/api/v1/enterprises", headers={"X-API-Key": key}).status_code
    assert status == (401 if revoked else 200)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("codenames", "unlocked"),
    [(["view_loginthrottle"], False), (["change_loginthrottle"], True)],
)
def test_unlocking_log_ins_in_the_admin_needs_the_change_permission(
    client: Client, codenames: list[str], unlocked: bool
) -> None:
    from django.contrib.auth.models import Permission  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from citycarbon.web.access.models import LoginThrottle  # noqa: PLC0415

    now = timezone.now()
    row = LoginThrottle.objects.create(
        username="alice", address="10.0.0.9", failures=5, since=now, last_at=now
    )
    staff = User.objects.create_user("clerk", password="pw-for-tests-only", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(staff)
    listing = client.get("/admin/access/loginthrottle/")
    assert listing.status_code == 200
    assert ('value="unlock_logins"' in listing.content.decode()) is unlocked
    client.post(
        "/admin/access/loginthrottle/", {"action": "unlock_logins", "_selected_action": [row.pk]}
    )
    assert LoginThrottle.objects.filter(pk=row.pk, failures=5).exists() is not unlocked


@pytest.mark.parametrize(
    ("password", "chinese"),
    [
        ("k3!x", "密码过短，至少须包含 8 个字符。"),
        ("officer-jiang", "密码与用户名过于相似。"),
        ("password", "密码过于常见。"),
        ("80714293651", "密码不能全为数字。"),
    ],
)
def test_password_validators_speak_chinese(password: str, chinese: str) -> None:
    from django.contrib.auth.password_validation import validate_password  # noqa: PLC0415
    from django.core.exceptions import ValidationError  # noqa: PLC0415
    from django.utils import translation  # noqa: PLC0415

    with translation.override("zh-hans"), pytest.raises(ValidationError) as raised:
        validate_password(password, User(username="officer-jiang"))
    assert chinese in raised.value.messages
    assert not [m for m in raised.value.messages if re.search("[A-Za-z]{4}", m)]


@pytest.mark.django_db
def test_a_csrf_failure_on_a_page_is_the_projects_page_in_chinese() -> None:
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post("/login/", {"x": "1"})
    assert refused.status_code == 403
    page = refused.content.decode()
    assert 'lang="zh-hans"' in page and "会话已过期或页面已失效" in page
    assert "返回首页" in page and 'href="/"' in page
    assert "<style" not in page and "<script>" not in page and "DEBUG" not in page
    strict.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = strict.post("/login/", {"x": "1"}).content.decode()
    assert 'lang="en"' in english and "go back, reload the page and submit again" in english
