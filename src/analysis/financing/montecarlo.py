"""Monte Carlo risk of a rule set for the gemeente and the providers per area.

Client numbers per area: negative binomial around the forecast (the projection's uncertainty); mean hours per
client: normal around the registration mean with its sampling error; delivery ratio: normal, clipped to [0, 1].
All draws are made once and shared by every rule set, so rule sets are compared on identical futures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.financing.rules import RuleSet, apply_rules
from analysis.results import ResultDisplay


@dataclass(frozen=True)
class Draws:
    """Simulated years shared by every rule set: clients, hours per client and delivery ratio per area (draws x
    areas)."""

    clients: np.ndarray  # (draws, areas)
    hours_per_client: np.ndarray
    delivery: np.ndarray
    areas: tuple[str, ...]


def draw_scenarios(
    forecast,
    hours_mean,
    hours_sd,
    n_clients_data,
    *,
    n_draws: int,
    dispersion: float,
    delivery_mean: float,
    delivery_sd: float,
    seed: int,
    areas,
) -> Draws:
    """Draw ``n_draws`` simulated years shared by every rule set.

    Client numbers per area: negative binomial around the forecast (variance mu + dispersion x mu^2, the
    projection's uncertainty; Poisson when ``dispersion`` is 0); mean hours per client: normal around the
    registration mean with its sampling error (sd / sqrt(n)); delivery ratio: normal, clipped to [0, 1]. All draws
    are made once, so rule sets are compared on identical futures.

    Parameters
    ----------
    forecast : array-like of float
        Forecast clients per area (> 0).
    hours_mean, hours_sd : array-like of float
        Mean and standard deviation of indicated hours per client per year, per area (from the registration).
    n_clients_data : array-like of int
        Clients behind each mean (for its sampling error; at least 1 is used).
    n_draws : int
        Number of simulated years.
    dispersion : float
        Negative binomial dispersion (>= 0; assumption F06).
    delivery_mean, delivery_sd : float
        Mean and sd of the delivered share of indicated hours (assumption F03).
    seed : int
        Seed of the random generator.
    areas : sequence of str
        Area names, in the order of the other inputs.

    Returns
    -------
    Draws
        ``clients``, ``hours_per_client`` and ``delivery`` as (n_draws, areas) arrays, and ``areas``.

    Raises
    ------
    ValueError
        If a forecast is <= 0 or ``dispersion`` < 0 (or input lengths differ).

    Examples
    --------
    >>> d = draw_scenarios([100.0, 200.0], [120.0, 100.0], [60.0, 50.0], [90, 180], n_draws=1000, dispersion=0.02,
    ...                    delivery_mean=0.97, delivery_sd=0.03, seed=1, areas=["Noord", "Zuid"])
    >>> d.clients.shape, d.areas
    ((1000, 2), ('Noord', 'Zuid'))
    """
    rng = np.random.default_rng(seed)
    mu = np.asarray(forecast, float)
    if np.any(mu <= 0) or dispersion < 0:
        raise ValueError("forecast must be > 0 and dispersion >= 0")
    if dispersion == 0:
        clients = rng.poisson(mu, size=(n_draws, len(mu)))
    else:
        size = 1.0 / dispersion
        clients = rng.negative_binomial(size, size / (size + mu), size=(n_draws, len(mu)))
    se = np.asarray(hours_sd, float) / np.sqrt(np.maximum(np.asarray(n_clients_data, float), 1))
    hours = np.asarray(hours_mean, float) + se * rng.standard_normal((n_draws, len(mu)))
    delivery = np.clip(rng.normal(delivery_mean, delivery_sd, (n_draws, len(mu))), 0, 1)
    return Draws(clients.astype(float), hours, delivery, tuple(areas))


@dataclass(frozen=True)
class RiskResult(ResultDisplay):
    """One rule set over the simulated years: per area the expected spending, its 5-95% range, the chance of a
    provider loss and of the ventiel, and the mean malus and skim."""

    ruleset: str
    label: str
    per_area: pd.DataFrame
    total_spend: np.ndarray  # (draws,)
    margin: np.ndarray  # (draws, areas)

    def to_frame(self) -> pd.DataFrame:
        return self.per_area


def simulate(rules: RuleSet, draws: Draws, *, forecast, budget, tariff: float, cost_per_hour: float) -> RiskResult:
    """Apply one rule set to the shared draws and summarise the risk for gemeente and providers.

    Parameters
    ----------
    rules : RuleSet
        The rule set (ventiel, malus, skim).
    draws : Draws
        The simulated years (``draw_scenarios``).
    forecast : array-like of float
        Forecast clients per area (> 0).
    budget : array-like of float
        Area budget per area, euros per year.
    tariff : float
        Euros per hour.
    cost_per_hour : float
        The provider's cost per delivered hour in euros.

    Returns
    -------
    RiskResult
        ``per_area``: gebied, budget, gem_uitgaven (mean spending of the gemeente), p05_uitgaven, p95_uitgaven,
        gem_marge (mean provider profit), kans_verlies (chance of a provider loss), kans_ventiel, gem_malus,
        gem_afroming; ``total_spend`` (per draw) and ``margin`` (draws x areas).

    Raises
    ------
    ValueError
        If a forecast is <= 0 or the shapes do not match (from ``apply_rules``).

    Examples
    --------
    >>> from analysis.financing.rules import RuleSet, Ventiel
    >>> d = draw_scenarios([100.0, 200.0], [120.0, 100.0], [60.0, 50.0], [90, 180], n_draws=1000, dispersion=0.02,
    ...                    delivery_mean=0.97, delivery_sd=0.03, seed=1, areas=["Noord", "Zuid"])
    >>> r = simulate(RuleSet("ventiel", "Met ventiel", Ventiel(0.05)), d, forecast=[100.0, 200.0],
    ...              budget=[360000.0, 600000.0], tariff=30.0, cost_per_hour=29.0)
    >>> r.per_area.gebied.tolist(), r.total_spend.shape
    (['Noord', 'Zuid'], (1000,))
    """
    out = apply_rules(
        rules,
        forecast=forecast,
        budget=budget,
        clients=draws.clients,
        hours_per_client=draws.hours_per_client,
        delivery=draws.delivery,
        tariff=tariff,
        cost_per_hour=cost_per_hour,
    )
    g, m = out["gemeente"], out["marge"]
    per_area = pd.DataFrame(
        {
            "gebied": draws.areas,
            "budget": np.asarray(budget, float),
            "gem_uitgaven": g.mean(0),
            "p05_uitgaven": np.quantile(g, 0.05, axis=0),
            "p95_uitgaven": np.quantile(g, 0.95, axis=0),
            "gem_marge": m.mean(0),
            "kans_verlies": (m < 0).mean(0),
            "kans_ventiel": out["ventiel_actief"].mean(0),
            "gem_malus": out["malus"].mean(0),
            "gem_afroming": out["afroming"].mean(0),
        }
    )
    return RiskResult(rules.name, rules.label, per_area, g.sum(1), m)


def compare_rulesets(rulesets: list[RuleSet], draws: Draws, **kw) -> tuple[pd.DataFrame, dict[str, RiskResult]]:
    """All rule sets on the same draws: a comparison table and the per-rule-set results.

    Parameters
    ----------
    rulesets : list of RuleSet
        The rule sets to compare.
    draws : Draws
        The shared simulated years (``draw_scenarios``).
    **kw
        ``forecast``, ``budget``, ``tariff`` and ``cost_per_hour``, as for ``simulate``.

    Returns
    -------
    tuple of (pandas.DataFrame, dict of str to RiskResult)
        The table, one row per rule set: ``regelset`` (label), ``gem_uitgaven``, ``p05``, ``p95``, ``sd_uitgaven``
        (total spending of the gemeente over the areas, euros per year), ``kans_verlies_aanbieder`` (share of draws
        and areas with a provider loss), ``kans_ventiel`` (mean over areas), ``gem_malus`` and ``gem_afroming`` (sums
        over areas); and the ``simulate`` result per rule-set name.

    Raises
    ------
    TypeError
        If one of the keyword arguments of ``simulate`` is missing.
    ValueError
        As ``simulate``.

    Examples
    --------
    >>> from analysis.financing.rules import RuleSet, Ventiel
    >>> d = draw_scenarios([100.0, 200.0], [120.0, 100.0], [60.0, 50.0], [90, 180], n_draws=1000, dispersion=0.02,
    ...                    delivery_mean=0.97, delivery_sd=0.03, seed=1, areas=["Noord", "Zuid"])
    >>> sets = [RuleSet("geen", "Vast budget"), RuleSet("ventiel", "Met ventiel", Ventiel(0.05))]
    >>> table, results = compare_rulesets(sets, d, forecast=[100.0, 200.0], budget=[360000.0, 600000.0],
    ...                                   tariff=30.0, cost_per_hour=29.0)
    >>> table.regelset.tolist(), float(table.sd_uitgaven.iloc[0])
    (['Vast budget', 'Met ventiel'], 0.0)
    """
    results = {r.name: simulate(r, draws, **kw) for r in rulesets}
    rows = []
    for r in rulesets:
        res = results[r.name]
        t = res.total_spend
        rows.append(
            {
                "regelset": r.label,
                "gem_uitgaven": t.mean(),
                "p05": np.quantile(t, 0.05),
                "p95": np.quantile(t, 0.95),
                "sd_uitgaven": t.std(),
                "kans_verlies_aanbieder": float((res.margin < 0).mean()),
                "kans_ventiel": float(res.per_area.kans_ventiel.mean()),
                "gem_malus": float(res.per_area.gem_malus.sum()),
                "gem_afroming": float(res.per_area.gem_afroming.sum()),
            }
        )
    return pd.DataFrame(rows), results
