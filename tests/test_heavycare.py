import pandas as pd
from numpy.testing import assert_allclose

from analysis.pilot import heavycare


def test_placements_within_window_and_known_by_cutoff():
    f = pd.DataFrame(
        {
            "gezin_id": list("abcd"),
            "route": ["gezinsverzorger", "gezinsverzorger", "regulier", "regulier"],
            "start": pd.to_datetime(["2022-01-01"] * 4),
        }
    )
    ev = pd.DataFrame(
        {
            "gezin_id": ["a", "c", "d"],
            "soort": ["uithuisplaatsing"] * 3,
            "datum": pd.to_datetime(["2022-03-01", "2022-05-01", "2023-06-01"]),
        }
    )
    ind = pd.DataFrame({"gezin_id": list("abcd"), "fase": "voor", "indicaties": [3, 1, 2, 2]})
    r = heavycare.heavy_care(f, ev, ind, as_of="2022-12-31")
    pg = r.per_group.set_index("groep")
    assert pg.loc["pilot", "uithuisplaatsing"] == 1 and pg.loc["vergelijking", "uithuisplaatsing"] == 1
    assert_allclose(r.risk_difference, 0.0)
    assert r.rd_ci[0] < 0 < r.rd_ci[1] and "niet gerandomiseerd" in r.caveat
    assert_allclose(r.stacking.set_index("groep").loc["pilot", "gem_indicaties"], 2.0)


def _families(starts, routes):
    return pd.DataFrame({"gezin_id": [f"g{i}" for i in range(len(starts))], "route": routes,
                         "start": pd.to_datetime(starts)})  # fmt: skip


def test_followup_counts_family_years_on_one_clock():
    """Two pilot families followed 12 and 3 months, one placed after 6 of them; two comparison families followed 6
    months each, none placed. By hand: pilot 1 placement over (6 + 3) / 12 = 0,75 family-years; comparison 0 over
    1,0. A 'within 12 months' share (1 of 2 vs 0 of 2) would ignore that the second pilot family was seen 3 months."""
    f = _families(["2021-11-01", "2022-08-01", "2022-05-01", "2022-05-01"],
                  ["gezinsverzorger", "gezinsverzorger", "regulier", "regulier"])  # fmt: skip
    ev = pd.DataFrame({"gezin_id": ["g0", "g0", "g2"], "soort": ["uithuisplaatsing"] * 3,
                       "datum": pd.to_datetime(["2022-05-01", "2022-07-01", "2023-01-01"])})  # fmt: skip
    fu = heavycare.placement_followup(f, ev, as_of="2022-11-01")
    pg = fu.per_group.set_index("groep")
    days = lambda a, b: (pd.Timestamp(b) - pd.Timestamp(a)).days / heavycare.DAYS_PER_MONTH / 12  # noqa: E731
    assert_allclose(pg.loc["pilot", "gezinsjaren"], days("2021-11-01", "2022-05-01") + days("2022-08-01", "2022-11-01"))
    assert pg.loc["pilot", "plaatsingen"] == 1 and pg.loc["vergelijking", "plaatsingen"] == 0  # g2: after the peildatum
    assert_allclose(pg.loc["pilot", "per_gezinsjaar"], 1 / pg.loc["pilot", "gezinsjaren"])
    # exact Poisson interval for 1 event (Garwood): 0,0253 to 5,572 events, divided by the family-years
    assert_allclose(pg.loc["pilot", ["ci_lower", "ci_upper"]].to_numpy(float) * pg.loc["pilot", "gezinsjaren"],
                    [0.02532, 5.5716], rtol=1e-3)  # fmt: skip
    assert pg.loc["pilot", "gevolgd_horizon"] == 0 and pg.loc["vergelijking", "gevolgd_horizon"] == 0
    # Kaplan-Meier: one of two pilot families placed at 6 months, the other censored at 3 -> 0 after 6 months
    km = fu.km[fu.km.groep == "pilot"]
    assert km.zonder_plaatsing.iloc[0] == 1.0 and km.maanden.iloc[0] == 0.0
    assert_allclose(km.zonder_plaatsing.iloc[-1], 0.0)
    assert fu.at_risk("pilot", 4) == 1 and fu.at_risk("vergelijking", 4) == 2


def test_rate_ratio_recovers_a_known_ratio():
    """Simulated: 1000 families per group followed one year each, yearly placement rate 0,10 (pilot) and 0,20
    (comparison) -> true ratio 0,5 inside the exact interval, and the estimate close to it."""
    import numpy as np

    rng = np.random.default_rng(1)
    n, as_of = 1000, pd.Timestamp("2023-01-01")
    starts = [as_of - pd.Timedelta(days=365)] * (2 * n)
    f = _families(starts, ["gezinsverzorger"] * n + ["regulier"] * n)
    rates = np.r_[np.full(n, 0.10), np.full(n, 0.20)]
    t = rng.exponential(1 / rates) * 365  # days to a placement
    hit = t < 365
    ev = pd.DataFrame({"gezin_id": f.gezin_id[hit], "soort": "uithuisplaatsing",
                       "datum": [s + pd.Timedelta(days=float(d)) for s, d in zip(f.start[hit], t[hit])]})  # fmt: skip
    fu = heavycare.placement_followup(f, ev, as_of=str(as_of.date()))
    assert fu.rr_ci[0] < 0.5 < fu.rr_ci[1] and abs(fu.rate_ratio - 0.5) < 0.2
    assert fu.rr_p < 0.05
    assert_allclose(fu.rate("vergelijking"), 0.20, atol=0.05)


def test_placement_before_the_start_is_refused():
    f = _families(["2022-05-01"], ["gezinsverzorger"])
    ev = pd.DataFrame({"gezin_id": ["g0"], "soort": ["uithuisplaatsing"], "datum": pd.to_datetime(["2022-01-01"])})
    import pytest

    with pytest.raises(ValueError, match="g0 has a placement before its start"):
        heavycare.placement_followup(f, ev, as_of="2022-11-01")


def test_heavy_care_counts_to_the_peildatum_unless_a_window_is_asked():
    """A placement 14 months after the start and before the peildatum counts up to the peildatum (the report's
    clock), not within a 12-month window."""
    f = _families(["2021-01-01", "2021-01-01"], ["gezinsverzorger", "regulier"])
    ev = pd.DataFrame({"gezin_id": ["g0"], "soort": ["uithuisplaatsing"], "datum": pd.to_datetime(["2022-03-01"])})
    ind = pd.DataFrame({"gezin_id": ["g0", "g1"], "fase": "voor", "indicaties": [1, 1]})
    to_peil = heavycare.heavy_care(f, ev, ind, as_of="2022-11-01").per_group.set_index("groep")
    window = heavycare.heavy_care(f, ev, ind, as_of="2022-11-01", window_days=365).per_group.set_index("groep")
    assert to_peil.loc["pilot", "uithuisplaatsing"] == 1 and window.loc["pilot", "uithuisplaatsing"] == 0
