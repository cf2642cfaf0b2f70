"""What every page's forms share: the filter form of a list page (GET), its page number,
the 400 answer for a filter that is not valid, and the choices of codes shown with their
names. Each app declares its own forms in its ``forms.py`` on these.

A filter form never falls back silently: a year without data, an industry that is no
GB/T 4754 division, a page past the last one answer 400 with the form's reasons (in the
page's language), not every row, nan or another year."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MAX_PAGE: Final = 1_000_000
MAX_TEXT: Final = 200
T = TypeVar("T")


class FilterForm(forms.Form):
    """A list page's filters (bound to ``request.GET``); every one optional, ``page`` from 1."""

    page = forms.IntegerField(label=_("Page"), min_value=1, max_value=MAX_PAGE, required=False)
    submit_label = _("Filter")

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.fields["page"].widget = forms.HiddenInput()

    def query(self, **changes: Any) -> str:
        """The valid filters as a query string without ``page`` (for the pager's links and
        the downloads), with ``changes`` applied; empty values left out."""
        values = {**self.cleaned_data, **changes}
        values.pop("page", None)
        return urlencode({k: _text(v) for k, v in values.items() if v not in (None, "")})

    def page_of(self, paginator: Paginator[T]) -> Page[T] | None:
        """The asked page, or None (with the reason on ``page``) past the last one."""
        number = self.cleaned_data.get("page") or 1
        if number > paginator.num_pages:
            self.add_error(
                "page",
                _("Page %(page)s does not exist: the list has %(pages)s pages.")
                % {"page": number, "pages": paginator.num_pages},
            )
            return None
        return paginator.page(number)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(getattr(value, "pk", value))


class PageForm(FilterForm):
    """A list whose only parameter is its page."""


def invalid_filters(request: HttpRequest, form: forms.Form) -> HttpResponse:
    """400: the page's filter form again, with its reasons, and a link to the page without
    filters."""
    return render(request, "400_filters.html", {"form": form}, status=400)


Label = str | Promise
Choices = list[tuple[Any, Label]]


def set_choices(form: forms.Form, name: str, choices: Choices) -> None:
    """Give the choice field ``name`` of ``form`` its choices (known only per request)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def year_choices(years: Sequence[int], blank: Label | None) -> Choices:
    """The years that have data, newest first, after a blank choice (None: none)."""
    head: Choices = [("", blank)] if blank is not None else []
    return [*head, *((y, str(y)) for y in sorted(set(years), reverse=True))]
