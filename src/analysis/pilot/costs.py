"""Pilot costs: spend vs budget, cost per family and per month of support, break-even and sensitivity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CostResult:
    per_year: pd.DataFrame  # jaar, begroot, gerealiseerd, verschil, verschil_pct
    total_budget: float
    total_spent: float
    cost_per_family: float
    cost_per_month: float
    break_even_placements: float  # placement-years of the given yearly cost that pay for the pilot

    def to_frame(self) -> pd.DataFrame:
        return self.per_year


def budget_table(budget_per_year: dict) -> pd.DataFrame:
    return pd.DataFrame(
        {"jaar": [int(y) for y in budget_per_year], "begroot": [float(v) for v in budget_per_year.values()]}
    )


def pilot_costs(
    costs: pd.DataFrame,
    *,
    budget_per_year: dict,
    families_served: int,
    months_of_support: float,
    placement_cost_per_year: float,
) -> CostResult:
    if placement_cost_per_year <= 0:
        raise ValueError("placement_cost_per_year must be > 0")
    b = budget_table(budget_per_year)
    d = b.merge(costs[["jaar", "gerealiseerd"]], on="jaar", how="left")
    d["verschil"] = d["gerealiseerd"] - d["begroot"]
    d["verschil_pct"] = d["verschil"] / d["begroot"]
    total_b = float(d["begroot"].sum())
    total_s = float(d["gerealiseerd"].sum(min_count=1)) if d["gerealiseerd"].notna().any() else np.nan
    spent = total_s if np.isfinite(total_s) else total_b
    return CostResult(
        d,
        total_b,
        total_s,
        spent / families_served if families_served else np.nan,
        spent / months_of_support if months_of_support else np.nan,
        spent / placement_cost_per_year,
    )


def break_even_table(
    pilot_cost: float,
    *,
    placement_costs: list[float],
    avoided_fractions: list[float],
    families: int,
    placement_years: float = 1.0,
) -> pd.DataFrame:
    """Net saving (EUR) = avoided placements x yearly cost x duration - pilot cost, where avoided placements =
    fraction of pilot families for whom a placement was avoided x families. Rows: yearly cost; columns: fraction."""
    if families <= 0:
        raise ValueError("families must be > 0")
    rows = []
    for c in placement_costs:
        row = {"kosten_per_jaar": c}
        for f in avoided_fractions:
            if not 0 <= f <= 1:
                raise ValueError("avoided fractions must be between 0 and 1")
            row[f] = f * families * c * placement_years - pilot_cost
        rows.append(row)
    return pd.DataFrame(rows).set_index("kosten_per_jaar")
