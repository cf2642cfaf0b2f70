"""``citycarbon apikey create|list|revoke`` and ``citycarbon user create|unlock``: access
for machine clients and people, each write audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

import typer
from rich.table import Table

from citycarbon.cli.console import err, fail, out

RoleArg = Annotated[
    str,
    typer.Option(
        help="Role: admin, regulator, district, enterprise, bank, or another an app declares; "
        "see docs/platform.md for what each may do."
    ),
]
EnterpriseArg = Annotated[
    str | None,
    typer.Option(help="Enterprise (entity id or USCC) an enterprise role is bound to."),
]
DistrictArg = Annotated[
    str | None, typer.Option(help="District code (GB/T 2260) a district role is bound to.")
]
BankArg = Annotated[str | None, typer.Option(help="Bank code a bank role is bound to.")]
SubjectArg = Annotated[
    str | None,
    typer.Option(
        help="The subject the role is bound to, as TYPE:KEY (district:339901, "
        "enterprise:DEMO00001, bank:DEMOBANK, or a type another app declares)."
    ),
]
DEFAULT_KEY_DAYS: Final = 365
"""How long a new API key is valid unless ``--expires-days`` says otherwise."""


def _setup() -> None:
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()


def _binding(
    role: str,
    enterprise: str | None,
    district: str | None,
    bank: str | None,
    subject: str | None = None,
) -> object:
    """The role and the subject it is bound to, looked up in the configured database; exit 2
    when the subject is unknown or more than one is named."""
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    from citycarbon.web.access.actions import Binding  # noqa: PLC0415
    from citycarbon.web.access.policy import find_subject  # noqa: PLC0415
    from citycarbon.web.registry import registry  # noqa: PLC0415

    named = [
        (kind, key)
        for kind, key in (("enterprise", enterprise), ("district", district), ("bank", bank))
        if key is not None
    ]
    if subject is not None:
        kind, colon, key = subject.partition(":")
        if not colon or not key:
            raise fail(f"--subject takes TYPE:KEY, not {subject!r} / --subject 的格式为 类型:编码")
        named.append((kind, key))
    if len(named) > 1:
        raise fail("name one subject only / 只能指定一个绑定对象")
    if not named:
        return Binding(role)
    kind, key = named[0]
    if kind not in registry().subjects:
        known = ", ".join(registry().subjects)
        raise fail(f"unknown subject type {kind!r}; types are {known} / 未知的对象类型")
    found = find_subject(kind, key)
    if found is None:
        raise fail(f"no {kind} {key!r} in {bootstrap.database_label()} / 未找到")
    return Binding(role, found)


def _local_minute(value: datetime | None) -> str:
    """A moment in the platform's time zone (``TIME_ZONE``, Asia/Shanghai), to the minute."""
    from django.utils import timezone  # noqa: PLC0415

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def apikey_create(
    role: RoleArg,
    enterprise: EnterpriseArg = None,
    district: DistrictArg = None,
    bank: BankArg = None,
    subject: SubjectArg = None,
    label: Annotated[str, typer.Option(help="What the key is for.")] = "",
    scope: Annotated[
        list[str] | None,
        typer.Option(help="Limit the key to these resources (repeat); default all its role reads."),
    ] = None,
    expires_days: Annotated[
        int,
        typer.Option(min=0, help="Days the key is valid; 0: until revoked."),
    ] = DEFAULT_KEY_DAYS,
) -> None:
    """Make an API key and print it once; only its hash is kept."""
    from datetime import timedelta  # noqa: PLC0415

    binding = _binding(role, enterprise, district, bank, subject)
    from citycarbon.web.access.actions import BindingError, do_create_api_key  # noqa: PLC0415
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415

    try:
        row, key = do_create_api_key(
            binding,  # type: ignore[arg-type]
            actor=Actor.system("cli"),
            label=label,
            scopes=tuple(scope or ()),
            expires_in=timedelta(days=expires_days) if expires_days else None,
        )
    except BindingError as exc:
        raise fail(str(exc)) from exc
    until = f"until {_local_minute(row.expires_at)}" if row.expires_at else "until revoked"
    err.print(
        f"API key {row.prefix} ({row.role}) made, valid {until}. It is shown once; keep it safe. "
        "Send it as the X-API-Key header. / 密钥仅显示一次，请妥善保存。",
        markup=False,
    )
    out.print(key, markup=False, soft_wrap=True)


def user_create(
    username: Annotated[str, typer.Argument(help="Log-in name.")],
    role: RoleArg,
    enterprise: EnterpriseArg = None,
    district: DistrictArg = None,
    bank: BankArg = None,
    subject: SubjectArg = None,
    password: Annotated[
        str | None,
        typer.Option(help="Password (default: asked for, or read from CITYCARBON_PASSWORD)."),
    ] = None,
) -> None:
    """Make a user with a role and its binding."""
    import os  # noqa: PLC0415

    binding = _binding(role, enterprise, district, bank, subject)
    from django.contrib.auth.models import User  # noqa: PLC0415
    from django.contrib.auth.password_validation import validate_password  # noqa: PLC0415
    from django.core.exceptions import ValidationError  # noqa: PLC0415
    from django.utils import translation  # noqa: PLC0415

    from citycarbon.web.access.actions import BindingError, do_create_user  # noqa: PLC0415
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415

    if User.objects.filter(username=username).exists():
        raise fail(f"user {username!r} exists already")
    password = (
        password
        or os.environ.get("CITYCARBON_PASSWORD")
        or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    candidate = User(username=username)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        with translation.override("en"):
            try:
                validate_password(password, candidate)
            except ValidationError as english:
                raise fail(f"{' '.join(exc.messages)} / {' '.join(english.messages)}") from exc
    try:
        do_create_user(username, password, binding, actor=Actor.system("cli"))  # type: ignore[arg-type]
    except BindingError as exc:
        raise fail(str(exc)) from exc
    out.print(f"user {username} ({role}) made", markup=False)


KEY_COLUMNS: Final = (
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
)


def apikey_list(
    csv: Annotated[bool, typer.Option("--csv", help="Print the keys as CSV.")] = False,
) -> None:
    """List the API keys (never the keys themselves), newest first."""
    import csv as csv_module  # noqa: PLC0415
    import sys  # noqa: PLC0415

    _setup()
    from citycarbon.web.access.models import ApiKey  # noqa: PLC0415
    from citycarbon.web.access.policy import subject_label  # noqa: PLC0415

    rows = [
        (
            str(k.pk),
            k.prefix,
            k.label,
            k.role,
            subject_label(k.subject_type, k.subject_id),
            k.scopes.replace(",", " "),
            _local_minute(k.created_at),
            _local_minute(k.expires_at),
            _local_minute(k.last_used_at),
            _local_minute(k.revoked_at),
        )
        for k in ApiKey.objects.all()
    ]
    if csv:
        writer = csv_module.writer(sys.stdout, lineterminator="\n")
        writer.writerow(KEY_COLUMNS)
        writer.writerows(rows)
        return
    table = Table(title="API keys / API 密钥")
    for column in KEY_COLUMNS:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    out.print(table)


def apikey_revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id (apikey list).")],
) -> None:
    """Revoke an API key at once; audited."""
    _setup()
    from citycarbon.web.access.actions import do_revoke_api_key  # noqa: PLC0415
    from citycarbon.web.access.models import ApiKey  # noqa: PLC0415
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415

    key = ApiKey.objects.filter(pk=key_id).first()
    if key is None:
        raise fail(f"没有 ID 为 {key_id} 的 API 密钥 / no API key with id {key_id}")
    if do_revoke_api_key(key, actor=Actor.system("cli")):
        out.print(f"API key {key.pk} ({key.prefix}) revoked / 已吊销", markup=False)
    else:
        out.print(f"API key {key.pk} ({key.prefix}) was revoked already / 此前已吊销", markup=False)


def user_unlock(
    username: Annotated[str, typer.Argument(help="Log-in name.")],
    address: Annotated[
        str | None,
        typer.Option(help="Only at this address; also clears the address's own ceiling."),
    ] = None,
) -> None:
    """Forget the failed log-ins of a user name (at every address, or one); audited."""
    _setup()
    from django.db.models import Q  # noqa: PLC0415

    from citycarbon.web.access.actions import do_unlock_logins  # noqa: PLC0415
    from citycarbon.web.access.models import LoginThrottle  # noqa: PLC0415
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415

    which = (
        Q(username=username) if address is None else Q(address=address, username__in=("", username))
    )
    dropped = do_unlock_logins(LoginThrottle.objects.filter(which), actor=Actor.system("cli"))
    where = f" at {address}" if address else ""
    if dropped:
        out.print(f"{username}{where} unlocked / 已解锁 ({dropped} counters cleared)", markup=False)
    else:
        out.print(f"no failed log-ins for {username}{where} / 无失败记录", markup=False)


def register(app: typer.Typer) -> None:
    apikey = typer.Typer(help="API keys for machine clients.", no_args_is_help=True)
    apikey.command("create")(apikey_create)
    apikey.command("list")(apikey_list)
    apikey.command("revoke")(apikey_revoke)
    user = typer.Typer(help="Platform users.", no_args_is_help=True)
    user.command("create")(user_create)
    user.command("unlock")(user_unlock)
    app.add_typer(apikey, name="apikey")
    app.add_typer(user, name="user")
