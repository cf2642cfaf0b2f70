"""Template filters for figures and machine values on the pages, loaded with
``{% load formatting %}`` (registered as a template library in the settings).

- ``{{ share|percent }}``: a fraction as ``12.3 %`` (one decimal, thousands separators);
- ``{{ value|thousands:1 }}``: a number with thousands separators and fixed decimals;
- ``{{ tonnes|wan:"吨标准煤" }}``: on Chinese pages ``673.7 万吨标准煤`` from 6,737,489 (万 =
  10,000; below 10,000 ``5,321 吨标准煤``); on other pages ``6,737,489`` (the unit is in the
  label);
- ``{{ kwh|per:1000 }}``: divided (kWh → MWh) and shown with thousands separators;
- ``{{ purpose|purpose_label }}``: a 205-1 purpose code (``fuel``) as its name (燃料);
- ``{{ code|audit_action }}``: an audit action code as its name, or the code;
- ``{{ dict|pairs }}``: a dict as ``(key, value)`` pairs to list as "key: value";
  ``{{ dict|pairs:object_type }}`` names the keys by that model's field names;
- ``{{ type|audit_object }}``: an audit event's object type (a model) by its name;
- ``{{ code|energy_name }}``, ``{{ code|energy_unit }}``: a 205-1 energy code's name and unit;
- ``{{ largest_sources|sources }}``: ``33:914.3;21:49.3`` with the energy names;
- ``{{ level|industry_level }}``: ``class`` → 行业小类;
- ``{{ scope|scope_label }}``: ``division`` → 行业大类;
- ``{{ row|in_language:"reason" }}``: ``row["reason_zh"]`` on Chinese pages, else
  ``row["reason_en"]`` (texts that core and io write in both languages)."""

from __future__ import annotations

import math
from functools import cache
from typing import Any, Final

from django import template
from django.template.defaultfilters import floatformat
from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from citycarbon import data
from citycarbon.web.audit.labels import action_label, field_label, object_label

register = template.Library()

PURPOSES: Final[dict[str, Promise]] = {
    "fuel": _("Fuel"),
    "feedstock": _("Feedstock"),
    "green_purchase": _("Green power purchased"),
    "self_generated": _("Self-generated"),
    "non_industrial": _("Non-industrial use"),
}


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@register.filter
def thousands(value: Any, decimals: int = 0) -> str:
    """``1234567.891|thousands:1`` → ``1,234,567.9``; not a number: as it is."""
    number = _number(value)
    if number is None:
        return "" if value is None else str(value)
    return str(floatformat(number, f"{int(decimals)}g"))


@register.filter
def per(value: Any, divisor: int = 1000) -> str:
    """``1234567|per:1000`` → ``1,235`` (kWh as MWh); not a number: —."""
    number = _number(value)
    if number is None or not divisor:
        return "—"
    return str(floatformat(number / divisor, "0g"))


@register.filter
def percent(value: Any, decimals: int = 1) -> str:
    """A fraction as a percentage: ``0.1234`` → ``12.3 %``; None → ``—``."""
    number = _number(value)
    if number is None:
        return "—"
    return f"{floatformat(number * 100, f'{int(decimals)}g')} %"


@register.filter
def wan(value: Any, unit: str = "") -> str:
    """Large quantities in 万 on Chinese pages (``673.7 万吨标准煤``); elsewhere, and below
    10,000, plain thousands (``6,737,489``), each followed by ``unit`` when given."""
    number = _number(value)
    if number is None:
        return "—"
    if not _chinese():
        return str(floatformat(number, "0g"))
    if abs(number) >= 10_000:
        return f"{floatformat(number / 10_000, '1g')} 万{unit}"
    return f"{floatformat(number, '0g')} {unit}".strip()


@register.filter
def purpose_label(value: str) -> str:
    label = PURPOSES.get(str(value))
    return str(label) if label is not None else str(value)


@register.filter
def audit_action(value: str) -> str:
    return action_label(str(value))


@register.filter
def audit_object(value: str) -> str:
    return object_label(str(value))


def _readable(item: Any) -> str:
    if item is None:
        return "—"
    if isinstance(item, bool):
        return str(_("yes") if item else _("no"))
    if isinstance(item, list | tuple):
        return ", ".join(_readable(i) for i in item)
    if isinstance(item, dict):
        return ", ".join(f"{k}: {_readable(v)}" for k, v in item.items())
    return str(item)


@register.filter
def pairs(value: Any, object_type: str = "") -> list[tuple[str, str]]:
    """A dict's items with readable values (None → —, lists and dicts written out), keyed by
    the field names of the model ``object_type`` when given; anything else: one pair with an
    empty key."""
    if value in (None, "", {}):
        return []
    if not isinstance(value, dict):
        return [("", str(value))]
    name = (lambda key: field_label(object_type, key)) if object_type else str
    return [(name(str(key)), _readable(item)) for key, item in value.items()]


@cache
def _energy_items() -> dict[str, tuple[str, str, str, str]]:
    """205-1 code → (name_zh, name_en, unit_zh, unit), from the latest catalogue vintage."""
    rows = data.energy_catalogue().sort("year").iter_rows(named=True)
    return {r["energy_code"]: (r["name_zh"], r["name_en"], r["unit_zh"], r["unit"]) for r in rows}


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


@register.filter
def in_language(row: Any, field: str) -> str:
    """The page language's half of a text kept in both: ``{field}_zh`` or ``{field}_en``."""
    name = f"{field}_zh" if _chinese() else f"{field}_en"
    text = row.get(name) if isinstance(row, dict) else getattr(row, name, None)
    return "" if text is None else str(text)


@register.filter
def energy_name(code: str) -> str:
    """``21`` → ``柴油`` (``diesel`` on English pages); unknown: empty."""
    item = _energy_items().get(str(code))
    if item is None:
        return ""
    return item[0] if _chinese() else item[1]


@register.filter
def energy_unit(code: str) -> str:
    """``21`` → ``吨`` (``t`` on English pages); unknown: empty."""
    item = _energy_items().get(str(code))
    if item is None:
        return ""
    return item[2] if _chinese() else item[3]


@register.filter
def sources(value: str | None) -> str:
    """``largest_sources`` (``33:914.3;21:49.3``) as ``33 电力 914.3 t · 21 柴油 49.3 t``."""
    if not value:
        return "—"
    parts = []
    for item in str(value).split(";"):
        code, _colon, tco2 = item.partition(":")
        amount = thousands(tco2, 1) if _number(tco2) is not None else tco2
        parts.append(f"{code} {energy_name(code)} {amount} tCO2".replace("  ", " "))
    return " · ".join(parts)


LEVELS: Final[dict[str, Promise]] = {
    "class": pgettext_lazy("industry level", "class"),
    "group": pgettext_lazy("industry level", "group"),
    "division": pgettext_lazy("industry level", "division"),
}


@register.filter
def industry_level(value: str) -> str:
    """A GB/T 4754 level (``class``) as its name (行业小类)."""
    label = LEVELS.get(str(value))
    return str(label) if label is not None else str(value)


SCOPES: Final[dict[str, Promise]] = {
    "city": pgettext_lazy("scope", "city"),
    "district": pgettext_lazy("scope", "district"),
    "division": pgettext_lazy("scope", "industry division"),
    "enterprise": pgettext_lazy("scope", "enterprise"),
}


@register.filter
def scope_label(value: str) -> str:
    """A figure's scope (``city``, ``district``, ``division``, ``enterprise``) as its name."""
    label = SCOPES.get(str(value))
    return str(label) if label is not None else str(value)
