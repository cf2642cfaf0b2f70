"""Start Django from the command line and bring the database schema up to date."""

from __future__ import annotations

import io
import os

import django
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection


def start() -> None:
    """Configure Django (once) with the project's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citycarbon.web.settings")
    django.setup()


def configuration_problems() -> str | None:
    """The report of Django's system checks (the platform's configuration among them,
    ``web/checks.py``) when they find errors; ``None`` when the platform may start."""
    start()
    try:
        call_command("check", stdout=io.StringIO())
    except SystemCheckError as exc:
        return str(exc)
    return None


def migrate(*, verbosity: int = 0) -> None:
    """Apply every committed migration to the configured database."""
    start()
    call_command("migrate", interactive=False, verbosity=verbosity)


def database_label() -> str:
    """Where the configured database is, without credentials."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {settings['NAME']}"
    return f"{connection.vendor} {settings.get('HOST') or 'socket'}/{settings['NAME']}"
