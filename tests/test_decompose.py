"""Decomposition checked against Das Gupta (1993), Standardization and Decomposition of Rates, examples as
reproduced in the DasGuptR package documentation."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.demand import decompose


def test_das_gupta_example_2_3_three_factors():
    """Crude birth rate Austria vs Chile: effects 10.434, 10.561, -0.667 (total 20.328)."""
    a = {"b": np.array([51.78746]), "w1549": np.array([0.45919]), "w": np.array([0.52638])}
    c = {"b": np.array([84.90502]), "w1549": np.array([0.75756]), "w": np.array([0.51065])}
    res = decompose.das_gupta(a, c)
    assert_allclose(
        [res.effects["b"], res.effects["w1549"], res.effects["w"]], [10.4340333, 10.5608476, -0.6670084], atol=1e-6
    )
    assert_allclose(sum(res.effects.values()), res.total_change, atol=1e-12)
    assert_allclose(res.total_change, 20.3278726, atol=1e-6)


def test_das_gupta_example_4_3_vector_factors():
    """Crude birth rate Taiwan 1960 -> 1970 as sum over age groups of three factors: -7.2856, -2.7206, -1.5652."""
    f60 = {
        "bm": [393, 407, 369, 274, 184, 90, 16],
        "mw": [0.122, 0.622, 0.903, 0.930, 0.916, 0.873, 0.800],
        "wp": [0.043, 0.041, 0.036, 0.032, 0.026, 0.020, 0.018],
    }
    f70 = {
        "bm": [488, 452, 338, 156, 63, 22, 3],
        "mw": [0.082, 0.527, 0.866, 0.941, 0.942, 0.923, 0.876],
        "wp": [0.058, 0.038, 0.032, 0.030, 0.026, 0.023, 0.019],
    }
    res = decompose.das_gupta(f60, f70)
    assert_allclose([res.effects[k] for k in ("bm", "mw", "wp")], [-7.285632, -2.720633, -1.565181], atol=1e-5)
    assert_allclose(res.value0, 38.77463, atol=1e-4)


def test_kitagawa_example_5_1_household_headship():
    """US headship rates 1970 -> 1985: age structure +1.2269, rates +1.7403 (total 2.9672)."""
    s70 = [12.9, 10.9, 9.5, 8.0, 7.8, 8.4, 8.6, 7.8, 7.0, 5.9, 4.7, 3.6, 4.9]
    s85 = [10.1, 11.2, 11.6, 10.9, 9.4, 7.7, 6.3, 6.0, 6.3, 5.9, 5.1, 4.0, 5.5]
    r70 = [1.9, 25.8, 45.7, 49.6, 51.2, 51.6, 51.8, 54.9, 58.7, 60.4, 62.8, 66.6, 66.8]
    r85 = [2.2, 24.3, 45.8, 52.5, 56.1, 55.6, 56.0, 57.4, 57.2, 61.2, 63.9, 68.6, 72.2]
    res = decompose.kitagawa(r70, s70, r85, s85, weights="percent", names=("age", "rates"))
    # the published shares are percentages (summing to 99.9 and 100.0), used as printed
    assert_allclose([res.effects["age"], res.effects["rates"]], [1.2269, 1.7403], atol=0.001)
    assert_allclose(sum(res.effects.values()), res.total_change, atol=1e-12)


def test_kitagawa_is_explicit_about_weights():
    r0, r1 = [0.1, 0.3], [0.2, 0.3]
    with pytest.raises(ValueError, match="not shares"):
        decompose.kitagawa(r0, [100, 50], r1, [100, 100])  # counts passed as shares: refused, not rescaled
    c = decompose.kitagawa(r0, [100, 50], r1, [100, 100], weights="counts")
    s = decompose.kitagawa(r0, [2 / 3, 1 / 3], r1, [0.5, 0.5])
    assert c.effects == pytest.approx(s.effects) and set(c.effects) == {"composition", "rate"}
    with pytest.raises(ValueError, match="weights must be"):
        decompose.kitagawa(r0, [1, 0], r1, [1, 0], weights="gewicht")


def test_decompose_growth_adds_up_and_attributes_correctly():
    """Population doubles with the same structure and rates -> all change is population size."""
    t = pd.DataFrame(
        {
            "jaar": [1, 1, 2, 2],
            "leeftijdsgroep": ["65-74", "85+"] * 2,
            "inwoners": [100, 50, 200, 100],
            "clienten": [10, 20, 20, 40],
        }
    )
    res = decompose.decompose_growth(t, 1, 2)
    assert_allclose(res.effects["bevolkingsomvang"], 30)
    assert_allclose([res.effects["leeftijdsopbouw"], res.effects["gebruik"]], [0, 0], atol=1e-9)
    f = res.to_frame()
    assert list(f.columns) == ["term", "estimate", "share"]  # no always-empty standard-error columns


def test_decompose_growth_bad_input():
    t = pd.DataFrame({"jaar": [1, 2], "leeftijdsgroep": ["a", "b"], "inwoners": [1, 1], "clienten": [1, 1]})
    with pytest.raises(ValueError, match="same groups"):
        decompose.decompose_growth(t, 1, 2)
    with pytest.raises(ValueError, match="no rows"):
        decompose.decompose_growth(t, 1, 3)
