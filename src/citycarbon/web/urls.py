"""URL configuration: the platform's own pages, every registered app's patterns
(``AppSpec.urls``), the API under ``/api/v1/``, language switching and the admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path

from citycarbon.web.access import views as access
from citycarbon.web.api import errors
from citycarbon.web.api.v1 import api
from citycarbon.web.registry import registry
from citycarbon.web.timing import healthz

urlpatterns = [
    path("", access.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("login/", access.RateLimitedLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("no-role/", access.no_role, name="no_role"),
    *(path(spec.url_prefix, include(spec.urls)) for spec in registry().specs if spec.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", access.admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

# JSON under /api/, Django's HTML error pages elsewhere.
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.not_found
handler500 = errors.server_error
