"""URL patterns of the electricity app, mounted at the site root by ``web.urls``."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.electricity import views

urlpatterns = [
    path("electricity/accounts/", views.accounts_page, name="electricity_accounts"),
]
