"""URL patterns of the energy app, mounted at the site root by ``web.urls``."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.energy import factor_views, views

urlpatterns = [
    path("energy/uploads/", views.upload_page, name="energy-uploads"),
    path("energy/uploads/<int:upload_id>/", views.upload_detail, name="energy-upload"),
    path(
        "energy/uploads/<int:upload_id>/quarantine.csv",
        views.quarantine_download,
        name="energy-quarantine",
    ),
    path("factors/<slug:set_id>/", factor_views.factor_set_page, name="factor_set"),
]
