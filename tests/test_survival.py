"""General survival functions: a published Cox model (Rossi recidivism data), Kaplan-Meier against the product-limit
by hand, the proportional-hazards test by simulation, and bad input."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.stats import survival as sv

ROSSI = Path(__file__).parent / "fixtures" / "published" / "rossi.csv"
COVARIATES = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


@pytest.fixture(scope="module")
def rossi():
    return pd.read_csv(ROSSI)


def test_rossi_cox_model_reproduces_the_published_coefficients_and_standard_errors(rossi):
    """Allison (1995, Survival Analysis Using SAS) and Fox (2002, 'Cox Proportional-Hazards Regression for Survival
    Data', appendix to An R and S-PLUS Companion to Applied Regression): coxph(Surv(week, arrest) ~ fin + age + race
    + wexp + mar + paro + prio), Efron ties. Printed coefficients and standard errors, five decimals."""
    r = sv.cox(rossi, time="week", event="arrest", covariates=COVARIATES, ties="efron")
    published = {
        "fin": (-0.37942, 0.19138),
        "age": (-0.05744, 0.02200),
        "race": (0.31390, 0.30799),
        "wexp": (-0.14980, 0.21222),
        "mar": (-0.43370, 0.38187),
        "paro": (-0.08487, 0.19576),
        "prio": (0.09150, 0.02865),
    }
    c = r.coefficients.set_index("term")
    assert_allclose(c.estimate.loc[list(published)], [v[0] for v in published.values()], atol=6e-6)
    assert_allclose(c.std_error.loc[list(published)], [v[1] for v in published.values()], atol=6e-6)
    assert_allclose(r.hazard_ratio("fin")[0], 0.684, atol=5e-4)  # exp(coef) as printed
    assert r.n == 432 and r.events == 114


def test_rossi_proportional_hazards_check_flags_age_and_work_experience(rossi):
    """Fox (2002): the scaled Schoenfeld residuals show non-proportional hazards for age and wexp, not for the
    financial-aid treatment or prior convictions."""
    r = sv.cox(rossi, time="week", event="arrest", covariates=COVARIATES)
    p = r.ph_test.set_index("term").p_value
    assert p["age"] < 0.01 and p["wexp"] < 0.01
    assert p["fin"] > 0.5 and p["prio"] > 0.5
    assert p["GLOBAL"] < 0.05 and r.ph_test.set_index("term").df["GLOBAL"] == 7
    assert "proportional-hazards test" in r.summary()


def simulate(rng, n, beta=-0.5108, crossing=False):  # log(0.6)
    x = (rng.random(n) < 0.5).astype(float)
    if crossing:  # hazard ratio 0.3 in the first 6 months, 3 after: not proportional
        t1 = rng.exponential(1 / (0.1 * np.where(x == 1, 0.3, 1.0)))
        late = t1 > 6
        t2 = 6 + rng.exponential(1 / (0.1 * np.where(x == 1, 3.0, 1.0)))
        t = np.where(late, t2, t1)
    else:
        t = rng.exponential(1 / (0.1 * np.exp(beta * x)))
    c = rng.uniform(5, 30, n)
    return pd.DataFrame({"t": np.minimum(t, c), "e": t <= c, "x": x, "s": rng.integers(0, 2, n)})


def test_ph_test_holds_its_size_under_proportional_hazards_and_detects_crossing_hazards():
    rng = np.random.default_rng(4)
    kw = dict(time="t", event="e", covariates=["x"], ties="breslow")  # continuous times: no ties, and faster
    p_ph = [sv.cox(simulate(rng, 150), **kw).ph_test.p_value.iloc[0] for _ in range(30)]
    assert np.mean(np.array(p_ph) < 0.05) <= 0.15
    assert np.mean(p_ph) > 0.35  # roughly uniform under the null
    p_cross = [sv.cox(simulate(rng, 300, crossing=True), **kw).ph_test.p_value.iloc[0] for _ in range(6)]
    assert np.mean(np.array(p_cross) < 0.05) >= 5 / 6


def test_cox_recovers_a_known_hazard_ratio_with_strata_and_breslow_ties():
    rng = np.random.default_rng(5)
    d = pd.concat([simulate(rng, 1500).assign(s=0), simulate(rng, 1500).assign(s=1, t=lambda x: x.t * 2)])
    r = sv.cox(d, time="t", event="e", covariates=["x"], strata="s", ties="breslow")
    assert abs(r.coefficients.estimate.iloc[0] - np.log(0.6)) < 2.5 * r.coefficients.std_error.iloc[0]
    assert r.coefficients.ci_lower.iloc[0] < np.log(0.6) < r.coefficients.ci_upper.iloc[0]
    assert r.strata == "s" and "stratified by s" in r.summary()


def test_kaplan_meier_matches_the_product_limit_by_hand_and_starts_at_one():
    d = pd.DataFrame({"t": [1, 2, 2, 3, 4, 5, 6, 7], "e": [1, 1, 0, 1, 0, 1, 1, 0], "g": "a"})
    km = sv.kaplan_meier(d, time="t", event="e", group="g")
    tab = km.table
    # S = prod (1 - d/n): 7/8, then 6/7 at t=2 (the censored one at 2 still at risk), 4/5 at t=3, ...
    expect = np.cumprod([7 / 8, 6 / 7, 4 / 5, 2 / 3, 1 / 2])
    assert_allclose(tab.time, [0, 1, 2, 3, 5, 6])  # a row per event time
    assert_allclose(tab.survival, np.r_[1.0, expect])
    assert_allclose(tab.at_risk, [8, 8, 7, 5, 3, 2]) and list(tab.events) == [0, 1, 1, 1, 1, 1]
    assert tab.time.iloc[0] == 0 and tab.ci_lower.iloc[0] == 1 and tab.ci_upper.iloc[0] == 1
    assert tab.band_lower.iloc[:5].isna().all()  # no band before the fifth event: never drawn down to 0 at t=0
    assert (tab.ci_lower <= tab.survival + 1e-12).all() and (tab.survival <= tab.ci_upper + 1e-12).all()
    assert_allclose(km.at(4.5)["a"], expect[2]) and km.at(0.5)["a"] == 1.0


def test_kaplan_meier_pointwise_interval_is_log_log(rossi):
    """Greenwood variance with the log-log transform (R survfit conf.type = 'log-log'), checked at week 52 for the
    no-aid group: S = 150/216 with no censoring before, so var(log S) = sum d / (n (n - d))."""
    km = sv.kaplan_meier(rossi, time="week", event="arrest", group="fin")
    g = km.table[km.table.group == 0].iloc[-1]
    assert_allclose(g.survival, 150 / 216)
    ev = rossi[(rossi.fin == 0) & (rossi.arrest == 1)].week.value_counts().sort_index()
    n_risk = 216 - np.r_[0, np.cumsum(ev.to_numpy())[:-1]]
    v = np.sum(ev.to_numpy() / (n_risk * (n_risk - ev.to_numpy())))
    se_ll = np.sqrt(v) / abs(np.log(150 / 216))
    assert_allclose([g.ci_lower, g.ci_upper], [(150 / 216) ** np.exp(1.959964 * se_ll),
                                               (150 / 216) ** np.exp(-1.959964 * se_ll)], rtol=1e-5)  # fmt: skip
    assert km.n == {0: 216, 1: 216} and km.events == {0: 66, 1: 48}


@pytest.mark.parametrize(
    "kw, err",
    [
        (dict(covariates=["nope"]), KeyError),
        (dict(covariates=["g"]), ValueError),
        (dict(covariates=["x"], ties="exact"), ValueError),
        (dict(covariates=[]), ValueError),
    ],
)
def test_cox_bad_input(kw, err):
    d = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [1, 0, 1, 1], "x": [0.0, 1, 0, 1], "g": list("abab")})
    with pytest.raises(err):
        sv.cox(d, time="t", event="e", **kw)
    with pytest.raises(ValueError, match="0/1"):
        sv.kaplan_meier(d.assign(e=[1, 2, 0, 1]), time="t", event="e")
