import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.demand import rates


def test_garwood_against_published_table():
    """Exact 95% limits for k = 0, 1, 10 (e.g. Ulm 1990, Am J Epidemiol 131:373): 0-3.689, 0.0253-5.572,
    4.795-18.39."""
    lo, hi = rates.garwood_interval([0, 1, 10])
    assert_allclose(lo, [0, 0.0253, 4.795], atol=1e-3)
    assert_allclose(hi, [3.689, 5.572, 18.390], atol=1e-3)


def test_rate_per_1000_and_bad_input():
    df = pd.DataFrame({"clienten": [50, 0], "inwoners": [1000, 500]})
    out = rates.usage_rate_per_1000(df)
    assert_allclose(out["per_1000"], [50, 0])
    assert (out["ci_lower"] <= out["per_1000"]).all() and (out["per_1000"] <= out["ci_upper"]).all()
    with pytest.raises(ValueError, match="must be > 0"):
        rates.usage_rate_per_1000(pd.DataFrame({"clienten": [1], "inwoners": [0]}))
    with pytest.raises(KeyError):
        rates.usage_rate_per_1000(pd.DataFrame({"n": [1]}))


def test_garwood_coverage_by_simulation():
    rng = np.random.default_rng(3)
    mu = 12.0
    k = rng.poisson(mu, 4000)
    lo, hi = rates.garwood_interval(k)
    cover = np.mean((lo <= mu) & (mu <= hi))
    assert 0.95 <= cover <= 0.99  # exact intervals are conservative


def test_clients_by_year_uses_age_on_reference_day():
    c = pd.DataFrame(
        {
            "start": pd.to_datetime(["2018-01-01", "2018-01-01", "2021-01-01"]),
            "einde": pd.to_datetime([None, "2019-03-01", None]),
            "geboortejaar": [1944, 1930, 1950],
        }
    )
    out = rates.clients_by_year(c, [2019, 2020])
    got = {(r.jaar, r.leeftijdsgroep): r.clienten for r in out.itertuples()}
    assert got == {(2019, "75-84"): 1, (2020, "75-84"): 1}  # born 1944: 75 in 2019; 1930 ended; 1950 later


def test_panel_rates_real_groningen_2019(processed):
    panel = pd.read_parquet(processed / "wmo_panel_eigen_grenzen.parquet")
    r = rates.panel_rates_65plus(panel)
    g = r[(r.gemeente_code == "GM0014") & (r.jaar == 2019)].iloc[0]
    # CBS 84753NED, HH (the panel's support_at_home, read by its declared meaning) and KWB 65+ of the merged gemeente
    assert_allclose(g["per_1000"], 5530 / 33349 * 1000)


def test_rates_65plus_by_area_counts_only_65plus_in_each_year():
    c = pd.DataFrame(
        {
            "start": pd.to_datetime(["2015-01-01"] * 3),
            "einde": pd.NaT,
            "geboortejaar": [1952, 1955, 1930],
            "gebied": ["A", "A", "B"],
        }
    )
    pop = pd.DataFrame(
        [
            {"jaar": y, "gebied": g, "leeftijdsgroep": b, "inwoners": 100}
            for y in (2018, 2020)
            for g in "AB"
            for b in ["18-64", "65-74", "75-84", "85+"]
        ]
    )
    r = rates.rates_65plus_by_area(c, pop, [2018, 2020]).set_index(["jaar", "gebied"])
    assert r.loc[(2018, "A"), "clienten"] == 1  # born 1955 is 63 in 2018
    assert r.loc[(2020, "A"), "clienten"] == 2 and r.loc[(2020, "A"), "inwoners"] == 300
    assert_allclose(r.loc[(2020, "B"), "per_1000"], 1 / 300 * 1000)
