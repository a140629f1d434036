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
    """Area budget for ``contract_year`` from the one demand projection of every report
    (``analysis.demand.forecast.point_projection`` from ``base_year``, default ``projection.BASE_YEAR``, in the
    demand ``scenario``; the registered usage of the contract year itself when it is not after the base year),
    applied to the population prognosis per area, then the risk of each rule set over the same ``n_draws``
    simulated years. ``tariff_rr`` is the estimated abonnementstarief rate ratio, used by the income-dependent
    scenario. ``dispersion`` (default assumption F06) is the spread of client numbers around the forecast;
    ``dispersion_grid`` (default F06's grid, ``()`` for none) the values of the sensitivity table."""
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
