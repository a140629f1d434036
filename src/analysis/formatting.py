"""Dutch number, money and date formatting (babel, locale nl_NL): 1.234,5 and 24 november 2026."""

from __future__ import annotations

import datetime as dt
import math

LOCALE = "nl_NL"


def number(x: float | None, decimals: int = 0) -> str:
    from babel.numbers import format_decimal

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(x, format=fmt, locale=LOCALE)


def percent(x: float | None, decimals: int = 1) -> str:
    """``x`` is a fraction: 0.127 -> '12,7%'."""
    from babel.numbers import format_percent

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return format_percent(x, format=fmt, locale=LOCALE)


def euro(x: float | None, decimals: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    # Dutch: the sign belongs to the amount, after the currency sign ('€ -306.000', not '-€ 306.000')
    sign = "-" if x < 0 and round(abs(x), decimals) > 0 else ""
    return f"€ {sign}{number(abs(x), decimals)}"


def date(d: dt.date | dt.datetime | str) -> str:
    from babel.dates import format_date

    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return format_date(d, format="d MMMM y", locale=LOCALE)


def month(d: dt.date | str, short: bool = False) -> str:
    """'november 2021' (or 'nov. 2021' with ``short``)."""
    from babel.dates import format_date

    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return format_date(d, format="MMM y" if short else "MMMM y", locale=LOCALE)


def round_to_total(values, decimals: int = 0) -> list[float]:
    """Round parts so that they add up to the rounded total (largest-remainder method, Hamilton): the rounding a
    table needs whose printed parts must add up to its printed total (shares to 100%, amounts to the total)."""
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
    """An amount in millions for a council reader: 28_674_000 -> '€ 28,7 mln'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"€ {number(round(x / 1e6, decimals) + 0.0, decimals)} mln"
