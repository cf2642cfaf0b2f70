"""The test settings with one more domain app, ``tests.example_domain``, and nothing else
changed: what a city adds to run a new domain."""

from __future__ import annotations

from citycarbon.web.test_settings import *  # noqa: F403
from citycarbon.web.test_settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.example_domain"]
