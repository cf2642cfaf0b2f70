"""``citycarbon apikey create`` and ``citycarbon user create``: access for machine clients
and people, each audited."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from citycarbon.cli.console import err, fail, out


class RoleOption(StrEnum):
    admin = "admin"
    regulator = "regulator"
    district = "district"
    enterprise = "enterprise"
    bank = "bank"


RoleArg = Annotated[RoleOption, typer.Option(help="Role; see docs/platform.md for what each sees.")]
EnterpriseArg = Annotated[
    str | None,
    typer.Option(help="Enterprise (entity id or USCC) an enterprise role is bound to."),
]
DistrictArg = Annotated[
    str | None, typer.Option(help="District code (GB/T 2260) a district role is bound to.")
]
BankArg = Annotated[str | None, typer.Option(help="Bank code a bank role is bound to.")]


def _binding(
    role: RoleOption, enterprise: str | None, district: str | None, bank: str | None
) -> object:
    """Resolve the binding's objects in the configured database; exit 2 when one is unknown."""
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    from django.db.models import Q  # noqa: PLC0415

    from citycarbon.web.access.actions import Binding  # noqa: PLC0415
    from citycarbon.web.access.models import Bank, Role  # noqa: PLC0415
    from citycarbon.web.enterprises.models import Enterprise  # noqa: PLC0415
    from citycarbon.web.regions.models import District  # noqa: PLC0415

    found_enterprise = found_district = found_bank = None
    if enterprise is not None:
        found_enterprise = Enterprise.objects.filter(
            Q(entity_id=enterprise) | Q(uscc=enterprise)
        ).first()
        if found_enterprise is None:
            raise fail(f"no enterprise {enterprise!r} in {bootstrap.database_label()}")
    if district is not None:
        found_district = District.objects.filter(code=district).first()
        if found_district is None:
            raise fail(f"no district {district!r} in {bootstrap.database_label()}")
    if bank is not None:
        found_bank = Bank.objects.filter(code=bank).first()
        if found_bank is None:
            raise fail(f"no bank {bank!r} in {bootstrap.database_label()}")
    return Binding(Role(role.value), found_district, found_enterprise, found_bank)


def apikey_create(
    role: RoleArg,
    enterprise: EnterpriseArg = None,
    district: DistrictArg = None,
    bank: BankArg = None,
    label: Annotated[str, typer.Option(help="What the key is for.")] = "",
    scope: Annotated[
        list[str] | None,
        typer.Option(help="Limit the key to these resources (repeat); default all its role reads."),
    ] = None,
) -> None:
    """Make an API key and print it once; only its hash is kept."""
    binding = _binding(role, enterprise, district, bank)
    from citycarbon.web.access.actions import BindingError, do_create_api_key  # noqa: PLC0415
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415

    try:
        row, key = do_create_api_key(
            binding,  # type: ignore[arg-type]
            actor=Actor.system("cli"),
            label=label,
            scopes=tuple(scope or ()),
        )
    except BindingError as exc:
        raise fail(str(exc)) from exc
    err.print(
        f"API key {row.prefix} ({row.role}) made. It is shown once; keep it safe. "
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
    password: Annotated[
        str | None,
        typer.Option(help="Password (default: asked for, or read from CITYCARBON_PASSWORD)."),
    ] = None,
) -> None:
    """Make a user with a role and its binding."""
    import os  # noqa: PLC0415

    binding = _binding(role, enterprise, district, bank)
    from django.contrib.auth.models import User  # noqa: PLC0415
    from django.contrib.auth.password_validation import validate_password  # noqa: PLC0415
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    from citycarbon.web.access.actions import BindingError, do_create_user  # noqa: PLC0415
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415

    if User.objects.filter(username=username).exists():
        raise fail(f"user {username!r} exists already")
    password = (
        password
        or os.environ.get("CITYCARBON_PASSWORD")
        or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    try:
        validate_password(password)
        do_create_user(username, password, binding, actor=Actor.system("cli"))  # type: ignore[arg-type]
    except ValidationError as exc:
        raise fail("; ".join(exc.messages)) from exc
    except BindingError as exc:
        raise fail(str(exc)) from exc
    out.print(f"user {username} ({role.value}) made", markup=False)


def register(app: typer.Typer) -> None:
    apikey = typer.Typer(help="API keys for machine clients.", no_args_is_help=True)
    apikey.command("create")(apikey_create)
    user = typer.Typer(help="Platform users.", no_args_is_help=True)
    user.command("create")(user_create)
    app.add_typer(apikey, name="apikey")
    app.add_typer(user, name="user")
