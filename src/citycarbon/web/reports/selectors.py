"""Reading issued reports, and who may read one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.module_loading import import_string

from citycarbon.web.reports.models import IssuedReport
from citycarbon.web.reports.registry import ReportInputError, kind_of, parse


def principal_of_user(user: AbstractBaseUser | AnonymousUser | None) -> Any:
    """The access policy's principal of a signed-in user, through the function the setting
    ``CITYCARBON_PRINCIPAL_OF_USER`` names: the kernel imports no app that knows the roles,
    and hands the principal to the kinds' ``may_read``."""
    return import_string(settings.CITYCARBON_PRINCIPAL_OF_USER)(user)


def issued(report_id: str) -> IssuedReport | None:
    return IssuedReport.objects.filter(pk=report_id).first()


def may_read_issued(principal: Any, report: IssuedReport) -> bool:
    """Whether ``principal`` may read an issued report: whether it may read the report its
    kind would make of the same parameters today (a kind no longer registered: nobody)."""
    kind = kind_of(report.kind)
    if kind is None or principal is None:
        return False
    try:
        params = parse(kind, report.params)
    except ReportInputError:
        return False
    return kind.may_read(principal, params)
