"""``/reports/``: the report pages of every registered kind, and public verification."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.reports import views

urlpatterns = [
    path("verify/", views.verify_lookup, name="report-verify-lookup"),
    path("verify/<str:report_id>/", views.verify, name="report-verify"),
    path("issued/<str:report_id>/", views.issued_page, name="report"),
    path("issued/<str:report_id>/pdf/", views.issued_pdf, name="report-pdf"),
    path("<slug:kind>/", views.preview, name="report-preview"),
    path("<slug:kind>/issue/", views.issue, name="report-issue"),
]
