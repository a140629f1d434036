"""Projection of HH clients 2025-2040: age-specific rates x population prognosis, scenarios, bootstrap intervals.

Prediction intervals come from a parametric bootstrap: base-year counts are redrawn from Poisson(count) (sampling
uncertainty of the rates), the tariff rate ratio from its estimated normal sampling distribution (log scale), and
each projected count from Poisson(mean) (year-to-year noise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

OLD_BANDS = ("75-84", "85+")


@dataclass(frozen=True)
class Scenario:
    """``multiplier(year, band, rng_draw)`` scales the base-year usage rate; ``rng_draw`` carries uncertain inputs."""

    name: str
    label: str
    multiplier: Callable[[int, str, dict], float]
    description: str = ""


def tariff_stays() -> Scenario:
    return Scenario(
        "tarief_blijft",
        "Abonnementstarief blijft",
        lambda y, b, d: 1.0,
        "Gebruik per leeftijdsgroep blijft op het niveau van het basisjaar.",
    )


def income_dependent_from(year_x: int, base_year: int, mean_duration_months: float) -> Scenario:
    """From ``year_x`` the tariff effect on inflow is reversed; the stock adjusts with the mean duration (S02)."""

    def mult(y, band, d):
        if y < year_x:
            return 1.0
        rr = d["tariff_rr"]
        years_since = y - year_x + 0.5
        return 1 / rr + (1 - 1 / rr) * np.exp(-years_since * 12 / mean_duration_months)

    return Scenario(
        f"inkomensafhankelijk_{year_x}",
        f"Inkomensafhankelijke bijdrage vanaf {year_x}",
        mult,
        "Het geschatte tariefeffect op de instroom wordt teruggedraaid; het bestand past zich aan "
        "met de gemiddelde duur van een indicatie.",
    )


def less_informal_care(extra_growth: float, base_year: int) -> Scenario:
    return Scenario(
        "minder_mantelzorg",
        "Snellere daling mantelzorg",
        lambda y, b, d: (1 + extra_growth) ** max(0, y - base_year) if b in OLD_BANDS else 1.0,
        f"Gebruik 75+ stijgt jaarlijks {extra_growth:.1%} extra door minder potentiële mantelzorgers.",
    )


def scenarios_from_log(log, base_year: int) -> dict[str, Scenario]:
    """The report scenarios with their defaults from the assumptions log (D02, S02)."""
    d02 = log.value("D02")
    return {
        "tarief_blijft": tariff_stays(),
        "inkomensafhankelijk": income_dependent_from(
            int(d02["income_dependent_from"]), base_year, float(log.value("S02"))
        ),
        "minder_mantelzorg": less_informal_care(float(d02["mantelzorg_extra_growth"]), base_year),
    }


@dataclass(frozen=True)
class ProjectionResult:
    frame: pd.DataFrame  # jaar, scenario, label, verwacht, ondergrens, bovengrens
    base_year: int
    n_boot: int
    level: float = 0.95
    draws: dict = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.frame


def project_demand(
    base: pd.DataFrame,
    prognosis: pd.DataFrame,
    years,
    scenarios: list[Scenario],
    *,
    tariff_rr: tuple[float, float] = (1.0, 0.0),
    n_boot: int = 2000,
    seed: int = 1,
    level: float = 0.95,
) -> ProjectionResult:
    """``base``: clients and inhabitants per age band in the base year; ``prognosis``: inwoners per jaar x band.
    ``tariff_rr`` = (estimate, standard error of log RR)."""
    if {"leeftijdsgroep", "clienten", "inwoners"} - set(base.columns):
        raise KeyError("base needs leeftijdsgroep, clienten, inwoners")
    if (base["inwoners"] <= 0).any():
        raise ValueError("base inwoners must be > 0")
    rng = np.random.default_rng(seed)
    bands = list(base["leeftijdsgroep"])
    pop = prognosis.groupby(["jaar", "leeftijdsgroep"])["inwoners"].sum().unstack()[bands]
    years = list(years)
    missing = set(years) - set(pop.index)
    if missing:
        raise ValueError(f"no population prognosis for {sorted(missing)}")
    k = base["clienten"].to_numpy(float)
    n = base["inwoners"].to_numpy(float)
    rate_draws = rng.poisson(np.maximum(k, 0), size=(n_boot, len(bands))) / n
    log_rr = np.log(tariff_rr[0]) + tariff_rr[1] * rng.standard_normal(n_boot)
    a = (1 - level) / 2
    rows, draws = [], {}
    for sc in scenarios:
        sims = np.empty((n_boot, len(years)))
        point = np.empty(len(years))
        for j, y in enumerate(years):
            p = pop.loc[y].to_numpy(float)
            m_point = np.array([sc.multiplier(y, b, {"tariff_rr": tariff_rr[0]}) for b in bands])
            point[j] = float(np.sum(k / n * m_point * p))
            m = (
                np.array([[sc.multiplier(y, b, {"tariff_rr": np.exp(lr)}) for b in bands] for lr in log_rr])
                if sc.name.startswith("inkomensafhankelijk")
                else np.broadcast_to(m_point, (n_boot, len(bands)))
            )
            mean = np.sum(rate_draws * m * p, axis=1)
            sims[:, j] = rng.poisson(mean)
        draws[sc.name] = sims
        for j, y in enumerate(years):
            rows.append(
                {
                    "jaar": y,
                    "scenario": sc.name,
                    "label": sc.label,
                    "verwacht": point[j],
                    "ondergrens": float(np.quantile(sims[:, j], a)),
                    "bovengrens": float(np.quantile(sims[:, j], 1 - a)),
                }
            )
    return ProjectionResult(pd.DataFrame(rows), int(base.get("jaar", pd.Series([0])).iloc[0]), n_boot, level, draws)


@dataclass(frozen=True)
class BacktestResult:
    frame: pd.DataFrame  # jaar, methode, voorspeld, werkelijk, fout, fout_pct
    mape: dict

    def to_frame(self) -> pd.DataFrame:
        return self.frame


def backtest(by_year_band: pd.DataFrame, *, fit_until: int = 2019, test_years=None) -> BacktestResult:
    """Fit on years <= ``fit_until`` and predict later years with the known population.

    Two methods: 'laatste_jaar' (rates of the last fitted year held constant) and 'trend' (log-linear trend in
    each age band's rate over the fitted years).
    """
    d = by_year_band.copy()
    d["rate"] = d["clienten"] / d["inwoners"]
    fit = d[d.jaar <= fit_until]
    test = d[d.jaar > fit_until] if test_years is None else d[d.jaar.isin(test_years)]
    if fit.jaar.nunique() < 2 or test.empty:
        raise ValueError("need at least two fitted years and one test year")
    rows = []
    last = fit[fit.jaar == fit_until].set_index("leeftijdsgroep")["rate"]
    slopes = {}
    for band, g in fit.groupby("leeftijdsgroep"):
        b, a = np.polyfit(g["jaar"], np.log(g["rate"]), 1)
        slopes[band] = (a, b)
    for y, g in test.groupby("jaar"):
        g = g.set_index("leeftijdsgroep")
        actual = g["clienten"].sum()
        pred_last = float((last.reindex(g.index) * g["inwoners"]).sum())
        pred_trend = float(sum(np.exp(slopes[bd][0] + slopes[bd][1] * y) * g.loc[bd, "inwoners"] for bd in g.index))
        for method, pred in (("laatste_jaar", pred_last), ("trend", pred_trend)):
            rows.append(
                {
                    "jaar": int(y),
                    "methode": method,
                    "voorspeld": pred,
                    "werkelijk": float(actual),
                    "fout": pred - actual,
                    "fout_pct": (pred - actual) / actual,
                }
            )
    f = pd.DataFrame(rows)
    mape = f.groupby("methode")["fout_pct"].apply(lambda s: float(np.mean(np.abs(s)))).to_dict()
    return BacktestResult(f, mape)
