"""The report service's declaration: its pages under ``/reports/`` and its API. Who may read
a report is each report kind's question (``reports.registry.ReportKind.may_read``, answered
with the access policy by the app that registers the kind)."""

from __future__ import annotations

from citycarbon.web.registry import AppSpec

SPEC = AppSpec(
    app="reports",
    layer="platform",
    api=("citycarbon.web.api.reports:router",),
    urls="citycarbon.web.reports.urls",
    url_prefix="reports/",
    docs="reports.md",
)
