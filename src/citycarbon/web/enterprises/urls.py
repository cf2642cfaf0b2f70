"""URL patterns of the enterprises app, mounted at the site root by ``web.urls``."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.enterprises import onboarding_views as views

urlpatterns = [
    path("onboarding/", views.onboarding_page, name="onboarding"),
    path("onboarding/<int:upload_id>/", views.onboarding_detail, name="onboarding-upload"),
    path(
        "onboarding/templates/<slug:kind>.csv",
        views.onboarding_template,
        name="onboarding-template",
    ),
    path("onboarding/templates/205-1.xlsx", views.blank_form_205, name="onboarding-form205"),
]
