"""Pilot costs: spend vs budget, cost per family and per month of support, break-even and sensitivity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.results import ResultDisplay


@dataclass(frozen=True)
class CostResult(ResultDisplay):
    """Pilot money up to a peildatum. ``per_year``: jaar, begroot, gerealiseerd (the year figure), deel_jaar (share of
    the year before the peildatum), tot_peildatum (realised up to the peildatum), verschil (tot_peildatum minus the
    budget for the same part of the year)."""

    per_year: pd.DataFrame
    total_budget: float
    total_spent: float  # realised up to the peildatum
    cost_per_family: float  # realised up to the peildatum / families started
    cost_per_month: float  # realised up to the peildatum / months of support given
    placement_cost_per_year: float
    break_even_placements: float  # placement-years that pay for the whole pilot budget: budget / yearly cost

    def to_frame(self) -> pd.DataFrame:
        return self.per_year


def budget_table(budget_per_year: dict) -> pd.DataFrame:
    """The pilot budget per year (from assumption C01) as a table: jaar, begroot."""
    return pd.DataFrame(
        {"jaar": [int(y) for y in budget_per_year], "begroot": [float(v) for v in budget_per_year.values()]}
    )


def year_share_before(year: int, as_of: pd.Timestamp) -> float:
    """Share of calendar year ``year`` that lies before ``as_of`` (1 for earlier years, 0 for later ones)."""
    start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year + 1}-01-01")
    return float(min(max((as_of - start) / (end - start), 0.0), 1.0))


def pilot_costs(
    costs: pd.DataFrame,
    *,
    budget_per_year: dict,
    families_served: int,
    months_of_support: float,
    placement_cost_per_year: float,
    as_of: str | pd.Timestamp | None = None,
) -> CostResult:
    """Realised costs are year figures; up to ``as_of`` the running year counts pro rata (a cost report must not
    include months after its peildatum). Break-even compares the whole budget (what the council decided) with the
    yearly cost of a placement."""
    if placement_cost_per_year <= 0:
        raise ValueError("placement_cost_per_year must be > 0")
    b = budget_table(budget_per_year)
    d = b.merge(costs[["jaar", "gerealiseerd"]], on="jaar", how="left")
    cut = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(f"{int(d.jaar.max()) + 1}-01-01")
    d["deel_jaar"] = [year_share_before(int(y), cut) for y in d["jaar"]]
    d.loc[d["deel_jaar"] == 0, "gerealiseerd"] = np.nan  # a year that has not begun has no realisation yet
    d["tot_peildatum"] = d["gerealiseerd"] * d["deel_jaar"]
    d["begroot_tot_peildatum"] = d["begroot"] * d["deel_jaar"]
    d["verschil"] = d["tot_peildatum"] - d["begroot_tot_peildatum"]
    total_b = float(d["begroot"].sum())
    spent = float(d["tot_peildatum"].sum(min_count=1)) if d["tot_peildatum"].notna().any() else np.nan
    return CostResult(
        d,
        total_b,
        spent,
        spent / families_served if families_served and np.isfinite(spent) else np.nan,
        spent / months_of_support if months_of_support and np.isfinite(spent) else np.nan,
        float(placement_cost_per_year),
        total_b / placement_cost_per_year,
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
