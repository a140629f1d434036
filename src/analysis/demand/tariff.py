"""Effect of the abonnementstarief (flat Wmo contribution from 1-1-2019) on HH use, two designs.

1. ``tariff_effect_its``: interrupted time series on a monthly series (segmented Poisson / negative binomial GLM
   with a log-population offset, level and slope change at the start, optional Fourier seasonality, Newey-West
   HAC standard errors).
2. ``tariff_effect_did``: continuous difference-in-differences on the CBS gemeente x year panel: did HH use per
   1,000 inhabitants 65+ rise more after 2019 where incomes are higher (those gained most from the flat tariff)?
   A thin wrapper over the general ``analysis.stats.did`` (absorbed fixed effects, correct clustered SEs), with a
   placebo on 2017 -> 2018, an event study and ``did_robustness`` over the registration-break rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.data import breaks
from analysis.results import ResultDisplay
from analysis.stats import its as _its

TARIFF_START = "2019-01-01"


# ------------------------------------------------------------------------------------------------ ITS


ITSResult = _its.ITSResult


def tariff_effect_its(
    monthly: pd.DataFrame,
    *,
    outcome: str = "instroom",
    population: str = "inwoners",
    start: str = TARIFF_START,
    family: str = "poisson",
    fourier: int = 1,
    hac_lags: int = 3,
    model: str = "step+slope",
) -> ITSResult:
    """The abonnementstarief ITS on a monthly series (``maand``, outcome, population): a thin wrapper over the
    general ``analysis.stats.its`` with Newey-West standard errors and ``fourier`` harmonic pairs."""
    if "maand" not in monthly.columns:
        raise KeyError("monthly series needs a 'maand' column")
    r = _its.its(
        monthly, time="maand", outcome=outcome, start=start, offset=population, harmonics=fourier, model=model,
        family=family, se="hac", hac_lags=hac_lags,
    )  # fmt: skip
    series = r.series.rename(columns={"periode": "maand", "zonder_onderbreking": "zonder_tarief"})
    from dataclasses import replace

    return replace(r, series=series)


def monthly_series(hh_monthly: pd.DataFrame, *, bands=("65-74", "75-84", "85+")) -> pd.DataFrame:
    """Sum the synthetic monthly table over areas and the chosen age bands.

    ``instroom`` is the inflow the abonnementstarief acts on: new HH clients *without* those recoded from
    'ondersteuning thuis' in 2019 (S11; the gemeente tells them apart by product code), so the ITS measures the
    tariff, not the change in registration. ``instroom_totaal`` keeps every new registration."""
    d = hh_monthly[hh_monthly.leeftijdsgroep.isin(bands)]
    cols = ["actief", "instroom", "uitstroom", "inwoners"]
    recoded = "instroom_hercodeerd" in d.columns
    out = d.groupby("maand", as_index=False)[cols + (["instroom_hercodeerd"] if recoded else [])].sum()
    out["instroom_totaal"] = out["instroom"]
    if recoded:
        out["instroom"] = out["instroom"] - out["instroom_hercodeerd"]
    return out


# ------------------------------------------------------------------------------------------------ DiD


BREAK_RULES = tuple(breaks.RULES)  # the rules of analysis.data.breaks; their Dutch names: analysis.labels.BREAK_RULES


def detect_registration_breaks(panel: pd.DataFrame, *, rule: str = "all", **screen) -> pd.DataFrame:
    """Gemeente-years flagged by the one registration-break screen (``analysis.data.breaks``) under ``rule``
    ('none', 'opposite', 'jumps', 'all'): columns of ``breaks.FLAG_COLUMNS``."""
    if rule not in breaks.RULES:
        raise ValueError(f"unknown break rule {rule!r}; choose from {sorted(breaks.RULES)}")
    flags = breaks.screen_registration_breaks(panel, **screen)
    return flags[flags.kind.isin(breaks.RULES[rule])].reset_index(drop=True)


@dataclass(frozen=True)
class PanelDiD(ResultDisplay):
    """The CBS-panel DiD (thin wrapper over ``analysis.stats.did``): estimate, placebo, event study, and every
    gemeente left out with one reason (``excluded``: gemeente_code, gemeente_naam, kind ('boundary', 'break',
    'missing', 'income'), reason in plain English)."""

    coefficients: pd.DataFrame
    placebo: pd.DataFrame
    event_study: pd.DataFrame
    excluded: pd.DataFrame
    n_gemeenten: int
    n_obs: int
    income_sd: float
    mean_rate_pre: float
    break_rule: str = "all"
    log_outcome: bool = False

    def to_frame(self) -> pd.DataFrame:
        return pd.concat(
            [self.coefficients.assign(model="did"), self.placebo.assign(model="placebo_2018")], ignore_index=True
        )

    @property
    def effect_per_sd(self) -> float:
        return float(self.coefficients.set_index("term").loc["inkomen_x_na", "estimate"] * self.income_sd)


def tariff_effect_did(
    panel: pd.DataFrame,
    herindelingen: pd.DataFrame | None = None,
    *,
    start_year: int = 2019,
    years: tuple[int, int] = (2017, 2020),
    break_rule: str = "all",
    log_outcome: bool = False,
) -> PanelDiD:
    """Continuous DiD on the own-boundary CBS panel: HH clients per 1,000 inhabitants 65+ (or its log) on
    pre-2019 average income (centred, k EUR) x post, gemeente and year fixed effects, SEs clustered by gemeente.
    Gemeenten are left out, each for one reason: boundary change, a registration break flagged by the screen in
    ``analysis.data.breaks`` under ``break_rule``, missing years or income."""
    from analysis.data.geography import changed_municipalities
    from analysis.stats import did as sdid

    if break_rule not in breaks.RULES:
        raise ValueError(f"unknown break rule {break_rule!r}; choose from {sorted(breaks.RULES)}")
    d = panel[(panel.jaar >= years[0]) & (panel.jaar <= years[1])].copy()
    excluded = []
    changed = changed_municipalities(herindelingen, years[0], years[1]) if herindelingen is not None else set()
    for code in sorted(set(d.gemeente_code) & changed):
        excluded.append({"gemeente_code": code, "kind": "boundary", "reason": "boundary change in the period"})
    flags = breaks.screen_registration_breaks(d[~d.gemeente_code.isin(changed)])
    # a year without a figure is 'missing', counted below with the other incomplete series
    rule_kinds = [k for k in breaks.RULES[break_rule] if k != "missing"]
    first = flags[flags.kind.isin(rule_kinds)].sort_values(["gemeente_code", "jaar"]).drop_duplicates("gemeente_code")
    # one reason per gemeente (the first break), so the exclusion table adds up to the number excluded
    for r in first.itertuples():
        excluded.append({"gemeente_code": r.gemeente_code, "kind": "break",
                         "reason": f"registration break {r.jaar} ({r.kind}): {r.reason}"})  # fmt: skip
    bad = {e["gemeente_code"] for e in excluded}
    rest = d[~d.gemeente_code.isin(bad)]
    n_years = years[1] - years[0] + 1
    ok = rest.groupby("gemeente_code").apply(
        lambda g: len(g) == n_years and g["hh_clienten"].notna().all() and (g["inwoners_65plus"] > 0).all(),
        include_groups=False,
    )
    for code in ok[~ok].index:
        excluded.append({"gemeente_code": code, "kind": "missing", "reason": "missing years or HH figures"})
    d = rest[rest.gemeente_code.isin(ok[ok].index)].copy()
    pre_income = d[d.jaar < start_year].groupby("gemeente_code")["gem_inkomen"].mean()
    for code in pre_income[pre_income.isna()].index:
        excluded.append({"gemeente_code": code, "kind": "income", "reason": f"no income before {start_year}"})
    pre_income = pre_income.dropna()
    d = d[d.gemeente_code.isin(pre_income.index)].copy()
    d["inkomen"] = d["gemeente_code"].map(pre_income - pre_income.mean())
    d["rate"] = d["hh_clienten"] / d["inwoners_65plus"] * 1000
    d["inkomen_x_na"] = d["inkomen"] * (d["jaar"] >= start_year)
    kw = dict(unit="gemeente_code", time="jaar", outcome="rate", log_outcome=log_outcome)
    main = sdid.did(d, treatment="inkomen_x_na", **kw)
    pl = sdid.placebo(d, dose="inkomen", first_treated=start_year, **kw)
    ev = sdid.event_study(d, dose="inkomen", reference=start_year - 1, **kw)
    event = ev.coefficients.assign(jaar=ev.coefficients["period"].astype(int)).drop(columns="period")
    event["term"] = [f"inkomen_x_{y}" for y in event.jaar]
    placebo = pl.coefficients.assign(term=f"inkomen_x_{start_year - 1}")
    excl = pd.DataFrame(excluded, columns=["gemeente_code", "kind", "reason"])
    assert not excl.gemeente_code.duplicated().any(), "a gemeente is excluded for one reason only"
    names = panel.drop_duplicates("gemeente_code", keep="last").set_index("gemeente_code")["gemeente_naam"]
    excl.insert(1, "gemeente_naam", excl["gemeente_code"].map(names))
    return PanelDiD(
        main.coefficients.assign(term="inkomen_x_na"),
        placebo,
        event,
        excl,
        int(d.gemeente_code.nunique()),
        len(d),
        float(pre_income.std()),
        float(d.loc[d.jaar < start_year, "rate"].mean()),
        break_rule,
        log_outcome,
    )


def did_robustness(panel: pd.DataFrame, herindelingen: pd.DataFrame | None = None, **kw) -> pd.DataFrame:
    """The CBS-panel DiD under every break rule, in levels and in logs, with the number of gemeenten each keeps:
    shows how much the real-data result depends on the data rule chosen."""
    rows = []
    for rule in breaks.RULES:
        for log in (False, True):
            r = tariff_effect_did(panel, herindelingen, break_rule=rule, log_outcome=log, **kw)
            c = r.coefficients.iloc[0]
            rows.append(
                {
                    "breukregel": rule,
                    "schaal": "log" if log else "per 1.000",
                    "estimate": float(c.estimate),
                    "std_error": float(c.std_error),
                    "ci_lower": float(c.ci_lower),
                    "ci_upper": float(c.ci_upper),
                    "p_value": float(c.p_value),
                    "gemeenten": r.n_gemeenten,
                }
            )
    return pd.DataFrame(rows)
