"""The permission policy, in one place for pages and API alike.

A request is made by a ``Principal``: a signed-in user or an API key, with a role and a
binding to one subject (a district, an enterprise, a bank …; none for the city-wide roles).
What each role may do to each resource is declared by the apps that hold the resources
(``AppSpec.resources`` in each app's ``spec`` module, collected by ``web.registry``); this
module reads those declarations and knows no domain. ``allows`` says whether a principal may
take an action on a kind of resource at all; ``scoped`` narrows a queryset to the rows it
reaches, through the scope function of the subject type the resource is scoped by.

The table of roles, resources and actions is generated from the registry into
``docs/platform.md`` (a test proves they agree).

API keys: a key's stored scopes narrow its role to the resources they name. A key whose
stored scopes name nothing known gets nothing (fail closed). Every action but ``read`` needs
the key's scopes to name the resource explicitly (``Resource.key_scoped``): a key made
without scopes reads what its role reads and writes nothing. Some actions are for keys only
(a machine feed: ``Resource.keys_only``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.db.models import Model, QuerySet

from citycarbon.web.registry import NOTHING, Action, registry, scope_of


class DeniedError(PermissionError):
    """The principal may not do this; ``args``: the resource, the action and the reason in
    Chinese and English (``why_denied``)."""

    @property
    def resource(self) -> str:
        return str(self.args[0])

    @property
    def reason(self) -> str:
        return str(self.args[2]) if len(self.args) > 2 else f"may not read {self.args[0]}"


@dataclass(frozen=True)
class Principal:
    """Who is asking: a role, the one subject it is bound to (none for a city-wide role),
    and for an API key its scopes (None: all its role may read)."""

    label: str
    role: str
    subject_type: str | None = None
    subject_id: int | None = None
    scopes: frozenset[str] | None = None
    user_id: int | None = None

    @property
    def city_wide(self) -> bool:
        spec = registry().role(self.role)
        return spec is not None and spec.city_wide

    @property
    def is_key(self) -> bool:
        return self.user_id is None

    def bound(self, subject_type: str) -> int | None:
        """The id of the subject of ``subject_type`` this principal is bound to, if any."""
        return self.subject_id if self.subject_type == subject_type else None


def allows(principal: Principal | None, resource: str, action: Action = "read") -> bool:
    """Whether ``principal`` may take ``action`` on ``resource`` at all (which rows is
    ``scoped``'s question)."""
    if principal is None:
        return False
    found = registry().resources.get(resource)
    if found is None or principal.role not in found.roles(action):
        return False
    if not principal.is_key:
        return action not in found.keys_only
    if principal.scopes is not None and resource not in principal.scopes:
        return False
    return action not in found.key_scoped or principal.scopes is not None


def why_denied(principal: Principal | None, resource: str, action: Action = "read") -> str:
    """Why ``allows`` says no, in Chinese and English, naming what would be needed."""
    found = registry().resources.get(resource)
    if principal is None or found is None or principal.role not in found.roles(action):
        roles = ", ".join(sorted(found.roles(action))) if found is not None else ""
        return (
            f"该角色无权{ACTION_ZH.get(action, action)} {resource} / your role may not "
            f"{action} {resource}" + (f" (roles that may: {roles})" if roles else "")
        )
    if not principal.is_key:
        return (
            f"仅限带 {resource} 权限范围的 API 密钥 / only an API key with the {resource} scope "
            f"may {action} {resource}"
        )
    if principal.scopes is not None and resource not in principal.scopes:
        return (
            f"该 API 密钥的权限范围不含 {resource} / "
            f"this API key's scopes do not include {resource}"
        )
    return (
        f"API 密钥需明确授予 {resource} 权限范围 / an API key needs the {resource} scope to "
        f"{action} it (citycarbon apikey create --scope {resource})"
    )


ACTION_ZH = {
    "read": "查看",
    "submit": "提交",
    "review": "审核",
    "publish": "发布",
    "issue": "签发",
    "transfer": "转让",
    "retire": "注销",
}


def require(principal: Principal | None, resource: str, action: Action = "read") -> Principal:
    if principal is None or not allows(principal, resource, action):
        raise DeniedError(resource, action, why_denied(principal, resource, action))
    return principal


M = TypeVar("M", bound=Model)


def scoped(
    principal: Principal | None,
    resource: str,
    queryset: QuerySet[M],
    via: str = "enterprise",
    action: Action = "read",
) -> QuerySet[M]:
    """``queryset`` narrowed to the rows ``principal`` may take ``action`` on; ``via`` is the
    lookup path from the queryset's model to the model of the resource's subject type (""
    when it is that model). Raises ``DeniedError`` when the role may not at all."""
    principal = require(principal, resource, action)
    if principal.city_wide:
        return queryset
    subject = registry().resource(resource).subject
    if subject is None:
        return queryset.filter(NOTHING)
    return queryset.filter(scope_of(subject)(principal, via))


def subject_model(subject_type: str) -> Any:
    """The model class of ``subject_type`` (looked up by name: the policy imports no app)."""
    return apps.get_model(registry().subject(subject_type).model)


def may_read(
    principal: Principal | None, resource: str, subject_id: int, action: Action = "read"
) -> bool:
    """Whether ``principal`` may take ``action`` on ``resource`` of the one subject
    ``subject_id`` (of the resource's subject type)."""
    if principal is None or not allows(principal, resource, action):
        return False
    if principal.city_wide:
        return True
    subject = registry().resource(resource).subject
    if subject is None:
        return False
    rows = subject_model(subject).objects.filter(pk=subject_id)
    return scoped(principal, resource, rows, via="", action=action).exists()


def visible_ids(principal: Principal | None, resource: str) -> set[int] | None:
    """The ids of the subjects (of the resource's subject type) whose ``resource``
    ``principal`` may read (None: all), for filtering frames computed outside the database."""
    principal = require(principal, resource)
    if principal.city_wide:
        return None
    subject = registry().resource(resource).subject
    if subject is None:
        return set()
    rows = scoped(principal, resource, subject_model(subject).objects.all(), via="")
    return set(rows.values_list("pk", flat=True))


def find_subject(subject_type: str, key: str) -> Model | None:
    """The subject of ``subject_type`` an operator names by its natural key (a district code,
    an entity id or USCC, a bank code); None when there is none."""
    spec = registry().subject(subject_type)
    model = subject_model(subject_type)
    for name in (spec.key_field, *spec.alternate_key_fields):
        found: Model | None = model.objects.filter(**{name: key}).first()
        if found is not None:
            return found
    return None


def subject_label(subject_type: str, subject_id: int | None) -> str:
    """What a binding's subject is called (its ``str``), for lists and the admin."""
    if not subject_type or subject_id is None:
        return ""
    found = subject_model(subject_type).objects.filter(pk=subject_id).first()
    return str(found) if found is not None else f"{subject_type} {subject_id}"
