"""National-scale usage counts straight from client-month Parquet with DuckDB (out of core, ~33 M rows)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

BAND_SQL = """CASE WHEN year(maand) - geboortejaar < 65 THEN '18-64'
                   WHEN year(maand) - geboortejaar < 75 THEN '65-74'
                   WHEN year(maand) - geboortejaar < 85 THEN '75-84' ELSE '85+' END"""


def clients_by_year_parquet(path: str | Path, *, reference_month: int = 7, threads: int | None = None) -> pd.DataFrame:
    """Distinct clients active in ``reference_month`` per year x gemeente x age band (age in that year).

    Runs in DuckDB straight on the Parquet file (out of core: the national synthetic client-month table has about
    33 million rows), so it never loads the table into pandas. A client counts once per year if any of their rows
    falls in ``reference_month``; the age band is by ``year(maand) - geboortejaar`` (18-64, 65-74, 75-84, 85+).

    Parameters
    ----------
    path : str or pathlib.Path
        The client-month Parquet file (``client_id``, ``gemeente_code``, ``maand``, ``geboortejaar``), written by
        ``analysis data synth --scale nl``.
    reference_month : int, default 7
        The month of the count (7 = July, as ``rates.clients_by_year``).
    threads : int, optional
        DuckDB threads; default DuckDB's own choice.

    Returns
    -------
    pandas.DataFrame
        ``jaar``, ``gemeente_code``, ``leeftijdsgroep``, ``clienten``.

    Raises
    ------
    ValueError
        If ``reference_month`` is not 1..12.
    FileNotFoundError
        If ``path`` does not exist.

    Examples
    --------
    >>> counts = clients_by_year_parquet("data/processed/synthetic/nl_client_months.parquet")  # doctest: +SKIP
    >>> counts.columns.tolist()  # doctest: +SKIP
    ['jaar', 'gemeente_code', 'leeftijdsgroep', 'clienten']
    """
    import duckdb

    if not 1 <= reference_month <= 12:
        raise ValueError("reference_month must be 1..12")
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p} not found: run `analysis data synth --scale nl`")
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads TO {int(threads)}")
    q = f"""SELECT year(maand) AS jaar, gemeente_code, {BAND_SQL} AS leeftijdsgroep,
                   count(DISTINCT client_id) AS clienten
            FROM read_parquet(?) WHERE month(maand) = ? GROUP BY ALL"""
    return con.execute(q, [str(p), reference_month]).df()


def decompose_by_gemeente(counts: pd.DataFrame, population: pd.DataFrame, year0: int, year1: int) -> pd.DataFrame:
    """Das Gupta decomposition of the change in clients per gemeente (population size, age structure, usage).

    For every gemeente, ``analysis.demand.decompose.decompose_growth`` between ``year0`` and ``year1``. A gemeente
    that cannot be decomposed (an age band without clients or inhabitants in one of the years, or different bands in
    the two years) is left out, not an error.

    Parameters
    ----------
    counts : pandas.DataFrame
        Clients by ``gemeente_code``, ``jaar``, ``leeftijdsgroep`` (``clienten``), e.g. from
        ``clients_by_year_parquet``.
    population : pandas.DataFrame
        Inhabitants by the same three keys (``inwoners``); only matching cells are used.
    year0, year1 : int
        The two years compared.

    Returns
    -------
    pandas.DataFrame
        One row per decomposed gemeente: ``gemeente_code``, ``bevolkingsomvang``, ``leeftijdsopbouw``, ``gebruik``
        (the effects in clients) and ``totaal`` (the change, their sum).

    Raises
    ------
    KeyError
        If a table lacks a key column or ``clienten`` / ``inwoners``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"gemeente_code": "GM0014", "jaar": [2018, 2018, 2024, 2024],
    ...                   "leeftijdsgroep": ["65-74", "75+"] * 2, "clienten": [200, 800, 260, 1100]})
    >>> p = c[["gemeente_code", "jaar", "leeftijdsgroep"]].assign(inwoners=[20000, 10000, 22000, 12500])
    >>> decompose_by_gemeente(c, p, 2018, 2024).round(1).values.tolist()
    [['GM0014', 163.6, 68.4, 128.0, 360.0]]
    """
    from analysis.demand.decompose import decompose_growth

    t = counts.merge(population, on=["gemeente_code", "jaar", "leeftijdsgroep"], how="inner")
    rows = []
    for code, g in t.groupby("gemeente_code"):
        try:
            r = decompose_growth(g, year0, year1)
        except ValueError:
            continue  # a gemeente without clients in an age band in one of the years
        rows.append({"gemeente_code": code, **r.effects, "totaal": r.total_change})
    return pd.DataFrame(rows)
