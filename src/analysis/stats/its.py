"""Interrupted time series (segmented regression) for counts, with the choices the standard tutorials use.

Model (Lopez Bernal, Cummins & Gasparrini 2017; Wagner et al. 2002):

    log E[y_t] = log(offset_t) + b0 + b1 t + b2 post_t [+ b3 post_t (t - t0)] [+ harmonic terms]

with t counted in periods from the first observation and t0 the last period before the interruption: time
since the interruption is 1 in the first period after it, as in the tutorial's code (``I(time - 36):smokban``,
ban from period 37). ``b2`` is then the level change at the interruption, ``b3`` the change in slope per period.
``model='step'`` leaves the slope change out (the tutorial's headline model). Families: ``poisson``,
``quasipoisson`` (the Poisson fit with standard errors scaled by the Pearson chi-square dispersion, as R's
glm(family = quasipoisson)) and ``negbin``. Standard errors: ``model`` (from the family) or ``hac``
(Newey-West, for autocorrelation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.results import ResultDisplay

Z975 = stats.norm.ppf(0.975)
FAMILIES = ("poisson", "quasipoisson", "negbin")


@dataclass(frozen=True)
class ITSResult(ResultDisplay):
    """Interrupted time series: rate ratios of the level and slope change.

    ``level_rr`` at the interruption, ``slope_rr_per_period`` and ``slope_rr_per_year`` (None for a
    step-only model). ``series``: period, observed, fitted, counterfactual (fitted without the interruption terms)."""

    coefficients: pd.DataFrame
    level_rr: float
    level_rr_ci: tuple[float, float]
    slope_rr_per_year: float | None
    slope_rr_ci: tuple[float, float] | None
    series: pd.DataFrame
    diagnostics: dict = field(default_factory=dict)
    family: str = "poisson"
    model: str = "step+slope"
    se: str = "hac"
    periods_per_year: int = 12
    slope_rr_per_period: float | None = None
    vcov: str = ""  # what the standard errors are, in words (the label summary() prints)

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients

    def summary(self) -> str:
        lines = [
            f"Interrupted time series: {self.model}, {self.vcov or f'{self.family}, {self.se} standard errors'}",
            f"  level change at the interruption: RR {self.level_rr:.3f} "
            f"({self.level_rr_ci[0]:.3f} to {self.level_rr_ci[1]:.3f})",
        ]
        if self.slope_rr_per_year is not None:
            lines.append(
                f"  slope change: RR {self.slope_rr_per_period:.4f} per period, {self.slope_rr_per_year:.3f} per year "
                f"({self.slope_rr_ci[0]:.3f} to {self.slope_rr_ci[1]:.3f})"
            )
        lines.append("  " + ", ".join(f"{k} {v:.3g}" for k, v in self.diagnostics.items()))
        return "\n".join(lines)


def _tidy(params, bse, pvalues, names) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "term": names,
            "estimate": [params[n] for n in names],
            "std_error": [bse[n] for n in names],
            "ci_lower": [params[n] - Z975 * bse[n] for n in names],
            "ci_upper": [params[n] + Z975 * bse[n] for n in names],
            "p_value": [pvalues[n] for n in names],
        }
    )


def its(
    data: pd.DataFrame,
    *,
    time: str,
    outcome: str,
    start,
    offset: str | None = None,
    season: str | None = None,
    harmonics: int = 0,
    season_length: int = 12,
    model: str = "step+slope",
    family: str = "poisson",
    se: str = "hac",
    hac_lags: int = 3,
    periods_per_year: int = 12,
) -> ITSResult:
    """Interrupted time series: segmented Poisson-type regression of counts on one row per period.

    Fits ``log E[y_t] = log(offset_t) + b0 + b1 t + b2 post_t [+ b3 post_t (t - t0)] [+ harmonic terms]`` (Lopez
    Bernal, Cummins & Gasparrini 2017; Wagner et al. 2002), with t counted in periods from the first observation
    and time since the interruption 1 in the first period after it. exp(b2) is the rate ratio of the level change
    at the interruption, exp(b3) that of the slope change per period. Coefficient names in the table: ``const``,
    ``tijd`` (b1), ``niveau`` (b2), ``helling`` (b3), ``sin<k>``/``cos<k>``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per period.
    time : str
        A datetime column (monthly; counted in months) or numbered periods.
    outcome : str
        Column with the counts (>= 0).
    start : date-like or number
        The first period after the interruption (a date for a datetime ``time``, else a period number).
    offset : str, optional
        Column with the population (> 0), entered as a log offset so the rate ratios are for rates.
    season : str, optional
        Column with the position in the season (e.g. month 1-12) for the harmonics; default the month of a
        datetime ``time``.
    harmonics : int, default 0
        Number of sine/cosine pairs for seasonality.
    season_length : int, default 12
        Periods per season cycle.
    model : {'step+slope', 'step'}, default 'step+slope'
        With or without the change in slope ('step' is the tutorial's headline model).
    family : {'poisson', 'quasipoisson', 'negbin'}, default 'poisson'
        'quasipoisson' is the Poisson fit with standard errors scaled by the Pearson chi-square dispersion (as R's
        ``glm(family = quasipoisson)``); 'negbin' the negative binomial with its dispersion estimated first.
    se : {'hac', 'model'}, default 'hac'
        Newey-West (HAC) standard errors, robust to autocorrelation and overdispersion (so identical for Poisson
        and quasi-Poisson), or the family's model-based ones.
    hac_lags : int, default 3
        Maximum lag of the Newey-West estimator.
    periods_per_year : int, default 12
        Used to express the slope change per year.

    Returns
    -------
    ITSResult
        ``coefficients`` (term, estimate on the log scale, std_error, ci_lower, ci_upper, p_value; ``to_frame()``),
        ``level_rr`` and ``level_rr_ci`` (95%), ``slope_rr_per_period``, ``slope_rr_per_year`` and ``slope_rr_ci``
        (per year; None for ``model='step'``), ``series`` (periode, waargenomen, model = fitted,
        zonder_onderbreking = fitted without the interruption terms after it), ``diagnostics`` (dispersion,
        Durbin-Watson, Ljung-Box p-value, n_periods, n_pre) and ``vcov`` (the standard errors in words).

    Raises
    ------
    KeyError
        If a named column is not in ``data`` (with the closest column names).
    ValueError
        If ``model``, ``family`` or ``se`` is not one of the choices; there is more than one row per period;
        a count is negative or an offset not positive; the series has no periods before or after ``start``; a
        slope change is asked with fewer than two periods after it; or ``harmonics`` are asked without a season
        column or datetime ``time``.

    Examples
    --------
    Four years of monthly counts with a 20% drop in level from January 2021 (simulated):

    >>> rng = np.random.default_rng(1)
    >>> maand = pd.date_range("2019-01-01", periods=48, freq="MS")
    >>> mu = 200 * np.exp(0.005 * np.arange(48)) * np.where(maand >= "2021-01-01", 0.8, 1.0)
    >>> df = pd.DataFrame({"maand": maand, "aanvragen": rng.poisson(mu)})
    >>> r = its(df, time="maand", outcome="aanvragen", start="2021-01-01", model="step")
    >>> round(r.level_rr, 2), r.slope_rr_per_year, r.to_frame().term.tolist()
    (0.83, None, ['const', 'tijd', 'niveau'])
    >>> bool(r.level_rr_ci[0] < 0.8 < r.level_rr_ci[1]), r.series.shape
    (True, (48, 4))
    """
    import statsmodels.api as sm
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.stats.stattools import durbin_watson

    if model not in ("step", "step+slope"):
        raise ValueError("model must be 'step' or 'step+slope'")
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}")
    if se not in ("model", "hac"):
        raise ValueError("se must be 'model' or 'hac'")
    need = [time, outcome] + ([offset] if offset else []) + ([season] if season else [])
    missing = [c for c in need if c not in data.columns]
    if missing:
        from analysis.data.names import unknown_names

        raise KeyError(unknown_names("column", missing, data.columns))
    df = data.sort_values(time).reset_index(drop=True)
    if df[time].duplicated().any():
        raise ValueError("one row per period expected; aggregate first")
    if (df[outcome] < 0).any() or (offset and (df[offset] <= 0).any()):
        raise ValueError("counts must be >= 0 and the offset > 0")
    is_date = pd.api.types.is_datetime64_any_dtype(df[time])
    if is_date:
        per = pd.to_datetime(df[time]).dt.to_period("M")
        t = (per - per.iloc[0]).apply(lambda x: x.n).to_numpy(float)
        s = pd.Timestamp(start).to_period("M")
        t0 = float((s - per.iloc[0]).n)
        post = (per >= s).to_numpy(float)
        seas = pd.to_datetime(df[time]).dt.month.to_numpy(float) if season is None else df[season].to_numpy(float)
    else:
        t = df[time].to_numpy(float) - float(df[time].iloc[0])
        t0 = float(start) - float(df[time].iloc[0])
        post = (df[time].to_numpy(float) >= float(start)).astype(float)
        seas = df[season].to_numpy(float) if season else None
    if not (0 < post.sum() < len(df)):
        raise ValueError(f"the series must have periods before and after {start}")
    if post.sum() < 2 and model == "step+slope":
        raise ValueError("a slope change needs at least two periods after the interruption")
    X = pd.DataFrame({"const": 1.0, "tijd": t, "niveau": post}, index=df.index)
    if model == "step+slope":
        X["helling"] = post * (t - (t0 - 1))  # 1 in the first period after the interruption
    if harmonics:
        if seas is None:
            raise ValueError("harmonics need a season column (or a datetime time column)")
        for k in range(1, harmonics + 1):
            X[f"sin{k}"] = np.sin(2 * np.pi * k * seas / season_length)
            X[f"cos{k}"] = np.cos(2 * np.pi * k * seas / season_length)
    y = df[outcome].astype(float)
    off = np.log(df[offset].astype(float)) if offset else None
    fam = sm.families.Poisson()
    if family == "negbin":
        nb = sm.NegativeBinomial(y, X, offset=off).fit(disp=0, maxiter=200)
        fam = sm.families.NegativeBinomial(alpha=float(nb.params["alpha"]))
    glm = sm.GLM(y, X, family=fam, offset=off)
    if se == "hac":
        # The Newey-West sandwich estimates the variance of the scores directly, so it is already robust to
        # overdispersion: a quasi-Poisson dispersion cancels out of it. quasipoisson + hac is therefore the Poisson
        # fit with HAC standard errors, and is labelled so (not as a separate quasi-Poisson HAC estimator).
        res = glm.fit(cov_type="HAC", cov_kwds={"maxlags": hac_lags})
    else:
        res = glm.fit(scale="X2") if family == "quasipoisson" else glm.fit()
    names = list(X.columns)
    coef = _tidy(res.params, res.bse, res.pvalues, names)
    lvl, lse = res.params["niveau"], res.bse["niveau"]
    cf = X.copy()
    cf["niveau"] = 0.0
    if "helling" in cf:
        cf["helling"] = 0.0
    fitted = res.predict(X, offset=off)
    counterfactual = res.predict(cf, offset=off)
    pearson = res.resid_pearson
    lags = min(12, max(1, len(df) // 5))
    diag = {
        "dispersion": float(res.pearson_chi2 / res.df_resid),
        "durbin_watson": float(durbin_watson(pearson)),
        f"ljung_box_p_lag{lags}": float(acorr_ljungbox(pearson, lags=[lags], return_df=True)["lb_pvalue"].iloc[0]),
        "n_periods": len(df),
        "n_pre": int((post == 0).sum()),
    }
    slope_pp = slope_py = slope_ci = None
    if "helling" in X:
        b, sb = res.params["helling"], res.bse["helling"]
        slope_pp = float(np.exp(b))
        slope_py = float(np.exp(b * periods_per_year))
        slope_ci = (
            float(np.exp((b - Z975 * sb) * periods_per_year)),
            float(np.exp((b + Z975 * sb) * periods_per_year)),
        )
    series = pd.DataFrame(
        {
            "periode": df[time],
            "waargenomen": y,
            "model": fitted,
            "zonder_onderbreking": np.where(post == 1, counterfactual, np.nan),
        }
    )
    fam_label = {"poisson": "Poisson", "quasipoisson": "quasi-Poisson", "negbin": "negative binomial"}[family]
    if se == "hac":
        vcov = (
            f"{'Poisson' if family == 'quasipoisson' else fam_label} fit, Newey-West (HAC, {hac_lags} lags) standard "
            "errors" + (" (robust to overdispersion: identical for Poisson and quasi-Poisson)"
                        if family in ("poisson", "quasipoisson") else "")
        )  # fmt: skip
    else:
        vcov = {
            "poisson": "Poisson fit, model-based standard errors",
            "quasipoisson": "quasi-Poisson: Poisson fit, standard errors scaled by the Pearson dispersion",
            "negbin": "negative binomial fit, model-based standard errors",
        }[family]
    return ITSResult(
        coef,
        float(np.exp(lvl)),
        (float(np.exp(lvl - Z975 * lse)), float(np.exp(lvl + Z975 * lse))),
        slope_py,
        slope_ci,
        series,
        diag,
        family,
        model,
        se,
        periods_per_year,
        slope_pp,
        vcov,
    )
