"""Settings for the test suite: SQLite in a temporary folder, or the PostgreSQL server at
``CITYCARBON_TEST_DATABASE_URL`` when it is set (Django creates and drops its own test
database there)."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("CITYCARBON_VAR", tempfile.mkdtemp(prefix="citycarbon-test-"))
os.environ.setdefault("CITYCARBON_SECRET_KEY", "test-only-secret-key-not-for-production")
# The browser tests' live server speaks plain HTTP on loopback, as ``citycarbon serve`` does.
os.environ.setdefault("CITYCARBON_SECURE_COOKIES", "0")
# The suite calls the API far faster than anyone should; the throttling tests set small rates.
os.environ.setdefault("CITYCARBON_API_RATE", "off")
os.environ.setdefault("CITYCARBON_API_ANON_RATE", "off")

from citycarbon.web.settings import *  # noqa: F403
from citycarbon.web.settings import database_config

DATABASES = {"default": database_config(os.environ.get("CITYCARBON_TEST_DATABASE_URL"))}
# The static files straight from their folders (``citycarbon serve``, tested in test_serve,
# collects and compresses them).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
# Jobs run at once, in the request's on-commit hook; "database" is there for the worker test.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
