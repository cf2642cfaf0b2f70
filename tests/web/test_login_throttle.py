"""The log-in throttle on every log-in form (the site's and the admin's), per user name and
address, behind a proxy only when told; unlocking; and the API key and user commands."""

from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from citycarbon.cli.main import app
from citycarbon.web.access.actions import Binding, do_create_api_key
from citycarbon.web.access.backends import client_address
from citycarbon.web.access.models import ApiKey, Bank, LoginThrottle
from citycarbon.web.access.selectors import principal_of_key
from citycarbon.web.audit.actions import Actor
from citycarbon.web.audit.models import AuditEvent

PASSWORD = "right-password-123"
A, B = "10.0.0.1", "10.0.0.2"


def attempt(client: Client, username: str, password: str, address: str = A, **headers: str) -> int:
    response = client.post(
        "/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        headers=headers,
    )
    return response.status_code


@pytest.mark.django_db
def test_admin_login_is_throttled_and_audited() -> None:
    User.objects.create_superuser("admin", "a@example.org", PASSWORD)
    client = Client()
    codes = [
        client.post("/admin/login/", {"username": "admin", "password": "wrong"}).status_code
        for _ in range(30)
    ]
    assert codes == [200] * 5 + [429] * 25
    assert AuditEvent.objects.filter(action="access.login_failed").count() == 5
    assert AuditEvent.objects.filter(action="access.login_blocked").count() == 25
    blocked = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lock_holds_for_the_user_name_at_one_address_only(client: Client) -> None:
    User.objects.create_user("officer", password=PASSWORD)
    assert [attempt(client, "officer", "wrong") for _ in range(6)] == [200] * 5 + [429]
    assert attempt(client, "officer", PASSWORD, A) == 429
    assert attempt(Client(), "officer", PASSWORD, B) == 302
    assert AuditEvent.objects.filter(action="access.login").count() == 1


@pytest.mark.django_db
def test_one_office_mistyping_does_not_lock_out_its_colleagues(client: Client) -> None:
    User.objects.create_user("colleague", password=PASSWORD)
    for i in range(30):
        assert attempt(client, f"clerk{i}", "wrong") == 200
    assert attempt(client, "colleague", PASSWORD) == 302


@pytest.mark.django_db
def test_a_spray_from_one_address_meets_the_address_ceiling(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("citycarbon.web.access.actions.LOGIN_MAX_ADDRESS_FAILURES", 8)
    User.objects.create_user("victim", password=PASSWORD)
    assert [attempt(client, f"guess{i}", "wrong") for i in range(9)] == [200] * 8 + [429]
    assert attempt(client, "victim", PASSWORD, A) == 429
    assert attempt(Client(), "victim", PASSWORD, B) == 302


@pytest.mark.django_db
def test_a_good_log_in_clears_its_failures(client: Client) -> None:
    User.objects.create_user("officer", password=PASSWORD)
    for _ in range(4):
        attempt(client, "officer", "wrong")
    assert attempt(client, "officer", PASSWORD) == 302
    assert not LoginThrottle.objects.filter(username="officer").exists()
    assert LoginThrottle.objects.get(username="", address=A).failures == 4


@pytest.mark.django_db
def test_a_lock_ends_with_its_window_and_old_counts_are_dropped(client: Client) -> None:
    User.objects.create_user("officer", password=PASSWORD)
    for _ in range(5):
        attempt(client, "officer", "wrong")
    old = timezone.now() - timedelta(minutes=16)
    LoginThrottle.objects.update(since=old, last_at=old)
    assert attempt(client, "officer", "wrong", B) == 200  # drops the rows left behind
    assert not LoginThrottle.objects.filter(address=A).exists()
    assert attempt(client, "officer", PASSWORD, A) == 302


def test_forwarded_for_counts_only_behind_trusted_proxies(settings: LazySettings) -> None:
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="6.6.6.6")
    chained = factory.get("/", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 7.7.7.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(spoofed) == "192.0.2.9"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(spoofed) == "6.6.6.6"
    assert client_address(chained) == "7.7.7.7"  # the client wrote 6.6.6.6 itself
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(chained) == "6.6.6.6"
    junk = factory.get("/", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_address(junk) == "192.0.2.9"


@given(
    forged=st.lists(st.ip_addresses(v=4).map(str), max_size=4),
    client=st.ip_addresses(v=4).map(str),
    proxies=st.lists(st.ip_addresses(v=4).map(str), min_size=1, max_size=3),
)
def test_behind_proxies_the_address_is_the_one_the_outermost_proxy_saw(
    forged: list[str], client: str, proxies: list[str]
) -> None:
    """Whatever the client writes into the header itself, each proxy appends the address it
    was called from; with the right count the throttle sees the real client."""
    hops = [*forged, client, *proxies[:-1]]
    request = RequestFactory().get(
        "/", REMOTE_ADDR=proxies[-1], HTTP_X_FORWARDED_FOR=", ".join(hops)
    )
    with override_settings(TRUSTED_PROXY_COUNT=len(proxies)):
        assert client_address(request) == client


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_lock(
    client: Client, settings: LazySettings
) -> None:
    User.objects.create_user("officer", password=PASSWORD)
    settings.TRUSTED_PROXY_COUNT = 0
    for i in range(5):
        attempt(client, "officer", "wrong", X_Forwarded_For=f"198.51.100.{i}")
    assert attempt(client, "officer", PASSWORD, X_Forwarded_For="198.51.100.99") == 429
    settings.TRUSTED_PROXY_COUNT = 1  # behind one proxy: the address it saw counts
    assert attempt(client, "officer", PASSWORD, X_Forwarded_For="198.51.100.99") == 302


@pytest.mark.django_db(transaction=True)
def test_unlock_command_is_audited() -> None:
    User.objects.create_user("officer", password=PASSWORD)
    for _ in range(5):
        attempt(Client(), "officer", "wrong")
    assert attempt(Client(), "officer", PASSWORD) == 429
    result = CliRunner().invoke(app, ["user", "unlock", "officer", "--address", A])
    assert result.exit_code == 0, result.output
    assert "unlocked" in result.output
    assert AuditEvent.objects.filter(action="access.unlock_login").count() == 2
    assert attempt(Client(), "officer", PASSWORD) == 302
    again = CliRunner().invoke(app, ["user", "unlock", "nobody"])
    assert again.exit_code == 0 and "no failed log-ins" in again.output


@pytest.mark.django_db
def test_admin_unlocks_with_an_audited_action(client: Client) -> None:
    User.objects.create_user("officer", password=PASSWORD)
    for _ in range(5):
        attempt(Client(), "officer", "wrong")
    root = User.objects.create_superuser("root", "r@example.org", "pw-for-tests-only")
    client.force_login(root)
    row = LoginThrottle.objects.get(username="officer")
    response = client.post(
        "/admin/access/loginthrottle/",
        {"action": "unlock_logins", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    assert not LoginThrottle.objects.filter(username="officer").exists()
    assert AuditEvent.objects.get(action="access.unlock_login").actor_label == "root"
    assert attempt(Client(), "officer", PASSWORD) == 302


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="concurrent writers need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_are_counted_exactly() -> None:
    User.objects.create_user("officer", password=PASSWORD)
    threads_n = 12
    barrier = threading.Barrier(threads_n)
    codes: list[int] = []
    failures: list[BaseException] = []

    def guess() -> None:
        try:
            barrier.wait(timeout=10)
            codes.append(attempt(Client(), "officer", "wrong"))
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures
    assert sorted(codes) == [200] * 5 + [429] * (threads_n - 5)
    assert LoginThrottle.objects.get(username="officer").failures == 5
    assert AuditEvent.objects.filter(action="access.login_failed").count() == 5


@pytest.mark.django_db(transaction=True)
def test_apikey_list_and_revoke() -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["apikey", "create", "--role", "regulator", "--label", "ci"])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[-1]
    row = ApiKey.objects.get(label="ci")
    assert row.expires_at is not None
    assert abs(row.expires_at - timezone.now() - timedelta(days=365)) < timedelta(minutes=1)
    forever = runner.invoke(app, ["apikey", "create", "--role", "regulator", "--expires-days", "0"])
    assert forever.exit_code == 0 and ApiKey.objects.filter(expires_at__isnull=True).count() == 1
    listed = runner.invoke(app, ["apikey", "list", "--csv"])
    assert listed.exit_code == 0, listed.output
    table = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert list(table[0]) == [
        "id",
        "prefix",
        "label",
        "role",
        "subject",
        "scopes",
        "created",
        "expires",
        "last used",
        "revoked",
    ]
    assert {r["prefix"] for r in table} == set(ApiKey.objects.values_list("prefix", flat=True))
    ci = next(r for r in table if r["label"] == "ci")
    shanghai = row.expires_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert ci["expires"] == f"{shanghai:%Y-%m-%d %H:%M}"
    assert f"valid until {ci['expires']}" in made.output
    assert key not in listed.stdout
    assert runner.invoke(app, ["apikey", "list"]).exit_code == 0
    revoked = runner.invoke(app, ["apikey", "revoke", str(row.pk)])
    assert revoked.exit_code == 0, revoked.output
    assert AuditEvent.objects.filter(action="access.revoke_api_key").count() == 1
    assert Client().get("/api/v1/enterprises", headers={"X-API-Key": key}).status_code == 401
    unknown = runner.invoke(app, ["apikey", "revoke", "999999"])
    assert unknown.exit_code == 2 and "no API key with id 999999" in unknown.output


@pytest.mark.django_db
def test_an_expired_key_is_refused() -> None:
    row, key = do_create_api_key(
        Binding("regulator"), actor=Actor.system("test"), expires_in=timedelta(days=1)
    )
    headers = {"X-API-Key": key}
    assert Client().get("/api/v1/enterprises", headers=headers).status_code == 200
    ApiKey.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/v1/enterprises", headers=headers).status_code == 401


@pytest.mark.django_db
def test_last_use_is_written_at_most_once_a_minute() -> None:
    row, key = do_create_api_key(Binding("regulator"), actor=Actor.system("test"))
    with CaptureQueriesContext(connection) as first:
        assert principal_of_key(key) is not None
    row.refresh_from_db()
    assert row.last_used_at is not None and len(first.captured_queries) == 2
    recent = timezone.now() - timedelta(seconds=30)
    ApiKey.objects.filter(pk=row.pk).update(last_used_at=recent)
    with CaptureQueriesContext(connection) as again:
        assert principal_of_key(key) is not None
    row.refresh_from_db()
    assert row.last_used_at == recent and len(again.captured_queries) == 1
    ApiKey.objects.filter(pk=row.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    principal_of_key(key)
    row.refresh_from_db()
    assert timezone.now() - row.last_used_at < timedelta(seconds=5)


@pytest.mark.django_db(transaction=True)
def test_apikey_create_refuses_scopes_outside_the_role() -> None:
    Bank.objects.create(code="B1", name="Bank one")
    result = CliRunner().invoke(
        app, ["apikey", "create", "--role", "bank", "--bank", "B1", "--scope", "audit"]
    )
    assert result.exit_code == 2
    assert "not allowed for role 'bank'" in result.output
    assert "enterprises, codes, portraits" in result.output
    assert not ApiKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_user_create_runs_the_password_validators_with_the_user() -> None:
    result = CliRunner().invoke(
        app,
        ["user", "create", "stationmaster", "--role", "regulator", "--password", "stationmaster"],
    )
    assert result.exit_code == 2
    assert "too similar" in result.output
    assert not User.objects.filter(username="stationmaster").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_a_refused_log_in_says_when_to_retry(path: str) -> None:
    User.objects.create_superuser("admin", "a@example.org", PASSWORD)
    client = Client()
    answers = [client.post(path, {"username": "admin", "password": "wrong"}) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert not [a for a in answers[:5] if a.has_header("Retry-After")]
    assert answers[-1]["Retry-After"] == "900"


@pytest.mark.django_db(transaction=True)
def test_apikey_create_binds_any_declared_subject_type() -> None:
    Bank.objects.create(code="B1", name="Bank one")
    runner = CliRunner()
    made = runner.invoke(app, ["apikey", "create", "--role", "bank", "--subject", "bank:B1"])
    assert made.exit_code == 0, made.output
    row = ApiKey.objects.get()
    assert (row.role, row.subject_type) == ("bank", "bank")
    assert row.subject_id == Bank.objects.get(code="B1").pk
    for arguments, says in (
        (["--role", "bank", "--subject", "bank:NONE"], "no bank 'NONE'"),
        (["--role", "bank", "--subject", "planet:B1"], "unknown subject type 'planet'"),
        (["--role", "bank", "--subject", "B1"], "TYPE:KEY"),
        (["--role", "bank", "--bank", "B1", "--subject", "bank:B1"], "one subject only"),
        (["--role", "bank"], "role 'bank' needs a bank"),
        (["--role", "regulator", "--bank", "B1"], "role 'regulator' takes no bank"),
        (["--role", "mayor"], "unknown role 'mayor'"),
    ):
        refused = runner.invoke(app, ["apikey", "create", *arguments])
        assert refused.exit_code == 2, (arguments, refused.output)
        assert says in refused.output, (arguments, refused.output)
    assert ApiKey.objects.count() == 1
