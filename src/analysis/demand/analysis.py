"""The HH demand analysis for the council report in one call, so the notebook only plots and writes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.assumptions import AssumptionLog
from analysis.data.registration import REGISTRATION_GEMEENTE
from analysis.demand import benchmark as bm
from analysis.demand import decompose, drivers, forecast, projection, rates, tariff

# REGISTRATION_GEMEENTE (one definition, in analysis.data.registration; the notebooks read it from here): the
# gemeente whose client registration this project holds. Every other gemeente gets a report on real data only: no
# synthetic section, no figure or source of this gemeente.

# The year the registration changed (clients formerly under 'ondersteuning thuis' counted as HH, assumption S11).
REGISTRATION_BREAK_YEAR = 2019


@dataclass(frozen=True)
class DemandAnalysis:
    """Everything hh-raad shows, computed in one call by ``run``: real CBS figures (panel, benchmark, DiD and its
    robustness, national series) and, only for the gemeente whose registration is loaded
    (``has_registration``), the synthetic analyses (rates, decomposition, ITS, projection, back-tests); for any
    other gemeente those fields are None."""

    panel_gemeente: pd.DataFrame  # real CBS: HH clients of the chosen gemeente, harmonised boundaries
    panel_nl_growth: pd.DataFrame  # real reference figures: national HH clients
    rates_by_age: pd.DataFrame | None  # synthetic
    rates_by_area: pd.DataFrame | None  # synthetic, 65+ per area, first and last year
    monthly: pd.DataFrame | None  # synthetic monthly series (65+)
    decomposition: decompose.DecompositionResult | None
    its: tariff.ITSResult | None
    its_truth: float
    did: tariff.PanelDiD
    projection: forecast.SimulatedProjection | None
    backtests: dict  # name -> forecast.RollingOrigin: national series (real), CBS panel (real), registration (synth)
    drivers: pd.DataFrame
    first_year: int
    last_year: int
    monitor_growth_2019: float  # national HH growth in 2019 according to the abonnementstarief monitor
    benchmark: bm.Benchmark  # real: the gemeente against its peers and the country (funnel plot)
    did_robustness: pd.DataFrame  # real: the DiD under every registration-break rule, levels and logs
    decomposition_years: tuple[int, int]

    @property
    def has_registration(self) -> bool:
        return self.projection is not None


def run(
    *,
    panel_harmonised: pd.DataFrame,
    panel_own: pd.DataFrame,
    herindelingen: pd.DataFrame,
    reference: pd.DataFrame,
    clients: pd.DataFrame | None,
    hh_monthly: pd.DataFrame | None,
    population: pd.DataFrame | None,
    prognosis: pd.DataFrame | None,
    log: AssumptionLog,
    gemeente: str = REGISTRATION_GEMEENTE,
    first_year: int = projection.FIRST_YEAR,
    last_year: int = projection.BASE_YEAR,
    scenarios: tuple[str, ...] = ("tarief_blijft", "inkomensafhankelijk", "minder_mantelzorg"),
    horizon: tuple[int, int] = (2025, 2040),
    n_boot: int = 2000,
    seed: int = 1,
) -> DemandAnalysis:
    """Run the HH demand analysis for ``gemeente`` from the processed tables; see ``DemandAnalysis``.

    Real CBS figures for every gemeente: its HH series on 2020 boundaries, the national series, the benchmark against
    its peers in the last year with a published HH figure (funnel plot), the continuous difference-in-differences
    on the abonnementstarief and its robustness over the registration-break rules, the driver figures, and
    rolling-origin back-tests of the national and panel series. With ``clients`` given (only for
    ``REGISTRATION_GEMEENTE``, whose synthetic registration is loaded) also the synthetic analyses: rates by age and
    area, the Das Gupta decomposition, the ITS on the monthly inflow, the simulated projection per scenario with
    intervals calibrated to the back-test of the registration (from its 2019 change on, assumption S11). With
    ``clients`` None (any gemeente but ``REGISTRATION_GEMEENTE``) only the real analyses run, and driver figures of
    the registration gemeente are left out.

    Parameters
    ----------
    panel_harmonised : pandas.DataFrame
        The CBS Wmo panel on 2020 boundaries (``wmo_panel_grenzen_2020``).
    panel_own : pandas.DataFrame
        The CBS Wmo panel on each year's own boundaries (``wmo_panel_eigen_grenzen``), for the DiD.
    herindelingen : pandas.DataFrame
        Municipal boundary changes (``herindelingen``); gemeenten that changed are left out of the DiD.
    reference : pandas.DataFrame
        The curated published figures (``reference``): national series, monitor, drivers.
    clients, hh_monthly, population, prognosis : pandas.DataFrame or None
        The synthetic registration (``synthetic/hh_clients``, ``synthetic/hh_monthly``, ``synthetic/population``)
        and the population prognosis per year and age band; None for a gemeente without a registration.
    log : AssumptionLog
        The assumptions log (S02, S03, S04, D02, D03 are read).
    gemeente : str, default "GM0014"
        The CBS gemeente code of the report.
    first_year, last_year : int
        The years of the registration analyses (default ``projection.FIRST_YEAR`` and ``BASE_YEAR``).
    scenarios : tuple of str
        The projection scenarios (keys of ``projection.scenarios_from_log``).
    horizon : tuple of int, default (2025, 2040)
        First and last year of the projection.
    n_boot : int, default 2000
        Simulation draws of the projection (at least 100).
    seed : int, default 1
        Seed of the projection's random draws.

    Returns
    -------
    DemandAnalysis
        Every table and result hh-raad shows; the synthetic fields are None when ``clients`` is None
        (``has_registration`` False).

    Raises
    ------
    ValueError
        For a year range with ``first_year >= last_year``, a gemeente not in the CBS panel or without any published
        HH figure, registration tables given for another gemeente than ``REGISTRATION_GEMEENTE``, or an unknown
        scenario; also from the analyses it calls (e.g. too few years for a back-test, no population prognosis for a
        projected year).
    KeyError
        If ``log`` lacks an assumption the analysis reads.

    Examples
    --------
    >>> from analysis.assumptions import load_assumptions
    >>> from analysis.data.io import load_processed
    >>> res = run(panel_harmonised=load_processed("wmo_panel_grenzen_2020"),
    ...           panel_own=load_processed("wmo_panel_eigen_grenzen"), herindelingen=load_processed("herindelingen"),
    ...           reference=load_processed("reference"), clients=None, hh_monthly=None, population=None,
    ...           prognosis=None, log=load_assumptions(), gemeente="GM0363")  # doctest: +SKIP
    >>> res.has_registration  # doctest: +SKIP
    False
    """
    if first_year >= last_year:
        raise ValueError("first_year must be before last_year")
    pg = panel_harmonised[panel_harmonised.gemeente_code == gemeente].sort_values("jaar")
    if pg.empty:
        raise ValueError(f"gemeente {gemeente} not in the CBS panel")
    if clients is not None and gemeente != REGISTRATION_GEMEENTE:
        raise ValueError(
            f"the client registration is {REGISTRATION_GEMEENTE}'s; a report for {gemeente} uses real data only"
        )
    # the comparison year: the panel's last year, or the gemeente's last year with a published HH figure (about 40
    # gemeenten did not deliver in 2020; their report compares the year they have, and says which)
    published = pg.dropna(subset=["hh_clienten"]).jaar
    if published.empty:
        raise ValueError(f"CBS published no HH figure for {gemeente} in any year of the panel")
    bench = bm.benchmark(panel_harmonised, gemeente, year=int(published.max()))
    nl = reference[
        (reference.tabel == "nl_wmo_clients")
        & (reference.measure == "Wmo clients Hulp bij het huishouden")
        & reference.period.str.fullmatch(r"\d{4}\*?")
    ].copy()
    nl["jaar"] = nl.period.str[:4].astype(int)
    nl["hh_clienten"] = nl.value.astype(float)
    nl = nl.sort_values("jaar")[["jaar", "hh_clienten", "source"]]
    nl["groei"] = nl["hh_clienten"].pct_change()
    did = tariff.tariff_effect_did(panel_own, herindelingen)
    robust = tariff.did_robustness(panel_own, herindelingen)
    from analysis.demand.facts import national_hh_series

    nls = national_hh_series(reference)
    backtests = {
        "landelijk": forecast.rolling_origin(
            pd.DataFrame({"jaar": nls.years, "clienten": nls.clients}), unit=None, time="jaar", value="clienten",
            name="landelijk",
        ),
        "gemeenten": forecast.rolling_origin(
            panel_harmonised, unit="gemeente_code", time="jaar", value="hh_clienten", name="gemeenten"
        ),
    }  # fmt: skip
    by_age = by_area = monthly = dec = its = proj = None
    truth, decomp_from = float("nan"), max(first_year, 2018)
    if clients is not None:
        years = range(first_year, last_year + 1)
        by_age = rates.hh_rates(clients, population, years)
        by_area = rates.rates_65plus_by_area(clients, population, [max(first_year, 2018), last_year])
        dec = decompose.decompose_growth(by_age, decomp_from, last_year)
        monthly = tariff.monthly_series(hh_monthly)
        its = tariff.tariff_effect_its(monthly)
        truth = sum(log.value("S03")[k] * log.value("S04")[k] for k in ("laag", "midden", "hoog"))
        lse = float(its.coefficients.set_index("term").loc["niveau", "std_error"])
        all_sc = projection.scenarios_from_log(log, last_year)
        unknown = set(scenarios) - set(all_sc)
        if unknown:
            raise ValueError(f"unknown scenario(s) {sorted(unknown)}; choose from {sorted(all_sc)}")
        d02 = log.value("D02")
        proj = forecast.simulate_projection(
            by_age,
            prognosis,
            range(horizon[0], horizon[1] + 1),
            [all_sc[s] for s in scenarios],
            tariff_rr=(its.level_rr, lse),
            mantelzorg_growth=(float(d02["mantelzorg_extra_growth"]), float(d02["mantelzorg_extra_growth_sd"])),
            pop_error_per_year=float(log.value("D03")),
            n_boot=n_boot,
            seed=seed,
        )
        # the registration is tested from its 2019 change on (S11; the break screen flags the same change in the CBS
        # series): a forecast made before it and judged after it measures the change of registration, not the model,
        # and would blow the calibrated intervals up to hundreds of millions
        reg = by_age.groupby("jaar", as_index=False).clienten.sum()
        backtests["registratie"] = forecast.rolling_origin(
            reg[reg.jaar >= REGISTRATION_BREAK_YEAR], unit=None, time="jaar", value="clienten", name="registratie"
        )
        # the projection's intervals follow the out-of-sample errors of the same series' back-test (and say where
        # there are too few of them to support a planning figure)
        proj = forecast.calibrate_projection(proj, backtests["registratie"])
    drv = drivers.driver_inputs(reference)
    if clients is None:  # a report for another gemeente shows no figure of the registration gemeente
        drv = drv[~drv.gebied.astype(str).str.contains(REGISTRATION_GEMEENTE)].reset_index(drop=True)
    mon = reference[
        (reference.tabel == "abonnementstarief_effect")
        & reference.measure.str.startswith("growth Wmo HH clients in first year")
    ]
    monitor = float(mon.value.iloc[0]) / 100 if len(mon) else float("nan")
    return DemandAnalysis(
        pg,
        nl,
        by_age,
        by_area,
        monthly,
        dec,
        its,
        float(truth),
        did,
        proj,
        backtests,
        drv,
        first_year,
        last_year,
        monitor,
        bench,
        robust,
        (decomp_from, last_year),
    )


def share_75plus(by_age: pd.DataFrame, year: int) -> float:
    """Clients per inhabitant aged 75+ (75-84 and 85+ together) in ``year``.

    Parameters
    ----------
    by_age : pandas.DataFrame
        Rates by age band, e.g. ``rates.hh_rates``: ``jaar``, ``leeftijdsgroep``, ``clienten``, ``inwoners``.
    year : int
        The year.

    Returns
    -------
    float
        HH clients aged 75+ divided by inhabitants aged 75+ (a fraction, not per 1,000); NaN when ``year`` has no
        75+ rows.

    Raises
    ------
    AttributeError
        If ``by_age`` lacks one of the columns above.

    Examples
    --------
    >>> import pandas as pd
    >>> by_age = pd.DataFrame({"jaar": 2024, "leeftijdsgroep": ["65-74", "75-84", "85+"],
    ...                        "clienten": [300, 900, 700], "inwoners": [20000, 10000, 3000]})
    >>> round(share_75plus(by_age, 2024), 4)
    0.1231
    """
    d = by_age[(by_age.jaar == year) & by_age.leeftijdsgroep.isin(["75-84", "85+"])]
    return float(d.clienten.sum() / d.inwoners.sum())


def growth(frame: pd.DataFrame, col: str, y0: int, y1: int) -> float:
    """Relative growth of ``col`` from ``y0`` to ``y1`` in a table with a ``jaar`` column (NaN if a year is missing).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per year with ``jaar`` and ``col``.
    col : str
        The column (e.g. ``hh_clienten``).
    y0, y1 : int
        The first and last year.

    Returns
    -------
    float
        ``col`` in ``y1`` / ``col`` in ``y0`` - 1 (0.2 = 20% growth); NaN if either year is absent.

    Raises
    ------
    KeyError
        If ``frame`` lacks ``jaar`` or ``col``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"jaar": [2018, 2019, 2020], "hh_clienten": [4000, 4600, 4800]})
    >>> round(growth(f, "hh_clienten", 2018, 2020), 3)
    0.2
    >>> growth(f, "hh_clienten", 2017, 2020)
    nan
    """
    s = frame.set_index("jaar")[col]
    return float(s.loc[y1] / s.loc[y0] - 1) if y0 in s.index and y1 in s.index else np.nan
