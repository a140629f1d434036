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
