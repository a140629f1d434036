import pandas as pd
import pytest

from analysis.assumptions import load_assumptions
from analysis.financing import analysis as fa


@pytest.fixture(scope="module")
def inputs(synth):
    return dict(
        clients=pd.read_parquet(synth / "hh_clients.parquet"),
        population=pd.read_parquet(synth / "population.parquet"),
        episodes=pd.read_parquet(synth / "hh_herstel.parquet"),
        log=load_assumptions(),
        n_draws=2000,
    )


def test_scenario_moves_the_area_forecast(inputs):
    base = fa.run(**inputs, contract_year=2028)
    less_care = fa.run(**inputs, contract_year=2028, scenario="minder_mantelzorg")
    ratio = less_care.area_budget.verwachte_clienten.sum() / base.area_budget.verwachte_clienten.sum()
    assert 1.0 < ratio < 1.06  # 1% a year extra for 75+ over 6 years, 75+ being part of the clients
    assert list(base.comparison.regelset) == [r.label for r in base.rulesets]


def test_bad_parameters(inputs):
    with pytest.raises(ValueError, match="unknown scenario"):
        fa.run(**inputs, scenario="geen_idee")
    with pytest.raises(ValueError, match="unknown rule set"):
        fa.run(**inputs, ruleset_names=("streng",))
