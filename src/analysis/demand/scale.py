"""National-scale usage counts straight from client-month Parquet with DuckDB (out of core, ~33 M rows)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

BAND_SQL = """CASE WHEN year(maand) - geboortejaar < 65 THEN '18-64'
                   WHEN year(maand) - geboortejaar < 75 THEN '65-74'
                   WHEN year(maand) - geboortejaar < 85 THEN '75-84' ELSE '85+' END"""


def clients_by_year_parquet(path: str | Path, *, reference_month: int = 7, threads: int | None = None) -> pd.DataFrame:
    """Distinct clients active in ``reference_month`` per year x gemeente x age band (age in that year)."""
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
    """Das Gupta decomposition of the change in clients per gemeente (population size, age structure, usage)."""
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
