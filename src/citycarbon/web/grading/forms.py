"""Forms of the grading pages: the filters of the dashboard and of the benchmark lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from citycarbon.web.forms import (
    FilterForm,
    set_choices,
    year_choices,
)
from citycarbon.web.regions.forms import district_choices, industry_choices
from citycarbon.web.regions.models import District


class PublishedFilters(FilterForm):
    """The published run's year (empty: its latest), district and GB/T 4754 division. A
    district official's district is fixed: the field shows it and ignores what is sent."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, empty_value=None, required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    submit_label = _("Apply")

    def __init__(
        self,
        data: Any,
        *,
        years: Sequence[int],
        districts: QuerySet[District],
        own_district: str | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        set_choices(self, "year", year_choices(years, blank=None))
        self.years = tuple(years)
        if own_district is not None:
            set_choices(self, "district", district_choices(districts, blank=None))
            self.fields["district"].initial = own_district
            self.fields["district"].disabled = True
        else:
            set_choices(self, "district", district_choices(districts, blank=_("All districts")))
        asked = data.get("industry") if data is not None else None
        set_choices(self, "industry", industry_choices(_("All industries"), asked))

    def clean_year(self) -> int | None:
        year: int | None = self.cleaned_data.get("year")
        return year if year is not None else (self.years[-1] if self.years else None)
