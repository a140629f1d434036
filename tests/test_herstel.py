import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.financing import herstel


def simulate(rng, n, hr):
    g = rng.random(n) < 0.4
    age = rng.integers(65, 95, n)
    single = rng.random(n) < 0.6
    lin = np.log(0.06) + g * np.log(hr) + np.log(1.3) * (age - 75) / 10 + np.log(1.25) * single
    t = rng.exponential(1 / np.exp(lin))
    c = rng.uniform(6, 24, n)
    return pd.DataFrame(
        {
            "groep": np.where(g, "herstelgericht", "direct"),
            "maanden": np.minimum(t, c),
            "hh_gestart": t <= c,
            "leeftijd": age,
            "huishouden": np.where(single, "alleenstaand", "samen"),
        }
    )


def test_cox_recovers_known_hazard_ratio():
    rng = np.random.default_rng(12)
    est, cover = [], []
    for _ in range(40):
        r = herstel.herstel_analysis(simulate(rng, 800, 0.6))
        hr, lo, hi = r.hazard_ratio
        est.append(np.log(hr))
        cover.append(lo <= 0.6 <= hi)
    assert abs(np.mean(est) - np.log(0.6)) < 0.03
    assert np.mean(cover) >= 0.85


def test_km_without_censoring_equals_empirical_survival():
    d = pd.DataFrame(
        {
            "groep": "direct",
            "maanden": [1.0, 2, 3, 4],
            "hh_gestart": True,
            "leeftijd": [80, 70, 90, 75],
            "huishouden": ["samen", "alleenstaand", "samen", "alleenstaand"],
        }
    )
    d = pd.concat(
        [d, d.assign(groep="herstelgericht", maanden=[1.5, 2.5, 5, 6], leeftijd=[70, 75, 85, 90])], ignore_index=True
    )
    r = herstel.herstel_analysis(d)
    km = r.km[r.km.groep == "direct"]
    assert_allclose(km.overleving, [1.0, 0.75, 0.5, 0.25, 0.0])  # S(0) = 1, then the steps
    assert km.band_lower.iloc[:4].isna().all()  # no band before the fifth event: it never drops to 0 at t = 0
    assert (km.band_lower.fillna(0) <= km.overleving + 1e-9).all()


def test_bad_input():
    with pytest.raises(KeyError):
        herstel.herstel_analysis(pd.DataFrame({"groep": ["a"]}))


def test_band_stays_near_the_curve_in_the_first_weeks():
    """Many early events close to t = 0 (S(t) near 1): the Hall-Wellner band with the log transform went down to 0
    there; the arcsine band stays around the curve and inside [0, 1] (the KM band that 'dropped to 0 at month 0')."""
    rng = np.random.default_rng(5)
    r = herstel.herstel_analysis(simulate(rng, 3000, 0.6))
    for _, km in r.km.groupby("groep"):
        banded = km.dropna(subset=["band_lower"])
        early = banded[banded.maanden <= 1.0]
        assert len(early) > 10
        assert (early.band_lower > early.overleving - 0.15).all() and (early.band_lower > 0.7).all()
        assert ((banded.band_lower <= banded.overleving + 1e-9) & (banded.overleving <= banded.band_upper + 1e-9)).all()
        assert banded.band_lower.between(0, 1).all() and banded.band_upper.between(0, 1).all()
