"""Forms of the budget pages: a draft plan from a file, a draft line's figures, an
adjustment with its reason, a monitoring run, and a warning case's answer and closing."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from citycarbon.web.budgets.models import Measure
from citycarbon.web.forms import Choices, set_choices

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class PlanUploadForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    measure = forms.ChoiceField(label=_("Budget type"), choices=Measure.choices)
    name = forms.CharField(label=_("Plan name"), max_length=200)
    file = forms.FileField(label=_("Budget file (CSV or Excel)"))


FIGURE_ERRORS = {
    "invalid": _("Not a number."),
    "min_value": _("Must not be negative."),
    "required": _("This figure is required."),
}
"""What a budget figure's field says when it is refused (the field's label goes before)."""


def errors_text(form: forms.Form) -> str:
    """A refused form's errors as one line, each after its field's label."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}：{text}" if label else text)
    return "；".join(parts)


class LineFiguresForm(forms.Form):
    """A line's figures; empty intensity or energy: none set."""

    line_id = forms.ChoiceField(label=_("Budget line"))
    budget_tco2 = forms.FloatField(
        label=_("Budget, tCO2"), min_value=0, error_messages=FIGURE_ERRORS
    )
    budget_intensity_tco2_per_10k_yuan = forms.FloatField(
        label=_("Intensity budget, tCO2 per 10k yuan"),
        min_value=0,
        required=False,
        error_messages=FIGURE_ERRORS,
    )
    budget_energy_tce = forms.FloatField(
        label=_("Energy-use budget, tce"),
        min_value=0,
        required=False,
        error_messages=FIGURE_ERRORS,
    )

    def __init__(self, *args: Any, lines: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "line_id", lines)


class AllocateForm(forms.Form):
    """Share a draft line's budget among its children by their emissions of the year
    before (allocation by history)."""

    parent_id = forms.ChoiceField(label=_("Line to allocate"))

    def __init__(self, *args: Any, lines: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "parent_id", lines)


class AdjustForm(LineFiguresForm):
    reason = forms.CharField(
        label=_("Reason for the adjustment"), widget=forms.Textarea, max_length=4000
    )


class MonitorForm(forms.Form):
    as_of = forms.CharField(label=_("As of month (YYYY-MM)"), max_length=7)
    yellow = forms.FloatField(
        label=_("Yellow at (projected year ÷ annual budget)"),
        initial=0.9,
        min_value=0.01,
        max_value=10,
    )
    red = forms.FloatField(
        label=_("Red above (projected year ÷ annual budget)"),
        initial=1.0,
        min_value=0.01,
        max_value=10,
    )
    projection = forms.ChoiceField(
        label=_("Projection of the year"),
        choices=(
            ("linear", _("actual to date × 12 ÷ months elapsed")),
            ("profile", _("by last year's monthly profile")),
        ),
    )

    def clean_as_of(self) -> str:
        value = str(self.cleaned_data["as_of"]).strip()
        if not MONTH.match(value):
            raise forms.ValidationError(_("Enter a month as YYYY-MM."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("yellow") is not None
            and data.get("red") is not None
            and data["yellow"] >= data["red"]
        ):
            raise forms.ValidationError(_("The yellow band must be below the red band."))
        return data


class AnswerForm(forms.Form):
    explanation = forms.CharField(label=_("Explanation"), widget=forms.Textarea, max_length=4000)
    measures = forms.CharField(
        label=_("Measures taken or planned"), widget=forms.Textarea, max_length=4000, required=False
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Closing note"), widget=forms.Textarea, max_length=4000, required=False
    )
