"""BudgetFacts: the difference splits exactly into volume and tariff, the area table adds up as printed, and a
later contract year is compared with current spending at the same price level."""

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.assumptions import load_assumptions
from analysis.financing import analysis as fa
from analysis.financing.facts import budget_facts


@pytest.fixture(scope="module")
def runs(synth):
    log = load_assumptions()
    load = lambda t: pd.read_parquet(synth / f"{t}.parquet")
    out = {}
    for year, sc in ((2023, "tarief_blijft"), (2028, "minder_mantelzorg")):
        res = fa.run(
            clients=load("hh_clients"),
            population=load("population"),
            episodes=load("hh_herstel"),
            log=log,
            n_draws=2000,
            contract_year=year,
            scenario=sc,
        )
        out[year] = (res, budget_facts(res, log))
    return out


def test_difference_is_volume_plus_tariff(runs):
    for res, f in runs.values():
        assert_allclose(f.volume_effect + f.tariff_effect, f.budget_total - f.current_base)
        assert_allclose(f.budget_total, res.area_budget.budget.sum())
        assert_allclose(f.current_same_volume, f.hours_expected * f.current_price)


def test_area_rounding_adds_up_to_the_rounded_total(runs):
    for _, f in runs.values():
        assert f.areas.budget.sum() == round(f.budget_total / 1000) * 1000
        assert sum(f.areas.clienten) == round(f.clients_expected)


def test_later_year_grows_in_volume_not_in_tariff(runs):
    """The 2028 variant has more clients at the same (2023) tariff: its difference with current spending comes
    from volume and tariff together, and the volume part is larger than in 2023."""
    f23, f28 = runs[2023][1], runs[2028][1]
    assert f28.tariff == f23.tariff and f28.price_level_year == 2023
    assert f28.volume_effect > f23.volume_effect and f28.hours_expected > f23.hours_expected
    assert f23.main_driver == "tarief"


def test_begroting_reserve_is_the_mean_of_the_chosen_rule_set(runs):
    res, f = runs[2023]
    spend = res.risks[res.rulesets[-1].name].total_spend
    assert_allclose(f.reserve_mean, spend.mean()) and f.reserve_p95 >= f.reserve_mean


def test_money_in_millions_adds_up_as_printed(runs):
    for _, f in runs.values():
        m = f.money_mln()
        assert round(m["huidig"] + m["volume"] + m["tarief"], 1) == m["budget"] == round(f.budget_total / 1e6, 1)
        assert m["verschil"] == round(m["budget"] - m["huidig"], 1)


def test_status_of_each_figure(runs):
    """Counts follow the registration (synthetic here); amounts rest on illustrative tariff components (F01, F03)."""
    res, f = runs[2023]
    assert f.synthetic and f.status("clients_expected") == "synthetisch" and f.status("hours_base") == "synthetisch"
    assert f.status("budget_total") == "illustratief" and f.status("reserve_mean") == "illustratief"
    real = budget_facts(res, load_assumptions(), synthetic=False)
    assert real.status("clients_base") == "echt" and real.status("tariff") == "illustratief"
