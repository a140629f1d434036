import pandas as pd
import pytest

from analysis.data.io import DataInputError
from analysis.pilot import regional


def monitor():
    return pd.DataFrame(
        {
            "pilot": ["Groningen", "Westerkwartier"],
            "gemeente_code": ["GM0014", "GM1969"],
            "uitvoerder": ["WIJ Groningen", "Cosis"],
            "tarief": ["loonkosten", "Jeugdwet"],
            "periode_start": ["2021-11-01", "2020-09-01"],
            "periode_einde": ["2023-10-31", "2022-09-01"],
            "gezinnen_gestart": [10, 8],
            "gezinnen_afgerond": [7, 4],
            "gem_duur_maanden": [9.5, 12.0],
            "zrm_verbeterd": [6, 2],
            "zrm_gemeten": [8, 4],
            "uithuisplaatsingen": [1, 0],
            "kosten_eur": [336000.0, 400000.0],
        }
    )


def test_common_metrics():
    t = regional.regional_comparison(monitor()).set_index("pilot")
    assert t.loc["Groningen", "aandeel_zrm_verbeterd"] == 0.75
    assert t.loc["Westerkwartier", "kosten_per_gezin"] == 50000


def test_schema_violation_is_named():
    m = monitor()
    m.loc[1, "zrm_verbeterd"] = 9  # more improved than measured
    with pytest.raises(DataInputError, match="zrm_verbeterd <= zrm_gemeten"):
        regional.regional_comparison(m)


def test_own_figures_replace_the_monitor_row():
    own = {
        "gezinnen_gestart": 9,
        "gezinnen_afgerond": 6,
        "zrm_verbeterd": 1,
        "zrm_gemeten": 8,
        "uithuisplaatsingen": 2,
        "kosten_eur": 157000.0,
        "periode_einde": "2022-10-31",
    }
    t = regional.regional_comparison(monitor(), own).set_index("pilot")
    assert t.loc["Groningen", "gezinnen_gestart"] == 9 and t.loc["Groningen", "zrm_verbeterd"] == 1
    assert t.loc["Groningen", "periode"] == "nov 2021 t/m okt 2022"
    assert t.loc["Westerkwartier", "gezinnen_gestart"] == 8
    with pytest.raises(KeyError):
        regional.regional_comparison(monitor(), {"onbekend": 1})


def test_basis_says_what_each_row_covers():
    """Our pilot is counted to the peildatum and runs on; Westerkwartier ended before it (its whole run)."""
    own = {"periode_einde": "2022-10-31", "gezinnen_gestart": 9, "kosten_eur": 157000.0}
    t = regional.regional_comparison(monitor(), own, as_of="2022-11-01", planned_end="2023-10-31").set_index("pilot")
    assert t.loc["Groningen", "basis"] == "tot de peildatum (loopt door tot oktober 2023)"
    assert t.loc["Westerkwartier", "basis"] == "hele looptijd"
    assert t.loc["Groningen", "maanden"] == 12 and t.loc["Westerkwartier", "maanden"] == 25
    later = regional.regional_comparison(monitor(), as_of="2022-06-01").set_index("pilot")
    assert later.loc["Westerkwartier", "basis"].startswith("lopend")
    assert "basis" not in regional.regional_comparison(monitor()).columns  # no peildatum, no claim about it
