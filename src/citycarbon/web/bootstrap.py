"""Start Django from the command line, bring the database schema up to date and collect the
static files."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

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


def collect_static() -> bool:
    """Collect the static files into ``STATIC_ROOT`` with their hashed and gzip-compressed
    copies (the storage in the settings), as the server serves them. Compressing takes a
    while, so it is skipped when no file changed since the last collection (same names,
    sizes and times); returns whether it collected."""
    start()
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.staticfiles.finders import get_finders  # noqa: PLC0415

    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    stamp = Path(settings.STATIC_ROOT) / ".collected"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(digest.hexdigest())
    return True


def database_label() -> str:
    """Where the configured database is, without credentials."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {settings['NAME']}"
    return f"{connection.vendor} {settings.get('HOST') or 'socket'}/{settings['NAME']}"
