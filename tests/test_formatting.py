"""Dutch formatting: thousands with a dot, decimals with a comma, the minus sign after the euro sign."""

import pytest

from analysis.formatting import euro, millions, number, percent


@pytest.mark.parametrize(
    "value, decimals, text",
    [(-306_000, 0, "€ -306.000"), (1_234.5, 2, "€ 1.234,50"), (0, 0, "€ 0"), (-0.4, 0, "€ 0"), (None, 0, "–")],
)
def test_euro(value, decimals, text):
    assert euro(value, decimals) == text


def test_millions_and_numbers():
    assert millions(28_674_000) == "€ 28,7 mln" and millions(-1_234_567) == "€ -1,2 mln" and millions(-40_000) == "€ 0,0 mln"
    assert number(187522) == "187.522" and percent(0.127) == "12,7%"
