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
    """The pilot budget per year (from assumption C01) as a table: jaar, begroot.

    Parameters
    ----------
    budget_per_year : dict
        Year -> budget in euros (keys and values may be strings or numbers).

    Returns
    -------
    pandas.DataFrame
        ``jaar`` (int) and ``begroot`` (float, euros), in the order of the dict.

    Raises
    ------
    ValueError
        If a year or an amount is not a number.

    Examples
    --------
    >>> budget_table({2021: 50000, 2022: 300000}).to_dict("list")
    {'jaar': [2021, 2022], 'begroot': [50000.0, 300000.0]}
    """
    return pd.DataFrame(
        {"jaar": [int(y) for y in budget_per_year], "begroot": [float(v) for v in budget_per_year.values()]}
    )


def year_share_before(year: int, as_of: pd.Timestamp) -> float:
    """Share of calendar year ``year`` that lies before ``as_of`` (1 for earlier years, 0 for later ones).

    Used to count the running year's costs and budget pro rata up to the peildatum.

    Parameters
    ----------
    year : int
        The calendar year.
    as_of : pandas.Timestamp
        The peildatum.

    Returns
    -------
    float
        Between 0 and 1.

    Raises
    ------
    TypeError
        If ``as_of`` is not a Timestamp (a string cannot be compared with the year's bounds).

    Examples
    --------
    >>> import pandas as pd
    >>> peildatum = pd.Timestamp("2022-11-01")
    >>> [round(year_share_before(y, peildatum), 3) for y in (2021, 2022, 2023)]
    [1.0, 0.833, 0.0]
    """
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
    """Pilot money up to the peildatum: spend against budget, cost per family and per month, break-even.

    Realised costs are year figures; up to ``as_of`` the running year counts pro rata (a cost report must not
    include months after its peildatum), and a year that has not begun has no realisation yet. Break-even compares
    the whole budget (what the council decided) with the yearly cost of an out-of-home placement: the number of
    placement-years the pilot must avoid to pay for itself.

    Parameters
    ----------
    costs : pandas.DataFrame
        Realised costs per year: ``jaar``, ``gerealiseerd`` (euros).
    budget_per_year : dict
        Year -> budget in euros (assumption C01).
    families_served : int
        Families started up to the peildatum.
    months_of_support : float
        Months of support given up to the peildatum.
    placement_cost_per_year : float
        Yearly cost of an out-of-home placement in euros (assumption C02, illustrative).
    as_of : str or pandas.Timestamp, optional
        The peildatum; default the end of the last budget year.

    Returns
    -------
    CostResult
        ``per_year`` (jaar, begroot, gerealiseerd, deel_jaar, tot_peildatum, begroot_tot_peildatum, verschil),
        ``total_budget``, ``total_spent`` (up to the peildatum), ``cost_per_family``, ``cost_per_month``,
        ``placement_cost_per_year`` and ``break_even_placements``.

    Raises
    ------
    ValueError
        If ``placement_cost_per_year`` <= 0.
    KeyError
        If ``costs`` lacks ``jaar`` or ``gerealiseerd``.

    Examples
    --------
    >>> import pandas as pd
    >>> costs = pd.DataFrame({"jaar": [2021, 2022], "gerealiseerd": [40000.0, 280000.0]})
    >>> c = pilot_costs(costs, budget_per_year={2021: 50000, 2022: 300000, 2023: 300000}, families_served=8,
    ...                 months_of_support=60.0, placement_cost_per_year=100000.0, as_of="2022-11-01")
    >>> round(c.total_spent), round(c.cost_per_family), c.break_even_placements
    (273205, 34151, 6.5)
    """
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
    """Net saving (EUR) of the pilot for a grid of placement costs and avoided fractions.

    Net saving = avoided placements x yearly cost x duration - pilot cost, where avoided placements = fraction of
    pilot families for whom a placement was avoided x families. Rows: yearly cost; columns: fraction. A sensitivity
    table, illustrative: the placement cost has no source (assumption C02).

    Parameters
    ----------
    pilot_cost : float
        The pilot's cost in euros (the whole budget).
    placement_costs : list of float
        Yearly costs of a placement in euros (the rows).
    avoided_fractions : list of float
        Shares of pilot families whose placement was avoided (the columns; 0..1).
    families : int
        Pilot families (> 0).
    placement_years : float, default 1.0
        Duration of an avoided placement in years.

    Returns
    -------
    pandas.DataFrame
        Index ``kosten_per_jaar``, one column per fraction, net saving in euros (negative: the pilot costs more).

    Raises
    ------
    ValueError
        If ``families`` <= 0 or a fraction is outside [0, 1].

    Examples
    --------
    >>> t = break_even_table(650000.0, placement_costs=[80000.0, 120000.0], avoided_fractions=[0.2, 0.5], families=10)
    >>> t.to_dict("index")
    {80000.0: {0.2: -490000.0, 0.5: -250000.0}, 120000.0: {0.2: -410000.0, 0.5: -50000.0}}
    """
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
