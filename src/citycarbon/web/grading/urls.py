"""URL patterns of the grading app, mounted at the site root by ``web.urls``."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.grading import views

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("lists/<slug:kind>/", views.list_page, name="list"),
    path("lists/<slug:kind>/export.<slug:fmt>", views.list_export, name="list_export"),
    path("verify/<str:token>/", views.verify_page, name="verify"),
    path("runs/", views.runs_page, name="runs"),
    path("runs/<int:run_id>/", views.run_page, name="run"),
    path("runs/<int:run_id>/publish/", views.run_publish, name="run-publish"),
]
