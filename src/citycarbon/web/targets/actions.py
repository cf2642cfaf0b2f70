"""Writes of the targets app: importing targets into the registry, recording observed
values (append-only), taking the accounted values from the published run, and saving a
scenario of the path to the peak (each save a new version). Each writes its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Max

from citycarbon.web.audit.actions import Actor, record, snapshot
from citycarbon.web.regions.models import District
from citycarbon.web.targets.models import (
    Scenario,
    Target,
    TargetValue,
    ValueSource,
    ValueWithdrawal,
)
from citycarbon.web.targets.selectors import CO2_PER_IVA, accounted_intensity

REGISTRY_FIELDS = (
    "city",
    "subject_type",
    "subject_name",
    "indicator",
    "indicator_name",
    "unit",
    "base_year",
    "target_year",
    "value",
    "comparison",
    "basic_value",
    "incentive_value",
    "source_doc",
    "source_title",
    "quote",
    "confidence",
)


def _fields(row: dict[str, Any], districts: dict[str, District]) -> dict[str, Any]:
    fields = {
        "city": row.get("city") or "",
        "subject_type": row["subject_type"],
        "subject_name": row["subject_name"],
        "indicator": row["indicator"],
        "indicator_name": row.get("indicator_zh") or row["indicator"],
        "unit": row.get("unit") or "",
        "base_year": row.get("base_year"),
        "target_year": row["target_year"],
        "value": row["value"],
        "comparison": row["comparison"],
        "basic_value": row.get("basic_value"),
        "incentive_value": row.get("incentive_value"),
        "source_doc": row.get("source_doc") or "",
        "source_title": row.get("source_title") or "",
        "quote": row.get("quote") or "",
        "confidence": row.get("confidence") or "I",
    }
    key = row.get("subject_key") or ""
    fields["district"] = districts.get(key) if row["subject_type"] == "district" else None
    return fields


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def do_import_targets(frame: pl.DataFrame, *, actor: Actor) -> Imported:
    """Add or update the targets of ``frame`` (the columns of ``data/targets/seed_targets.csv``,
    typed as ``data.targets.seed_targets`` gives them), keyed by ``target_id``. A district
    target names its district by ``subject_key`` (GB/T 2260); one the platform does not know
    is kept by name only."""
    districts = {d.code: d for d in District.objects.all()}
    existing = {t.code: t for t in Target.objects.filter(code__in=frame["target_id"].to_list())}
    created = updated = unchanged = 0
    for row in frame.iter_rows(named=True):
        fields = _fields(row, districts)
        target = existing.get(row["target_id"])
        if target is None:
            target = Target.objects.create(code=row["target_id"], **fields)
            record(actor, "targets.create", "targets.Target", target.pk, after=snapshot(target))
            created += 1
            continue
        before = snapshot(target)
        for name, value in fields.items():
            setattr(target, name, value)
        after = snapshot(target)
        if after == before:
            unchanged += 1
            continue
        target.save()
        record(actor, "targets.update", "targets.Target", target.pk, before=before, after=after)
        updated += 1
    return Imported(created, updated, unchanged)


def first_year(target: Target, *, absolute: bool) -> int | None:
    """The first year an observation of ``target`` may cover: an absolute value from the
    base year (the value compounding starts from), a change from the year after it (a
    change of year Y runs from the end of Y − 1); None for a level target."""
    if target.base_year is None:
        return None
    return target.base_year if absolute else target.base_year + 1


def outside_years(target: Target, year_from: int, year_to: int, *, absolute: bool) -> str:
    """Why an observation over ``year_from``…``year_to`` falls outside ``target``'s years
    (before its base year, after its target year), or ""."""
    first = first_year(target, absolute=absolute)
    if first is not None and year_from < first:
        return (
            f"the observation starts in {year_from}, before {first} (base year {target.base_year})"
        )
    if year_to > target.target_year:
        return f"the observation ends in {year_to}, after the target year {target.target_year}"
    return ""


@transaction.atomic
def do_record_value(
    target: Target,
    *,
    year_from: int,
    year_to: int,
    change_pct: float | None = None,
    value: float | None = None,
    source: str = ValueSource.IMPORT,
    provenance: str = "",
    actor: Actor,
) -> TargetValue:
    """Append one observation of ``target``: a change in percent over ``year_from``…
    ``year_to``, or an absolute ``value`` above zero in ``year_to`` (exactly one of the two),
    inside the target's years (``outside_years``). To correct one, record the same years
    again (the newer supersedes) or withdraw it (``do_withdraw_value``)."""
    if (change_pct is None) == (value is None):
        msg = "give exactly one of change_pct and value"
        raise ValueError(msg)
    if year_from > year_to or (value is not None and year_from != year_to):
        msg = "a span runs forward; an absolute value has one year"
        raise ValueError(msg)
    if change_pct is not None and change_pct <= -100:
        msg = "a change must be above -100 %"
        raise ValueError(msg)
    if value is not None and not value > 0:
        msg = "an absolute value must be above 0"
        raise ValueError(msg)
    outside = outside_years(target, year_from, year_to, absolute=value is not None)
    if outside:
        raise ValueError(outside)
    row = TargetValue.objects.create(
        target=target,
        year_from=year_from,
        year_to=year_to,
        change_pct=change_pct,
        value=value,
        source=source,
        provenance=provenance[:200],
        actor_label=actor.label[:150],
    )
    record(actor, "targets.record_value", "targets.TargetValue", row.pk, after=snapshot(row))
    return row


@transaction.atomic
def do_withdraw_value(value: TargetValue, *, reason: str, actor: Actor) -> ValueWithdrawal:
    """Withdraw ``value`` as recorded in error, giving the reason (required). The observation
    itself stays, marked withdrawn; it no longer counts (the newest observation of the same
    years that is not withdrawn counts instead). Withdrawing twice is refused."""
    reason = reason.strip()
    if not reason:
        msg = "give the reason for withdrawing"
        raise ValueError(msg)
    if ValueWithdrawal.objects.filter(value=value).exists():
        msg = "this observation is withdrawn already"
        raise ValueError(msg)
    row = ValueWithdrawal.objects.create(
        value=value, reason=reason[:200], actor_label=actor.label[:150]
    )
    record(
        actor,
        "targets.withdraw_value",
        "targets.TargetValue",
        value.pk,
        before=snapshot(value),
        after={"withdrawn": True, "reason": row.reason},
    )
    return row


@transaction.atomic
def do_record_accounted_values(*, actor: Actor) -> int:
    """For each district target of tCO2 per 万元 industrial value added (``co2_per_iva``) on a
    platform district, append the latest published run's intensity of that district for
    every year from the base year on that it does not hold already from this run. Returns
    the observations added."""
    run_id, frame = accounted_intensity()
    if run_id is None or frame.is_empty():
        return 0
    provenance = f"grading-run:{run_id}"
    by_district: dict[str, dict[int, float]] = {}
    for code, year, intensity in frame.iter_rows():
        by_district.setdefault(code, {})[year] = intensity
    targets = Target.objects.filter(indicator=CO2_PER_IVA, district__isnull=False).select_related(
        "district"
    )
    added = 0
    for target in targets:
        if target.district is None:
            continue
        held = set(
            TargetValue.objects.filter(target=target, provenance=provenance).values_list(
                "year_to", flat=True
            )
        )
        first = target.base_year or target.target_year
        for year, intensity in sorted(by_district.get(target.district.code, {}).items()):
            if year < first or year > target.target_year or year in held:
                continue
            do_record_value(
                target,
                year_from=year,
                year_to=year,
                value=intensity,
                source=ValueSource.ACCOUNTED,
                provenance=provenance,
                actor=actor,
            )
            added += 1
    return added


@transaction.atomic
def do_save_scenario(
    name: str, *, end_year: int, base_year: int, parameters: dict[str, Any], actor: Actor
) -> Scenario:
    """Save ``parameters`` as the next version of the scenario ``name``."""
    last = Scenario.objects.filter(name=name).aggregate(m=Max("version"))["m"] or 0
    scenario = Scenario.objects.create(
        name=name,
        version=last + 1,
        base_year=base_year,
        end_year=end_year,
        parameters=parameters,
        actor_label=actor.label[:150],
    )
    after = {
        "name": name,
        "version": scenario.version,
        "base_year": base_year,
        "end_year": end_year,
        "parameters": parameters,
    }
    record(actor, "targets.save_scenario", "targets.Scenario", scenario.pk, after=after)
    return scenario
