"""Dutch number, money and date formatting (babel, locale nl_NL): 1.234,5 and 24 november 2026."""

from __future__ import annotations

import datetime as dt
import math

LOCALE = "nl_NL"


def number(x: float | None, decimals: int = 0) -> str:
    """A number in Dutch notation: thousands separated by a dot, decimals by a comma.

    Parameters
    ----------
    x : float or None
        The number; None or NaN gives an en dash.
    decimals : int, default 0
        Decimals shown (always that many).

    Returns
    -------
    str
        E.g. '1.234,5'; '–' for a missing value.

    Raises
    ------
    decimal.InvalidOperation
        If ``x`` is text that is not a number (babel reads it with ``decimal.Decimal``).

    Examples
    --------
    >>> number(1234.5, 1), number(1234567), number(None)
    ('1.234,5', '1.234.567', '–')
    """
    from babel.numbers import format_decimal

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(x, format=fmt, locale=LOCALE)


def percent(x: float | None, decimals: int = 1) -> str:
    """A fraction as a Dutch percentage: 0.127 -> '12,7%'.

    Parameters
    ----------
    x : float or None
        The fraction (0.127 for 12,7%); None or NaN gives an en dash.
    decimals : int, default 1
        Decimals of the percentage.

    Returns
    -------
    str
        E.g. '12,7%'; '–' for a missing value.

    Raises
    ------
    decimal.InvalidOperation
        If ``x`` is text that is not a number (babel reads it with ``decimal.Decimal``).

    Examples
    --------
    >>> percent(0.127), percent(0.5, 0), percent(float("nan"))
    ('12,7%', '50%', '–')
    """
    from babel.numbers import format_percent

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return format_percent(x, format=fmt, locale=LOCALE)


def euro(x: float | None, decimals: int = 0) -> str:
    """An amount in euros, Dutch style: the sign after the currency sign ('€ -306.000', not '-€ 306.000').

    Parameters
    ----------
    x : float or None
        The amount; None or NaN gives an en dash.
    decimals : int, default 0
        Decimals shown (an amount that rounds to 0 has no minus sign).

    Returns
    -------
    str
        E.g. '€ 1.234'; '–' for a missing value.

    Raises
    ------
    TypeError
        If ``x`` is not a number.

    Examples
    --------
    >>> euro(1234.4), euro(-306_000), euro(-0.2), euro(12.5, 2)
    ('€ 1.234', '€ -306.000', '€ 0', '€ 12,50')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    # Dutch: the sign belongs to the amount, after the currency sign ('€ -306.000', not '-€ 306.000')
    sign = "-" if x < 0 and round(abs(x), decimals) > 0 else ""
    return f"€ {sign}{number(abs(x), decimals)}"


def date(d: dt.date | dt.datetime | str) -> str:
    """A date in Dutch: 24 november 2026.

    Parameters
    ----------
    d : datetime.date, datetime.datetime or str
        The date; a string is read as ISO (its first ten characters, 'YYYY-MM-DD').

    Returns
    -------
    str
        Day, month name and year, e.g. '24 november 2026'.

    Raises
    ------
    ValueError
        If a string does not start with an ISO date.

    Examples
    --------
    >>> date("2026-11-24"), date(dt.date(2021, 3, 1))
    ('24 november 2026', '1 maart 2021')
    """
    from babel.dates import format_date

    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return format_date(d, format="d MMMM y", locale=LOCALE)


def month(d: dt.date | str, short: bool = False) -> str:
    """A month in Dutch: 'november 2021' (or 'nov 2021' with ``short``).

    Parameters
    ----------
    d : datetime.date or str
        A date in the month; a string is read as ISO (its first ten characters, 'YYYY-MM-DD').
    short : bool, default False
        Abbreviated month name.

    Returns
    -------
    str
        Month name and year.

    Raises
    ------
    ValueError
        If a string does not start with an ISO date.

    Examples
    --------
    >>> month("2021-11-15"), month("2021-11-15", short=True)
    ('november 2021', 'nov 2021')
    """
    from babel.dates import format_date

    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return format_date(d, format="MMM y" if short else "MMMM y", locale=LOCALE)


def round_to_total(values, decimals: int = 0) -> list[float]:
    """Round parts so that they add up to the rounded total (largest-remainder method, Hamilton).

    The rounding a table needs whose printed parts must add up to its printed total (shares to 100%, amounts to
    the total). With negative parts, the floors can overshoot the total: the parts with the smallest remainders
    give back.

    Parameters
    ----------
    values : iterable of float
        The parts (finite).
    decimals : int, default 0
        Decimals to round to.

    Returns
    -------
    list of float
        The rounded parts, in the input order; their sum is the rounded sum of ``values``.

    Raises
    ------
    ValueError
        If a value is not finite.

    Examples
    --------
    >>> [float(v) for v in round_to_total([33.33, 33.33, 33.34])]
    [33.0, 33.0, 34.0]
    >>> [round(v) for v in [1.4, 1.4, 1.2]], [float(v) for v in round_to_total([1.4, 1.4, 1.2])]
    ([1, 1, 1], [2.0, 1.0, 1.0])
    """
    import numpy as np

    v = np.asarray(list(values), dtype=float)
    if not np.all(np.isfinite(v)):
        raise ValueError("round_to_total needs finite values")
    scale = 10.0**decimals
    target = round(float(v.sum()) * scale)
    floor = np.floor(v * scale)
    short = int(target - floor.sum())
    order = np.argsort(-(v * scale - floor), kind="stable")
    if short >= 0:
        floor[order[:short]] += 1
    else:  # negative parts can make the floors overshoot: take from the smallest remainders
        floor[order[::-1][:-short]] -= 1
    return list(floor / scale)


def millions(x: float | None, decimals: int = 1) -> str:
    """An amount in millions for a council reader: 28_674_000 -> '€ 28,7 mln'.

    Parameters
    ----------
    x : float or None
        The amount in euros; None or NaN gives an en dash.
    decimals : int, default 1
        Decimals of the millions.

    Returns
    -------
    str
        E.g. '€ 28,7 mln'; '–' for a missing value.

    Raises
    ------
    TypeError
        If ``x`` is not a number.

    Examples
    --------
    >>> millions(28_674_000), millions(-1_250_000, 2)
    ('€ 28,7 mln', '€ -1,25 mln')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"€ {number(round(x / 1e6, decimals) + 0.0, decimals)} mln"
