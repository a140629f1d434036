"""Survival analysis for any time-to-event table: Kaplan-Meier curves with pointwise and simultaneous confidence
bands, and the Cox proportional-hazards model with its proportional-hazards check.

- ``kaplan_meier``: the product-limit estimate per group (statsmodels ``SurvfuncRight``), a pointwise log-log
  interval (Kalbfleisch & Prentice; R's ``conf.type = "log-log"``) and a Hall-Wellner simultaneous band. Every curve
  starts at S(0) = 1 with no uncertainty. The Hall-Wellner band is defined on a range [t_L, t_U] away from the origin
  (statsmodels returns a degenerate 0-1 band before the first few events); it starts at the ``band_from_event``-th
  event time, as is usual (e.g. R's km.ci), and is missing before, rather than drawn down to 0.
- ``cox``: statsmodels ``PHReg`` with any covariate columns, ties 'efron' (R's default) or 'breslow', and strata.
  The result carries the Grambsch & Therneau (1994) test of proportional hazards on the scaled Schoenfeld residuals,
  per covariate and globally, with the time transform of R's ``cox.zph`` before survival 3.0 (default 'km': one
  minus the left-continuous Kaplan-Meier estimate; 'rank' and 'identity' too), as lifelines'
  ``proportional_hazard_test`` computes it.

Reproduced in ``tests/test_survival.py``: the Rossi et al. (1980) recidivism model of Allison (1995) and Fox (2002),
coefficients and standard errors to five decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.results import ResultDisplay

TIES = ("efron", "breslow")
PH_TRANSFORMS = ("km", "rank", "identity")


def _need(data: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(f"columns {missing} not in the data; available: {sorted(map(str, data.columns))}")


def _durations(data: pd.DataFrame, time: str, event: str) -> tuple[np.ndarray, np.ndarray]:
    t = pd.to_numeric(data[time], errors="coerce")
    if t.isna().any():
        raise ValueError(f"{time!r}: {int(t.isna().sum())} missing or non-numeric duration(s)")
    if (t < 0).any():
        raise ValueError(f"{time!r}: durations must be >= 0")
    e = data[event]
    if not (pd.api.types.is_bool_dtype(e) or set(pd.unique(e.dropna())) <= {0, 1}) or e.isna().any():
        raise ValueError(f"{event!r} must be 0/1 or True/False (1 = the event happened, 0 = censored)")
    return t.to_numpy(float), e.astype(int).to_numpy()


@dataclass(frozen=True)
class KaplanMeierResult(ResultDisplay):
    """Kaplan-Meier curves: ``table`` has one row per group and time (from time 0 with survival 1): group, time,
    survival, ci_lower, ci_upper (pointwise, log-log), band_lower, band_upper (Hall-Wellner 95%, missing before the
    ``band_from_event``-th event and at other levels), at_risk, events."""

    table: pd.DataFrame
    n: dict
    events: dict
    level: float
    band_from_event: int

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def at(self, t: float) -> dict:
        """S(t) per group (the step function, right-continuous)."""
        out = {}
        for g, grp in self.table.groupby("group", sort=False):
            idx = np.searchsorted(grp.time.to_numpy(), t, side="right") - 1
            out[g] = float(grp.survival.iloc[idx]) if idx >= 0 else 1.0
        return out


def kaplan_meier(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str | None = None,
    level: float = 0.95,
    band_from_event: int = 5,
) -> KaplanMeierResult:
    """Kaplan-Meier curves per ``group`` (or one curve) with a pointwise log-log interval and a Hall-Wellner band.

    The product-limit estimate of statsmodels ``SurvfuncRight``; the pointwise interval on the log-log scale
    (Kalbfleisch & Prentice; R's ``conf.type = "log-log"``); the Hall-Wellner simultaneous band with the
    arcsine-square-root transform, from the ``band_from_event``-th event time on (as R's km.ci) and missing before.
    Every curve starts at S(0) = 1 with no uncertainty.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per individual.
    time : str
        Column with the duration (numeric, >= 0).
    event : str
        Column with 1/True if the event happened, 0/False if censored.
    group : str, optional
        Column whose values each get a curve; default one curve, group 'all'.
    level : float, default 0.95
        Confidence level of the pointwise interval (the Hall-Wellner band is computed at 0.95 only).
    band_from_event : int, default 5
        The band starts at this event time (counted in events per group).

    Returns
    -------
    KaplanMeierResult
        ``table`` (``to_frame()``) with one row per group and time from time 0: group, time, survival, ci_lower,
        ci_upper, band_lower, band_upper, at_risk, events; ``n`` and ``events`` per group; ``at(t)`` gives S(t)
        per group.

    Raises
    ------
    KeyError
        If ``time``, ``event`` or ``group`` is not a column of ``data``.
    ValueError
        If ``level`` is not between 0 and 1; a duration is missing, not numeric or negative; or ``event`` is not
        0/1 or True/False.

    Examples
    --------
    Time to admission of 200 clients, hazard halved in the pilot group, censored at random (simulated):

    >>> rng = np.random.default_rng(1)
    >>> pilot = np.repeat([1, 0], 100)
    >>> t = rng.exponential(1 / (0.05 * np.exp(-0.7 * pilot)))
    >>> c = rng.uniform(0, 40, 200)
    >>> d = pd.DataFrame({"maanden": np.minimum(t, c), "opname": (t <= c).astype(int),
    ...                   "groep": np.where(pilot == 1, "pilot", "regulier")})
    >>> km = kaplan_meier(d, time="maanden", event="opname", group="groep")
    >>> {g: round(s, 2) for g, s in km.at(12).items()}
    {'pilot': 0.75, 'regulier': 0.67}
    >>> km.n, km.events
    ({'pilot': 100, 'regulier': 100}, {'pilot': 35, 'regulier': 50})
    """
    import statsmodels.api as sm

    _need(data, [time, event] + ([group] if group else []))
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    z = stats.norm.ppf(0.5 + level / 2)
    groups = data.groupby(group, sort=True) if group else [("all", data)]
    rows, n, ev = [], {}, {}
    for g, grp in groups:
        t_all, e_all = _durations(grp, time, event)
        sf = sm.SurvfuncRight(t_all, e_all)
        t, p, se = sf.surv_times, sf.surv_prob, sf.surv_prob_se
        with np.errstate(divide="ignore", invalid="ignore"):  # log-log pointwise interval; S = 0 or 1 has none
            se_ll = se / (p * np.abs(np.log(p)))
            c_lo = np.where((p > 0) & (p < 1), p ** np.exp(z * se_ll), p)
            c_hi = np.where((p > 0) & (p < 1), p ** np.exp(-z * se_ll), p)
        if len(t) and np.isclose(level, 0.95):  # statsmodels offers the Hall-Wellner band at 95% only
            # arcsine-square-root transform: with the default log transform the band is degenerate (down to 0) in the
            # first weeks, where S(t) is close to 1; the arcsine band stays inside [0, 1] and around the curve there
            lo, hi = sf.simultaneous_cb(alpha=0.05, method="hw", transform="arcsin")
            ev_times = np.sort(t_all[e_all == 1])
            t_l = ev_times[min(band_from_event - 1, len(ev_times) - 1)] if len(ev_times) else np.inf
            early = t < t_l
            lo, hi = np.where(early, np.nan, lo), np.where(early, np.nan, hi)
        else:
            lo = hi = np.full(len(t), np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "group": g,
                    "time": np.r_[0.0, t],
                    "survival": np.r_[1.0, p],
                    "ci_lower": np.r_[1.0, c_lo],
                    "ci_upper": np.r_[1.0, c_hi],
                    "band_lower": np.r_[np.nan, lo],
                    "band_upper": np.r_[np.nan, hi],
                    "at_risk": np.r_[len(t_all), sf.n_risk],
                    "events": np.r_[0, sf.n_events].astype(int),
                }
            )
        )
        n[g], ev[g] = len(t_all), int(e_all.sum())
    return KaplanMeierResult(pd.concat(rows, ignore_index=True), n, ev, level, band_from_event)


@dataclass(frozen=True)
class CoxResult(ResultDisplay):
    """Cox proportional-hazards model: ``coefficients`` (term, estimate = log hazard ratio, std_error, ci_lower,
    ci_upper, p_value, hr, hr_lower, hr_upper); ``ph_test``: the proportional-hazards test per covariate and
    'GLOBAL' (term, rho, statistic, df, p_value; a small p-value means the hazard ratio changes over time)."""

    coefficients: pd.DataFrame
    ph_test: pd.DataFrame
    n: int
    events: int
    ties: str
    strata: str | None
    ph_transform: str
    log_likelihood: float
    level: float = 0.95
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients[["term", "estimate", "std_error", "ci_lower", "ci_upper", "p_value"]]

    def hazard_ratio(self, term: str) -> tuple[float, float, float]:
        r = self.coefficients.set_index("term").loc[term]
        return float(r.hr), float(r.hr_lower), float(r.hr_upper)

    def summary(self) -> str:
        lines = [
            f"Cox proportional hazards: n {self.n}, events {self.events}, ties {self.ties}"
            + (f", stratified by {self.strata}" if self.strata else ""),
            self.coefficients.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
            f"  proportional-hazards test (scaled Schoenfeld residuals, {self.ph_transform} time transform):",
            self.ph_test.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
        ]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.summary())}</pre>"


def _transform(times: np.ndarray, status: np.ndarray, event_times: np.ndarray, how: str) -> np.ndarray:
    if how == "identity":
        return event_times.astype(float)
    if how == "rank":
        return stats.rankdata(event_times)
    # 'km': 1 - the left-continuous KM estimate at each event time (R survival 2.x cox.zph default)
    import statsmodels.api as sm

    sf = sm.SurvfuncRight(times, status)
    idx = np.searchsorted(sf.surv_times, event_times, side="left") - 1
    s_left = np.where(idx >= 0, sf.surv_prob[np.clip(idx, 0, None)], 1.0)
    return 1 - s_left


def cox(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    covariates: list[str] | tuple[str, ...],
    strata: str | None = None,
    ties: str = "efron",
    level: float = 0.95,
    ph_transform: str = "km",
) -> CoxResult:
    """Cox proportional-hazards model with the Grambsch & Therneau test of proportional hazards.

    statsmodels ``PHReg`` with ties 'efron' (R's default) or 'breslow' and optional strata. The proportional-hazards
    test (Grambsch & Therneau 1994) is on the scaled Schoenfeld residuals, per covariate and globally, with the time
    transform of R's ``cox.zph`` before survival 3.0, as lifelines' ``proportional_hazard_test`` computes it.
    ``tests/test_survival.py`` reproduces the Rossi et al. (1980) recidivism model of Allison (1995) and Fox
    (2002), coefficients and standard errors to five decimals.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per individual.
    time : str
        Column with the duration (numeric, >= 0).
    event : str
        Column with 1/True if the event happened, 0/False if censored.
    covariates : list or tuple of str
        Numeric covariate columns (bool columns become 0/1; encode categories first, e.g. with
        ``pd.get_dummies``); no missing values.
    strata : str, optional
        Column whose values each get their own baseline hazard.
    ties : {'efron', 'breslow'}, default 'efron'
        Handling of tied event times.
    level : float, default 0.95
        Confidence level of the intervals.
    ph_transform : {'km', 'rank', 'identity'}, default 'km'
        Time transform of the proportional-hazards test: 'km' is one minus the left-continuous Kaplan-Meier
        estimate (R's cox.zph default before survival 3.0).

    Returns
    -------
    CoxResult
        ``coefficients`` (term, estimate = log hazard ratio, std_error, ci_lower, ci_upper, p_value, hr, hr_lower,
        hr_upper; ``to_frame()`` the first six, ``hazard_ratio(term)`` the last three); ``ph_test`` (term per
        covariate and 'GLOBAL', rho, statistic, df, p_value: a small p-value means the hazard ratio changes over
        time); ``n``, ``events``, ``log_likelihood`` and ``notes`` (e.g. on tied event times with Efron ties).

    Raises
    ------
    KeyError
        If a named column is not in ``data``.
    ValueError
        If ``covariates`` is empty; ``ties`` or ``ph_transform`` is not one of the choices; a covariate is not
        numeric or bool, or has missing values; a duration is missing, non-numeric or negative; ``event`` is not
        0/1 or True/False; or there are no events.

    Examples
    --------
    Time to admission of 200 clients, hazard ratio exp(-0.7) = 0.50 in the pilot group (simulated):

    >>> rng = np.random.default_rng(1)
    >>> pilot = np.repeat([1, 0], 100)
    >>> t = rng.exponential(1 / (0.05 * np.exp(-0.7 * pilot)))
    >>> c = rng.uniform(0, 40, 200)
    >>> d = pd.DataFrame({"maanden": np.minimum(t, c), "opname": (t <= c).astype(int), "pilot": pilot,
    ...                   "leeftijd": rng.normal(80, 5, 200)})
    >>> r = cox(d, time="maanden", event="opname", covariates=["pilot", "leeftijd"])
    >>> hr, lo, hi = r.hazard_ratio("pilot")
    >>> round(hr, 2), bool(lo < 0.5 < hi)
    (0.67, True)
    >>> r.ph_test.term.tolist(), r.events
    (['pilot', 'leeftijd', 'GLOBAL'], 85)
    """
    from statsmodels.duration.hazard_regression import PHReg

    covariates = list(covariates)
    if not covariates:
        raise ValueError("covariates must name at least one column")
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}")
    if ph_transform not in PH_TRANSFORMS:
        raise ValueError(f"ph_transform must be one of {PH_TRANSFORMS}")
    _need(data, [time, event, *covariates] + ([strata] if strata else []))
    X = data[covariates].copy()
    for c in covariates:
        if pd.api.types.is_bool_dtype(X[c]):
            X[c] = X[c].astype(float)
        elif not pd.api.types.is_numeric_dtype(X[c]):
            raise ValueError(f"covariate {c!r} is not numeric ({X[c].dtype}); encode it first, e.g. pd.get_dummies")
    bad = X.isna().any(axis=1)
    if bad.any():
        raise ValueError(f"{int(bad.sum())} row(s) with missing covariates ({', '.join(X.columns[X.isna().any()])}); "
                         "drop or impute them first")  # fmt: skip
    t, e = _durations(data, time, event)
    if e.sum() == 0:
        raise ValueError("no events: a Cox model needs at least one")
    st = data[strata].to_numpy() if strata else None
    model = PHReg(t, X.to_numpy(float), status=e, strata=st, ties=ties)
    res = model.fit()
    b, se = np.asarray(res.params), np.asarray(res.bse)
    z = stats.norm.ppf(0.5 + level / 2)
    coef = pd.DataFrame(
        {
            "term": covariates,
            "estimate": b,
            "std_error": se,
            "ci_lower": b - z * se,
            "ci_upper": b + z * se,
            "p_value": np.asarray(res.pvalues),
        }
    )
    coef["hr"], coef["hr_lower"], coef["hr_upper"] = np.exp(coef.estimate), np.exp(coef.ci_lower), np.exp(coef.ci_upper)
    # Grambsch & Therneau (1994) on the Schoenfeld residuals of the event rows (censored rows have none)
    sres = np.asarray(res.schoenfeld_residuals)
    rows_ev = ~np.isnan(sres).any(axis=1)
    r = sres[rows_ev]
    d = len(r)
    V = np.asarray(res.cov_params())
    g = _transform(t, e, t[rows_ev], ph_transform)
    xx = g - g.mean()
    scaled = d * r @ V
    test = xx @ scaled
    with np.errstate(invalid="ignore", divide="ignore"):
        z_j = test**2 / (np.diag(V) * d * np.sum(xx**2))
        rho = [float(np.corrcoef(xx, scaled[:, j])[0, 1]) if np.std(scaled[:, j]) > 0 else np.nan
               for j in range(len(covariates))]  # fmt: skip
    u = xx @ r
    z_g = float(u @ V @ u * d / np.sum(xx**2))
    ph = pd.DataFrame(
        {
            "term": [*covariates, "GLOBAL"],
            "rho": [*rho, np.nan],
            "statistic": [*z_j, z_g],
            "df": [1] * len(covariates) + [len(covariates)],
            "p_value": [*stats.chi2.sf(z_j, 1), stats.chi2.sf(z_g, len(covariates))],
        }
    )
    notes = ()
    if ties == "efron" and pd.Series(t[e == 1]).duplicated().any():
        notes = ("tied event times: the Schoenfeld residuals are per event (Breslow form), so the PH test can differ "
                 "slightly from R's cox.zph with Efron ties",)  # fmt: skip
    return CoxResult(coef, ph, len(t), int(e.sum()), ties, strata, ph_transform, float(res.llf), level, notes)
