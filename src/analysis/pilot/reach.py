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
    """Monthly flow of pilot families up to ``as_of`` against the capacity of 8-10 families.

    Only families registered (``aanmelding``) by the peildatum are known, and only pilot families (route
    ``gezinsverzorger``) that started by then count; an end after the peildatum is not known yet. Per month: started,
    active and ended families against the capacity; totals up to the peildatum; families per staff member; and all
    registrations by route.

    Parameters
    ----------
    families : pandas.DataFrame
        ``gezin_id``, ``route`` (``gezinsverzorger``, ``regulier``, ...), ``aanmelding``, ``start``, ``einde``,
        ``medewerker``, ``uren_per_week`` and ``vrijwilliger`` (bool).
    as_of : str
        The peildatum.
    fte : float
        Staff FTE of the pilot (assumption C01), for the caseload.
    capacity : tuple of int
        Minimum and maximum families at the same time (C01: 8-10).
    start : str
        The pilot's start (the first month of the table).

    Returns
    -------
    ReachResult
        ``per_month`` (maand, gestart, actief, beeindigd, capaciteit_min, capaciteit_max), ``totals``
        (gezinnen_totaal, gezinnen_actief, gezinnen_afgerond, max_gelijktijdig, gem_bezetting, wachttijd_mediaan_dagen,
        caseload_per_fte, uren_per_week_gem, maanden_ondersteuning, met_vrijwilliger, boven_capaciteit), ``by_staff``
        and ``routing``.

    Raises
    ------
    KeyError
        If ``families`` lacks one of the columns above.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"gezin_id": ["g1", "g2", "g3"], "route": ["gezinsverzorger", "gezinsverzorger", "regulier"],
    ...                   "aanmelding": pd.to_datetime(["2021-10-15", "2021-12-01", "2021-11-20"]),
    ...                   "start": pd.to_datetime(["2021-11-01", "2022-01-10", "2021-12-01"]),
    ...                   "einde": pd.to_datetime(["2022-06-30", None, None]), "medewerker": ["M1", "M1", None],
    ...                   "uren_per_week": [6.0, 4.0, 2.0], "vrijwilliger": [True, False, False]})
    >>> r = reach_and_capacity(f, as_of="2022-11-01", fte=1.0, capacity=(8, 10), start="2021-11-01")
    >>> r.totals["gezinnen_totaal"], r.totals["gezinnen_actief"], r.totals["max_gelijktijdig"]
    (2, 1, 2)
    """
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
