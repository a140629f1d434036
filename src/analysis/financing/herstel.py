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
    """Time from application to maatwerk-HH with and without herstelgerichte hulp: Kaplan-Meier per group
    (Hall-Wellner band from the fifth event) and a Cox model adjusted for age and household, via the general
    ``analysis.stats.survival`` functions (this wrapper only names the columns and builds the covariates)."""
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
