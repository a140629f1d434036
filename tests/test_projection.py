import pandas as pd
import pytest
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
    # a prognosis of all inhabitants is population growth, not a figure about singles
    prog = d[d.maat.str.contains("inhabitants prognosis")]
    assert len(prog) and set(prog.drijver) == {"Meer inwoners"}
    assert not d[d.drijver == "Meer alleenstaanden"].maat.str.contains("inhabitants").any()
    assert_allclose(drivers.carers_decline_per_year(15, 6), 1 - 0.4 ** (1 / 22))


def test_point_projection_registered_years_and_drift(synth):
    """Up to the base year the projection is the registration itself; after it, the base-year rate moved by the
    band's drift and the scenario multiplier (the formula, checked by hand for one band and year)."""
    import numpy as np

    from analysis.demand import forecast, rates

    c = pd.read_parquet(synth / "hh_clients.parquet")
    pop = pd.read_parquet(synth / "population.parquet")
    h = rates.hh_rates(c, pop, range(2015, 2025))
    sc = projection.less_informal_care(0.01, 2024)
    p = forecast.point_projection(h, pop, [2023, 2028], sc, base_year=2024, extra_growth=0.01)
    assert set(p.columns) >= {"jaar", "gebied", "leeftijdsgroep", "verwachte_clienten"}
    reg = h[h.jaar == 2023].clienten.sum()
    assert_allclose(p[p.jaar == 2023].verwachte_clienten.sum(), reg)  # a registered year: the registration
    mu = forecast.rate_drift(h).table.set_index("leeftijdsgroep").mu
    b = h[(h.jaar == 2024) & (h.leeftijdsgroep == "85+")].iloc[0]
    pop85 = pop[(pop.jaar == 2028) & (pop.leeftijdsgroep == "85+")].inwoners.sum()
    want = b.clienten / b.inwoners * np.exp(mu["85+"] * 4) * 1.01**4 * pop85
    got = p[(p.jaar == 2028) & (p.leeftijdsgroep == "85+")].verwachte_clienten.sum()
    assert_allclose(got, want, rtol=1e-12)
    with pytest.raises(ValueError, match="no registration for"):
        forecast.point_projection(h, pop, [2012], sc, base_year=2024)


def test_one_base_year_and_one_projection_for_every_report(synth):
    """hh-bekostiging's expected clients and hh-raad's central line are the same number for the same year and
    scenario, from the same base year, declared once (reports.toml declares no second one)."""
    import tomllib

    from analysis.assumptions import load_assumptions
    from analysis.demand import forecast, rates
    from analysis.financing import analysis as fa
    from conftest import ROOT

    spec = tomllib.loads((ROOT / "reports.toml").read_text(encoding="utf-8"))["reports"]
    assert spec["hh-raad"]["parameters"]["jaar_tot"] == projection.BASE_YEAR
    assert "basisjaar" not in spec["hh-bekostiging"]["parameters"]  # None: projection.BASE_YEAR
    log = load_assumptions()
    c = pd.read_parquet(synth / "hh_clients.parquet")
    pop = pd.read_parquet(synth / "population.parquet")
    h = rates.hh_rates(c, pop, range(projection.FIRST_YEAR, projection.BASE_YEAR + 1))
    sc = projection.scenarios_from_log(log, projection.BASE_YEAR)
    d02 = log.value("D02")
    sim = forecast.simulate_projection(h, pop, [2028], [sc["minder_mantelzorg"]], n_boot=100, decompose_years=(),
                                       mantelzorg_growth=(float(d02["mantelzorg_extra_growth"]), 0.0))  # fmt: skip
    for year, name, want in ((2028, "minder_mantelzorg", float(sim.frame.verwacht.iloc[0])),
                             (2023, "tarief_blijft", float(h[h.jaar == 2023].clienten.sum()))):  # fmt: skip
        r = fa.run(clients=c, population=pop, episodes=pd.read_parquet(synth / "hh_herstel.parquet"), log=log,
                   contract_year=year, scenario=name, n_draws=1000)  # fmt: skip
        assert r.base_year == projection.BASE_YEAR
        assert_allclose(r.area_budget.verwachte_clienten.sum(), want, rtol=1e-9)
    assert projection.clients_fact_key(2023, "tarief_blijft") == "clienten_2023"
    assert projection.clients_fact_key(2028, "minder_mantelzorg") == "clienten_2028_minder-mantelzorg"
