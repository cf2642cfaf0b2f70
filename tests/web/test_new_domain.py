"""A new domain plugs in from its own folder and one line of INSTALLED_APPS: with
``tests.example_domain`` installed (``tests/example_settings.py``) its menu entry, pages, API,
role, subject type and resource appear and are enforced, and the layers contract holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse
from citycarbon.web.access.docs import role_table
from citycarbon.web.access.policy import Principal, allows
from citycarbon.web.api.v1 import api
from citycarbon.web.registry import registry
from django.core.management import call_command
from django.core import checks

setup_test_environment()
problems = [str(m) for m in checks.run_checks(tags=["citycarbon"]) if m.is_serious()]
known = registry()
resident = Principal("r", "resident", "resident", 7, user_id=7)
paths = sorted(api.get_openapi_schema()["paths"])
print(json.dumps({
    "problems": problems,
    "menu": [e.url_name for e in known.menu()],
    "urls": [reverse("points"), reverse("points-retire", args=[7])],
    "api": [p for p in paths if "points" in p],
    "resident_reads": allows(resident, "points"),
    "resident_issues": allows(resident, "points", "issue"),
    "resident_retires": allows(resident, "points", "retire"),
    "table_row": [line for line in role_table(known).splitlines() if "`points`" in line],
}))
"""


def test_a_new_domain_app_plugs_in_from_its_own_folder() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.example_settings"}
    env.pop("DATABASE_URL", None)
    answer = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    found = json.loads(answer.stdout.strip().splitlines()[-1])
    assert found["problems"] == []
    assert "points" in found["menu"]
    assert found["urls"] == ["/points/", "/points/7/retire/"]
    assert found["api"] == ["/api/v1/points"]
    assert found["resident_reads"] and found["resident_retires"]
    assert not found["resident_issues"]
    assert found["table_row"] and "own resident: read, retire" in found["table_row"][0]


def test_the_layers_contract_reads_the_new_app_s_layer() -> None:
    from tests.import_contracts import _layers  # noqa: PLC0415

    layers = _layers("tests.example_settings", "tests")
    assert layers == {"tests.example_domain": "derived"}
    web = _layers("citycarbon.web.settings", "citycarbon.web")
    assert web["citycarbon.web.access"] == "platform"
    assert web["citycarbon.web.enterprises"] == "register"
    assert web["citycarbon.web.energy"] == "data"
    assert web["citycarbon.web.grading"] == "derived"
    assert web["citycarbon.web.profile"] == "composition"
    assert web["citycarbon.web.jobs"] == "platform"
