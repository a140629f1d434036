import numpy as np
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


def test_dispersion_sensitivity(inputs):
    """The spread of client numbers is assumption F06: the grid's default row is the main comparison, the simulated
    spread matches the negative binomial's sqrt(1/mu + dispersion), and a wider spread makes the ventiel more
    frequent."""
    from numpy.testing import assert_allclose

    log = inputs["log"]
    res = fa.run(**{**inputs, "n_draws": 20_000})
    s = res.sensitivity
    grid = log.value("F06")["grid"]
    assert sorted(s.dispersie.unique()) == sorted(grid) and res.dispersion == log.value("F06")["dispersion"]
    default = s[s.standaard].reset_index(drop=True)
    pd.testing.assert_frame_equal(default[res.comparison.columns], res.comparison)
    mu = res.area_budget.verwachte_clienten.to_numpy()
    for d, g in s.groupby("dispersie"):
        assert_allclose(g.spreiding.iloc[0], np.mean(np.sqrt(1 / mu + d)), rtol=0.03)
    ventiel = s[s.regelset == res.rulesets[1].label].sort_values("dispersie").kans_ventiel.to_numpy()
    assert (np.diff(ventiel) > 0).all()
    assert fa.run(**inputs, dispersion_grid=()).sensitivity.empty
