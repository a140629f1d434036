"""Difference-in-differences for any panel: absorbed unit and time fixed effects with correct clustered standard
errors (pyfixest, the Python port of R's fixest).

Why pyfixest: fixed effects are absorbed (demeaned), not fitted as dummies, and the cluster-robust variance uses the
fixest/Stata small-sample correction in which fixed effects nested within clusters are not counted. Fitting unit
dummies with statsmodels and clustering counts every dummy in (N-1)/(N-K): on a two-period panel of ~400 units that
inflates the standard error by about 1.4x, on our 4-year CBS panel by about 1.15x. linearmodels' PanelOLS was
compared too and gave the inflated value on our panel.

``did`` estimates y_it = a_i + g_t + b * D_it (+ covariates) where D_it is the treatment: binary (treated x post)
or continuous (dose x post). ``event_study`` replaces D_it by dose x 1[t = k] for every period but a reference one.
Both return frozen results with ``to_frame()`` (term, estimate, std_error, ci_lower, ci_upper, p_value) and
``summary()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.results import ResultDisplay


class DesignError(ValueError):
    """A design that cannot be estimated (no treatment variation, too few periods for a placebo, ...)."""


@dataclass(frozen=True)
class DiDResult(ResultDisplay):
    """Difference-in-differences estimate on ``outcome``.

    ``coefficients``: tidy table of the treatment (and covariate) terms; ``dropped``: units left out and why
    (never silently: ``summary()`` lists them)."""

    coefficients: pd.DataFrame
    n_obs: int
    n_units: int
    n_clusters: int | None
    vcov: str
    outcome: str
    log_outcome: bool
    dropped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["unit", "reden"]))

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients[["term", "estimate", "std_error", "ci_lower", "ci_upper", "p_value"]]

    def term(self, name: str) -> pd.Series:
        return self.coefficients.set_index("term").loc[name]

    def summary(self) -> str:
        lines = [
            f"Difference-in-differences: {'log ' if self.log_outcome else ''}{self.outcome}",
            f"  observations {self.n_obs}, units {self.n_units}, standard errors {self.vcov}"
            + (f" ({self.n_clusters} clusters)" if self.n_clusters else ""),
            self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.4g}"),
        ]
        if len(self.dropped):
            lines.append(f"  dropped {len(self.dropped)} unit(s): " + "; ".join(
                f"{u} ({r})" for u, r in self.dropped.head(10).itertuples(index=False)))  # fmt: skip
        return "\n".join(lines)


def _prepare(data, unit, time, outcome, columns, weights, log_outcome, balanced):
    need = [unit, time, outcome, *columns] + ([weights] if weights else [])
    missing = [c for c in need if c not in data.columns]
    if missing:
        from analysis.data.names import unknown_names

        raise KeyError(unknown_names("column", missing, data.columns))
    d = data[list(dict.fromkeys(need))].copy()
    dropped = []
    bad = d[[outcome, *columns]].isna().any(axis=1)
    if log_outcome:
        bad |= d[outcome] <= 0
    for u in sorted(d.loc[bad, unit].unique()):
        dropped.append((u, "ontbrekende of niet-positieve waarde"))
    d = d[~d[unit].isin([u for u, _ in dropped])] if balanced else d[~bad]
    if log_outcome:
        d[outcome] = np.log(d[outcome].astype(float))
    counts = d.groupby(unit)[time].nunique()
    if balanced:
        full = d[time].nunique()
        short = counts[counts < full].index
        if len(short):
            raise DesignError(
                f"unbalanced panel: {len(short)} unit(s) lack periods (e.g. {', '.join(map(str, short[:3]))}); "
                "pass balanced=False to use all observations"
            )
    single = counts[counts < 2].index
    if len(single):  # a unit seen once is absorbed entirely by its fixed effect: it carries no information
        dropped += [(u, "één waarneming (valt weg door de vaste effecten)") for u in single]
        d = d[~d[unit].isin(single)]
    return d, pd.DataFrame(dropped, columns=["unit", "reden"])


def _fit(d, formula, cluster, weights, level):
    import warnings

    import pyfixest as pf

    vcov = {"CRV1": cluster} if cluster else "hetero"
    with warnings.catch_warnings():  # pyfixest's own pandas deprecation notices are not the caller's business
        warnings.filterwarnings("ignore", module="pyfixest")
        warnings.filterwarnings("ignore", message=".*inplace keyword.*")
        m = pf.feols(formula, data=d, vcov=vcov, weights=weights)
    t = m.tidy(alpha=1 - level)
    lo, hi = [c for c in t.columns if c.endswith("%")][:2]
    out = pd.DataFrame(
        {
            "term": t.index,
            "estimate": t["Estimate"].to_numpy(),
            "std_error": t["Std. Error"].to_numpy(),
            "ci_lower": t[lo].to_numpy(),
            "ci_upper": t[hi].to_numpy(),
            "p_value": t["Pr(>|t|)"].to_numpy(),
        }
    )
    return out


def did(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treatment: str,
    covariates: tuple[str, ...] = (),
    cluster: str | None = None,
    weights: str | None = None,
    log_outcome: bool = False,
    balanced: bool = True,
    level: float = 0.95,
    repeated_cross_sections: bool = False,
) -> DiDResult:
    """Two-way fixed effects DiD. ``treatment`` is the column D_it (0/1, or a dose that is 0 before treatment);
    ``cluster`` defaults to ``unit``. With ``log_outcome`` the estimate is (about) a proportional change.

    ``repeated_cross_sections``: the rows are different individuals each period (the classic 2x2 on survey or
    sales data); ``unit`` is then the group (treated or not) whose effect is absorbed, and units are not required
    to appear in every period."""
    cluster = cluster or unit
    if repeated_cross_sections:
        balanced = False
    d, dropped = _prepare(data, unit, time, outcome, [treatment, *covariates, cluster], weights, log_outcome, balanced)
    if d[treatment].nunique() < 2:
        raise DesignError(f"treatment {treatment!r} does not vary: nothing to compare")
    within = d.groupby(unit)[treatment].transform(lambda s: s - s.mean())
    if np.allclose(within, 0):
        raise DesignError(f"treatment {treatment!r} does not change within units: the unit effects absorb it")
    rhs = " + ".join([treatment, *covariates])
    coef = _fit(d, f"{outcome} ~ {rhs} | {unit} + {time}", cluster, weights, level)
    return DiDResult(
        coef, len(d), d[unit].nunique(), d[cluster].nunique() if cluster else None,
        f"clustered by {cluster} (CR1)" if cluster else "heteroskedasticity-robust", outcome, log_outcome, dropped,
    )  # fmt: skip


def event_study(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    dose: str,
    reference: object,
    cluster: str | None = None,
    log_outcome: bool = False,
    balanced: bool = True,
    level: float = 0.95,
) -> DiDResult:
    """dose x 1[time = k] for every period k but ``reference``: the terms are named ``<dose>_x_<k>``."""
    periods = sorted(data[time].dropna().unique())
    if reference not in periods:
        raise DesignError(f"reference period {reference!r} is not in the data")
    if len(periods) < 2:
        raise DesignError("an event study needs at least two periods")
    d = data.copy()
    terms = []
    for k in periods:
        if k == reference:
            continue
        name = f"{dose}_x_{k}"
        d[name] = d[dose] * (d[time] == k)
        terms.append(name)
    cluster = cluster or unit
    d2, dropped = _prepare(d, unit, time, outcome, [*terms, dose, cluster], None, log_outcome, balanced)
    coef = _fit(d2, f"{outcome} ~ {' + '.join(terms)} | {unit} + {time}", cluster, None, level)
    coef["period"] = [periods[[str(p) for p in periods].index(t.rsplit("_x_", 1)[1])] for t in coef.term]
    return DiDResult(coef, len(d2), d2[unit].nunique(), d2[cluster].nunique(), f"clustered by {cluster} (CR1)",
                     outcome, log_outcome, dropped)  # fmt: skip


def placebo(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    dose: str,
    first_treated: object,
    cluster: str | None = None,
    log_outcome: bool = False,
    level: float = 0.95,
) -> DiDResult:
    """The same DiD on the pre-treatment periods only, with a fake start at the last pre-period."""
    pre = data[data[time] < first_treated]
    periods = sorted(pre[time].unique())
    if len(periods) < 2:
        raise DesignError(f"a placebo needs at least two periods before {first_treated}; the data have {len(periods)}")
    fake = periods[-1]
    pre = pre.assign(_placebo=pre[dose] * (pre[time] >= fake))
    return did(pre, unit=unit, time=time, outcome=outcome, treatment="_placebo", cluster=cluster,
               log_outcome=log_outcome, level=level)  # fmt: skip
