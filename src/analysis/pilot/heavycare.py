"""Heavy care (zware zorg: out-of-home placement, escalation) and stacked indications (stapeling).

Placements are compared on one clock for both groups: time since the start of support, up to the peildatum. A count
'within 12 months' over families that started 3 and 11 months before the peildatum compares unequal follow-up; a
rate per family-year of follow-up (exact Poisson interval) and a Kaplan-Meier curve of the placement-free share do not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.results import ResultDisplay


@dataclass(frozen=True)
class HeavyCareResult(ResultDisplay):
    """Heavy care per group (placements, escalations), the difference in placement risk with its Newcombe
    interval and Fisher p, and stacking of indications before, during and after support."""

    per_group: pd.DataFrame  # groep, gezinnen, uithuisplaatsing, escalatie_gezinnen, escalaties
    risk_difference: float
    rd_ci: tuple[float, float]
    fisher_p: float
    stacking: pd.DataFrame  # groep, fase, gem_indicaties, gezinnen
    caveat: str
    followup: PlacementFollowUp | None = None  # placements per family-year and Kaplan-Meier, same clock for both

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "term": "verschil_kans_uithuisplaatsing",
                    "estimate": self.risk_difference,
                    "std_error": np.nan,
                    "ci_lower": self.rd_ci[0],
                    "ci_upper": self.rd_ci[1],
                    "p_value": self.fisher_p,
                }
            ]
        )


DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class PlacementFollowUp(ResultDisplay):
    """First out-of-home placements on one clock for both groups: months since the start of support, up to the
    peildatum (censored there) or the first placement.

    ``per_group``: groep, gezinnen, plaatsingen (first placements known by the peildatum), gezinsjaren (follow-up),
    per_gezinsjaar with an exact Poisson (Garwood) 95% interval (ci_lower, ci_upper), followup_mediaan_maanden and
    followup_max_maanden (where a curve ends),
    gevolgd_horizon (families whose start lies at least ``horizon_months`` before the peildatum: the only ones a
    'within 12 months' count could see whole) and zonder_plaatsing_horizon
    (Kaplan-Meier share without a placement at ``horizon_months``; NaN when nobody was followed that long).
    ``km``: groep, maanden, zonder_plaatsing, at_risk (a step curve from 1 at month 0).
    ``rate_ratio``: pilot over comparison rate, with an exact conditional (binomial) 95% interval and p-value."""

    per_group: pd.DataFrame
    km: pd.DataFrame
    rate_ratio: float
    rr_ci: tuple[float, float]
    rr_p: float
    horizon_months: int
    times: pd.DataFrame | None = None  # per family (no id): groep, maanden (follow-up), geplaatst

    def at_risk(self, group: str, months: float) -> int:
        """Families of ``group`` still followed (and not placed) at ``months`` since their start."""
        t = self.times
        return int(((t["groep"] == group) & (t["maanden"] >= months)).sum()) if t is not None else 0

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {
                "term": f"plaatsingen_per_gezinsjaar_{r.groep}",
                "estimate": r.per_gezinsjaar,
                "std_error": np.nan,
                "ci_lower": r.ci_lower,
                "ci_upper": r.ci_upper,
                "p_value": np.nan,
            }
            for r in self.per_group.itertuples()
        ]
        rows.append(
            {
                "term": "rate_ratio_pilot_vergelijking",
                "estimate": self.rate_ratio,
                "std_error": np.nan,
                "ci_lower": self.rr_ci[0],
                "ci_upper": self.rr_ci[1],
                "p_value": self.rr_p,
            }
        )
        return pd.DataFrame(rows)

    def rate(self, group: str) -> float:
        pg = self.per_group.set_index("groep")
        return float(pg.loc[group, "per_gezinsjaar"]) if group in pg.index else np.nan


def _km(months: np.ndarray, event: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier placement-free share (statsmodels), as a step curve starting at 1 at month 0."""
    import statsmodels.api as sm

    if event.sum() == 0:  # statsmodels needs an event; without one the curve stays at 1
        return pd.DataFrame({"maanden": [0.0, float(months.max())], "zonder_plaatsing": [1.0, 1.0],
                             "at_risk": [len(months), int((months >= months.max()).sum())]})  # fmt: skip
    sf = sm.SurvfuncRight(months, event.astype(int))
    t, s = sf.surv_times, sf.surv_prob
    at_risk = np.array([(months >= x).sum() for x in t])
    return pd.DataFrame(
        {"maanden": np.r_[0.0, t], "zonder_plaatsing": np.r_[1.0, s], "at_risk": np.r_[len(months), at_risk]}
    )


def placement_followup(
    families: pd.DataFrame, events: pd.DataFrame, *, as_of: str, horizon_months: int = 12
) -> PlacementFollowUp:
    """Placements per family-year of follow-up and Kaplan-Meier curves for the pilot and the comparison group, both
    on the clock 'months since the start of support' and cut at the peildatum ``as_of``: a family that started two
    months before the peildatum adds two months of follow-up, not a year. Only the first placement of a family
    counts (after it the family is no longer at risk).

    Parameters
    ----------
    families : pandas.DataFrame
        Pilot and comparison families with their route and start date.
    events : pandas.DataFrame
        Placements and escalations with their date.
    as_of : str
        The peildatum (ISO date).
    horizon_months : int
        The months of follow-up a 'within' statement would need (the result says how many reached it).

    Returns
    -------
    PlacementFollowUp
        Placements per family-year per group with exact intervals, the rate ratio and Kaplan-Meier curves.

    Raises
    ------
    ValueError
        For a peildatum before every start.

    Examples
    --------
    >>> f = placement_followup(families, events, as_of="2022-11-01")  # doctest: +SKIP
    """
    from scipy.stats import binomtest

    from analysis.demand.rates import garwood_interval

    as_of_ts = pd.Timestamp(as_of)
    f = families[(families["start"] <= as_of_ts) & families["route"].isin(["gezinsverzorger", "regulier"])]
    f = f.assign(groep=np.where(f["route"] == "gezinsverzorger", "pilot", "vergelijking"))
    pl = events[(events["soort"] == "uithuisplaatsing") & (events["datum"] <= as_of_ts)]
    first = pl.groupby("gezin_id")["datum"].min()
    f = f.assign(eerste=f["gezin_id"].map(first))
    if (f["eerste"] < f["start"]).any():
        bad = f.loc[f["eerste"] < f["start"], "gezin_id"].iloc[0]
        raise ValueError(f"events: family {bad} has a placement before its start; expected placements after the start")
    end = f["eerste"].fillna(as_of_ts)
    f = f.assign(
        maanden=(end - f["start"]).dt.days / DAYS_PER_MONTH,
        geplaatst=f["eerste"].notna(),
    )
    rows, curves = [], []
    for g in ("pilot", "vergelijking"):
        grp = f[f["groep"] == g]
        if grp.empty:
            continue
        k, years = int(grp["geplaatst"].sum()), float(grp["maanden"].sum() / 12)
        lo, hi = garwood_interval([k])
        km = _km(grp["maanden"].to_numpy(float), grp["geplaatst"].to_numpy(bool)).assign(groep=g)
        curves.append(km)
        followed = (as_of_ts - grp["start"]).dt.days / DAYS_PER_MONTH >= horizon_months
        if (grp["maanden"] >= horizon_months).any():
            idx = np.searchsorted(km["maanden"].to_numpy(), horizon_months, side="right") - 1
            at_h = float(km["zonder_plaatsing"].iloc[idx])
        else:
            at_h = np.nan  # nobody followed that long: the curve says nothing about the horizon
        rows.append(
            {
                "groep": g,
                "gezinnen": len(grp),
                "plaatsingen": k,
                "gezinsjaren": years,
                "per_gezinsjaar": k / years if years > 0 else np.nan,
                "ci_lower": float(lo[0]) / years if years > 0 else np.nan,
                "ci_upper": float(hi[0]) / years if years > 0 else np.nan,
                "followup_mediaan_maanden": float(grp["maanden"].median()),
                "followup_max_maanden": float(grp["maanden"].max()),
                "gevolgd_horizon": int(followed.sum()),
                "zonder_plaatsing_horizon": at_h,
            }
        )
    per = pd.DataFrame(rows)
    rr, rr_ci, rr_p = np.nan, (np.nan, np.nan), np.nan
    if len(per) == 2 and (per["gezinsjaren"] > 0).all():
        (k1, e1), (k2, e2) = per[["plaatsingen", "gezinsjaren"]].to_numpy()
        k1, k2 = int(k1), int(k2)
        if k1 + k2 > 0:
            # exact conditional interval: given k1 + k2 placements, k1 ~ Binomial(k1 + k2, p), p = r e1 / (r e1 + e2)
            bt = binomtest(k1, k1 + k2, e1 / (e1 + e2))
            plo, phi = bt.proportion_ci(method="exact")
            odds = lambda q: q / (1 - q) if q < 1 else np.inf  # noqa: E731
            rr = (k1 / e1) / (k2 / e2) if k2 > 0 else np.inf
            rr_ci = (odds(plo) * e2 / e1, odds(phi) * e2 / e1)
            rr_p = float(bt.pvalue)
    km_all = pd.concat(curves, ignore_index=True)[["groep", "maanden", "zonder_plaatsing", "at_risk"]]
    times = f[["groep", "maanden", "geplaatst"]].reset_index(drop=True)
    return PlacementFollowUp(
        per, km_all, float(rr), tuple(float(x) for x in rr_ci), rr_p, int(horizon_months), times
    )


CAVEAT = (
    "De vergelijkingsgroep is niet gerandomiseerd: WIJ koos per gezin tussen gezinsverzorger, gezinscoach en "
    "reguliere hulp op basis van de ingeschatte zelfredzaamheid. Verschillen kunnen door die selectie komen "
    "en zijn geen bewijs van effect."
)


def heavy_care(
    families: pd.DataFrame,
    events: pd.DataFrame,
    indications: pd.DataFrame,
    *,
    as_of: str,
    window_days: int | None = None,
) -> HeavyCareResult:
    """Heavy care (zware zorg) per group: placements, escalations and stacked indications up to the peildatum.

    Families with a placement (uithuisplaatsing) or escalation known by ``as_of``, counted from their start up to
    the peildatum (the same clock as ``placement_followup``); ``window_days`` limits that to the first days after the
    start, which is only fair when every family was followed that long. The risk difference (Newcombe interval) and
    Fisher test compare shares over unequal follow-up: the report uses the rates per family-year in ``followup``
    instead. Stacking: the mean number of simultaneous indications per group and phase (before, during, after
    support). The comparison is not randomised (``caveat``).

    Parameters
    ----------
    families : pandas.DataFrame
        ``gezin_id``, ``route`` (``gezinsverzorger`` = pilot, ``regulier`` = comparison) and ``start``.
    events : pandas.DataFrame
        ``gezin_id``, ``soort`` (``uithuisplaatsing`` or ``escalatie``) and ``datum``.
    indications : pandas.DataFrame
        ``gezin_id``, ``fase`` and ``indicaties`` (number of simultaneous indications).
    as_of : str
        The peildatum.
    window_days : int, optional
        Count only events within this many days after the start.

    Returns
    -------
    HeavyCareResult
        ``per_group`` (groep, gezinnen, uithuisplaatsing, escalatie_gezinnen, escalaties), ``risk_difference``
        with ``rd_ci`` and ``fisher_p`` (NaN without both groups), ``stacking`` (groep, fase, gem_indicaties,
        gezinnen), ``caveat`` and ``followup`` (``placement_followup``).

    Raises
    ------
    KeyError
        If a table lacks one of the columns above.
    ValueError
        From ``placement_followup``, for a peildatum before every start.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"gezin_id": list("abcd"), "start": pd.to_datetime(["2022-01-01"] * 4),
    ...                   "route": ["gezinsverzorger", "gezinsverzorger", "regulier", "regulier"]})
    >>> ev = pd.DataFrame({"gezin_id": ["a", "c", "d"], "soort": "uithuisplaatsing",
    ...                    "datum": pd.to_datetime(["2022-03-01", "2022-05-01", "2023-06-01"])})
    >>> ind = pd.DataFrame({"gezin_id": list("abcd"), "fase": "voor", "indicaties": [3, 1, 2, 2]})
    >>> r = heavy_care(f, ev, ind, as_of="2022-12-31")
    >>> r.per_group[["groep", "gezinnen", "uithuisplaatsing"]].values.tolist(), r.risk_difference
    ([['pilot', 2, 1], ['vergelijking', 2, 1]], 0.0)
    """
    as_of_ts = pd.Timestamp(as_of)
    f = families[(families["start"] <= as_of_ts) & families["route"].isin(["gezinsverzorger", "regulier"])]
    f = f.assign(groep=np.where(f["route"] == "gezinsverzorger", "pilot", "vergelijking"))
    ev = events.merge(f[["gezin_id", "start", "groep"]], on="gezin_id")
    ev = ev[ev["datum"] <= as_of_ts]
    if window_days is not None:
        ev = ev[(ev["datum"] - ev["start"]).dt.days <= window_days]
    placed = set(ev.loc[ev.soort == "uithuisplaatsing", "gezin_id"])
    esc = ev[ev.soort == "escalatie"]
    rows = []
    for g, grp in f.groupby("groep"):
        rows.append(
            {
                "groep": g,
                "gezinnen": len(grp),
                "uithuisplaatsing": int(grp.gezin_id.isin(placed).sum()),
                "escalatie_gezinnen": int(grp.gezin_id.isin(set(esc.gezin_id)).sum()),
                "escalaties": int(esc.gezin_id.isin(grp.gezin_id).sum()),
            }
        )
    per = pd.DataFrame(rows)
    pg = per.set_index("groep")
    if (
        {"pilot", "vergelijking"} <= set(pg.index)
        and pg.loc["pilot", "gezinnen"]
        and pg.loc["vergelijking", "gezinnen"]
    ):
        a, n1 = int(pg.loc["pilot", "uithuisplaatsing"]), int(pg.loc["pilot", "gezinnen"])
        b, n2 = int(pg.loc["vergelijking", "uithuisplaatsing"]), int(pg.loc["vergelijking", "gezinnen"])
        from statsmodels.stats.proportion import confint_proportions_2indep

        rd = a / n1 - b / n2
        lo, hi = confint_proportions_2indep(a, n1, b, n2, method="newcomb", compare="diff")
        fisher = float(stats.fisher_exact([[a, n1 - a], [b, n2 - b]]).pvalue)
    else:
        rd, lo, hi, fisher = np.nan, np.nan, np.nan, np.nan
    ind = indications.merge(f[["gezin_id", "groep"]], on="gezin_id")
    stacking = (
        ind.groupby(["groep", "fase"], sort=False)
        .agg(gem_indicaties=("indicaties", "mean"), gezinnen=("gezin_id", "nunique"))
        .reset_index()
    )
    fu = placement_followup(families, events, as_of=as_of)
    return HeavyCareResult(per, float(rd), (float(lo), float(hi)), fisher, stacking, CAVEAT, fu)
