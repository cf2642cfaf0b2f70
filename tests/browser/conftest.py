"""Browser tests: Playwright driving the system Chromium against a live server on loopback.

Without a Chromium they skip, saying so; under CI (``CI`` set) a missing Chromium fails,
since ``.ci/run`` installs it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from citycarbon.core.democity import generate_buildings, generate_city
from citycarbon.core.factors import FactorSet
from citycarbon.web.demo import DemoLogin, ensure_demo_logins, load_demo
from citycarbon.web.grading.selectors import forget_views

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # Playwright's sync API runs a loop


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("CITYCARBON_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        shutil.which("google-chrome"),
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        message = (
            "no Chromium found (install Debian's chromium package, or set CITYCARBON_CHROMIUM); "
            "browser tests skipped"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def city(transactional_db: None, factors: FactorSet) -> dict[str, DemoLogin]:
    forget_views()
    load_demo(
        generate_city(factors, seed=7, enterprises=60),
        generate_buildings(seed=7, buildings=20),
        factors,
        source="browser-test",
    )
    return {login.username: login for login in ensure_demo_logins()}
