"""``{{ code|industry_label }}`` → ``2614 有机化学原料制造`` (English names on English pages)."""

from __future__ import annotations

from django import template

from citycarbon.web.regions import names
from citycarbon.web.regions.models import Industry

register = template.Library()


@register.filter
def industry_label(value: Industry | str | None, known: str | None = None) -> str:
    return names.industry_label(value, known)
