"""Reading issued reports, and who may read one."""

from __future__ import annotations

from typing import Any

from citycarbon.web.reports.models import IssuedReport
from citycarbon.web.reports.registry import ReportInputError, kind_of, parse


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
