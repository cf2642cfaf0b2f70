"""Start Django from the command line and bring the database schema up to date."""

from __future__ import annotations

import os

import django
from django.core.management import call_command
from django.db import connection


def start() -> None:
    """Configure Django (once) with the project's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citycarbon.web.settings")
    django.setup()


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
