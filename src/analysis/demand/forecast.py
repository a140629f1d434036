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

from dataclasses import dataclass, field, replace

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
    """Random walk with drift on log(clienten / inwoners) per ``leeftijdsgroep`` over ``jaar``.

    An ARIMA(0,1,0) model with drift per age band: ``mu`` is the mean of the year-on-year changes of the log usage
    rate (its maximum-likelihood estimate), ``sigma`` their standard deviation with the Poisson noise of the observed
    counts (variance about 1/count per year, which does not accumulate) taken out. Only changes between consecutive
    years count, and changes into the years in ``exclude_changes_into`` (the abonnementstarief, 2019, and the year the
    stock adjusts, 2020) are left out: a one-off level shift is not a drift.

    Parameters
    ----------
    history : pandas.DataFrame
        Registered clients and inhabitants per year and age band: ``jaar``, ``leeftijdsgroep``, ``clienten``,
        ``inwoners`` (e.g. ``rates.hh_rates``).
    exclude_changes_into : iterable of int, default (2019, 2020)
        Years whose change from the year before is left out.

    Returns
    -------
    Drift
        ``table`` with one row per band: ``leeftijdsgroep``, ``mu`` (yearly drift of the log rate), ``sigma`` (sd of
        the yearly innovations), ``mu_se`` (standard error of ``mu``: the walk's sigma^2/n plus the Poisson noise of
        the two end points) and ``n_changes``.

    Raises
    ------
    KeyError
        If ``history`` lacks one of the four columns.
    ValueError
        If a band has a year without clients (no log rate) or fewer than two year-on-year changes outside the
        excluded years.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"jaar": range(2015, 2020), "leeftijdsgroep": "75-84",
    ...                   "clienten": [1000, 1030, 1061, 1093, 1300], "inwoners": 10000})
    >>> d = rate_drift(h).table
    >>> d[["leeftijdsgroep", "mu", "n_changes"]].round(4).values.tolist()
    [['75-84', 0.0296, 3]]
    """
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


def point_projection(
    history: pd.DataFrame,
    population: pd.DataFrame,
    years,
    scenario,
    *,
    base_year: int | None = None,
    tariff_rr: float = 1.0,
    extra_growth: float | None = None,
    exclude_changes_into=(2019, 2020),
) -> pd.DataFrame:
    """Expected clients per year x age band (x ``gebied`` when ``population`` has it): the one projection every
    report uses (hh-raad's central line, hh-bekostiging's area budgets), so that the same year and scenario give
    the same number in every appendix.

    ``history``: jaar, leeftijdsgroep, clienten, inwoners (``rates.hh_rates``) up to ``base_year`` (default its last
    year). For a year after the base year the usage rate is the base year's, moved by each band's drift
    (``rate_drift``) and the ``scenario``'s multiplier (drawn inputs ``tariff_rr`` and ``extra_growth``; None = the
    scenario's own default); for a year up to the base year it is the registered rate of that year (the
    registration, not a forecast). Returns jaar, [gebied,] leeftijdsgroep, inwoners, per_1000 and
    verwachte_clienten.

    Parameters
    ----------
    history : pandas.DataFrame
        Registered clients and inhabitants per year and age band.
    population : pandas.DataFrame
        Population (prognosis) per year, age band and optionally gebied.
    years : iterable of int
        The years to project.
    scenario : Scenario
        A scenario of ``analysis.demand.projection`` (multiplier per year and band).
    base_year, tariff_rr, extra_growth, exclude_changes_into
        See above; ``exclude_changes_into`` are the years whose change is left out of the drift (the 2019 jump).

    Returns
    -------
    pandas.DataFrame
        jaar, [gebied,] leeftijdsgroep, inwoners, per_1000, verwachte_clienten.

    Raises
    ------
    ValueError
        For a base year without registration or years without a population.

    Examples
    --------
    >>> p = point_projection(history, population, [2028], scenarios["tarief_blijft"])  # doctest: +SKIP
    """
    base_year = int(history.jaar.max()) if base_year is None else int(base_year)
    hist = history[history.jaar <= base_year]
    if base_year not in set(hist.jaar):
        raise ValueError(f"no registration for the base year {base_year}")
    years = [int(y) for y in years]
    early = sorted(set(y for y in years if y <= base_year) - set(hist.jaar))
    if early:
        raise ValueError(f"no registration for {early} (the registration covers {sorted(set(hist.jaar))})")
    drift = rate_drift(hist, exclude_changes_into=exclude_changes_into).table.set_index("leeftijdsgroep").mu
    rate = hist.assign(r=hist.clienten / hist.inwoners).set_index(["jaar", "leeftijdsgroep"]).r
    draw = {"tariff_rr": tariff_rr, **({} if extra_growth is None else {"extra_growth": extra_growth})}
    keys = [c for c in ("gebied",) if c in population.columns]
    rows = []
    for y in years:
        p = population[population.jaar == y]
        if p.empty:
            raise ValueError(f"no population (prognosis) for {y}")
        p = p.groupby(keys + ["leeftijdsgroep"], as_index=False).inwoners.sum()
        bands = p.leeftijdsgroep.unique()
        missing = set(bands) - set(drift.index)
        if missing:
            raise ValueError(f"no registration for age band(s) {sorted(missing)}")
        r = {b: (rate[(y, b)] if y <= base_year else rate[(base_year, b)] * np.exp(drift[b] * (y - base_year)))
                * scenario.multiplier(y, b, draw) for b in bands}  # fmt: skip
        p["per_1000"] = p.leeftijdsgroep.map(r) * 1000
        p["verwachte_clienten"] = p.inwoners * p.per_1000 / 1000
        rows.append(p.assign(jaar=y))
    out = pd.concat(rows, ignore_index=True)
    return out[["jaar", *keys, "leeftijdsgroep", "inwoners", "per_1000", "verwachte_clienten"]]


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
    calibrated_on: str = ""  # the back-test the intervals are calibrated to ('' = the simulation's own intervals)

    def to_frame(self) -> pd.DataFrame:
        return self.frame

    def supports_planning(self, year: int, scenario: str | None = None) -> bool:
        """Whether the upper bound of the 80% interval in ``year`` may be printed as the number to be able to serve
        'met 90% zekerheid': only after ``calibrate_projection``, and only where the back-test has at least
        ``MIN_FORECASTS`` out-of-sample forecasts at that horizon whose calibrated 80% intervals covered 70-90%."""
        if "planbaar" not in self.frame:
            return False
        r = self.frame[(self.frame.jaar == year) & ((self.frame.scenario == scenario) if scenario else True)]
        return bool(len(r)) and bool(r.planbaar.all())


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
    """Simulated HH projection with every source of uncertainty, per scenario.

    The projection starts from the last year of ``history`` (jaar, leeftijdsgroep, clienten, inwoners) and uses the
    population ``prognosis`` (jaar, leeftijdsgroep, inwoners; summed over areas) for ``years``. The central line
    (``verwacht``) is ``point_projection``, the one projection every report uses; the intervals are quantiles of
    ``n_boot`` draws of the cohort-component model (rates x population) with every source drawn jointly:

    - ``steekproef``: Poisson sampling noise of the base-year counts and of each projected year;
    - ``drift``: the random walk of the log rates (``rate_drift``; innovation sd drawn from its sampling distribution)
      and the sampling error of the estimated drift;
    - ``bevolking``: the error of the population prognosis, ``pop_error_per_year`` x horizon on the log scale
      (assumption D03), common to all age bands within a draw;
    - ``scenario``: the scenario parameters' own uncertainty (``tariff_rr`` and ``mantelzorg_growth`` standard
      errors).

    For ``decompose_years`` each source is also simulated alone; its share of the variance of log(clients) is in
    ``variance_shares``.

    Parameters
    ----------
    history : pandas.DataFrame
        Registered clients and inhabitants per year and age band (``rates.hh_rates``).
    prognosis : pandas.DataFrame
        Population prognosis: ``jaar``, ``leeftijdsgroep``, ``inwoners`` for every year in ``years``.
    years : iterable of int
        The projected years.
    scenarios : list of Scenario
        Scenarios of ``analysis.demand.projection``.
    tariff_rr : tuple of float, default (1.0, 0.0)
        The abonnementstarief rate ratio (ITS) and the standard error of its log.
    mantelzorg_growth : tuple of float, default (0.0, 0.0)
        Extra yearly growth of 75+ usage from fewer mantelzorgers and its standard deviation (assumption D02).
    pop_error_per_year : float, default 0.005
        Relative prognosis error per year of horizon (assumption D03).
    exclude_changes_into : iterable of int, default (2019, 2020)
        Years whose change is left out of the drift.
    decompose_years : iterable of int, default (2030, 2040)
        Years of the variance decomposition (those in ``years``).
    n_boot : int, default 2000
        Draws per scenario (at least 100).
    seed : int, default 1
        Seed of the random generator.

    Returns
    -------
    SimulatedProjection
        ``frame``: jaar, scenario, label, verwacht, ondergrens/bovengrens (95%), onder80/boven80 (80%) and p90 (the
        number of clients to be able to serve with 90% certainty); ``variance_shares``: scenario, bron, jaar, aandeel;
        ``drift``, ``base_year``, ``n_boot``, ``pop_error_per_year`` and the raw ``draws`` per scenario.

    Raises
    ------
    ValueError
        If ``n_boot`` < 100, a base-year population is <= 0, the prognosis lacks a projected year, or from
        ``rate_drift`` / ``point_projection`` (too few changes, a band without registration).
    KeyError
        If the prognosis lacks an age band of the base year.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from analysis.demand.projection import tariff_stays
    >>> years = np.repeat(np.arange(2015, 2025), 2)
    >>> hist = pd.DataFrame({"jaar": years, "leeftijdsgroep": ["75-84", "85+"] * 10,
    ...                      "clienten": np.where(np.arange(20) % 2, 800, 1000) * 1.02 ** (years - 2015),
    ...                      "inwoners": [10000, 3000] * 10}).round()
    >>> prog = pd.DataFrame({"jaar": np.repeat(np.arange(2025, 2031), 2), "leeftijdsgroep": ["75-84", "85+"] * 6,
    ...                      "inwoners": [10500, 3200] * 6})
    >>> p = simulate_projection(hist, prog, range(2025, 2031), [tariff_stays()], n_boot=200)
    >>> p.base_year, len(p.frame)
    (2024, 6)
    >>> bool((p.frame.ondergrens < p.frame.verwacht).all() and (p.frame.verwacht < p.frame.bovengrens).all())
    True
    """
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
    rows, draws, shares = [], {}, []
    for sc in scenarios:
        sims = _simulate(base, drift, pop, years, base_year, sc, params, set(SOURCES), rng, n_boot)
        draws[sc.name] = sims
        # the central line is the one projection every report uses (point_projection)
        pp = point_projection(history, prognosis[prognosis.leeftijdsgroep.isin(bands)], years, sc,
                              base_year=base_year, tariff_rr=tariff_rr[0], extra_growth=mantelzorg_growth[0],
                              exclude_changes_into=exclude_changes_into)  # fmt: skip
        pp = pp.groupby("jaar").verwachte_clienten.sum()
        for j, y in enumerate(years):
            point = float(pp.loc[y])
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


# The smallest number of earlier out-of-sample errors an interval may be calibrated on, and the smallest number of
# forecasts a back-test row needs before its coverage is read as evidence. With n errors the split-conformal
# quantile at level p is the ceil((n + 1) p)-th smallest (Vovk et al. 2005; Lei et al. 2018, JASA 113:1094), which
# is finite for the 95% level only from n = 19 on; 20 also makes the coverage of one row an average of at least
# 20 hits (standard error about 9 points at 80%).
MIN_FORECASTS = 20


def conformal_quantile(scores, level: float) -> float:
    """The split-conformal quantile of absolute errors ``scores`` at ``level``: the ceil((n + 1) level)-th
    smallest (Lei et al. 2018). An interval of that half-width covers a new exchangeable error with probability at
    least ``level``. NaN when there are too few scores for a finite quantile.

    Parameters
    ----------
    scores : array-like
        Absolute out-of-sample errors (here: of log forecasts).
    level : float
        Coverage, between 0 and 1.

    Returns
    -------
    float
        The half-width; NaN when ceil((n + 1) level) > n.

    Raises
    ------
    ValueError
        For a level outside (0, 1).

    Examples
    --------
    >>> conformal_quantile([0.05, 0.1, 0.2, 0.4], 0.5)
    0.2
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, not {level}")
    s = np.sort(np.asarray(scores, float)[np.isfinite(scores)])
    k = int(np.ceil((len(s) + 1) * level))
    return float(s[k - 1]) if 0 < k <= len(s) else float("nan")


def _recent(known, origin, min_forecasts):
    """The forecasts in ``known`` from the most recent origins, as few origins as give ``min_forecasts``."""
    if known.sum() < min_forecasts:
        return known
    keep = known.copy()
    for o in sorted(set(origin[known]), reverse=True):
        keep = known & (origin >= o)
        if keep.sum() >= min_forecasts:
            break
    return keep


def _history_factor(h, n_changes):
    """How much a trend forecast's error grows with the horizon ``h`` relative to its history of ``n_changes``
    year-on-year changes: the random walk with an estimated drift has variance sigma^2 h (1 + h / n), so
    sqrt(1 + h / n) is the part that shrinks as the history grows."""
    return np.sqrt(1 + h / np.maximum(n_changes, 1))


def _calibrated_halfwidths(err, horizon, n_changes, origin, known, h, n_now, min_forecasts):
    """Half-widths (log scale) of the calibrated 80% and 95% intervals of a forecast ``h`` years ahead from a
    history of ``n_now`` changes, from the errors in ``known`` (a boolean mask of forecasts whose outcome is already
    observed); also the rule used and the number of errors behind it.

    Split-conformal in time (Lei et al. 2018; for forecasts: Stankeviciute et al. 2021), pooled over series: the
    conformal quantile of the absolute log errors of earlier forecasts, each divided by ``_history_factor`` (an
    earlier forecast had a shorter history and so a larger error; without this, later intervals come out too wide)
    and multiplied back with the factor of the forecast at hand. Only the most recent origins that together give
    ``min_forecasts`` errors are used.

    Rule: with at least ``min_forecasts`` known errors at horizon ``h``, those ('per horizon'). Otherwise, with at
    least ``min_forecasts`` known errors at any horizon, the scores also divided by horizon^b and pooled over
    horizons, times h^b ('geschaald'); b is how the median score grows with the horizon in the known errors
    (between a random walk's 0,5 and a drift error's 1; 1, the conservative end, when fewer than two horizons have
    five errors). Otherwise no interval ('te weinig').

    Limit: the history factor assumes errors shrink with the history as a random walk's do. Where deviations from
    the drift persist for years the errors shrink less, and the calibrated intervals at long horizons cover less
    than promised (simulation with AR(1) deviations, coefficient 0,7: 60-75% at 5 years; 0,5: 77-84%)."""
    score = np.abs(err) / _history_factor(horizon, n_changes)
    now = _history_factor(h, n_now)
    at_h = known & (horizon == h)
    if at_h.sum() >= min_forecasts:
        z = score[_recent(at_h, origin, min_forecasts)]
        return now * conformal_quantile(z, 0.8), now * conformal_quantile(z, 0.95), "per horizon", len(z)
    if known.sum() >= min_forecasts:
        use = _recent(known, origin, min_forecasts)
        b = _growth_exponent(score[known], horizon[known])
        z = score[use] / horizon[use] ** b
        r = now * h**b
        return r * conformal_quantile(z, 0.8), r * conformal_quantile(z, 0.95), "geschaald", int(use.sum())
    return np.nan, np.nan, "te weinig", int(at_h.sum())


def _growth_exponent(abs_err, horizon) -> float:
    """b in median |error| ~ horizon^b, by least squares on the logs over horizons with at least five errors,
    clipped to [0,5; 1]; 1 when fewer than two horizons qualify."""
    hs = [h for h in np.unique(horizon) if (horizon == h).sum() >= 5]
    med = [np.median(abs_err[horizon == h]) for h in hs]
    if len(hs) < 2 or min(med) <= 0:
        return 1.0
    return float(np.clip(np.polyfit(np.log(hs), np.log(med), 1)[0], 0.5, 1.0))


def _model_se(h, sigma, n_changes):
    """The back-test model's standard error of a log forecast ``h`` years ahead: the random walk's innovations plus
    the error of a drift estimated from ``n_changes`` year-on-year changes."""
    return np.sqrt(h * sigma**2 + h**2 * sigma**2 / max(n_changes, 1))


@dataclass(frozen=True)
class RollingOrigin(ResultDisplay):
    """A rolling-origin back-test.

    ``forecasts``: one row per series x origin x target x method with forecast (voorspeld), actual (werkelijk), ape
    (absolute percentage error) and, for the methods with an interval (model, laatste_waarde), the model-based 80%
    and 95% bounds (onder80, boven80, ondergrens, bovengrens), whether the actual fell inside (in80, in95), the
    standard error (se) and error (fout_log) on the log scale and the year-on-year changes behind the forecast
    (n_veranderingen). The model rows also carry the calibrated bounds (onder80_k, boven80_k, ondergrens_k,
    bovengrens_k, in80_k, in95_k, kalibratie = the rule used, see ``_calibrated_halfwidths``), computed only from
    errors observed by the origin (out of sample: a forecast's own error, and any later one, never calibrates its
    interval).

    ``accuracy``: per method and horizon, ``n`` = the number of forecasts, which every column of the row averages
    over (MAPE, MdAPE and the coverage of the model-based intervals); ``n_gekalibreerd`` = the forecasts that had a
    calibrated interval, over which ``dekking80_k`` and ``dekking95_k`` average; ``genoeg`` = n_gekalibreerd is at
    least ``min_forecasts``, i.e. the calibrated coverage of the row is evidence rather than anecdote.

    ``calibration``: per horizon, what a forecast made today would use, from the errors of the back-test: the rule
    (kalibratie), the number of errors behind it (n_kalibratie) and the half-widths of the calibrated 80% and 95%
    intervals on the log scale (q80, q95)."""

    forecasts: pd.DataFrame
    accuracy: pd.DataFrame
    name: str
    calibration: pd.DataFrame = field(default_factory=pd.DataFrame)
    min_forecasts: int = MIN_FORECASTS
    n_changes_last: float = float("nan")  # year-on-year changes behind a forecast from the last origin (median)

    def to_frame(self) -> pd.DataFrame:
        return self.accuracy

    def best_by_horizon(self) -> pd.DataFrame:
        a = self.accuracy.pivot(index="horizon", columns="methode", values="mape")
        return a.assign(model_beste=a["model"] <= a.drop(columns="model").min(axis=1))

    def calibration_supported(self, horizon: int, *, tolerance: float = 0.1) -> bool:
        """True when the calibrated 80% interval at ``horizon`` rests on at least ``min_forecasts`` out-of-sample
        forecasts and covered the actual value within ``tolerance`` of 80% in the back-test: then its upper bound
        may be read as 'met 90% zekerheid niet meer dan'."""
        a = self.accuracy[(self.accuracy.methode == "model") & (self.accuracy.horizon == horizon)]
        if a.empty:
            return False
        r = a.iloc[0]
        return bool(r.n_gekalibreerd >= self.min_forecasts and abs(r.dekking80_k - 0.8) <= tolerance)


def rolling_origin(
    data: pd.DataFrame,
    *,
    unit: str | None,
    time: str,
    value: str,
    horizons=range(1, 6),
    min_train: int = 2,
    min_changes: int = 3,
    min_forecasts: int = MIN_FORECASTS,
    name: str = "",
) -> RollingOrigin:
    """Rolling-origin back-test: fit up to year t, forecast t+1 ... t+h, for many series at once.

    Evaluated over every series (``unit``; None = one series) and every origin with at least ``min_train`` years.
    Years may have gaps (a horizon is the difference in years). Three methods: ``model`` (random walk with drift on
    the log scale, intervals from the pooled year-on-year variation and the drift's sampling error),
    ``laatste_waarde`` (last value) and ``lineaire_trend`` (linear trend). Origins at which the pooled spread of
    year-on-year changes rests on fewer than ``min_changes`` changes are left out for every method, so that all
    methods are judged on the same forecasts and ``n`` is what each row averages over.

    Besides the model's own intervals, each model forecast gets an interval calibrated on the errors of earlier
    forecasts (split-conformal in time, pooled over all series; ``min_forecasts`` is the rule for horizons with too
    few, see ``_calibrated_halfwidths``), so the calibrated coverage is out of sample.

    Parameters
    ----------
    data : pandas.DataFrame
        Long table with ``time``, ``value`` and (unless None) ``unit``; rows with a missing or non-positive value are
        dropped.
    unit : str or None
        Column naming the series (e.g. ``gemeente_code``); None for one series.
    time : str
        Year column.
    value : str
        The series (e.g. ``hh_clienten``).
    horizons : iterable of int, default range(1, 6)
        Horizons (years ahead) evaluated.
    min_train : int, default 2
        Fewest years a series needs at an origin.
    min_changes : int, default 3
        Fewest pooled year-on-year changes an origin needs.
    min_forecasts : int, default MIN_FORECASTS (20)
        Fewest earlier errors a calibrated interval rests on.
    name : str, default ""
        Name of the back-test (in messages and the result).

    Returns
    -------
    RollingOrigin
        ``forecasts`` (one row per series x origin x target x method), ``accuracy`` (per method and horizon: n,
        mape, mdape, dekking80/95, n_gekalibreerd, dekking80_k/95_k, genoeg) and ``calibration`` (per horizon, the
        half-widths q80, q95 a forecast made today would use).

    Raises
    ------
    ValueError
        If there are too few years for any forecast.
    KeyError
        If ``data`` lacks ``unit``, ``time`` or ``value``.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> s = pd.DataFrame({"jaar": range(2010, 2025), "clienten": 1000 * 1.03 ** np.arange(15)})
    >>> bt = rolling_origin(s, unit=None, time="jaar", value="clienten", horizons=[1, 2], name="demo")
    >>> sorted(bt.accuracy.methode.unique())
    ['laatste_waarde', 'lineaire_trend', 'model']
    >>> bt.accuracy.query("methode == 'model'").n.tolist()
    [11, 10]
    """
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
        if len(ch) < min_changes:
            # no spread yet (a standard deviation of two changes has one degree of freedom): no method is
            # evaluated from this origin, so that all methods are judged on the same forecasts
            continue
        n_changes = tr.loc[ch.index, unit].value_counts().to_dict()
        # innovation sd: the pooled spread of year-on-year changes (with a single change per series a within-series
        # spread does not exist); the naive benchmark's spread is their root mean square
        sigma = float(np.std(ch, ddof=1))
        rms = float(np.sqrt(np.mean(ch**2)))
        # the history a forecast made from the last origin has (the median series on a panel)
        n_last = float(np.median(list(n_changes.values())))
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
                se_m = _model_se(hh, sigma, n_ch)
                se_n = np.sqrt(hh) * rms
                for method, centre, se in (
                    ("model", y[-1] + mu * hh, se_m),
                    ("laatste_waarde", y[-1], se_n),
                    ("lineaire_trend", None, np.nan),
                ):
                    fc = float(np.exp(centre)) if centre is not None else float(icpt + slope * yr)
                    row = {"reeks": u, "origin": t, "jaar": yr, "horizon": int(hh), "methode": method,
                           "voorspeld": fc, "werkelijk": float(actual), "ape": abs(fc - actual) / actual}  # fmt: skip
                    if centre is not None:
                        la = np.log(actual)
                        row.update(se=se, fout_log=la - centre, n_veranderingen=n_ch,
                                   onder80=float(np.exp(centre - z80 * se)), boven80=float(np.exp(centre + z80 * se)),
                                   ondergrens=float(np.exp(centre - z95 * se)),
                                   bovengrens=float(np.exp(centre + z95 * se)),
                                   in80=abs(la - centre) <= z80 * se, in95=abs(la - centre) <= z95 * se)  # fmt: skip
                    rows.append(row)
    f = pd.DataFrame(rows)
    if f.empty:
        raise ValueError(f"{name or 'series'}: too few years for a rolling-origin evaluation")
    for c in ("in80", "in95"):
        f[c] = pd.to_numeric(f[c], errors="coerce").astype(float)
    f = _calibrate_backtest(f, min_forecasts)
    acc = (
        f.groupby(["methode", "horizon"])
        .agg(
            n=("ape", "size"),
            mape=("ape", "mean"),
            mdape=("ape", "median"),
            dekking80=("in80", "mean"),
            dekking95=("in95", "mean"),
            n_gekalibreerd=("in80_k", "count"),
            dekking80_k=("in80_k", "mean"),
            dekking95_k=("in95_k", "mean"),
        )
        .reset_index()
    )
    acc["genoeg"] = acc["n_gekalibreerd"] >= min_forecasts
    m = f[f.methode == "model"]
    err, hz, nch, org = (m[c].to_numpy(float) for c in ("fout_log", "horizon", "n_veranderingen", "origin"))
    everything = np.ones(len(m), bool)
    cal = []
    for h in sorted(horizons):
        q80, q95, rule, n_cal = _calibrated_halfwidths(err, hz, nch, org, everything, h, n_last, min_forecasts)
        cal.append({"horizon": int(h), "n": int((hz == h).sum()), "n_kalibratie": n_cal, "kalibratie": rule,
                    "q80": q80, "q95": q95})  # fmt: skip
    return RollingOrigin(f, acc, name, pd.DataFrame(cal), min_forecasts, n_last)


def _calibrate_backtest(f: pd.DataFrame, min_forecasts: int) -> pd.DataFrame:
    """Calibrated intervals for the model rows, each from the errors observed by its own origin (target year <=
    origin): split-conformal in time, so the coverage that follows is out of sample."""
    f = f.copy()
    for c in ("onder80_k", "boven80_k", "ondergrens_k", "bovengrens_k", "in80_k", "in95_k"):
        f[c] = np.nan
    f["kalibratie"] = None
    m = f.index[f.methode == "model"]
    mf = f.loc[m]
    cols = ("fout_log", "horizon", "n_veranderingen", "jaar", "origin")
    err, hz, nch, tgt, org = (mf[c].to_numpy(float) for c in cols)
    centre = np.log(mf.voorspeld.to_numpy(float))
    for (t, h), idx in mf.groupby(["origin", "horizon"]).groups.items():
        pos = mf.index.get_indexer(idx)
        w80, w95, rule, _ = _calibrated_halfwidths(err, hz, nch, org, tgt <= t, h, nch[pos], min_forecasts)
        f.loc[idx, "kalibratie"] = rule
        if rule == "te weinig":
            continue
        f.loc[idx, "onder80_k"] = np.exp(centre[pos] - w80)
        f.loc[idx, "boven80_k"] = np.exp(centre[pos] + w80)
        f.loc[idx, "ondergrens_k"] = np.exp(centre[pos] - w95)
        f.loc[idx, "bovengrens_k"] = np.exp(centre[pos] + w95)
        f.loc[idx, "in80_k"] = (np.abs(err[pos]) <= w80).astype(float)
        f.loc[idx, "in95_k"] = np.where(np.isfinite(w95), np.abs(err[pos]) <= w95, np.nan)
    return f


def calibrate_projection(
    proj: SimulatedProjection, backtest: RollingOrigin, *, tolerance: float = 0.1
) -> SimulatedProjection:
    """The projection's intervals widened to the out-of-sample errors of ``backtest`` (a rolling-origin back-test of
    the same series), horizon by horizon (horizon = year - base year), with the rule of ``_calibrated_halfwidths``:

    the conformal half-width of the back-test's log errors at that horizon ('per horizon'), or of the errors per
    year of horizon pooled over horizons, times the horizon, where that horizon has too few ('geschaald', e.g.
    every horizon beyond the back-test's), or the simulated interval unchanged ('te weinig').

    Never narrower than the simulated interval: the simulation carries sources the back-test cannot see (the
    population prognosis, the scenario parameters). Adds columns horizon, kalibratie, n_terugtoets (the back-test
    errors behind the widths) and planbaar; ``p90`` (the calibrated upper 80% bound) is kept only where planbaar:
    the back-test has at least ``backtest.min_forecasts`` calibrated out-of-sample forecasts at that horizon and
    their 80% intervals covered within ``tolerance`` of 80% (``RollingOrigin.calibration_supported``).

    Parameters
    ----------
    proj : SimulatedProjection
        The simulated projection (``simulate_projection``).
    backtest : RollingOrigin
        A rolling-origin back-test of the same series (``rolling_origin``).
    tolerance : float
        How far from 80% the back-test's calibrated 80% coverage may be for a planning number.

    Returns
    -------
    SimulatedProjection
        The same projection with widened intervals and the columns named above.

    Raises
    ------
    ValueError
        When the back-test has no model forecasts.

    Examples
    --------
    >>> bt = rolling_origin(history, unit=None, time="jaar", value="clienten")  # doctest: +SKIP
    >>> calibrated = calibrate_projection(proj, bt)  # doctest: +SKIP
    """
    f = proj.frame.copy()
    m = backtest.forecasts[backtest.forecasts.methode == "model"]
    err, hz, nch, org = (m[c].to_numpy(float) for c in ("fout_log", "horizon", "n_veranderingen", "origin"))
    everything = np.ones(len(m), bool)
    centre = np.log(f.verwacht.to_numpy(float))
    out = {c: f[c].to_numpy(float).copy() for c in ("onder80", "boven80", "ondergrens", "bovengrens")}
    rules, ns, plan = [], [], []
    horizon = (f.jaar - proj.base_year).astype(int).to_numpy()
    for i, h in enumerate(horizon):
        q80, q95, rule, n = _calibrated_halfwidths(err, hz, nch, org, everything, h, backtest.n_changes_last,
                                                   backtest.min_forecasts)  # fmt: skip
        for lo, hi, q in (("onder80", "boven80", q80), ("ondergrens", "bovengrens", q95)):
            if np.isfinite(q):
                out[lo][i] = min(out[lo][i], np.exp(centre[i] - q))
                out[hi][i] = max(out[hi][i], np.exp(centre[i] + q))
        rules.append(rule)
        ns.append(n)
        plan.append(backtest.calibration_supported(int(h), tolerance=tolerance))
    f = f.assign(**out, horizon=horizon, kalibratie=rules, n_terugtoets=ns, planbaar=plan)
    f["p90"] = f["boven80"].where(f["planbaar"])
    return replace(proj, frame=f, calibrated_on=backtest.name)
