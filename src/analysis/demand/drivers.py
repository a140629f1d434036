"""Other drivers of HH demand as documented scenario inputs, each with its published source.

The letter (seed 003) names: more 75-plussers, people living at home longer, more singles, fewer mantelzorgers.
Only published figures from the reference data are used; what they imply for the scenarios is an assumption in
the log (D01, D02), not a fitted effect.
"""

from __future__ import annotations

import re

import pandas as pd

DRIVERS = [
    ("Meer 75-plussers", "population_and_prognosis", "75+ prognosis"),
    ("Meer alleenstaanden", "mantelzorg_single_households", "single"),
    # a prognosis of all inhabitants is population growth, not 'more singles' (the decomposition's first term)
    ("Meer inwoners", "population_and_prognosis", "inhabitants prognosis"),
    ("Minder mantelzorgers", "mantelzorg_single_households", "potential carers"),
    ("Minder mantelzorgers", "mantelzorg_single_households", "receiving mantelzorg"),
    ("Langer thuis wonen", "mantelzorg_single_households", "independently living 75+"),
    ("Abonnementstarief", "abonnementstarief_effect", "growth Wmo HH clients"),
]


def driver_inputs(reference: pd.DataFrame) -> pd.DataFrame:
    """The published figures behind each driver of HH demand, with the Dutch text a report shows.

    The drivers are those the letter (seed 003) names: more 75-plussers, more singles, fewer mantelzorgers, living at
    home longer, and the abonnementstarief. For each, the rows of the reference table whose ``tabel`` and
    ``measure`` match (``DRIVERS``). A source written ``same`` ("as the row above") is replaced by the source it
    refers to, and figures the curators marked as low confidence ('check before use') are left out: they do not go
    into a council report.

    Parameters
    ----------
    reference : pandas.DataFrame
        The processed ``reference`` table (tabel, measure, geo, period, value, unit, source, url_or_path,
        confidence).

    Returns
    -------
    pandas.DataFrame
        One row per published figure behind a driver: ``drijver``, ``gebied``, ``periode``, ``maat``, ``waarde``,
        ``eenheid``, ``bron``, ``url``, ``betrouwbaarheid``, plus the Dutch text a report shows (``gebied_nl``,
        ``periode_nl``, ``maat_nl``, ``waarde_nl``, ``bron_nl``).

    Raises
    ------
    ValueError
        If the reference table has no figure for any driver.
    KeyError
        If ``reference`` lacks one of the columns above.

    Examples
    --------
    >>> from analysis.data.io import load_processed
    >>> d = driver_inputs(load_processed("reference"))  # doctest: +SKIP
    >>> sorted(d.drijver.unique())  # doctest: +SKIP
    ['Abonnementstarief', 'Langer thuis wonen', 'Meer 75-plussers', 'Meer alleenstaanden', 'Meer inwoners',
     'Minder mantelzorgers']
    """
    from analysis.labels import GEO, dutch_figure_text, dutch_period, dutch_source, reference_measure

    rows = []
    for driver, table, needle in DRIVERS:
        sel = reference[
            (reference["tabel"] == table) & reference["measure"].str.contains(needle, case=False, regex=False)
        ]
        for r in sel.itertuples():
            rows.append(
                {
                    "drijver": driver,
                    "gebied": r.geo,
                    "periode": r.period,
                    "maat": r.measure,
                    "waarde": r.value,
                    "eenheid": r.unit,
                    "bron": r.source,
                    "url": r.url_or_path,
                    "betrouwbaarheid": r.confidence,
                }
            )
    if not rows:
        raise ValueError("no driver figures found in the reference table")
    out = pd.DataFrame(rows)
    # the curated tables write 'same' for "as the row above"; a report must name the source itself
    src = reference["source"].where(reference["source"] != "same").ffill()
    by_measure = dict(zip(zip(reference["tabel"], reference["measure"], reference["period"]), src))
    out["bron"] = [
        b if b != "same" else by_measure.get((t, m, p), b)
        for b, t, m, p in zip(out.bron, [t for _, t, _ in _matches(reference)], out.maat, out.periode)
    ]
    out["gebied_nl"] = out["gebied"].map(lambda g: GEO.get(str(g).split(" ")[0], str(g)))
    out["periode_nl"] = out["periode"].map(dutch_period)
    out["maat_nl"] = out["maat"].map(reference_measure)
    out["waarde_nl"] = [
        re.sub(r"(\d[\d.,]*)", r"\1%", dutch_figure_text(v), count=1)
        if u == "percent" and "%" not in str(v)
        else dutch_figure_text(v)
        for v, u in zip(out["waarde"], out["eenheid"])
    ]
    out["bron_nl"] = out["bron"].map(dutch_source)
    # figures the curators marked as low confidence ('check before use') do not go into a council report
    return out[out["betrouwbaarheid"].fillna("") != "low"].reset_index(drop=True)


def _matches(reference: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(driver, table, needle) for each row driver_inputs returns, in the same order."""
    out = []
    for driver, table, needle in DRIVERS:
        sel = reference[
            (reference["tabel"] == table) & reference["measure"].str.contains(needle, case=False, regex=False)
        ]
        out += [(driver, table, needle)] * len(sel)
    return out


def carers_decline_per_year(carers_2018: float, carers_2040: float) -> float:
    """Average yearly decline of potential carers (50-74) per person 85+ (PBL: 15 in 2018 -> 6 in 2040).

    The constant yearly rate that takes the mantelzorg potential ratio from ``carers_2018`` to ``carers_2040`` over
    22 years: 1 - (carers_2040 / carers_2018) ** (1 / 22).

    Parameters
    ----------
    carers_2018 : float
        Potential carers aged 50-74 per person aged 85+ in 2018 (PBL: 15).
    carers_2040 : float
        The same ratio in 2040 (PBL: 6).

    Returns
    -------
    float
        The yearly decline as a fraction (0.04 = 4% fewer potential carers per 85-plusser each year).

    Raises
    ------
    ValueError
        If a ratio is <= 0.

    Examples
    --------
    >>> round(carers_decline_per_year(15, 6), 4)
    0.0408
    """
    if carers_2018 <= 0 or carers_2040 <= 0:
        raise ValueError("ratios must be > 0")
    return 1 - (carers_2040 / carers_2018) ** (1 / (2040 - 2018))
