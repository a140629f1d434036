"""Heavy care (zware zorg: out-of-home placement, escalation) and stacked indications (stapeling)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.results import ResultDisplay


@dataclass(frozen=True)
class HeavyCareResult(ResultDisplay):
    """Heavy care per group (placements, escalations), the difference in placement risk with its Newcombe
    interval and Fisher p, and stacking of indications before, during and after support."""

    per_group: pd.DataFrame  # groep, gezinnen, uithuisplaatsing, escalatie_gezinnen, escalaties
    risk_difference: float
    rd_ci: tuple[float, float]
    fisher_p: float
    stacking: pd.DataFrame  # groep, fase, gem_indicaties, gezinnen
    caveat: str

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "term": "verschil_kans_uithuisplaatsing",
                    "estimate": self.risk_difference,
                    "std_error": np.nan,
                    "ci_lower": self.rd_ci[0],
                    "ci_upper": self.rd_ci[1],
                    "p_value": self.fisher_p,
                }
            ]
        )


CAVEAT = (
    "De vergelijkingsgroep is niet gerandomiseerd: WIJ koos per gezin tussen gezinsverzorger, gezinscoach en "
    "reguliere hulp op basis van de ingeschatte zelfredzaamheid. Verschillen kunnen door die selectie komen "
    "en zijn geen bewijs van effect."
)


def heavy_care(
    families: pd.DataFrame, events: pd.DataFrame, indications: pd.DataFrame, *, as_of: str, window_days: int = 365
) -> HeavyCareResult:
    """Placements and escalations within ``window_days`` of the start (only events known by ``as_of``)."""
    as_of_ts = pd.Timestamp(as_of)
    f = families[(families["start"] <= as_of_ts) & families["route"].isin(["gezinsverzorger", "regulier"])]
    f = f.assign(groep=np.where(f["route"] == "gezinsverzorger", "pilot", "vergelijking"))
    ev = events.merge(f[["gezin_id", "start", "groep"]], on="gezin_id")
    ev = ev[(ev["datum"] <= as_of_ts) & ((ev["datum"] - ev["start"]).dt.days <= window_days)]
    placed = set(ev.loc[ev.soort == "uithuisplaatsing", "gezin_id"])
    esc = ev[ev.soort == "escalatie"]
    rows = []
    for g, grp in f.groupby("groep"):
        rows.append(
            {
                "groep": g,
                "gezinnen": len(grp),
                "uithuisplaatsing": int(grp.gezin_id.isin(placed).sum()),
                "escalatie_gezinnen": int(grp.gezin_id.isin(set(esc.gezin_id)).sum()),
                "escalaties": int(esc.gezin_id.isin(grp.gezin_id).sum()),
            }
        )
    per = pd.DataFrame(rows)
    pg = per.set_index("groep")
    if (
        {"pilot", "vergelijking"} <= set(pg.index)
        and pg.loc["pilot", "gezinnen"]
        and pg.loc["vergelijking", "gezinnen"]
    ):
        a, n1 = int(pg.loc["pilot", "uithuisplaatsing"]), int(pg.loc["pilot", "gezinnen"])
        b, n2 = int(pg.loc["vergelijking", "uithuisplaatsing"]), int(pg.loc["vergelijking", "gezinnen"])
        from statsmodels.stats.proportion import confint_proportions_2indep

        rd = a / n1 - b / n2
        lo, hi = confint_proportions_2indep(a, n1, b, n2, method="newcomb", compare="diff")
        fisher = float(stats.fisher_exact([[a, n1 - a], [b, n2 - b]]).pvalue)
    else:
        rd, lo, hi, fisher = np.nan, np.nan, np.nan, np.nan
    ind = indications.merge(f[["gezin_id", "groep"]], on="gezin_id")
    stacking = (
        ind.groupby(["groep", "fase"], sort=False)
        .agg(gem_indicaties=("indicaties", "mean"), gezinnen=("gezin_id", "nunique"))
        .reset_index()
    )
    return HeavyCareResult(per, float(rd), (float(lo), float(hi)), fisher, stacking, CAVEAT)
