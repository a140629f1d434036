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
    import warnings

    d = pd.read_csv(KIELMC).assign(nxy=lambda x: x.nearinc * x.y81)
    with warnings.catch_warnings():  # a clean fit raises nothing: pandas' notices inside pyfixest are filtered
        warnings.simplefilter("error")
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
    assert list(u.dropped.name) == ["G1"] and u.summary().count("G1") == 1
    # a unit with one missing row and one row left: listed once (as a unit), not once per reason
    gap = short.copy()
    gap.loc[(gap.g == "G2") & (gap.jaar > 2018), "y"] = np.nan
    gap = gap[~((gap.g == "G2") & (gap.jaar == 2017))]
    u = sdid.did(gap, unit="g", time="jaar", outcome="y", treatment="d", balanced=False)
    assert sorted(u.dropped.name) == ["G1", "G2"] and u.summary().count("G2") == 1
    assert (u.dropped.kind == "unit").all()
    # a unit that keeps enough rows is listed once with the number of rows it lost
    part = d.copy()
    part.loc[(part.g == "G3") & (part.jaar == 2020), "y"] = np.nan
    u = sdid.did(part, unit="g", time="jaar", outcome="y", treatment="d", balanced=False)
    assert u.dropped.to_dict("records") == [
        {"kind": "observations", "name": "G3", "reason": "1 row(s) with a missing value"}
    ]


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


# ------------------------------------------------------------------------------------------ inference and traps


def kiel():
    return pd.read_csv(KIELMC).assign(nxy=lambda x: x.nearinc * x.y81)


def test_kiel_mcclain_reproduces_the_published_classical_standard_error():
    """Wooldridge, Introductory Econometrics, Example 13.3, eq. (13.7): y81*nearinc -11,863.90 with the usual OLS
    standard error 7,456.65 (n = 321). The label says what was computed, and iid comes with a warning."""
    with pytest.warns(sdid.InferenceWarning, match="independent"):
        r = sdid.did(kiel(), unit="nearinc", time="y81", outcome="rprice", treatment="nxy", vcov="iid",
                     repeated_cross_sections=True)  # fmt: skip
    assert_allclose([r.term("nxy").estimate, r.term("nxy").std_error], [-11863.90, 7456.65], atol=0.01)
    assert r.vcov == "iid (classical OLS)" and "iid (classical OLS)" in r.summary()


def test_hc1_equals_the_white_correction_of_the_dummy_regression():
    import statsmodels.formula.api as smf

    with pytest.warns(sdid.InferenceWarning):
        r = sdid.did(kiel(), unit="nearinc", time="y81", outcome="rprice", treatment="nxy", vcov="HC1",
                     repeated_cross_sections=True)  # fmt: skip
    ols = smf.ols("rprice ~ nearinc * y81", kiel()).fit(cov_type="HC1")
    assert_allclose(r.term("nxy").std_error, ols.bse["nearinc:y81"], rtol=1e-8)
    assert r.vcov == "heteroskedasticity-robust (HC1)"


def test_two_group_cross_section_without_a_cluster_is_refused_not_degenerate():
    """The classic 2x2 (Card-Krueger style): clustering on the two groups gave SE ~1e-15 without a word."""
    with pytest.raises(sdid.DesignError, match="explicit cluster"):
        sdid.did(kiel(), unit="nearinc", time="y81", outcome="rprice", treatment="nxy", repeated_cross_sections=True)
    with pytest.raises(sdid.DesignError, match="only 2 clusters"):
        sdid.did(kiel(), unit="nearinc", time="y81", outcome="rprice", treatment="nxy", cluster="nearinc",
                 repeated_cross_sections=True)  # fmt: skip
    with pytest.raises(sdid.DesignError, match="too few even for the wild"):
        sdid.did(kiel(), unit="nearinc", time="y81", outcome="rprice", treatment="nxy", cluster="nearinc",
                 vcov="wild", repeated_cross_sections=True)  # fmt: skip


def test_fewer_than_twenty_clusters_is_a_design_error_unless_a_small_cluster_method_is_asked():
    d = panel(np.random.default_rng(6), n=60).assign(region=lambda x: "R" + (x.g.str[1:].astype(int) % 12).astype(str))
    with pytest.raises(sdid.DesignError, match="only 12 clusters.*vcov='wild'"):
        sdid.did(d, unit="g", time="jaar", outcome="y", treatment="d", cluster="region")
    with pytest.warns(sdid.InferenceWarning):
        r = sdid.did(d, unit="g", time="jaar", outcome="y", treatment="d", vcov="HC1")
    assert r.vcov_type == "HC1" and r.n_clusters is None


def test_wild_cluster_bootstrap_agrees_with_cr1_when_clusters_are_many():
    """With 34 clusters the restricted wild bootstrap p-value and the percentile-t interval are close to CR1's
    (they differ in finite samples, not in the limit); the label names the method and the weights."""
    pytest.importorskip("wildboottest")
    kw = dict(unit="nearinc", time="y81", outcome="rprice", treatment="nxy", cluster="cbd",
              repeated_cross_sections=True)  # fmt: skip
    cr1 = sdid.did(kiel(), **kw).term("nxy")
    w = sdid.did(kiel(), vcov="wild", bootstrap_reps=1999, seed=3, **kw)
    t = w.term("nxy")
    assert_allclose(t.std_error, cr1.std_error, rtol=1e-9)  # the reported SE stays CR1
    assert abs(t.p_value - cr1.p_value) < 0.04
    assert_allclose(t.ci_upper - t.ci_lower, cr1.ci_upper - cr1.ci_lower, rtol=0.15)
    assert "wild cluster bootstrap by cbd (34 clusters, WCR-11" in w.summary() and "rademacher" in w.vcov


def test_absorbed_covariate_is_reported_dropped_and_warned():
    d = panel(np.random.default_rng(7), n=40)
    d["chain"] = (d.g.str[1:].astype(int) % 3).astype(float)  # constant within unit: the unit effects absorb it
    with pytest.warns(UserWarning, match="multicollinearity"):
        r = sdid.did(d, unit="g", time="jaar", outcome="y", treatment="d", covariates=("chain",))
    assert r.dropped.to_dict("records") == [
        {
            "kind": "term",
            "name": "chain",
            "reason": "collinear with the fixed effects or other terms (dropped by the estimator)",
        }  # fmt: skip
    ]
    assert r.summary().count("chain") == 1 and "chain" not in set(r.to_frame().term)


def staggered(rng, n=300, years=range(2010, 2020), cohorts=(2012, 2015, 2018, None)):
    """Staggered adoption with effects growing since each unit's start: 1 + 0.5 k in the k-th treated period."""
    a = rng.normal(0, 2, n)
    g = {y: 0.3 * i + rng.normal(0, 0.2) for i, y in enumerate(years)}
    rows = []
    for i in range(n):
        s = cohorts[i % len(cohorts)]
        for y in years:
            on = s is not None and y >= s
            eff = 1.0 + 0.5 * (y - s) if on else 0.0
            rows.append({"u": f"U{i}", "t": y, "d": "ja" if on else "nee", "eff": eff,
                         "y": a[i] + g[y] + eff + rng.normal(0, 0.5)})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("cohorts", [(2019, 2020, None, None), (2018, 2020, None, None)])
def test_staggered_units_without_two_untreated_periods_are_refused_in_one_line(cohorts):
    """A cohort treated from the first or second period has fewer than two untreated periods per unit; pyfixest's
    first stage drops such units and then fails with a broadcasting error: refused before, saying what to do."""
    d = staggered(np.random.default_rng(1), n=40, years=range(2018, 2022), cohorts=cohorts)
    with pytest.raises(sdid.DesignError, match=f"10 unit.*fewer than two untreated periods.*treated from {cohorts[0]}"):
        sdid.did(d, unit="u", time="t", outcome="y", treatment="d")
    ok = staggered(np.random.default_rng(1), n=40, years=range(2017, 2022), cohorts=(2019, 2020, None, None))
    assert sdid.did(ok, unit="u", time="t", outcome="y", treatment="d").estimator == "did2s"


def test_staggered_adoption_recovers_the_average_effect_where_twfe_does_not():
    """Goodman-Bacon (2021): TWFE weights already-treated units as controls and misses a growing effect; the
    two-stage estimator recovers the average effect on the treated (within 3%) and the effect per event time."""
    d = staggered(np.random.default_rng(11))
    truth = d.loc[d.d == "ja", "eff"].mean()
    r = sdid.did(d, unit="u", time="t", outcome="y", treatment="d")  # yes/no column converted
    assert r.estimator == "did2s" and "Gardner" in r.vcov
    assert abs(r.term("d").estimate / truth - 1) < 0.03
    ev = r.event_time.set_index("event_time")
    assert_allclose(ev.estimate, 1 + 0.5 * ev.index.to_numpy(), atol=0.2)
    with pytest.warns(sdid.InferenceWarning, match="Goodman-Bacon"):
        tw = sdid.did(d, unit="u", time="t", outcome="y", treatment="d", estimator="twfe")
    assert tw.term("d").estimate / truth < 0.8  # the bias the test guards against is real in this design


def test_staggered_dose_is_refused_with_the_alternative_named():
    d = staggered(np.random.default_rng(12), n=40).assign(dose=lambda x: (x.d == "ja") * (1 + x.u.str[1:].astype(int)))
    with pytest.raises(sdid.DesignError, match="did2s"):
        sdid.did(d, unit="u", time="t", outcome="y", treatment="dose")


def test_guard_rails_dates_outside_the_data_and_yes_no_columns():
    d = panel(np.random.default_rng(8), n=30)
    with pytest.raises(sdid.DesignError, match="outside the data"):
        sdid.placebo(d, unit="g", time="jaar", outcome="y", dose="dose", first_treated=2030)
    with pytest.raises(sdid.DesignError, match="reference period 1999 is not in the data"):
        sdid.event_study(d, unit="g", time="jaar", outcome="y", dose="dose", reference=1999)
    yn = d.assign(t=np.where(d.jaar >= 2019, np.where(d.dose > 0, "Ja", "nee"), "nee"))
    r = sdid.did(yn, unit="g", time="jaar", outcome="y", treatment="t")
    b = sdid.did(yn.assign(t=yn.t == "Ja"), unit="g", time="jaar", outcome="y", treatment="t")
    assert_allclose(r.term("t").estimate, b.term("t").estimate)
    with pytest.raises(sdid.DesignError, match="neither numeric nor yes/no.*'misschien'"):
        sdid.did(yn.assign(t=np.where(yn.t == "Ja", "misschien", yn.t)), unit="g", time="jaar", outcome="y",
                 treatment="t")  # fmt: skip


def test_staggered_design_without_untreated_units_in_a_period_is_refused():
    d = staggered(np.random.default_rng(13), n=40, cohorts=(2012, 2015))  # everyone treated from 2015 on
    with pytest.raises(sdid.DesignError, match="no untreated units in period"):
        sdid.did(d, unit="u", time="t", outcome="y", treatment="d")


def test_staggered_adoption_on_pyfixests_simulated_het_data():
    """pyfixest's df_het (Butts' simulation for did2s: cohorts 2000 and 2010 and never treated, effects that grow
    with time since treatment; the truth te + te_dynamic is in the data): the average effect on the treated, 2.220,
    is recovered within 1%, where two-way fixed effects give 1.98."""
    from importlib.resources import files

    d = pd.read_csv(files("pyfixest.did") / "data" / "df_het.csv")
    truth = (d.te + d.te_dynamic)[d.treat].mean()
    r = sdid.did(d, unit="unit", time="year", outcome="dep_var", treatment="treat", cluster="state")
    assert_allclose(truth, 2.2202, atol=1e-4)
    assert abs(r.term("treat").estimate / truth - 1) < 0.01 and r.estimator == "did2s"
    ev = r.event_time.set_index("event_time")
    true_ev = (d.te + d.te_dynamic)[d.treat].groupby(d.rel_year[d.treat]).mean()
    assert_allclose(ev.estimate, true_ev.loc[ev.index], atol=0.2)  # each event time from fewer observations
