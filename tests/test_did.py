"""The general difference-in-differences: a published clustered standard error, the correct small-sample
correction with absorbed fixed effects, recovery of a known effect, and designs that cannot be estimated."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.stats import did as sdid

KIELMC = Path(__file__).parent / "fixtures" / "published" / "kielmc.csv"


def test_kiel_mcclain_incinerator_reproduces_the_published_clustered_se():
    """Wooldridge Example 13.3 (Kiel & McClain 1995): DiD of house prices near the incinerator, 1978 -> 1981,
    -11,863.9; clustered by distance to the centre (34 clusters) fixest prints SE 6,621.818. Tolerance 1e-6."""
    d = pd.read_csv(KIELMC).assign(nxy=lambda x: x.nearinc * x.y81)
    r = sdid.did(d, unit="nearinc", time="y81", outcome="rprice", treatment="nxy", cluster="cbd",
                 repeated_cross_sections=True)  # fmt: skip
    t = r.term("nxy")
    assert_allclose(t.estimate, -11863.903252, rtol=1e-6)
    assert_allclose(t.std_error, 6621.817943, rtol=1e-6)
    assert r.n_clusters == 34 and r.n_obs == 321


def panel(rng, beta=0.8, n=250, years=range(2017, 2021), start=2019):
    rows = []
    inc = rng.normal(0, 4.5, n)
    fe = rng.normal(70, 15, n)
    for j, y in enumerate(years):
        shock = rng.normal(0, 3)
        for i in range(n):
            post = y >= start
            rows.append({"g": f"G{i}", "jaar": y, "dose": inc[i], "d": inc[i] * post,
                         "y": fe[i] + 2 * j + shock + beta * inc[i] * post + rng.normal(0, 4)})  # fmt: skip
    return pd.DataFrame(rows)


def _cr1_by_hand(d):
    """Two-way demeaning of a balanced panel, OLS, and the CR1 sandwich with G/(G-1) (N-1)/(N-K): the unit effects
    are nested in the clusters and do not count; the slope and the T year effects do (R fixest's default,
    ssc(fixef.K = "nested")). Counting the unit dummies too, as a dummy regression does, inflates the SE."""

    def dm(s):
        return s - s.groupby(d.g).transform("mean") - s.groupby(d.jaar).transform("mean") + s.mean()

    x, y = dm(d.d).to_numpy(), dm(d.y).to_numpy()
    b = x @ y / (x @ x)
    u = y - b * x
    g = d.g.to_numpy()
    scores = pd.Series(x * u).groupby(g).sum().to_numpy()
    n, G, k = len(d), len(set(g)), 1 + d.jaar.nunique()
    v = (scores @ scores) / (x @ x) ** 2 * G / (G - 1) * (n - 1) / (n - k)
    return b, np.sqrt(v)


def test_absorbed_fixed_effects_do_not_inflate_the_clustered_se():
    import statsmodels.formula.api as smf

    d = panel(np.random.default_rng(1))
    r = sdid.did(d, unit="g", time="jaar", outcome="y", treatment="d")
    b, se = _cr1_by_hand(d)
    assert_allclose(r.term("d").estimate, b, rtol=1e-8)
    assert_allclose(r.term("d").std_error, se, rtol=1e-6)
    dummies = smf.ols("y ~ d + C(g) + C(jaar)", d).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(d.g)[0]})
    assert dummies.bse["d"] / se > 1.1  # what the old hand-built dummy regression reported


def test_recovers_a_known_effect_with_nominal_coverage():
    rng = np.random.default_rng(5)
    est, cover = [], []
    for _ in range(60):
        t = sdid.did(panel(rng), unit="g", time="jaar", outcome="y", treatment="d").term("d")
        est.append(t.estimate)
        cover.append(t.ci_lower <= 0.8 <= t.ci_upper)
    assert abs(np.mean(est) - 0.8) < 0.05
    assert 0.88 <= np.mean(cover) <= 1.0


def test_event_study_and_placebo():
    d = panel(np.random.default_rng(2))
    ev = sdid.event_study(d, unit="g", time="jaar", outcome="y", dose="dose", reference=2018)
    assert list(ev.coefficients.period) == [2017, 2019, 2020]
    assert abs(ev.coefficients.set_index("period").loc[2017, "estimate"]) < 0.3  # no pre-trend in the simulation
    pl = sdid.placebo(d, unit="g", time="jaar", outcome="y", dose="dose", first_treated=2019)
    assert pl.n_obs == 500 and pl.coefficients.p_value.iloc[0] > 0.001


def test_log_outcome_covariates_weights_and_unbalanced():
    d = panel(np.random.default_rng(3)).assign(y=lambda x: x.y + 100, w=1.0, z=lambda x: np.sin(x.index))
    r = sdid.did(d, unit="g", time="jaar", outcome="y", treatment="d", covariates=("z",), weights="w",
                 log_outcome=True)  # fmt: skip
    assert r.log_outcome and {"d", "z"} <= set(r.to_frame().term)
    short = d.drop(index=d[(d.g == "G1") & (d.jaar > 2017)].index)  # G1 seen once
    with pytest.raises(sdid.DesignError, match="unbalanced panel"):
        sdid.did(short, unit="g", time="jaar", outcome="y", treatment="d")
    u = sdid.did(short, unit="g", time="jaar", outcome="y", treatment="d", balanced=False)
    assert list(u.dropped.unit) == ["G1"] and "G1" in u.summary()
    # a unit that loses a row to a missing value and is then seen once is listed once, with both reasons
    gap = d.copy()
    gap.loc[(gap.g == "G2") & (gap.jaar > 2017), "y"] = np.nan
    v = sdid.did(gap, unit="g", time="jaar", outcome="y", treatment="d", balanced=False)
    assert list(v.dropped.unit) == ["G2"] and v.dropped.reden.iloc[0].count(";") == 1


@pytest.mark.parametrize(
    "make, call, msg",
    [
        (lambda d: d.assign(d=0.0), "did", "does not vary"),
        (lambda d: d.assign(d=d.dose), "did", "does not change within units"),
        (lambda d: d[d.jaar >= 2018], "placebo", "at least two periods before"),
        (lambda d: d, "event", "reference period"),
    ],
)
def test_designs_that_cannot_be_estimated_are_refused(make, call, msg):
    d = make(panel(np.random.default_rng(4), n=30))
    with pytest.raises(sdid.DesignError, match=msg):
        if call == "did":
            sdid.did(d, unit="g", time="jaar", outcome="y", treatment="d")
        elif call == "placebo":
            sdid.placebo(d, unit="g", time="jaar", outcome="y", dose="dose", first_treated=2019)
        else:
            sdid.event_study(d, unit="g", time="jaar", outcome="y", dose="dose", reference=1999)
