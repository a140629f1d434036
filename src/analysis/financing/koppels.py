"""Client-helper pairs (koppels) at a change of provider per area.

A pair survives automatically when the client's current provider is chosen for the area; otherwise only if the
helper moves to the new provider (staff transfer or subcontracting, seed 003). The transfer rate is an
assumption (F04). Who is at risk: long-running pairs and clients aged 85+, for whom continuity matters most.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy import stats

from analysis.demand.rates import active_on
from analysis.results import ResultDisplay


@dataclass(frozen=True)
class KoppelResult(ResultDisplay):
    """Client-helper pairs at the change of provider per area: how many there are, how many change provider, the
    expected share kept with its interval, and the pairs most at risk."""

    per_area: pd.DataFrame
    chosen_provider: dict[str, str]
    change_date: str

    def to_frame(self) -> pd.DataFrame:
        return self.per_area


def pair_continuity(
    clients: pd.DataFrame,
    *,
    change_date: str = "2023-01-01",
    transfer_rate: float = 0.6,
    long_pair_years: float = 3.0,
    chosen: dict[str, str] | None = None,
) -> KoppelResult:
    """Expected continuity of client-helper pairs when each area gets the provider that has most of its clients,
    with ``transfer_rate`` of helpers moving along."""
    if not 0 <= transfer_rate <= 1:
        raise ValueError("transfer_rate must be between 0 and 1")
    d = pd.Timestamp(change_date)
    act = clients[active_on(clients, d)].copy()
    if act.empty:
        raise ValueError(f"no active pairs on {change_date}")
    if chosen is None:  # the provider that already serves most clients in the area keeps most pairs intact
        chosen = act.groupby("gebied")["aanbieder"].agg(lambda s: s.value_counts().idxmax()).to_dict()
    act["blijft_aanbieder"] = act["gebied"].map(chosen) == act["aanbieder"]
    act["lang"] = (d - act["koppel_start"]).dt.days / 365.25 >= long_pair_years
    act["oud"] = (d.year - act["geboortejaar"]) >= 85
    rows = []
    for area, g in act.groupby("gebied"):
        n = len(g)
        switch = int((~g.blijft_aanbieder).sum())
        expected = (n - switch + transfer_rate * switch) / n
        # binomial uncertainty over which helpers move, for the pairs that switch provider
        lo_k, hi_k = stats.binom.ppf([0.025, 0.975], switch, transfer_rate) if switch else (0, 0)
        rows.append(
            {
                "gebied": area,
                "koppels": n,
                "nieuwe_aanbieder": switch,
                "aandeel_behouden": expected,
                "behouden_laag": (n - switch + lo_k) / n,
                "behouden_hoog": (n - switch + hi_k) / n,
                "risico_lang": int((~g.blijft_aanbieder & g.lang).sum()),
                "risico_85plus": int((~g.blijft_aanbieder & g.oud).sum()),
                "gekozen_aanbieder": chosen[area],
            }
        )
    return KoppelResult(pd.DataFrame(rows), chosen, change_date)
