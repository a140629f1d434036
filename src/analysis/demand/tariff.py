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
    """The abonnementstarief ITS on a monthly series: a thin wrapper over ``analysis.stats.its``.

    Interrupted time series on the monthly HH inflow around the abonnementstarief (a flat Wmo contribution from
    1 January 2019): a segmented Poisson (or negative binomial) GLM with log(population) as offset, a level change
    (``niveau``) and, with ``model="step+slope"``, a slope change (``helling``) at ``start``, ``fourier`` harmonic
    pairs for seasonality and Newey-West (HAC) standard errors with ``hac_lags`` lags.

    Parameters
    ----------
    monthly : pandas.DataFrame
        One row per month: ``maand`` (datetime), the outcome and the population (e.g. ``monthly_series``).
    outcome : str, default "instroom"
        The count modelled: new HH clients (without those recoded from 'ondersteuning thuis', assumption S11).
    population : str, default "inwoners"
        The offset column (inhabitants in the chosen age bands).
    start : str, default "2019-01-01"
        The first month of the abonnementstarief.
    family : str, default "poisson"
        ``"poisson"`` or ``"negbin"``.
    fourier : int, default 1
        Harmonic pairs (sine, cosine) of the yearly season; 0 for none.
    hac_lags : int, default 3
        Lags of the Newey-West standard errors.
    model : str, default "step+slope"
        ``"step"`` (level change only) or ``"step+slope"``.

    Returns
    -------
    ITSResult
        ``coefficients`` (term, estimate, std_error, ci_lower, ci_upper, p_value), ``level_rr`` with its 95%
        interval ``level_rr_ci`` (the rate ratio of the level change: 1.2 = 20% more inflow), the slope rate ratios,
        and ``series`` (maand, waargenomen, model, zonder_tarief: the fit without the interruption terms).

    Raises
    ------
    KeyError
        If ``monthly`` has no ``maand`` column, or lacks ``outcome`` or ``population``.
    ValueError
        For an unknown ``family`` or ``model``, more than one row per month, negative counts or a non-positive
        population, no months before or after ``start``, or fewer than two months after it for a slope change.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> months = pd.date_range("2015-01-01", periods=96, freq="MS")
    >>> pop = np.linspace(30000, 34000, 96)
    >>> rate = np.exp(-5.5 + np.log(1.25) * (months >= "2019-01-01"))  # a 25% jump in inflow in 2019
    >>> m = pd.DataFrame({"maand": months, "instroom": np.random.default_rng(1).poisson(pop * rate), "inwoners": pop})
    >>> r = tariff_effect_its(m)
    >>> bool(r.level_rr_ci[0] < 1.25 < r.level_rr_ci[1])
    True
    """
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
    tariff, not the change in registration. ``instroom_totaal`` keeps every new registration.

    Parameters
    ----------
    hh_monthly : pandas.DataFrame
        The synthetic ``hh_monthly`` table: ``maand``, ``leeftijdsgroep``, ``actief``, ``instroom``, ``uitstroom``,
        ``inwoners`` and optionally ``instroom_hercodeerd``, one row per month x area x age band.
    bands : tuple of str, default ("65-74", "75-84", "85+")
        The age bands summed (65+ by default).

    Returns
    -------
    pandas.DataFrame
        One row per ``maand``: ``actief``, ``instroom`` (without recoded clients), ``uitstroom``, ``inwoners``,
        ``instroom_hercodeerd`` (when present) and ``instroom_totaal``.

    Raises
    ------
    KeyError
        If ``hh_monthly`` lacks one of the summed columns or ``maand``.
    AttributeError
        If ``hh_monthly`` has no ``leeftijdsgroep`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"maand": pd.to_datetime(["2019-01-01"] * 2 + ["2019-02-01"] * 2),
    ...                   "leeftijdsgroep": ["65-74", "18-64"] * 2, "actief": [100, 50, 102, 51],
    ...                   "instroom": [10, 3, 12, 4], "uitstroom": [8, 2, 9, 3], "inwoners": [2000, 9000] * 2,
    ...                   "instroom_hercodeerd": [2, 0, 1, 0]})
    >>> monthly_series(h)[["instroom", "instroom_totaal", "inwoners"]].values.tolist()
    [[8, 10, 2000], [11, 12, 2000]]
    """
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
    """Gemeente-years flagged by the one registration-break screen (``analysis.data.breaks``) under ``rule``.

    A registration break is a change in how a gemeente registers HH (e.g. clients moved between HH and
    'ondersteuning thuis'), not a change in use. ``rule`` selects the kinds of flag kept: ``"none"`` (nothing),
    ``"opposite"`` (HH and ondersteuning thuis move in opposite directions), ``"jumps"`` (level shifts and spikes) or
    ``"all"`` (every kind, also years without a figure).

    Parameters
    ----------
    panel : pandas.DataFrame
        The CBS gemeente x year panel: ``gemeente_code``, ``jaar``, ``hh_clienten``, ``ondersteuning_thuis`` (and
        ``gemeente_naam``).
    rule : str, default "all"
        The break rule, one of ``BREAK_RULES``.
    **screen
        Passed on to ``analysis.data.breaks.screen_registration_breaks`` (thresholds, column names).

    Returns
    -------
    pandas.DataFrame
        The flagged gemeente-years, columns of ``breaks.FLAG_COLUMNS`` (gemeente_code, gemeente_naam, jaar, kind,
        year_before, hh_before, hh, ot_before, ot, reason); empty when nothing is flagged.

    Raises
    ------
    ValueError
        For an unknown ``rule``, duplicated gemeente-years or bad thresholds.
    KeyError
        If ``panel`` lacks a column the screen needs.

    Examples
    --------
    >>> from analysis.data.io import load_processed
    >>> flags = detect_registration_breaks(load_processed("wmo_panel_eigen_grenzen"), rule="opposite")  # doctest: +SKIP
    >>> set(flags.kind)  # doctest: +SKIP
    {'opposite'}
    """
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
    """Continuous difference-in-differences of the abonnementstarief on the own-boundary CBS panel.

    Did HH use rise more after 2019 where incomes are higher (those gained most from the flat tariff)? The outcome is
    HH clients per 1,000 inhabitants 65+ (or its log), regressed on the pre-2019 average income (centred, k EUR)
    x post, with gemeente and year fixed effects and SEs clustered by gemeente (``analysis.stats.did``). Also a
    placebo on 2017 -> 2018 (a year before the tariff) and an event study with ``start_year - 1`` as reference.
    Gemeenten are left out, each for one reason: boundary change, a registration break flagged by the screen in
    ``analysis.data.breaks`` under ``break_rule``, missing years or income.

    Parameters
    ----------
    panel : pandas.DataFrame
        The CBS panel on each year's own boundaries (``wmo_panel_eigen_grenzen``): gemeente_code, gemeente_naam,
        jaar, hh_clienten, ondersteuning_thuis, inwoners_65plus, gem_inkomen.
    herindelingen : pandas.DataFrame, optional
        Municipal boundary changes; gemeenten that changed in ``years`` are left out. None: no boundary check.
    start_year : int, default 2019
        The first year of the abonnementstarief.
    years : tuple of int, default (2017, 2020)
        First and last year of the panel used.
    break_rule : str, default "all"
        The registration-break rule (``BREAK_RULES``).
    log_outcome : bool, default False
        Model the log of the rate (the estimate is then extra relative growth per EUR 1,000 of income).

    Returns
    -------
    PanelDiD
        ``coefficients`` (term ``inkomen_x_na``: extra clients per 1,000 65+ per EUR 1,000 income), ``placebo``,
        ``event_study``, ``excluded`` (gemeente_code, gemeente_naam, kind, reason), ``n_gemeenten``, ``n_obs``,
        ``income_sd``, ``mean_rate_pre``; ``effect_per_sd`` gives the effect of one standard deviation of income.

    Raises
    ------
    ValueError
        For an unknown ``break_rule``; ``analysis.stats.did.DesignError`` (a ValueError) when the design cannot be
        estimated (e.g. no income variation left).
    KeyError
        If ``panel`` lacks a needed column.

    Examples
    --------
    >>> from analysis.data.io import load_processed
    >>> panel, heri = load_processed("wmo_panel_eigen_grenzen"), load_processed("herindelingen")  # doctest: +SKIP
    >>> did = tariff_effect_did(panel, heri)  # doctest: +SKIP
    >>> did.to_frame()[["term", "estimate", "ci_lower", "ci_upper", "model"]]  # doctest: +SKIP
    """
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
    """The CBS-panel DiD under every break rule, in levels and in logs, with the number of gemeenten each keeps.

    Shows how much the real-data result of ``tariff_effect_did`` depends on the data rule chosen for registration
    breaks.

    Parameters
    ----------
    panel : pandas.DataFrame
        The CBS panel on own boundaries, as for ``tariff_effect_did``.
    herindelingen : pandas.DataFrame, optional
        Municipal boundary changes, as for ``tariff_effect_did``.
    **kw
        Further arguments of ``tariff_effect_did`` (``start_year``, ``years``).

    Returns
    -------
    pandas.DataFrame
        One row per break rule x scale: ``breukregel``, ``schaal`` (``per 1.000`` or ``log``), ``estimate``,
        ``std_error``, ``ci_lower``, ``ci_upper``, ``p_value`` and ``gemeenten`` (how many the rule keeps).

    Raises
    ------
    ValueError
        As ``tariff_effect_did`` (a design that cannot be estimated under one of the rules).
    TypeError
        If ``kw`` contains ``break_rule`` or ``log_outcome`` (set here for every rule).

    Examples
    --------
    >>> from analysis.data.io import load_processed
    >>> panel, heri = load_processed("wmo_panel_eigen_grenzen"), load_processed("herindelingen")  # doctest: +SKIP
    >>> rb = did_robustness(panel, heri)  # doctest: +SKIP
    >>> sorted(rb.breukregel.unique())  # doctest: +SKIP
    ['all', 'jumps', 'none', 'opposite']
    """
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
