"""Writes: grading an accounting run and publishing its codes."""

from __future__ import annotations

import polars as pl
from django.db import transaction
from django.utils import timezone

from citycarbon.core.grading import (
    DEFAULT_MIN_PEERS,
    GRADE_COLUMNS,
    IndustryAverage,
    grade,
    grade_confidence,
    load_scheme,
)
from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.bulk import content_sha256, insert_frame
from citycarbon.web.energy import selectors as energy
from citycarbon.web.energy.models import AccountingRun
from citycarbon.web.enterprises import selectors as enterprises
from citycarbon.web.enterprises.models import Enterprise
from citycarbon.web.grading.models import CarbonCode, GradingRun, Ungraded
from citycarbon.web.jobs.models import Job
from citycarbon.web.jobs.registry import PUBLISHED, changed

CODE_COLUMNS = [
    *(c for c in GRADE_COLUMNS if c not in ("entity_id", "industry_code")),
    "industry_code_used",
    "total_tco2",
    "value_added_10k_yuan",
    "grade_confidence",
    "grade_low",
    "grade_high",
    "grade_may_flip",
]
"""Columns of ``CarbonCode`` filled from the grading result and its confidence."""


@transaction.atomic
def do_grade(
    accounting_run: AccountingRun,
    *,
    actor: Actor,
    average: IndustryAverage = "ratio",
    min_peers: int = DEFAULT_MIN_PEERS,
    confidence_samples: int = 200,
    job: Job | None = None,
) -> tuple[GradingRun, bool]:
    """Grade the run's emissions against the economics in the database; returns the grading
    run and whether it is new (the same inputs and options again → the existing run).
    ``job``: the background job running it (``grading.runs``), linked from the run."""
    econ = enterprises.economics()
    scheme = load_scheme()
    key = {
        "accounting_run": accounting_run,
        "economics_fingerprint": content_sha256(econ),
        "scheme": scheme.scheme_id,
        "industry_average": average,
        "min_peers": min_peers,
        "confidence_samples": confidence_samples,
    }
    existing = GradingRun.objects.filter(**key).first()
    if existing is not None:
        return existing, False
    result = grade(
        energy.emissions(accounting_run), econ, average=average, min_peers=min_peers, scheme=scheme
    )
    confidence = grade_confidence(
        result, samples=confidence_samples, average=average, scheme=scheme
    )
    run = GradingRun.objects.create(
        **key,
        graded=result.graded.height,
        ungraded=result.ungraded.height,
        actor_label=actor.label,
        job=job,
    )
    ids = dict(Enterprise.objects.values_list("entity_id", "pk"))
    enterprise_id = (
        pl.col("entity_id").replace_strict(ids, return_dtype=pl.Int64).alias("enterprise_id")
    )
    run_id = pl.lit(run.pk, pl.Int64).alias("run_id")
    codes = result.graded.join(confidence, on=["entity_id", "year"], how="left")
    insert_frame(CarbonCode, codes.select(run_id, enterprise_id, *CODE_COLUMNS))
    insert_frame(Ungraded, result.ungraded.select(run_id, enterprise_id, "year", "reason"))
    record(
        actor,
        "grading.grade",
        "GradingRun",
        run.pk,
        after={
            "accounting_run": accounting_run.pk,
            "economics_fingerprint": key["economics_fingerprint"],
            "scheme": scheme.scheme_id,
            "industry_average": average,
            "min_peers": min_peers,
            "graded": run.graded,
            "ungraded": run.ungraded,
            "job": job.pk if job is not None else None,
        },
    )
    return run, True


@transaction.atomic
def do_publish(run: GradingRun, *, actor: Actor) -> bool:
    """Publish a run's codes (they become what enterprises, banks and the public see).
    Returns False when the run was already published."""
    run = GradingRun.objects.select_for_update().get(pk=run.pk)
    if run.published_at is not None:
        return False
    run.published_at = timezone.now()
    run.published_by = actor.label
    run.save(update_fields=["published_at", "published_by"])
    record(
        actor,
        "grading.publish",
        "GradingRun",
        run.pk,
        before={"published_at": None},
        after={"published_at": run.published_at.isoformat(), "codes": run.graded},
    )
    changed(PUBLISHED, actor=actor)
    return True
