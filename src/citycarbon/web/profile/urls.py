"""URL patterns of the profile app, mounted at the site root by ``web.urls``."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.profile import views

urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprises"),
    path("enterprises/<int:enterprise_id>/", views.enterprise_page, name="enterprise"),
    path(
        "enterprises/<int:enterprise_id>/records/",
        views.enterprise_records_page,
        name="enterprise_records",
    ),
    path(
        "enterprises/<int:enterprise_id>/download/<slug:kind>.csv",
        views.enterprise_download,
        name="enterprise_download",
    ),
    path(
        "enterprises/<int:enterprise_id>/whatif/",
        views.enterprise_whatif,
        name="enterprise_whatif",
    ),
    path(
        "enterprises/<int:enterprise_id>/consents/",
        views.consent_change,
        name="consent_change",
    ),
]
