"""Herstelgerichte hulp: time from application (start of the 14-week training) to maatwerk HH.

Kaplan-Meier curves per group with pointwise and simultaneous (Hall-Wellner type) confidence bands, censored at
the end of the data; a Cox model with age and household type gives the hazard ratio. A thin caller of the general
``analysis.stats.survival`` (``kaplan_meier``, ``cox``), which researchers can use on their own columns.
On synthetic data the ratio
is the assumption S09 fed into the generator, not a finding.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.results import ResultDisplay


@dataclass(frozen=True)
class HerstelResult(ResultDisplay):
    """Kaplan-Meier curves with bands per group, the Cox model, counts and the share still without maatwerk-HH at
    12 months."""

    km: pd.DataFrame  # groep, maanden, overleving, ci_lower, ci_upper, band_lower, band_upper
    cox: pd.DataFrame  # tidy: term, estimate (log HR), std_error, ci_lower, ci_upper, p_value, hr, hr_lower, hr_upper
    n: dict
    events: dict
    at_12_months: dict  # groep -> share without maatwerk HH at 12 months
    ph_test: pd.DataFrame | None = None  # proportional-hazards test of the Cox model (analysis.stats.survival)

    def to_frame(self) -> pd.DataFrame:
        return self.cox

    @property
    def hazard_ratio(self) -> tuple[float, float, float]:
        r = self.cox.set_index("term").loc["herstelgericht"]
        return float(r.hr), float(r.hr_lower), float(r.hr_upper)


def herstel_analysis(episodes: pd.DataFrame) -> HerstelResult:
    """Time from application to maatwerk-HH with and without herstelgerichte hulp.

    Kaplan-Meier per group with pointwise intervals and a simultaneous Hall-Wellner band (from the fifth event),
    censored at the end of the data, and a Cox model (Efron ties) with the group, age (per 10 years from 75) and
    living alone as covariates, via the general ``analysis.stats.survival`` functions (this wrapper only names the
    columns and builds the covariates). On synthetic data the hazard ratio is the assumption S09 fed into the
    generator, not a finding.

    Parameters
    ----------
    episodes : pandas.DataFrame
        One row per application: ``groep`` (``herstelgericht`` or another group, e.g. ``direct``), ``maanden``
        (months to maatwerk-HH or to censoring, >= 0), ``hh_gestart`` (True when maatwerk-HH started), ``leeftijd``
        (years) and ``huishouden`` (``alleenstaand`` or other).

    Returns
    -------
    HerstelResult
        ``km`` (groep, maanden, overleving, ci_lower, ci_upper, band_lower, band_upper), ``cox`` (term, estimate =
        log hazard ratio, std_error, ci_lower, ci_upper, p_value, hr, hr_lower, hr_upper), ``n`` and ``events`` per
        group, ``at_12_months`` (share still without maatwerk-HH at 12 months per group), ``ph_test`` and the
        ``hazard_ratio`` of herstelgericht with its 95% interval.

    Raises
    ------
    KeyError
        If ``episodes`` lacks one of the columns above.
    ValueError
        If a duration is negative (or from ``analysis.stats.survival`` when the data cannot be fitted).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> g = rng.random(400) < 0.4
    >>> t = rng.exponential(1 / (0.06 * np.where(g, 0.6, 1.0)))  # hazard ratio 0.6 for herstelgericht
    >>> e = pd.DataFrame({"groep": np.where(g, "herstelgericht", "direct"), "maanden": np.minimum(t, 24),
    ...                   "hh_gestart": t <= 24, "leeftijd": rng.integers(65, 95, 400),
    ...                   "huishouden": np.where(rng.random(400) < 0.6, "alleenstaand", "samen")})
    >>> hr, lo, hi = herstel_analysis(e).hazard_ratio
    >>> bool(lo < 0.6 < hi)
    True
    """
    from analysis.stats import survival

    need = {"groep", "maanden", "hh_gestart", "leeftijd", "huishouden"}
    if need - set(episodes.columns):
        raise KeyError(f"episodes need columns {sorted(need)}")
    if (episodes["maanden"] < 0).any():
        raise ValueError("durations must be >= 0")
    km = survival.kaplan_meier(episodes, time="maanden", event="hh_gestart", group="groep")
    table = km.table.rename(columns={"group": "groep", "time": "maanden", "survival": "overleving"})[
        ["groep", "maanden", "overleving", "ci_lower", "ci_upper", "band_lower", "band_upper"]
    ]
    X = pd.DataFrame(
        {
            "maanden": episodes["maanden"].to_numpy(float),
            "hh_gestart": episodes["hh_gestart"].astype(int).to_numpy(),
            "herstelgericht": (episodes["groep"] == "herstelgericht").astype(float).to_numpy(),
            "leeftijd_per_10": ((episodes["leeftijd"] - 75) / 10).to_numpy(float),
            "alleenstaand": (episodes["huishouden"] == "alleenstaand").astype(float).to_numpy(),
        }
    )
    model = survival.cox(X, time="maanden", event="hh_gestart", covariates=["herstelgericht", "leeftijd_per_10",
                                                                           "alleenstaand"], ties="efron")  # fmt: skip
    return HerstelResult(table, model.coefficients.reset_index(drop=True), km.n, km.events, km.at(12), model.ph_test)
