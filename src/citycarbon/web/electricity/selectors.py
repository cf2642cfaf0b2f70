"""Reads: electricity accounts with what they hold, and readings, narrowed by the policy."""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from citycarbon.web.access.policy import Principal, scoped
from citycarbon.web.electricity.models import ElectricityAccount, ElectricityReading


def accounts(
    principal: Principal | None, mapped: bool | None = None
) -> QuerySet[ElectricityAccount]:
    """Accounts ``principal`` may read (a district reads its district's mapped accounts),
    with ``readings_count`` and ``month_kwh`` (month readings only, so that finer grains of
    the same period are not counted twice); unmapped ones first, then by account number.

    The two figures are per-account subqueries on the reading key's index rather than a join
    grouped over every reading, so that counting the accounts (for paging) reads no readings."""
    qs = scoped(principal, "electricity", ElectricityAccount.objects.all(), via="enterprise")
    if mapped is not None:
        qs = qs.filter(enterprise__isnull=not mapped)
    own = ElectricityReading.objects.filter(account=OuterRef("pk")).order_by().values("account")
    return (
        qs.select_related("enterprise")
        .annotate(
            readings_count=Coalesce(Subquery(own.annotate(n=Count("*")).values("n")), 0),
            month_kwh=Subquery(own.filter(grain="month").annotate(s=Sum("kwh")).values("s")),
        )
        .order_by(ExpressionWrapper(Q(enterprise__isnull=False), BooleanField()), "account_no")
    )


def readings(
    principal: Principal | None,
    *,
    enterprise: int | None = None,
    account: str | None = None,
    grain: str | None = None,
    start_from: object = None,
    start_to: object = None,
) -> QuerySet[ElectricityReading]:
    """Readings ``principal`` may read, filtered; ``start_from`` inclusive, ``start_to``
    exclusive (aware datetimes)."""
    qs = scoped(
        principal, "electricity", ElectricityReading.objects.all(), via="account__enterprise"
    )
    if enterprise is not None:
        qs = qs.filter(account__enterprise_id=enterprise)
    if account:
        qs = qs.filter(account__account_no=account)
    if grain:
        qs = qs.filter(grain=grain)
    if start_from is not None:
        qs = qs.filter(start__gte=start_from)
    if start_to is not None:
        qs = qs.filter(start__lt=start_to)
    return qs
