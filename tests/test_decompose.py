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
    assert c.method == "kitagawa (weights: counts normalised to shares)"  # the result says it rescaled


TAIWAN_60 = {"bm": [393, 407, 369, 274, 184, 90, 16], "mw": [0.122, 0.622, 0.903, 0.930, 0.916, 0.873, 0.800],
             "wp": [0.043, 0.041, 0.036, 0.032, 0.026, 0.020, 0.018]}  # fmt: skip
TAIWAN_70 = {"bm": [488, 452, 338, 156, 63, 22, 3], "mw": [0.082, 0.527, 0.866, 0.941, 0.942, 0.923, 0.876],
             "wp": [0.058, 0.038, 0.032, 0.030, 0.026, 0.023, 0.019]}  # fmt: skip


def test_kitagawa_error_hint_leads_to_the_right_answer_on_the_taiwan_example():
    """Das Gupta's Taiwan birth rates (example 4.3) as rate x weight: rate = births per married woman x share
    married, weight = women of the age group as a fraction of the whole population (summing to 0.216, not 1). The
    rate effect is -10.00 (das_gupta on the same two factors); normalising the weights to shares, as the old hint
    suggested, gave -45.26."""
    r0 = np.multiply(TAIWAN_60["bm"], TAIWAN_60["mw"])
    r1 = np.multiply(TAIWAN_70["bm"], TAIWAN_70["mw"])
    with pytest.raises(ValueError, match="weights='as_given'") as err:
        decompose.kitagawa(r0, TAIWAN_60["wp"], r1, TAIWAN_70["wp"])
    assert "sum to 0.216" in str(err.value)
    k = decompose.kitagawa(r0, TAIWAN_60["wp"], r1, TAIWAN_70["wp"], weights="as_given")
    dg = decompose.das_gupta({"w": TAIWAN_60["wp"], "r": r0}, {"w": TAIWAN_70["wp"], "r": r1})
    assert_allclose(k.effects["rate"], -10.00, atol=0.005)
    assert_allclose([k.effects["composition"], k.effects["rate"]], [dg.effects["w"], dg.effects["r"]], rtol=1e-10)
    assert_allclose(k.total_change, -11.5714, atol=1e-4) and k.method == "kitagawa (weights as given)"


def test_cross_classified_reproduces_das_gupta_example_5_3():
    """Das Gupta (1993) example 5.3: US death rates 1970 -> 1985 by age (11 groups) x race (2), the composition
    split into age and race structure (eq. 5.36). Published standardised rates (1970, 1985), as in the DasGuptR
    package's tests: age 8.385 -> 9.907, race 9.136 -> 9.156, rates 10.258 -> 8.030, so effects 1.522, 0.020,
    -2.228."""
    size = [3041, 11577, 27450, 32711, 35480, 27411, 19555, 19795, 15254, 8022, 2472,
            707, 2692, 6473, 6841, 6547, 4352, 3034, 2540, 1749, 804, 236,
            2968, 11484, 34614, 30992, 21983, 20314, 20928, 16897, 11339, 5720, 1315,
            535, 2162, 6120, 4781, 3096, 2718, 2363, 1767, 1149, 448, 117]  # fmt: skip
    rate = [9.163, 0.462, 0.248, 0.929, 1.084, 1.810, 4.715, 12.187, 27.728, 64.068, 157.570,
            17.208, 0.738, 0.328, 1.103, 2.045, 3.724, 8.052, 17.812, 34.128, 68.276, 125.161,
            18.469, 0.751, 0.391, 1.146, 1.287, 2.672, 6.636, 15.691, 34.723, 79.763, 176.837,
            36.993, 1.352, 0.541, 2.040, 3.523, 6.746, 12.967, 24.471, 45.091, 74.902, 123.205]  # fmt: skip
    t = pd.DataFrame({"race": np.repeat([1, 2], 11).tolist() * 2, "age": list(range(1, 12)) * 4,
                      "jaar": [1985] * 22 + [1970] * 22, "size": size, "rate": rate})  # fmt: skip
    r = decompose.cross_classified(t, by=("age", "race"), population="jaar", pop0=1970, pop1=1985)
    e = r.effects
    assert_allclose([e["age_structure"], e["race_structure"], e["rate"]], [1.522, 0.020, -2.228], atol=1.5e-3)
    crude = lambda p: np.average(t[t.jaar == p].rate, weights=t[t.jaar == p]["size"])  # noqa: E731
    assert_allclose([r.value0, r.value1], [crude(1970), crude(1985)], rtol=1e-12)
    assert_allclose(sum(e.values()), r.total_change, atol=1e-12)
    with pytest.raises(ValueError, match="three are not offered"):
        decompose.cross_classified(t, by=("age", "race", "sex"), population="jaar", pop0=1970, pop1=1985)
    with pytest.raises(ValueError, match="same cells"):
        decompose.cross_classified(t[~((t.jaar == 1985) & (t.age == 3))], by=("age", "race"), population="jaar",
                                   pop0=1970, pop1=1985)  # fmt: skip


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
