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
    """Step by step from wage to tariff per delivered (client) hour.

    Following the cost price components the AMvB reële prijs Wmo 2015 lists: the gross hourly wage plus employer
    costs, divided by the productive share of paid hours (1 - absence - leave - travel), plus overhead on that direct
    cost, plus the profit margin on the total. Each step is shown so providers can check how the tariff (and thus
    the area budget) comes about.

    Parameters
    ----------
    c : CostComponents
        The cost price components (wage in euros per hour, the rest as fractions); default values in assumption F01.

    Returns
    -------
    pandas.DataFrame
        Five rows (Brutoloon per uur, Werkgeverslasten, Niet-productieve tijd, Overhead, Winstopslag) with
        ``component``, ``bedrag`` (what the step adds, euros per hour) and ``cumulatief`` (running total; the last
        row is the tariff per delivered hour).

    Raises
    ------
    None
        Never raises; ``CostComponents`` itself refuses negative components and non-productive time of 100% or more.

    Examples
    --------
    >>> c = CostComponents(hourly_wage=15.0, employer_costs=0.3, absence=0.06, leave=0.1, travel=0.04,
    ...                    overhead=0.15, profit_margin=0.03)
    >>> tariff_buildup(c).round(2).cumulatief.tolist()
    [15.0, 19.5, 24.38, 28.03, 28.87]
    """
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
    """The tariff per delivered hour built up from ``CostComponents``.

    The last cumulative step of ``tariff_buildup``: what the gemeente pays per delivered hour of HH (AMvB reële
    prijs Wmo 2015).

    Parameters
    ----------
    c : CostComponents
        The cost price components (assumption F01).

    Returns
    -------
    float
        Euros per delivered hour, profit margin included.

    Raises
    ------
    None
        Never raises (see ``tariff_buildup``).

    Examples
    --------
    >>> c = CostComponents(hourly_wage=15.0, employer_costs=0.3, absence=0.06, leave=0.1, travel=0.04,
    ...                    overhead=0.15, profit_margin=0.03)
    >>> round(hourly_tariff(c), 2)
    28.87
    """
    return float(tariff_buildup(c)["cumulatief"].iloc[-1])


def cost_price_without_margin(c: CostComponents) -> float:
    """What a delivered hour costs the provider (tariff less profit margin).

    Used as the provider's cost per hour in the rule-set simulation: the margin is what the provider keeps.

    Parameters
    ----------
    c : CostComponents
        The cost price components (assumption F01).

    Returns
    -------
    float
        Euros per delivered hour: ``hourly_tariff(c) / (1 + c.profit_margin)``.

    Raises
    ------
    None
        Never raises (see ``tariff_buildup``).

    Examples
    --------
    >>> c = CostComponents(hourly_wage=15.0, employer_costs=0.3, absence=0.06, leave=0.1, travel=0.04,
    ...                    overhead=0.15, profit_margin=0.03)
    >>> round(cost_price_without_margin(c), 2)
    28.03
    """
    return hourly_tariff(c) / (1 + c.profit_margin)


def area_budget(
    population: pd.DataFrame,
    rates_per_1000: pd.DataFrame,
    hours_per_client_year: pd.Series,
    tariff: float,
    *,
    year: int,
) -> pd.DataFrame:
    """Area budgets for populatiebekostiging: expected clients x hours per client x tariff.

    Expected clients per area = sum over age bands of population x usage rate; budget = clients x hours x tariff.

    Parameters
    ----------
    population : pandas.DataFrame
        Population (prognosis): ``jaar``, ``gebied``, ``leeftijdsgroep``, ``inwoners``.
    rates_per_1000 : pandas.DataFrame
        Usage rate per age band: ``leeftijdsgroep``, ``per_1000`` (HH clients per 1,000 inhabitants), the same for
        every area.
    hours_per_client_year : pandas.Series
        Indicated hours per client per year, indexed by ``gebied``.
    tariff : float
        Euros per delivered hour (``hourly_tariff``).
    year : int
        The contract year (the population year used).

    Returns
    -------
    pandas.DataFrame
        One row per area: ``gebied``, ``inwoners``, ``verwachte_clienten``, ``uren_per_client``, ``uren``,
        ``budget`` (euros per year) and ``budget_per_client`` (NaN where no clients are expected).

    Raises
    ------
    ValueError
        If ``tariff`` <= 0, there is no population for ``year``, an age band has no usage rate or an area has no
        hours per client.

    Examples
    --------
    >>> import pandas as pd
    >>> pop = pd.DataFrame({"jaar": 2024, "gebied": ["Noord", "Noord", "Zuid", "Zuid"],
    ...                     "leeftijdsgroep": ["65-74", "75+"] * 2, "inwoners": [4000, 2000, 3000, 2500]})
    >>> rates = pd.DataFrame({"leeftijdsgroep": ["65-74", "75+"], "per_1000": [20.0, 100.0]})
    >>> hours = pd.Series({"Noord": 100.0, "Zuid": 120.0})
    >>> area_budget(pop, rates, hours, 30.0, year=2024)[["gebied", "verwachte_clienten", "budget"]].values.tolist()
    [['Noord', 280.0, 840000.0], ['Zuid', 310.0, 1116000.0]]
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
    """Current per-hour financing from the registration: active clients on 1 July x indicated hours x price.

    The model of today's spending the area budget is compared with: per area the clients active on 1 July of
    ``year``, their mean indicated hours per week (x 52 for a year) and its spread, times the current hourly price.

    Parameters
    ----------
    clients : pandas.DataFrame
        The client registration: ``client_id``, ``gebied``, ``start``, ``einde``, ``uren_per_week``.
    year : int
        The year (count on 1 July).
    hourly_price : float
        The current price per hour in euros (assumption F03).

    Returns
    -------
    pandas.DataFrame
        One row per area with active clients: ``gebied``, ``clienten``, ``uren_per_week`` (mean),
        ``uren_per_week_sd``, ``uren_per_client`` and ``uren_per_client_sd`` (per year), ``uitgaven_per_uur_model``
        (euros per year).

    Raises
    ------
    KeyError
        If ``clients`` lacks one of the columns above.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"client_id": ["a", "b", "c"], "gebied": ["Noord", "Noord", "Zuid"],
    ...                   "start": pd.to_datetime(["2023-01-01", "2024-02-01", "2024-09-01"]), "einde": pd.NaT,
    ...                   "uren_per_week": [2.0, 3.0, 2.5]})
    >>> current_spend(c, year=2024, hourly_price=30.0)[["gebied", "clienten", "uitgaven_per_uur_model"]].values.tolist()
    [['Noord', 2, 7800.0]]
    """
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
