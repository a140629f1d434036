"""Forecast intervals that include drift and population uncertainty, checked by simulation and back-tests."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.demand import forecast, projection


def simulate_world(rng, *, years_hist=10, horizon=15, mu=(0.01, 0.02), sigma=(0.03, 0.02), c=0.005):
    """History and future of two age bands whose log usage rates follow a random walk with drift, and a population
    prognosis whose relative error grows by ``c`` per year (the assumed process)."""
    bands = ["75-84", "85+"]
    pop0 = np.array([12000.0, 4000.0])
    r0 = np.array([0.12, 0.30])
    n = years_hist + horizon
    lr = np.log(r0) + np.cumsum(np.array(mu) + np.array(sigma) * rng.standard_normal((n, 2)), axis=0)
    growth = np.exp(0.02 * np.arange(n))[:, None] * pop0
    y0 = 2010
    hist, prog, truth = [], [], {}
    for i in range(n):
        y = y0 + i
        if i < years_hist:
            for b, p, r in zip(bands, growth[i], np.exp(lr[i])):
                hist.append({"jaar": y, "leeftijdsgroep": b, "inwoners": p, "clienten": rng.poisson(p * r)})
        else:
            h = i - years_hist + 1
            err = np.exp(rng.standard_normal() * c * h)  # the prognosis turns out wrong by this factor
            for b, p in zip(bands, growth[i]):
                prog.append({"jaar": y, "leeftijdsgroep": b, "inwoners": p})
            truth[y] = rng.poisson(np.sum(growth[i] * err * np.exp(lr[i])))
    return pd.DataFrame(hist), pd.DataFrame(prog), truth, y0 + years_hist - 1


@pytest.mark.slow
def test_intervals_cover_the_truth_at_5_10_and_15_years():
    """>= 200 worlds in which the truth follows the assumed process: the 80% and 95% intervals cover it within
    +-5 percentage points of nominal at 5, 10 and 15 years ahead."""
    rng = np.random.default_rng(2026)
    hits = {h: {80: 0, 95: 0} for h in (5, 10, 15)}
    runs = 200
    for i in range(runs):
        hist, prog, truth, base = simulate_world(rng)
        years = list(range(base + 1, base + 16))
        r = forecast.simulate_projection(hist, prog, years, [projection.tariff_stays()], pop_error_per_year=0.005,
                                         exclude_changes_into=(), decompose_years=(), n_boot=600, seed=i)  # fmt: skip
        f = r.frame.set_index("jaar")
        for h in hits:
            y = base + h
            hits[h][80] += f.loc[y, "onder80"] <= truth[y] <= f.loc[y, "boven80"]
            hits[h][95] += f.loc[y, "ondergrens"] <= truth[y] <= f.loc[y, "bovengrens"]
    for h, c in hits.items():
        assert abs(c[80] / runs - 0.80) <= 0.05, (h, c)
        assert abs(c[95] / runs - 0.95) <= 0.05, (h, c)


def test_drift_is_the_arima_010_with_drift_fit():
    """Our closed form (mean and sd of the log changes) is the maximum-likelihood ARIMA(0,1,0)-with-drift fit of
    statsmodels (its sigma uses n, ours n - 1)."""
    from statsmodels.tsa.arima.model import ARIMA

    rng = np.random.default_rng(1)
    lr = np.cumsum(0.02 + 0.05 * rng.standard_normal(12)) - 2
    h = pd.DataFrame(
        {"jaar": range(2010, 2022), "leeftijdsgroep": "85+", "inwoners": 1e9, "clienten": np.exp(lr) * 1e9}
    )  # counts so large that their Poisson noise is negligible
    d = forecast.rate_drift(h, exclude_changes_into=()).table.iloc[0]
    m = ARIMA(lr, order=(0, 1, 0), trend="t").fit()
    assert_allclose(d.mu, m.params[0], rtol=1e-3)
    assert_allclose(d.sigma * np.sqrt(10 / 11), np.sqrt(m.params[-1]), rtol=1e-2)


def test_intervals_widen_with_the_horizon_and_sources_add_up(synth):
    from analysis.demand import rates

    c = pd.read_parquet(synth / "hh_clients.parquet")
    pop = pd.read_parquet(synth / "population.parquet")
    h = rates.hh_rates(c, pop, range(2015, 2025))
    sc = [projection.tariff_stays(), projection.less_informal_care(0.01, 2024)]
    r = forecast.simulate_projection(h, pop, range(2025, 2041), sc, mantelzorg_growth=(0.01, 0.005), n_boot=800)
    f = r.frame[r.frame.scenario == "tarief_blijft"].set_index("jaar")
    rel = (f.bovengrens - f.ondergrens) / f.verwacht
    assert rel.is_monotonic_increasing and rel[2040] > 3 * rel[2025]
    assert (f.onder80 >= f.ondergrens).all() and (f.boven80 <= f.bovengrens).all()
    s = r.variance_shares.groupby(["scenario", "jaar"]).aandeel.sum()
    assert_allclose(s, 1.0)
    v = r.variance_shares.set_index(["scenario", "bron", "jaar"]).aandeel
    assert v[("tarief_blijft", "scenario", 2040)] == 0  # this scenario has no uncertain parameter
    assert v[("minder_mantelzorg", "scenario", 2040)] > 0


def test_rolling_origin_on_the_real_series(processed):
    """The real national HH series and the CBS gemeente panel: the table is produced, the intervals' coverage is
    measured, and we learn where the model beats the naive benchmarks (and where not)."""
    from analysis.demand.facts import national_hh_series

    nl = national_hh_series(pd.read_parquet(processed / "reference.parquet"))
    r = forecast.rolling_origin(pd.DataFrame({"jaar": nl.years, "v": nl.clients}), unit=None, time="jaar", value="v")
    assert {"model", "laatste_waarde", "lineaire_trend"} == set(r.accuracy.methode)
    panel = pd.read_parquet(processed / "wmo_panel_grenzen_2020.parquet")
    p = forecast.rolling_origin(panel, unit="gemeente_code", time="jaar", value="hh_clienten")
    a = p.accuracy.set_index(["methode", "horizon"])
    assert a.loc[("model", 1), "n"] > 400
    assert 0.85 <= a.loc[("model", 1), "dekking95"] <= 1.0  # the pooled spread gives honest intervals
    best = p.best_by_horizon()
    assert set(best.index) == {1, 2} and best.model_beste.dtype == bool


def test_bad_input():
    h = pd.DataFrame({"jaar": [2020, 2021], "leeftijdsgroep": "85+", "inwoners": 10.0, "clienten": [1, 2]})
    with pytest.raises(ValueError, match="at least two year-on-year changes"):
        forecast.rate_drift(h, exclude_changes_into=())
    with pytest.raises(ValueError, match="too few years"):
        forecast.rolling_origin(h.iloc[:1], unit=None, time="jaar", value="clienten")
