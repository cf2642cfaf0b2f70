"""URL configuration: pages, the API under ``/api/v1/``, language switching and the admin."""

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
from citycarbon.web.audit import views as audit
from citycarbon.web.balance import views as balance
from citycarbon.web.electricity import views as electricity
from citycarbon.web.energy import views as energy
from citycarbon.web.enterprises import onboarding_views as onboarding
from citycarbon.web.enterprises import views as enterprises
from citycarbon.web.estimates import views as estimates
from citycarbon.web.grading import views as grading
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
    path("dashboard/", grading.dashboard_page, name="dashboard"),
    path("lists/<slug:kind>/", grading.list_page, name="list"),
    path("lists/<slug:kind>/export.<slug:fmt>", grading.list_export, name="list_export"),
    path("verify/<str:token>/", grading.verify_page, name="verify"),
    path("runs/", grading.runs_page, name="runs"),
    path("runs/<int:run_id>/", grading.run_page, name="run"),
    path("runs/<int:run_id>/publish/", grading.run_publish, name="run-publish"),
    path("enterprises/", enterprises.enterprise_list, name="enterprises"),
    path("enterprises/<int:enterprise_id>/", enterprises.enterprise_page, name="enterprise"),
    path(
        "enterprises/<int:enterprise_id>/records/",
        enterprises.enterprise_records_page,
        name="enterprise_records",
    ),
    path(
        "enterprises/<int:enterprise_id>/download/<slug:kind>.csv",
        enterprises.enterprise_download,
        name="enterprise_download",
    ),
    path(
        "enterprises/<int:enterprise_id>/whatif/",
        enterprises.enterprise_whatif,
        name="enterprise_whatif",
    ),
    path(
        "enterprises/<int:enterprise_id>/consents/",
        enterprises.consent_change,
        name="consent_change",
    ),
    path("energy/uploads/", energy.upload_page, name="energy-uploads"),
    path("energy/uploads/<int:upload_id>/", energy.upload_detail, name="energy-upload"),
    path(
        "energy/uploads/<int:upload_id>/quarantine.csv",
        energy.quarantine_download,
        name="energy-quarantine",
    ),
    path("onboarding/", onboarding.onboarding_page, name="onboarding"),
    path("onboarding/<int:upload_id>/", onboarding.onboarding_detail, name="onboarding-upload"),
    path(
        "onboarding/templates/<slug:kind>.csv",
        onboarding.onboarding_template,
        name="onboarding-template",
    ),
    path("onboarding/templates/205-1.xlsx", onboarding.blank_form_205, name="onboarding-form205"),
    path("audit/", audit.audit_log, name="audit"),
    path("estimates/", estimates.estimates_page, name="estimates"),
    path("balance/", balance.balance_page, name="balance"),
    path("balance/<int:year>.xlsx", balance.balance_download, name="balance_download"),
    path("electricity/accounts/", electricity.accounts_page, name="electricity_accounts"),
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
