"""Effect of the abonnementstarief (flat Wmo contribution from 1-1-2019) on HH use, two designs.

1. ``tariff_effect_its``: interrupted time series on a monthly series (segmented Poisson / negative binomial GLM
   with a log-population offset, level and slope change at the start, optional Fourier seasonality, Newey-West
   HAC standard errors).
2. ``tariff_effect_did``: continuous difference-in-differences on the CBS gemeente x year panel: did HH use per
   1,000 inhabitants 65+ rise more after 2019 where incomes are higher (those gained most from the flat tariff)?
   Two-way fixed effects, standard errors clustered by gemeente, a placebo on 2017 -> 2018.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

TARIFF_START = "2019-01-01"
Z975 = stats.norm.ppf(0.975)


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


# ------------------------------------------------------------------------------------------------ ITS


@dataclass(frozen=True)
class ITSResult:
    """Segmented GLM fit. ``level_rr`` = rate ratio at the interruption (exp of the level change)."""

    coefficients: pd.DataFrame
    level_rr: float
    level_rr_ci: tuple[float, float]
    slope_rr_per_year: float
    slope_rr_ci: tuple[float, float]
    series: pd.DataFrame  # month, observed, fitted, counterfactual
    diagnostics: dict = field(default_factory=dict)
    family: str = "poisson"

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients


def _design(df: pd.DataFrame, start: pd.Timestamp, fourier: int) -> pd.DataFrame:
    months = pd.to_datetime(df["maand"])
    t = (months.dt.year - months.dt.year.min()) * 12 + months.dt.month - 1
    t0 = (start.year - months.dt.year.min()) * 12 + start.month - 1
    post = (months >= start).astype(float)
    X = pd.DataFrame(
        {"const": 1.0, "tijd": t / 12.0, "niveau": post, "helling": post * (t - t0) / 12.0}, index=df.index
    )
    for k in range(1, fourier + 1):
        X[f"sin{k}"] = np.sin(2 * np.pi * k * months.dt.month / 12)
        X[f"cos{k}"] = np.cos(2 * np.pi * k * months.dt.month / 12)
    return X


def tariff_effect_its(
    monthly: pd.DataFrame,
    *,
    outcome: str = "instroom",
    population: str = "inwoners",
    start: str = TARIFF_START,
    family: str = "poisson",
    fourier: int = 1,
    hac_lags: int = 3,
) -> ITSResult:
    """Fit log E[y_t] = log(pop_t) + b0 + b1 t + b2 post_t + b3 (t - t0) post_t [+ Fourier terms].

    ``monthly`` has one row per month with ``maand``, the outcome count and the population (e.g. 65+).
    """
    import statsmodels.api as sm

    need = {"maand", outcome, population}
    if need - set(monthly.columns):
        raise KeyError(f"monthly series needs columns {sorted(need)}")
    df = monthly.sort_values("maand").reset_index(drop=True)
    if df["maand"].duplicated().any():
        raise ValueError("one row per month expected; aggregate first")
    if (df[population] <= 0).any() or (df[outcome] < 0).any():
        raise ValueError("population must be > 0 and counts >= 0")
    s = pd.Timestamp(start)
    if not (df["maand"].min() < s <= df["maand"].max()):
        raise ValueError(f"the series must have months before and after {start}")
    X = _design(df, s, fourier)
    y = df[outcome].astype(float)
    offset = np.log(df[population].astype(float))
    fam = sm.families.Poisson()
    if family == "negbin":
        nb = sm.NegativeBinomial(y, X, offset=offset).fit(disp=0, maxiter=200)
        fam = sm.families.NegativeBinomial(alpha=float(nb.params["alpha"]))
    elif family != "poisson":
        raise ValueError("family must be 'poisson' or 'negbin'")
    res = sm.GLM(y, X, family=fam, offset=offset).fit(cov_type="HAC", cov_kwds={"maxlags": hac_lags})
    coef = _tidy(res.params, res.bse, res.pvalues, list(X.columns))
    cf_X = X.copy()
    cf_X[["niveau", "helling"]] = 0.0
    fitted = res.predict(X, offset=offset)
    counterfactual = res.predict(cf_X, offset=offset)
    pearson = res.resid_pearson
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.stats.stattools import durbin_watson

    lb = acorr_ljungbox(pearson, lags=[12], return_df=True)
    diag = {
        "dispersion": float(res.pearson_chi2 / res.df_resid),
        "durbin_watson": float(durbin_watson(pearson)),
        "ljung_box_p_lag12": float(lb["lb_pvalue"].iloc[0]),
        "n_months": len(df),
        "n_pre": int((df["maand"] < s).sum()),
        "aic": float(res.aic),
    }
    lvl, lse = res.params["niveau"], res.bse["niveau"]
    slp, sse = res.params["helling"], res.bse["helling"]
    series = pd.DataFrame(
        {
            "maand": df["maand"],
            "waargenomen": y,
            "model": fitted,
            "zonder_tarief": np.where(df["maand"] >= s, counterfactual, np.nan),
        }
    )
    return ITSResult(
        coef,
        float(np.exp(lvl)),
        (float(np.exp(lvl - Z975 * lse)), float(np.exp(lvl + Z975 * lse))),
        float(np.exp(slp)),
        (float(np.exp(slp - Z975 * sse)), float(np.exp(slp + Z975 * sse))),
        series,
        diag,
        family,
    )


def monthly_series(hh_monthly: pd.DataFrame, *, bands=("65-74", "75-84", "85+")) -> pd.DataFrame:
    """Sum the synthetic monthly table over areas and the chosen age bands."""
    d = hh_monthly[hh_monthly.leeftijdsgroep.isin(bands)]
    return d.groupby("maand", as_index=False)[["actief", "instroom", "uitstroom", "inwoners"]].sum()


# ------------------------------------------------------------------------------------------------ DiD


@dataclass(frozen=True)
class DiDResult:
    """Continuous DiD: ``estimate`` = extra change in HH per 1,000 65+ after 2019 per 1 unit of income
    (k EUR average income per inhabitant, CBS KWB), with gemeente-clustered SE; plus a placebo and event study."""

    coefficients: pd.DataFrame
    placebo: pd.DataFrame
    event_study: pd.DataFrame
    excluded: pd.DataFrame
    n_gemeenten: int
    n_obs: int
    income_sd: float
    mean_rate_pre: float

    def to_frame(self) -> pd.DataFrame:
        return pd.concat(
            [self.coefficients.assign(model="did"), self.placebo.assign(model="placebo_2018")], ignore_index=True
        )

    @property
    def effect_per_sd(self) -> float:
        return float(self.coefficients.set_index("term").loc["inkomen_x_na", "estimate"] * self.income_sd)


def detect_registration_breaks(panel: pd.DataFrame, *, threshold: float = 0.25) -> pd.DataFrame:
    """Year-on-year HH changes larger than ``threshold`` (log scale) with an opposite move of the same size in
    'ondersteuning thuis': a reclassification between Wmo categories (as GM0014 in 2019), not a change in use."""
    d = panel.sort_values(["gemeente_code", "jaar"]).copy()
    g = d.groupby("gemeente_code")
    d["d_hh"] = np.log(d["hh_clienten"]) - np.log(g["hh_clienten"].shift())
    d["d_ot"] = np.log(d["ondersteuning_thuis"]) - np.log(g["ondersteuning_thuis"].shift())
    brk = (d["d_hh"].abs() > threshold) & (d["d_ot"].abs() > threshold) & (np.sign(d["d_hh"]) != np.sign(d["d_ot"]))
    out = d.loc[brk, ["gemeente_code", "gemeente_naam", "jaar", "hh_clienten", "ondersteuning_thuis"]]
    return out.assign(reden="registratiebreuk (HH en ondersteuning thuis bewegen tegengesteld)")


def _twfe(d: pd.DataFrame, treat: list[str]):
    import statsmodels.formula.api as smf

    formula = "rate ~ " + " + ".join(treat) + " + C(gemeente_code) + C(jaar)"
    groups = pd.factorize(d["gemeente_code"])[0]
    return smf.ols(formula, data=d).fit(cov_type="cluster", cov_kwds={"groups": groups})


def tariff_effect_did(
    panel: pd.DataFrame,
    herindelingen: pd.DataFrame,
    *,
    start_year: int = 2019,
    years: tuple[int, int] = (2017, 2020),
    break_threshold: float = 0.25,
) -> DiDResult:
    """Continuous DiD on the own-boundary CBS panel with exclusions listed (boundary changes, breaks, gaps)."""
    from analysis.data.geography import changed_municipalities

    d = panel[(panel.jaar >= years[0]) & (panel.jaar <= years[1])].copy()
    excluded = []
    changed = changed_municipalities(herindelingen, years[0], years[1])
    for code in sorted(set(d.gemeente_code) & changed):
        excluded.append({"gemeente_code": code, "reden": "grenswijziging (herindeling) in de periode"})
    breaks = detect_registration_breaks(d[~d.gemeente_code.isin(changed)], threshold=break_threshold)
    # one reason per gemeente (the first break), so the exclusion table adds up to the number excluded
    for r in breaks.drop_duplicates("gemeente_code").itertuples():
        excluded.append({"gemeente_code": r.gemeente_code, "reden": f"registratiebreuk {r.jaar}"})
    bad = set(e["gemeente_code"] for e in excluded)
    complete = (
        d[~d.gemeente_code.isin(bad)]
        .groupby("gemeente_code")
        .apply(
            lambda g: (
                len(g) == years[1] - years[0] + 1
                and g["hh_clienten"].notna().all()
                and (g["inwoners_65plus"] > 0).all()
            ),
            include_groups=False,
        )
    )
    for code in complete[~complete].index:
        excluded.append({"gemeente_code": code, "reden": "ontbrekende jaren of HH-cijfers (niet gepubliceerd)"})
    bad |= set(complete[~complete].index)
    d = d[~d.gemeente_code.isin(bad)].copy()
    pre_income = d[d.jaar < start_year].groupby("gemeente_code")["gem_inkomen"].mean()
    if pre_income.isna().any():
        for code in pre_income[pre_income.isna()].index:
            excluded.append({"gemeente_code": code, "reden": "geen inkomen vóór 2019"})
        d = d[~d.gemeente_code.isin(pre_income[pre_income.isna()].index)]
        pre_income = pre_income.dropna()
    d["inkomen"] = d["gemeente_code"].map(pre_income - pre_income.mean())
    d["rate"] = d["hh_clienten"] / d["inwoners_65plus"] * 1000
    d["na"] = (d["jaar"] >= start_year).astype(float)
    d["inkomen_x_na"] = d["inkomen"] * d["na"]
    res = _twfe(d, ["inkomen_x_na"])
    coef = _tidy(res.params, res.bse, res.pvalues, ["inkomen_x_na"])
    pl = d[d.jaar < start_year].copy()
    pl["inkomen_x_2018"] = pl["inkomen"] * (pl["jaar"] == start_year - 1)
    pres = _twfe(pl, ["inkomen_x_2018"])
    placebo = _tidy(pres.params, pres.bse, pres.pvalues, ["inkomen_x_2018"])
    ev_terms = []
    for y in range(years[0], years[1] + 1):
        if y == start_year - 1:
            continue  # reference year
        d[f"inkomen_x_{y}"] = d["inkomen"] * (d["jaar"] == y)
        ev_terms.append(f"inkomen_x_{y}")
    eres = _twfe(d, ev_terms)
    event = _tidy(eres.params, eres.bse, eres.pvalues, ev_terms)
    event["jaar"] = [int(t.rsplit("_", 1)[1]) for t in ev_terms]
    excl = pd.DataFrame(excluded, columns=["gemeente_code", "reden"])
    assert not excl.gemeente_code.duplicated().any(), "a gemeente is excluded for one reason only"
    names = panel.drop_duplicates("gemeente_code", keep="last").set_index("gemeente_code")["gemeente_naam"]
    excl.insert(1, "gemeente_naam", excl["gemeente_code"].map(names))
    return DiDResult(
        coef,
        placebo,
        event,
        excl,
        int(d.gemeente_code.nunique()),
        len(d),
        float(pre_income.std()),
        float(d.loc[d.jaar < start_year, "rate"].mean()),
    )
