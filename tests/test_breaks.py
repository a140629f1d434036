"""The registration-break screen (analysis.data.breaks): the known CBS breaks and the rules on small series."""

import numpy as np
import pandas as pd
import pytest

from analysis.data.breaks import RULES, flagged_units, screen_registration_breaks


@pytest.fixture(scope="module")
def own(processed):
    return pd.read_parquet(processed / "wmo_panel_eigen_grenzen.parquet")


@pytest.fixture(scope="module")
def flags(own):
    return screen_registration_breaks(own)


def kinds(flags, code, year):
    return set(flags[(flags.gemeente_code == code) & (flags.jaar == year)].kind)


def test_known_cbs_breaks_are_flagged(flags):
    """shared/data/README.md: Almere 2019, Delft 2020, 's-Gravenhage 2018-2020, Zwolle 2019-2020."""
    assert "level_shift" in kinds(flags, "GM0034", 2019)  # Almere HH 3.295 -> 425 while OT rises
    assert "level_shift" in kinds(flags, "GM0503", 2020)  # Delft 2.155 -> 185
    assert "opposite" in kinds(flags, "GM0518", 2018)  # 's-Gravenhage 12.895 -> 4.160, OT +7.130
    assert "spike" in kinds(flags, "GM0518", 2019)  # 4.160 -> 20 -> 15.920
    assert kinds(flags, "GM0193", 2019) == {"missing"} and kinds(flags, "GM0193", 2020) == {"missing"}  # Zwolle


def test_clean_series_are_not_flagged(flags):
    assert flags[flags.gemeente_code == "GM0344"].empty  # Utrecht 6.320, 6.210, 6.720, 7.065
    assert flags[flags.gemeente_code == "GM0197"].empty  # Aalten


def test_groningen_2019_on_present_borders(processed):
    """HH 3.225 -> 5.530 while OT 5.325 -> 3.940 (2017 -> 2019; 2018 incomplete because Haren is missing)."""
    harm = pd.read_parquet(processed / "wmo_panel_grenzen_2020.parquet")
    f = screen_registration_breaks(harm[harm.gemeente_code == "GM0014"])
    assert kinds(f, "GM0014", 2018) == {"missing"}
    assert kinds(f, "GM0014", 2019) == {"opposite"}


def series(hh, ot, code="GM0001"):
    return pd.DataFrame(
        {"gemeente_code": code, "gemeente_naam": "X", "jaar": range(2017, 2017 + len(hh)), "hh_clienten": hh,
         "ondersteuning_thuis": ot}
    )  # fmt: skip


def test_rules_on_planted_series():
    opp = screen_registration_breaks(series([1000, 1020, 600, 610], [800, 810, 1230, 1240]))
    assert list(opp.kind) == ["opposite"] and opp.jaar.iloc[0] == 2019
    # the same fall without OT taking it up is a level shift, not a recoding
    shift = screen_registration_breaks(series([1000, 1020, 400, 410], [800, 810, 820, 830]))
    assert list(shift.kind) == ["level_shift"]
    spike = screen_registration_breaks(series([1000, 2100, 1000, 1010], [800, 800, 800, 800]))
    assert list(spike.kind) == ["spike"] and spike.jaar.iloc[0] == 2018
    # ordinary growth (the abonnementstarief: +13% a year) is not a break
    assert screen_registration_breaks(series([1000, 1130, 1280, 1440], [800, 790, 820, 800])).empty
    # a change across a missing year is still seen
    gap = screen_registration_breaks(series([1000, np.nan, 600, 610], [800, np.nan, 1250, 1260]))
    assert set(gap.kind) == {"missing", "opposite"}


def test_flagged_units_counts_breaks_up_to_the_year():
    f = screen_registration_breaks(series([1000, 1020, 400, 410], [800, 810, 820, 830]))
    assert flagged_units(f, up_to=2018).empty
    assert flagged_units(f, up_to=2020).kind.tolist() == ["level_shift"]
    assert flagged_units(f, rule="opposite", up_to=2020).empty
    assert set(RULES) == {"none", "opposite", "jumps", "all"}
    with pytest.raises(ValueError, match="unknown break rule"):
        flagged_units(f, rule="beide")


def test_bad_input():
    with pytest.raises(KeyError, match="ondersteuning_thuis"):
        screen_registration_breaks(series([1, 2], [1, 2]).drop(columns="ondersteuning_thuis"))
    with pytest.raises(ValueError, match="more than one row"):
        screen_registration_breaks(pd.concat([series([1, 2], [1, 2])] * 2))
