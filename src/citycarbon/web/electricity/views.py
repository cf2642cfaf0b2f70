"""Page: electricity accounts (户号) with what they hold, unmapped first, each with a form to
map it to an enterprise; for the city roles."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from citycarbon.web.access.pages import current, page
from citycarbon.web.audit.actions import Actor
from citycarbon.web.electricity import selectors
from citycarbon.web.electricity.actions import MappingError, do_map_account
from citycarbon.web.electricity.forms import AccountFilters, MapAccountForm
from citycarbon.web.forms import invalid_filters

PAGE_SIZE = 50


@page("electricity", "review")
@require_http_methods(["GET", "POST"])
def accounts_page(request: HttpRequest) -> HttpResponse:
    """GET: the accounts, unmapped first, with readings and month kWh. POST: map (or unmap)
    one account to the enterprise given by entity id or USCC."""
    principal = current(request)
    if request.method == "POST":
        mapping = MapAccountForm(request.POST)
        if not mapping.is_valid():
            for errors in mapping.errors.values():
                for error in errors:
                    messages.error(request, str(error))
        else:
            account_no = mapping.cleaned_data["account_no"]
            enterprise = mapping.cleaned_data["enterprise"]
            try:
                do_map_account(account_no, enterprise, actor=Actor.of(request.user))  # type: ignore[arg-type]
            except MappingError:
                messages.error(request, _("No electricity account %(no)s.") % {"no": account_no})
            else:
                messages.success(
                    request,
                    _("Account %(no)s mapped to %(name)s.")
                    % {"no": account_no, "name": enterprise.name}
                    if enterprise is not None
                    else _("Account %(no)s unmapped.") % {"no": account_no},
                )
        return redirect(f"{request.path}?{request.GET.urlencode()}")
    form = AccountFilters(request.GET)
    if not form.is_valid():
        return invalid_filters(request, form)
    qs = selectors.accounts(principal, form.cleaned_data["mapped"])
    page_obj = form.page_of(Paginator(qs, PAGE_SIZE))
    if page_obj is None:
        return invalid_filters(request, form)
    return render(
        request,
        "electricity/accounts.html",
        {
            "page_obj": page_obj,
            "form": form,
            "query": form.query(),
            "unmapped_count": selectors.accounts(principal, False).count(),
        },
    )
