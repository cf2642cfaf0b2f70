"""Forms of the enterprise pages: the list's filters and sort, the records' year, the
what-if changes and the consents an enterprise gives banks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from citycarbon.web.access.models import Bank
from citycarbon.web.enterprises.models import Consent, OnboardingKind
from citycarbon.web.forms import (
    MAX_TEXT,
    FilterForm,
    set_choices,
    year_choices,
)
from citycarbon.web.regions.forms import district_choices, industry_choices
from citycarbon.web.regions.models import District

SORTS: Final = {
    "": _("Entity id"),
    "emissions": _("Emissions, largest first"),
    "energy": _("Energy use, largest first"),
    "intensity": _("Carbon intensity, highest first"),
    "name": _("Name"),
}
"""The enterprise list's orders; ``emissions``, ``energy`` and ``intensity`` read the
published run's figures of the year shown."""
GRADES: Final = (1, 2, 3, 4, 5)


class EnterpriseFilters(FilterForm):
    """The enterprise list: search, district, GB/T 4754 division, year, key energy user,
    grade and order."""

    q = forms.CharField(label=_("Search"), max_length=MAX_TEXT, required=False, strip=True)
    district = forms.ChoiceField(label=_("District"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, empty_value=None, required=False)
    key_energy_user = forms.TypedChoiceField(
        label=_("key energy user"),
        choices=[
            ("", _("All enterprises")),
            ("true", _("Key energy users")),
            ("false", _("Not key energy users")),
        ],
        coerce=lambda v: v == "true",
        empty_value=None,
        required=False,
    )
    grade = forms.TypedChoiceField(
        label=_("Grade"),
        choices=[("", _("Any grade")), *((g, _("Grade %(g)s") % {"g": g}) for g in GRADES)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    sort = forms.ChoiceField(label=_("Order"), choices=list(SORTS.items()), required=False)

    def __init__(
        self, data: Any, *, districts: Iterable[District], years: Sequence[int], **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name, entity id or USCC")
        set_choices(self, "district", district_choices(districts, blank=_("All districts")))
        asked = data.get("industry") if data is not None else None
        set_choices(self, "industry", industry_choices(_("All industries"), asked))
        set_choices(self, "year", year_choices(years, _("Latest year")))


class RecordFilters(FilterForm):
    """An enterprise's energy records: the year of the periods."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, empty_value=None, required=False)

    def __init__(self, data: Any, *, years: Sequence[int], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        set_choices(self, "year", year_choices(years, _("All years")))


class WhatIfForm(forms.Form):
    """The what-if changes: quantities moved between energies, green electricity bought,
    cuts and growth; empty means no change. ``core.whatif.Changes.problems`` checks how
    they combine."""

    coal_to_electricity_tce = forms.FloatField(label=_("Coal → electricity, tce"), required=False)
    coal_to_gas_tce = forms.FloatField(label=_("Coal → gas, tce"), required=False)
    substitution_efficiency = forms.FloatField(label=_("Substitution efficiency"), required=False)
    green_electricity_mwh = forms.FloatField(
        label=_("Green electricity bought, MWh"), required=False
    )
    energy_cut_pct = forms.FloatField(label=_("Energy cut, %"), required=False)
    value_added_increase_pct = forms.FloatField(label=_("Value-added rise, %"), required=False)

    DEFAULTS: Final = {"substitution_efficiency": 1.0}

    def changes(self) -> dict[str, float]:
        """The cleaned values, an empty one as no change (1.0 for the efficiency)."""
        return {
            name: value if value is not None else self.DEFAULTS.get(name, 0.0)
            for name, value in self.cleaned_data.items()
        }

    def problems(self) -> list[str]:
        """``label: reason`` of each field that is not a number."""
        return [
            gettext("%(label)s: %(error)s") % {"label": self.fields[name].label, "error": error}
            for name, errors in self.errors.items()
            for error in errors
        ]


class ConsentForm(forms.Form):
    """Grant a bank consent (``grant`` with ``bank``) or revoke one (``revoke`` with
    ``consent``)."""

    bank = forms.ModelChoiceField(queryset=Bank.objects.all(), required=False)
    consent = forms.ModelChoiceField(queryset=Consent.objects.none(), required=False)
    grant = forms.BooleanField(required=False)
    revoke = forms.BooleanField(required=False)

    def __init__(self, data: Any, *, consents: QuerySet[Consent], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["consent"].queryset = consents  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("grant") and data.get("bank") is None:
            self.add_error("bank", _("Choose a bank."))
        if data.get("revoke") and data.get("consent") is None:
            self.add_error("consent", _("Choose a consent to revoke."))
        return data


class OnboardingForm(forms.Form):
    """What an onboarding file holds (the file is checked by ``onboarding_refusal``)."""

    kind = forms.ChoiceField(
        choices=OnboardingKind.choices,
        error_messages={
            "required": _("Choose what the file holds: districts, enterprises or economics."),
            "invalid_choice": _("Choose what the file holds: districts, enterprises or economics."),
        },
    )
