from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from hypothesis import settings

from citycarbon.core.factors import FactorSet, load_factor_set
from citycarbon.core.schemas import ENERGY_RECORDS

settings.register_profile("ci", deadline=None, max_examples=60, print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=30)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def factors() -> FactorSet:
    return load_factor_set("cn-2023")


def records(rows: list[tuple[str, str, str, float, str]]) -> pl.LazyFrame:
    """Energy records from ``(entity, period, code, quantity, purpose)`` tuples."""
    return (
        pl.DataFrame(rows, schema=list(ENERGY_RECORDS.names()), orient="row")
        .cast(dict(ENERGY_RECORDS))
        .lazy()
    )  # type: ignore[arg-type]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
