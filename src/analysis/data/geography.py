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

    ``counts`` are summed; a summed cell is missing (NaN) when any contributing municipality is missing, because a
    partial sum silently under-counts (the third-party file does exactly that for Groningen 2018).
    ``weighted_means`` maps a mean column to its weight column (e.g. ``gem_inkomen`` -> ``inwoners``).
    Adds ``n_bronnen`` (contributing municipalities) and ``volledig`` (no contributing cell missing).
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
