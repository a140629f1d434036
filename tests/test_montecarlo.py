import numpy as np
from numpy.testing import assert_allclose
from scipy import stats

from analysis.financing import montecarlo
from analysis.financing.rules import RuleSet, Ventiel

# budget per client = 130 hours x EUR 40 = EUR 5,200
KW = dict(
    forecast=np.array([700.0, 500.0]), budget=np.array([700 * 5200.0, 500 * 5200.0]), tariff=40.0, cost_per_hour=36.0
)


def draws(seed=1, n=100_000, dispersion=0.005):
    return montecarlo.draw_scenarios(
        KW["forecast"],
        [130.0, 130.0],
        [40.0, 40.0],
        [700, 500],
        n_draws=n,
        dispersion=dispersion,
        delivery_mean=0.97,
        delivery_sd=0.03,
        seed=seed,
        areas=["A", "B"],
    )


def test_reproducible_with_seed():
    r = RuleSet("v", "v", Ventiel(0.05))
    a = montecarlo.simulate(r, draws(7, 2000), **KW).total_spend
    b = montecarlo.simulate(r, draws(7, 2000), **KW).total_spend
    c = montecarlo.simulate(r, draws(8, 2000), **KW).total_spend
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_mean_and_trigger_probability_match_analytic_negative_binomial():
    """E[ventiel] = 5200 * (E[(N-U)+] - E[(L-N)+]) and P(trigger) = P(N > U) + P(N < L) for N ~ NB(mean 700)."""
    d = draws()
    res = montecarlo.simulate(RuleSet("v", "v", Ventiel(0.05)), d, **KW)
    size = 1 / 0.005
    nb = stats.nbinom(size, size / (size + 700))
    k = np.arange(0, 3000)
    pmf = nb.pmf(k)
    lo, hi = 665.0, 735.0
    e_adj = 5200 * (np.sum(np.maximum(k - hi, 0) * pmf) - np.sum(np.maximum(lo - k, 0) * pmf))
    p_trig = nb.sf(hi) + nb.cdf(lo - 1)
    area_a = res.per_area.set_index("gebied").loc["A"]
    mc_se = 5200 * np.sqrt(nb.var()) / np.sqrt(len(d.clients))
    assert abs(area_a.gem_uitgaven - (700 * 5200 + e_adj)) < 4 * mc_se
    assert_allclose(area_a.kans_ventiel, p_trig, atol=0.01)


def test_fixed_budget_has_no_spend_risk_but_provider_risk():
    comp, res = montecarlo.compare_rulesets(
        [RuleSet("geen", "geen"), RuleSet("v", "v", Ventiel(0.05))], draws(n=5000), **KW
    )
    assert comp.loc[0, "sd_uitgaven"] == 0 and comp.loc[1, "sd_uitgaven"] > 0
    assert 0 < comp.loc[0, "kans_verlies_aanbieder"] < 1
