"""URL patterns of the balance app, mounted at the site root by ``web.urls``."""

from __future__ import annotations

from django.urls import path

from citycarbon.web.balance import views

urlpatterns = [
    path("balance/", views.balance_page, name="balance"),
    path("balance/<int:year>.xlsx", views.balance_download, name="balance_download"),
]
