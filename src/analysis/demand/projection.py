"""Scenarios for the HH projection (multipliers on the age-specific usage rates) and the simple back-test of the
cohort model. The projection itself, with every source of uncertainty, is ``analysis.demand.forecast``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.results import ResultDisplay

OLD_BANDS = ("75-84", "85+")

# The one base year and history of every projection in every report (hh-raad's prognosis, hh-bekostiging's area
# budgets), declared once: the last and first year of the (synthetic) registration. Two appendices that started
# from different base years printed two numbers for the same year and scenario (issue 24).
BASE_YEAR = 2024
FIRST_YEAR = 2015


def clients_fact_key(year: int, scenario: str, base_year: int = BASE_YEAR) -> str:
    """The fact key under which every report prints the number of clients in ``year``: ``clienten_<jaar>`` for a
    registered year (the same in every scenario), ``clienten_<jaar>_<scenario>`` for a projected one. The
    cross-report check (``analysis.report.consistency.check_reports``) holds equal keys to equal values.

    Parameters
    ----------
    year : int
        The year the number of clients is for.
    scenario : str
        The demand scenario (``tarief_blijft``, ...); not part of the key for a registered year.
    base_year : int
        The last registered year (``BASE_YEAR``).

    Returns
    -------
    str
        The fact key; underscores in the scenario become hyphens (a report body never shows a code).

    Raises
    ------
    ValueError
        For a projected year without a scenario name.

    Examples
    --------
    >>> clients_fact_key(2023, "tarief_blijft", 2024)
    'clienten_2023'
    >>> clients_fact_key(2028, "minder_mantelzorg", 2024)
    'clienten_2028_minder-mantelzorg'
    """
    # the scenario with hyphens: a report body never shows a code name with underscores (test_consistency)
    if year > base_year and not str(scenario or "").strip():
        raise ValueError(f"a projected year ({year}) needs a scenario name for its fact key")
    return f"clienten_{int(year)}" if int(year) <= base_year else f"clienten_{int(year)}_{scenario.replace('_', '-')}"


@dataclass(frozen=True)
class Scenario:
    """``multiplier(year, band, rng_draw)`` scales the base-year usage rate; ``rng_draw`` carries uncertain inputs."""

    name: str
    label: str
    multiplier: Callable[[int, str, dict], float]
    description: str = ""
    uncertain: bool = False  # the multiplier reads uncertain inputs (tariff_rr, extra_growth) from its draw


def tariff_stays() -> Scenario:
    """Scenario 'abonnementstarief blijft': usage per age band follows its own trend, no policy change.

    The multiplier is 1 in every year and band: the projected rate is the base-year rate moved by each band's drift
    only.

    Returns
    -------
    Scenario
        Name ``tarief_blijft``, label "Abonnementstarief blijft", a multiplier of 1.0, not uncertain.

    Raises
    ------
    None
        Never raises.

    Examples
    --------
    >>> s = tariff_stays()
    >>> s.name, s.multiplier(2030, "85+", {})
    ('tarief_blijft', 1.0)
    """
    return Scenario(
        "tarief_blijft",
        "Abonnementstarief blijft",
        lambda y, b, d: 1.0,
        "Gebruik per leeftijdsgroep blijft op het niveau van het basisjaar.",
    )


def income_dependent_from(year_x: int, base_year: int, mean_duration_months: float) -> Scenario:
    """From ``year_x`` the tariff effect on inflow is reversed; the stock adjusts with the mean duration (S02).

    Scenario 'inkomensafhankelijke bijdrage': the abonnementstarief (2019) raised use by the rate ratio
    ``tariff_rr`` (the ITS estimate, drawn per simulation). When the income-dependent contribution returns in
    ``year_x``, new inflow falls back to the old level at once, while the stock of clients adjusts as indications
    end: the multiplier is 1/rr + (1 - 1/rr) exp(-t * 12 / mean_duration_months) with t the years since ``year_x``
    (mid-year, + 0.5). Before ``year_x`` the multiplier is 1.

    Parameters
    ----------
    year_x : int
        The first year of the income-dependent contribution (assumption D02).
    base_year : int
        The projection's base year (kept for a uniform scenario signature; not used in the multiplier).
    mean_duration_months : float
        The mean duration of an HH indication in months (assumption S02).

    Returns
    -------
    Scenario
        Name ``inkomensafhankelijk_<year_x>``, uncertain (the multiplier reads ``tariff_rr`` from its draw).

    Raises
    ------
    KeyError
        When the multiplier is called for a year from ``year_x`` on with a draw without ``tariff_rr``.

    Examples
    --------
    >>> s = income_dependent_from(2026, 2024, 30.0)
    >>> s.name, s.multiplier(2025, "85+", {"tariff_rr": 1.1})
    ('inkomensafhankelijk_2026', 1.0)
    >>> round(float(s.multiplier(2026, "85+", {"tariff_rr": 1.1})), 4)
    0.9835
    """

    def mult(y, band, d):
        if y < year_x:
            return 1.0
        rr = d["tariff_rr"]
        years_since = y - year_x + 0.5
        return 1 / rr + (1 - 1 / rr) * np.exp(-years_since * 12 / mean_duration_months)

    return Scenario(
        f"inkomensafhankelijk_{year_x}",
        f"Inkomensafhankelijke bijdrage vanaf {year_x}",
        mult,
        "Het geschatte tariefeffect op de instroom wordt teruggedraaid; het bestand past zich aan "
        "met de gemiddelde duur van een indicatie.",
        uncertain=True,
    )


def less_informal_care(extra_growth: float, base_year: int) -> Scenario:
    """Scenario 'snellere daling mantelzorg': usage of 75+ grows ``extra_growth`` per year on top.

    The multiplier for the 75-84 and 85+ bands is (1 + extra_growth) ** (year - base_year) (1 up to the base year);
    other bands are not affected. In a simulation ``extra_growth`` is drawn per draw (the draw's ``extra_growth``
    replaces the default), reflecting the uncertainty of the decline in potential mantelzorgers (assumption D02).

    Parameters
    ----------
    extra_growth : float
        Extra yearly growth of 75+ usage (0.01 = 1% per year), the default when a draw carries none.
    base_year : int
        The projection's base year.

    Returns
    -------
    Scenario
        Name ``minder_mantelzorg``, uncertain.

    Raises
    ------
    None
        Never raises.

    Examples
    --------
    >>> s = less_informal_care(0.01, 2024)
    >>> round(s.multiplier(2030, "85+", {}), 4), s.multiplier(2030, "65-74", {})
    (1.0615, 1.0)
    """
    return Scenario(
        "minder_mantelzorg",
        "Snellere daling mantelzorg",
        lambda y, b, d: (1 + d.get("extra_growth", extra_growth)) ** max(0, y - base_year) if b in OLD_BANDS else 1.0,
        f"Gebruik 75+ stijgt jaarlijks {extra_growth:.1%} extra door minder potentiële mantelzorgers.",
        uncertain=True,
    )


def scenarios_from_log(log, base_year: int) -> dict[str, Scenario]:
    """The report scenarios with their defaults from the assumptions log (D02, S02).

    Parameters
    ----------
    log : AssumptionLog
        The assumptions log; D02 gives ``income_dependent_from`` and ``mantelzorg_extra_growth``, S02 the mean
        duration of an indication in months.
    base_year : int
        The projection's base year.

    Returns
    -------
    dict of str to Scenario
        ``tarief_blijft`` (``tariff_stays``), ``inkomensafhankelijk`` (``income_dependent_from``) and
        ``minder_mantelzorg`` (``less_informal_care``).

    Raises
    ------
    KeyError
        If the log lacks D02 or S02, or D02 lacks one of its two fields.

    Examples
    --------
    >>> from analysis.assumptions import load_assumptions
    >>> sorted(scenarios_from_log(load_assumptions(), 2024))
    ['inkomensafhankelijk', 'minder_mantelzorg', 'tarief_blijft']
    """
    d02 = log.value("D02")
    return {
        "tarief_blijft": tariff_stays(),
        "inkomensafhankelijk": income_dependent_from(
            int(d02["income_dependent_from"]), base_year, float(log.value("S02"))
        ),
        "minder_mantelzorg": less_informal_care(float(d02["mantelzorg_extra_growth"]), base_year),
    }


@dataclass(frozen=True)
class BacktestResult(ResultDisplay):
    """Back-test of the cohort model fitted up to one year: predicted and actual clients per later year, with the
    mean absolute percentage error per method."""

    frame: pd.DataFrame  # jaar, methode, voorspeld, werkelijk, fout, fout_pct
    mape: dict

    def to_frame(self) -> pd.DataFrame:
        return self.frame


def backtest(by_year_band: pd.DataFrame, *, fit_until: int = 2019, test_years=None) -> BacktestResult:
    """Fit on years <= ``fit_until`` and predict later years with the known population.

    Two methods: 'laatste_jaar' (rates of the last fitted year held constant) and 'trend' (log-linear trend in
    each age band's rate over the fitted years). The predicted clients are the rates times the actual inhabitants
    per band, summed over bands.

    Parameters
    ----------
    by_year_band : pandas.DataFrame
        ``jaar``, ``leeftijdsgroep``, ``clienten``, ``inwoners`` (e.g. ``rates.hh_rates``).
    fit_until : int, default 2019
        The last fitted year.
    test_years : iterable of int, optional
        The years predicted; default every year after ``fit_until``.

    Returns
    -------
    BacktestResult
        ``frame``: jaar, methode, voorspeld, werkelijk, fout, fout_pct; ``mape``: the mean absolute percentage error
        (a fraction) per method.

    Raises
    ------
    ValueError
        If there are fewer than two fitted years or no test year.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> years = np.repeat(np.arange(2015, 2025), 2)
    >>> d = pd.DataFrame({"jaar": years, "leeftijdsgroep": ["75-84", "85+"] * 10,
    ...                   "clienten": np.where(np.arange(20) % 2, 800, 1000) * 1.02 ** (years - 2015),
    ...                   "inwoners": [10000, 3000] * 10})
    >>> b = backtest(d, fit_until=2019)
    >>> sorted(b.mape), round(b.mape["trend"], 6)
    (['laatste_jaar', 'trend'], 0.0)
    """
    d = by_year_band.copy()
    d["rate"] = d["clienten"] / d["inwoners"]
    fit = d[d.jaar <= fit_until]
    test = d[d.jaar > fit_until] if test_years is None else d[d.jaar.isin(test_years)]
    if fit.jaar.nunique() < 2 or test.empty:
        raise ValueError("need at least two fitted years and one test year")
    rows = []
    last = fit[fit.jaar == fit_until].set_index("leeftijdsgroep")["rate"]
    slopes = {}
    for band, g in fit.groupby("leeftijdsgroep"):
        b, a = np.polyfit(g["jaar"], np.log(g["rate"]), 1)
        slopes[band] = (a, b)
    for y, g in test.groupby("jaar"):
        g = g.set_index("leeftijdsgroep")
        actual = g["clienten"].sum()
        pred_last = float((last.reindex(g.index) * g["inwoners"]).sum())
        pred_trend = float(sum(np.exp(slopes[bd][0] + slopes[bd][1] * y) * g.loc[bd, "inwoners"] for bd in g.index))
        for method, pred in (("laatste_jaar", pred_last), ("trend", pred_trend)):
            rows.append(
                {
                    "jaar": int(y),
                    "methode": method,
                    "voorspeld": pred,
                    "werkelijk": float(actual),
                    "fout": pred - actual,
                    "fout_pct": (pred - actual) / actual,
                }
            )
    f = pd.DataFrame(rows)
    mape = f.groupby("methode")["fout_pct"].apply(lambda s: float(np.mean(np.abs(s)))).to_dict()
    return BacktestResult(f, mape)
