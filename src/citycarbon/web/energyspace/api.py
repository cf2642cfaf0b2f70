"""API: the energy-use space balance of each district, one district's entries with the
running balance, and appending an entry (a source, a use, or a reversal). Amounts are
decimal strings in tce (4 places), never floats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status
from ninja.errors import HttpError

from citycarbon.web.access.policy import allows, scoped
from citycarbon.web.api.common import Id, NoQuery, OutSchema, PrincipalAuth, Text, principal
from citycarbon.web.api.errors import ERROR_RESPONSES
from citycarbon.web.audit.actions import Actor
from citycarbon.web.energyspace import actions, selectors
from citycarbon.web.energyspace.models import (
    SOURCE_KINDS,
    TCE_DIGITS,
    TCE_PLACES,
    USE_KINDS,
    SpaceEntry,
)
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.regions.models import District
from citycarbon.web.registry import Action

router = Router(tags=["energy-use space"])

Tce = Annotated[Decimal, Field(gt=0, max_digits=TCE_DIGITS, decimal_places=TCE_PLACES)]


class BalanceOut(OutSchema):
    district_code: str
    """The district's GB/T 2260 code."""
    district_name: str
    """Its Chinese name."""
    freed_tce: Decimal
    """Net space freed: sources less their reversals (tce)."""
    assigned_tce: Decimal
    """Net space allocated or reserved for projects (tce)."""
    available_tce: Decimal
    """freed_tce − assigned_tce; never below zero."""
    target_tce: Decimal | None = None
    """The district's latest target for space to free, if any."""
    deadline: dt.date | None = None
    """The target's deadline."""


@router.get(
    "/energy-space/balances",
    auth=PrincipalAuth("energyspace"),
    response={200: list[BalanceOut], **ERROR_RESPONSES},
    summary="Energy-use space (腾出用能空间) per district: freed, assigned, available",
)
def list_balances(request: HttpRequest, query: Query[NoQuery]) -> list[dict[str, Any]]:
    rows = selectors.overview(selectors.visible_districts(principal(request)))
    return [
        {
            "district_code": r.district.code,
            "district_name": r.district.name_zh,
            "freed_tce": r.sources_tce,
            "assigned_tce": r.uses_tce,
            "available_tce": r.balance_tce,
            "target_tce": r.target.target_tce if r.target else None,
            "deadline": r.target.deadline if r.target else None,
        }
        for r in rows
    ]


class EntryOut(OutSchema):
    seq: int
    """The entry's number in its district's ledger, from 1."""
    kind: str
    """closure, retrofit, other_source (sources); allocation, reservation (uses); release,
    reversal (corrections)."""
    amount_tce: Decimal
    """Signed: a source adds, a use subtracts, a correction undoes ``reverses``."""
    balance_tce: Decimal
    """The district's balance after this entry."""
    project_name: str
    """What was closed or retrofitted, or the project the space goes to."""
    enterprise: str | None = None
    """The enterprise's entity id, when one is named."""
    evidence: str
    """The document that verifies it."""
    reason: str
    """Why (required for a reversal)."""
    effective_on: dt.date
    """When the space was freed or assigned."""
    reverses: int | None = None
    """The number of the entry a correction undoes."""
    chain_hash: str
    """SHA-256 chained over the district's entries (``core.ledger.entry_hash``)."""
    actor_label: str
    """Who recorded it."""
    at: dt.datetime
    """When it was recorded."""


def _out(entry: SpaceEntry, balance: Decimal) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "amount_tce": entry.amount_tce,
        "balance_tce": balance,
        "project_name": entry.project_name,
        "enterprise": entry.enterprise.entity_id if entry.enterprise else None,
        "evidence": entry.evidence,
        "reason": entry.reason,
        "effective_on": entry.effective_on,
        "reverses": entry.reverses.seq if entry.reverses else None,
        "chain_hash": entry.chain_hash,
        "actor_label": entry.actor_label,
        "at": entry.at,
    }


@router.get(
    "/energy-space/districts/{district_id}/entries",
    auth=PrincipalAuth("energyspace"),
    response={200: list[EntryOut], **ERROR_RESPONSES},
    summary="One district's energy-use space ledger with the running balance",
)
def list_entries(request: HttpRequest, district_id: Id, query: Query[NoQuery]) -> list[Any]:
    found = scoped(
        principal(request), "energyspace", District.objects.filter(pk=district_id), via=""
    ).first()
    if found is None:
        raise HttpError(404, "no such district / 无此区县")
    return [_out(r.entry, r.balance_tce) for r in selectors.ledger_rows(found)]


class EntryIn(OutSchema):
    district_code: Annotated[str, Field(min_length=6, max_length=6, pattern=r"^[^\x00]*$")]
    """The district's GB/T 2260 code."""
    kind: Annotated[str, Field(max_length=16, pattern=r"^[^\x00]*$")]
    """A source (closure, retrofit, other_source: needs submit), a use (allocation,
    reservation) or reversal (both need review)."""
    amount_tce: Tce | None = None
    """Positive, tce, up to 4 decimal places (a string keeps it exact); not for a reversal."""
    project_name: Text = ""
    evidence: Text = ""
    reason: Annotated[str, Field(max_length=1000, pattern=r"^[^\x00]*$")] = ""
    enterprise: Annotated[str, Field(max_length=64, pattern=r"^[^\x00]*$")] = ""
    """An enterprise of the district, by entity id."""
    effective_on: dt.date | None = None
    """Defaults to today (Asia/Shanghai)."""
    reverses: Id | None = None
    """For a reversal: the number of the entry to undo (a reservation's is its release)."""


@router.post(
    "/energy-space/entries",
    auth=PrincipalAuth("energyspace", "submit"),
    response={201: EntryOut, **ERROR_RESPONSES},
    summary="Append an entry: freed space, an allocation or reservation, or a reversal",
)
def add_entry(request: HttpRequest, body: EntryIn) -> Status[dict[str, Any]]:
    who = principal(request)
    action: Action = "submit" if body.kind in SOURCE_KINDS else "review"
    if not allows(who, "energyspace", action):
        raise HttpError(403, f"该角色无权审定用能空间 / your role may not {action} energyspace")
    district = scoped(
        who, "energyspace", District.objects.filter(code=body.district_code), via="", action=action
    ).first()
    if district is None:
        raise HttpError(404, "no such district / 无此区县")
    enterprise = None
    if body.enterprise:
        enterprise = Enterprise.objects.filter(district=district, entity_id=body.enterprise).first()
        if enterprise is None:
            raise HttpError(422, "no such enterprise in the district / 该区县无此企业")
    actor = Actor(label=who.label)
    try:
        if body.kind == "reversal":
            target = SpaceEntry.objects.filter(district=district, seq=body.reverses or 0).first()
            if target is None:
                raise HttpError(422, "no such entry to reverse / 无此记录")
            entry = actions.do_reverse(target, reason=body.reason, actor=actor)
        elif body.amount_tce is None:
            raise HttpError(422, "amount_tce is required / 须填写数量")
        elif body.kind in SOURCE_KINDS:
            entry = actions.do_record_source(
                district,
                kind=body.kind,
                amount_tce=body.amount_tce,
                project_name=body.project_name,
                evidence=body.evidence,
                effective_on=body.effective_on,
                enterprise=enterprise,
                reason=body.reason,
                actor=actor,
            )
        elif body.kind in USE_KINDS:
            entry = actions.do_use_space(
                district,
                kind=body.kind,
                project_name=body.project_name,
                amount_tce=body.amount_tce,
                effective_on=body.effective_on,
                enterprise=enterprise,
                evidence=body.evidence,
                reason=body.reason,
                actor=actor,
            )
        else:
            raise HttpError(422, f"unknown kind / 未知类型: {body.kind}")
    except actions.SpaceRefusedError as exc:
        raise HttpError(409, str(exc)) from exc
    return Status(201, _out(entry, selectors.available_space(district.code)))
