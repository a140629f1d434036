"""Usage rates per 1,000 inhabitants with exact Poisson (Garwood) confidence intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

AGE_ORDER = ["18-64", "65-74", "75-84", "85+"]


def garwood_interval(counts, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson interval for a count k: [chi2(a/2; 2k)/2, chi2(1-a/2; 2k+2)/2] (Garwood 1936).

    The lower bound of a zero count is 0. The interval is on the count scale; divide by the population for a rate.

    Parameters
    ----------
    counts : int or array-like of int
        Observed counts (e.g. HH clients), >= 0.
    alpha : float, default 0.05
        1 - the confidence level (0.05: a 95% interval).

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)``: the bounds for each count, same shape as ``counts``.

    Raises
    ------
    ValueError
        If a count is negative.

    Examples
    --------
    >>> lo, hi = garwood_interval([0, 5, 100])
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([0.0, 1.623, 81.364], [3.689, 11.668, 121.627])
    """
    k = np.asarray(counts, dtype=float)
    if np.any(k < 0):
        raise ValueError("counts must be >= 0")
    lower = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return lower, upper


def usage_rate_per_1000(
    df: pd.DataFrame, *, count: str = "clienten", population: str = "inwoners", alpha: float = 0.05
) -> pd.DataFrame:
    """Add ``per_1000``, ``ci_lower``, ``ci_upper`` (per 1,000) to a table of counts and populations.

    The rate is clients per 1,000 inhabitants with the exact Poisson (Garwood) interval of the count divided by the
    population.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per cell (gemeente, year, age band, area, ...) with a count and a population column.
    count : str, default "clienten"
        Column with the number of clients.
    population : str, default "inwoners"
        Column with the number of inhabitants (the denominator; > 0).
    alpha : float, default 0.05
        1 - the confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` with ``per_1000`` (clients per 1,000 inhabitants) and its interval ``ci_lower``,
        ``ci_upper`` (per 1,000).

    Raises
    ------
    KeyError
        If ``df`` lacks the ``count`` or ``population`` column.
    ValueError
        If a population is <= 0 or a count is negative.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"gemeente": ["A", "B"], "clienten": [120, 45], "inwoners": [30000, 9000]})
    >>> usage_rate_per_1000(t)[["per_1000", "ci_lower", "ci_upper"]].round(2).values.tolist()
    [[4.0, 3.32, 4.78], [5.0, 3.65, 6.69]]
    """
    missing = {count, population} - set(df.columns)
    if missing:
        raise KeyError(f"columns {sorted(missing)} not in table")
    if (df[population] <= 0).any():
        raise ValueError(f"{population} must be > 0 for every row")
    out = df.copy()
    lo, hi = garwood_interval(out[count].to_numpy(), alpha)
    out["per_1000"] = out[count] / out[population] * 1000
    out["ci_lower"] = lo / out[population] * 1000
    out["ci_upper"] = hi / out[population] * 1000
    return out


def active_on(clients: pd.DataFrame, date: str | pd.Timestamp) -> pd.Series:
    """Boolean mask of clients whose HH period covers ``date`` (started on or before it, not ended before it).

    A client with ``einde`` on ``date`` itself is no longer counted; a missing ``einde`` means the indication is still
    running.

    Parameters
    ----------
    clients : pandas.DataFrame
        The client registration: one row per HH period with datetime columns ``start`` and ``einde`` (NaT = open).
    date : str or pandas.Timestamp
        The reference day.

    Returns
    -------
    pandas.Series of bool
        True for each row active on ``date``, aligned with ``clients``.

    Raises
    ------
    KeyError
        If ``clients`` lacks ``start`` or ``einde``.
    ValueError
        If ``date`` is not a date (from :class:`pandas.Timestamp`).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"start": pd.to_datetime(["2019-03-01", "2020-09-01", "2018-01-01"]),
    ...                   "einde": pd.to_datetime([None, None, "2020-02-01"])})
    >>> active_on(c, "2020-07-01").tolist()
    [True, False, False]
    """
    d = pd.Timestamp(date)
    return (clients["start"] <= d) & (clients["einde"].isna() | (clients["einde"] > d))


def clients_by_year(
    clients: pd.DataFrame, years, *, by: tuple[str, ...] = ("leeftijdsgroep",), reference_day: str = "07-01"
) -> pd.DataFrame:
    """Active clients on a reference day (1 July) per year, with age band by age on that day.

    The age is the year minus ``geboortejaar``; bands are those of ``analysis.data.synthetic.age_band``
    (18-64, 65-74, 75-84, 85+); clients under 18 are dropped. A cell without clients has no row.

    Parameters
    ----------
    clients : pandas.DataFrame
        The client registration with ``start``, ``einde``, ``geboortejaar`` and the columns in ``by`` other than
        ``leeftijdsgroep``.
    years : iterable of int
        The years to count.
    by : tuple of str, default ("leeftijdsgroep",)
        Columns to count by besides ``jaar`` (e.g. ``("gebied", "leeftijdsgroep")``).
    reference_day : str, default "07-01"
        Month and day (MM-DD) of the count.

    Returns
    -------
    pandas.DataFrame
        ``jaar``, the ``by`` columns and ``clienten`` (the number of active clients).

    Raises
    ------
    KeyError
        If ``clients`` lacks a needed column.
    ValueError
        If ``years`` is empty (nothing to concatenate) or ``reference_day`` does not make a date.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"start": pd.to_datetime(["2019-03-01", "2020-09-01", "2018-01-01"]),
    ...                   "einde": pd.to_datetime([None, None, "2020-02-01"]), "geboortejaar": [1940, 1950, 1930]})
    >>> clients_by_year(c, [2019, 2020]).values.tolist()
    [[2019, '75-84', 1], [2019, '85+', 1], [2020, '75-84', 1]]
    """
    from analysis.data.synthetic import age_band

    frames = []
    for y in years:
        d = pd.Timestamp(f"{y}-{reference_day}")
        act = clients[active_on(clients, d)]
        tmp = act.assign(jaar=y, leeftijdsgroep=age_band(y - act["geboortejaar"].to_numpy()))
        tmp = tmp[tmp.leeftijdsgroep != "<18"]
        frames.append(tmp.groupby(["jaar", *by], observed=True).size().rename("clienten").reset_index())
    return pd.concat(frames, ignore_index=True)


def hh_rates(
    clients: pd.DataFrame, population: pd.DataFrame, years, *, by: tuple[str, ...] = ("leeftijdsgroep",)
) -> pd.DataFrame:
    """HH clients per 1,000 inhabitants by year and ``by`` (age band, area).

    Clients are counted on 1 July of each year (``clients_by_year``); every population cell of the years asked for
    gets a row, with 0 clients where nobody was active. The interval is the exact Poisson (Garwood) interval.

    Parameters
    ----------
    clients : pandas.DataFrame
        The client registration (``start``, ``einde``, ``geboortejaar`` and the ``by`` columns but the age band).
    population : pandas.DataFrame
        Inhabitants: ``jaar``, the ``by`` columns and ``inwoners`` (summed over any other column).
    years : iterable of int
        The years to compute.
    by : tuple of str, default ("leeftijdsgroep",)
        The cells besides ``jaar``.

    Returns
    -------
    pandas.DataFrame
        ``jaar``, the ``by`` columns, ``inwoners``, ``clienten``, ``per_1000``, ``ci_lower``, ``ci_upper``.

    Raises
    ------
    KeyError
        If a table lacks a needed column.
    ValueError
        If a population cell has no inhabitants (<= 0).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"start": pd.to_datetime(["2019-03-01"]), "einde": pd.to_datetime([None]),
    ...                   "geboortejaar": [1940]})
    >>> pop = pd.DataFrame({"jaar": [2020, 2020], "leeftijdsgroep": ["65-74", "75-84"], "inwoners": [2000, 1200]})
    >>> hh_rates(c, pop, [2020])[["leeftijdsgroep", "clienten", "per_1000"]].round(2).values.tolist()
    [['65-74', 0, 0.0], ['75-84', 1, 0.83]]
    """
    counts = clients_by_year(clients, years, by=by)
    pop = population.groupby(["jaar", *by], as_index=False)["inwoners"].sum()
    merged = pop[pop.jaar.isin(list(years))].merge(counts, on=["jaar", *by], how="left").fillna({"clienten": 0})
    merged["clienten"] = merged["clienten"].astype(int)
    return usage_rate_per_1000(merged)


def rates_65plus_by_area(clients: pd.DataFrame, population: pd.DataFrame, years) -> pd.DataFrame:
    """HH clients aged 65+ per 1,000 inhabitants aged 65+, per area and year (age in that year).

    The 65-74, 75-84 and 85+ bands of ``hh_rates`` by ``gebied`` summed, then the rate and its exact Poisson interval.

    Parameters
    ----------
    clients : pandas.DataFrame
        The client registration with ``start``, ``einde``, ``geboortejaar`` and ``gebied``.
    population : pandas.DataFrame
        Inhabitants by ``jaar``, ``gebied`` and ``leeftijdsgroep`` (``inwoners``).
    years : iterable of int
        The years to compute.

    Returns
    -------
    pandas.DataFrame
        ``jaar``, ``gebied``, ``clienten``, ``inwoners`` (both 65+), ``per_1000``, ``ci_lower``, ``ci_upper``.

    Raises
    ------
    KeyError
        If a table lacks a needed column.
    ValueError
        If a population cell (any age band, also 18-64) has no inhabitants (<= 0).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"start": pd.to_datetime(["2019-03-01"]), "einde": pd.to_datetime([None]),
    ...                   "geboortejaar": [1940], "gebied": ["Centrum"]})
    >>> pop = pd.DataFrame({"jaar": 2020, "gebied": "Centrum", "leeftijdsgroep": ["65-74", "75-84", "85+"],
    ...                     "inwoners": [2000, 1200, 400]})
    >>> rates_65plus_by_area(c, pop, [2020])[["gebied", "clienten", "inwoners", "per_1000"]].round(2).values.tolist()
    [['Centrum', 1, 3600, 0.28]]
    """
    r = hh_rates(clients, population, years, by=("gebied", "leeftijdsgroep"))
    r = r[r.leeftijdsgroep != "18-64"].groupby(["jaar", "gebied"], as_index=False)[["clienten", "inwoners"]].sum()
    return usage_rate_per_1000(r)


def panel_rates_65plus(panel: pd.DataFrame) -> pd.DataFrame:
    """CBS panel: HH clients (all ages) per 1,000 inhabitants aged 65+ (the panel has no finer age band).

    Years in which CBS published no HH figure for a gemeente are dropped.

    Parameters
    ----------
    panel : pandas.DataFrame
        The CBS gemeente x year panel (e.g. ``wmo_panel_grenzen_2020``) with ``hh_clienten`` and ``inwoners_65plus``.

    Returns
    -------
    pandas.DataFrame
        The panel rows with ``hh_clienten`` renamed ``clienten`` and ``inwoners_65plus`` renamed ``pop65``, plus
        ``per_1000``, ``ci_lower``, ``ci_upper`` (per 1,000 inhabitants 65+).

    Raises
    ------
    KeyError
        If ``panel`` lacks ``hh_clienten`` or ``inwoners_65plus``.
    ValueError
        If a gemeente-year with an HH figure has no inhabitants aged 65+.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"gemeente_code": ["GM0014", "GM0034"], "jaar": [2020, 2020],
    ...                   "hh_clienten": [4500, None], "inwoners_65plus": [38000, 30000]})
    >>> panel_rates_65plus(p)[["gemeente_code", "per_1000", "ci_lower", "ci_upper"]].round(1).values.tolist()
    [['GM0014', 118.4, 115.0, 121.9]]
    """
    d = panel.dropna(subset=["hh_clienten"]).rename(columns={"hh_clienten": "clienten", "inwoners_65plus": "pop65"})
    return usage_rate_per_1000(d, count="clienten", population="pop65")
