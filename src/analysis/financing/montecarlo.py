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
    """Draw ``n_draws`` years: clients negative binomial around the forecast, mean hours normal with their
    sampling error, delivery ratio normal clipped to [0, 1]."""
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
    """Apply one rule set to the shared draws and summarise the risk for gemeente and providers."""
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
    """All rule sets on the same draws: a comparison table and the per-rule-set results."""
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
