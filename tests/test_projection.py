import pandas as pd
from numpy.testing import assert_allclose

from analysis.demand import drivers, projection


def test_scenarios_order_and_income_dependent_reversal():
    """The scenario multipliers on the usage rate: the income-dependent contribution reverses the tariff effect
    from its start year, fewer mantelzorgers raise 75+ use year by year."""
    sc_i = projection.income_dependent_from(2027, 2024, 30)
    sc_m = projection.less_informal_care(0.01, 2024)
    assert projection.tariff_stays().multiplier(2040, "85+", {}) == 1.0
    assert sc_i.multiplier(2026, "85+", {"tariff_rr": 1.2}) == 1.0
    assert_allclose(sc_i.multiplier(2040, "85+", {"tariff_rr": 1.2}), 1 / 1.2, rtol=0.01)
    assert_allclose(sc_m.multiplier(2030, "85+", {}), 1.01**6)
    assert sc_m.multiplier(2030, "65-74", {}) == 1.0
    assert_allclose(sc_m.multiplier(2030, "85+", {"extra_growth": 0.02}), 1.02**6)  # the drawn value is used


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
