"""The tussenevaluatie analysis in one call, plus parameter-driven conclusions and privacy-safe public tables."""

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
    conclusions: tuple[str, ...]


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
    """``min_effect``: the smallest change in the ZRM total score (sum of domains) the gemeente regards as
    meaningful; it drives the conclusions. ``as_of``: the data cut-off (halfway the pilot for the tussenevaluatie)."""
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
    costs_as_of = costs[costs.jaar <= pd.Timestamp(as_of).year]
    cr = pcosts.pilot_costs(
        costs_as_of,
        budget_per_year=c01["per_year"],
        families_served=r.summary["gezinnen_totaal"],
        months_of_support=r.summary["maanden_ondersteuning"],
        placement_cost_per_year=placement_cost,
    )
    be = pcosts.break_even_table(
        cr.total_budget,
        placement_costs=[float(x) for x in log.value("C02")["grid"]],
        avoided_fractions=[0.1, 0.2, 0.3, 0.5],
        families=int(c01["capacity_max"]),
    )
    reg = regional.regional_comparison(monitor)
    concl = conclusions(o, r, hv, cr, min_effect=min_effect, capacity_max=int(c01["capacity_max"]))
    return PilotAnalysis(
        as_of, r, o, oc, dom, by_moment, hv, cr, be, reg, moment, float(min_effect), threshold, tuple(concl)
    )


def conclusions(
    o: outcomes.OutcomeResult,
    r: reach.ReachResult,
    hv: heavycare.HeavyCareResult,
    cr: pcosts.CostResult,
    *,
    min_effect: float,
    capacity_max: int,
) -> list[str]:
    """Conclusions and recommendations that follow from the numbers and the chosen minimum effect."""
    from analysis.formatting import number, percent

    out = []
    if o.n < 5 or not np.isfinite(o.ci[0]):
        out.append(
            f"Er zijn nog te weinig gezinnen met een tweede ZRM-meting ({o.n}) om iets over uitkomsten te "
            "zeggen; herhaal de analyse bij de eindevaluatie."
        )
    elif o.ci[0] >= min_effect:
        out.append(
            f"De ZRM-totaalscore verbetert met meer dan het vooraf gekozen minimum van {number(min_effect, 1)} "
            "punt (ook de ondergrens van het interval). Dit is een aanwijzing dat de aanpak werkt; "
            "zonder gerandomiseerde vergelijking is het geen bewijs."
        )
    elif o.ci[0] > 0:
        out.append(
            f"De ZRM-totaalscore verbetert, maar niet aantoonbaar met het vooraf gekozen minimum van "
            f"{number(min_effect, 1)} punt. Voortzetten en bij de eindevaluatie opnieuw beoordelen."
        )
    else:
        out.append(
            f"Er is (nog) geen aantoonbare verbetering van de ZRM-totaalscore; met {o.n} gezinnen is alleen een "
            f"verandering van ten minste {number(o.mde_80, 1)} punt met redelijke zekerheid (80%) te zien."
        )
    if np.isfinite(o.mde_80) and o.mde_80 > min_effect:
        out.append(
            f"De pilot is te klein om een verandering van {number(min_effect, 1)} punt betrouwbaar te meten "
            f"(minimaal detecteerbaar: {number(o.mde_80, 1)}). Overweeg meer gezinnen of aansluiten bij de "
            "regionale monitor om gegevens te bundelen."
        )
    occ = r.summary["gem_bezetting"]
    if np.isfinite(occ) and occ < 0.8:
        out.append(
            f"De gemiddelde bezetting is {percent(occ, 0)} van de capaciteit van {capacity_max} gezinnen. "
            "Werving en toeleiding van gezinnen verdienen aandacht (ook Midden-Groningen had daar moeite mee)."
        )
    if np.isfinite(hv.rd_ci[0]) and hv.rd_ci[1] < 0:
        out.append(
            "Pilotgezinnen hadden minder vaak een uithuisplaatsing dan de vergelijkingsgroep; door selectie "
            "kan dit verschil ook zonder effect van de pilot ontstaan."
        )
    else:
        out.append(
            "Een verschil in uithuisplaatsingen tussen pilot en vergelijkingsgroep is met deze aantallen niet "
            "aan te tonen. Besparingen op zware zorg zijn daarom nog niet vast te stellen."
        )
    out.append(
        f"De pilot betaalt zich terug als hij ongeveer {number(cr.break_even_placements, 1)} jaar "
        "uithuisplaatsing voorkomt (bij de gekozen kosten per jaar); zie de gevoeligheidstabel."
    )
    return out


def public_count(n: int, threshold: int, audience: str) -> str:
    from analysis.formatting import number

    if audience == "openbaar" and 0 < n < threshold:
        return SUPPRESSED
    return number(n)


def reveals_small_counts(table: pd.DataFrame, columns: list[str], threshold: int) -> bool:
    """True if a derived statistic (rate, difference) over these counts would let a reader recover a count that
    is suppressed (between 1 and threshold - 1) once the group sizes are known."""
    vals = table[columns].to_numpy(dtype=float)
    return bool(((vals > 0) & (vals < threshold)).any())
