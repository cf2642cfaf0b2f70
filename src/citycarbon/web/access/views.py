"""Log-in (throttled, the site's and the admin's), log-out and the home page that sends
each role where it works."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from citycarbon.web.access.actions import LOGIN_WINDOW
from citycarbon.web.access.backends import was_throttled
from citycarbon.web.access.selectors import principal_of_user
from citycarbon.web.registry import registry


def throttled_message() -> str:
    minutes = int(LOGIN_WINDOW.total_seconds() // 60)
    return _("Too many failed log-ins. Try again in %(minutes)d minutes.") % {"minutes": minutes}


class ThrottledFormMixin:
    """A log-in form whose error, when the throttle refused the attempt, says so."""

    request: HttpRequest | None

    def get_invalid_login_error(self) -> ValidationError:
        if self.request is not None and was_throttled(self.request):
            return ValidationError(throttled_message(), code="throttled")
        return super().get_invalid_login_error()  # type: ignore[misc,no-any-return]


class LoginForm(ThrottledFormMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledFormMixin, AdminAuthenticationForm):
    pass


def _throttled_status(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """429 with ``Retry-After``: the window's length, after which the counts that refused
    the attempt have lapsed whenever they began (the message names the same minutes)."""
    if was_throttled(request) and response.status_code == 200:
        response.status_code = 429
        response["Retry-After"] = str(int(LOGIN_WINDOW.total_seconds()))
    return response


class RateLimitedLoginView(LoginView):
    """Django's log-in behind the log-in throttle (``access.backends``): a refused attempt
    answers HTTP 429 with the reason."""

    template_name = "access/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _throttled_status(request, super().post(request, *args, **kwargs))


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The Django admin's log-in (its form is ``AdminLoginForm``, see ``access.admin``),
    answering 429 when the throttle refused the attempt."""
    return _throttled_status(request, admin.site.login(request, extra_context))


def home(request: HttpRequest) -> HttpResponse:
    """Regulators and district officers → dashboard; an enterprise user → its page; a bank
    officer → the enterprises that consent; the public → log-in."""
    principal = principal_of_user(request.user)
    if principal is None:
        if request.user.is_authenticated:
            return redirect("no_role")
        return HttpResponseRedirect(reverse("login"))
    role = registry().role(principal.role)
    if role is None or not role.home:
        return redirect("no_role")
    if role.home_argument:
        return HttpResponseRedirect(
            reverse(role.home, kwargs={role.home_argument: principal.subject_id})
        )
    return redirect(role.home)


def no_role(request: HttpRequest) -> HttpResponse:
    return render(request, "access/no_role.html", status=403)
