"""Each rule on boundary cases; the vectorised and loop implementations agree."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analysis.financing.rules import Malus, ProfitSkim, RuleSet, Ventiel, apply_rules, apply_rules_loop

BASE = dict(forecast=np.array([100.0]), budget=np.array([100_000.0]), tariff=40.0, cost_per_hour=30.0)


def run(rules, clients, hours=25.0, delivery=1.0):
    return apply_rules(
        rules,
        clients=np.array([[clients]], float),
        hours_per_client=np.array([[hours]]),
        delivery=np.array([[delivery]]),
        **BASE,
    )


def test_ventiel_exactly_at_band_edge_does_not_trigger():
    r = RuleSet("v", "v", Ventiel(0.05))
    for n in (105.0, 95.0):
        out = run(r, n)
        assert not out["ventiel_actief"][0, 0] and out["ventiel"][0, 0] == 0


def test_ventiel_beyond_band_settles_only_the_excess():
    r = RuleSet("v", "v", Ventiel(0.05, compensation=1.0))
    assert_allclose(run(r, 110.0)["ventiel"][0, 0], 5 * 1000)  # 5 clients beyond 105, EUR 1,000 per client
    assert_allclose(run(r, 90.0)["ventiel"][0, 0], -5 * 1000)
    half = RuleSet("v", "v", Ventiel(3, mode="clients", compensation=0.5))
    assert_allclose(run(half, 110.0)["ventiel"][0, 0], 0.5 * 7 * 1000)


def test_zero_clients():
    r = RuleSet("all", "all", Ventiel(0.05), Malus(0.95, 0.1), ProfitSkim(0.05, 0.5))
    out = run(r, 0.0)
    assert_allclose(out["ventiel"][0, 0], -95 * 1000)  # down to the lower edge of the band
    assert out["malus"][0, 0] == 0  # nothing indicated, nothing under-delivered
    assert_allclose(out["gemeente"][0, 0], 5000 - out["afroming"][0, 0])
    with pytest.raises(ValueError, match="forecast"):
        apply_rules(
            r,
            forecast=np.array([0.0]),
            budget=np.array([1.0]),
            clients=np.zeros((1, 1)),
            hours_per_client=np.ones((1, 1)),
            delivery=np.ones((1, 1)),
            tariff=1,
            cost_per_hour=1,
        )


def test_malus_at_threshold_and_below():
    r = RuleSet("m", "m", malus=Malus(0.95, 0.10))
    assert run(r, 100.0, delivery=0.95)["malus"][0, 0] == 0  # exactly at the threshold: no malus
    out = run(r, 100.0, delivery=0.90)
    assert_allclose(out["malus"][0, 0], 1.10 * 250 * 40)  # 2,500 indicated, 250 short, repaid +10%


def test_skim_not_applied_to_negative_margins():
    r = RuleSet("s", "s", skim=ProfitSkim(0.05, 0.5))
    loss = run(r, 100.0, hours=40.0)  # cost 100 x 40 x 30 = 120,000 > budget
    assert loss["marge"][0, 0] < 0 and loss["afroming"][0, 0] == 0
    gain = run(r, 100.0, hours=20.0)  # cost 60,000: profit 40,000; cap 5,000; skim 50% of 35,000
    assert_allclose(gain["afroming"][0, 0], 17_500)
    assert_allclose(gain["marge"][0, 0], 22_500)


def test_vectorised_equals_loop():
    rng = np.random.default_rng(0)
    n, a = 300, 4
    kw = dict(
        forecast=np.array([100.0, 200, 50, 80]),
        budget=np.array([1e5, 2.1e5, 4e4, 9e4]),
        clients=rng.poisson([100, 200, 50, 80], (n, a)).astype(float),
        hours_per_client=rng.normal(25, 3, (n, a)),
        delivery=np.clip(rng.normal(0.96, 0.04, (n, a)), 0, 1),
        tariff=40.0,
        cost_per_hour=36.0,
    )
    r = RuleSet("all", "all", Ventiel(0.05), Malus(0.95, 0.1), ProfitSkim(0.05, 0.5))
    v, lp = apply_rules(r, **kw), apply_rules_loop(r, **kw)
    for k in ("gemeente", "marge", "ventiel", "malus", "afroming", "ventiel_actief"):
        assert_allclose(v[k], lp[k], rtol=1e-12, atol=1e-6)


def test_bad_rule_parameters():
    with pytest.raises(ValueError):
        Ventiel(0.05, mode="euro")
    with pytest.raises(ValueError):
        Malus(1.5, 0.1)
    with pytest.raises(ValueError):
        ProfitSkim(0.05, 2)
