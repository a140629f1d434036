"""Forecast intervals a council can plan on, and back-tests that judge them.

``rate_drift``: per age band, a random walk with drift on the log usage rate (an ARIMA(0,1,0) model with drift,
whose maximum-likelihood estimates are the mean and standard deviation of the year-on-year log changes; checked
against statsmodels' ARIMA in the tests), with the Poisson noise of the observed counts taken out of the
innovation variance. Changes across a known break (the abonnementstarief, 2019 and the year the
stock adjusts, 2020) are left out: a one-off level shift is not a drift.

``simulate_projection``: the cohort-component projection (rates x population prognosis, ours) with every source of
uncertainty drawn jointly, and switchable one by one for a variance decomposition:

- ``steekproef``: Poisson sampling noise of the base-year counts and of each projected year;
- ``drift``: the random walk of the log rates (innovations) and the sampling error of the estimated drift;
- ``bevolking``: the error of the population prognosis, a stated relative error that grows with the horizon
  (assumption D03), common to all age bands within a draw (prognosis errors are correlated);
- ``scenario``: the scenario parameters' own uncertainty (the tariff rate ratio's standard error, the extra growth
  from fewer mantelzorgers).

``rolling_origin``: fit up to year t, forecast t+1 ... t+h, for many series at once, for the model (random walk
with drift on the log scale, intervals from the pooled year-on-year variation and the drift's sampling error) and
two naive benchmarks (last value, linear trend): accuracy by horizon and empirical coverage of the 80% and 95%
intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.results import ResultDisplay

SOURCES = ("steekproef", "drift", "bevolking", "scenario")


@dataclass(frozen=True)
class Drift(ResultDisplay):
    """Per band: ``mu`` (yearly drift of the log rate), ``sigma`` (sd of yearly innovations), ``mu_se``, ``n``."""

    table: pd.DataFrame  # leeftijdsgroep, mu, sigma, mu_se, n_changes

    def to_frame(self) -> pd.DataFrame:
        return self.table


def rate_drift(history: pd.DataFrame, *, exclude_changes_into=(2019, 2020)) -> Drift:
    """Random walk with drift on log(clienten / inwoners) per ``leeftijdsgroep`` over ``jaar``."""
    need = {"jaar", "leeftijdsgroep", "clienten", "inwoners"}
    if need - set(history.columns):
        raise KeyError(f"history needs columns {sorted(need)}")
    rows = []
    for band, g in history.sort_values("jaar").groupby("leeftijdsgroep", sort=False):
        if (g.clienten <= 0).any():
            raise ValueError(f"band {band}: a year without clients has no log rate")
        k = g.clienten.to_numpy(float)
        lr = np.log(k / g.inwoners.to_numpy(float))
        yrs = g.jaar.to_numpy()
        keep = (np.diff(yrs) == 1) & ~np.isin(yrs[1:], list(exclude_changes_into))
        d = np.diff(lr)[keep]
        if len(d) < 2:
            raise ValueError(f"band {band}: need at least two year-on-year changes outside the break to fit a drift")
        # an observed log rate carries Poisson noise (variance about 1/count) that does not accumulate: take it out
        # of the variance of the changes, or the random walk would count it as drift and every year again
        sampling = float(np.mean((1 / k[1:] + 1 / k[:-1])[keep]))
        sigma = float(np.sqrt(max(np.var(d, ddof=1) - sampling, 0.0)))
        rows.append({"leeftijdsgroep": band, "mu": float(d.mean()), "sigma": sigma,
                     # the mean change telescopes: its sampling error is the walk's (sigma^2 / n) plus the Poisson noise
                     # of the two end points only (about 2 / count / n^2), not n times the noise of one change
                     "mu_se": float(np.sqrt(sigma**2 / len(d) + sampling / len(d) ** 2)),
                     "n_changes": int(len(d))})  # fmt: skip
    return Drift(pd.DataFrame(rows))


@dataclass(frozen=True)
class SimulatedProjection(ResultDisplay):
    """``frame``: jaar, scenario, label, verwacht (the point forecast), ondergrens/bovengrens (95%), onder80/boven80
    and p90 (the number to be able to serve with 90% certainty). ``variance_shares``: per source, its share of the
    variance of log(clients) at the reported years (each source alone, shares of their sum)."""

    frame: pd.DataFrame
    variance_shares: pd.DataFrame
    drift: Drift
    base_year: int
    n_boot: int
    pop_error_per_year: float
    draws: dict = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.frame


def _simulate(base, drift, pop, years, base_year, scenario, params, on, rng, n_boot):
    """Draws of total clients (n_boot x years) for one scenario with the sources in ``on`` switched on."""
    bands = list(base.leeftijdsgroep)
    k = base.clienten.to_numpy(float)
    n = base.inwoners.to_numpy(float)
    dt = drift.table.set_index("leeftijdsgroep").loc[bands]
    h = np.array([y - base_year for y in years], float)
    r0 = (
        (rng.poisson(k, size=(n_boot, len(bands))) / n)
        if "steekproef" in on
        else np.broadcast_to(k / n, (n_boot, len(bands)))
    )
    mu = dt.mu.to_numpy() + (dt.mu_se.to_numpy() * rng.standard_normal((n_boot, len(bands))) if "drift" in on else 0.0)
    if "drift" in on:
        # the innovation sd is itself estimated from a handful of changes: draw it from its sampling distribution
        # (scaled inverse chi-square), which gives the random walk the heavier tails of a t predictive distribution
        dfree = np.maximum(dt.n_changes.to_numpy() - 1, 1)
        sig = dt.sigma.to_numpy() * np.sqrt(dfree / rng.chisquare(dfree, size=(n_boot, len(bands))))
        eps = rng.standard_normal((n_boot, len(years), len(bands))) * sig[:, None, :]
        walk = np.cumsum(eps, axis=1)
    else:
        walk = np.zeros((n_boot, len(years), len(bands)))
    z_pop = rng.standard_normal(n_boot) if "bevolking" in on else np.zeros(n_boot)
    pop_err = np.exp(z_pop[:, None] * params["pop_error_per_year"] * h[None, :])  # (n_boot, years)
    tariff_lr = np.log(params["tariff_rr"][0]) + (
        params["tariff_rr"][1] * rng.standard_normal(n_boot) if "scenario" in on else 0.0
    )
    extra = params["mantelzorg_growth"][0] + (
        params["mantelzorg_growth"][1] * rng.standard_normal(n_boot) if "scenario" in on else 0.0
    )
    out = np.empty((n_boot, len(years)))
    for j, y in enumerate(years):
        p = pop.loc[y].to_numpy(float)
        log_rate = np.log(r0) + mu * h[j] + walk[:, j, :]
        m = np.stack(
            [
                np.array([scenario.multiplier(y, b, {"tariff_rr": np.exp(tl), "extra_growth": eg}) for b in bands])
                for tl, eg in zip(np.broadcast_to(tariff_lr, n_boot), np.broadcast_to(extra, n_boot))
            ]
        ) if scenario.uncertain else np.broadcast_to(
            np.array([scenario.multiplier(y, b, {"tariff_rr": params["tariff_rr"][0],
                                                  "extra_growth": params["mantelzorg_growth"][0]}) for b in bands]),
            (n_boot, len(bands)),
        )  # fmt: skip
        mean = np.sum(np.exp(log_rate) * m * p, axis=1) * pop_err[:, j]
        out[:, j] = rng.poisson(mean) if "steekproef" in on else mean
    return out


def simulate_projection(
    history: pd.DataFrame,
    prognosis: pd.DataFrame,
    years,
    scenarios: list,
    *,
    tariff_rr: tuple[float, float] = (1.0, 0.0),
    mantelzorg_growth: tuple[float, float] = (0.0, 0.0),
    pop_error_per_year: float = 0.005,
    exclude_changes_into=(2019, 2020),
    decompose_years=(2030, 2040),
    n_boot: int = 2000,
    seed: int = 1,
) -> SimulatedProjection:
    """Projection from the last year of ``history`` (jaar, leeftijdsgroep, clienten, inwoners) with the population
    ``prognosis`` (jaar, leeftijdsgroep, inwoners; summed over areas) for ``years``."""
    if n_boot < 100:
        raise ValueError("n_boot must be at least 100 for quantiles to mean anything")
    base_year = int(history.jaar.max())
    base = history[history.jaar == base_year]
    if (base.inwoners <= 0).any():
        raise ValueError("base inwoners must be > 0")
    bands = list(base.leeftijdsgroep)
    pop = prognosis.groupby(["jaar", "leeftijdsgroep"])["inwoners"].sum().unstack()[bands]
    years = list(years)
    missing = set(years) - set(pop.index)
    if missing:
        raise ValueError(f"no population prognosis for {sorted(missing)}")
    drift = rate_drift(history, exclude_changes_into=exclude_changes_into)
    params = {"tariff_rr": tariff_rr, "mantelzorg_growth": mantelzorg_growth, "pop_error_per_year": pop_error_per_year}
    rng = np.random.default_rng(seed)
    dt = drift.table.set_index("leeftijdsgroep").loc[bands]
    k, n = base.clienten.to_numpy(float), base.inwoners.to_numpy(float)
    rows, draws, shares = [], {}, []
    for sc in scenarios:
        sims = _simulate(base, drift, pop, years, base_year, sc, params, set(SOURCES), rng, n_boot)
        draws[sc.name] = sims
        for j, y in enumerate(years):
            m = np.array([sc.multiplier(y, b, {"tariff_rr": tariff_rr[0], "extra_growth": mantelzorg_growth[0]})
                          for b in bands])  # fmt: skip
            point = float(np.sum(k / n * np.exp(dt.mu.to_numpy() * (y - base_year)) * m * pop.loc[y].to_numpy(float)))
            q = np.quantile(sims[:, j], [0.025, 0.1, 0.9, 0.975])
            rows.append({"jaar": y, "scenario": sc.name, "label": sc.label, "verwacht": point, "ondergrens": q[0],
                         "onder80": q[1], "boven80": q[2], "bovengrens": q[3], "p90": q[2]})  # fmt: skip
        dec = [y for y in decompose_years if y in years]
        if dec:
            idx = [years.index(y) for y in dec]
            var = {}
            for src in SOURCES:
                alone = _simulate(base, drift, pop, years, base_year, sc, params, {src}, rng, n_boot)[:, idx]
                var[src] = np.var(np.log(np.maximum(alone, 1)), axis=0)
            total = sum(var.values())
            for src in SOURCES:
                for y, v, t in zip(dec, var[src], total):
                    shares.append({"scenario": sc.name, "bron": src, "jaar": y, "aandeel": float(v / t) if t else 0.0})
    return SimulatedProjection(pd.DataFrame(rows), pd.DataFrame(shares), drift, base_year, n_boot,
                               pop_error_per_year, draws)  # fmt: skip


# ------------------------------------------------------------------------------------------------ back-tests


@dataclass(frozen=True)
class RollingOrigin(ResultDisplay):
    """``forecasts``: one row per series x origin x target x method with forecast, actual, ape (absolute
    percentage error) and, for the interval methods, the 80% and 95% bounds. ``accuracy``: per method and horizon,
    n, MAPE and the empirical coverage of the 80% and 95% intervals."""

    forecasts: pd.DataFrame
    accuracy: pd.DataFrame
    name: str

    def to_frame(self) -> pd.DataFrame:
        return self.accuracy

    def best_by_horizon(self) -> pd.DataFrame:
        a = self.accuracy.pivot(index="horizon", columns="methode", values="mape")
        return a.assign(model_beste=a["model"] <= a.drop(columns="model").min(axis=1))


def rolling_origin(
    data: pd.DataFrame,
    *,
    unit: str | None,
    time: str,
    value: str,
    horizons=range(1, 6),
    min_train: int = 2,
    name: str = "",
) -> RollingOrigin:
    """Rolling-origin evaluation over every series (``unit``; None = one series) and every origin with at least
    ``min_train`` years. Years may have gaps (a horizon is the difference in years)."""
    d = data[[c for c in (unit, time, value) if c]].dropna()
    d = d[d[value] > 0]
    if unit is None:
        d = d.assign(_u="reeks")
        unit = "_u"
    d = d.sort_values([unit, time])
    horizons = set(horizons)
    z80, z95 = stats.norm.ppf(0.9), stats.norm.ppf(0.975)
    origins = sorted(d[time].unique())
    rows = []
    for t in origins:
        train = d[d[time] <= t]
        # pooled year-on-year log changes of all series up to the origin: the spread a single short series cannot
        # estimate on its own
        tr = train.assign(_l=np.log(train[value]))
        tr["_d"] = tr.groupby(unit)["_l"].diff()
        tr["_gap"] = tr.groupby(unit)[time].diff()
        ch = tr.loc[tr["_gap"] == 1, "_d"]
        n_changes = tr.loc[ch.index, unit].value_counts().to_dict()
        # innovation sd: the pooled spread of year-on-year changes (with a single change per series a within-series
        # spread does not exist); the naive benchmark's spread is their root mean square
        sigma = float(np.std(ch, ddof=1)) if len(ch) > 1 else np.nan
        rms = float(np.sqrt(np.mean(ch**2))) if len(ch) else np.nan
        for u, g in train.groupby(unit):
            if len(g) < min_train or g[time].max() != t:
                continue
            yrs, y = g[time].to_numpy(float), np.log(g[value].to_numpy(float))
            span = yrs[-1] - yrs[0]
            mu = (y[-1] - y[0]) / span
            own = n_changes.get(u, 0)
            n_ch = max(own, 1)
            slope, icpt = np.polyfit(yrs, g[value].to_numpy(float), 1)
            future = d[(d[unit] == u) & (d[time] > t)]
            for yr, actual in zip(future[time], future[value]):
                hh = float(yr - t)
                if hh not in horizons:
                    continue
                se_m = np.sqrt(hh * sigma**2 + (hh**2) * sigma**2 / n_ch)
                se_n = np.sqrt(hh) * rms
                for method, centre, se in (
                    ("model", y[-1] + mu * hh, se_m),
                    ("laatste_waarde", y[-1], se_n),
                    ("lineaire_trend", None, np.nan),
                ):
                    fc = float(np.exp(centre)) if centre is not None else float(icpt + slope * yr)
                    row = {"reeks": u, "origin": t, "jaar": yr, "horizon": int(hh), "methode": method,
                           "voorspeld": fc, "werkelijk": float(actual), "ape": abs(fc - actual) / actual}  # fmt: skip
                    if np.isfinite(se) and centre is not None:
                        la = np.log(actual)
                        row["in80"] = abs(la - centre) <= z80 * se
                        row["in95"] = abs(la - centre) <= z95 * se
                    rows.append(row)
    f = pd.DataFrame(rows)
    for c in ("in80", "in95"):
        f[c] = pd.to_numeric(f.get(c), errors="coerce").astype(float) if c in f else np.nan
    if f.empty:
        raise ValueError(f"{name or 'series'}: too few years for a rolling-origin evaluation")
    acc = (
        f.groupby(["methode", "horizon"])
        .agg(
            n=("ape", "size"),
            mape=("ape", "mean"),
            mdape=("ape", "median"),
            dekking80=("in80", "mean"),
            dekking95=("in95", "mean"),
        )
        .reset_index()
    )
    return RollingOrigin(f, acc, name)
