"""URL configuration: the admin for operators; pages and the API join as they are built."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
