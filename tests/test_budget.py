import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.financing import budget


def test_tariff_buildup_by_hand():
    """EUR 20 wage, 30% employer costs -> 26.00; 20% non-productive -> 26 / 0.8 = 32.50; 10% overhead -> 35.75;
    5% margin -> 37.5375."""
    c = budget.CostComponents(20, 0.30, 0.10, 0.05, 0.05, 0.10, 0.05)
    t = budget.tariff_buildup(c)
    assert_allclose(t["cumulatief"], [20, 26, 32.5, 35.75, 37.5375])
    assert_allclose(t["bedrag"].sum(), 37.5375)
    assert_allclose(budget.cost_price_without_margin(c), 35.75)


def test_bad_components():
    with pytest.raises(ValueError, match="non-productive"):
        budget.CostComponents(20, 0.3, 0.5, 0.3, 0.2, 0.1, 0.05)
    with pytest.raises(ValueError, match=">= 0"):
        budget.CostComponents(20, -0.1, 0, 0, 0, 0, 0)


def test_area_budget_small_case_by_hand():
    """Area A: 1000 aged 75-84 x 100 per 1000 = 100 clients; B: 500 x 100/1000 + 200 x 300/1000 = 110.
    Hours 130 per client per year, tariff 40: A = 100 x 130 x 40 = 520,000; B = 572,000."""
    pop = pd.DataFrame(
        {
            "jaar": 2023,
            "gebied": ["A", "B", "B"],
            "leeftijdsgroep": ["75-84", "75-84", "85+"],
            "inwoners": [1000, 500, 200],
        }
    )
    rates = pd.DataFrame({"leeftijdsgroep": ["75-84", "85+"], "per_1000": [100.0, 300.0]})
    b = budget.area_budget(pop, rates, pd.Series({"A": 130.0, "B": 130.0}), 40.0, year=2023).set_index("gebied")
    assert_allclose(b.loc[["A", "B"], "verwachte_clienten"], [100, 110])
    assert_allclose(b.loc[["A", "B"], "budget"], [520_000, 572_000])
    assert_allclose(b.loc["A", "budget_per_client"], 5200)
    with pytest.raises(ValueError, match="no usage rate"):
        budget.area_budget(pop, rates.iloc[:1], pd.Series({"A": 1.0, "B": 1.0}), 40.0, year=2023)
