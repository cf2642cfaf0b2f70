"""URL patterns of the targets app, mounted at the site root by ``web.urls``."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.targets import views

urlpatterns = [
    path("targets/", views.registry_page, name="targets"),
    path("targets/import/", views.import_targets, name="targets-import"),
    path("targets/progress/", views.progress_page, name="targets-progress"),
    path("targets/accounted/", views.take_accounted, name="targets-accounted"),
    path("targets/assessment/", views.assessment_page, name="targets-assessment"),
    path(
        "targets/district/<int:district_id>/",
        views.district_page,
        name="targets-district",
    ),
    path("targets/<int:target_id>/", views.target_page, name="target"),
    path("targets/<int:target_id>/values/", views.record_value, name="target-values"),
    path(
        "targets/<int:target_id>/values/<int:value_id>/withdraw/",
        views.withdraw_value,
        name="target-value-withdraw",
    ),
    path("peak/", views.peak_page, name="peak"),
    path("peak/save/", views.save_scenario, name="peak-save"),
]
