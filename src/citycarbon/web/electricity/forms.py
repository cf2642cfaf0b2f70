"""Forms of the electricity accounts page: its filter and the mapping of an account."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from citycarbon.web.electricity.actions import find_enterprise
from citycarbon.web.forms import MAX_TEXT, FilterForm


class AccountFilters(FilterForm):
    """``mapped=true|false`` (as the API's ``/electricity/accounts`` takes it), or all."""

    mapped = forms.TypedChoiceField(
        label=_("Mapping"),
        choices=[("", _("All accounts")), ("false", _("Not mapped")), ("true", _("Mapped"))],
        coerce=lambda v: v == "true",
        empty_value=None,
        required=False,
    )


class MapAccountForm(forms.Form):
    """Map ``account_no`` to the enterprise of an entity id or USCC; empty unmaps it."""

    account_no = forms.CharField(max_length=MAX_TEXT)
    enterprise = forms.CharField(max_length=MAX_TEXT, required=False, strip=True)

    def clean_enterprise(self) -> Any:
        ref: str = self.cleaned_data["enterprise"]
        if not ref:
            return None
        found = find_enterprise(ref)
        if found is None:
            raise forms.ValidationError(
                _("No enterprise with entity id or USCC %(ref)s.") % {"ref": ref}
            )
        return found
