"""The registration-break screen: gemeente-years whose HH series changes for a reason other than use.

Some gemeenten recoded household help between the CBS Wmo categories 'Hulp bij het huishouden' (HH) and
'Ondersteuning thuis' (OT), or stopped delivering HH, from one year to the next. These breaks are in the CBS source
itself (an independent copy has them too): Almere 2019 (HH 3.295 -> 425 while OT rises), Delft 2020 (2.155 -> 185),
's-Gravenhage 2018-2019 (12.895 -> 4.160 -> 20 -> 15.920), Zwolle 2019-2020 (HH not published). A series in which HH
falls while OT rises by a similar number in the same year is a recoding, not a change in demand.

``screen_registration_breaks`` is the one screen every consumer uses (the report's own gemeente, peers, funnel plot,
difference-in-differences). It flags a gemeente-year when

- ``opposite``: HH and OT move in opposite directions, each by more than ``opposite_threshold`` on the log scale,
  and by similar numbers (the smaller change at least ``offset_share`` of the larger): clients moved category;
- ``level_shift``: HH halves or doubles (``shift_factor``) and does not come back the next year: a new definition;
- ``spike``: HH jumps by more than ``spike_factor`` and back the next year: a one-year registration error;
- ``missing``: no HH figure published for a year in which the gemeente is in the panel.

Changes are taken between consecutive *published* years, so a missing year does not hide a break across it.
The thresholds are documented defaults, not estimates; ``did_robustness`` shows results under several rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KINDS = ("opposite", "level_shift", "spike", "missing")  # Dutch wording: analysis.labels.BREAK_KINDS
# Rules for consumers: which kinds exclude a gemeente. 'all' is the default everywhere.
RULES = {
    "none": (),
    "opposite": ("opposite",),
    "jumps": ("level_shift", "spike"),
    "all": KINDS,
}
FLAG_COLUMNS = ["gemeente_code", "gemeente_naam", "jaar", "kind", "year_before", "hh_before", "hh", "ot_before", "ot",
                "reason"]  # fmt: skip


def screen_registration_breaks(
    panel: pd.DataFrame,
    *,
    value: str = "hh_clienten",
    counterpart: str | None = "ondersteuning_thuis",
    unit: str = "gemeente_code",
    time: str = "jaar",
    name: str | None = "gemeente_naam",
    opposite_threshold: float = 0.25,
    offset_share: float = 0.5,
    shift_factor: float = 2.0,
    spike_factor: float = 1.5,
) -> pd.DataFrame:
    """Screen a unit x year panel for registration breaks: every flagged unit-year, one row per (unit, year, kind).

    The kinds ('opposite', 'level_shift', 'spike', 'missing') and their rules are in the module docstring; changes
    are taken between consecutive published years. An empty frame means nothing was flagged.

    Parameters
    ----------
    panel : pandas.DataFrame
        One row per unit and year with ``value`` and ``counterpart``; NaN = not published.
    value : str, default 'hh_clienten'
        The screened series (HH clients).
    counterpart : str or None, default 'ondersteuning_thuis'
        The series clients may be recoded to (OT clients); None screens ``value`` alone (no 'opposite' flags).
    unit : str, default 'gemeente_code'
        Column with the unit.
    time : str, default 'jaar'
        Column with the year.
    name : str or None, default 'gemeente_naam'
        Column with the unit's name (its last value is used); None or absent gives empty names.
    opposite_threshold : float, default 0.25
        'opposite': both series change by more than this on the log scale, in opposite directions.
    offset_share : float, default 0.5
        'opposite': the smaller change (in numbers) is at least this share of the larger.
    shift_factor : float, default 2.0
        'level_shift': the series changes by more than this factor and does not come back the next year.
    spike_factor : float, default 1.5
        'spike': the series changes by more than this factor and back the next year.

    Returns
    -------
    pandas.DataFrame
        Columns ``FLAG_COLUMNS``: gemeente_code, gemeente_naam, jaar, kind (one of ``KINDS``), year_before,
        hh_before, hh, ot_before, ot and reason (a plain English sentence with the numbers); sorted by gemeente_code,
        jaar and kind.

    Raises
    ------
    KeyError
        If ``unit``, ``time``, ``value`` or ``counterpart`` is not a column of ``panel``.
    ValueError
        If a (unit, year) occurs more than once, or a threshold is out of range (``opposite_threshold`` > 0,
        0 < ``offset_share`` <= 1, ``shift_factor`` and ``spike_factor`` > 1).

    Examples
    --------
    Almere's 2019 recoding from HH to OT (the published CBS numbers, OT illustrative) next to a steady series:

    >>> panel = pd.DataFrame({
    ...     "gemeente_code": ["GM0034"] * 3 + ["GM0014"] * 3, "gemeente_naam": ["Almere"] * 3 + ["Groningen"] * 3,
    ...     "jaar": [2018, 2019, 2020] * 2, "hh_clienten": [3295, 425, 440, 5000, 5100, 5200],
    ...     "ondersteuning_thuis": [1000, 3900, 4000, 2000, 2050, 2100]})
    >>> flags = screen_registration_breaks(panel)
    >>> flags[["gemeente_code", "jaar", "kind"]].values.tolist()
    [['GM0034', 2019, 'level_shift'], ['GM0034', 2019, 'opposite']]
    >>> flags.reason.iloc[1]
    'HH 3295 -> 425 while OT 1000 -> 3900 (from 2018)'
    """
    need = [unit, time, value] + ([counterpart] if counterpart else [])
    absent = [c for c in need if c not in panel.columns]
    if absent:
        raise KeyError(f"panel has no column(s) {absent}; it has {list(panel.columns)}")
    if panel.duplicated([unit, time]).any():
        raise ValueError(f"panel has more than one row for some ({unit}, {time}); screen one boundary set at a time")
    if not (opposite_threshold > 0 and 0 < offset_share <= 1 and shift_factor > 1 and spike_factor > 1):
        raise ValueError("thresholds: opposite_threshold > 0, 0 < offset_share <= 1, shift/spike factors > 1")
    d = panel.sort_values([unit, time])
    if counterpart is None:
        counterpart = "__no_counterpart__"
        d = d.assign(**{counterpart: np.nan})
    names = d.groupby(unit)[name].last() if name and name in d.columns else pd.Series(dtype=str)
    rows = []

    def add(code, year, kind, hb, h, ob, o, reason, year_before=np.nan):
        rows.append(dict(gemeente_code=code, gemeente_naam=names.get(code, ""), jaar=int(year), kind=kind,
                         year_before=year_before, hh_before=hb, hh=h, ot_before=ob, ot=o, reason=reason))  # fmt: skip

    for code, g in d.groupby(unit, sort=False):
        for r in g[g[value].isna()].itertuples():
            add(code, getattr(r, time), "missing", np.nan, np.nan, np.nan, getattr(r, counterpart), "HH not published")
        pub = g[g[value].notna() & (g[value] > 0)]
        if len(pub) < 2:
            continue
        years = pub[time].to_numpy()
        hh = pub[value].to_numpy(float)
        ot = pub[counterpart].to_numpy(float)
        d_hh = np.diff(np.log(hh))
        with np.errstate(divide="ignore", invalid="ignore"):
            d_ot = np.diff(np.log(np.where(ot > 0, ot, np.nan)))
        returning = False  # the change back after a spike is part of that spike, not a new level
        for i, dh in enumerate(d_hh):
            y, hb, h, ob, o = years[i + 1], hh[i], hh[i + 1], ot[i], ot[i + 1]
            a_hh, a_ot = h - hb, o - ob
            do = d_ot[i]
            if (
                np.isfinite(do)
                and abs(dh) > opposite_threshold
                and abs(do) > opposite_threshold
                and np.sign(dh) != np.sign(do)
                and min(abs(a_hh), abs(a_ot)) >= offset_share * max(abs(a_hh), abs(a_ot))
            ):
                add(code, y, "opposite", hb, h, ob, o,
                    f"HH {hb:.0f} -> {h:.0f} while OT {ob:.0f} -> {o:.0f} (from {years[i]})", years[i])  # fmt: skip
            nxt = d_hh[i + 1] if i + 1 < len(d_hh) else np.nan
            back = np.isfinite(nxt) and abs(dh) > np.log(spike_factor) and abs(nxt) > np.log(spike_factor)
            back = back and np.sign(nxt) != np.sign(dh)
            if back:
                add(code, y, "spike", hb, h, ob, o,
                    f"HH {hb:.0f} -> {h:.0f} -> {hh[i + 2]:.0f} ({years[i]}-{years[i + 2]})", years[i])  # fmt: skip
            elif abs(dh) > np.log(shift_factor) and not returning:
                stays = "last published year" if not np.isfinite(nxt) else f"stays at {hh[i + 2]:.0f}"
                add(code, y, "level_shift", hb, h, ob, o,
                    f"HH {hb:.0f} -> {h:.0f} from {years[i]} ({stays})", years[i])  # fmt: skip
            returning = back
    out = pd.DataFrame(rows, columns=FLAG_COLUMNS)
    return out.sort_values(["gemeente_code", "jaar", "kind"], ignore_index=True)


def flagged_units(flags: pd.DataFrame, *, rule: str = "all", up_to: int | None = None) -> pd.DataFrame:
    """One row per flagged unit under a break rule: its first flag.

    Flags in years up to ``up_to`` count: a break before the year compared means that year's figure is on another
    definition; a year with no figure is only a problem in the year itself.

    Parameters
    ----------
    flags : pandas.DataFrame
        The output of ``screen_registration_breaks``.
    rule : {'all', 'opposite', 'jumps', 'none'}, default 'all'
        Which kinds exclude a unit (``RULES``): all kinds, only 'opposite', only 'level_shift' and 'spike', or none.
    up_to : int, optional
        The year compared; default every year counts.

    Returns
    -------
    pandas.DataFrame
        One row per flagged unit: gemeente_code, gemeente_naam, jaar, kind and reason of its first flag under
        ``rule``. Empty when no unit is flagged.

    Raises
    ------
    ValueError
        If ``rule`` is not one of ``RULES``.

    Examples
    --------
    >>> panel = pd.DataFrame({"gemeente_code": ["GM0034"] * 3, "gemeente_naam": ["Almere"] * 3,
    ...                       "jaar": [2018, 2019, 2020], "hh_clienten": [3295, 425, 440],
    ...                       "ondersteuning_thuis": [1000, 3900, 4000]})  # OT illustrative
    >>> flags = screen_registration_breaks(panel)
    >>> flagged_units(flags)[["gemeente_code", "jaar", "kind"]].values.tolist()
    [['GM0034', 2019, 'level_shift']]
    >>> len(flagged_units(flags, up_to=2018)), len(flagged_units(flags, rule="none"))
    (0, 0)
    """
    if rule not in RULES:
        raise ValueError(f"unknown break rule {rule!r}; choose from {sorted(RULES)}")
    f = flags[flags.kind.isin(RULES[rule])]
    if up_to is not None:
        f = f[(f.jaar <= up_to) & ((f.kind != "missing") | (f.jaar == up_to))]
    first = f.sort_values(["gemeente_code", "jaar"]).drop_duplicates("gemeente_code")
    return first[["gemeente_code", "gemeente_naam", "jaar", "kind", "reason"]].reset_index(drop=True)
