"""Construction-project carbon assessment (建设项目碳排放评价, 碳评): figures and verdict.

Methods (methods-cn §6.1, seeds-inventory E1, E3, E5, D5; docs/assessment.md):

- Energy and CO2 of the project's one-year energy plan come from the enterprise accounting
  engine (``core.accounting.account_records``) with the same factor set: energy at the
  calorific equivalent of electricity (当量值) and, beside it, at the coal-equivalent value
  (等价值); scope 1 (combustion), scope 2 (purchased electricity and heat), plus the
  project's declared process emissions. ``total_tco2`` = scope 1 + scope 2 + process.
- The reductions claimed for low-carbon technologies (低碳技术降碳评价, E1) are reported
  beside the total, never subtracted from it: the energy plan is the plan of the project as
  designed, with its technologies, and a claimed reduction is not a measured one.
- Carbon productivity (碳生产力) = value added ÷ total CO2 (万元 per tCO2); intensity per value
  added and per gross output (tCO2 per 万元, the guideline's two indicators, §6.1); energy
  intensity = energy tce ÷ value added (能评 unit consumption, E3).
- Against the industry benchmark (the industry average L of ``citycarbon grade``, a ratio of
  industry totals ΣCO2 ÷ Σvalue added, methods-cn §1.2): R = intensity ÷ average (§6.1 [I]).
- Replacement (等量或减量替代, E5): ratio × energy tce, the ratio looked up by industry prefix
  (longest match) and project type in ``data/assessment/replacement_ratios.csv``; coal of the
  plan is replaced at least 1:1 on its own. Worked example: a new chemical project (GB/T
  4754 division 26) using 10,000 tce needs 1.1 × 10,000 = 11,000 tce of replacement.
- Verdict: each rule of ``data/assessment/thresholds.csv`` whose metric is strictly above its
  bound (compared after rounding to 9 decimals, as in grading) gives its reason; the verdict
  is the worst effect, acceptable when no rule fires. A metric that cannot be formed (no
  benchmark, no budget, no ledger figure) fires no rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

import polars as pl

from citycarbon.core.accounting import account_records
from citycarbon.core.factors import FactorSet
from citycarbon.core.schemas import ENERGY_RECORDS

PROJECT_TYPES: Final = ("new", "expansion", "retrofit")
ProjectType = Literal["new", "expansion", "retrofit"]
VERDICTS: Final = ("acceptable", "acceptable_with_measures", "not_acceptable")
Verdict = Literal["acceptable", "acceptable_with_measures", "not_acceptable"]
COMPARE_DECIMALS: Final = 9
_SECTIONS: Final = "ABCDEFGHIJKLMNOPQRST"
"""GB/T 4754 section letters, which may prefix an industry code (C2614 = 2614)."""

NO_BENCHMARK: Final = {
    "code": "no_benchmark",
    "zh": "未找到该行业的平均碳排放强度，未作行业对比",
    "en": "no industry average intensity for this industry; no industry comparison made",
    "effect": "note",
}


@dataclass(frozen=True)
class Technology:
    """A low-carbon technology the project adopts, with its claimed reduction in tCO2 a year."""

    name: str
    reduction_tco2: float


@dataclass(frozen=True)
class Project:
    """A construction project as submitted: ``energy`` has the ``ENERGY_RECORDS`` schema
    (one year of operation, quantities in the standard units of their 205-1 codes)."""

    project_id: str
    name: str
    project_type: ProjectType
    district_code: str
    industry_code: str
    value_added_10k_yuan: float
    gross_output_10k_yuan: float
    energy: pl.DataFrame
    process_tco2: float = 0.0
    technologies: tuple[Technology, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Replacement:
    """The replacement a project needs (E5): ratio on its energy and, separately, on its coal."""

    ratio: float
    required_tce: float
    ratio_quote: str
    ratio_source: str
    ratio_confidence: str
    coal_tce: float
    coal_ratio: float
    coal_required_tce: float


def project_energy(
    project: Project, factors: FactorSet, coal_equivalent: FactorSet
) -> dict[str, Any]:
    """Energy (tce, both electricity methods), scope 1, scope 2 and coal tce of the plan, from
    the enterprise accounting engine (``account_records``) — methods-cn §2, §3."""
    records = project.energy.select(list(ENERGY_RECORDS.names())).lazy()
    per = account_records(records, factors).join(
        factors.energy.lazy().select("energy_code", "category"), on="energy_code", how="left"
    )
    sums = per.select(
        pl.col("energy_tce").sum(),
        pl.col("scope1_tco2").sum(),
        pl.col("scope2_tco2").sum(),
        pl.col("energy_tce").filter(pl.col("category") == "coal").sum().alias("coal_tce"),
    ).collect()
    eq = account_records(records, coal_equivalent).select(pl.col("energy_tce").sum()).collect()
    row = sums.row(0, named=True)
    return {
        "energy_tce": float(row["energy_tce"]),
        "energy_tce_coal_equivalent": float(eq.item()),
        "scope1_tco2": float(row["scope1_tco2"]),
        "scope2_tco2": float(row["scope2_tco2"]),
        "coal_tce": float(row["coal_tce"]),
    }


def _ratio_row(
    ratios: pl.DataFrame, industry_code: str, project_type: str, basis: str
) -> dict[str, Any]:
    code = industry_code.lstrip(_SECTIONS)
    rows = ratios.filter(
        (pl.col("basis") == basis)
        & ((pl.col("project_type") == project_type) | (pl.col("project_type") == "*"))
        & (
            (pl.col("industry_prefix") == "*")
            | pl.lit(code).str.starts_with(pl.col("industry_prefix"))
        )
    ).with_columns(
        pl.when(pl.col("industry_prefix") == "*")
        .then(0)
        .otherwise(pl.col("industry_prefix").str.len_chars())
        .alias("_specific"),
        (pl.col("project_type") != "*").cast(pl.Int32).alias("_typed"),
    )
    if rows.is_empty():
        msg = f"no {basis} replacement ratio for industry {industry_code!r} ({project_type})"
        raise ValueError(msg)
    return rows.sort("_specific", "_typed", descending=True).row(0, named=True)


def replacement(
    energy_tce: float,
    coal_tce: float,
    industry_code: str,
    project_type: str,
    ratios: pl.DataFrame,
) -> Replacement:
    """Replacement required (等量或减量替代, seeds-inventory E5): ratio × energy tce, the ratio
    of the most specific row of ``ratios`` (longest industry prefix, then a typed row before
    ``*``); coal tce × the coal ratio (「新增耗煤项目严格实施等量减量替代」, at least 1:1)."""
    energy_row = _ratio_row(ratios, industry_code, project_type, "energy")
    coal_row = _ratio_row(ratios, industry_code, project_type, "coal")
    return Replacement(
        ratio=energy_row["ratio"],
        required_tce=energy_row["ratio"] * energy_tce,
        ratio_quote=energy_row["quote"],
        ratio_source=energy_row["source"],
        ratio_confidence=energy_row["confidence"],
        coal_tce=coal_tce,
        coal_ratio=coal_row["ratio"],
        coal_required_tce=coal_row["ratio"] * coal_tce,
    )


def industry_benchmark(grades: pl.DataFrame, industry_code: str) -> tuple[float, int] | None:
    """The industry average intensity (tCO2 per 万元) of ``industry_code`` in the latest year of
        a ``citycarbon grade`` output (columns ``year``, ``industry_code``,
        ``industry_avg_intensity``), with that year; ``None`` when the industry is absent. The
        average is the grading's (a ratio of industry totals by default, methods-cn §1.2). A section
    letter before the digits is ignored on both sides."""
    digits = pl.col("industry_code").str.strip_chars_start(_SECTIONS)
    rows = grades.filter(digits == industry_code.lstrip(_SECTIONS))
    if rows.is_empty():
        return None
    latest = rows.sort("year", descending=True).row(0, named=True)
    return float(latest["industry_avg_intensity"]), int(latest["year"])


def budget_share(project_tco2: float, budget_tco2: float) -> float:
    """Share of a district's or city's annual carbon budget the project would take
    (methods-cn §6.1 (3): project emissions ÷ regional annual budget)."""
    if not budget_tco2 > 0:
        msg = f"budget must be above zero, got {budget_tco2!r}"
        raise ValueError(msg)
    return project_tco2 / budget_tco2


@dataclass(frozen=True)
class LedgerCover:
    """Whether the available energy-use space covers a required replacement (E5, D10)."""

    available_tce: float
    required_tce: float
    covered: bool
    shortfall_tce: float


def ledger_cover(available_tce: float, required_tce: float) -> LedgerCover:
    """Energy-use space (用能空间, seeds-inventory D10) against the replacement a project needs
    (E5): covered when available ≥ required (compared after rounding to 9 decimals)."""
    gap = round(required_tce - available_tce, COMPARE_DECIMALS)
    return LedgerCover(available_tce, required_tce, gap <= 0, max(gap, 0.0))


def _rounded(value: float) -> float:
    return round(value, COMPARE_DECIMALS)


def verdict(
    metrics: dict[str, float | None], thresholds: pl.DataFrame
) -> tuple[Verdict, list[dict[str, str]]]:
    """The verdict and its reasons (methods-cn §6.1 (4)): every rule whose metric is given and
    strictly above its bound fires, in the order of ``thresholds``; the verdict is the worst
    effect among the fired rules. A value exactly at a bound passes."""
    reasons: list[dict[str, str]] = []
    worst = 0
    for rule in thresholds.iter_rows(named=True):
        value = metrics.get(rule["metric"])
        if value is None or not _rounded(value) > _rounded(rule["above"]):
            continue
        figure = f"{value:.6g} > {rule['above']:g}"
        reasons.append(
            {
                "code": rule["code"],
                "zh": f"{rule['zh']}（{figure}）",
                "en": f"{rule['en']} ({figure})",
                "effect": rule["effect"],
            }
        )
        worst = max(worst, VERDICTS.index(rule["effect"]))
    return VERDICTS[worst], reasons


def assess(
    project: Project,
    factors: FactorSet,
    coal_equivalent: FactorSet,
    ratios: pl.DataFrame,
    thresholds: pl.DataFrame,
    *,
    benchmarks: pl.DataFrame | None = None,
    budget_tco2: float | None = None,
    available_space_tce: float | None = None,
) -> dict[str, Any]:
    """The assessment of one project: figures, replacement, verdict and reasons (module
    docstring). ``coal_equivalent`` is ``factors`` with electricity at 等价值; ``benchmarks``
    a ``citycarbon grade`` output; ``budget_tco2`` the district's annual carbon budget and
    ``available_space_tce`` its energy-use space, both optional (their rules fire only when
    given)."""
    energy = project_energy(project, factors, coal_equivalent)
    total = energy["scope1_tco2"] + energy["scope2_tco2"] + project.process_tco2
    va = project.value_added_10k_yuan
    intensity = total / va
    energy_intensity = energy["energy_tce"] / va
    rep = replacement(
        energy["energy_tce"],
        energy["coal_tce"],
        project.industry_code,
        project.project_type,
        ratios,
    )
    result: dict[str, Any] = {
        "project_id": project.project_id,
        "name": project.name,
        "project_type": project.project_type,
        "district_code": project.district_code,
        "industry_code": project.industry_code,
        "factor_set": factors.label,
        "factor_set_sha256": factors.content_hash,
        "energy_tce": energy["energy_tce"],
        "energy_tce_coal_equivalent": energy["energy_tce_coal_equivalent"],
        "coal_tce": energy["coal_tce"],
        "scope1_tco2": energy["scope1_tco2"],
        "scope2_tco2": energy["scope2_tco2"],
        "process_tco2": project.process_tco2,
        "total_tco2": total,
        "technologies": [
            {"name": t.name, "reduction_tco2": t.reduction_tco2} for t in project.technologies
        ],
        "claimed_reduction_tco2": sum(t.reduction_tco2 for t in project.technologies),
        "carbon_productivity_10k_yuan_per_tco2": va / total if total > 0 else None,
        "intensity_tco2_per_10k_yuan": intensity,
        "intensity_tco2_per_10k_yuan_gross_output": total / project.gross_output_10k_yuan,
        "energy_intensity_tce_per_10k_yuan": energy_intensity,
        "replacement_ratio": rep.ratio,
        "replacement_required_tce": rep.required_tce,
        "replacement_ratio_quote": rep.ratio_quote,
        "replacement_ratio_source": rep.ratio_source,
        "replacement_ratio_confidence": rep.ratio_confidence,
        "coal_replacement_ratio": rep.coal_ratio,
        "coal_replacement_required_tce": rep.coal_required_tce,
    }
    metrics: dict[str, float | None] = {
        "energy_intensity_tce_per_10k_yuan": energy_intensity,
        "intensity_ratio": None,
        "budget_share": None,
        "ledger_shortfall_tce": None,
    }
    notes: list[dict[str, str]] = []
    if benchmarks is not None:
        found = industry_benchmark(benchmarks, project.industry_code)
        avg = found[0] if found else None
        ratio = intensity / avg if avg else None
        result["industry_avg_intensity_tco2_per_10k_yuan"] = avg
        result["benchmark_year"] = found[1] if found else None
        result["intensity_ratio"] = ratio
        metrics["intensity_ratio"] = ratio
        if ratio is None:
            notes.append(dict(NO_BENCHMARK))
    if budget_tco2 is not None:
        share = budget_share(total, budget_tco2)
        result["budget_share"] = share
        metrics["budget_share"] = share
    if available_space_tce is not None:
        cover = ledger_cover(available_space_tce, rep.required_tce)
        result["ledger_covered"] = cover.covered
        result["ledger_shortfall_tce"] = cover.shortfall_tce
        metrics["ledger_shortfall_tce"] = cover.shortfall_tce
    result["verdict"], reasons = verdict(metrics, thresholds)
    result["reasons"] = reasons + notes
    return result
