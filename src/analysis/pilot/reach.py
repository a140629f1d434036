"""Reach and capacity: families started, active and ended per month against the 8-10 capacity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.results import ResultDisplay


@dataclass(frozen=True)
class ReachResult(ResultDisplay):
    """Families started, active and ended per month against the capacity, key totals up to the peildatum, and
    families by staff member and route."""

    per_month: pd.DataFrame  # maand, gestart, actief, beeindigd, capaciteit_min, capaciteit_max
    totals: dict  # gezinnen_totaal, gezinnen_actief, ... (key figures up to the peildatum)
    by_staff: pd.DataFrame
    routing: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.per_month


def reach_and_capacity(
    families: pd.DataFrame, *, as_of: str, fte: float, capacity: tuple[int, int], start: str
) -> ReachResult:
    """Monthly flow of pilot families up to ``as_of`` (families starting later are not yet known)."""
    as_of_ts = pd.Timestamp(as_of)
    f = families[families["aanmelding"] <= as_of_ts].copy()
    pilot = f[f["route"] == "gezinsverzorger"].copy()
    pilot = pilot[pilot["start"] <= as_of_ts]
    pilot["einde_bekend"] = pilot["einde"].where(pilot["einde"] <= as_of_ts)
    months = pd.date_range(
        pd.Timestamp(start).to_period("M").to_timestamp(), as_of_ts.to_period("M").to_timestamp(), freq="MS"
    )
    rows = []
    for m in months:
        m_end = m + pd.offsets.MonthEnd(0)
        rows.append(
            {
                "maand": m,
                "gestart": int(((pilot.start >= m) & (pilot.start <= m_end)).sum()),
                "actief": int(((pilot.start <= m_end) & (pilot.einde_bekend.isna() | (pilot.einde_bekend >= m))).sum()),
                "beeindigd": int(((pilot.einde_bekend >= m) & (pilot.einde_bekend <= m_end)).sum()),
            }
        )
    per_month = pd.DataFrame(rows).assign(capaciteit_min=capacity[0], capaciteit_max=capacity[1])
    wait = (pilot["start"] - pilot["aanmelding"]).dt.days
    months_support = ((pilot["einde_bekend"].fillna(as_of_ts) - pilot["start"]).dt.days / 30.4375).clip(lower=0)
    summary = {
        "gezinnen_totaal": len(pilot),
        "gezinnen_actief": int(per_month["actief"].iloc[-1]) if len(per_month) else 0,
        "gezinnen_afgerond": int(pilot["einde_bekend"].notna().sum()),
        "max_gelijktijdig": int(per_month["actief"].max()) if len(per_month) else 0,
        "gem_bezetting": float(per_month["actief"].mean() / capacity[1]) if len(per_month) else np.nan,
        "wachttijd_mediaan_dagen": float(wait.median()) if len(wait) else np.nan,
        "caseload_per_fte": float(per_month["actief"].iloc[-1] / fte) if len(per_month) else np.nan,
        "uren_per_week_gem": float(pilot["uren_per_week"].mean()) if len(pilot) else np.nan,
        "maanden_ondersteuning": float(months_support.sum()),
        "met_vrijwilliger": int(pilot["vrijwilliger"].sum()),
        "boven_capaciteit": bool((per_month["actief"] > capacity[1]).any()),
    }
    by_staff = (
        pilot.groupby("medewerker")
        .agg(gezinnen=("gezin_id", "size"), uren_gem=("uren_per_week", "mean"), vrijwilliger=("vrijwilliger", "sum"))
        .reset_index()
    )
    routing = f.groupby("route").size().rename("gezinnen").reset_index()
    return ReachResult(per_month, summary, by_staff, routing)
