"""Usage rates per 1,000 inhabitants with exact Poisson (Garwood) confidence intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

AGE_ORDER = ["18-64", "65-74", "75-84", "85+"]


def garwood_interval(counts, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson interval for a count k: [chi2(a/2; 2k)/2, chi2(1-a/2; 2k+2)/2] (Garwood 1936)."""
    k = np.asarray(counts, dtype=float)
    if np.any(k < 0):
        raise ValueError("counts must be >= 0")
    lower = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return lower, upper


def usage_rate_per_1000(
    df: pd.DataFrame, *, count: str = "clienten", population: str = "inwoners", alpha: float = 0.05
) -> pd.DataFrame:
    """Add ``per_1000``, ``ci_lower``, ``ci_upper`` (per 1,000) to a table of counts and populations."""
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
    """Boolean mask of clients whose HH period covers ``date`` (started on or before it, not ended before it)."""
    d = pd.Timestamp(date)
    return (clients["start"] <= d) & (clients["einde"].isna() | (clients["einde"] > d))


def clients_by_year(
    clients: pd.DataFrame, years, *, by: tuple[str, ...] = ("leeftijdsgroep",), reference_day: str = "07-01"
) -> pd.DataFrame:
    """Active clients on a reference day (1 July) per year, with age band by age on that day."""
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
    """HH clients per 1,000 inhabitants by year and ``by`` (age band, area)."""
    counts = clients_by_year(clients, years, by=by)
    pop = population.groupby(["jaar", *by], as_index=False)["inwoners"].sum()
    merged = pop[pop.jaar.isin(list(years))].merge(counts, on=["jaar", *by], how="left").fillna({"clienten": 0})
    merged["clienten"] = merged["clienten"].astype(int)
    return usage_rate_per_1000(merged)


def rates_65plus_by_area(clients: pd.DataFrame, population: pd.DataFrame, years) -> pd.DataFrame:
    """HH clients aged 65+ per 1,000 inhabitants aged 65+, per area and year (age in that year)."""
    r = hh_rates(clients, population, years, by=("gebied", "leeftijdsgroep"))
    r = r[r.leeftijdsgroep != "18-64"].groupby(["jaar", "gebied"], as_index=False)[["clienten", "inwoners"]].sum()
    return usage_rate_per_1000(r)


def panel_rates_65plus(panel: pd.DataFrame) -> pd.DataFrame:
    """CBS panel: HH clients (all ages) per 1,000 inhabitants aged 65+ (the panel has no finer age band)."""
    d = panel.dropna(subset=["hh_clienten"]).rename(columns={"hh_clienten": "clienten", "inwoners_65plus": "pop65"})
    return usage_rate_per_1000(d, count="clienten", population="pop65")
