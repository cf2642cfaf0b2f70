"""GB/T 4754 industry names on pages, in the page's language (``code 名称``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from django.utils.translation import get_language

from citycarbon import data
from citycarbon.web.regions.models import Industry


def page_language() -> Literal["zh", "en"]:
    """``en`` on English pages, ``zh`` otherwise (the default ``zh-hans``)."""
    return "en" if (get_language() or "").startswith("en") else "zh"


def industry_name(code: str | None, known: str | None = None) -> str:
    """The name of ``code`` in the page language: ``known`` (a name the database holds, in
    Chinese) on Chinese pages, the shipped English name of the exact code on English pages,
    and otherwise the shipped name falling back class → group → division → section."""
    if not code:
        return known or ""
    language = page_language()
    if language == "zh" and known:
        return known
    exact = data.industry_names(language).get(code.strip().upper())
    return exact or known or data.industry_name(code, language) or ""


def industry_label(value: Industry | str | None, known: str | None = None) -> str:
    """``code 名称`` of an ``Industry`` row (its own names first) or of a code."""
    if isinstance(value, Industry):
        own = value.name_en if page_language() == "en" else value.name_zh
        name = own or industry_name(value.code, value.name_zh)
        return f"{value.code} {name}".strip()
    if not value:
        return ""
    return f"{value} {industry_name(value, known)}".strip()


def division_choices(codes: Iterable[str]) -> list[tuple[str, str]]:
    """``(division, "code 名称")`` for the divisions of ``codes``, in code order: the choices
    of an industry filter."""
    divisions = sorted({c[:2] for c in codes if len(c) >= 2 and c[:2].isdigit()})
    return [(d, industry_label(d)) for d in divisions]
