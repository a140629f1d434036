"""How results show themselves: filled-in titles, a header block, short reprs of long tables, HTML in Jupyter."""

import numpy as np
import pandas as pd
import pytest

from analysis.data.io import load_processed
from analysis.demand import benchmark as bm
from analysis.demand.decompose import kitagawa
from analysis.results import header
from analysis.stats import did as sdid


def cbs_panel(n=40):
    rng = np.random.default_rng(7)
    pop65 = np.exp(rng.uniform(np.log(500), np.log(50_000), n))
    return pd.DataFrame(
        {
            "gemeente_code": [f"GM{i:04d}" for i in range(n)],
            "gemeente_naam": [f"G{i}" for i in range(n)],
            "jaar": 2020,
            "hh_clienten": rng.poisson(0.1 * pop65).astype(float),
            "inwoners": pop65 * 5,
            "inwoners_65plus": pop65,
            "gem_inkomen": rng.normal(30, 4, n),
        }
    )


def did_panel(n=30, with_gap=True):
    rng = np.random.default_rng(8)
    rows = [{"g": f"U{i}", "t": t, "d": float(i % 2 and t >= 2019), "y": rng.normal()}
            for i in range(n) for t in range(2017, 2021)]  # fmt: skip
    d = pd.DataFrame(rows)
    if with_gap:
        d.loc[0, "y"] = np.nan  # unit U0 is dropped
    return d


def test_title_fills_the_placeholders_from_the_result():
    b = bm.benchmark(cbs_panel(), "GM0002", k=3)
    text = repr(b)
    assert text.startswith("Benchmark: HH use of GM0002 in 2020 against its peers and the country")
    assert "``" not in text and "``" not in b._repr_html_()


def test_did_shows_a_header_block_and_an_html_table():
    r = sdid.did(did_panel(), unit="g", time="t", outcome="y", treatment="d", balanced=True)
    h = dict(header(r))
    assert h["design"] == "difference-in-differences on y"
    assert h["n"] == "116 observations, 29 units, 29 clusters"
    assert h["variance"].startswith("cluster-robust by g")
    assert h["dropped units"] == "1"
    page = r._repr_html_()
    assert "<pre>" not in page and "<table>" in page and "<th>estimate</th>" in page
    assert "Units left out (1)" in page and "U0" in page


def test_long_tables_show_their_head_and_how_many_rows_follow():
    class Long(sdid.DiDResult):
        pass

    coef = pd.DataFrame({"term": [f"x{i}" for i in range(25)], "estimate": 1.0, "std_error": 0.1, "ci_lower": 0.8,
                         "ci_upper": 1.2, "p_value": 0.01})  # fmt: skip
    r = Long(coef, 100, 10, 10, "hetero", "y", False)
    text = repr(r)
    assert "x9" in text and "x10" not in text
    assert "... 15 more rows" in text
    assert len(text.splitlines()) < 20


def test_the_dataclass_repr_of_every_field_is_replaced():
    r = kitagawa([1, 2], [0.5, 0.5], [1, 3], [0.4, 0.6])
    assert repr(r).startswith("DecompositionResult: Change in a quantity from population 0 to 1")
    assert "effects=" not in repr(r)
    assert "design: kitagawa" in repr(r)


def test_a_wrong_table_name_lists_the_valid_ones(tmp_path):
    (tmp_path / "synthetic").mkdir()
    with pytest.raises(FileNotFoundError, match=r"did you mean 'synthetic/hh_clients'") as e:
        load_processed("synthetic/hh_client", tmp_path)
    assert "wmo_panel_grenzen_2020" in str(e.value) and "data build" not in str(e.value)
    with pytest.raises(FileNotFoundError, match=r"not built yet.*analysis data synth"):
        load_processed("synthetic/hh_clients", tmp_path)
