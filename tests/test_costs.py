import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.assumptions import load_assumptions
from analysis.pilot import costs


def test_budget_matches_council_letter():
    """Seed 001: EUR 42,000 + 168,000 + 126,000 = 336,000; staff B 182,000 + C 154,000 = 336,000."""
    c01 = load_assumptions().value("C01")
    b = costs.budget_table(c01["per_year"])
    assert b.begroot.tolist() == [42000, 168000, 126000] and b.begroot.sum() == 336000
    assert sum(c01["staff"].values()) == 336000


def test_cost_arithmetic_and_break_even():
    spent = pd.DataFrame({"jaar": [2021, 2022, 2023], "gerealiseerd": [40000.0, 170000.0, 126000.0]})
    r = costs.pilot_costs(
        spent,
        budget_per_year={"2021": 42000, "2022": 168000, "2023": 126000},
        families_served=10,
        months_of_support=120,
        placement_cost_per_year=84000,
    )
    assert r.total_spent == 336000 and r.cost_per_family == 33600 and r.cost_per_month == 2800
    assert_allclose(r.break_even_placements, 4.0)
    assert r.per_year.set_index("jaar").loc[2021, "verschil"] == -2000


def test_break_even_is_budget_over_yearly_cost_and_costs_stop_at_the_peildatum():
    """Issue 11: EUR 336,000 / EUR 60,000 = 5.6 placement-years, whatever has been spent so far; a peildatum of
    1 November 2022 counts 2022 for 10/12 and 2023 not at all."""
    spent = pd.DataFrame({"jaar": [2021, 2022, 2023], "gerealiseerd": [23100.0, 160900.0, 128200.0]})
    r = costs.pilot_costs(
        spent,
        budget_per_year={"2021": 42000, "2022": 168000, "2023": 126000},
        families_served=9,
        months_of_support=66,
        placement_cost_per_year=60000,
        as_of="2022-11-01",
    )
    assert_allclose(r.break_even_placements, 5.6)
    y = r.per_year.set_index("jaar")
    assert_allclose(y.loc[2022, "deel_jaar"], 304 / 365)
    assert_allclose(r.total_spent, 23100 + 160900 * 304 / 365)
    assert pd.isna(y.loc[2023, "tot_peildatum"])
    assert_allclose(r.cost_per_family, r.total_spent / 9)
    with pytest.raises(ValueError):
        costs.pilot_costs(spent, budget_per_year={}, families_served=1, months_of_support=1, placement_cost_per_year=0)


def test_sensitivity_table():
    t = costs.break_even_table(336000, placement_costs=[60000, 84000], avoided_fractions=[0.0, 0.4], families=10)
    assert t.loc[60000, 0.0] == -336000
    assert t.loc[84000, 0.4] == 0  # 4 avoided placement-years of 84k pay exactly for the pilot
    with pytest.raises(ValueError):
        costs.break_even_table(1, placement_costs=[1], avoided_fractions=[1.5], families=1)
