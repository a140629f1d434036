import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.demand import drivers, projection


def base_and_prognosis(k=(100, 400), n=(10000, 2000)):
    base = pd.DataFrame({"jaar": 2024, "leeftijdsgroep": ["65-74", "85+"], "clienten": k, "inwoners": n})
    prog = pd.DataFrame(
        [
            {"jaar": y, "leeftijdsgroep": b, "inwoners": p * (1.02 ** (y - 2024))}
            for y in range(2024, 2041)
            for b, p in zip(["65-74", "85+"], n)
        ]
    )
    return base, prog


def test_projection_point_is_rates_times_population():
    base, prog = base_and_prognosis()
    res = projection.project_demand(base, prog, [2030], [projection.tariff_stays()], n_boot=200)
    assert_allclose(res.frame.verwacht.iloc[0], 500 * 1.02**6)


def test_prediction_interval_coverage_by_simulation():
    """Simulate base counts from known rates and future counts from the truth: the 90% PI should cover ~90%."""
    rng = np.random.default_rng(2)
    true_rate = np.array([0.01, 0.2])
    n = np.array([10000, 2000])
    hits = 0
    reps = 150
    for i in range(reps):
        k = rng.poisson(true_rate * n)
        base, prog = base_and_prognosis(k=k, n=n)
        truth_mean = np.sum(true_rate * n * 1.02**6)
        future = rng.poisson(truth_mean)
        r = projection.project_demand(
            base, prog, [2030], [projection.tariff_stays()], n_boot=400, seed=i, level=0.9
        ).frame.iloc[0]
        hits += r.ondergrens <= future <= r.bovengrens
    assert 0.82 <= hits / reps <= 0.97


def test_scenarios_order_and_income_dependent_reversal():
    base, prog = base_and_prognosis()
    sc = [
        projection.tariff_stays(),
        projection.income_dependent_from(2027, 2024, 30),
        projection.less_informal_care(0.01, 2024),
    ]
    f = projection.project_demand(base, prog, range(2025, 2041), sc, tariff_rr=(1.2, 0.05), n_boot=300).frame
    at = f[f.jaar == 2040].set_index("scenario")["verwacht"]
    assert at["inkomensafhankelijk_2027"] < at["tarief_blijft"] < at["minder_mantelzorg"]
    assert_allclose(at["inkomensafhankelijk_2027"] / at["tarief_blijft"], 1 / 1.2, rtol=0.01)
    early = f[f.jaar == 2026].set_index("scenario")["verwacht"]
    assert early["inkomensafhankelijk_2027"] == early["tarief_blijft"]


def test_projection_bad_input():
    base, prog = base_and_prognosis()
    with pytest.raises(ValueError, match="no population prognosis"):
        projection.project_demand(base, prog, [2050], [projection.tariff_stays()])


def test_backtest_on_synthetic_reports_error(synth):
    from analysis.demand import rates

    c = pd.read_parquet(synth / "hh_clients.parquet")
    pop = pd.read_parquet(synth / "population.parquet")
    r = rates.hh_rates(c, pop, range(2015, 2025))
    bt = projection.backtest(r, fit_until=2019)
    assert set(bt.frame.jaar) == {2020, 2021, 2022, 2023, 2024}
    assert 0 < bt.mape["laatste_jaar"] < 0.5


def test_driver_inputs_have_sources(processed):
    ref = pd.read_parquet(processed / "reference.parquet")
    d = drivers.driver_inputs(ref)
    assert {"Meer 75-plussers", "Meer alleenstaanden", "Minder mantelzorgers", "Langer thuis wonen"} <= set(d.drijver)
    assert d.bron.notna().all()
    assert_allclose(drivers.carers_decline_per_year(15, 6), 1 - 0.4 ** (1 / 22))
