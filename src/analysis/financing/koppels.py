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
    """Expected continuity of client-helper pairs (koppels) at the change of provider per area.

    Each area gets ``chosen`` provider (default: the provider that already serves most of its active clients, which
    keeps most pairs intact). A pair survives automatically when the client's current provider is chosen; otherwise
    only if the helper moves along (staff transfer or subcontracting, seed 003), with probability ``transfer_rate``
    (assumption F04). The interval of the share kept is binomial over which helpers move. At risk: pairs that change
    provider and are long-running (at least ``long_pair_years``) or whose client is aged 85+, for whom continuity
    matters most.

    Parameters
    ----------
    clients : pandas.DataFrame
        The client registration: ``start``, ``einde``, ``gebied``, ``aanbieder``, ``koppel_start`` (start of the
        pair) and ``geboortejaar``.
    change_date : str, default "2023-01-01"
        The day the new providers start (pairs active on it count).
    transfer_rate : float, default 0.6
        Share of helpers who move to the new provider (0..1).
    long_pair_years : float, default 3.0
        Years from which a pair counts as long-running.
    chosen : dict of str to str, optional
        The provider per area; default the one with most clients.

    Returns
    -------
    KoppelResult
        ``per_area``: gebied, koppels, nieuwe_aanbieder (pairs changing provider), aandeel_behouden (expected share
        kept), behouden_laag, behouden_hoog (95% interval), risico_lang, risico_85plus, gekozen_aanbieder; plus
        ``chosen_provider`` and ``change_date``.

    Raises
    ------
    ValueError
        If ``transfer_rate`` is outside [0, 1] or no pair is active on ``change_date``.
    KeyError
        If ``clients`` lacks a column above or ``chosen`` lacks an area.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"gebied": ["N", "N", "N", "Z"], "aanbieder": ["A", "A", "B", "C"],
    ...                   "start": pd.to_datetime(["2018-01-01"] * 4), "einde": pd.NaT,
    ...                   "koppel_start": pd.to_datetime(["2018-01-01", "2022-06-01", "2019-01-01", "2020-01-01"]),
    ...                   "geboortejaar": [1930, 1950, 1935, 1950]})
    >>> r = pair_continuity(c, transfer_rate=0.5, chosen={"N": "A", "Z": "D"})
    >>> r.per_area[["gebied", "koppels", "nieuwe_aanbieder", "aandeel_behouden", "risico_85plus"]].values.tolist()
    [['N', 3, 1, 0.8333333333333334, 1], ['Z', 1, 1, 0.5, 0]]
    """
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
