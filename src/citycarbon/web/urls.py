"""URL configuration: the platform's own pages, every registered app's patterns
(``AppSpec.urls``), the API under ``/api/v1/``, language switching and the admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from citycarbon.web.access import views as access
from citycarbon.web.api import errors
from citycarbon.web.api.v1 import api
from citycarbon.web.registry import registry
from citycarbon.web.timing import healthz


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return HttpResponsePermanentRedirect(static("citycarbon/favicon.ico"))


admin.site.site_header = _("citycarbon carbon platform · administration")
admin.site.site_title = _("citycarbon administration")
admin.site.index_title = _("Platform administration")

urlpatterns = [
    path("", access.home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
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
