"""Start-up checks of the platform's configuration (``manage.py check``, ``citycarbon serve``,
``citycarbon worker``): a bad bounds file or limit variable stops the platform before it
serves, instead of failing the first request or job that reads a file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Final

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from citycarbon.io.errors import InputFileError
from citycarbon.io.limits import Limits, LimitsError
from citycarbon.io.numbers import (
    QUANTITY_BOUNDS_ENV,
    READING_BOUNDS_ENV,
    quantity_bounds,
    reading_bounds,
)
from citycarbon.web.api.rates import ANON_RATE_ENV, RATE_ENV, RateError, parse_rate

TAG: Final = "citycarbon"


def _bounds_errors(env: str, load: Any, check_id: str) -> list[checks.CheckMessage]:
    try:
        load()
    except InputFileError as exc:
        return [
            checks.Error(f"{env}: {e.render()}", hint=_BOUNDS_HINT, id=check_id) for e in exc.errors
        ]
    except (OSError, UnicodeError) as exc:
        name = os.environ.get(env, "")
        return [
            checks.Error(
                f"{env}={name!r}: 文件无法读取 / cannot read the file ({exc})",
                hint=_BOUNDS_HINT,
                id=check_id,
            )
        ]
    return []


_BOUNDS_HINT: Final = (
    "修正或取消该变量（格式见 docs/data.md） / fix or unset the variable (format in docs/data.md)"
)


def configuration(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Errors for ``CITYCARBON_MAX_*`` values that are no positive integer (``Limits``),
    for unreadable or invalid ``CITYCARBON_QUANTITY_BOUNDS`` / ``CITYCARBON_READING_BOUNDS``
    files and for API rates (``CITYCARBON_API_RATE``, ``CITYCARBON_API_ANON_RATE``) that
    are not ``N/period``; each message is in Chinese and English."""
    rates = _rate_errors()
    try:
        Limits.from_env()
    except LimitsError as exc:  # the bounds files are read under these limits: stop here
        return [checks.Error(str(exc), id="citycarbon.E001"), *rates]
    return [
        *_bounds_errors(QUANTITY_BOUNDS_ENV, quantity_bounds, "citycarbon.E002"),
        *_bounds_errors(READING_BOUNDS_ENV, reading_bounds, "citycarbon.E003"),
        *rates,
    ]


def apps_declared(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Errors for app declarations (``web.registry``) that contradict each other, name a
    job kind no app registers, or put a menu entry on a URL that does not resolve."""
    from django.urls import NoReverseMatch, reverse  # noqa: PLC0415

    from citycarbon.web.jobs.registry import KINDS  # noqa: PLC0415
    from citycarbon.web.registry import RegistryError, registry  # noqa: PLC0415

    try:
        known = registry()
    except RegistryError as exc:
        return [checks.Error(f"应用声明有误 / app declarations: {exc}", id="citycarbon.E010")]
    problems: list[checks.CheckMessage] = [
        checks.Error(
            f"{spec.app}: 未注册的后台任务 / declares job kind {kind!r}, which no app registers",
            id="citycarbon.E011",
        )
        for spec in known.specs
        for kind in spec.runs
        if kind not in KINDS
    ]
    for entry in known.menu():
        try:
            reverse(entry.url_name, args=[entry.url_argument] if entry.url_argument else [])
        except NoReverseMatch:
            problems.append(
                checks.Error(
                    f"菜单链接无效 / menu entry {entry.url_name!r} does not resolve",
                    id="citycarbon.E012",
                )
            )
    return problems


def _rate_errors() -> list[checks.CheckMessage]:
    out: list[checks.CheckMessage] = []
    for name in (RATE_ENV, ANON_RATE_ENV):
        try:
            parse_rate(name, getattr(settings, name))
        except RateError as exc:
            out.append(checks.Error(str(exc), hint=_RATE_HINT, id="citycarbon.E004"))
    return out


_RATE_HINT: Final = (
    "修正或取消该变量（见 docs/api.md） / fix or unset the variable (see docs/api.md)"
)
