"""Log-in (rate limited), log-out and the home page that sends each role where it works."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from citycarbon.web.access.actions import do_note_login_failure
from citycarbon.web.access.models import Role
from citycarbon.web.access.selectors import (
    LOGIN_WINDOW,
    login_blocked,
    principal_of_user,
)


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


class RateLimitedLoginView(LoginView):
    """Django's log-in, refused (HTTP 429) after too many failures for a user name or from
    an address within the window; each failure is counted and audited."""

    template_name = "access/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        if login_blocked(username, client_address(request)):
            form = self.get_form()
            form.errors.clear()
            minutes = int(LOGIN_WINDOW.total_seconds() // 60)
            form.add_error(
                None,
                _("Too many failed log-ins. Try again in %(minutes)d minutes.")
                % {"minutes": minutes},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        do_note_login_failure(
            self.request.POST.get("username", ""),
            client_address(self.request),
            window_minutes=int(LOGIN_WINDOW.total_seconds() // 60),
        )
        return super().form_invalid(form)


def home(request: HttpRequest) -> HttpResponse:
    """Regulators and district officers → dashboard; an enterprise user → its page; a bank
    officer → the enterprises that consent; the public → log-in."""
    principal = principal_of_user(request.user)
    if principal is None:
        if request.user.is_authenticated:
            return redirect("no_role")
        return HttpResponseRedirect(reverse("login"))
    if principal.role == Role.ENTERPRISE:
        return redirect("enterprise", enterprise_id=principal.enterprise_id)
    if principal.role == Role.BANK:
        return redirect("enterprises")
    return redirect("dashboard")


def no_role(request: HttpRequest) -> HttpResponse:
    return render(request, "access/no_role.html", status=403)
