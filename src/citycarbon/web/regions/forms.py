"""Form choices of the regions register: districts and GB/T 4754 divisions, named."""

from __future__ import annotations

from collections.abc import Iterable

from citycarbon.web.forms import MAX_TEXT, Choices, Label
from citycarbon.web.regions.models import District, Industry
from citycarbon.web.regions.names import division_choices, industry_label


def district_choices(districts: Iterable[District], *, blank: Label | None) -> Choices:
    """``(code, 名称)`` of ``districts``, after a blank choice labelled ``blank`` (None: none)."""
    head: Choices = [("", blank)] if blank is not None else []
    return [*head, *((d.code, d.name_zh) for d in districts)]


def industry_choices(blank: Label, asked: object = None) -> Choices:
    """The GB/T 4754 divisions the register holds, ``(code, "code 名称")`` in the page's
    language, after a blank choice; plus ``asked`` when it is a group or class code that
    some enterprise's industry starts with (a link may narrow to one)."""
    choices: Choices = [
        ("", blank),
        *division_choices(Industry.objects.values_list("code", flat=True)),
    ]
    if (
        isinstance(asked, str)
        and asked
        and asked not in dict(choices)
        and len(asked) <= MAX_TEXT
        and Industry.objects.filter(code__startswith=asked).exists()
    ):
        choices.append((asked, industry_label(asked)))
    return choices
