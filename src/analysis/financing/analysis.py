"""The HH financing analysis for the report in one call."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.demand import rates
from analysis.financing import budget, herstel, koppels, montecarlo, rules

# The new HH contracts (area providers, populatiebekostiging) started on 1 January 2023 (collegebrief 2021): pairs
# of client and helper are at risk at that one transition, whatever contract year a budget is computed for.
NEW_CONTRACTS = "2023-01-01"
# The demand scenario of the report's default parameters: a variant in another scenario is shown beside it
BASE_SCENARIO = "tarief_blijft"


@dataclass(frozen=True)
class FinancingAnalysis:
    """Everything hh-bekostiging shows, computed by ``run``: tariff build-up, area budgets, current spending,
    rule-set risks, koppels and herstelgerichte hulp."""

    components: budget.CostComponents
    buildup: pd.DataFrame
    tariff: float
    cost_per_hour: float
    area_budget: pd.DataFrame
    current: pd.DataFrame
    comparison: pd.DataFrame
    risks: dict
    rulesets: tuple
    koppels: koppels.KoppelResult
    herstel: herstel.HerstelResult
    contract_year: int
    base_year: int
    n_draws: int
    scenario: str
    dispersion: float  # spread of client numbers around the forecast used in ``risks`` (assumption F06)
    sensitivity: pd.DataFrame  # the rule-set comparison per dispersion of the grid (see ``dispersion_sensitivity``)


def run(
    *,
    clients: pd.DataFrame,
    population: pd.DataFrame,
    episodes: pd.DataFrame,
    log,
    components: dict | None = None,
    ruleset_names: tuple[str, ...] = ("geen", "ventiel", "volledig"),
    contract_year: int = 2023,
    base_year: int | None = None,
    n_draws: int = 100_000,
    seed: int = 1,
    dispersion: float | None = None,
    scenario: str = "tarief_blijft",
    tariff_rr: float = 1.0,
    dispersion_grid: tuple[float, ...] | None = None,
) -> FinancingAnalysis:
    """Run the HH financing analysis (hh-bekostiging) in one call; see ``FinancingAnalysis``.

    Area budget for ``contract_year`` from the one demand projection of every report
    (``analysis.demand.forecast.point_projection`` from ``base_year``, default ``projection.BASE_YEAR``, in the
    demand ``scenario``; the registered usage of the contract year itself when it is not after the base year),
    applied to the population prognosis per area, with the hourly tariff built up from the cost components (AMvB
    reële prijs, F01) and the hours per client of the registration; then the risk of each rule set (fixed budget,
    ventiel, malus and skim) over the same ``n_draws`` simulated years, a sensitivity table over the dispersion of
    client numbers, the continuity of client-helper pairs at the new contracts (1 January 2023) and the herstel
    analysis.

    Parameters
    ----------
    clients : pandas.DataFrame
        The client registration (``synthetic/hh_clients``).
    population : pandas.DataFrame
        Population and prognosis per year, area and age band (``synthetic/population``).
    episodes : pandas.DataFrame
        Herstelgerichte-hulp episodes (``synthetic/hh_herstel``), for ``herstel.herstel_analysis``.
    log : AssumptionLog
        The assumptions log (F01-F04, F06, D02, S02 are read).
    components : dict, optional
        Cost components overriding F01 (e.g. ``{"hourly_wage": 16.0}``).
    ruleset_names : tuple of str, default ("geen", "ventiel", "volledig")
        The rule sets compared (``rules.default_rulesets``).
    contract_year : int, default 2023
        The year of the area budget.
    base_year : int, optional
        The last registered year the projection starts from (default ``projection.BASE_YEAR``).
    n_draws : int, default 100000
        Simulated years.
    seed : int, default 1
        Seed of the simulation (the same for every dispersion).
    dispersion : float, optional
        Spread of client numbers around the forecast (default assumption F06).
    scenario : str, default "tarief_blijft"
        The demand scenario (``projection.scenarios_from_log``).
    tariff_rr : float, default 1.0
        The estimated abonnementstarief rate ratio, used by the income-dependent scenario.
    dispersion_grid : tuple of float, optional
        The dispersions of the sensitivity table (default F06's grid, ``()`` for none).

    Returns
    -------
    FinancingAnalysis
        Components, tariff build-up, tariff and cost per hour (euros), area budgets, current spending, the rule-set
        comparison and risks, koppels, herstel, the years, scenario and dispersion, and the sensitivity table.

    Raises
    ------
    ValueError
        For an unknown scenario or rule set, cost components the AMvB build-up refuses, or from the projection and
        the budget (no registration for the base year, no population for the contract year, a band without rate).
    KeyError
        If ``log`` lacks an assumption the analysis reads.
    TypeError
        If ``components`` names a field ``CostComponents`` does not have.

    Examples
    --------
    >>> from analysis.assumptions import load_assumptions
    >>> from analysis.data.io import load_processed
    >>> names = {"clients": "hh_clients", "population": "population", "episodes": "hh_herstel"}
    >>> tables = {k: load_processed(f"synthetic/{t}") for k, t in names.items()}  # doctest: +SKIP
    >>> res = run(**tables, log=load_assumptions(), n_draws=2000)  # doctest: +SKIP
    >>> res.comparison[["regelset", "gem_uitgaven", "p95"]]  # doctest: +SKIP
    """
    from analysis.demand import forecast
    from analysis.demand.projection import BASE_YEAR, FIRST_YEAR, scenarios_from_log

    base_year = BASE_YEAR if base_year is None else int(base_year)
    comp = budget.CostComponents(**{**log.value("F01"), **(components or {})})
    tariff = budget.hourly_tariff(comp)
    cph = budget.cost_price_without_margin(comp)
    f3 = log.value("F03")
    history = rates.hh_rates(clients, population, range(min(FIRST_YEAR, base_year - 2), base_year + 1))
    scenarios = scenarios_from_log(log, base_year)
    if scenario not in scenarios:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {sorted(scenarios)}")
    d02 = log.value("D02")
    proj = forecast.point_projection(
        history,
        population[population.leeftijdsgroep.isin(set(history.leeftijdsgroep))],
        [contract_year],
        scenarios[scenario],
        base_year=base_year,
        tariff_rr=tariff_rr,
        extra_growth=float(d02["mantelzorg_extra_growth"]),
    )
    # the usage rate per age band in the contract year (the same for every area, as in the demand projection)
    by_age = proj.groupby("leeftijdsgroep", as_index=False).per_1000.first()
    cur = budget.current_spend(clients, year=base_year, hourly_price=float(f3["current_hourly_price"]))
    hours = cur.set_index("gebied")["uren_per_client"]
    ab = budget.area_budget(population, by_age, hours, tariff, year=contract_year)
    ab = ab.merge(cur[["gebied", "clienten", "uitgaven_per_uur_model"]], on="gebied", how="left")
    all_rs = {r.name: r for r in rules.default_rulesets(log)}
    unknown = set(ruleset_names) - set(all_rs)
    if unknown:
        raise ValueError(f"unknown rule set(s) {sorted(unknown)}; choose from {sorted(all_rs)}")
    rs = [all_rs[n] for n in ruleset_names]
    sd = cur.set_index("gebied")["uren_per_client_sd"].reindex(ab.gebied)
    f6 = log.value("F06")
    disp = float(dispersion if dispersion is not None else f6["dispersion"])
    grid = tuple(float(d) for d in (f6["grid"] if dispersion_grid is None else dispersion_grid))

    def simulate(d: float):
        draws = montecarlo.draw_scenarios(
            ab.verwachte_clienten,
            ab.uren_per_client,
            sd,
            ab.clienten,
            n_draws=n_draws,
            dispersion=d,
            delivery_mean=float(f3["delivery_mean"]),
            delivery_sd=float(f3["delivery_sd"]),
            seed=seed,
            areas=ab.gebied,
        )
        table, risk = montecarlo.compare_rulesets(
            rs,
            draws,
            forecast=ab.verwachte_clienten.to_numpy(),
            budget=ab.budget.to_numpy(),
            tariff=tariff,
            cost_per_hour=cph,
        )
        spread = float(np.mean(draws.clients.std(0) / ab.verwachte_clienten.to_numpy()))
        return table, risk, spread

    comp_table, risks, main_spread = simulate(disp)
    sens = []
    for d in grid:  # same seed and number of draws for every value; the default row is the main comparison
        t, _, spread = (comp_table, risks, main_spread) if np.isclose(d, disp) else simulate(d)
        sens.append(t.assign(dispersie=d, spreiding=spread, standaard=bool(np.isclose(d, disp))))
    sensitivity = pd.concat(sens, ignore_index=True) if sens else pd.DataFrame()
    f4 = log.value("F04")
    kp = koppels.pair_continuity(
        clients,
        change_date=NEW_CONTRACTS,
        transfer_rate=float(f4["transfer_rate"]),
        long_pair_years=float(f4["long_pair_years"]),
    )
    hs = herstel.herstel_analysis(episodes)
    return FinancingAnalysis(
        comp,
        budget.tariff_buildup(comp),
        tariff,
        cph,
        ab,
        cur,
        comp_table,
        risks,
        tuple(rs),
        kp,
        hs,
        contract_year,
        base_year,
        n_draws,
        scenario,
        disp,
        sensitivity,
    )
