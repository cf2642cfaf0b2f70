"""Two allocations of the same energy-use space at once (PostgreSQL): the district's row
lock lets exactly one of them through, and the balance stays at or above zero. A few rounds,
since a race shows only sometimes."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from citycarbon.web.audit.actions import Actor
from citycarbon.web.energyspace.actions import (
    SpaceRefusedError,
    allocate_to_project,
    do_record_source,
)
from citycarbon.web.energyspace.selectors import available_space
from citycarbon.web.regions.models import District

ACTOR = Actor.system("test")
ROUNDS = 4


def _race(code: str) -> list[str]:
    district = District.objects.create(code=code, name_zh="并发区")
    do_record_source(
        district,
        kind="closure",
        amount_tce=Decimal("100"),
        project_name="关停",
        evidence="文件",
        actor=ACTOR,
    )
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def allocate(name: str) -> None:
        try:
            start.wait(timeout=10)
            allocate_to_project(code, project_name=name, amount_tce=Decimal("60"), actor=ACTOR)
            outcomes.append("done")
        except SpaceRefusedError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_allocations_cannot_both_spend_the_balance() -> None:
    for i in range(ROUNDS):
        code = f"99001{i}"
        assert _race(code) == ["done", "refused"], i
        assert available_space(code) == Decimal("40")
