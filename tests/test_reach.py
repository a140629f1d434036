import pandas as pd

from analysis.pilot import reach


def fam(rows):
    df = pd.DataFrame(
        rows,
        columns=["gezin_id", "route", "medewerker", "aanmelding", "start", "einde", "uren_per_week", "vrijwilliger"],
    )
    for c in ("aanmelding", "start", "einde"):
        df[c] = pd.to_datetime(df[c])
    return df


def test_monthly_flow_and_capacity():
    f = fam(
        [
            ("a", "gezinsverzorger", "MBO", "2022-01-01", "2022-01-15", "2022-03-10", 8, False),
            ("b", "gezinsverzorger", "HBO", "2022-01-20", "2022-02-01", "2022-12-01", 10, True),
            ("c", "gezinscoach", "geen", "2022-02-01", "2022-02-10", "2022-06-01", 2, False),
        ]
    )
    r = reach.reach_and_capacity(f, as_of="2022-04-30", fte=2, capacity=(8, 10), start="2022-01-01")
    pm = r.per_month.set_index("maand")
    assert pm.loc["2022-01-01", "gestart"] == 1 and pm.loc["2022-02-01", "actief"] == 2
    assert pm.loc["2022-03-01", "beeindigd"] == 1 and pm.loc["2022-04-01", "actief"] == 1
    assert r.totals["gezinnen_totaal"] == 2 and r.totals["wachttijd_mediaan_dagen"] == 13
    assert r.totals["caseload_per_fte"] == 0.5 and not r.totals["boven_capaciteit"]
    assert set(r.routing.route) == {"gezinsverzorger", "gezinscoach"}
