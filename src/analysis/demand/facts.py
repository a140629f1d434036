"""The numbers a reader of hh-raad sees, in one tested object: real data first, synthetic data as illustration.

``DemandFacts`` separates what rests on published figures (CBS national series, the CBS gemeente panel: peer
comparison, funnel plot, difference-in-differences) from what rests on the synthetic Groningen registration
(decomposition, interrupted time series, projection), so a report cannot present a generator's input as a
finding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.formatting import round_to_total
from analysis.results import ResultDisplay


@dataclass(frozen=True)
class NationalSeries:
    """National HH clients (persons in the year, CBS / Monitor Langdurige Zorg); ``provisional`` years carry *."""

    years: tuple[int, ...]
    clients: tuple[float, ...]
    provisional: tuple[bool, ...]

    def growth(self, y0: int, y1: int) -> float:
        s = dict(zip(self.years, self.clients))
        return s[y1] / s[y0] - 1

    def frame(self) -> pd.DataFrame:
        d = pd.DataFrame({"jaar": self.years, "clienten": self.clients, "voorlopig": self.provisional})
        d["groei"] = d["clienten"].pct_change()
        d.loc[d["jaar"].diff() != 1, "groei"] = np.nan  # growth only between consecutive years
        return d


def national_hh_series(reference: pd.DataFrame) -> NationalSeries:
    """The national yearly HH client series (CBS / Monitor Langdurige Zorg) from the reference table.

    The rows of ``nl_wmo_clients`` with measure "Wmo clients Hulp bij het huishouden" and a yearly period (``2021``;
    a trailing ``*`` marks a provisional figure), sorted by year.

    Parameters
    ----------
    reference : pandas.DataFrame
        The processed ``reference`` table (tabel, measure, period, value).

    Returns
    -------
    NationalSeries
        ``years``, ``clients`` (persons with HH in the year) and ``provisional`` per year; ``growth(y0, y1)`` and
        ``frame()`` (jaar, clienten, voorlopig, groei).

    Raises
    ------
    ValueError
        If the reference table has no national yearly HH client figures.
    AttributeError
        If ``reference`` lacks one of the columns above.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"tabel": "nl_wmo_clients", "measure": "Wmo clients Hulp bij het huishouden",
    ...                     "period": ["2019", "2020", "2021*"], "value": [400000, 430000, 450000]})
    >>> s = national_hh_series(ref)
    >>> s.years, s.provisional
    ((2019, 2020, 2021), (False, False, True))
    >>> round(s.growth(2019, 2021), 3)
    0.125
    """
    nl = reference[
        (reference.tabel == "nl_wmo_clients")
        & (reference.measure == "Wmo clients Hulp bij het huishouden")
        & reference.period.str.fullmatch(r"\d{4}\*?")
    ]
    if nl.empty:
        raise ValueError("the reference table has no national yearly HH client figures")
    nl = nl.assign(jaar=nl.period.str[:4].astype(int)).sort_values("jaar")
    return NationalSeries(
        tuple(int(y) for y in nl.jaar),
        tuple(float(v) for v in nl.value),
        tuple(p.endswith("*") for p in nl.period),
    )


def published_amount(reference: pd.DataFrame, table: str, measure_start: str) -> float:
    """The first published value of ``table`` whose measure starts with ``measure_start`` (NaN if none).

    Parameters
    ----------
    reference : pandas.DataFrame
        The processed ``reference`` table (tabel, measure, value).
    table : str
        The curated table (``tabel``), e.g. ``abonnementstarief_effect``.
    measure_start : str
        The start of the measure's name, e.g. ``"meerkosten for municipalities"``.

    Returns
    -------
    float
        The value in the unit of the reference table (euros for an amount); NaN when no row matches.

    Raises
    ------
    ValueError
        If the matching value is not a number.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"tabel": ["abonnementstarief_effect"], "measure": ["meerkosten for municipalities 2021"],
    ...                     "value": [1.5e8]})
    >>> published_amount(ref, "abonnementstarief_effect", "meerkosten")
    150000000.0
    >>> published_amount(ref, "nl_wmo_clients", "Wmo clients")
    nan
    """
    r = reference[(reference.tabel == table) & reference.measure.str.startswith(measure_start)]
    return float(r.value.iloc[0]) if len(r) else float("nan")


@dataclass(frozen=True)
class DemandFacts(ResultDisplay):
    """Every number an hh-raad reader sees: real figures first (national series, benchmark, DiD and robustness),
    then the synthetic illustration (decomposition, ITS, projection)."""

    gemeente: str
    gemeente_naam: str
    # real: national
    national: NationalSeries
    monitor_growth_2019: float
    extra_costs_2021: float  # national extra cost of the abonnementstarief for gemeenten (monitor, EUR)
    # real: the gemeente in the CBS panel
    benchmark_year: int
    own_rate: float
    own_rate_ci: tuple[float, float]
    national_rate: float  # pooled over the gemeenten without a break
    centre_rate: float  # the funnel's centre: the random-effects mean (the typical gemeente)
    peer_rate: float
    position_95: str  # 'boven' | 'onder' | 'binnen' the 95% control limits
    position_998: str
    registration_break_year: int | None  # first break in the gemeente's own HH series (registration, not use)
    registration_breaks: tuple  # every flag on the own series: (jaar, kind, hh_before, hh, ot_before, ot, year_before)
    # real: the gemeente's own HH series (present borders) against the national series over the same years
    own_growth_years: tuple[int, int] | None
    own_growth: float  # relative change of the gemeente's HH clients between own_growth_years (NaN if none)
    national_growth_same_years: float  # the national HH series over the same years
    # real: difference-in-differences on the panel
    did_estimate: float
    did_ci: tuple[float, float]
    did_p: float
    did_n_gemeenten: int
    did_n_excluded: int
    placebo_estimate: float
    placebo_p: float
    did_log_estimate: float  # the same DiD on the log of the rate (default break rule): extra growth per EUR 1,000
    did_log_ci: tuple[float, float]
    did_log_p: float
    robustness_sign_stable: bool  # same sign under every break rule (levels and logs)
    robustness_significant_levels: int  # break rules under which the 95% interval in levels excludes 0
    robustness_significant_logs: int  # the same on the log scale
    robustness_rules: int  # how many break rules the robustness table has
    robustness_any_significant: bool  # any rule gives a 95% interval that excludes 0
    # synthetic illustration (Groningen registration); NaN/None for a gemeente without a loaded registration
    synthetic_applies: bool  # the synthetic registration describes this gemeente (Groningen) only
    decomposition_years: tuple[int, int]
    decomposition_clients: tuple[float, float]
    decomposition_shares_pct: dict  # term -> whole percent, adding up to 100 (largest remainder)
    its_rate_ratio: float
    its_rate_ratio_ci: tuple[float, float]
    its_truth: float
    projection_year: int
    projection_central: float
    projection_interval: tuple[float, float]
    plan_year: int  # the year for the begroting sentence
    plan_p90: float  # clients the gemeente should be able to serve in plan_year with 90% certainty (NaN: unsupported)
    plan_supported: bool  # the back-test supports a planning number in plan_year (projection.supports_planning)
    backtest_mape_5y: float  # mean absolute percentage error of the model five years ahead (registration)

    @property
    def did_significant(self) -> bool:
        return bool(self.did_ci[0] > 0 or self.did_ci[1] < 0)

    def to_frame(self) -> pd.DataFrame:
        rows = [
            ("hh_per_1000_65plus", self.own_rate, np.nan, *self.own_rate_ci, np.nan),
            ("did_inkomen_x_na", self.did_estimate, np.nan, *self.did_ci, self.did_p),
            ("placebo_2018", self.placebo_estimate, np.nan, np.nan, np.nan, self.placebo_p),
            ("prognose_" + str(self.projection_year), self.projection_central, np.nan, *self.projection_interval,
             np.nan),
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=["term", "estimate", "std_error", "ci_lower", "ci_upper", "p_value"])


def demand_facts(
    res, bench, reference: pd.DataFrame, *, scenario: str = "tarief_blijft", plan_year: int = 2030
) -> DemandFacts:
    """Every number an hh-raad reader sees, from a ``DemandAnalysis`` and a ``Benchmark``.

    Real figures first: the national series, the gemeente's rate per 1,000 inhabitants 65+ against its peers and the
    country (with its position relative to the 95% and 99.8% funnel limits), registration breaks found by the screen
    of ``analysis.data.breaks`` in the gemeente's own series, the DiD (levels and logs), its placebo and robustness.
    Then, only for the gemeente with a loaded registration, the synthetic illustration: the decomposition (shares
    rounded to whole percents that add up to 100), the ITS rate ratio, the projection's central line and 95%
    interval in its last year, the planning number (p90) in ``plan_year`` and whether the back-test supports it.

    Parameters
    ----------
    res : DemandAnalysis
        The result of ``analysis.demand.analysis.run``.
    bench : Benchmark
        The gemeente's benchmark (``res.benchmark``).
    reference : pandas.DataFrame
        The processed ``reference`` table (national series, monitor amounts).
    scenario : str, default "tarief_blijft"
        The projection scenario the facts quote.
    plan_year : int, default 2030
        The year of the begroting sentence (clients to be able to serve with 90% certainty).

    Returns
    -------
    DemandFacts
        The facts; synthetic fields are NaN / empty when ``res`` has no registration (``synthetic_applies`` False).
        ``to_frame()`` gives term, estimate, std_error, ci_lower, ci_upper, p_value for the main estimates.

    Raises
    ------
    ValueError
        If ``plan_year`` is not in the projection, ``scenario`` is not in it, or the reference table has no national
        HH series.

    Examples
    --------
    >>> from analysis.demand import analysis as da
    >>> res = da.run(**tables, log=log, gemeente="GM0014")  # doctest: +SKIP
    >>> facts = demand_facts(res, res.benchmark, tables["reference"])  # doctest: +SKIP
    >>> facts.to_frame().term.tolist()  # doctest: +SKIP
    ['hh_per_1000_65plus', 'did_inkomen_x_na', 'placebo_2018', 'prognose_2040']
    """
    from analysis.data.breaks import screen_registration_breaks

    own = bench.own
    did = res.did.coefficients.iloc[0]
    pl = res.did.placebo.iloc[0]
    syn = res.projection is not None
    rb = res.did_robustness
    sig = (rb.ci_lower > 0) | (rb.ci_upper < 0)
    rl = rb[(rb.breukregel == res.did.break_rule) & (rb.schaal == "log")].iloc[0]
    # the one screen, on the gemeente's harmonised series (a year without a figure is said, not a break)
    flags = screen_registration_breaks(res.panel_gemeente)
    brk = flags[flags.kind != "missing"]
    nan, nan2 = float("nan"), (float("nan"), float("nan"))
    if syn:
        dec = res.decomposition.to_frame()
        parts = dec[dec.term != "totaal"]
        shares = round_to_total(parts["share"].to_numpy() * 100, 0)
        p = res.projection.frame
        if plan_year not in set(p.jaar):
            raise ValueError(f"plan year {plan_year} is not in the projection")
        last = p[(p.jaar == p.jaar.max()) & (p.scenario == scenario)]
        if last.empty:
            raise ValueError(f"scenario {scenario!r} is not in the projection")
    national = national_hh_series(reference)
    series = res.panel_gemeente.dropna(subset=["hh_clienten"])
    series = series[series.jaar.isin(national.years)]
    gy = (int(series.jaar.min()), int(series.jaar.max())) if series.jaar.nunique() >= 2 else None
    s = series.set_index("jaar").hh_clienten
    return DemandFacts(
        gemeente=bench.gemeente,
        gemeente_naam=bench.gemeente_naam,
        national=national,
        monitor_growth_2019=float(res.monitor_growth_2019),
        extra_costs_2021=published_amount(reference, "abonnementstarief_effect", "meerkosten for municipalities"),
        benchmark_year=bench.year,
        own_rate=float(own.per_1000),
        own_rate_ci=(float(own.ci_lower), float(own.ci_upper)),
        national_rate=float(bench.national_rate),
        centre_rate=float(bench.centre_rate),
        peer_rate=float(bench.peer_rate),
        position_95=str(own.positie_95),
        position_998=str(own.positie_99_8),
        registration_break_year=int(brk.jaar.iloc[0]) if len(brk) else None,
        registration_breaks=tuple(
            (int(r.jaar), str(r.kind), float(r.hh_before), float(r.hh), float(r.ot_before), float(r.ot),
             None if pd.isna(r.year_before) else int(r.year_before))
            for r in flags.itertuples()
        ),
        own_growth_years=gy,
        own_growth=float(s[gy[1]] / s[gy[0]] - 1) if gy else nan,
        national_growth_same_years=float(national.growth(*gy)) if gy else nan,
        did_estimate=float(did.estimate),
        did_ci=(float(did.ci_lower), float(did.ci_upper)),
        did_p=float(did.p_value),
        did_n_gemeenten=int(res.did.n_gemeenten),
        did_n_excluded=int(res.did.excluded.gemeente_code.nunique()),
        placebo_estimate=float(pl.estimate),
        placebo_p=float(pl.p_value),
        did_log_estimate=float(rl.estimate),
        did_log_ci=(float(rl.ci_lower), float(rl.ci_upper)),
        did_log_p=float(rl.p_value),
        # within each outcome measure (levels, logs) the same sign under every break rule
        robustness_sign_stable=bool(rb.groupby("schaal").estimate.apply(lambda s: np.sign(s).nunique() == 1).all()),
        robustness_significant_levels=int(sig[rb.schaal != "log"].sum()),
        robustness_significant_logs=int(sig[rb.schaal == "log"].sum()),
        robustness_rules=int(rb.breukregel.nunique()),
        robustness_any_significant=bool(((res.did_robustness.ci_lower > 0) | (res.did_robustness.ci_upper < 0)).any()),
        synthetic_applies=syn,
        decomposition_years=(int(res.decomposition_years[0]), int(res.decomposition_years[1])),
        decomposition_clients=(float(res.decomposition.value0), float(res.decomposition.value1)) if syn else nan2,
        decomposition_shares_pct={t: int(v) for t, v in zip(parts.term, shares)} if syn else {},
        its_rate_ratio=float(res.its.level_rr) if syn else nan,
        its_rate_ratio_ci=tuple(float(x) for x in res.its.level_rr_ci) if syn else nan2,
        its_truth=float(res.its_truth),
        projection_year=int(last.jaar.iloc[0]) if syn else 0,
        projection_central=float(last.verwacht.iloc[0]) if syn else nan,
        projection_interval=(float(last.ondergrens.iloc[0]), float(last.bovengrens.iloc[0])) if syn else nan2,
        plan_year=plan_year,
        plan_p90=float(p[(p.jaar == plan_year) & (p.scenario == scenario)].p90.iloc[0]) if syn else nan,
        plan_supported=bool(res.projection.supports_planning(plan_year, scenario)) if syn else False,
        backtest_mape_5y=_mape(res.backtests["registratie"], 5) if syn else nan,
    )


def _mape(bt, horizon: int) -> float:
    a = bt.accuracy
    r = a[(a.methode == "model") & (a.horizon == horizon)]
    return float(r.mape.iloc[0]) if len(r) else float("nan")
