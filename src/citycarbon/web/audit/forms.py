"""Forms of the audit log: its filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from citycarbon.web.audit.labels import action_label, object_label
from citycarbon.web.forms import MAX_TEXT, Choices, FilterForm, set_choices


class AuditFilters(FilterForm):
    """Action and object type (of those recorded), part of the actor's name, and the first
    and last day (in the platform's time zone)."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    actor = forms.CharField(label=_("Actor"), max_length=MAX_TEXT, required=False, strip=True)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, data: Any, *, actions: Sequence[str], object_types: Sequence[str], **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        set_choices(
            self, "action", [("", _("Any action")), *((a, action_label(a)) for a in actions)]
        )
        objects: Choices = [("", _("Any object")), *((o, object_label(o)) for o in object_types)]
        set_choices(self, "object_type", objects)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The last day comes before the first."))
        return data
