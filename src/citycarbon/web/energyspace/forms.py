"""Page forms of the energy-use space ledger: record freed space, allocate or reserve it
for a project, reverse an entry, set the district's target."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from citycarbon.web.energyspace.models import TCE_DIGITS, TCE_PLACES, EntryKind

SOURCE_CHOICES = [
    (k.value, k.label) for k in (EntryKind.CLOSURE, EntryKind.RETROFIT, EntryKind.OTHER_SOURCE)
]
USE_CHOICES = [(k.value, k.label) for k in (EntryKind.ALLOCATION, EntryKind.RESERVATION)]
MIN_TCE = Decimal(1).scaleb(-TCE_PLACES)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _amount(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=TCE_DIGITS, decimal_places=TCE_PLACES, min_value=MIN_TCE
    )


class SourceForm(forms.Form):
    """Space freed: what was closed or retrofitted, by how much, and the evidence."""

    kind = forms.ChoiceField(label=_("kind"), choices=SOURCE_CHOICES)
    amount_tce = _amount(_("amount (tce)"))
    project_name = forms.CharField(label=_("closed or retrofitted"), max_length=200)
    enterprise = forms.CharField(
        label=_("enterprise (entity id or USCC)"), max_length=64, required=False
    )
    evidence = forms.CharField(label=_("evidence"), max_length=300)
    effective_on = forms.DateField(label=_("effective date"), widget=DATE)
    reason = forms.CharField(label=_("note"), max_length=1000, required=False)


class UseForm(forms.Form):
    """Space assigned to a project: allocated, or reserved until the project is approved."""

    kind = forms.ChoiceField(label=_("kind"), choices=USE_CHOICES)
    amount_tce = _amount(_("amount (tce)"))
    project_name = forms.CharField(label=_("project"), max_length=200)
    enterprise = forms.CharField(
        label=_("enterprise (entity id or USCC)"), max_length=64, required=False
    )
    evidence = forms.CharField(label=_("evidence"), max_length=300, required=False)
    effective_on = forms.DateField(label=_("effective date"), widget=DATE)
    reason = forms.CharField(label=_("note"), max_length=1000, required=False)


class ReverseForm(forms.Form):
    entry = forms.IntegerField(label=_("entry number"), min_value=1)
    reason = forms.CharField(label=_("reason"), max_length=1000)


class TargetForm(forms.Form):
    target_tce = _amount(_("space to free (tce)"))
    start_on = forms.DateField(label=_("start date"), widget=DATE)
    deadline = forms.DateField(label=_("deadline"), widget=DATE)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_on"), data.get("deadline")
        if start is not None and end is not None and end <= start:
            self.add_error("deadline", _("The deadline comes after the start date."))
        return data
