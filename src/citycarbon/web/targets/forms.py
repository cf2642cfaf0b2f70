"""Page forms of the targets app: importing a registry file, recording an observation, and
the scenario of the path to the peak."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from citycarbon.core.peak import LIMITS as PEAK_LIMITS
from citycarbon.core.peak import MAX_END_YEAR
from citycarbon.web.targets.actions import first_year
from citycarbon.web.targets.models import Target

MIN_YEAR, MAX_YEAR = 1990, 2100


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Targets file (CSV)"))


class ValueForm(forms.Form):
    """One observation: a change in percent over a year or a span, or an absolute value."""

    year_from = forms.IntegerField(label=_("From year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    year_to = forms.IntegerField(
        label=_("To year"), min_value=MIN_YEAR, max_value=MAX_YEAR, required=False
    )
    change_pct = forms.FloatField(
        label=_("Change (%)"), min_value=-99.999999, max_value=1e6, required=False
    )
    value = forms.FloatField(label=_("Value"), min_value=-1e12, max_value=1e12, required=False)
    provenance = forms.CharField(label=_("Source of the figure"), max_length=200, required=False)

    def __init__(self, *args: Any, target: Target | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target = target

    def _window(self, start: int, end: int, *, absolute: bool) -> None:
        """Refuse years outside the target's (before its base year, after its target year)."""
        if self.target is None:
            return
        first = first_year(self.target, absolute=absolute)
        if first is not None and start < first:
            self.add_error(
                "year_from",
                _("The target runs from %(base)s: an observation must start in %(first)s or later.")
                % {"base": self.target.base_year, "first": first},
            )
        if end > self.target.target_year:
            self.add_error(
                "year_to",
                _("The target year is %(year)s: an observation must not run past it.")
                % {"year": self.target.target_year},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        start, end = data.get("year_from"), data.get("year_to") or data.get("year_from")
        data["year_to"] = end
        if (data.get("change_pct") is None) == (data.get("value") is None):
            raise forms.ValidationError(_("Give either a change or a value, not both."))
        if start is not None and end is not None and start > end:
            self.add_error("year_to", _("The span must run forward."))
        if data.get("value") is not None and not data["value"] > 0:
            self.add_error("value", _("An absolute value must be above zero."))
        if data.get("value") is not None and start != end:
            self.add_error("year_to", _("An absolute value has one year."))
        if start is not None and end is not None:
            self._window(start, end, absolute=data.get("value") is not None)
        return data


class WithdrawForm(forms.Form):
    """Withdraw an observation recorded in error: the reason is kept with the audit."""

    reason = forms.CharField(label=_("Reason for withdrawing"), max_length=200)


def _bounded(name: str, label: Any, initial: float) -> forms.FloatField:
    low, high = PEAK_LIMITS[name]
    return forms.FloatField(label=label, min_value=low, max_value=high, initial=initial)


class ScenarioForm(forms.Form):
    """A scenario: its name, the end year, the city-wide settings and one set of levers
    applied to every industry (per-industry levers come through the API), each within the
    platform limits (``core.peak.LIMITS``); the end year after the base year (the latest
    accounted year) and no later than 2060."""

    name = forms.CharField(label=_("Scenario name"), max_length=64)
    end_year = forms.IntegerField(
        label=_("End year"), min_value=2000, max_value=MAX_END_YEAR, initial=2030
    )
    activity_growth_pct = _bounded("activity_growth_pct", _("Activity growth per year (%)"), 5.0)
    intensity_decline_pct = _bounded(
        "intensity_decline_pct", _("Energy intensity decline per year (%)"), 3.0
    )
    fuel_switch_pct = _bounded(
        "fuel_switch_pct",
        _("Fuel switched to electricity per year (share of base fuel use, %)"),
        2.0,
    )
    green_share_base_pct = _bounded(
        "green_share_base_pct", _("Green-power share in the base year (%)"), 10.0
    )
    green_share_target_pct = _bounded(
        "green_share_target_pct", _("Green-power share in the end year (%)"), 40.0
    )
    switch_ratio = _bounded("switch_ratio", _("tCO2 of electricity per tCO2 of fuel replaced"), 0.8)

    def __init__(self, *args: Any, base_year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_year = base_year

    def clean_end_year(self) -> int:
        year = int(self.cleaned_data["end_year"])
        if self.base_year is not None and year <= self.base_year:
            raise forms.ValidationError(
                _(
                    "The end year must come after the base year %(year)s "
                    "(the latest accounted year)."
                )
                % {"year": self.base_year}
            )
        return year

    def parameters(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "green_share_base_pct": d["green_share_base_pct"],
            "green_share_target_pct": d["green_share_target_pct"],
            "switch_ratio": d["switch_ratio"],
            "levers": [
                {
                    "industry_code": "*",
                    "activity_growth_pct": d["activity_growth_pct"],
                    "intensity_decline_pct": d["intensity_decline_pct"],
                    "fuel_switch_pct": d["fuel_switch_pct"],
                }
            ],
        }
