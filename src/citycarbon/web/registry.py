"""The registry every app of the platform declares itself to (the platform kernel).

Each app of ``citycarbon.web`` that is more than plumbing has a module ``spec`` with one
``SPEC = AppSpec(...)``: its layer, the resources it holds and which role may take which
action on them, the subjects its rows are scoped by, the roles it brings, its API router,
URL patterns, menu entries and runs. The platform (policy, URL and API assembly, menu,
docs table, generated permission tests) reads this registry and nothing else, so it never
imports a domain app, and a new domain touches only its own folder.

Everything here is declared, not computed: a spec holds import strings (``"module:name"``)
for whatever needs the database, so the specs can be read before Django is set up (the
import contract in ``tests/import_contracts.py`` reads the layers that way).

A principal bound to a subject of type S reads a resource whose rows are scoped by subject
type T through T's ``scope`` function: given the principal and the lookup path from the
queryset's model to T's model, it returns the ``Q`` of the rows that binding reaches
(``NOTHING`` when it reaches none). City-wide roles are not scoped. See
``docs/architecture.md`` for a worked example.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from django.db.models import Q
from django.utils.functional import Promise

if TYPE_CHECKING:
    from citycarbon.web.access.policy import Principal

Action = Literal["read", "submit", "review", "publish", "issue", "transfer", "retire"]
ACTIONS: Final[tuple[Action, ...]] = get_args(Action)
"""What a role may do to a resource: read it; submit data into it; review (check, map,
correct) it; publish a result; issue, transfer and retire units of a ledger."""

Layer = Literal["platform", "register", "data", "derived", "composition"]
LAYERS: Final[tuple[Layer, ...]] = get_args(Layer)
"""From the bottom up. An app may import the platform and apps of its own or lower layers,
never a higher one; the platform imports no other layer."""

NOTHING: Final = Q(pk__in=[])
"""The scope of a binding that reaches no row."""

Scope = Callable[["Principal", str], Q]


def load(target: str) -> Any:
    """The object named by ``"package.module:attribute"`` (or a module by its dotted name)."""
    module, _, attribute = target.partition(":")
    found = importlib.import_module(module)
    return getattr(found, attribute) if attribute else found


@dataclass(frozen=True)
class SubjectType:
    """A kind of thing rows are scoped by and roles are bound to (an enterprise, a district,
    a bank; later a resident, a cooperative, a battery actor, a project)."""

    name: str
    label: Promise
    model: str
    """``app_label.Model`` whose primary key a binding's ``subject_id`` is."""
    key_field: str
    """The natural key by which an operator names one (a district code, an entity id)."""
    scope: str
    """Import string of the ``Scope`` function for rows of this type."""
    alternate_key_fields: tuple[str, ...] = ()
    """Other fields that name one uniquely (an enterprise's USCC)."""


@dataclass(frozen=True)
class RoleSpec:
    """A role: what it is called and which kind of subject (if any) it is bound to."""

    name: str
    label: Promise
    binds: str | None = None
    """The subject type a user or key of this role is bound to; None: city-wide."""
    admin_site: bool = False
    """Whether users of this role are also the Django admin's superusers."""
    home: str = ""
    """URL name this role lands on after log-in (with ``subject_id`` as ``home_argument``)."""
    home_argument: str = ""
    reach: str = ""
    """How far its binding reaches, in words for the role table ("own district",
    "consenting enterprises")."""

    @property
    def city_wide(self) -> bool:
        return self.binds is None


@dataclass(frozen=True)
class Resource:
    """A kind of thing the platform holds, and who may do what to it."""

    name: str
    label: Promise
    subject: str | None
    """Subject type its rows are scoped by; None: city-wide data that bound roles never see."""
    grants: Mapping[Action, frozenset[str]]
    """For each action, the roles that may take it."""
    key_scoped: frozenset[Action] = frozenset(
        {"submit", "review", "publish", "issue", "transfer", "retire"}
    )
    """Actions an API key may take only when its scopes name this resource explicitly (a key
    without scopes reads what its role reads, but writes nothing)."""
    keys_only: frozenset[Action] = frozenset()
    """Actions only an API key may take (a machine feed), never a signed-in user."""

    def roles(self, action: Action) -> frozenset[str]:
        return self.grants.get(action, frozenset())


@dataclass(frozen=True)
class MenuEntry:
    """A link in the main menu, shown to a principal allowed ``action`` on ``resource``;
    entries with the same ``group`` (a label) are shown together under it, where the first of
    them would stand, so that the menu stays one bar as domains come."""

    label: Promise
    url_name: str
    resource: str
    action: Action = "read"
    order: int = 100
    url_argument: str = ""
    group: Promise | None = None


@dataclass(frozen=True)
class AppSpec:
    """What one app brings to the platform."""

    app: str
    """The app's label (``AppConfig.label``)."""
    layer: Layer
    resources: tuple[Resource, ...] = ()
    subjects: tuple[SubjectType, ...] = ()
    roles: tuple[RoleSpec, ...] = ()
    api: tuple[str, ...] = ()
    """Import strings of its ninja ``Router``s, mounted under ``/api/v1/``."""
    urls: str | None = None
    """Dotted name of its module with ``urlpatterns``, mounted at ``url_prefix``."""
    url_prefix: str = ""
    """Where its URL patterns are mounted ("" for the site root, else e.g. "reports/")."""
    menu: tuple[MenuEntry, ...] = ()
    runs: tuple[str, ...] = ()
    """Kinds of background job it registers with ``web.jobs``."""
    warm: tuple[str, ...] = ()
    """Import strings of functions each web worker calls as it starts (to build caches
    before the first visitor)."""
    docs: str = ""
    """Its page under ``docs/``."""


class RegistryError(RuntimeError):
    """Specs that contradict each other (a grant to an unknown role, a name twice...)."""


@dataclass(frozen=True)
class Registry:
    specs: tuple[AppSpec, ...]
    resources: Mapping[str, Resource] = field(default_factory=dict)
    subjects: Mapping[str, SubjectType] = field(default_factory=dict)
    roles: Mapping[str, RoleSpec] = field(default_factory=dict)

    def resource(self, name: str) -> Resource:
        return self.resources[name]

    def role(self, name: str) -> RoleSpec | None:
        return self.roles.get(name)

    def subject(self, name: str) -> SubjectType:
        return self.subjects[name]

    def menu(self) -> list[MenuEntry]:
        return sorted((m for s in self.specs for m in s.menu), key=lambda m: m.order)


def spec_of(app_module: str) -> AppSpec | None:
    """The ``SPEC`` of the app whose package is ``app_module``; None if it declares none."""
    try:
        module = importlib.import_module(f"{app_module}.spec")
    except ModuleNotFoundError as exc:
        if exc.name == f"{app_module}.spec":
            return None
        raise
    found = module.SPEC
    if not isinstance(found, AppSpec):
        msg = f"{app_module}.spec.SPEC is not an AppSpec"
        raise RegistryError(msg)
    return found


def build(specs: tuple[AppSpec, ...]) -> Registry:
    """A registry of ``specs``, checked: unique names, grants to known roles, bound roles only
    on resources scoped by a subject, known subject types."""
    resources: dict[str, Resource] = {}
    subjects: dict[str, SubjectType] = {}
    roles: dict[str, RoleSpec] = {}
    for spec in specs:
        for kind, items, into in (
            ("resource", spec.resources, resources),
            ("subject type", spec.subjects, subjects),
            ("role", spec.roles, roles),
        ):
            for item in items:
                if item.name in into:
                    msg = f"{kind} {item.name!r} declared twice ({spec.app})"
                    raise RegistryError(msg)
                into[item.name] = item  # type: ignore[assignment]
    problems = [
        f"role {r.name!r} binds unknown subject type {r.binds!r}"
        for r in roles.values()
        if r.binds is not None and r.binds not in subjects
    ]
    for resource in resources.values():
        if resource.subject is not None and resource.subject not in subjects:
            problems.append(f"resource {resource.name!r}: unknown subject {resource.subject!r}")
        for action, granted in resource.grants.items():
            if action not in ACTIONS:
                problems.append(f"resource {resource.name!r}: unknown action {action!r}")
            for role in sorted(granted):
                granted_role = roles.get(role)
                if granted_role is None:
                    problems.append(f"resource {resource.name!r}: unknown role {role!r}")
                elif not granted_role.city_wide and resource.subject is None:
                    problems.append(
                        f"resource {resource.name!r} is city-wide data; "
                        f"bound role {role!r} may not be granted {action!r}"
                    )
    for spec in specs:
        problems.extend(
            f"menu entry {m.url_name!r} ({spec.app}): unknown resource {m.resource!r}"
            for m in spec.menu
            if m.resource not in resources
        )
    if problems:
        raise RegistryError("; ".join(problems))
    return Registry(specs=specs, resources=resources, subjects=subjects, roles=roles)


@cache
def registry() -> Registry:
    """The registry of the installed apps, in ``INSTALLED_APPS`` order."""
    from django.apps import apps  # noqa: PLC0415  (read once the app registry is ready)

    found = tuple(
        spec for config in apps.get_app_configs() if (spec := spec_of(config.name)) is not None
    )
    return build(found)


def scope_of(subject_type: str) -> Scope:
    return load(registry().subject(subject_type).scope)  # type: ignore[no-any-return]
