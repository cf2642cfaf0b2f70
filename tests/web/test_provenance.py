"""Every page that shows figures of the published run says where they come from: the grading
and accounting runs, the factor set with its hash, the method version and the input hashes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from citycarbon.web.grading.selectors import latest_published
from tests.web.conftest import LoadedCity

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("username", "path", "links_run"),
    [
        ("regulator", "/dashboard/", True),
        ("regulator", "/lists/poor-efficiency/", True),
        ("district", "/lists/low-green/", False),
        ("enterprise1", "enterprise", False),
    ],
)
def test_the_page_names_runs_factor_set_method_and_input_hashes(
    loaded_city: LoadedCity, client: Client, username: str, path: str, links_run: bool
) -> None:
    run = latest_published()
    assert run is not None
    accounting = run.accounting_run
    client.force_login(User.objects.get(username=username))
    if path == "enterprise":
        path = f"/enterprises/{loaded_city.first.pk}/"
    html = client.get(path).content.decode()
    part = html.split('id="provenance"')[1].split("</p>")[0]
    assert "本页数据来源" in part
    assert f"评价运行 #{run.pk}" in part and f"核算运行 #{accounting.pk}" in part
    assert f"<code>{accounting.factor_set}</code>" in part
    assert accounting.factor_set_hash[:12] in part
    assert f"<code>{accounting.method_version}</code>" in part
    assert accounting.records_fingerprint[:12] in part
    assert run.economics_fingerprint[:12] in part
    assert (f'href="/runs/{run.pk}/"' in part) is links_run
