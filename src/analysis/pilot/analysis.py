"""The tussenevaluatie analysis in one call, plus privacy-safe public counts (facts and findings: ``facts``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.assumptions import AssumptionLog
from analysis.pilot import costs as pcosts
from analysis.pilot import heavycare, outcomes, reach, regional
from analysis.privacy import SUPPRESSED

PILOT_START = "2021-11-01"


@dataclass(frozen=True)
class PilotAnalysis:
    """Everything the tussenevaluatie shows, computed by ``run`` up to the peildatum ``as_of``."""

    as_of: str
    reach: reach.ReachResult
    outcome: outcomes.OutcomeResult
    outcome_comparison: outcomes.OutcomeResult
    domains: pd.DataFrame
    by_moment: pd.DataFrame  # moment, n, mean change, CI, p, improved/unchanged/worsened, MDE
    heavy: heavycare.HeavyCareResult
    costs: pcosts.CostResult
    break_even: pd.DataFrame
    regional: pd.DataFrame
    moment: int
    min_effect: float
    threshold: int
    # per group (pilot, vergelijking): families, measured at ``moment``, not yet due on the peildatum, missing
    measured: pd.DataFrame | None = None


def run(
    *,
    families,
    zrm,
    indications,
    events,
    costs,
    monitor,
    log: AssumptionLog,
    as_of: str = "2022-11-01",
    moment: int = 6,
    min_effect: float = 3.0,
    placement_cost: float | None = None,
    threshold: int | None = None,
    n_boot: int = 4000,
    seed: int = 0,
) -> PilotAnalysis:
    """Run the tussenevaluatie analysis of pilot De Gezinsverzorger up to the peildatum; see ``PilotAnalysis``.

    Reach and capacity (assumption C01), ZRM outcomes of the pilot and the comparison group (regular help) at
    ``moment`` months and at 3, 6 and 12 months, change per domain, why families have no score yet (not due or
    missing), heavy care (placements, escalations, stacked indications), costs up to the peildatum with break-even
    over a grid of placement costs (C02), and the regional comparison with Groningen's row computed from its own
    registration at the same peildatum.

    Parameters
    ----------
    families, zrm, indications, events, costs, monitor : pandas.DataFrame
        The pilot tables (``synthetic/pilot_families``, ``synthetic/pilot_zrm``, ``synthetic/pilot_indications``,
        ``synthetic/pilot_events``, ``synthetic/pilot_costs``) and the regional monitor
        (``synthetic/regional_monitor``).
    log : AssumptionLog
        The assumptions log (C01, C02, P01, P02 are read).
    as_of : str, default "2022-11-01"
        The peildatum: the data cut-off (halfway the pilot for the tussenevaluatie).
    moment : int, default 6
        The ZRM measurement month the conclusions use (3, 6 or 12).
    min_effect : float, default 3.0
        The smallest change in the ZRM total score (sum of domains) the gemeente regards as meaningful; it drives the
        conclusions.
    placement_cost : float, optional
        Yearly cost of an out-of-home placement in euros; default C02's value.
    threshold : int, optional
        The small-cell threshold; default P01.
    n_boot : int, default 4000
        Bootstrap resamples of the ZRM interval.
    seed : int, default 0
        Seed of the bootstrap and the sign-flip tests.

    Returns
    -------
    PilotAnalysis
        Reach, outcomes (pilot and comparison), domains, the table by moment, heavy care, costs, break-even, the
        regional table and the measurement status per group.

    Raises
    ------
    ValueError
        If ``moment`` is not 3, 6 or 12, or from the analyses it calls (e.g. a non-positive placement cost).
    KeyError
        If ``log`` lacks an assumption the analysis reads, or a table lacks a column.
    DataInputError
        If the regional monitor (with Groningen's own figures) does not match its schema.

    Examples
    --------
    >>> from analysis.assumptions import load_assumptions
    >>> from analysis.data.io import load_processed
    >>> names = ("families", "zrm", "indications", "events", "costs")
    >>> tables = {k: load_processed(f"synthetic/pilot_{k}") for k in names}  # doctest: +SKIP
    >>> monitor = load_processed("synthetic/regional_monitor")  # doctest: +SKIP
    >>> res = run(**tables, monitor=monitor, log=load_assumptions())  # doctest: +SKIP
    >>> res.by_moment[["meetmoment", "n", "gem_verandering"]]  # doctest: +SKIP
    """
    if moment not in (3, 6, 12):
        raise ValueError("moment must be 3, 6 or 12 months")
    c01 = log.value("C01")
    placement_cost = float(placement_cost or log.value("C02")["default"])
    threshold = int(threshold or log.value("P01"))
    rel = float(log.value("P02"))
    r = reach.reach_and_capacity(
        families,
        as_of=as_of,
        fte=float(c01["fte"]),
        capacity=(int(c01["capacity_min"]), int(c01["capacity_max"])),
        start=PILOT_START,
    )
    pilot_ids = families.loc[
        (families.route == "gezinsverzorger") & (families.start <= pd.Timestamp(as_of)), "gezin_id"
    ].tolist()
    comp_ids = families.loc[
        (families.route == "regulier") & (families.start <= pd.Timestamp(as_of)), "gezin_id"
    ].tolist()
    sd_pre = float(outcomes.zrm_totals(zrm)[0].std(ddof=1))
    o = outcomes.zrm_outcome(
        zrm, pilot_ids, moment=moment, reliability=rel, sd_pre=sd_pre, as_of=as_of, n_boot=n_boot, seed=seed
    )
    oc = outcomes.zrm_outcome(
        zrm, comp_ids, moment=moment, reliability=rel, sd_pre=sd_pre, as_of=as_of, n_boot=n_boot, seed=seed
    )
    dom = outcomes.change_scores(zrm, pilot_ids, moment=moment, as_of=as_of)
    rows = []
    for mm in (3, 6, 12):
        om = (
            o
            if mm == moment
            else outcomes.zrm_outcome(
                zrm, pilot_ids, moment=mm, reliability=rel, sd_pre=sd_pre, as_of=as_of, n_boot=n_boot, seed=seed
            )
        )
        rows.append(
            {
                "meetmoment": mm,
                "n": om.n,
                "gem_verandering": om.mean_change,
                "ci_lower": om.ci[0],
                "ci_upper": om.ci[1],
                "p_permutatie": om.p_permutation,
                **om.counts,
                "mde_80": om.mde_80,
            }
        )
    by_moment = pd.DataFrame(rows)
    hv = heavycare.heavy_care(families, events, indications, as_of=as_of)
    cr = pcosts.pilot_costs(
        costs,
        budget_per_year=c01["per_year"],
        families_served=r.totals["gezinnen_totaal"],
        months_of_support=r.totals["maanden_ondersteuning"],
        placement_cost_per_year=placement_cost,
        as_of=as_of,
    )
    be = pcosts.break_even_table(
        cr.total_budget,
        placement_costs=[float(x) for x in log.value("C02")["grid"]],
        avoided_fractions=[0.1, 0.2, 0.3, 0.5],
        families=int(c01["capacity_max"]),
    )
    # Groningen's row in the regional table is computed from the pilot's own registration at the same peildatum
    pg = hv.per_group.set_index("groep")
    ended = families.loc[families.gezin_id.isin(pilot_ids) & (families.einde <= pd.Timestamp(as_of))]
    own = {
        "periode_einde": (pd.Timestamp(as_of) - pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
        "gezinnen_gestart": int(r.totals["gezinnen_totaal"]),
        "gezinnen_afgerond": int(r.totals["gezinnen_afgerond"]),
        "gem_duur_maanden": float(((ended.einde - ended.start).dt.days / 30.4375).mean()) if len(ended) else np.nan,
        "zrm_verbeterd": int(o.counts["verbeterd"]),
        "zrm_gemeten": int(o.n),
        "uithuisplaatsingen": int(pg.loc["pilot", "uithuisplaatsing"]) if "pilot" in pg.index else 0,
        "kosten_eur": float(cr.total_spent) if np.isfinite(cr.total_spent) else 0.0,
    }
    own_row = monitor.loc[monitor["gemeente_code"] == regional.OWN_PILOT_CODE, "periode_einde"]
    planned_end = str(own_row.iloc[0])[:10] if len(own_row) else None
    reg = regional.regional_comparison(monitor, own, as_of=as_of, planned_end=planned_end)
    measured = pd.DataFrame(
        [
            {"groep": g, **outcomes.measurement_status(zrm, families, ids, moment=moment, as_of=as_of)}
            for g, ids in (("pilot", pilot_ids), ("vergelijking", comp_ids))
        ]
    )
    measured["aandeel_gemeten"] = measured["gemeten"] / measured["gezinnen"].where(measured["gezinnen"] > 0)
    return PilotAnalysis(
        as_of, r, o, oc, dom, by_moment, hv, cr, be, reg, moment, float(min_effect), threshold, measured
    )


def public_count(n: int, threshold: int, audience: str) -> str:
    """A count as an openbaar report may show it: '<10' below the threshold, the number otherwise.

    The threshold may not be below ``analysis.privacy.PUBLIC_MIN_CELL`` for openbaar; zero is shown (not
    disclosive). Internal reports show every count. Numbers are formatted the Dutch way (1.234).

    Parameters
    ----------
    n : int
        The count.
    threshold : int
        The smallest count that may be shown (assumption P01).
    audience : str
        ``"openbaar"`` or an internal audience.

    Returns
    -------
    str
        ``"<10"`` (``analysis.privacy.SUPPRESSED``) for 0 < n < threshold in an openbaar report, else the number.

    Raises
    ------
    ValueError
        If ``threshold`` is below the public minimum for an openbaar report, or < 1.

    Examples
    --------
    >>> public_count(7, 10, "openbaar"), public_count(1234, 10, "openbaar"), public_count(7, 5, "intern")
    ('<10', '1.234', '7')
    """
    from analysis.formatting import number
    from analysis.privacy import check_public_threshold

    check_public_threshold(threshold, audience)
    if audience == "openbaar" and 0 < n < threshold:
        return SUPPRESSED
    return number(n)


def reveals_small_counts(table: pd.DataFrame, columns: list[str], threshold: int) -> bool:
    """True if a derived statistic over these counts would let a reader recover a suppressed count.

    A rate or difference over counts between 1 and threshold - 1 gives the count back once the group sizes are
    known, so such a statistic is not shown in an openbaar report either.

    Parameters
    ----------
    table : pandas.DataFrame
        The counts.
    columns : list of str
        The count columns the statistic uses.
    threshold : int
        The small-cell threshold.

    Returns
    -------
    bool
        True when any of the counts is between 1 and ``threshold`` - 1.

    Raises
    ------
    KeyError
        If ``table`` lacks one of ``columns``.
    ValueError
        If a value is not numeric.

    Examples
    --------
    >>> import pandas as pd
    >>> reveals_small_counts(pd.DataFrame({"a": [0, 12], "b": [3, 20]}), ["a", "b"], 10)
    True
    >>> reveals_small_counts(pd.DataFrame({"a": [0, 12]}), ["a"], 10)
    False
    """
    vals = table[columns].to_numpy(dtype=float)
    return bool(((vals > 0) & (vals < threshold)).any())
