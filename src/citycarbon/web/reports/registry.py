"""Report kinds, registered by the domain apps from their ``AppConfig.ready``; the kernel knows
no domain and looks kinds up here.

A kind says what its report is about and who may read it; the kernel parses the request
with the kind's form, asks the kind whether the principal may read it (the kind answers with
the access policy), builds the document and renders it once as an HTML page and once as a
PDF, both from the same ``Document``: a title, a subject, a period and sections of facts,
tables and notes, already translated and formatted (``citycarbon.web.formatting``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import translation
from django.utils.functional import Promise

Section = dict[str, Any]
"""One part of a document: ``facts`` (label, value rows), ``table`` (columns, rows, which
columns are numbers) or ``note`` (a paragraph); see ``facts``, ``table``, ``note``."""


def facts(heading: str, rows: list[tuple[str, str]]) -> Section:
    return {"type": "facts", "heading": heading, "rows": [[str(a), str(b)] for a, b in rows]}


def table(
    heading: str, columns: list[str], rows: list[list[str]], *, numeric: tuple[int, ...] = ()
) -> Section:
    """``numeric``: the indexes of the columns aligned right (figures)."""
    return {
        "type": "table",
        "heading": heading,
        "columns": [str(c) for c in columns],
        "rows": [[str(v) for v in row] for row in rows],
        "numeric": [i in numeric for i in range(len(columns))],
    }


def note(text: str) -> Section:
    return {"type": "note", "heading": "", "text": str(text)}


@dataclass(frozen=True)
class Document:
    """What a report says, in the language it was built in."""

    title: str
    subject: str
    """The machine key of what it is about (an entity id, a district code, ``city``)."""
    subject_label: str
    """What it is about, for a reader (a name with its USCC, a district's name)."""
    period: str
    """``YYYY`` or ``YYYY-MM``."""
    sections: list[Section] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "subject": self.subject,
            "subject_label": self.subject_label,
            "period": self.period,
            "sections": self.sections,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Document:
        return cls(
            title=value["title"],
            subject=value["subject"],
            subject_label=value["subject_label"],
            period=value["period"],
            sections=list(value["sections"]),
        )


class ReportInputError(ValueError):
    """The report cannot be made from this input (bad parameters, no such data), in Chinese
    and English."""

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"{reason_zh} / {reason_en}")
        self.reason_zh = reason_zh
        self.reason_en = reason_en

    def __str__(self) -> str:
        return (
            self.reason_zh
            if (translation.get_language() or "").startswith("zh")
            else (self.reason_en)
        )


@dataclass(frozen=True)
class ReportKind:
    """A report a domain offers. ``form`` parses its parameters (query string, CLI options);
    ``may_read(principal, params)`` says whether a principal may read it (the domain asks the
    access policy); ``build(params)`` makes the document (raises ``ReportInputError`` when
    there is nothing to report). ``defaults(principal, data)``, when given, fills in what a
    principal left blank before the form reads it (a district officer's own district)."""

    name: str
    title: Promise
    form: type[forms.Form]
    may_read: Callable[[Any, Mapping[str, Any]], bool]
    build: Callable[[Mapping[str, Any]], Document]
    description: Promise | str = ""
    defaults: Callable[[Any, Mapping[str, Any]], Mapping[str, Any]] | None = None

    def filled(self, principal: Any, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """``data`` with the kind's ``defaults`` for ``principal`` applied."""
        return self.defaults(principal, data) if self.defaults is not None else data


KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    if kind.name in KINDS and KINDS[kind.name] is not kind:
        msg = f"report kind {kind.name!r} registered twice"
        raise RuntimeError(msg)
    KINDS[kind.name] = kind
    return kind


def kind_of(name: str) -> ReportKind | None:
    return KINDS.get(name)


def _errors(form: forms.Form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label or ''} {' '.join(str(e) for e in errors)}".strip())
    return "; ".join(parts)


def parse(kind: ReportKind, data: Mapping[str, Any]) -> dict[str, Any]:
    """The kind's parameters from ``data`` (strings), cleaned by its form; invalid →
    ``ReportInputError`` with the form's messages in Chinese and in English."""
    form = kind.form(data)
    if form.is_valid():
        return dict(form.cleaned_data)
    with translation.override("zh-hans"):
        zh = _errors(form)
    with translation.override("en"):
        en = _errors(form)
    raise ReportInputError(zh, en)


def raw_params(kind: ReportKind, data: Mapping[str, Any]) -> dict[str, str]:
    """The kind's parameters as given (strings, only the form's fields, empty ones left
    out): what an issued report keeps to be parsed again."""
    return {name: str(data[name]) for name in kind.form.base_fields if data.get(name)}
