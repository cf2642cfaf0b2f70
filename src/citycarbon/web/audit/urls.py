"""URL patterns of the audit app, mounted at the site root by ``web.urls``."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.audit import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
]
