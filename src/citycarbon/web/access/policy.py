"""The permission matrix, in one place for pages and API alike.

A request is made by a ``Principal``: a signed-in user or an API key, with a role and a
binding. ``allows`` says whether the role may read a kind of resource at all; ``enterprises``
and ``scoped`` narrow what it reads to the enterprises it may see. Views and endpoints call
these and nothing else to decide.

| resource    | admin | regulator | district      | enterprise | bank (consent) | public |
|-------------|-------|-----------|---------------|------------|----------------|--------|
| dashboard   | all   | all       | own district  | —          | —              | —      |
| enterprises | all   | all       | own district  | own        | consenting     | —      |
| energy      | all   | all       | own district  | own        | —              | —      |
| emissions   | all   | all       | own district  | own        | —              | —      |
| codes       | all   | all       | own district  | own        | consenting     | —      |
| portraits   | all   | all       | own district  | own        | consenting     | —      |
| lists       | all   | all       | own district  | —          | —              | —      |
| buildings   | all   | all       | —             | —          | —              | —      |
| audit       | all   | all       | —             | —          | —              | —      |
| uploads     | all   | all       | —             | own        | —              | —      |
| estimates   | all   | all       | own district  | —          | —              | —      |
| balance     | all   | all       | own district  | —          | —              | —      |
| electricity | all   | all       | own district¹ | —          | —              | —      |
| onboarding  | all   | all       | —             | —          | —              | —      |
| runs        | all   | all       | —             | —          | —              | —      |

``uploads`` is bringing energy data in (files and 205-1 forms) and reading the uploads and
their quarantine: an enterprise uploads and reads its own only. Uploading through the API
with a key needs more than reading: a key whose scopes name ``uploads`` explicitly
(``may_upload_energy``); a signed-in user needs only the role.

``onboarding`` is bringing the city's districts, enterprises and their economics in (the
onboarding pages and ``POST /onboarding/{kind}``): the city roles only, and an API key only
when its scopes name ``onboarding`` explicitly (``may_onboard``).

``runs`` is the accounting and grading runs page, where a run is reviewed and published:
for the city roles only.

The public sees only the verification pages of a published code and of an issued report.
Buildings carry no district yet, so they stay with the city.

¹ Electricity accounts mapped to an enterprise of the district, and their readings. Writing
readings (the grid feed) needs more than reading: an API key of role admin or regulator that
names the ``electricity`` scope explicitly (``may_write_readings``). Mapping accounts to
enterprises is for the city roles (``may_map_accounts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, TypeVar

from django.db.models import Model, Q, QuerySet

from citycarbon.web.access.models import Consent, Role
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District

Resource = Literal[
    "dashboard",
    "enterprises",
    "energy",
    "emissions",
    "codes",
    "portraits",
    "lists",
    "buildings",
    "audit",
    "uploads",
    "estimates",
    "balance",
    "electricity",
    "onboarding",
    "runs",
]
RESOURCES: Final[tuple[Resource, ...]] = (
    "dashboard",
    "enterprises",
    "energy",
    "emissions",
    "codes",
    "portraits",
    "lists",
    "buildings",
    "audit",
    "uploads",
    "estimates",
    "balance",
    "electricity",
    "onboarding",
    "runs",
)

MATRIX: Final[dict[str, frozenset[Resource]]] = {
    Role.ADMIN: frozenset(RESOURCES),
    Role.REGULATOR: frozenset(RESOURCES),
    Role.DISTRICT: frozenset(RESOURCES) - {"buildings", "audit", "uploads", "onboarding", "runs"},
    Role.ENTERPRISE: frozenset(
        {"enterprises", "energy", "emissions", "codes", "portraits", "uploads"}
    ),
    Role.BANK: frozenset({"enterprises", "codes", "portraits"}),
}


class DeniedError(PermissionError):
    """The principal may not read this."""


@dataclass(frozen=True)
class Principal:
    """Who is asking, with what role and binding; ``scopes`` (API keys only) narrows the
    role's resources further."""

    label: str
    role: str
    district_id: int | None = None
    enterprise_id: int | None = None
    bank_id: int | None = None
    scopes: frozenset[str] | None = None
    user_id: int | None = None

    @property
    def city_wide(self) -> bool:
        return self.role in (Role.ADMIN, Role.REGULATOR)


def allows(principal: Principal | None, resource: Resource) -> bool:
    """Whether ``principal`` may read ``resource`` at all."""
    if principal is None:
        return False
    if resource not in MATRIX.get(principal.role, frozenset()):
        return False
    return principal.scopes is None or resource in principal.scopes


def require(principal: Principal | None, resource: Resource) -> Principal:
    if principal is None or not allows(principal, resource):
        raise DeniedError(resource)
    return principal


def may_write_readings(principal: Principal | None) -> bool:
    """Whether ``principal`` may send electricity readings: only an API key of role admin or
    regulator whose scopes name ``electricity`` (a key without scopes, or a signed-in user,
    may read but not write)."""
    return (
        principal is not None
        and principal.city_wide
        and principal.scopes is not None
        and "electricity" in principal.scopes
    )


def may_upload_energy(principal: Principal | None) -> bool:
    """Whether ``principal`` may bring energy data in (the upload page, ``POST
    /energy/uploads``): a signed-in user whose role is allowed ``uploads``, or an API key of
    such a role whose scopes name ``uploads`` explicitly (a key without scopes reads but
    does not upload). Which enterprises the data may be for is the import's check
    (an enterprise its own only)."""
    if principal is None or not allows(principal, "uploads"):
        return False
    if principal.user_id is not None:
        return True
    return principal.scopes is not None and "uploads" in principal.scopes


def may_onboard(principal: Principal | None) -> bool:
    """Whether ``principal`` may import districts, enterprises and economics: a signed-in
    user of a city role, or an API key of a city role whose scopes name ``onboarding``
    explicitly (a key without scopes may not: fail closed)."""
    if principal is None or not principal.city_wide or not allows(principal, "onboarding"):
        return False
    if principal.user_id is not None:
        return True
    return principal.scopes is not None and "onboarding" in principal.scopes


def may_map_accounts(principal: Principal | None) -> bool:
    """Whether ``principal`` may map electricity accounts to enterprises (the city roles)."""
    return principal is not None and principal.city_wide and allows(principal, "electricity")


def enterprise_filter(principal: Principal, via: str = "") -> Q | None:
    """The enterprises ``principal`` may see, as a filter on the model reached by ``via``
    (a lookup path to ``Enterprise``; "" for ``Enterprise`` itself). None: all of them."""
    own = f"{via}__" if via else ""
    key = via or "pk"
    if principal.city_wide:
        return None
    if principal.role == Role.DISTRICT:
        return Q(**{f"{own}district_id": principal.district_id})
    if principal.role == Role.ENTERPRISE:
        return Q(**{key: principal.enterprise_id})
    if principal.role == Role.BANK:
        consenting = Consent.objects.filter(bank=principal.bank_id, revoked_at__isnull=True)
        return Q(**{f"{key}__in": consenting.values("enterprise_id")})
    return Q(**{f"{key}__in": []})


M = TypeVar("M", bound=Model)


def scoped(
    principal: Principal | None, resource: Resource, queryset: QuerySet[M], via: str = "enterprise"
) -> QuerySet[M]:
    """``queryset`` narrowed to what ``principal`` may read of ``resource``; ``via`` is the
    path from the queryset's model to ``Enterprise`` ("" when it is ``Enterprise``).
    Raises ``DeniedError`` when the role may not read ``resource`` at all."""
    principal = require(principal, resource)
    condition = enterprise_filter(principal, via)
    return queryset if condition is None else queryset.filter(condition)


def district_scope(principal: Principal) -> int | None:
    """The one district a principal's city figures are limited to (None: the whole city)."""
    return principal.district_id if principal.role == Role.DISTRICT else None


def district_code_scope(principal: Principal) -> str | None:
    """The code (GB/T 2260) of the district of ``district_scope`` (None: the whole city)."""
    own = district_scope(principal)
    return District.objects.get(pk=own).code if own is not None else None


def may_read_enterprise(principal: Principal | None, resource: Resource, pk: int) -> bool:
    """Whether ``principal`` may read ``resource`` of the enterprise ``pk``."""
    if principal is None or not allows(principal, resource):
        return False
    if principal.city_wide:
        return True
    return scoped(principal, resource, Enterprise.objects.filter(pk=pk), via="").exists()


def visible_enterprise_ids(principal: Principal | None, resource: Resource) -> set[int] | None:
    """The ids of the enterprises ``principal`` may read ``resource`` of (None: all), for
    filtering frames computed outside the database."""
    principal = require(principal, resource)
    condition = enterprise_filter(principal)
    if condition is None:
        return None
    return set(Enterprise.objects.filter(condition).values_list("pk", flat=True))
