"""Dutch number and amount formatting."""

import pytest

from analysis.formatting import euro, millions, number


@pytest.mark.parametrize(
    "x, d, text",
    [(336000, 0, "€ 336.000"), (-306000, 0, "€ -306.000"), (-0.4, 0, "€ 0"), (1234.5, 1, "€ 1.234,5"), (None, 0, "–")],
)
def test_euro_puts_the_sign_after_the_currency(x, d, text):
    assert euro(x, d) == text


def test_number_is_dutch():
    assert number(1234567.891, 1) == "1.234.567,9"


def test_millions_put_the_sign_after_the_currency():
    assert millions(28_674_000) == "€ 28,7 mln" and millions(-1_234_567) == "€ -1,2 mln"
    assert millions(-40_000) == "€ 0,0 mln"  # rounds to zero: no sign
