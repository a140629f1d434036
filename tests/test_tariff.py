"""Abonnementstarief estimators: recovery of a known effect (bias and CI coverage) and the real CBS panel."""

import numpy as np
import pandas as pd
import pytest

from analysis.demand import tariff


def simulate_monthly(rng, rr=1.25, n_years=8, start_year=2015):
    months = pd.date_range(f"{start_year}-01-01", periods=12 * n_years, freq="MS")
    pop = np.linspace(30000, 34000, len(months))
    t = np.arange(len(months)) / 12
    post = (months >= "2019-01-01").astype(float)
    mu = pop * np.exp(-5.5 + 0.02 * t + np.log(rr) * post + 0.05 * np.sin(2 * np.pi * months.month / 12))
    return pd.DataFrame({"maand": months, "instroom": rng.poisson(mu), "inwoners": pop})


def test_its_recovers_known_rate_ratio():
    rng = np.random.default_rng(11)
    est, cover = [], []
    for _ in range(150):
        r = tariff.tariff_effect_its(simulate_monthly(rng))
        est.append(np.log(r.level_rr))
        cover.append(r.level_rr_ci[0] <= 1.25 <= r.level_rr_ci[1])
    bias = np.mean(est) - np.log(1.25)
    assert abs(bias) < 0.01
    assert 0.88 <= np.mean(cover) <= 0.995


def test_its_on_synthetic_groningen_matches_generator_truth(synth):
    """The generator multiplies inflow by S03 per income class; weighted by S04 shares the truth is 1.2165."""
    from analysis.assumptions import load_assumptions

    log = load_assumptions()
    truth = sum(log.value("S03")[k] * log.value("S04")[k] for k in ("laag", "midden", "hoog"))
    m = tariff.monthly_series(pd.read_parquet(synth / "hh_monthly.parquet"))
    r = tariff.tariff_effect_its(m)
    assert r.level_rr_ci[0] <= truth <= r.level_rr_ci[1]
    assert {"maand", "waargenomen", "model", "zonder_tarief"} <= set(r.series.columns)
    nb = tariff.tariff_effect_its(m, family="negbin")
    assert nb.level_rr_ci[0] <= truth <= nb.level_rr_ci[1]


def test_its_bad_input():
    df = pd.DataFrame({"maand": pd.date_range("2019-02-01", periods=12, freq="MS"), "instroom": 1, "inwoners": 10})
    with pytest.raises(ValueError, match="before and after"):
        tariff.tariff_effect_its(df)
    with pytest.raises(ValueError, match="family"):
        tariff.tariff_effect_its(simulate_monthly(np.random.default_rng(1)), family="ols")


def simulate_panel(rng, beta, n=250):
    codes = [f"GM{i:04d}" for i in range(n)]
    inc = rng.normal(30, 4.5, n)
    fe = rng.normal(70, 15, n)
    rows = []
    for j, y in enumerate(range(2017, 2021)):
        shock = rng.normal(0, 3)
        for c, i, f in zip(codes, inc, fe):
            post = y >= 2019
            rate = f + 2 * j + shock + beta * (i - 30) * post + rng.normal(0, 4)
            pop = 8000.0
            rows.append(
                {
                    "gemeente_code": c,
                    "gemeente_naam": c,
                    "jaar": y,
                    "hh_clienten": rate * pop / 1000,
                    "ondersteuning_thuis": 1000.0,
                    "inwoners_65plus": pop,
                    "gem_inkomen": i,
                }
            )
    return pd.DataFrame(rows)


EMPTY_HERI = pd.DataFrame({"old_code": [], "new_code": [], "effective_date": pd.to_datetime([])})


def test_did_recovers_known_effect():
    rng = np.random.default_rng(5)
    est, cover = [], []
    for _ in range(60):
        r = tariff.tariff_effect_did(simulate_panel(rng, 0.8), EMPTY_HERI)
        c = r.coefficients.iloc[0]
        est.append(c.estimate)
        cover.append(c.ci_lower <= 0.8 <= c.ci_upper)
    assert abs(np.mean(est) - 0.8) < 0.05
    assert 0.85 <= np.mean(cover) <= 1.0


def test_did_placebo_is_null_when_no_pretrend():
    rng = np.random.default_rng(9)
    rejections = sum(
        tariff.tariff_effect_did(simulate_panel(rng, 0.8), EMPTY_HERI).placebo.p_value.iloc[0] < 0.05 for _ in range(40)
    )
    assert rejections <= 6


def test_did_on_real_cbs_panel(processed):
    """Runs on the bundled CBS data; the exclusions are listed, and the result is whatever the data say."""
    panel = pd.read_parquet(processed / "wmo_panel_eigen_grenzen.parquet")
    heri = pd.read_parquet(processed / "herindelingen.parquet")
    r = tariff.tariff_effect_did(panel, heri)
    excl = r.excluded
    assert {"GM0014", "GM0017", "GM0009"} <= set(excl.gemeente_code)  # Groningen merger 2019
    assert excl.reason.str.fullmatch(r"registration break \d{4}").any()  # English in the API
    assert excl.reden.str.contains("registratiebreuk").any()  # Dutch for the report, from analysis.labels
    assert not excl.reason.str.contains("registratie|grens|ontbrek|inkomen").any()
    assert r.n_gemeenten > 150 and r.n_obs == 4 * r.n_gemeenten
    c = r.coefficients.iloc[0]
    assert c.ci_lower < c.estimate < c.ci_upper and 0 <= c.p_value <= 1
    assert set(r.event_study.jaar) == {2017, 2019, 2020}


def test_registration_break_detected_in_groningen_2019(processed):
    """Harmonised panel: GM0014 HH 5,325 (2017) -> 3,940 (2019) while support at home jumps: a break."""
    panel = pd.read_parquet(processed / "wmo_panel_grenzen_2020.parquet")
    br = tariff.detect_registration_breaks(panel[panel.jaar != 2018])
    assert ((br.gemeente_code == "GM0014") & (br.jaar == 2019)).any()
