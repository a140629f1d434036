"""Area budgets for populatiebekostiging, built transparently from cost components (AMvB reële prijs Wmo 2015).

The AMvB requires the tariff to cover the cost price components: wage at the applicable scale, employer costs,
non-productive time (absence, leave, travel, training), overhead and a reasonable profit margin. Each step is
shown in ``tariff_buildup`` so providers can check how the area budget comes about.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class CostComponents:
    """Cost price components of an hour of HH as the AMvB reële prijs Wmo 2015 lists them (wage, employer costs,
    non-productive time, overhead, margin)."""

    hourly_wage: float  # gross hourly wage at the CAO scale, EUR
    employer_costs: float  # social charges, pension, holiday pay (fraction of wage)
    absence: float  # sickness absence (fraction of paid hours)
    leave: float  # leave and training (fraction of paid hours)
    travel: float  # travel time between clients (fraction of paid hours)
    overhead: float  # management, planning, housing (fraction on direct cost)
    profit_margin: float  # fraction on total cost

    def __post_init__(self):
        for k, v in asdict(self).items():
            if v < 0:
                raise ValueError(f"{k} must be >= 0")
        if self.absence + self.leave + self.travel >= 1:
            raise ValueError("non-productive time must be less than 100% of paid hours")

    @classmethod
    def from_log(cls, log) -> CostComponents:
        return cls(**log.value("F01"))


def tariff_buildup(c: CostComponents) -> pd.DataFrame:
    """Step by step from wage to tariff per delivered (client) hour."""
    wage_cost = c.hourly_wage * (1 + c.employer_costs)
    productive = 1 - c.absence - c.leave - c.travel
    per_productive = wage_cost / productive
    with_overhead = per_productive * (1 + c.overhead)
    tariff = with_overhead * (1 + c.profit_margin)
    steps = [
        ("Brutoloon per uur", c.hourly_wage, c.hourly_wage),
        ("Werkgeverslasten", c.hourly_wage * c.employer_costs, wage_cost),
        ("Niet-productieve tijd (verzuim, verlof, reistijd)", per_productive - wage_cost, per_productive),
        ("Overhead", with_overhead - per_productive, with_overhead),
        ("Winstopslag", tariff - with_overhead, tariff),
    ]
    return pd.DataFrame(steps, columns=["component", "bedrag", "cumulatief"])


def hourly_tariff(c: CostComponents) -> float:
    """The tariff per delivered hour built up from ``CostComponents``."""
    return float(tariff_buildup(c)["cumulatief"].iloc[-1])


def cost_price_without_margin(c: CostComponents) -> float:
    """What a delivered hour costs the provider (tariff less profit margin)."""
    return hourly_tariff(c) / (1 + c.profit_margin)


def area_budget(
    population: pd.DataFrame,
    rates_per_1000: pd.DataFrame,
    hours_per_client_year: pd.Series,
    tariff: float,
    *,
    year: int,
) -> pd.DataFrame:
    """Expected clients per area = sum over age bands of population x usage rate; budget = clients x hours x tariff.

    ``population``: jaar, gebied, leeftijdsgroep, inwoners. ``rates_per_1000``: leeftijdsgroep, per_1000.
    ``hours_per_client_year``: indexed by gebied.
    """
    if tariff <= 0:
        raise ValueError("tariff must be > 0")
    p = population[population.jaar == year]
    if p.empty:
        raise ValueError(f"no population for {year}")
    m = p.merge(rates_per_1000[["leeftijdsgroep", "per_1000"]], on="leeftijdsgroep", how="left")
    if m["per_1000"].isna().any():
        raise ValueError(f"no usage rate for age band(s) {sorted(m.loc[m.per_1000.isna(), 'leeftijdsgroep'].unique())}")
    m["verwachte_clienten"] = m["inwoners"] * m["per_1000"] / 1000
    a = m.groupby("gebied", as_index=False).agg(
        inwoners=("inwoners", "sum"), verwachte_clienten=("verwachte_clienten", "sum")
    )
    a["uren_per_client"] = a["gebied"].map(hours_per_client_year)
    if a["uren_per_client"].isna().any():
        raise ValueError("hours per client missing for an area")
    a["uren"] = a["verwachte_clienten"] * a["uren_per_client"]
    a["budget"] = a["uren"] * tariff
    a["budget_per_client"] = a["budget"] / a["verwachte_clienten"].where(a["verwachte_clienten"] > 0)
    return a


def current_spend(clients: pd.DataFrame, *, year: int, hourly_price: float) -> pd.DataFrame:
    """Current per-hour financing from the registration: active clients on 1 July x indicated hours x price."""
    from analysis.demand.rates import active_on

    act = clients[active_on(clients, f"{year}-07-01")]
    g = act.groupby("gebied").agg(
        clienten=("client_id", "size"),
        uren_per_week=("uren_per_week", "mean"),
        uren_per_week_sd=("uren_per_week", "std"),
    )
    g["uren_per_client"] = g["uren_per_week"] * 52
    g["uren_per_client_sd"] = g["uren_per_week_sd"] * 52
    g["uitgaven_per_uur_model"] = g["clienten"] * g["uren_per_client"] * hourly_price
    return g.reset_index()
