"""Permission tests generated from the registry: every resource × action × role × own/other
subject, through the policy, every guarded page and every API endpoint; and the role table
of docs/platform.md is the one the registry gives.

The expectations are computed from the declarations (``Resource.grants``, ``keys_only``,
``key_scoped``), not by asking the policy, so a policy that stops enforcing them fails here.
The world is hand-sized: two districts, an enterprise in each, a bank the first consents to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from citycarbon.web.access.actions import Binding, do_create_api_key, do_create_user
from citycarbon.web.access.docs import section
from citycarbon.web.access.models import Bank
from citycarbon.web.access.policy import Principal, allows, may_read, scoped, subject_model
from citycarbon.web.api.common import PrincipalAuth
from citycarbon.web.api.v1 import api
from citycarbon.web.audit.actions import Actor
from citycarbon.web.enterprises.actions import do_grant_consent
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District, Industry
from citycarbon.web.registry import ACTIONS, Resource, registry

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "platform.md"
KNOWN = registry()
ROLES = sorted(KNOWN.roles)
MISSING = 999_999_999
"""An id no row has, for URL arguments other than the subject."""


def granted(resource: Resource, role: str, action: str, *, key: bool, scoped_key: bool) -> bool:
    """What the declarations say: the role is granted the action; a session may not take
    a keys-only action; a key without the resource in its scopes may only read."""
    if role not in resource.roles(action):  # type: ignore[arg-type]
        return False
    if not key:
        return action not in resource.keys_only
    return action not in resource.key_scoped or scoped_key


@dataclass
class World:
    own: dict[str, int]
    """Subject type → the id of the subject the bound roles are bound to (or reach)."""
    other: dict[str, int]
    """Subject type → the id of one they do not reach."""
    bound: dict[str, Any]
    """Role → the subject its user and keys are bound to."""

    def principal(self, role: str, *, key: bool = False, scopes: Any = None) -> Principal:
        subject = self.bound.get(role)
        spec = KNOWN.roles[role]
        return Principal(
            label=role,
            role=role,
            subject_type=spec.binds,
            subject_id=subject.pk if subject is not None else None,
            scopes=scopes,
            user_id=None if key else 1,
        )


@pytest.fixture
def world() -> World:
    a = District.objects.create(code="339901", name_zh="甲区")
    b = District.objects.create(code="339902", name_zh="乙区")
    industry = Industry.objects.get_or_create(code="1711")[0]
    mine = Enterprise.objects.create(entity_id="E1", name="甲企业", district=a, industry=industry)
    theirs = Enterprise.objects.create(entity_id="E2", name="乙企业", district=b, industry=industry)
    bank = Bank.objects.create(code="B1", name="某银行")
    Bank.objects.create(code="B2", name="另一银行")
    do_grant_consent(mine, bank, actor=ACTOR)
    return World(
        own={"enterprise": mine.pk, "district": a.pk, "bank": bank.pk},
        other={"enterprise": theirs.pk, "district": b.pk, "bank": bank.pk + 1},
        bound={"district": a, "enterprise": mine, "bank": bank},
    )


# --- the policy -----------------------------------------------------------------------------

POLICY_CASES = [
    (resource.name, action, role)
    for resource in KNOWN.resources.values()
    for action in ACTIONS
    for role in ROLES
]


@pytest.mark.parametrize(("resource", "action", "role"), POLICY_CASES)
def test_policy_allows_what_the_registry_grants(resource: str, action: Any, role: str) -> None:
    spec = KNOWN.resource(resource)
    who = Principal(label=role, role=role, user_id=1)
    assert allows(who, resource, action) is granted(spec, role, action, key=False, scoped_key=False)
    for scopes, scoped_key in ((None, False), (frozenset({resource}), True)):
        key = Principal(label=role, role=role, scopes=scopes)
        assert allows(key, resource, action) is granted(
            spec, role, action, key=True, scoped_key=scoped_key
        )
    elsewhere = Principal(label=role, role=role, scopes=frozenset({"__other__"}))
    assert not allows(elsewhere, resource, action)


def test_a_key_whose_scopes_are_all_unknown_gets_nothing() -> None:
    from citycarbon.web.access.selectors import stored_scopes  # noqa: PLC0415

    assert stored_scopes("") is None
    assert stored_scopes("no-such-resource") == frozenset()
    nothing = Principal(label="k", role="regulator", scopes=stored_scopes("no-such-resource"))
    assert not any(allows(nothing, r) for r in KNOWN.resources)


def test_an_unknown_role_gets_nothing() -> None:
    who = Principal(label="x", role="no-such-role", user_id=1)
    assert not any(allows(who, r, a) for r in KNOWN.resources for a in ACTIONS)
    assert not who.city_wide


SUBJECT_CASES = [
    (resource.name, action)
    for resource in KNOWN.resources.values()
    for action in ACTIONS
    if resource.subject is not None and resource.roles(action)
]


@pytest.mark.parametrize(("resource", "action"), SUBJECT_CASES)
def test_each_role_reaches_its_own_subject_and_not_another(
    world: World, resource: str, action: Any
) -> None:
    spec = KNOWN.resource(resource)
    assert spec.subject is not None
    model = subject_model(spec.subject)
    own, other = world.own[spec.subject], world.other[spec.subject]
    for role in spec.roles(action):
        who = world.principal(role, key=action in spec.keys_only, scopes=frozenset({resource}))
        city = KNOWN.roles[role].city_wide
        assert may_read(who, resource, own, action), (role, "own")
        assert may_read(who, resource, other, action) is city, (role, "other")
        rows = scoped(who, resource, model.objects.all(), via="", action=action)
        assert set(rows.values_list("pk", flat=True)) >= {own}
        assert (other in set(rows.values_list("pk", flat=True))) is city


# --- pages ----------------------------------------------------------------------------------

SAMPLES = {
    "list": {"kind": "poor-efficiency"},
    "list_export": {"kind": "poor-efficiency", "fmt": "csv"},
    "enterprise_download": {"kind": "records"},
    "onboarding-template": {"kind": "regions"},
    "balance_download": {"year": 2025},
}


def guarded_pages() -> list[tuple[str, str, str, str, list[str]]]:
    """(URL name, route, resource, action, argument names) of every page with a guard."""
    found = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "guard"):
                resource, action = pattern.callback.guard
                route = prefix + str(pattern.pattern)
                names = re.findall(r"<(?:\w+:)?(\w+)>", route)
                found.append((pattern.name or route, route, resource, action, names))

    walk(get_resolver().url_patterns, "/")
    return found


PAGES = guarded_pages()


def test_every_page_but_the_public_ones_is_guarded() -> None:
    assert {name for name, *_ in PAGES} >= {
        "dashboard",
        "enterprises",
        "enterprise",
        "runs",
        "run-publish",
        "audit",
        "onboarding",
        "energy-uploads",
        "estimates",
        "balance",
        "consent_change",
    }


def _page_url(world: World, name: str, route: str, resource: Resource, whose: str) -> str:
    values = dict(SAMPLES.get(name, {}))
    subject_arg = f"{resource.subject}_id" if resource.subject else ""
    url = route
    for argument in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if argument == subject_arg:
            value = (world.own if whose == "own" else world.other)[resource.subject or ""]
        else:
            value = values.get(argument, MISSING)
        url = re.sub(rf"<(?:\w+:)?{argument}>", str(value), url)
    return url


def _client(world: World, role: str) -> Client:
    user = do_create_user(
        f"u-{role}", "a-long-password-123", Binding(role, world.bound.get(role)), actor=ACTOR
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("name", "route", "resource", "action", "arguments"), PAGES, ids=[p[0] for p in PAGES]
)
def test_page_answers_each_role_as_the_registry_says(
    world: World, name: str, route: str, resource: str, action: Any, arguments: list[str]
) -> None:
    spec = KNOWN.resource(resource)
    subject_arg = f"{spec.subject}_id" if spec.subject else ""
    only_subject = set(arguments) <= {subject_arg} and name not in SAMPLES
    for role in ROLES:
        client = _client(world, role)
        send = client.get if action == "read" else client.post
        may = granted(spec, role, action, key=False, scoped_key=False)
        own = send(_page_url(world, name, route, spec, "own"))
        if not may:
            assert own.status_code == 403, (role, own.status_code)
            continue
        assert own.status_code not in (401, 403), (role, own.status_code)
        if only_subject:
            assert own.status_code != 404, (role, "own")
        if subject_arg in arguments:
            other = send(_page_url(world, name, route, spec, "other"))
            city = KNOWN.roles[role].city_wide
            if not city:
                assert other.status_code == 404, (role, "other", other.status_code)


def test_anonymous_visitors_are_sent_to_log_in(world: World) -> None:
    for name, route, resource, _action, _arguments in PAGES:
        url = _page_url(world, name, route, KNOWN.resource(resource), "own")
        answer = Client().get(url)
        assert answer.status_code == 302 and "/login/" in answer["Location"], name


# --- API ------------------------------------------------------------------------------------


def api_operations() -> list[tuple[str, str, str, str]]:
    """(method, path, resource, action) of every endpoint, from the routers' operations."""
    found = []
    for _prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                guards = [a for a in operation.auth_callbacks if isinstance(a, PrincipalAuth)]
                for method in operation.methods:
                    resource = next((g.resource for g in guards if g.resource), "")
                    action = next((g.action for g in guards if g.resource), "read")
                    found.append((method, path, resource, action))
    return found


OPERATIONS = [o for o in api_operations() if o[2]]
ALL_OPERATIONS = api_operations()


KIND_DECIDED = ("/reports/",)
"""Endpoints whose reader is decided per report kind (``ReportKind.may_read``, with the
policy; tested in ``test_reports.py``), not by one resource."""


def test_every_endpoint_names_its_resource() -> None:
    assert OPERATIONS
    unguarded = [
        (m, p)
        for m, p, resource, _a in ALL_OPERATIONS
        if not resource and not p.startswith(KIND_DECIDED)
    ]
    assert not unguarded


def _api_path(world: World, path: str, resource: Resource, whose: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if resource.subject and name == f"{resource.subject}_id":
            return str((world.own if whose == "own" else world.other)[resource.subject])
        return str(MISSING)

    return "/api/v1" + re.sub(r"\{(\w+)\}", value, path)


@pytest.mark.parametrize(
    ("method", "path", "resource", "action"), OPERATIONS, ids=[f"{o[0]} {o[1]}" for o in OPERATIONS]
)
def test_endpoint_answers_each_key_as_the_registry_says(
    world: World, method: str, path: str, resource: str, action: str
) -> None:
    spec = KNOWN.resource(resource)
    client = Client()
    for role in ROLES:
        binding = Binding(role, world.bound.get(role))
        readable = [
            r.name for r in KNOWN.resources.values() if any(role in g for g in r.grants.values())
        ]
        keys = [(do_create_api_key(binding, actor=ACTOR)[1], False)]
        if resource in readable:
            keys.append((do_create_api_key(binding, actor=ACTOR, scopes=(resource,))[1], True))
        for key, scoped_key in keys:
            may = granted(spec, role, action, key=True, scoped_key=scoped_key)
            url = _api_path(world, path, spec, "own")
            answer = client.generic(method, url, headers={"X-API-Key": key})
            if not may:
                assert answer.status_code == 403, (role, scoped_key, answer.status_code)
                assert resource in answer.json()["detail"]
                continue
            assert answer.status_code not in (401, 403), (role, scoped_key, answer.status_code)
            if (
                spec.subject
                and f"{{{spec.subject}_id}}" in path
                and not KNOWN.roles[role].city_wide
            ):
                other = client.generic(
                    method, _api_path(world, path, spec, "other"), headers={"X-API-Key": key}
                )
                assert other.status_code in (403, 404), (role, "other", other.status_code)
    assert Client().generic(method, _api_path(world, path, spec, "own")).status_code == 401


# --- docs -----------------------------------------------------------------------------------


def test_the_role_table_in_the_docs_is_the_registry_s() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert section(KNOWN) in text, (
        "docs/platform.md's role table is stale; put this in its place:\n" + section(KNOWN)
    )
