"""URL patterns of the energy-use space ledger, mounted at the site root by ``web.urls``."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.energyspace import views

urlpatterns = [
    path("energy-space/", views.overview_page, name="energyspace"),
    path("energy-space/<int:district_id>/", views.district_page, name="energyspace-district"),
    path(
        "energy-space/<int:district_id>/source/",
        views.record_source,
        name="energyspace-source",
    ),
    path("energy-space/<int:district_id>/use/", views.use_space, name="energyspace-use"),
    path(
        "energy-space/<int:district_id>/reverse/", views.reverse_entry, name="energyspace-reverse"
    ),
    path("energy-space/<int:district_id>/target/", views.set_target, name="energyspace-target"),
]
