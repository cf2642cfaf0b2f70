"""URL configuration: pages, the API under ``/api/v1/`` and the admin for operators."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from citycarbon.web.api.v1 import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
