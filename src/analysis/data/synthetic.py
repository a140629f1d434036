"""Seeded synthetic microdata, calibrated to public aggregates. Every table is labelled synthetic.

The real registration data (Wmo HH clients, pilot families, regional monitor) cannot leave the gemeente; these
generators produce tables with the same schema so that the library, reports and tests run anywhere. All
parameters come from the assumptions log (S01-S10, C01), so the true effects are known and the estimators can
be checked against them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.assumptions import AssumptionLog, load_assumptions

AGE_BANDS = ["18-64", "65-74", "75-84", "85+"]
AGE_RANGES = {"18-64": (18, 64), "65-74": (65, 74), "75-84": (75, 84), "85+": (85, 99)}
INCOME = ["laag", "midden", "hoog"]
FIRST_MONTH = pd.Timestamp("2015-01-01")
LAST_MONTH = pd.Timestamp("2024-12-01")
TARIFF_START = pd.Timestamp("2019-01-01")  # abonnementstarief: flat contribution from 1-1-2019
RECODE_START = pd.Timestamp("2019-01-01")  # S11: clients formerly registered as OT counted as HH from then on
HERSTEL_START = pd.Timestamp("2023-01-01")  # new HH contracts with herstelgerichte hulp from 1-1-2023
ZRM_DOMAINS = [
    "financien",
    "dagbesteding",
    "huisvesting",
    "huiselijke_relaties",
    "geestelijke_gezondheid",
    "lichamelijke_gezondheid",
    "middelengebruik",
    "adl",
    "sociaal_netwerk",
    "participatie",
    "justitie",
    "opvoeding",
]
SYNTH_LABEL = "synthetisch"


def age_band(age: np.ndarray | pd.Series) -> np.ndarray:
    age = np.asarray(age)
    return np.select([age < 18, age < 65, age < 75, age < 85], ["<18", "18-64", "65-74", "75-84"], "85+")


def _pseudonyms(rng: np.random.Generator, n: int, prefix: str, width: int) -> np.ndarray:
    """Random hex pseudonyms (never digits only, so never BSN-like)."""
    raw = rng.integers(0, 16**width, size=n * 2, dtype=np.uint64)
    uniq = pd.unique(raw)[:n]
    if len(uniq) < n:
        raise RuntimeError("pseudonym collision; retry with another seed")
    return np.array([f"{prefix}{v:0{width}x}" for v in uniq])


# ------------------------------------------------------------------------------------------- population


def population(log: AssumptionLog | None = None, years: range = range(2015, 2043)) -> pd.DataFrame:
    """Population by year x area x age band (synthetic area split of calibrated totals)."""
    log = log or load_assumptions()
    s05 = log.value("S05")
    d01 = log.value("D01")
    shares = log.value("S07")
    rows = []
    for year in years:
        for band in AGE_BANDS:
            base = s05["pop_2019"][band] * (1 + s05["growth_per_year"][band]) ** (year - 2019)
            if band in ("75-84", "85+") and year > d01["base_year"]:
                base = _prognosis_75plus(d01, year, band)
            for area, share in shares.items():
                rows.append({"jaar": year, "gebied": area, "leeftijdsgroep": band, "inwoners": base * share})
    df = pd.DataFrame(rows)
    df["inwoners"] = df["inwoners"].round().astype(int)
    return df


def _prognosis_75plus(d01: dict, year: int, band: str) -> float:
    """OIS prognosis: 75+ from ~15,000 (2022) to ~26,000 (2042), log-linear; 85+ share rising linearly."""
    t = (year - d01["base_year"]) / (d01["target_year"] - d01["base_year"])
    total = d01["base_75plus"] * (d01["target_75plus"] / d01["base_75plus"]) ** t
    share85 = d01["share_85plus_of_75plus_2022"] + t * (
        d01["share_85plus_of_75plus_2042"] - d01["share_85plus_of_75plus_2022"]
    )
    return total * (share85 if band == "85+" else 1 - share85)


# --------------------------------------------------------------------------------------------- HH clients


@dataclass(frozen=True)
class HHSynthetic:
    clients: pd.DataFrame
    monthly: pd.DataFrame
    population: pd.DataFrame
    herstel: pd.DataFrame


def _months() -> pd.DatetimeIndex:
    return pd.date_range(FIRST_MONTH, LAST_MONTH, freq="MS")


def generate_hh(seed: int, log: AssumptionLog | None = None) -> HHSynthetic:
    """Groningen HH clients 2015-2024 as spells, built from a monthly inflow process.

    Monthly inflow per area x age band x income class = steady-state usage rate x population / mean duration
    (S01, S02, S05, S07), multiplied from 2019-01 by the tariff rate ratio of the income class (S03). Durations
    are geometric. A stock of clients active on 1-1-2015 is drawn from the steady state.

    From 2019-01 the registration also counts as HH clients who were registered as 'ondersteuning thuis' before
    (S11: a stock on 1-1-2019 and extra inflow, flagged ``hercodeerd``). The real CBS series of Groningen rises
    from 3.225 (2017, present territory) to 5.530 (2019) while OT falls by 1.385: the break screen flags it as a
    possible recoding, and this is how the synthetic registration reproduces it. The tariff effect (S03) acts on
    the other clients' inflow only, so an ITS on the inflow without recoded clients recovers S03.
    """
    log = log or load_assumptions()
    rng = np.random.default_rng(seed)
    rates = log.value("S01")
    mean_dur = float(log.value("S02"))
    tariff = log.value("S03")
    inc_share = log.value("S04")
    areas_teams = log.value("S06")
    hours_p = log.value("S08")
    herstel_p = log.value("S09")
    recode = log.value("S11")
    pop = population(log, range(2014, 2026))
    months = _months()
    p_end = 1.0 / mean_dur

    blocks = []
    # 1. stock on 1-1-2015 (steady state: usage rate x population); elapsed durations are geometric too
    p14 = pop[pop.jaar == 2014]
    for r in p14.itertuples():
        n = rng.poisson(rates[r.leeftijdsgroep] / 1000 * r.inwoners)
        # Elapsed time in care is geometric too; capped at 5 years so no start lies before 2010.
        elapsed = np.minimum(rng.geometric(p_end, n) - 1, 60)
        start_idx = -elapsed
        blocks.append(
            pd.DataFrame(
                {
                    "gebied": r.gebied,
                    "band": r.leeftijdsgroep,
                    "start_idx": start_idx,
                    "inkomensklasse": rng.choice(INCOME, n, p=[inc_share[i] for i in INCOME]),
                }
            )
        )
    # 2. monthly inflow
    for m_idx, month in enumerate(months):
        py = pop[pop.jaar == month.year]
        for r in py.itertuples():
            lam_total = rates[r.leeftijdsgroep] / 1000 * r.inwoners / mean_dur
            for inc in INCOME:
                lam = lam_total * inc_share[inc] * (tariff[inc] if month >= TARIFF_START else 1.0)
                n = rng.poisson(lam)
                if n:
                    blocks.append(
                        pd.DataFrame(
                            {
                                "gebied": r.gebied,
                                "band": r.leeftijdsgroep,
                                "start_idx": np.full(n, m_idx),
                                "inkomensklasse": inc,
                            }
                        )
                    )
    # 3. S11: the 2019 registration shift (stock on 1-1-2019 in proportion to the steady-state stock, then inflow)
    r_idx = int((RECODE_START.year - FIRST_MONTH.year) * 12 + RECODE_START.month - FIRST_MONTH.month)
    base = [(r.gebied, r.leeftijdsgroep, rates[r.leeftijdsgroep] / 1000 * r.inwoners)
            for r in pop[pop.jaar == RECODE_START.year].itertuples()]  # fmt: skip
    stock_total = sum(b[2] for b in base)
    for m_idx, month in enumerate(months):
        if month < RECODE_START:
            continue
        py = pop[pop.jaar == month.year].set_index(["gebied", "leeftijdsgroep"])["inwoners"]
        for area, band, steady in base:
            lam = recode["extra_inflow"] * rates[band] / 1000 * py.loc[(area, band)] / mean_dur
            if m_idx == r_idx:
                lam += recode["stock"] * steady / stock_total
            k = rng.poisson(lam)
            if k:
                blocks.append(pd.DataFrame({"gebied": area, "band": band, "start_idx": np.full(k, m_idx),
                                            "inkomensklasse": rng.choice(INCOME, k, p=[inc_share[i] for i in INCOME]),
                                            "hercodeerd": True}))  # fmt: skip
    c = pd.concat(blocks, ignore_index=True)
    c["hercodeerd"] = c["hercodeerd"].fillna(False).astype(bool) if "hercodeerd" in c else False
    n = len(c)
    dur = rng.geometric(p_end, n)
    # Memoryless: a client in the 2015 stock has a fresh geometric remaining duration from 1-1-2015.
    end_idx = np.maximum(c["start_idx"].to_numpy(), 0) + dur
    c["start"] = pd.to_datetime(_month_offsets(c["start_idx"].to_numpy()))
    ended = end_idx <= len(months) - 1
    c["einde"] = pd.to_datetime(np.where(ended, _month_offsets(end_idx), np.datetime64("NaT")))
    lo = np.array([AGE_RANGES[b][0] for b in c["band"]])
    hi = np.array([AGE_RANGES[b][1] for b in c["band"]])
    age_at_start = rng.integers(lo, hi + 1)
    c["geboortejaar"] = c["start"].dt.year.to_numpy() - age_at_start
    old = age_at_start >= 75
    c["geslacht"] = np.where(rng.random(n) < np.where(old, 0.68, 0.6), "v", "m")
    c["huishouden"] = np.where(rng.random(n) < np.where(old, 0.62, 0.45), "alleenstaand", "samenwonend")
    c["wij_team"] = [areas_teams[a][k % len(areas_teams[a])] for a, k in zip(c["gebied"], rng.integers(0, 6, n))]
    mult = np.where(age_at_start >= 85, hours_p["age85_multiplier"], 1.0) * np.where(
        c["huishouden"] == "alleenstaand", hours_p["single_multiplier"], 1.0
    )
    hours = hours_p["median"] * mult * np.exp(rng.normal(0, hours_p["sigma"], n))
    c["uren_per_week"] = np.clip(np.round(hours * 4) / 4, 0.5, 20.0)
    # Providers: before 2023 several providers city-wide; from 2023 one provider per area (variant 3).
    providers_old = np.array(["Aanbieder A", "Aanbieder B", "Aanbieder C", "Aanbieder D", "Aanbieder E"])
    c["aanbieder"] = providers_old[rng.integers(0, len(providers_old), n)]
    helpers = rng.integers(0, 400, n)
    c["koppel_id"] = [f"K{p[-1]}{h:03d}" for p, h in zip(c["aanbieder"], helpers)]
    # Helper changes happen; the current pair started at HH start or at a later helper change.
    change = rng.random(n) < 0.3
    shift = np.minimum(rng.integers(1, 24, n), np.maximum(dur - 1, 0))
    c["koppel_start"] = pd.to_datetime(_month_offsets(c["start_idx"].to_numpy() + np.where(change, shift, 0)))
    c["herstelgericht"] = False
    c["client_id"] = _pseudonyms(rng, n, "C", 10)
    c = c.rename(columns={"band": "leeftijdsgroep_start"})
    clients = (
        c[
            [
                "client_id",
                "geboortejaar",
                "geslacht",
                "huishouden",
                "inkomensklasse",
                "gebied",
                "wij_team",
                "start",
                "einde",
                "uren_per_week",
                "aanbieder",
                "koppel_id",
                "koppel_start",
                "herstelgericht",
                "hercodeerd",
                "leeftijdsgroep_start",
            ]
        ]
        .sort_values("start", kind="stable")
        .reset_index(drop=True)
    )
    clients["start"] = clients["start"].astype("datetime64[ns]")
    clients["einde"] = clients["einde"].astype("datetime64[ns]")
    clients["koppel_start"] = clients["koppel_start"].astype("datetime64[ns]")
    herstel = _herstel_episodes(rng, clients, herstel_p)
    clients.loc[
        clients["client_id"].isin(herstel.loc[herstel.groep == "herstelgericht", "client_id"]), "herstelgericht"
    ] = True
    monthly = monthly_counts(clients, pop)
    # the population table carries the prognosis too (D01), so budgets for later contract years can be made
    return HHSynthetic(clients, monthly, population(log, range(2015, 2043)), herstel)


def _month_offsets(idx: np.ndarray) -> np.ndarray:
    base = FIRST_MONTH.year * 12 + FIRST_MONTH.month - 1
    total = base + np.asarray(idx, dtype=np.int64)
    return (total - 1970 * 12).astype("datetime64[M]").astype("datetime64[ns]")


def monthly_counts(clients: pd.DataFrame, pop: pd.DataFrame) -> pd.DataFrame:
    """Active clients, inflow and outflow per month x area x age band (age in that month), with population."""
    months = _months()
    s = clients["start"].values.astype("datetime64[M]")
    e = clients["einde"].values.astype("datetime64[M]")
    rows = []
    birth = clients["geboortejaar"].to_numpy()
    for m in months.values.astype("datetime64[M]"):
        active = (s <= m) & (np.isnat(e) | (e > m))
        inflow = s == m
        outflow = e == m
        recoded_inflow = inflow & clients["hercodeerd"].to_numpy()
        year = int(str(m)[:4])
        band = age_band(year - birth)
        frame = pd.DataFrame(
            {
                "gebied": clients["gebied"],
                "leeftijdsgroep": band,
                "actief": active,
                "instroom": inflow,
                "instroom_hercodeerd": recoded_inflow,
                "uitstroom": outflow,
            }
        )
        counts = ["actief", "instroom", "instroom_hercodeerd", "uitstroom"]
        g = frame.groupby(["gebied", "leeftijdsgroep"], as_index=False)[counts].sum()
        g["maand"] = pd.Timestamp(str(m))
        rows.append(g)
    out = pd.concat(rows, ignore_index=True)
    out = out[out.leeftijdsgroep != "<18"]
    out["jaar"] = out["maand"].dt.year
    out = out.merge(pop, on=["jaar", "gebied", "leeftijdsgroep"], how="left")
    cols = ["maand", "gebied", "leeftijdsgroep", "actief", "instroom", "instroom_hercodeerd", "uitstroom", "inwoners"]
    return out[cols]


def _herstel_episodes(rng: np.random.Generator, clients: pd.DataFrame, p: dict) -> pd.DataFrame:
    """Applicants from 2023 on: time from application (or start of the 14-week training) to maatwerk HH.

    Exponential times with hazard h0 * HR^training * 1.3^(per 10 years over 75) * 1.25^single, censored at the
    end of the data (Dec 2024) or after 24 months of follow-up. HR is the assumption S09, not a finding.
    """
    new = clients[clients["start"] >= HERSTEL_START].copy()
    n = len(new)
    training = rng.random(n) < p["share_offered"]
    age = new["start"].dt.year - new["geboortejaar"]
    lin = (
        np.log(p["baseline_monthly_hazard"])
        + training * np.log(p["hazard_ratio"])
        + np.log(1.3) * (age - 75) / 10
        + np.log(1.25) * (new["huishouden"] == "alleenstaand")
    )
    t = rng.exponential(1 / np.exp(lin))
    follow = np.minimum(24.0, ((LAST_MONTH - new["start"]).dt.days / 30.4375).to_numpy() + 1)
    event = t <= follow
    return pd.DataFrame(
        {
            "client_id": new["client_id"].to_numpy(),
            "groep": np.where(training, "herstelgericht", "direct"),
            "aanmelding": new["start"].to_numpy(),
            "leeftijd": age.to_numpy(),
            "huishouden": new["huishouden"].to_numpy(),
            "gebied": new["gebied"].to_numpy(),
            "maanden": np.round(np.minimum(t, follow), 2),
            "hh_gestart": event,
        }
    )


# --------------------------------------------------------------------------------------- pilot families


@dataclass(frozen=True)
class PilotSynthetic:
    families: pd.DataFrame
    zrm: pd.DataFrame
    indications: pd.DataFrame
    events: pd.DataFrame
    costs: pd.DataFrame
    regional: pd.DataFrame


PILOT_START = pd.Timestamp("2021-11-01")
PILOT_END = pd.Timestamp("2023-10-31")


def generate_pilot(seed: int, log: AssumptionLog | None = None) -> PilotSynthetic:
    """Pilot De Gezinsverzorger (S10, C01): 10 families (2 fte, max 8-10 at a time), gezinscoach referrals and a
    comparison group of regular care. ZRM improves linearly to the S10 effect at 12 months."""
    log = log or load_assumptions()
    rng = np.random.default_rng(seed)
    s10 = log.value("S10")
    c01 = log.value("C01")
    n_p, n_c, n_coach = int(s10["n_families"]), int(s10["n_comparison"]), 6
    n = n_p + n_c + n_coach
    ids = _pseudonyms(rng, n, "G", 8)
    groep = np.array(["pilot"] * n_p + ["vergelijking"] * (n_c + n_coach))
    route = np.array(["gezinsverzorger"] * n_p + ["regulier"] * n_c + ["gezinscoach"] * n_coach)
    span = (PILOT_END - PILOT_START).days - 200
    # A 2-fte team fills its 8 places in the first months; the rest start when places free up (seed 001).
    days = rng.integers(0, span, n)
    n_first = min(8, n_p)
    days[:n_first] = rng.integers(0, 90, n_first)
    days[n_first:n_p] = rng.integers(200, 420, n_p - n_first)
    aanmelding = PILOT_START + pd.to_timedelta(days, "D")
    wait = rng.integers(7, 60, n)
    start = aanmelding + pd.to_timedelta(wait, "D")
    duration = rng.integers(180, 420, n)
    einde = start + pd.to_timedelta(duration, "D")
    medewerker = np.where(route == "gezinsverzorger", np.where(np.arange(n) % 2 == 0, "MBO", "HBO"), "geen")
    uren = np.where(route == "gezinsverzorger", rng.uniform(6, 12, n).round(1), rng.uniform(1, 4, n).round(1))
    vrijwilliger = (
        (route == "gezinsverzorger") & (start >= PILOT_START + pd.DateOffset(years=1)) & (rng.random(n) < 0.5)
    )
    families = pd.DataFrame(
        {
            "gezin_id": ids,
            "groep": groep,
            "medewerker": medewerker,
            "route": route,
            "aanmelding": aanmelding.astype("datetime64[ns]"),
            "start": start.astype("datetime64[ns]"),
            "einde": einde.astype("datetime64[ns]"),
            "uren_per_week": uren,
            "vrijwilliger": vrijwilliger,
            "aantal_kinderen": rng.integers(1, 6, n),
        }
    )
    # ZRM: 1 (acute problems) .. 5 (fully self-sufficient); families start around 2.
    rows = []
    for i in range(n):
        eff = s10["zrm_effect_12m"] if groep[i] == "pilot" else s10["zrm_comparison_12m"]
        fam_re = rng.normal(0, s10["zrm_sd"] / 2)
        base = np.clip(rng.normal(2.2, 0.6, len(ZRM_DOMAINS)), 1, 5)
        for mm in (0, 3, 6, 12):
            latent = base + eff * mm / 12 + (fam_re * mm / 12) + rng.normal(0, s10["zrm_sd"] / 2, len(ZRM_DOMAINS))
            score = np.clip(np.round(latent), 1, 5).astype(int)
            datum = start[i] + pd.DateOffset(months=mm)
            rows.append(
                pd.DataFrame(
                    {"gezin_id": ids[i], "meetmoment": mm, "datum": datum, "domein": ZRM_DOMAINS, "score": score}
                )
            )
    zrm = pd.concat(rows, ignore_index=True)
    zrm["datum"] = zrm["datum"].astype("datetime64[ns]")
    # Concurrent indications (stapeling) before / during / after.
    lam = {"pilot": (3.0, 2.0, 1.4), "vergelijking": (3.0, 2.8, 2.5)}
    ind = []
    for i in range(n):
        for fase, mean in zip(("voor", "tijdens", "na"), lam[groep[i]]):
            ind.append({"gezin_id": ids[i], "fase": fase, "indicaties": int(rng.poisson(mean))})
    indications = pd.DataFrame(ind)
    # Heavy care (zware zorg): out-of-home placement and escalations within 12 months of start.
    p_place = np.where(groep == "pilot", s10["placement_prob_pilot"], s10["placement_prob_comparison"])
    placed = rng.random(n) < p_place
    escal = rng.poisson(np.where(groep == "pilot", 0.3, 0.6))
    ev = []
    for i in range(n):
        if placed[i]:
            ev.append(
                {
                    "gezin_id": ids[i],
                    "soort": "uithuisplaatsing",
                    "datum": start[i] + pd.Timedelta(days=int(rng.integers(30, 365))),
                }
            )
        for _ in range(escal[i]):
            ev.append(
                {
                    "gezin_id": ids[i],
                    "soort": "escalatie",
                    "datum": start[i] + pd.Timedelta(days=int(rng.integers(10, 365))),
                }
            )
    events = pd.DataFrame(ev, columns=["gezin_id", "soort", "datum"])
    events["datum"] = events["datum"].astype("datetime64[ns]")
    budget = c01["per_year"]
    costs = pd.DataFrame({"jaar": [int(y) for y in budget], "begroot": [float(v) for v in budget.values()]})
    # Realised spend: 2021 lower because recruitment started late (seed 001); synthetic.
    costs["gerealiseerd"] = (costs["begroot"] * np.array([0.55, 0.97, 1.02]) * rng.normal(1, 0.02, 3)).round(-2)
    regional = _regional_monitor(rng, families, zrm, events, costs)
    return PilotSynthetic(families, zrm, indications, events, costs, regional)


def _regional_monitor(rng, families, zrm, events, costs) -> pd.DataFrame:
    pilot = families[families.groep == "pilot"]
    z = zrm[zrm.gezin_id.isin(pilot.gezin_id)]
    tot = z.groupby(["gezin_id", "meetmoment"])["score"].sum().unstack()
    measured = tot[12].notna() if 12 in tot else pd.Series(False, index=tot.index)
    improved = int(((tot[12] - tot[0]) > 0)[measured].sum()) if 12 in tot else 0
    gron = {
        "pilot": "Groningen",
        "gemeente_code": "GM0014",
        "uitvoerder": "WIJ Groningen",
        "tarief": "loonkosten",
        "periode_start": PILOT_START.date().isoformat(),
        "periode_einde": PILOT_END.date().isoformat(),
        "gezinnen_gestart": len(pilot),
        "gezinnen_afgerond": int((pilot.einde <= PILOT_END).sum()),
        "gem_duur_maanden": float(((pilot.einde - pilot.start).dt.days / 30.4375).mean().round(1)),
        "zrm_verbeterd": improved,
        "zrm_gemeten": int(measured.sum()),
        "uithuisplaatsingen": int(
            events[(events.soort == "uithuisplaatsing") & events.gezin_id.isin(pilot.gezin_id)].shape[0]
        ),
        "kosten_eur": float(costs["gerealiseerd"].sum()),
    }
    others = []
    for name, code, who, tar, s, e in (
        ("Midden-Groningen", "GM1952", "thuiszorgorganisatie", "Wmo", "2020-03-01", "2021-04-01"),
        ("Westerkwartier", "GM1969", "Cosis (jeugdhulpaanbieder)", "Jeugdwet", "2020-09-01", "2022-09-01"),
    ):
        g = int(rng.integers(5, 12))
        m = int(rng.integers(3, g + 1))
        others.append(
            {
                "pilot": name,
                "gemeente_code": code,
                "uitvoerder": who,
                "tarief": tar,
                "periode_start": s,
                "periode_einde": e,
                "gezinnen_gestart": g,
                "gezinnen_afgerond": int(rng.integers(2, g + 1)),
                "gem_duur_maanden": round(float(rng.uniform(6, 14)), 1),
                "zrm_verbeterd": int(rng.integers(1, m + 1)),
                "zrm_gemeten": m,
                "uithuisplaatsingen": int(rng.integers(0, 3)),
                "kosten_eur": float(round(rng.uniform(25, 60) * 1000 * g, -2)),
            }
        )
    return pd.DataFrame([gron] + others)


# ------------------------------------------------------------------------------------- national scale


def generate_nl_client_months(
    out: str | Path,
    seed: int,
    *,
    n_clients: int = 550_000,
    n_months: int = 60,
    chunk: int = 50_000,
    n_gemeenten: int = 342,
) -> dict:
    """National-scale HH client-months (~0.55 M clients x 60 months = 33 M rows) for benchmarks.

    Written in chunks with a ParquetWriter so memory stays at one chunk (~3 M rows). Every client is present in
    every month of 2019-2023 (a deliberately dense panel: the benchmark measures aggregation, not realism).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from analysis.data.io import atomic_path

    rng = np.random.default_rng(seed)
    codes = np.array([f"GM{c:04d}" for c in np.sort(rng.choice(np.arange(1, 2000), n_gemeenten, replace=False))])
    weights = rng.pareto(1.2, n_gemeenten) + 0.2
    weights /= weights.sum()
    months = pd.date_range("2019-01-01", periods=n_months, freq="MS").values.astype("datetime64[D]")
    schema = pa.schema(
        [
            ("client_id", pa.int32()),
            ("maand", pa.date32()),
            ("gemeente_code", pa.string()),
            ("geboortejaar", pa.int16()),
            ("inkomensklasse", pa.string()),
            ("uren", pa.float32()),
        ]
    )
    rows = 0
    with atomic_path(out) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for lo in range(0, n_clients, chunk):
            k = min(chunk, n_clients - lo)
            gm = codes[rng.choice(n_gemeenten, k, p=weights)]
            birth = rng.integers(1920, 1990, k).astype(np.int16)
            inc = np.array(INCOME)[rng.choice(3, k, p=[0.55, 0.38, 0.07])]
            hours = np.exp(rng.normal(np.log(2.5), 0.35, k)).astype(np.float32)
            table = pa.table(
                {
                    "client_id": np.repeat(np.arange(lo, lo + k, dtype=np.int32), n_months),
                    "maand": np.tile(months, k),
                    "gemeente_code": np.repeat(gm, n_months),
                    "geboortejaar": np.repeat(birth, n_months),
                    "inkomensklasse": np.repeat(inc, n_months),
                    "uren": np.repeat(hours, n_months) * rng.uniform(0.9, 1.1, k * n_months).astype(np.float32),
                },
                schema=schema,
            )
            writer.write_table(table)
            rows += table.num_rows
    pop = []
    for code, w in zip(codes, weights):
        for year in range(2019, 2019 + n_months // 12):
            for band, base in (("18-64", 11_000_000), ("65-74", 2_000_000), ("75-84", 1_100_000), ("85+", 380_000)):
                pop.append(
                    {
                        "gemeente_code": code,
                        "jaar": year,
                        "leeftijdsgroep": band,
                        "inwoners": int(base * w * (1 + 0.02 * (year - 2019))),
                    }
                )
    pop_df = pd.DataFrame(pop)
    from analysis.data.io import write_parquet_atomic

    write_parquet_atomic(pop_df, Path(out).with_name("nl_population.parquet"))
    return {"rows": rows, "clients": n_clients, "months": n_months, "generated": dt.datetime.now().isoformat()}


def write_synthetic(out_dir: str | Path, seed: int, log: AssumptionLog | None = None) -> list[str]:
    """Generate all Groningen-scale synthetic tables and write them (Parquet + metadata) to ``out_dir``."""
    from analysis.data import schemas
    from analysis.data.io import write_dataset

    out_dir = Path(out_dir)
    log = log or load_assumptions()
    hh = generate_hh(seed, log)
    pilot = generate_pilot(seed, log)
    src = f"{SYNTH_LABEL}: analysis.data.synthetic, seed={seed}, parameters data/assumptions.toml"
    tables = {
        "hh_clients": (
            hh.clients,
            "HH-cliënten (periodes) 2015-2024",
            "cliënt",
            ["S01", "S02", "S03", "S04", "S06", "S08", "S11"],
        ),
        "hh_monthly": (
            hh.monthly,
            "Actieve cliënten, instroom (waarvan hercodeerd uit ondersteuning thuis) en uitstroom per maand, gebied, "
            "leeftijdsgroep",
            "cliënten per maand",
            ["S01", "S02", "S03", "S11"],
        ),
        "population": (
            hh.population,
            "Bevolking per jaar, gebied en leeftijdsgroep (incl. prognose)",
            "inwoners",
            ["S05", "S07", "D01"],
        ),
        "hh_herstel": (
            hh.herstel,
            "Aanmelders vanaf 2023: tijd tot maatwerk-HH, met/zonder herstelgerichte hulp",
            "maanden",
            ["S09"],
        ),
        "pilot_families": (
            pilot.families,
            "Gezinnen pilot De Gezinsverzorger, gezinscoach en vergelijkingsgroep",
            "gezin",
            ["S10"],
        ),
        "pilot_zrm": (pilot.zrm, "ZRM-scores per gezin, meetmoment en domein", "score 1-5", ["S10"]),
        "pilot_indications": (pilot.indications, "Gelijktijdige indicaties voor/tijdens/na", "indicaties", ["S10"]),
        "pilot_events": (pilot.events, "Uithuisplaatsingen en escalaties", "gebeurtenis", ["S10"]),
        "pilot_costs": (pilot.costs, "Begroot en gerealiseerd per jaar", "EUR", ["C01"]),
        "regional_monitor": (pilot.regional, "Regionale monitor pilots gezinsverzorger", "zie kolommen", ["S10"]),
    }
    written = []
    for name, (df, _, _, _) in tables.items():  # validate everything before writing anything
        schemas.validate(df, schemas.PROCESSED[f"synthetic/{name}"], f"synthetic/{name}", line_offset=0)
    for name, (df, desc, unit, ids) in tables.items():
        write_dataset(
            df,
            out_dir / f"{name}.parquet",
            description=f"{desc} ({SYNTH_LABEL})",
            unit=unit,
            source=src + "; assumptions " + ", ".join(ids),
            synthetic=True,
            citation="synthetische gegevens, met code gemaakt en afgestemd op openbare cijfers (aannames "
            + ", ".join(ids)
            + ")",
        )
        written.append(name)
    return written
