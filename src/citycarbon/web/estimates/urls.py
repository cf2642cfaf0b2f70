"""URL patterns of the estimates app, mounted at the site root by ``web.urls``."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.estimates import views

urlpatterns = [
    path("estimates/", views.estimates_page, name="estimates"),
]
