"""The numbers a tussenevaluatie reader sees, in one tested object, and findings that weigh both ways.

Every number in the report's summary and conclusions comes from ``PilotFacts``; the notebook only formats them.
Findings state the number they rest on and its uncertainty, and those that go against the pilot's hypothesis
(fewer placements, less stacking, better self-sufficiency) are listed as prominently as those that support it.

Every number has a status (``analysis.report.notebook.STATUSES``): the budget, the capacity and the report's own
parameters are real; figures from the (synthetic) family registration are synthetic; figures resting on the
placement cost without a source (assumption C02) are illustrative. A finding's sentence that uses a synthetic or
illustrative number says so ('synthetisch', 'illustratief'), as the consistency checker requires of a summary.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.formatting import euro, number, percent
from analysis.results import ResultDisplay

FOR, AGAINST, UNCERTAIN = "voor", "tegen", "onzeker"


@dataclass(frozen=True)
class Finding:
    """One conclusion: a Dutch sentence with the number it rests on and its uncertainty, and whether it supports
    the pilot's hypothesis (``voor``), goes against it (``tegen``) or cannot tell yet (``onzeker``).

    ``template`` has ``{key}`` placeholders for the numbers in ``values`` (already formatted), so a report can mark
    each number for the consistency checker; ``text`` is the plain sentence."""

    topic: str
    template: str
    direction: str
    values: tuple[tuple[str, str], ...] = ()
    statuses: tuple[tuple[str, str], ...] = ()  # key -> echt | synthetisch | illustratief (missing = echt)

    @property
    def text(self) -> str:
        return self.render()

    def status(self, key: str) -> str:
        return dict(self.statuses).get(key, "echt")

    def render(self, mark=None) -> str:
        """The sentence, with ``mark(key, text)`` applied to each number (e.g. the report's ``fact``; a ``mark`` that
        takes a third argument gets the number's status). Each sentence with a synthetic or illustrative number says
        so at its end: '(... ; synthetisch)'."""
        mark = mark or (lambda key, text: text)
        takes_status = len(inspect.signature(mark).parameters) >= 3
        vals = {k: (mark(k, v, self.status(k)) if takes_status else mark(k, v)) for k, v in self.values}
        return " ".join(_label(sent, self).format(**vals) for sent in _SENTENCE.split(self.template))


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_STATUS_WORD = {"synthetisch": "synthetisch", "illustratief": "illustratief"}


def _label(sentence: str, f: Finding) -> str:
    """The sentence with its numbers' status in words when any is not real ('synthetisch', 'illustratief')."""
    keys = re.findall(r"\{(\w+)\}", sentence)
    sts = sorted({f.status(k) for k in keys} - {"echt"})
    if not sts:
        return sentence
    words = " en ".join(_STATUS_WORD[x] for x in sts)
    body, end = (sentence[:-1], sentence[-1]) if sentence[-1:] in ".!?" else (sentence, "")
    if body.endswith(")"):
        return f"{body[:-1]}; {words}){end}"
    return f"{body} ({words}){end}"


def _finding(topic: str, direction: str, template: str, status=None, **values: str) -> Finding:
    """A finding with only the numbers its sentence uses (a value it does not print is not a fact of it);
    ``status(key)`` gives each number's status."""
    used = tuple((k, v) for k, v in values.items() if "{" + k + "}" in template)
    statuses = tuple((k, status(k)) for k, _ in used) if status else ()
    return Finding(topic, template, direction, used, statuses)


# numbers that are real whatever the data: the council's budget and capacity, the report's own parameters
REAL_KEYS = frozenset({"budget", "budget_volgend_jaar", "capaciteit", "moment", "min_effect", "horizon"})
# numbers that rest on an assumed value without a source (C02: the yearly cost of a placement)
ILLUSTRATIVE_KEYS = frozenset({"terugverdien_jaren", "kosten_plaatsing"})


@dataclass(frozen=True)
class PilotFacts(ResultDisplay):
    """Every number a tussenevaluatie reader sees, with the findings that weigh for and against the pilot."""

    peildatum: dt.date
    months_running: int
    families_started: int
    families_active: int
    families_finished: int
    max_concurrent: int
    capacity_min: int
    capacity_max: int
    occupancy: float
    zrm_moment: int
    zrm_n: int
    zrm_mean: float
    zrm_ci: tuple[float, float]
    zrm_mde: float
    comparison_n: int
    comparison_mean: float
    comparison_ci: tuple[float, float]
    min_effect: float
    placement_rate_pilot: float
    placement_rate_comparison: float
    placements_small: bool  # counts behind the rates are below the public threshold
    stacking: dict  # (group, phase) -> mean concurrent indications
    budget_total: float
    budget_by_year: dict
    spent_to_date: float
    cost_per_family: float
    placement_cost: float
    break_even_years: float
    findings: tuple[Finding, ...]
    synthetic: bool = True  # the family registration and spending are synthetic (the budget is not)
    zrm_median: float = float("nan")
    zrm_loo: tuple[float, float] = (float("nan"), float("nan"))  # mean with one family left out: lowest, highest
    zrm_driven_by_one: bool = False
    measured: dict | None = None  # group -> {gezinnen, gemeten, nog_niet_bereikt, ontbreekt}
    placement_years: dict | None = None  # group -> family-years of follow-up up to the peildatum
    followed_horizon: dict | None = None  # group -> families whose start is at least 12 months before the peildatum
    placement_rr: float = float("nan")
    placement_rr_ci: tuple[float, float] = (float("nan"), float("nan"))

    @property
    def comparison_improved_more(self) -> bool:
        return bool(np.isfinite(self.comparison_mean) and self.comparison_mean > self.zrm_mean)

    @property
    def placements_not_lower(self) -> bool:
        return bool(self.placement_rate_pilot >= self.placement_rate_comparison)

    @property
    def spent_share(self) -> float:
        return self.spent_to_date / self.budget_total

    def status_of(self, key: str) -> str:
        """'echt', 'synthetisch' or 'illustratief' for the number printed under ``key``."""
        if key in REAL_KEYS:
            return "echt"
        if key in ILLUSTRATIVE_KEYS:
            return "illustratief"
        return "synthetisch" if self.synthetic else "echt"

    def findings_in(self, *directions: str) -> list[Finding]:
        return [f for f in self.findings if f.direction in directions]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                ("zrm_verandering", self.zrm_mean, *self.zrm_ci),
                ("zrm_verandering_vergelijking", self.comparison_mean, *self.comparison_ci),
                ("gezinnen_gestart", self.families_started, np.nan, np.nan),
                ("kosten_tot_peildatum", self.spent_to_date, np.nan, np.nan),
                ("terugverdienjaren_uithuisplaatsing", self.break_even_years, np.nan, np.nan),
            ],
            columns=["term", "estimate", "ci_lower", "ci_upper"],
        ).assign(std_error=np.nan, p_value=np.nan)[["term", "estimate", "std_error", "ci_lower", "ci_upper", "p_value"]]


def _ci(ci: tuple[float, float], d: int = 1) -> str:
    return f"{number(ci[0], d)} tot {number(ci[1], d)}"


def pilot_facts(res, *, audience: str, min_n_stat: int = 5, synthetic: bool = True) -> PilotFacts:
    """Every number a tussenevaluatie reader sees, from a ``PilotAnalysis``, for the given audience.

    From the result of ``analysis.pilot.analysis.run``: reach and occupancy, the ZRM change of the pilot and the
    comparison group with intervals, median, leave-one-out range and minimal detectable change, placement rates,
    stacking, budget and spending to the peildatum and break-even; then the findings (``findings``) that weigh both
    ways. In ``openbaar``, counts below the threshold and rates that would reveal them are not turned into numbers.
    ``synthetic``: the family registration and spending are synthetic (the report's ``ReportContext.synthetic``).

    Placement rates are per family-year of follow-up, both groups on the clock 'months since the start' up to the
    peildatum (``heavycare.placement_followup``), not shares 'within 12 months' over unequal follow-up.

    Parameters
    ----------
    res : PilotAnalysis
        The result of ``analysis.pilot.analysis.run``.
    audience : str
        ``"openbaar"`` (public) or an internal audience.
    min_n_stat : int, default 5
        Fewest families for a statistic in the report (passed on for the report's tables).
    synthetic : bool, default True
        Whether the family registration and spending are synthetic (sets the status of each number).

    Returns
    -------
    PilotFacts
        The facts and their ``findings``; ``status_of(key)`` gives each number's status (echt, synthetisch,
        illustratief) and ``to_frame()`` the main estimates.

    Raises
    ------
    ValueError
        If the result's threshold is below the public minimum for an openbaar report (or < 1), or its heavy-care
        result has no placement follow-up.

    Examples
    --------
    >>> from analysis.pilot import analysis as pa
    >>> res = pa.run(**tables, log=log, as_of="2022-11-01")  # doctest: +SKIP
    >>> facts = pilot_facts(res, audience="openbaar")  # doctest: +SKIP
    >>> [f.direction for f in facts.findings]  # doctest: +SKIP
    """
    from analysis.pilot.analysis import reveals_small_counts
    from analysis.privacy import check_public_threshold

    check_public_threshold(res.threshold, audience)
    s = res.reach.totals
    peil = pd.Timestamp(res.as_of).date()
    start = pd.Timestamp(res.reach.per_month["maand"].min()).date()
    months = (peil.year - start.year) * 12 + peil.month - start.month
    o, oc = res.outcome, res.outcome_comparison
    fu = res.heavy.followup
    if fu is None:  # a HeavyCareResult from before the follow-up analysis: no rates on unequal follow-up
        raise ValueError("heavy-care result has no placement follow-up (heavycare.placement_followup)")
    fpg = fu.per_group.set_index("groep")
    rate = lambda g: fu.rate(g)  # noqa: E731
    small = audience == "openbaar" and reveals_small_counts(fu.per_group, ["plaatsingen"], res.threshold)
    measured = None
    if getattr(res, "measured", None) is not None:
        measured = {r["groep"]: {k: int(r[k]) for k in ("gezinnen", "gemeten", "nog_niet_bereikt", "ontbreekt")}
                    for r in res.measured.to_dict("records")}  # fmt: skip
    st = res.heavy.stacking.set_index(["groep", "fase"])["gem_indicaties"].to_dict()
    c = res.costs
    cap_min, cap_max = int(res.reach.per_month.capaciteit_min.iloc[0]), int(res.reach.per_month.capaciteit_max.iloc[0])
    base = dict(
        peildatum=peil,
        months_running=months,
        families_started=int(s["gezinnen_totaal"]),
        families_active=int(s["gezinnen_actief"]),
        families_finished=int(s["gezinnen_afgerond"]),
        max_concurrent=int(s["max_gelijktijdig"]),
        capacity_min=cap_min,
        capacity_max=cap_max,
        occupancy=float(s["gem_bezetting"]),
        zrm_moment=int(o.moment),
        zrm_n=int(o.n),
        zrm_mean=float(o.mean_change) if o.n >= min_n_stat else np.nan,
        zrm_ci=tuple(float(x) for x in o.ci) if o.n >= min_n_stat else (np.nan, np.nan),
        zrm_mde=float(o.mde_80) if o.n >= min_n_stat else np.nan,
        comparison_n=int(oc.n),
        comparison_mean=float(oc.mean_change) if oc.n >= min_n_stat else np.nan,
        comparison_ci=tuple(float(x) for x in oc.ci) if oc.n >= min_n_stat else (np.nan, np.nan),
        min_effect=float(res.min_effect),
        placement_rate_pilot=rate("pilot"),
        placement_rate_comparison=rate("vergelijking"),
        placements_small=bool(small),
        stacking=st,
        budget_total=float(c.total_budget),
        budget_by_year={int(r.jaar): float(r.begroot) for r in c.per_year.itertuples()},
        spent_to_date=float(c.total_spent),
        cost_per_family=float(c.cost_per_family),
        placement_cost=float(c.placement_cost_per_year),
        break_even_years=float(c.break_even_placements),
        findings=(),
        synthetic=bool(synthetic),
        zrm_median=float(o.median_change) if o.n >= min_n_stat else np.nan,
        zrm_loo=tuple(float(x) for x in o.leave_one_out) if o.n >= min_n_stat else (np.nan, np.nan),
        zrm_driven_by_one=bool(o.n >= min_n_stat and o.driven_by_one),
        measured=measured,
        placement_years={g: float(fpg.loc[g, "gezinsjaren"]) for g in fpg.index},
        followed_horizon={g: int(fpg.loc[g, "gevolgd_horizon"]) for g in fpg.index},
        placement_rr=float(fu.rate_ratio),
        placement_rr_ci=tuple(float(x) for x in fu.rr_ci),
    )
    f = PilotFacts(**base)
    return PilotFacts(**{**base, "findings": tuple(findings(f, hv=res.heavy))})


def findings(f: PilotFacts, *, hv) -> list[Finding]:
    """Conclusions from the numbers, each with its number and uncertainty, in both directions.

    Reach against capacity, the ZRM change (and whether one family drives the mean, and how many families were not
    measured yet and why), the comparison group, placements per family-year, stacking, what the pilot could detect
    at all (minimal detectable change against ``min_effect``) and money. Findings that go against the pilot's
    hypothesis (fewer placements, less stacking, better self-sufficiency) are listed as prominently as those that
    support it. Placeholder keys are the names the report uses for the same quantity everywhere; each sentence with
    a synthetic or illustrative number says so.

    Parameters
    ----------
    f : PilotFacts
        The facts (``pilot_facts`` builds them and calls this function).
    hv : HeavyCareResult
        The heavy-care result behind the facts (``res.heavy``); the findings read their numbers from ``f``.

    Returns
    -------
    list of Finding
        Each with ``topic``, ``direction`` (``voor``, ``tegen`` or ``onzeker``), a Dutch ``template`` with
        placeholders, the formatted ``values`` and their statuses; ``text`` is the plain sentence.

    Raises
    ------
    KeyError
        If a template names a value that is not given (a programming error, caught by the tests).

    Examples
    --------
    >>> from analysis.pilot import analysis as pa
    >>> res = pa.run(**tables, log=log, as_of="2022-11-01")  # doctest: +SKIP
    >>> facts = pilot_facts(res, audience="intern")  # doctest: +SKIP
    >>> for f in findings(facts, hv=res.heavy): print(f.direction, f.text)  # doctest: +SKIP
    """
    out = []
    fnd = lambda *a, **k: _finding(*a, status=f.status_of, **k)  # noqa: E731
    out.append(
        fnd(
            "bereik",
            FOR if f.occupancy >= 0.8 else AGAINST,
            "Tot de peildatum startten {gezinnen_gestart} gezinnen; op de peildatum kregen er nog {gezinnen_actief} "
            "ondersteuning. De gemiddelde bezetting was {bezetting} van de capaciteit van {capaciteit} gezinnen "
            "(hoogstens {max_tegelijk} tegelijk).",
            gezinnen_gestart=number(f.families_started),
            gezinnen_actief=number(f.families_active),
            bezetting=percent(f.occupancy, 0),
            capaciteit=number(f.capacity_max),
            max_tegelijk=number(f.max_concurrent),
        )
    )
    mp = (f.measured or {}).get("pilot")
    mc = (f.measured or {}).get("vergelijking")
    if not np.isfinite(f.zrm_mean) or not np.isfinite(f.zrm_ci[0]):
        out.append(
            fnd(
                "zelfredzaamheid",
                UNCERTAIN,
                "Er zijn te weinig gezinnen met een tweede ZRM-meting ({zrm_n}) om iets over de zelfredzaamheid te "
                "zeggen.",
                zrm_n=number(f.zrm_n),
            )
        )
    else:
        base = (
            "De zelfredzaamheid (ZRM-totaalscore) van pilotgezinnen veranderde na {moment} maanden gemiddeld met "
            "{zrm_pilot} punt (95%-betrouwbaarheidsinterval {zrm_pilot_ci}; {zrm_n} gezinnen gemeten)."
        )
        if mp and mp["gemeten"] < mp["gezinnen"]:
            base += _why_not_measured(mp, "pilot")
        if f.zrm_driven_by_one:
            # one family moves the mean: the reader gets the median and the leave-one-out range beside it
            base += (
                " Dat gemiddelde rust vooral op één gezin: de mediaan is {zrm_pilot_mediaan} punt, en laat je één "
                "gezin weg (elk om de beurt), dan ligt het gemiddelde tussen {zrm_pilot_loo_laag} en "
                "{zrm_pilot_loo_hoog} punt."
            )
        vals = dict(
            moment=number(f.zrm_moment),
            zrm_pilot=number(f.zrm_mean, 1),
            zrm_pilot_ci=_ci(f.zrm_ci),
            zrm_n=number(f.zrm_n),
            min_effect=number(f.min_effect, 1),
            gezinnen_gestart=number(f.families_started),
            zrm_pilot_nog_niet=number(mp["nog_niet_bereikt"]) if mp else "",
            zrm_pilot_ontbreekt=number(mp["ontbreekt"]) if mp else "",
            zrm_pilot_mediaan=number(f.zrm_median, 1),
            zrm_pilot_loo_laag=number(f.zrm_loo[0], 1),
            zrm_pilot_loo_hoog=number(f.zrm_loo[1], 1),
        )
        if f.zrm_ci[0] >= f.min_effect:
            direction, tail = FOR, " Dat is meer dan het vooraf gekozen minimum van {min_effect} punt."
        elif f.zrm_ci[0] > 0:
            direction = UNCERTAIN
            tail = " Er is verbetering, maar niet aantoonbaar het vooraf gekozen minimum van {min_effect} punt."
        else:
            direction, tail = AGAINST, " Het interval omvat nul: een verbetering is (nog) niet aangetoond."
        out.append(fnd("zelfredzaamheid", direction, base + tail, **vals))
    if np.isfinite(f.comparison_mean) and np.isfinite(f.zrm_mean):
        vals = dict(
            zrm_vergelijking=number(f.comparison_mean, 1),
            zrm_vergelijking_ci=_ci(f.comparison_ci),
            zrm_vergelijking_n=number(f.comparison_n),
            zrm_pilot=number(f.zrm_mean, 1),
            vergelijking_gestart=number(mc["gezinnen"]) if mc else "",
            zrm_vergelijking_nog_niet=number(mc["nog_niet_bereikt"]) if mc else "",
            zrm_vergelijking_ontbreekt=number(mc["ontbreekt"]) if mc else "",
            moment=number(f.zrm_moment),
        )
        share = ""
        if mc and mc["gemeten"] < mc["gezinnen"]:
            share = (
                " Van de {vergelijking_gestart} gezinnen in de vergelijkingsgroep hadden er {zrm_vergelijking_n} een "
                "meting na {moment} maanden;" + _why_not_measured(mc, "vergelijking", lead="") + " Het gemiddelde "
                "beschrijft dus vooral de vroege starters."
            )
        if f.comparison_improved_more:
            out.append(
                fnd(
                    "vergelijking",
                    AGAINST,
                    "De vergelijkingsgroep met reguliere hulp verbeterde gemiddeld méér: {zrm_vergelijking} punt "
                    "(95%-interval {zrm_vergelijking_ci}; {zrm_vergelijking_n} gezinnen) tegen {zrm_pilot} in de "
                    "pilot." + share + " De groepen zijn niet gelijk samengesteld, dus dit bewijst niet dat de "
                    "pilot slechter werkt.",
                    **vals,
                )
            )
        else:
            out.append(
                fnd(
                    "vergelijking",
                    FOR,
                    "Pilotgezinnen verbeterden gemiddeld meer dan de vergelijkingsgroep ({zrm_pilot} tegen "
                    "{zrm_vergelijking} punt; 95%-interval vergelijkingsgroep {zrm_vergelijking_ci})."
                    + share
                    + " De groepen zijn niet gelijk samengesteld.",
                    **vals,
                )
            )
    if np.isfinite(f.placement_rate_pilot) and np.isfinite(f.placement_rate_comparison):
        years = f.placement_years or {}
        clock = "gemeten vanaf de start van de ondersteuning tot de peildatum, per gezinsjaar"
        if f.placements_small:
            detail, vals = f"({clock}; de aantallen zijn te klein om in een openbaar rapport te noemen)", {}
        else:
            detail = (
                f"({clock}: {{plaatsing_pilot}} tegen {{plaatsing_vergelijking}}; verhouding {{plaatsing_rr}}, "
                "95%-interval {plaatsing_rr_ci})"
            )
            vals = dict(
                plaatsing_pilot=number(f.placement_rate_pilot, 2),
                plaatsing_vergelijking=number(f.placement_rate_comparison, 2),
                plaatsing_rr=number(f.placement_rr, 1),
                plaatsing_rr_ci=_ci(f.placement_rr_ci),
            )
        vals.update(
            gezinsjaren_pilot=number(years.get("pilot", np.nan), 1),
            gezinsjaren_vergelijking=number(years.get("vergelijking", np.nan), 1),
        )
        followed = f.followed_horizon or {}
        if not any(followed.values()):
            short = (
                " De follow-up is kort: samen {gezinsjaren_pilot} gezinsjaren in de pilot en "
                "{gezinsjaren_vergelijking} in de vergelijkingsgroep, en geen enkel gezin was op de peildatum al "
                "12 maanden gevolgd. Over uithuisplaatsingen binnen 12 maanden is nog niets te zeggen."
            )
        else:
            short = (
                " De follow-up is kort: samen {gezinsjaren_pilot} gezinsjaren in de pilot en "
                "{gezinsjaren_vergelijking} in de vergelijkingsgroep; niet alle gezinnen waren op de peildatum al "
                "12 maanden gevolgd."
            )
        if f.placements_not_lower:
            out.append(
                fnd(
                    "zware zorg",
                    AGAINST,
                    f"Pilotgezinnen hadden niet minder vaak een uithuisplaatsing dan de vergelijkingsgroep {detail}."
                    + short
                    + " De verwachte besparing op zware zorg is (nog) niet zichtbaar.",
                    **vals,
                )
            )
        else:
            proven = np.isfinite(f.placement_rr_ci[1]) and f.placement_rr_ci[1] < 1
            out.append(
                fnd(
                    "zware zorg",
                    FOR if proven else UNCERTAIN,
                    f"Pilotgezinnen hadden minder vaak een uithuisplaatsing {detail}; zonder gerandomiseerde "
                    "vergelijking kan dat ook door selectie komen." + short,
                    **vals,
                )
            )
    sp = f.stacking
    if ("pilot", "voor") in sp and ("pilot", "na") in sp:
        pv, pn = sp[("pilot", "voor")], sp[("pilot", "na")]
        cv, cn = sp.get(("vergelijking", "voor"), np.nan), sp.get(("vergelijking", "na"), np.nan)
        fell = pn < pv
        more_than_comparison = not (np.isfinite(cv) and np.isfinite(cn)) or (pv - pn) > (cv - cn)
        comp = " In de vergelijkingsgroep ging het van {stapeling_vergelijking_voor} naar {stapeling_vergelijking_na}."
        out.append(
            fnd(
                "stapeling",
                FOR if fell and more_than_comparison else (UNCERTAIN if fell else AGAINST),
                "Het gemiddelde aantal gelijktijdige indicaties (stapeling) van pilotgezinnen ging van "
                "{stapeling_pilot_voor} vóór naar {stapeling_pilot_na} na de ondersteuning."
                + (comp if np.isfinite(cv) and np.isfinite(cn) else ""),
                stapeling_pilot_voor=number(pv, 1),
                stapeling_pilot_na=number(pn, 1),
                stapeling_vergelijking_voor=number(cv, 1),
                stapeling_vergelijking_na=number(cn, 1),
            )
        )
    if np.isfinite(f.zrm_mde) and f.zrm_mde > f.min_effect:
        out.append(
            fnd(
                "omvang",
                UNCERTAIN,
                "Met {zrm_n} gemeten gezinnen is pas een gemiddelde verandering van {zrm_mde} punt met 80% zekerheid "
                "aan te tonen, meer dan het gekozen minimum van {min_effect}. Dat er geen effect is aangetoond, "
                "betekent niet dat er geen effect is.",
                zrm_n=number(f.zrm_n),
                zrm_mde=number(f.zrm_mde, 1),
                min_effect=number(f.min_effect, 1),
            )
        )
    out.append(
        fnd(
            "geld",
            UNCERTAIN,
            "Tot de peildatum is {uitgegeven} uitgegeven van het budget van {budget} ({uitgegeven_aandeel}), "
            "{kosten_per_gezin} per gestart gezin. De pilot verdient zich terug als hij {terugverdien_jaren} jaar "
            "uithuisplaatsing voorkomt (bij {kosten_plaatsing} per jaar, aanname C02).",
            uitgegeven=euro(f.spent_to_date),
            budget=euro(f.budget_total),
            uitgegeven_aandeel=percent(f.spent_share, 0),
            kosten_per_gezin=euro(f.cost_per_family),
            terugverdien_jaren=number(f.break_even_years, 1),
            kosten_plaatsing=euro(f.placement_cost),
        )
    )
    return out


def _why_not_measured(m: dict, group: str, lead: str = " Van de {gezinnen_gestart} gestarte gezinnen") -> str:
    """Why the other families have no score: their measurement was not due yet on the peildatum (they started
    less than ``moment`` months before it), or it was due and is missing. Placeholders use the group's keys
    (pilot: zrm_pilot_*, vergelijking: zrm_vergelijking_*)."""
    key = "zrm_pilot" if group == "pilot" else "zrm_vergelijking"
    n1, n2 = m["nog_niet_bereikt"], m["ontbreekt"]
    if n1 and not n2:
        why = (
            "het andere gezin startte minder dan {moment} maanden voor de peildatum"
            if n1 == 1
            else f"de andere {{{key}_nog_niet}} startten minder dan {{moment}} maanden voor de peildatum"
        )
    elif n2 and not n1:
        why = (
            "bij het andere gezin ontbreekt de meting"
            if n2 == 1
            else f"bij de andere {{{key}_ontbreekt}} ontbreekt de meting"
        )
    else:
        why = (
            f"van de andere gezinnen startten er {{{key}_nog_niet}} minder dan {{moment}} maanden voor de peildatum "
            f"en ontbreekt bij {{{key}_ontbreekt}} de meting"
        )
    if lead:
        return f"{lead} hadden er {{zrm_n}} een meting; {why}."
    return f" {why}."


def recommendations(f: PilotFacts) -> list[str]:
    """What to do next, following from the findings (each names the number that prompts it).

    Recruitment when occupancy is below 80% of capacity; pooling measurements with the regional pilots when the
    pilot is too small to detect ``min_effect``; examining why the comparison group improved more; not counting on
    savings on heavy care when placements are not lower; and always: fix beforehand which outcome the final
    evaluation needs for continuation.

    Parameters
    ----------
    f : PilotFacts
        The facts (``pilot_facts``).

    Returns
    -------
    list of str
        Dutch sentences, the last one always present.

    Raises
    ------
    None
        Never raises on a complete ``PilotFacts``.

    Examples
    --------
    >>> from analysis.pilot import analysis as pa
    >>> res = pa.run(**tables, log=log, as_of="2022-11-01")  # doctest: +SKIP
    >>> recommendations(pilot_facts(res, audience="openbaar"))[-1]  # doctest: +SKIP
    'Leg voor de eindevaluatie vooraf vast welke uitkomst voor voortzetting nodig is ...'
    """
    out = []
    if f.occupancy < 0.8:
        out.append(
            f"Werving en toeleiding van gezinnen verdienen aandacht: de bezetting was {percent(f.occupancy, 0)} van "
            "de capaciteit" + ("; synthetisch" if f.synthetic else "") + " (ook Midden-Groningen had moeite voldoende "
            "gezinnen te vinden)."
        )
    if np.isfinite(f.zrm_mde) and f.zrm_mde > f.min_effect:
        out.append(
            "Bundel de metingen met de regionale pilots of verleng de meetperiode: deze pilot alleen is te klein "
            f"om een verandering van {number(f.min_effect, 1)} punt aan te tonen."
        )
    if f.comparison_improved_more:
        out.append(
            "Onderzoek voor de eindevaluatie waarom de vergelijkingsgroep meer verbeterde: verschillen de gezinnen "
            "bij de start (zwaardere problematiek in de pilot?) of de ondersteuning?"
        )
    if f.placements_not_lower:
        out.append(
            "Reken voor 2023 niet op besparingen op zware zorg: die zijn tot de peildatum niet zichtbaar. "
            "Volg uithuisplaatsingen ook na afloop van de ondersteuning."
        )
    out.append(
        "Leg voor de eindevaluatie vooraf vast welke uitkomst voor voortzetting nodig is (minimaal effect, "
        "kosten per gezin) en meet de vergelijkingsgroep op dezelfde momenten."
    )
    return out
