"""The money in the HH financing report, in one tested object: budget against current spending of the same year,
split into volume and tariff, the amount to reserve in the begroting, and the area table rounded so it adds up.

Every amount a reader sees in hh-bekostiging comes from ``BudgetFacts``; the notebook only formats. Each figure has a
status (``BudgetFacts.status``): counts of clients and hours are synthetic when the registration is, and every amount,
price and simulated chance is illustrative, because the tariff components and the current hourly price are assumed
values (F01, F03), not contract prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.formatting import round_to_total
from analysis.results import ResultDisplay


@dataclass(frozen=True)
class BudgetFacts(ResultDisplay):
    """All amounts in euro at ``price_level_year`` prices (not indexed for later years, assumption F05).

    ``current_base`` is what the current per-hour financing costs in the base year (registered clients x their
    indicated hours x the current hourly price); ``budget_total`` the area budgets of the contract year. Their
    difference is split exactly into a volume part (more or fewer hours, at the current price) and a tariff part
    (the contract year's hours at the new tariff instead of the current price)."""

    contract_year: int
    base_year: int
    price_level_year: int
    scenario: str
    tariff: float
    current_price: float
    clients_base: int
    clients_expected: float
    hours_base: float
    hours_expected: float
    budget_total: float
    current_base: float
    current_same_volume: float  # contract-year hours at the current price
    volume_effect: float
    tariff_effect: float
    ruleset_label: str
    reserve_mean: float  # expected yearly spending under the chosen rule set (illustrative, not a budget figure)
    reserve_p95: float  # spending not exceeded in 95 of 100 simulated years
    # gebied, inwoners (18 and older), clienten (rounded), uren_per_client, budget (rounded), huidig (rounded)
    areas: pd.DataFrame
    synthetic: bool = True  # the client registration is synthetic

    COUNTS = ("clients_base", "clients_expected", "hours_base", "hours_expected")

    def status(self, key: str) -> str:
        """'echt', 'synthetisch' or 'illustratief' (``analysis.report.notebook.STATUSES``) for a field or a derived
        quantity: counts follow the registration; amounts, prices, shares of money and simulated chances are
        illustrative, since they rest on the assumed tariff components and hourly price (F01, F03)."""
        if key in self.COUNTS:
            return "synthetisch" if self.synthetic else "echt"
        return "illustratief"

    @property
    def difference(self) -> float:
        return self.budget_total - self.current_base

    @property
    def difference_pct(self) -> float:
        return self.difference / self.current_base

    @property
    def main_driver(self) -> str:
        """'tarief' or 'volume': which part of the difference is larger in size."""
        return "tarief" if abs(self.tariff_effect) >= abs(self.volume_effect) else "volume"

    def money_mln(self) -> dict[str, float]:
        """Current spending, volume part, tariff part and budget in millions, rounded to one decimal so that the
        printed parts add up to the printed budget (largest remainder); use these wherever the amounts are shown."""
        cur, vol, tar = round_to_total(np.array([self.current_base, self.volume_effect, self.tariff_effect]) / 1e6, 1)
        return {
            "huidig": cur,
            "volume": vol,
            "tarief": tar,
            "budget": round(cur + vol + tar, 1),
            "verschil": round(vol + tar, 1),
        }

    def to_frame(self) -> pd.DataFrame:
        rows = [
            ("budget", self.budget_total),
            ("huidige_uitgaven_basisjaar", self.current_base),
            ("verschil", self.difference),
            ("volume_effect", self.volume_effect),
            ("tarief_effect", self.tariff_effect),
            ("begroting_gemiddeld", self.reserve_mean),
            ("begroting_p95", self.reserve_p95),
        ]
        return pd.DataFrame(rows, columns=["term", "estimate"]).assign(
            std_error=np.nan, ci_lower=np.nan, ci_upper=np.nan, p_value=np.nan
        )


def budget_facts(
    res, log, *, ruleset: str | None = None, round_to: float = 1000.0, synthetic: bool = True
) -> BudgetFacts:
    """Every amount of hh-bekostiging, from a ``FinancingAnalysis`` (``analysis.financing.analysis.run``).

    Budget against current spending: ``current_base`` (registered hours of the base year x the current hourly price,
    F03) against the area budgets of the contract year, the difference split exactly into a volume part (the change
    in hours at the current price) and a tariff part (the contract year's hours at the new tariff instead of the
    current price); the amount to reserve (mean and 95th percentile of simulated spending under ``ruleset``); and the
    area table with clients and amounts rounded so they add up to the totals (largest remainder). Amounts are in
    euros at the price level of F05.

    Parameters
    ----------
    res : FinancingAnalysis
        The result of ``analysis.financing.analysis.run``.
    log : AssumptionLog
        The assumptions log (F03: current hourly price; F05: price level year).
    ruleset : str, optional
        The rule set whose mean and 95th percentile spending are shown (default: the last, most complete one).
    round_to : float, default 1000.0
        Euros the area amounts are rounded to.
    synthetic : bool, default True
        Whether the registration the analysis ran on is synthetic (default True: a number is never called real by
        default); sets ``BudgetFacts.status`` of the counts.

    Returns
    -------
    BudgetFacts
        The facts; ``to_frame()`` gives term, estimate (std_error, ci_lower, ci_upper, p_value NaN: these are
        identities and simulation summaries, not estimates).

    Raises
    ------
    KeyError
        If ``ruleset`` is not one of ``res.rulesets``, or the log lacks F03 or F05.

    Examples
    --------
    >>> from analysis.financing import analysis as fa
    >>> res = fa.run(**inputs, log=log)  # doctest: +SKIP
    >>> facts = budget_facts(res, log, ruleset="ventiel")  # doctest: +SKIP
    >>> import math
    >>> change = facts.budget_total - facts.current_base  # doctest: +SKIP
    >>> math.isclose(facts.volume_effect + facts.tariff_effect, change)  # doctest: +SKIP
    True
    """
    f3, f5 = log.value("F03"), log.value("F05")
    price = float(f3["current_hourly_price"])
    ab, cur = res.area_budget.set_index("gebied"), res.current.set_index("gebied")
    hours_base = float((cur["clienten"] * cur["uren_per_client"]).sum())
    hours_exp = float(ab["uren"].sum())
    current_base = hours_base * price
    budget_total = float(ab["budget"].sum())
    volume = (hours_exp - hours_base) * price
    tariff = hours_exp * (res.tariff - price)
    rs = {r.name: r for r in res.rulesets}
    chosen = rs[ruleset] if ruleset else res.rulesets[-1]
    spend = res.risks[chosen.name].total_spend
    k = lambda v: np.asarray(v, float) / round_to
    areas = pd.DataFrame(
        {
            "gebied": ab.index,
            "inwoners": ab["inwoners"].to_numpy(int),
            "clienten": round_to_total(ab["verwachte_clienten"]),
            "uren_per_client": ab["uren_per_client"].to_numpy(float),
            "budget": np.array(round_to_total(k(ab["budget"]))) * round_to,
            "huidig": np.array(round_to_total(k(cur.reindex(ab.index)["uitgaven_per_uur_model"]))) * round_to,
        }
    )
    return BudgetFacts(
        contract_year=int(res.contract_year),
        base_year=int(res.base_year),
        price_level_year=int(f5["price_level_year"]),
        scenario=res.scenario,
        tariff=float(res.tariff),
        current_price=price,
        clients_base=int(cur["clienten"].sum()),
        clients_expected=float(ab["verwachte_clienten"].sum()),
        hours_base=hours_base,
        hours_expected=hours_exp,
        budget_total=budget_total,
        current_base=current_base,
        current_same_volume=hours_exp * price,
        volume_effect=volume,
        tariff_effect=tariff,
        ruleset_label=chosen.label,
        reserve_mean=float(spend.mean()),
        reserve_p95=float(np.quantile(spend, 0.95)),
        areas=areas,
        synthetic=bool(synthetic),
    )
