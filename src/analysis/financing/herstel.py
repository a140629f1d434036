"""Herstelgerichte hulp: time from application (start of the 14-week training) to maatwerk HH.

Kaplan-Meier curves per group with pointwise and simultaneous (Hall-Wellner type) confidence bands, censored at
the end of the data; a Cox model with age and household type gives the hazard ratio. On synthetic data the ratio
is the assumption S09 fed into the generator, not a finding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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

    def to_frame(self) -> pd.DataFrame:
        return self.cox

    @property
    def hazard_ratio(self) -> tuple[float, float, float]:
        r = self.cox.set_index("term").loc["herstelgericht"]
        return float(r.hr), float(r.hr_lower), float(r.hr_upper)


def herstel_analysis(episodes: pd.DataFrame) -> HerstelResult:
    """Time from application to maatwerk-HH with and without herstelgerichte hulp: Kaplan-Meier per group
    (Hall-Wellner band from the fifth event) and a Cox model adjusted for age and household."""
    import statsmodels.api as sm
    from statsmodels.duration.hazard_regression import PHReg

    need = {"groep", "maanden", "hh_gestart", "leeftijd", "huishouden"}
    if need - set(episodes.columns):
        raise KeyError(f"episodes need columns {sorted(need)}")
    if (episodes["maanden"] < 0).any():
        raise ValueError("durations must be >= 0")
    km_rows, n, ev, at12 = [], {}, {}, {}
    for g, grp in episodes.groupby("groep"):
        sf = sm.SurvfuncRight(grp["maanden"].to_numpy(), grp["hh_gestart"].astype(int).to_numpy())
        # arcsine-square-root transform: with the default log transform the band is degenerate (down to 0) for the
        # first weeks, where S(t) is close to 1; the arcsine band stays inside [0, 1] and around the curve there
        lo, hi = sf.simultaneous_cb(alpha=0.05, method="hw", transform="arcsin")
        # Hall-Wellner bands are defined on a time range [t_L, t_U] away from the origin; statsmodels returns a
        # degenerate 0-1 band before the first few events. The band starts at the fifth event time (as is usual,
        # e.g. R's km.ci), before that it is left out rather than drawn down to 0.
        ev_times = np.sort(grp.loc[grp["hh_gestart"].astype(bool), "maanden"].to_numpy())
        t_l = ev_times[min(4, len(ev_times) - 1)] if len(ev_times) else np.inf
        early = sf.surv_times < t_l
        lo, hi = np.where(early, np.nan, lo), np.where(early, np.nan, hi)
        ci = sf.surv_prob_se
        t = sf.surv_times
        p = sf.surv_prob
        with np.errstate(divide="ignore", invalid="ignore"):  # log-log pointwise interval
            se_ll = ci / (p * np.abs(np.log(p)))
            c_lo = p ** np.exp(1.96 * se_ll)
            c_hi = p ** np.exp(-1.96 * se_ll)
        # the curve starts at S(0) = 1 with no uncertainty: without this row a plotted band starts at the first
        # event time and a step plot drops from nothing
        km_rows.append(
            pd.DataFrame(
                {
                    "groep": g,
                    "maanden": np.r_[0.0, t],
                    "overleving": np.r_[1.0, p],
                    "ci_lower": np.r_[1.0, c_lo],
                    "ci_upper": np.r_[1.0, c_hi],
                    "band_lower": np.r_[np.nan, lo],
                    "band_upper": np.r_[np.nan, hi],
                }
            )
        )
        n[g], ev[g] = len(grp), int(grp["hh_gestart"].sum())
        idx = np.searchsorted(t, 12, side="right") - 1
        at12[g] = float(p[idx]) if idx >= 0 else 1.0
    X = pd.DataFrame(
        {
            "herstelgericht": (episodes["groep"] == "herstelgericht").astype(float),
            "leeftijd_per_10": (episodes["leeftijd"] - 75) / 10,
            "alleenstaand": (episodes["huishouden"] == "alleenstaand").astype(float),
        }
    )
    res = PHReg(
        episodes["maanden"].to_numpy(), X, status=episodes["hh_gestart"].astype(int).to_numpy(), ties="efron"
    ).fit()
    b, se = res.params, res.bse
    cox = pd.DataFrame(
        {
            "term": X.columns,
            "estimate": b,
            "std_error": se,
            "ci_lower": b - 1.96 * se,
            "ci_upper": b + 1.96 * se,
            "p_value": res.pvalues,
        }
    )
    cox["hr"], cox["hr_lower"], cox["hr_upper"] = np.exp(cox.estimate), np.exp(cox.ci_lower), np.exp(cox.ci_upper)
    return HerstelResult(pd.concat(km_rows, ignore_index=True), cox.reset_index(drop=True), n, ev, at12)
