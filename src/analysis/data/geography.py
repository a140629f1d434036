"""Municipal boundaries across years (herindelingen) and harmonisation of gemeente x year tables.

CBS publishes each year on that year's boundaries. To compare years, counts of abolished municipalities are
added to their successor. Rates are never averaged: they are recomputed from the summed numerator and
denominator. Averages such as mean income are combined weighted by inhabitants.
"""

from __future__ import annotations

import pandas as pd


def successor_map(herindelingen: pd.DataFrame, boundary_year: int) -> dict[str, str]:
    """old code -> code on 1 January of ``boundary_year`` (follows chains of mergers)."""
    cutoff = pd.Timestamp(f"{boundary_year}-01-01")
    h = herindelingen[pd.to_datetime(herindelingen["effective_date"]) <= cutoff]
    direct = dict(zip(h["old_code"], h["new_code"]))
    out = {}
    for old in direct:
        new, seen = direct[old], {old}
        while new in direct and new not in seen:
            seen.add(new)
            new = direct[new]
        out[old] = new
    return out


def changed_municipalities(herindelingen: pd.DataFrame, first_year: int, last_year: int) -> set[str]:
    """Codes (old and new) whose territory changed between 1-1-first_year (exclusive) and 1-1-last_year."""
    d = pd.to_datetime(herindelingen["effective_date"])
    h = herindelingen[(d > pd.Timestamp(f"{first_year}-01-01")) & (d <= pd.Timestamp(f"{last_year}-01-01"))]
    return set(h["old_code"]) | set(h["new_code"])


def harmonise(
    df: pd.DataFrame,
    herindelingen: pd.DataFrame,
    boundary_year: int,
    *,
    code: str = "gemeente_code",
    year: str = "jaar",
    counts: list[str],
    weighted_means: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Re-map a gemeente x year table onto the boundaries of ``boundary_year``.

    Counts of municipalities abolished before 1 January of ``boundary_year`` are added to their successor
    (following chains of mergers). A summed cell is missing (NaN) when any contributing municipality is missing,
    because a partial sum silently under-counts (the third-party file does exactly that for Groningen 2018). Rates
    are not averaged: recompute them from the summed numerator and denominator.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per gemeente and year.
    herindelingen : pandas.DataFrame
        The mergers: old_code, new_code, effective_date.
    boundary_year : int
        Boundaries on 1 January of this year.
    code : str, default 'gemeente_code'
        Column with the gemeente code.
    year : str, default 'jaar'
        Column with the year.
    counts : list of str
        Count columns, summed (at least one).
    weighted_means : dict of str to str, optional
        A mean column -> its weight column (e.g. ``gem_inkomen`` -> ``inwoners``), combined as a weighted mean.
    names : dict of str to str, optional
        Code -> gemeente name; adds ``gemeente_naam`` after the code.

    Returns
    -------
    pandas.DataFrame
        One row per gemeente (on the new boundaries) and year: ``code``, ``year``, the ``counts``, ``n_bronnen``
        (contributing municipalities), ``volledig`` (no contributing count missing) and the ``weighted_means``.

    Raises
    ------
    KeyError
        If a named column is not in ``df`` or ``herindelingen``.

    Examples
    --------
    Haren (GM0017) and Ten Boer (GM0009) merged into Groningen (GM0014) on 1 January 2019 (illustrative counts):

    >>> her = pd.DataFrame({"old_code": ["GM0009", "GM0017"], "new_code": ["GM0014", "GM0014"],
    ...                     "effective_date": ["2019-01-01", "2019-01-01"]})
    >>> t = pd.DataFrame({"gemeente_code": ["GM0014", "GM0009", "GM0017", "GM0014"], "jaar": [2018, 2018, 2018, 2019],
    ...                   "hh_clienten": [5000, 300, 200, 5600], "inwoners": [200000, 10000, 8000, 232000],
    ...                   "inkomen": [30.0, 32.0, 31.0, 30.5]})
    >>> h = harmonise(t, her, 2019, counts=["hh_clienten", "inwoners"], weighted_means={"inkomen": "inwoners"})
    >>> h[["gemeente_code", "jaar", "hh_clienten", "n_bronnen"]].values.tolist()
    [['GM0014', 2018, 5500, 3], ['GM0014', 2019, 5600, 1]]
    >>> float(round(h.inkomen.iloc[0], 2))
    30.13
    """
    weighted_means = weighted_means or {}
    mapping = successor_map(herindelingen, boundary_year)
    d = df.copy()
    d["_target"] = d[code].map(mapping).fillna(d[code])
    for m, w in weighted_means.items():
        d[f"_wx_{m}"] = d[m] * d[w]
        d[f"_w_{m}"] = d[w].where(d[m].notna())
    agg = {c: (c, lambda s: s.sum(min_count=len(s)) if s.notna().all() else float("nan")) for c in counts}
    agg["n_bronnen"] = (code, "size")
    agg["_complete"] = (counts[0], lambda s: True)
    for m in weighted_means:
        agg[f"_wx_{m}"] = (f"_wx_{m}", lambda s: s.sum(min_count=1))
        agg[f"_w_{m}"] = (f"_w_{m}", lambda s: s.sum(min_count=1))
    out = d.groupby(["_target", year], as_index=False).agg(**agg)
    out["volledig"] = out[counts].notna().all(axis=1)
    for m in weighted_means:
        out[m] = out[f"_wx_{m}"] / out[f"_w_{m}"]
        out = out.drop(columns=[f"_wx_{m}", f"_w_{m}"])
    out = out.drop(columns=["_complete"]).rename(columns={"_target": code})
    if names:
        out.insert(1, "gemeente_naam", out[code].map(names))
    out["n_bronnen"] = out["n_bronnen"].astype(int)
    return out
