"""Job kinds, registered by the domain apps with ``@job("app.kind")`` at import time (their
``AppConfig.ready``); the kernel knows no domain and looks handlers up here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from citycarbon.web.audit.actions import Actor
    from citycarbon.web.jobs.models import Job

Handler = Callable[["Job"], None]


class JobFailedError(Exception):
    """Raised by a handler for a failure the user should read: the job ends failed with
    these reasons."""

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"{reason_zh} / {reason_en}")
        self.reason_zh = reason_zh
        self.reason_en = reason_en


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Handler
    on_failure: Handler | None = None
    """Called (in the failing job's transaction) after the job was marked failed, for the
    domain to mark its own rows."""


KINDS: dict[str, JobKind] = {}


def job(name: str, *, on_failure: Handler | None = None) -> Callable[[Handler], Handler]:
    """Register ``handler(job)`` as the job kind ``name``. The handler runs in the worker and
    writes in its own ``transaction.atomic``, so a failure leaves nothing half-written."""

    def register(handler: Handler) -> Handler:
        if name in KINDS and KINDS[name].run is not handler:
            msg = f"job kind {name!r} registered twice"
            raise RuntimeError(msg)
        KINDS[name] = JobKind(name, handler, on_failure)
        return handler

    return register


InputsChanged = Callable[[set[int], "Actor"], None]
INPUT_LISTENERS: list[InputsChanged] = []
"""Called by the data-in apps (``inputs_changed``) when a commit changed the inputs of
derived runs; the derived apps register here (``on_inputs_changed``)."""


def on_inputs_changed(listener: InputsChanged) -> InputsChanged:
    """Register ``listener(years, actor)``, told after an import changed those years."""
    if listener not in INPUT_LISTENERS:
        INPUT_LISTENERS.append(listener)
    return listener


def inputs_changed(years: set[int], *, actor: Actor) -> None:
    """Say that the current transaction changed the inputs of ``years``: the derived apps
    are told after it commits (nothing, if it rolls back)."""
    from django.db import transaction  # noqa: PLC0415

    if not years:
        return
    for listener in INPUT_LISTENERS:
        transaction.on_commit(partial(listener, set(years), actor))


ChangeListener = Callable[["Actor"], None]
CHANGE_LISTENERS: dict[str, list[ChangeListener]] = {}
"""Listeners per topic (``PUBLISHED``, ``READINGS``): a write that is no import of records
(publishing a grading run, ingesting meter readings) tells the derived apps it changed
their inputs."""

PUBLISHED = "published"
"""A grading run was published: its accounting run is now the one derived runs use."""
READINGS = "readings"
"""Electricity readings or the mapping of accounts to enterprises changed."""


def on_change(topic: str) -> Callable[[ChangeListener], ChangeListener]:
    """Register ``listener(actor)``, told after a commit that changed ``topic``."""

    def register(listener: ChangeListener) -> ChangeListener:
        listeners = CHANGE_LISTENERS.setdefault(topic, [])
        if listener not in listeners:
            listeners.append(listener)
        return listener

    return register


def changed(topic: str, *, actor: Actor) -> None:
    """Say that the current transaction changed ``topic``: its listeners are told after it
    commits (nothing, if it rolls back)."""
    from django.db import transaction  # noqa: PLC0415

    for listener in CHANGE_LISTENERS.get(topic, []):
        transaction.on_commit(partial(listener, actor))
