"""``{{ amount|tce }}``: an exact Decimal of tce with thousands separators and no trailing
zeros (``Decimal("3250.5000")`` → ``3,250.5``), formatted as a Decimal, never through float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def tce(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    text = f"{amount:,.4f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
