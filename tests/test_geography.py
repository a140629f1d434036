"""Harmonisation to 2020 boundaries, checked against the panel itself and the third-party merged file."""

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.data import geography

ROOT_RAW = __import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "raw"


@pytest.fixture(scope="module")
def heri():
    df = pd.read_csv(ROOT_RAW / "geography" / "gemeente_herindelingen.csv")
    df["effective_date"] = pd.to_datetime(df["effective_date"])
    return df


@pytest.fixture(scope="module")
def panel(processed):
    return pd.read_parquet(processed / "wmo_panel_eigen_grenzen.parquet")


def test_mapping_dates_match_when_codes_disappear_from_panel(heri, panel):
    years = panel.groupby("gemeente_code")["jaar"].max()
    for r in heri.itertuples():
        assert years[r.old_code] == r.effective_date.year - 1, r.old_code


def test_groningen_2019_is_sum_of_three(heri):
    df = pd.DataFrame(
        {
            "gemeente_code": ["GM0014", "GM0017", "GM0009", "GM0014"],
            "jaar": [2017, 2017, 2017, 2019],
            "n": [5015.0, 230.0, 80.0, 3940.0],
            "inw": [202636.0, 19570.0, 7288.0, 231299.0],
            "inc": [26.9, 40.3, 29.6, 29.7],
        }
    )
    out = geography.harmonise(df, heri, 2019, counts=["n", "inw"], weighted_means={"inc": "inw"})
    g17 = out[(out.gemeente_code == "GM0014") & (out.jaar == 2017)].iloc[0]
    assert g17["n"] == 5325 and g17["n_bronnen"] == 3
    assert_allclose(g17["inc"], (26.9 * 202636 + 40.3 * 19570 + 29.6 * 7288) / 229494)


def test_missing_component_gives_missing_sum_not_undercount(heri):
    df = pd.DataFrame(
        {"gemeente_code": ["GM0014", "GM0017", "GM0009"], "jaar": [2018] * 3, "n": [5015.0, float("nan"), 85.0]}
    )
    out = geography.harmonise(df, heri, 2019, counts=["n"])
    assert out["n"].isna().all() and not out["volledig"].any()


def test_rates_are_never_averaged(heri):
    """The harmonised rate is total clients / total population, not the mean of the parts' rates."""
    df = pd.DataFrame(
        {"gemeente_code": ["GM0014", "GM0017"], "jaar": [2017, 2017], "n": [100.0, 10.0], "pop": [1000.0, 1000.0]}
    )
    out = geography.harmonise(df, heri, 2019, counts=["n", "pop"])
    assert out.loc[0, "n"] / out.loc[0, "pop"] == pytest.approx(0.055)


def test_against_third_party_merged_file(processed):
    """Report where our harmonisation differs from m-schakel's merged_agg file, and check the known difference."""
    ours = pd.read_parquet(processed / "wmo_panel_grenzen_2020.parquet")
    import tomllib

    # their file has the same swapped names as the panel: read it through its declared column map
    mapping = tomllib.loads((ROOT_RAW / "sources.toml").read_text(encoding="utf-8"))["files"][
        "cbs_wmo_panel/wmo_data_merged_agg.csv"
    ]["columns"]
    theirs = pd.read_csv(ROOT_RAW / "cbs_wmo_panel" / "wmo_data_merged_agg.csv")[list(mapping)].rename(columns=mapping)
    theirs = theirs.rename(columns={"hh_clienten": "household_help", "inwoners": "n_inhabitants",
                                    "inwoners_65plus": "age_65_plus"})  # fmt: skip
    m = ours.merge(theirs, on=["gemeente_code", "jaar"], how="inner", suffixes=("", "_theirs"))
    assert len(m) > 1300
    # Population sums agree everywhere both sides have the municipality.
    assert_allclose(m["inwoners"], m["n_inhabitants"])
    assert_allclose(m["inwoners_65plus"], m["age_65_plus"])
    # HH: they write missing cells as 0 (under-count); we leave the sum missing. Everywhere else we agree.
    both = m[m["hh_clienten"].notna()]
    diff = both[both["hh_clienten"] != both["household_help"]]
    assert diff.empty, diff[["gemeente_code", "jaar", "hh_clienten", "household_help"]]
    gron18 = m[(m.gemeente_code == "GM0014") & (m.jaar == 2018)].iloc[0]
    assert pd.isna(gron18["hh_clienten"]) and gron18["household_help"] == 2820 + 95  # Haren missing in theirs
    n_diff = int((m["hh_clienten"].isna() & (m["household_help"] > 0)).sum())
    print(f"third-party file under-counts {n_diff} harmonised gemeente-years where a component is missing")


def test_changed_municipalities_2018_2019(heri):
    changed = geography.changed_municipalities(heri, 2018, 2019)
    assert {"GM0014", "GM0017", "GM0009", "GM1969"} <= changed
    assert "GM1952" not in changed  # Midden-Groningen changed on 1-1-2018, before the 2018 figure
