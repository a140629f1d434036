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
    # calibrated out of sample (2019 -> 2020 on the errors of 2018 -> 2019): every row with enough forecasts covers
    # 70-90% with its 80% interval; rows without enough say so
    m = p.accuracy[p.accuracy.methode == "model"].set_index("horizon")
    assert m.loc[1, "n_gekalibreerd"] >= 200 and m.loc[1, "genoeg"]
    for h, r in m[m.genoeg].iterrows():
        assert 0.70 <= r.dekking80_k <= 0.90, (h, r.dekking80_k)
    assert not m.loc[2, "genoeg"] and np.isnan(m.loc[2, "dekking80_k"])  # no 2-year error is known before 2020
    assert p.calibration_supported(1) and not p.calibration_supported(2)


def ar_panel(rng, units=40, years=15, phi=0.5):
    """Series whose log changes are a unit's own drift plus AR(1) deviations with t(5) shocks: the model (a random
    walk with drift and normal intervals) is misspecified, its own intervals lose coverage with the horizon."""
    rows = []
    for u in range(units):
        mu, dev, level = rng.normal(0.03, 0.005), 0.0, np.log(rng.uniform(500, 5000))
        for j in range(years):
            dev = phi * dev + 0.03 * rng.standard_t(5)
            level += mu + dev
            rows.append({"u": u, "jaar": 2010 + j, "v": rng.poisson(np.exp(level))})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [0, 1])
def test_calibrated_intervals_cover_80_percent_out_of_sample(seed):
    """Simulated panel (40 series, 15 years): the calibrated 80% intervals, each calibrated only on errors known at
    its own origin, cover 70-90% in every row with at least 20 forecasts, and n counts what the coverage averages."""
    r = forecast.rolling_origin(ar_panel(np.random.default_rng(seed)), unit="u", time="jaar", value="v")
    m = r.accuracy[r.accuracy.methode == "model"].set_index("horizon")
    assert m.genoeg.all()
    for h, row in m.iterrows():
        assert 0.70 <= row.dekking80_k <= 0.90, (h, row.dekking80_k)
        assert 0.85 <= row.dekking95_k <= 1.0, (h, row.dekking95_k)
    f = r.forecasts[r.forecasts.methode == "model"]
    # out of sample: an interval is only calibrated on errors whose target year has passed at its origin
    assert (f.loc[f.kalibratie == "te weinig", "origin"] <= f.origin.min() + 1).all()
    assert_allclose(m.n_gekalibreerd, f.groupby("horizon").in80_k.count())
    assert_allclose(m.n, f.groupby("horizon").in80.count())  # n = the forecasts the coverage averages over
    lo, hi = f.onder80_k.dropna(), f.boven80_k.dropna()
    assert (lo < hi).all() and len(lo) == m.n_gekalibreerd.sum()


def test_conformal_quantile():
    """The ceil((n + 1) p)-th smallest score; too few scores for a finite quantile give NaN."""
    assert forecast.conformal_quantile(np.arange(1, 20), 0.8) == 16  # ceil(20 * 0.8) = 16
    assert np.isnan(forecast.conformal_quantile(np.arange(1, 10), 0.95))  # ceil(10 * 0.95) = 10 > 9
    assert forecast.conformal_quantile(np.arange(1, 20), 0.95) == 19


def test_backtest_tables_say_what_they_hold():
    """Issue 25 item 7: n counts exactly the forecasts the coverage averages over (also for a single short series,
    where the first origins have no spread), and the forecast table carries the interval bounds."""
    s = pd.DataFrame({"jaar": range(2010, 2020), "v": np.exp(np.linspace(5, 6, 10)) * (1 + 0.01 * np.sin(range(10)))})
    r = forecast.rolling_origin(s, unit=None, time="jaar", value="v")
    for meth in ("model", "laatste_waarde"):
        f = r.forecasts[r.forecasts.methode == meth]
        a = r.accuracy[r.accuracy.methode == meth].set_index("horizon")
        assert_allclose(a.n, f.groupby("horizon").in80.count())
        assert f[["onder80", "boven80", "ondergrens", "bovengrens"]].notna().all().all()
        assert ((f.ondergrens <= f.onder80) & (f.onder80 <= f.voorspeld) & (f.voorspeld <= f.boven80)).all()
    # the same forecasts for every method
    keys = r.forecasts.groupby("methode")[["origin", "jaar"]].apply(lambda g: sorted(map(tuple, g.to_numpy())))
    assert keys["model"] == keys["lineaire_trend"] == keys["laatste_waarde"]
    # a single series of ten years has fewer than 20 forecasts per horizon: no row is 'genoeg', no planning
    assert not r.accuracy.genoeg.any() and not r.calibration_supported(1)


def test_calibrated_projection_and_planning_rule(synth):
    """The projection's intervals are at least as wide as the back-test's calibrated ones, and no planning number
    where the back-test has too few forecasts (a single registration series)."""
    from analysis.demand import rates

    c = pd.read_parquet(synth / "hh_clients.parquet")
    pop = pd.read_parquet(synth / "population.parquet")
    h = rates.hh_rates(c, pop, range(2015, 2025))
    raw = forecast.simulate_projection(h, pop, range(2025, 2031), [projection.tariff_stays()], n_boot=200)
    bt = forecast.rolling_origin(h.groupby("jaar", as_index=False).clienten.sum(), unit=None, time="jaar",
                                 value="clienten", name="registratie")  # fmt: skip
    cal = forecast.calibrate_projection(raw, bt)
    f, f0 = cal.frame.set_index("jaar"), raw.frame.set_index("jaar")
    assert (f.bovengrens >= f0.bovengrens).all() and (f.ondergrens <= f0.ondergrens).all()
    assert (f.bovengrens > f0.bovengrens).any()  # the back-test's errors are larger than the simulation's spread
    tbl = bt.calibration.set_index("horizon")
    assert_allclose(np.log(f.loc[2025, "bovengrens"] / f.loc[2025, "verwacht"]), tbl.loc[1, "q95"], rtol=1e-9)
    assert (f.kalibratie == "geschaald").all() and (f.n_terugtoets < 25).all()
    assert not f.planbaar.any() and f.p90.isna().all() and not cal.supports_planning(2030)
    assert not raw.supports_planning(2030)  # an uncalibrated projection never supports a planning number


def test_planning_supported_where_the_back_test_has_enough_forecasts():
    """On a panel back-test with enough calibrated forecasts at horizon 1 and 2, the projection may print a
    planning number for base year + 1 and + 2, not beyond."""
    r = forecast.rolling_origin(ar_panel(np.random.default_rng(3)), unit="u", time="jaar", value="v",
                                horizons=range(1, 3))  # fmt: skip
    assert r.calibration_supported(1) and r.calibration_supported(2) and not r.calibration_supported(3)
    frame = pd.DataFrame(
        {
            "jaar": [2025, 2026, 2027],
            "scenario": "s",
            "label": "S",
            "verwacht": 100.0,
            "ondergrens": 90.0,
            "onder80": 95.0,
            "boven80": 105.0,
            "bovengrens": 110.0,
            "p90": 105.0,
        }
    )
    proj = forecast.SimulatedProjection(frame, pd.DataFrame(), None, 2024, 100, 0.0)  # fmt: skip
    cal = forecast.calibrate_projection(proj, r)
    assert [cal.supports_planning(y) for y in (2025, 2026, 2027)] == [True, True, False]
    assert cal.frame.p90.notna().tolist() == [True, True, False]


def test_bad_input():
    h = pd.DataFrame({"jaar": [2020, 2021], "leeftijdsgroep": "85+", "inwoners": 10.0, "clienten": [1, 2]})
    with pytest.raises(ValueError, match="at least two year-on-year changes"):
        forecast.rate_drift(h, exclude_changes_into=())
    with pytest.raises(ValueError, match="too few years"):
        forecast.rolling_origin(h.iloc[:1], unit=None, time="jaar", value="clienten")
