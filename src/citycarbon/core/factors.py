"""Named, immutable factor sets: the numbers an accounting run multiplies by.

A set binds one fuel-parameter vintage, one grid electricity factor and the heat factor to
the 205-1 energy catalogue. Its content hash covers every resolved number, so a result that
records the set id and hash can be reproduced. A released set whose shipped numbers change
no longer matches its recorded hash and refuses to load: a change makes a new set.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from citycarbon import data

DEFAULT_FACTOR_SET: Final = "cn-2023"

C_TO_CO2: Final = 44.0 / 12.0
"""Molar mass ratio CO2/C used by the combustion formula (GB/T 32150, NDRC guidelines)."""

MWH_PER_10K_KWH: Final = 10.0

ElectricityMethod = Literal["calorific", "coal_equivalent"]
"""当量值 (calorific equivalent, 0.1229 kgce/kWh) or 等价值 (coal-equivalent)."""


class FactorSetError(ValueError):
    """A factor set that does not exist, is inconsistent, or changed after release."""


@dataclass(frozen=True)
class FactorSet:
    """A resolved factor set.

    ``energy`` has one row per 205-1 energy code with the columns ``energy_code``,
    ``unit``, ``category``, ``renewable``, ``tce_per_unit``, ``scope1_tco2_per_unit``,
    ``scope2_tco2_per_unit`` and ``grid_tco2_per_unit`` (the CO2 avoided per unit of green or
    self-generated electricity, non-zero for electricity only).
    """

    set_id: str
    label: str
    description_en: str
    description_zh: str
    fuel_vintage: str
    electricity_factor_id: str
    grid_tco2_per_mwh: float
    heat_tco2_per_gj: float
    electricity_method: ElectricityMethod
    content_hash: str
    energy: pl.DataFrame

    @classmethod
    def from_label(cls, label: str, *, content_hash: str) -> FactorSet:
        """The set a result recorded by its label (``cn-2023+grid=0.55+heat=0.11``, as
        ``load_factor_set`` writes it) and content hash: loaded again and checked, so that a
        derived result never uses other numbers than the ones it names. Raises
        ``FactorSetError`` for an unknown set or numbers that no longer hash the same."""
        set_id, *parts = label.split("+")
        options = dict(p.split("=", 1) for p in parts if "=" in p)
        try:
            factors = load_factor_set(
                set_id,
                grid_tco2_per_mwh=float(options["grid"]) if "grid" in options else None,
                heat_tco2_per_gj=float(options["heat"]) if "heat" in options else None,
                electricity_method=(
                    "coal_equivalent" if options.get("elec") == "coal_equivalent" else "calorific"
                ),
            )
        except ValueError as exc:
            msg = f"factor set label {label!r} does not load: {exc}"
            raise FactorSetError(msg) from exc
        if factors.label != label or factors.content_hash != content_hash:
            msg = (
                f"factor set {label!r} now hashes to {factors.content_hash[:12]}…, not the "
                f"recorded {content_hash[:12]}…"
            )
            raise FactorSetError(msg)
        return factors


def _param(name: str) -> float:
    row = data.parameters().filter(pl.col("parameter") == name)
    if row.height != 1:
        msg = f"parameter {name!r} missing from parameters.csv"
        raise FactorSetError(msg)
    return float(row["value"][0])


def _resolve_energy(
    fuel_vintage: str,
    grid_tco2_per_mwh: float,
    heat_tco2_per_gj: float,
    electricity_method: ElectricityMethod,
) -> pl.DataFrame:
    catalogue = data.energy_catalogue()
    fuels = data.fuel_parameters().filter(pl.col("vintage") == fuel_vintage)
    if fuels.is_empty():
        msg = f"fuel parameter vintage {fuel_vintage!r} has no rows"
        raise FactorSetError(msg)
    combustion = fuels.select(
        "energy_code",
        (
            pl.col("ncv_gj_per_unit")
            * pl.col("carbon_content_tc_per_gj")
            * pl.col("oxidation_rate")
            * C_TO_CO2
        ).alias("combustion_tco2_per_unit"),
    )
    merged = catalogue.join(combustion, on="energy_code", how="left")
    missing = merged.filter(
        (pl.col("carbon_method") == "combustion") & pl.col("combustion_tco2_per_unit").is_null()
    )
    if not missing.is_empty():
        codes = ", ".join(missing["energy_code"].to_list())
        msg = f"vintage {fuel_vintage!r} lacks combustion parameters for codes {codes}"
        raise FactorSetError(msg)

    electricity_tce = _param(
        "electricity_tce_per_10k_kwh_calorific"
        if electricity_method == "calorific"
        else "electricity_tce_per_10k_kwh_coal_equivalent"
    )
    per_tce = _param("other_fuel_tco2_per_tce")
    grid_per_unit = grid_tco2_per_mwh * MWH_PER_10K_KWH
    method = pl.col("carbon_method")
    return merged.select(
        "energy_code",
        "unit",
        "category",
        "renewable",
        pl.when(method == "electricity")
        .then(pl.lit(electricity_tce))
        .otherwise(pl.col("tce_per_unit"))
        .alias("tce_per_unit"),
        pl.when(method == "combustion")
        .then(pl.col("combustion_tco2_per_unit"))
        .when(method == "per_tce")
        .then(pl.col("tce_per_unit") * per_tce)
        .otherwise(0.0)
        .alias("scope1_tco2_per_unit"),
        pl.when(method == "electricity")
        .then(pl.lit(grid_per_unit))
        .when(method == "heat")
        .then(pl.lit(heat_tco2_per_gj))
        .otherwise(0.0)
        .alias("scope2_tco2_per_unit"),
        pl.when(method == "electricity")
        .then(pl.lit(grid_per_unit))
        .otherwise(0.0)
        .alias("grid_tco2_per_unit"),
    ).sort("energy_code")


def content_hash(energy: pl.DataFrame, grid: float, heat: float) -> str:
    """SHA-256 over every resolved number of a set, in a fixed text form."""
    h = hashlib.sha256()
    h.update(f"grid={grid!r};heat={heat!r}\n".encode())
    for row in energy.iter_rows():
        h.update(("|".join(repr(v) for v in row) + "\n").encode())
    return h.hexdigest()


def list_factor_sets() -> pl.DataFrame:
    """The shipped sets with their grid factor value, one row each."""
    grid = data.electricity_factors().select(
        pl.col("factor_id").alias("electricity_factor_id"), "tco2_per_mwh", "data_year"
    )
    return data.factor_set_definitions().join(grid, on="electricity_factor_id", how="left")


def load_factor_set(
    set_id: str = DEFAULT_FACTOR_SET,
    *,
    grid_tco2_per_mwh: float | None = None,
    heat_tco2_per_gj: float | None = None,
    electricity_method: ElectricityMethod = "calorific",
    verify_release: bool = True,
) -> FactorSet:
    """Resolve a named set, optionally overriding its grid or heat factor.

    Overrides and the coal-equivalent electricity method change the label (e.g.
    ``cn-2023+grid=0.5703``) and the content hash, never the named set itself.
    """
    defs = data.factor_set_definitions().filter(pl.col("set_id") == set_id)
    if defs.height != 1:
        known = ", ".join(data.factor_set_definitions()["set_id"].to_list())
        msg = f"unknown factor set {set_id!r} (known: {known})"
        raise FactorSetError(msg)
    d = defs.row(0, named=True)
    grid_rows = data.electricity_factors().filter(pl.col("factor_id") == d["electricity_factor_id"])
    if grid_rows.height != 1:
        msg = f"factor set {set_id!r} names unknown grid factor {d['electricity_factor_id']!r}"
        raise FactorSetError(msg)
    base_grid = float(grid_rows["tco2_per_mwh"][0])
    base_heat = _param(d["heat_parameter"])

    base = _resolve_energy(d["fuel_vintage"], base_grid, base_heat, "calorific")
    if verify_release:
        actual = content_hash(base, base_grid, base_heat)
        recorded = d["content_sha256"]
        if recorded and recorded != actual:
            msg = (
                f"factor set {set_id!r} was released with hash {recorded[:12]}… but its shipped "
                f"numbers now hash to {actual[:12]}…; released sets are immutable, add a new set"
            )
            raise FactorSetError(msg)

    for name, value in (("grid", grid_tco2_per_mwh), ("heat", heat_tco2_per_gj)):
        if value is not None and not (value >= 0.0 and value < 100.0):
            msg = f"{name} factor override {value!r} is outside 0-100"
            raise FactorSetError(msg)

    grid = base_grid if grid_tco2_per_mwh is None else float(grid_tco2_per_mwh)
    heat = base_heat if heat_tco2_per_gj is None else float(heat_tco2_per_gj)
    label = set_id
    if grid_tco2_per_mwh is not None:
        label += f"+grid={grid:g}"
    if heat_tco2_per_gj is not None:
        label += f"+heat={heat:g}"
    if electricity_method != "calorific":
        label += "+elec=coal_equivalent"
    overridden = (grid, heat, electricity_method) != (base_grid, base_heat, "calorific")
    energy = (
        _resolve_energy(d["fuel_vintage"], grid, heat, electricity_method) if overridden else base
    )
    return FactorSet(
        set_id=set_id,
        label=label,
        description_en=d["description_en"],
        description_zh=d["description_zh"],
        fuel_vintage=d["fuel_vintage"],
        electricity_factor_id=d["electricity_factor_id"],
        grid_tco2_per_mwh=grid,
        heat_tco2_per_gj=heat,
        electricity_method=electricity_method,
        content_hash=content_hash(energy, grid, heat),
        energy=energy,
    )
