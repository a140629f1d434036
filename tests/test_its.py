"""The general interrupted time series: the published tutorial example, its model variants, and bad designs."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.stats.its import its

SICILY = Path(__file__).parent / "fixtures" / "published" / "sicily.csv"


@pytest.fixture(scope="module")
def sicily():
    return pd.read_csv(SICILY)


def _quasipoisson_se(d, X):
    """The tutorial's quasi-Poisson standard errors computed from scratch (IRLS to convergence, then
    sqrt(diag((X'WX)^-1) * Pearson chi2 / df)), as R's glm(family = quasipoisson) does."""
    y, off = d.aces.to_numpy(float), np.log(d.stdpop.to_numpy(float))
    b = np.zeros(X.shape[1])
    b[0] = np.log(y.mean()) - off.mean()
    for _ in range(100):
        mu = np.exp(X @ b + off)
        z = X @ b + (y - mu) / mu
        b_new = np.linalg.solve(X.T @ (mu[:, None] * X), X.T @ (mu * z))
        if np.max(np.abs(b_new - b)) < 1e-12:
            b = b_new
            break
        b = b_new
    mu = np.exp(X @ b + off)
    phi = np.sum((y - mu) ** 2 / mu) / (len(y) - X.shape[1])
    return b, np.sqrt(np.diag(np.linalg.inv(X.T @ (mu[:, None] * X))) * phi)


def test_sicily_smoking_ban_reproduces_the_tutorial(sicily):
    """Lopez Bernal, Cummins & Gasparrini (2017), step 5c: quasi-Poisson, log standardised population offset,
    linear time, two harmonic pairs; the smoking ban's rate ratio is 0.885. Estimate and standard error are
    checked against the tutorial's model computed from scratch (tolerance 1e-6)."""
    r = its(sicily, time="time", outcome="aces", start=37, offset="stdpop", season="month", harmonics=2,
            model="step", family="quasipoisson", se="model")  # fmt: skip
    assert round(r.level_rr, 3) == 0.885
    m = sicily.month.to_numpy(float)
    X = np.column_stack([np.ones(len(sicily)), sicily.time - 1, sicily.smokban,
                         *[f(2 * np.pi * k * m / 12) for k in (1, 2) for f in (np.sin, np.cos)]])  # fmt: skip
    b, se = _quasipoisson_se(sicily, X)
    c = r.coefficients.set_index("term")
    assert_allclose(c.loc["niveau", "estimate"], b[2], rtol=1e-6)
    assert_allclose(c.loc["niveau", "std_error"], se[2], rtol=1e-6)
    assert r.slope_rr_per_year is None and r.model == "step"
    assert r.diagnostics["dispersion"] > 2  # why the tutorial uses quasi-Poisson


def test_slope_change_is_counted_from_the_interruption(sicily):
    """The tutorial's change-in-slope model codes time since the ban as time - 36 (1 in the first month of the ban):
    the level change is then measured at the interruption."""
    r = its(sicily, time="time", outcome="aces", start=37, offset="stdpop", season="month", harmonics=2,
            family="quasipoisson", se="model")  # fmt: skip
    m = sicily.month.to_numpy(float)
    X = np.column_stack([np.ones(len(sicily)), sicily.time - 1, sicily.smokban, (sicily.time - 36) * sicily.smokban,
                         *[f(2 * np.pi * k * m / 12) for k in (1, 2) for f in (np.sin, np.cos)]])  # fmt: skip
    b, se = _quasipoisson_se(sicily, X)
    c = r.coefficients.set_index("term")
    assert_allclose(c.loc[["niveau", "helling"], "estimate"], b[2:4], rtol=1e-6)
    assert_allclose(c.loc[["niveau", "helling"], "std_error"], se[2:4], rtol=1e-6)
    assert_allclose(r.slope_rr_per_period, np.exp(b[3])) and assert_allclose(r.slope_rr_per_year, np.exp(12 * b[3]))


def test_families_and_standard_errors(sicily):
    kw = dict(time="time", outcome="aces", start=37, offset="stdpop", season="month", harmonics=2, model="step")
    p = its(sicily, family="poisson", se="model", **kw)
    q = its(sicily, family="quasipoisson", se="model", **kw)
    h = its(sicily, family="poisson", se="hac", **kw)
    nb = its(sicily, family="negbin", se="model", **kw)
    assert p.level_rr == pytest.approx(q.level_rr)  # same fit, wider interval
    width = lambda r: r.level_rr_ci[1] - r.level_rr_ci[0]
    assert width(q) / width(p) == pytest.approx(np.sqrt(q.diagnostics["dispersion"]), rel=0.01)
    assert width(h) != width(p) and 0.8 < nb.level_rr < 0.95
    page = p._repr_html_()
    assert "step" in p.summary() and "<pre>" not in page and "<th>estimate</th>" in page and "HAC" not in page


def test_monthly_dates_and_column_names_are_parameters():
    months = pd.date_range("2015-01-01", periods=96, freq="MS")
    rng = np.random.default_rng(1)
    mu = 1000 * np.exp(0.002 * np.arange(96) + np.log(1.3) * (months >= "2019-01-01"))
    d = pd.DataFrame({"periode": months, "aantal": rng.poisson(mu), "bevolking": 1000.0})
    r = its(d, time="periode", outcome="aantal", start="2019-01-01", offset="bevolking")
    assert r.level_rr == pytest.approx(1.3, rel=0.05)


@pytest.mark.parametrize(
    "kw, msg",
    [
        (dict(model="trend"), "model must be"),
        (dict(family="ols"), "family must be"),
        (dict(se="robust"), "se must be"),
        (dict(start=100), "before and after"),
        (dict(start=59), "at least two periods after"),
        (dict(outcome="geen"), "column .geen. not found; valid columns"),
    ],
)
def test_bad_designs_are_named(sicily, kw, msg):
    base = dict(time="time", outcome="aces", start=37, offset="stdpop")
    with pytest.raises((ValueError, KeyError), match=msg):
        its(sicily, **{**base, **kw})


def test_quasipoisson_hac_is_labelled_as_what_it_is(sicily):
    """The HAC sandwich is robust to overdispersion, so quasi-Poisson + HAC equals Poisson + HAC; the label says so
    instead of claiming a separate quasi-Poisson HAC estimator."""
    kw = dict(time="time", outcome="aces", start=37, offset="stdpop")
    p = its(sicily, family="poisson", se="hac", **kw)
    q = its(sicily, family="quasipoisson", se="hac", **kw)
    assert_allclose(q.coefficients.std_error, p.coefficients.std_error, rtol=1e-10)
    assert (
        "Poisson fit, Newey-West (HAC, 3 lags)" in q.summary() and "identical for Poisson and quasi-Poisson" in q.vcov
    )
    m = its(sicily, family="quasipoisson", se="model", **kw)
    assert "scaled by the Pearson dispersion" in m.summary()
