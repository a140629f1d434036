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

What is refused or warned about rather than answered wrongly:

- **Few clusters.** Cluster-robust (CR1) standard errors are biased downward and their t-tests over-reject with few
  clusters; Cameron & Miller (2015, *A Practitioner's Guide to Cluster-Robust Inference*, J. Human Resources
  50(2):317-372) put the usual threshold at 20-50 clusters, MacKinnon & Webb (2017, J. Applied Econometrics
  32(2):233-254) show the over-rejection persists further when clusters are unbalanced. Below ``MIN_CLUSTERS`` = 20
  a CR1 fit is a ``DesignError`` unless the caller asks for the wild cluster bootstrap (``vcov="wild"``,
  Cameron, Gelbach & Miller 2008, restricted WCR-11 as recommended by MacKinnon & Webb; Webb's six-point weights
  up to 12 clusters) or explicitly for ``vcov="HC1"`` / ``"iid"`` (with a warning: they ignore the clustering).
- **Repeated cross-sections** (the classic 2x2 on survey or sales data) need an explicit ``cluster`` or ``vcov``:
  clustering on the two groups gives a degenerate standard error of ~1e-15.
- **Staggered adoption.** With a binary treatment that starts in different periods for different units, two-way
  fixed effects compare late-treated units with already-treated ones and are biased when effects change over time
  (Goodman-Bacon 2021, J. Econometrics 225(2):254-277). ``did`` detects it and fits Gardner's (2021) two-stage
  estimator (``did2s``: unit and time effects from the not-yet-treated observations only, the effect from the
  residualised outcome; GMM-corrected clustered standard errors, Butts & Gardner 2022), with the effect per event
  time (periods since each unit's own start) in ``event_time``. A continuous dose with staggered starts is refused.
- **Every warning** pyfixest raises reaches the caller (only pandas' known deprecation notices inside pyfixest are
  filtered), and every term pyfixest drops (e.g. a covariate absorbed by the unit effects) and every unit or
  observation left out is listed once in ``dropped`` and in ``summary()``.

Variance types (``vcov``), named as in the literature: ``iid`` (classical OLS), ``HC1`` (heteroskedasticity-robust,
White with the n/(n-k) correction), ``CR1`` (cluster-robust, the default) and ``wild`` (wild cluster bootstrap).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.results import ResultDisplay

MIN_CLUSTERS = 20  # Cameron & Miller (2015): below ~20-50 clusters CR1 inference over-rejects
MIN_CLUSTERS_WILD = 6  # below this even the wild cluster bootstrap has too few distinct draws to mean anything
VCOV_TYPES = ("iid", "HC1", "CR1", "wild")
YES = {"ja", "j", "yes", "y", "true", "waar", "1", "1.0"}
NO = {"nee", "n", "no", "false", "onwaar", "0", "0.0"}
# pandas' PDEP-8 notices raised inside pyfixest's own code: harmless to the caller and not about their data
_HARMLESS = (re.compile(r"The inplace keyword in .* is deprecated"),)


class DesignError(ValueError):
    """A design that cannot be estimated (no treatment variation, too few periods for a placebo, ...)."""


class InferenceWarning(UserWarning):
    """Inference that is valid only under an assumption the caller chose (e.g. HC1 standard errors on a panel)."""


DROPPED_COLUMNS = ["kind", "name", "reason"]


@dataclass(frozen=True)
class DiDResult(ResultDisplay):
    """Difference-in-differences estimate on ``outcome``.

    ``coefficients``: tidy table of the treatment (and covariate) terms; ``dropped``: every unit, observation or
    term left out and why, once each (kind 'unit', 'observations' or 'term'; never silently: ``summary()`` lists
    them); ``vcov``: what was computed, in words; ``estimator``: 'twfe' or 'did2s' (Gardner two-stage);
    ``event_time``: for a staggered design, the effect per period since each unit's start; ``warnings``: the
    messages of the underlying library, also re-raised as warnings."""

    coefficients: pd.DataFrame
    n_obs: int
    n_units: int
    n_clusters: int | None
    vcov: str
    outcome: str
    log_outcome: bool
    dropped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DROPPED_COLUMNS))
    estimator: str = "twfe"
    vcov_type: str = "CR1"
    event_time: pd.DataFrame | None = None
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients[["term", "estimate", "std_error", "ci_lower", "ci_upper", "p_value"]]

    def term(self, name: str) -> pd.Series:
        return self.coefficients.set_index("term").loc[name]

    def summary(self) -> str:
        est = {"twfe": "two-way fixed effects", "did2s": "Gardner two-stage (staggered adoption)"}[self.estimator]
        lines = [
            f"Difference-in-differences ({est}): {'log ' if self.log_outcome else ''}{self.outcome}",
            f"  observations {self.n_obs}, units {self.n_units}, standard errors: {self.vcov}",
            self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.4g}"),
        ]
        if self.event_time is not None and len(self.event_time):
            lines.append("  effect by periods since each unit's start:")
            lines.append(self.event_time.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        if len(self.dropped):
            lines.append(f"  left out ({len(self.dropped)}):")
            lines += [f"    {k} {n}: {r}" for k, n, r in self.dropped.head(20).itertuples(index=False)]
            if len(self.dropped) > 20:
                lines.append(f"    ... {len(self.dropped) - 20} more: see .dropped")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _as_binary(d: pd.DataFrame, column: str) -> pd.DataFrame:
    """A yes/no column (bool, 'ja'/'nee', 'yes'/'no', 'true'/'false') becomes 0/1; other text is refused."""
    s = d[column]
    if pd.api.types.is_bool_dtype(s):
        return d.assign(**{column: s.astype(float)})
    if pd.api.types.is_numeric_dtype(s):
        return d
    text = s.astype("string").str.strip().str.lower()
    unknown = sorted(set(text.dropna()) - YES - NO)
    if unknown:
        raise DesignError(
            f"column {column!r} is neither numeric nor yes/no: unexpected value(s) {unknown[:5]}; "
            "expected numbers (0/1 or a dose) or ja/nee, yes/no, true/false"
        )
    return d.assign(**{column: text.map(lambda v: np.nan if pd.isna(v) else float(v in YES)).astype(float)})


def _prepare(data, unit, time, outcome, columns, weights, log_outcome, balanced, binary=()):
    need = [unit, time, outcome, *columns] + ([weights] if weights else [])
    missing = [c for c in need if c not in data.columns]
    if missing:
        from analysis.data.names import unknown_names

        raise KeyError(unknown_names("column", missing, data.columns))
    d = data[list(dict.fromkeys(need))].copy()
    for c in binary:
        d = _as_binary(d, c)
    bad = d[[outcome, *columns]].isna().any(axis=1)
    if log_outcome:
        bad |= d[outcome] <= 0
    why = "missing value" + (" or outcome <= 0 (log)" if log_outcome else "")
    dropped = []
    bad_units = sorted(d.loc[bad, unit].unique())
    if balanced:  # a unit with a bad row leaves the balanced panel as a whole
        dropped += [("unit", u, f"{why} in at least one period") for u in bad_units]
        d = d[~d[unit].isin(bad_units)]
    else:
        n_bad = d.loc[bad].groupby(unit).size()
        d = d[~bad]
        kept = set(d[unit])
        for u in bad_units:  # listed once: as a unit if nothing is left of it, else as its dropped rows
            if u in kept:
                dropped.append(("observations", u, f"{n_bad[u]} row(s) with a {why}"))
            else:
                dropped.append(("unit", u, f"{why} in every period"))
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
        listed = {n: i for i, (k, n, _) in enumerate(dropped)}
        for u in single:
            reason = "one observation left (absorbed by its fixed effect)"
            if u in listed:  # it had rows dropped too: one line for the unit, with both reasons
                dropped[listed[u]] = ("unit", u, f"{dropped[listed[u]][2]}; {reason}")
            else:
                dropped.append(("unit", u, reason))
        d = d[~d[unit].isin(single)]
    return d, pd.DataFrame(dropped, columns=DROPPED_COLUMNS)


def _pass_on(caught) -> tuple[str, ...]:
    """Re-raise the library's warnings to the caller, except the known-harmless pandas notices."""
    out = []
    for w in caught:
        msg = " ".join(str(w.message).split())
        if issubclass(w.category, DeprecationWarning | FutureWarning) and any(p.search(msg) for p in _HARMLESS):
            continue
        if msg not in out:
            out.append(msg)
            warnings.warn(msg, w.category if issubclass(w.category, Warning) else UserWarning, stacklevel=4)
    return tuple(out)


def _tidy(t: pd.DataFrame) -> pd.DataFrame:
    lo, hi = [c for c in t.columns if c.endswith("%")][:2]
    return pd.DataFrame(
        {
            "term": [str(i) for i in t.index],
            "estimate": t["Estimate"].to_numpy(float),
            "std_error": t["Std. Error"].to_numpy(float),
            "ci_lower": t[lo].to_numpy(float),
            "ci_upper": t[hi].to_numpy(float),
            "p_value": t["Pr(>|t|)"].to_numpy(float),
        }
    )


def _wild(m, terms, cluster, n_clusters, level, reps, seed) -> tuple[pd.DataFrame, str]:
    """Wild cluster bootstrap per term via pyfixest (the ``wildboottest`` package): the p-value from the restricted
    WCR-11 bootstrap (null imposed, MacKinnon & Webb's recommendation), the interval as a symmetric percentile-t
    interval from the unrestricted (WCU) bootstrap t-statistics around the CR1 standard error."""
    try:
        import wildboottest  # noqa: F401
    except ImportError:
        raise ImportError("vcov='wild' needs the 'wildboottest' package (pip install wildboottest)") from None
    wtype = "webb" if n_clusters <= 12 else "rademacher"  # Webb (2014): Rademacher has only 2^G draws
    rows = []
    for i, term in enumerate(terms):
        r = m.wildboottest(reps=reps, cluster=cluster, param=term, weights_type=wtype, impose_null=True,
                           seed=None if seed is None else seed + i)  # fmt: skip
        _, tstar = m.wildboottest(reps=reps, cluster=cluster, param=term, weights_type=wtype, impose_null=False,
                                  seed=None if seed is None else seed + i,
                                  return_bootstrapped_t_stats=True)  # fmt: skip
        rows.append((term, float(r["Pr(>|t|)"]), float(np.quantile(np.abs(np.asarray(tstar, float)), level))))
    label = (
        f"wild cluster bootstrap by {cluster} ({n_clusters} clusters, WCR-11 p-value, WCU percentile-t "
        f"interval, {wtype} weights, {reps} replications); standard error CR1"
    )
    return pd.DataFrame(rows, columns=["term", "p_value", "t_crit"]), label


def _fit(d, formula, *, vcov, cluster, weights, level, reps=9999, seed=None):
    """Fit with pyfixest; returns (tidy table, label of the variance, dropped terms, warnings)."""
    import pyfixest as pf

    spec = {"iid": "iid", "HC1": "hetero", "CR1": {"CRV1": cluster}, "wild": {"CRV1": cluster}}[vcov]
    if vcov == "wild":  # the bootstrap (numba) needs integer cluster codes
        d = d.assign(_cluster_code=pd.factorize(d[cluster])[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = pf.feols(formula, data=d, vcov=spec, weights=weights)
        out = _tidy(m.tidy(alpha=1 - level))
        G = int(d[cluster].nunique()) if cluster else None
        label = {
            "iid": "iid (classical OLS)",
            "HC1": "heteroskedasticity-robust (HC1)",
            "CR1": f"cluster-robust by {cluster} (CR1, {G} clusters)",
        }.get(vcov)
        if vcov == "wild":
            if weights:
                raise DesignError("the wild cluster bootstrap is not available with weights; drop weights=")
            boot, label = _wild(m, out.term.tolist(), "_cluster_code", G, level, reps, seed)
            label = label.replace("_cluster_code", cluster)
            out = out.merge(boot, on="term", suffixes=("_cr1", ""))
            out["ci_lower"] = out.estimate - out.t_crit * out.std_error
            out["ci_upper"] = out.estimate + out.t_crit * out.std_error
            out = out[["term", "estimate", "std_error", "ci_lower", "ci_upper", "p_value"]]
    told = _pass_on(caught)
    collin = [str(v) for v in (getattr(m, "_collin_vars", None) or [])]
    terms = [("term", v, "collinear with the fixed effects or other terms (dropped by the estimator)")
             for v in collin]  # fmt: skip
    # the collinearity warning was raised to the caller; in the result it is the 'term' rows of ``dropped``
    told = tuple(w for w in told if not (collin and "multicollinearity" in w))
    return out, label, terms, told


def _check_inference(d, vcov, cluster, repeated_cross_sections, unit) -> tuple[str, str | None]:
    """The variance type and cluster to use, or a DesignError when the answer would be wrong without a word."""
    if vcov is not None and vcov not in VCOV_TYPES:
        raise ValueError(f"vcov must be one of {VCOV_TYPES}, not {vcov!r}")
    if vcov in ("iid", "HC1"):
        if cluster:
            raise ValueError(f"cluster={cluster!r} is not used with vcov={vcov!r}; pass vcov='CR1' or 'wild'")
        warnings.warn(
            f"vcov={vcov!r} treats every observation as independent: with repeated observations of the same units "
            "or common shocks within groups the standard error is too small (Bertrand, Duflo & Mullainathan 2004)",
            InferenceWarning,
            stacklevel=3,
        )
        return vcov, None
    if cluster is None:
        if repeated_cross_sections:
            raise DesignError(
                "repeated cross-sections need an explicit cluster= (the level at which outcomes share shocks, "
                "e.g. region or store chain) or vcov='HC1'/'iid': the treatment groups are not clusters (two "
                "clusters give a degenerate standard error)"
            )
        cluster = unit
    vcov = vcov or "CR1"
    G = int(d[cluster].nunique())
    if vcov == "CR1" and G < MIN_CLUSTERS:
        raise DesignError(
            f"only {G} clusters of {cluster!r}: cluster-robust (CR1) standard errors are too small and tests "
            f"over-reject below about {MIN_CLUSTERS} clusters (Cameron & Miller 2015; MacKinnon & Webb 2017). "
            "Pass vcov='wild' for the wild cluster bootstrap, or vcov='HC1' if observations are independent"
        )
    if vcov == "wild" and G < MIN_CLUSTERS_WILD:
        raise DesignError(
            f"only {G} clusters of {cluster!r}: too few even for the wild cluster bootstrap (at least "
            f"{MIN_CLUSTERS_WILD}); no cluster-robust inference is possible. vcov='HC1' assumes independent "
            "observations"
        )
    return vcov, cluster


def _timing(d, unit, time, treatment) -> dict:
    """First treated period per unit and whether the design is staggered (different starts), binary and absorbing
    (once treated, treated in every later period)."""
    s = d.sort_values([unit, time])
    on = s[treatment] != 0
    first = s[on].groupby(unit)[time].min()
    binary = set(np.unique(s[treatment].dropna())) <= {0.0, 1.0}
    absorbing = bool((on.astype(int).groupby(s[unit]).diff().fillna(0) >= 0).all())
    return {"first": first, "staggered": first.nunique() > 1, "binary": binary, "absorbing": absorbing}


def _did2s(d, unit, time, outcome, treatment, covariates, cluster, weights, level, first):
    """Gardner's two-stage DiD: the overall effect and the effect per event time (periods since the unit's start)."""
    import pyfixest as pf

    d = d.copy()
    d[treatment] = d[treatment].astype(bool)
    periods = sorted(d[time].unique())
    pos = {p: i for i, p in enumerate(periods)}
    start = d[unit].map(first)
    rel = d[time].map(pos) - start.map(pos)
    ks = sorted(int(k) for k in rel[d[treatment]].dropna().unique())
    names = {k: f"_et_{k}" for k in ks}
    for k in ks:
        d[names[k]] = (d[treatment] & (rel == k)).astype(float)
    first_stage = "~ " + (" + ".join(covariates) if covariates else "0") + f" | {unit} + {time}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d["_d"] = d[treatment].astype(float)
        m = pf.did2s(d, yname=outcome, first_stage=first_stage, second_stage="~ _d", treatment=treatment,
                     cluster=cluster, weights=weights)  # fmt: skip
        overall = _tidy(m.tidy(alpha=1 - level)).assign(term=treatment)
        e = pf.did2s(d, yname=outcome, first_stage=first_stage, second_stage="~ " + " + ".join(names.values()),
                     treatment=treatment, cluster=cluster, weights=weights)  # fmt: skip
        ev = _tidy(e.tidy(alpha=1 - level))
    told = _pass_on(caught)
    back = {v: k for k, v in names.items()}
    ev.insert(0, "event_time", [back[t] for t in ev.term])
    ev["n_obs"] = [int(d[names[k]].sum()) for k in ev.event_time]
    ev["term"] = [f"{treatment}_t{k}" for k in ev.event_time]
    return overall, ev, told


def did(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treatment: str,
    covariates: tuple[str, ...] = (),
    cluster: str | None = None,
    vcov: str | None = None,
    weights: str | None = None,
    log_outcome: bool = False,
    balanced: bool = True,
    level: float = 0.95,
    repeated_cross_sections: bool = False,
    estimator: str = "auto",
    bootstrap_reps: int = 9999,
    seed: int | None = None,
) -> DiDResult:
    """Difference-in-differences with unit and time fixed effects.

    Fits ``y_it = a_i + g_t + b * D_it (+ covariates)`` with the unit and time effects absorbed (pyfixest). With
    ``log_outcome`` the estimate is (about) a proportional change. When a binary treatment starts in different
    periods for different units (staggered adoption), two-way fixed effects are biased when effects change over
    time (Goodman-Bacon 2021, J. Econometrics 225(2):254-277); ``estimator='auto'`` then fits Gardner's (2021)
    two-stage estimator (``did2s``: unit and time effects from the not-yet-treated observations, the effect from
    the residualised outcome; GMM-corrected clustered standard errors, Butts & Gardner 2022) and reports the effect
    per event time.

    Parameters
    ----------
    data : pandas.DataFrame
        A panel, one row per unit and period (or, with ``repeated_cross_sections``, one row per individual).
    unit : str
        Column with the unit (e.g. gemeente code) whose fixed effect is absorbed.
    time : str
        Column with the period (e.g. year) whose fixed effect is absorbed.
    outcome : str
        Column with the outcome y_it.
    treatment : str
        The column D_it: 0/1, a yes/no column (``ja``/``nee``, ``yes``/``no``, ``true``/``false``, bool), or a
        dose that is 0 before treatment.
    covariates : tuple of str, default ()
        Further numeric columns on the right-hand side (a covariate absorbed by the unit effects is dropped and
        listed in ``dropped``).
    cluster : str, optional
        Column defining the clusters of the cluster-robust variance; default ``unit``. Required (or ``vcov``) with
        ``repeated_cross_sections``.
    vcov : {'CR1', 'wild', 'HC1', 'iid'}, optional
        'CR1' (default; cluster-robust, at least ``MIN_CLUSTERS`` = 20 clusters, Cameron & Miller 2015), 'wild'
        (wild cluster bootstrap for few clusters, at least ``MIN_CLUSTERS_WILD`` = 6; needs the ``wildboottest``
        package), 'HC1' or 'iid' (with an ``InferenceWarning``: they ignore the clustering).
    weights : str, optional
        Column with regression weights (not with ``vcov='wild'``).
    log_outcome : bool, default False
        Fit log(outcome); rows with an outcome <= 0 are left out (listed in ``dropped``).
    balanced : bool, default True
        Require every unit in every period; a unit with a missing value in any period leaves as a whole. With
        False, only the rows with a missing value leave.
    level : float, default 0.95
        Confidence level of the intervals.
    repeated_cross_sections : bool, default False
        The rows are different individuals each period (the classic 2x2 on survey or sales data); ``unit`` is then
        the group (treated or not) whose effect is absorbed, units need not appear in every period, and ``cluster``
        or ``vcov`` must be given.
    estimator : {'auto', 'twfe', 'did2s'}, default 'auto'
        'auto' fits two-way fixed effects, or Gardner's two-stage estimator under staggered adoption; 'did2s'
        forces the latter, 'twfe' the former (with an ``InferenceWarning`` if the timing is staggered).
    bootstrap_reps : int, default 9999
        Replications of the wild cluster bootstrap (``vcov='wild'`` only).
    seed : int, optional
        Seed of the wild cluster bootstrap.

    Returns
    -------
    DiDResult
        ``coefficients`` (term, estimate, std_error, ci_lower, ci_upper, p_value; ``to_frame()`` gives these
        columns and ``term(name)`` one row), ``n_obs``, ``n_units``, ``n_clusters``, ``vcov`` (the variance in
        words), ``estimator`` ('twfe' or 'did2s'), ``event_time`` (did2s only: term, event_time, the estimates and
        n_obs per period since each unit's start), ``dropped`` (kind, name, reason of every unit, observation or
        term left out) and ``warnings`` (the estimator's messages, also re-raised as warnings).

    Raises
    ------
    KeyError
        If a named column is not in ``data`` (with the closest column names).
    ValueError
        If ``estimator`` is not 'auto', 'twfe' or 'did2s', ``vcov`` is not one of ``VCOV_TYPES``, or ``cluster``
        is given with ``vcov`` 'HC1' or 'iid'.
    DesignError
        A subclass of ValueError, for a design that cannot be estimated: a treatment column that is neither numeric
        nor yes/no; an unbalanced panel with ``balanced=True``; a treatment that does not vary, does not change
        within units, or is collinear with the fixed effects or covariates; repeated cross-sections without
        ``cluster`` or ``vcov``; fewer than 20 clusters with CR1 or fewer than 6 with 'wild'; the wild bootstrap
        with ``weights``; under staggered adoption a dose (not binary), a treatment that switches off again, a
        ``vcov`` other than CR1, a period without untreated units, or a unit with fewer than two untreated
        periods; ``estimator='did2s'`` without staggered adoption.
    ImportError
        With ``vcov='wild'`` if the ``wildboottest`` package is not installed.

    Examples
    --------
    Forty gemeenten over four years, half of them treated from 2020 with a true effect of 2 (simulated):

    >>> rng = np.random.default_rng(1)
    >>> units = np.repeat(np.arange(40), 4)
    >>> years = np.tile([2018, 2019, 2020, 2021], 40)
    >>> treated = (units < 20) & (years >= 2020)
    >>> y = 10 + units % 5 + 0.5 * (years - 2018) + 2.0 * treated + rng.normal(0, 0.5, 160)
    >>> panel = pd.DataFrame({"gemeente": units, "jaar": years, "y": y, "pilot": treated.astype(int)})
    >>> r = did(panel, unit="gemeente", time="jaar", outcome="y", treatment="pilot")
    >>> r.estimator, float(round(r.term("pilot").estimate, 1)), r.vcov
    ('twfe', 2.2, 'cluster-robust by gemeente (CR1, 40 clusters)')
    >>> list(r.to_frame().columns)
    ['term', 'estimate', 'std_error', 'ci_lower', 'ci_upper', 'p_value']

    Staggered adoption (starts in 2019 and 2020, the rest never treated; a yes/no column): the two-stage estimator
    and the effect per period since each unit's start:

    >>> units5 = np.repeat(np.arange(40), 5)
    >>> years5 = np.tile(np.arange(2017, 2022), 40)
    >>> on = years5 >= np.where(units5 < 10, 2019, np.where(units5 < 20, 2020, 9999))
    >>> stag = pd.DataFrame({"gemeente": units5, "jaar": years5, "pilot": np.where(on, "ja", "nee"),
    ...                      "y": units5 % 5 + 0.5 * (years5 - 2017) + 2.0 * on + rng.normal(0, 0.5, 200)})
    >>> s = did(stag, unit="gemeente", time="jaar", outcome="y", treatment="pilot")
    >>> s.estimator, float(round(s.term("pilot").estimate, 1)), s.event_time.event_time.tolist()
    ('did2s', 1.8, [0, 1, 2])
    """
    if estimator not in ("auto", "twfe", "did2s"):
        raise ValueError("estimator must be 'auto', 'twfe' or 'did2s'")
    if repeated_cross_sections:
        balanced = False
    extra = [cluster] if cluster else []
    d, dropped = _prepare(data, unit, time, outcome, [treatment, *covariates, *extra], weights, log_outcome, balanced,
                          binary=[treatment])  # fmt: skip
    if d[treatment].nunique() < 2:
        raise DesignError(f"treatment {treatment!r} does not vary: nothing to compare")
    within = d.groupby(unit)[treatment].transform(lambda s: s - s.mean())
    if np.allclose(within, 0):
        raise DesignError(f"treatment {treatment!r} does not change within units: the unit effects absorb it")
    vcov, cluster = _check_inference(d, vcov, cluster, repeated_cross_sections, unit)
    timing = _timing(d, unit, time, treatment) if not repeated_cross_sections else {"staggered": False}
    event = None
    if timing["staggered"] and estimator != "twfe":
        if not timing["binary"]:
            raise DesignError(
                f"treatment {treatment!r} is a dose that starts in different periods for different units: two-way "
                "fixed effects are biased when effects change over time (Goodman-Bacon 2021). Use a binary "
                "treatment (estimator 'did2s', Gardner's two-stage) or an event study per start cohort, or pass "
                "estimator='twfe' to fit two-way fixed effects anyway (with a warning)"
            )
        if not timing["absorbing"]:
            raise DesignError(
                f"treatment {treatment!r} switches off again for some units: the two-stage estimator needs a "
                "treatment that stays on once started (staggered adoption)"
            )
        if vcov != "CR1":
            raise DesignError(
                "the two-stage estimator (staggered adoption) has cluster-robust (CR1) errors only: leave vcov at "
                "its default, or pass estimator='twfe' (biased under staggered timing, with a warning)"
            )
        untreated = d.loc[d[treatment] == 0, time].unique()
        bare = sorted(set(d[time]) - set(untreated))
        if bare:
            raise DesignError(
                f"no untreated units in period(s) {bare}: the two-stage estimator takes the time effects from the "
                "untreated observations; drop those periods or add never- or not-yet-treated units"
            )
        # the first stage estimates each unit's effect from its untreated periods: a unit treated from the first
        # period has none (its effect is not identified), one treated from the second has one, and pyfixest drops
        # such a singleton, after which its two stages no longer line up (a broadcasting error deep inside)
        n_untreated = (d[treatment] == 0).groupby(d[unit]).sum()
        thin = n_untreated[n_untreated < 2]
        if len(thin):
            starts = sorted({str(v) for v in timing["first"].reindex(thin.index).dropna()})
            raise DesignError(
                f"{len(thin)} unit(s) have fewer than two untreated periods (e.g. {', '.join(map(str, thin.index[:3]))}"
                f"; treated from {', '.join(starts)}): the two-stage estimator takes each unit's effect from its "
                "untreated periods and needs at least two; add earlier periods, drop these units, or pass "
                "estimator='twfe' (biased under staggered timing, with a warning)"
            )
        coef, event, told = _did2s(d, unit, time, outcome, treatment, list(covariates), cluster, weights, level,
                                   timing["first"])  # fmt: skip
        label = (
            f"cluster-robust by {cluster} (CR1 with Gardner's two-stage GMM correction, {d[cluster].nunique()} "
            "clusters)"
        )
        return DiDResult(coef, len(d), d[unit].nunique(), int(d[cluster].nunique()), label, outcome, log_outcome,
                         dropped, "did2s", vcov, event, told)  # fmt: skip
    if estimator == "did2s":
        raise DesignError("estimator='did2s' needs a binary treatment that starts at different times (staggered)")
    if timing["staggered"]:
        warnings.warn(
            "staggered treatment timing fitted by two-way fixed effects (estimator='twfe'): biased when effects "
            "change over time (Goodman-Bacon 2021); estimator='auto' uses Gardner's two-stage estimator",
            InferenceWarning,
            stacklevel=2,
        )
    rhs = " + ".join([treatment, *covariates])
    coef, label, terms, told = _fit(d, f"{outcome} ~ {rhs} | {unit} + {time}", vcov=vcov, cluster=cluster,
                                    weights=weights, level=level, reps=bootstrap_reps, seed=seed)  # fmt: skip
    if treatment in {t[1] for t in terms}:
        raise DesignError(f"treatment {treatment!r} is collinear with the fixed effects or covariates")
    dropped = pd.concat([dropped, pd.DataFrame(terms, columns=DROPPED_COLUMNS)], ignore_index=True)
    return DiDResult(coef, len(d), d[unit].nunique(), int(d[cluster].nunique()) if cluster else None, label,
                     outcome, log_outcome, dropped, "twfe", vcov, None, told)  # fmt: skip


def _check_period(data, time, value, what):
    lo, hi = data[time].min(), data[time].max()
    try:
        inside = lo <= value <= hi
    except TypeError:
        raise DesignError(f"{what} {value!r} is not comparable with the {time!r} column ({lo!r} to {hi!r})") from None
    if not inside:
        raise DesignError(f"{what} {value!r} is outside the data: {time!r} runs from {lo!r} to {hi!r}")


def event_study(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    dose: str,
    reference: object,
    cluster: str | None = None,
    vcov: str | None = None,
    log_outcome: bool = False,
    balanced: bool = True,
    level: float = 0.95,
    bootstrap_reps: int = 9999,
    seed: int | None = None,
) -> DiDResult:
    """Event study with one common start: dose x 1[time = k] for every period k but ``reference``.

    The model is ``y_it = a_i + g_t + sum_k b_k dose_i 1[t = k]`` with the unit and time effects absorbed, so b_k is
    the difference between treated and untreated units in period k relative to the ``reference`` period: before the
    start the b_k are a check of parallel trends, after it the effect per period. For staggered starts use ``did``,
    which gives the effect per event time (periods since each unit's own start). Inference as in ``did``.

    Parameters
    ----------
    data : pandas.DataFrame
        A panel, one row per unit and period.
    unit : str
        Column with the unit whose fixed effect is absorbed.
    time : str
        Column with the period whose fixed effect is absorbed.
    outcome : str
        Column with the outcome.
    dose : str
        Column with the (time-constant) treatment intensity of each unit: 0/1, a yes/no column or a dose.
    reference : object
        The period the others are compared with (usually the last one before the start); must be in ``time``.
    cluster : str, optional
        Column defining the clusters; default ``unit``.
    vcov : {'CR1', 'wild', 'HC1', 'iid'}, optional
        The variance, as in ``did`` (default 'CR1', at least 20 clusters).
    log_outcome : bool, default False
        Fit log(outcome); rows with an outcome <= 0 are left out.
    balanced : bool, default True
        Require every unit in every period (see ``did``).
    level : float, default 0.95
        Confidence level of the intervals.
    bootstrap_reps : int, default 9999
        Replications of the wild cluster bootstrap (``vcov='wild'`` only).
    seed : int, optional
        Seed of the wild cluster bootstrap.

    Returns
    -------
    DiDResult
        ``coefficients`` with one row per period but the reference: term (``<dose>_x_<k>``), estimate, std_error,
        ci_lower, ci_upper, p_value and ``period`` (k); the other fields as in ``did`` (estimator 'twfe').

    Raises
    ------
    KeyError
        If ``dose`` or another named column is not in ``data``.
    ValueError
        If ``vcov`` is not one of ``VCOV_TYPES`` or ``cluster`` is given with 'HC1' or 'iid'.
    DesignError
        A subclass of ValueError: ``reference`` is not a period in the data; fewer than two periods; ``dose`` is
        neither numeric nor yes/no; an unbalanced panel with ``balanced=True``; too few clusters (20 for CR1, 6 for
        'wild').
    ImportError
        With ``vcov='wild'`` if the ``wildboottest`` package is not installed.

    Examples
    --------
    Forty gemeenten, half of them treated from 2020 with a true effect of 2 (simulated), 2019 as reference:

    >>> rng = np.random.default_rng(1)
    >>> units = np.repeat(np.arange(40), 4)
    >>> years = np.tile([2018, 2019, 2020, 2021], 40)
    >>> groep = (units < 20).astype(int)
    >>> y = 10 + units % 5 + 0.5 * (years - 2018) + 2.0 * groep * (years >= 2020) + rng.normal(0, 0.5, 160)
    >>> panel = pd.DataFrame({"gemeente": units, "jaar": years, "y": y, "groep": groep})
    >>> e = event_study(panel, unit="gemeente", time="jaar", outcome="y", dose="groep", reference=2019)
    >>> e.coefficients.term.tolist()
    ['groep_x_2018', 'groep_x_2020', 'groep_x_2021']
    >>> [bool(abs(b - 2) < 0.5) for b in e.coefficients.estimate[1:]]
    [True, True]
    """
    if dose not in data.columns:
        raise KeyError(f"column {dose!r} not in the data; available: {sorted(map(str, data.columns))}")
    periods = sorted(data[time].dropna().unique())
    if reference not in periods:
        raise DesignError(f"reference period {reference!r} is not in the data ({periods[0]!r} to {periods[-1]!r})")
    if len(periods) < 2:
        raise DesignError("an event study needs at least two periods")
    d = _as_binary(data, dose)
    terms = []
    for k in periods:
        if k == reference:
            continue
        name = f"{dose}_x_{k}"
        d[name] = d[dose] * (d[time] == k)
        terms.append(name)
    d2, dropped = _prepare(d, unit, time, outcome, [*terms, dose, *([cluster] if cluster else [])], None,
                           log_outcome, balanced)  # fmt: skip
    vcov, cluster = _check_inference(d2, vcov, cluster, False, unit)
    formula = f"{outcome} ~ {' + '.join(terms)} | {unit} + {time}"
    coef, label, dterms, told = _fit(d2, formula, vcov=vcov, cluster=cluster, weights=None, level=level,
                                     reps=bootstrap_reps, seed=seed)  # fmt: skip
    coef["period"] = [periods[[str(p) for p in periods].index(t.rsplit("_x_", 1)[1])] for t in coef.term]
    dropped = pd.concat([dropped, pd.DataFrame(dterms, columns=DROPPED_COLUMNS)], ignore_index=True)
    return DiDResult(coef, len(d2), d2[unit].nunique(), int(d2[cluster].nunique()) if cluster else None, label,
                     outcome, log_outcome, dropped, "twfe", vcov, None, told)  # fmt: skip


def placebo(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    dose: str,
    first_treated: object,
    cluster: str | None = None,
    vcov: str | None = None,
    log_outcome: bool = False,
    level: float = 0.95,
) -> DiDResult:
    """Placebo test: the same DiD on the pre-treatment periods only, with a fake start at the last pre-period.

    An estimate far from 0 means the treated and untreated units were already drifting apart before the real
    start (parallel trends in doubt). Fitted by ``did`` with two-way fixed effects.

    Parameters
    ----------
    data : pandas.DataFrame
        A panel, one row per unit and period.
    unit : str
        Column with the unit.
    time : str
        Column with the period (comparable with ``first_treated``).
    outcome : str
        Column with the outcome.
    dose : str
        Column with the (time-constant) treatment intensity: 0/1, a yes/no column or a dose.
    first_treated : object
        The first treated period; must be a period inside the data with at least two periods before it.
    cluster : str, optional
        Column defining the clusters; default ``unit``.
    vcov : {'CR1', 'wild', 'HC1', 'iid'}, optional
        The variance, as in ``did`` (default 'CR1', at least 20 clusters).
    log_outcome : bool, default False
        Fit log(outcome).
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    DiDResult
        As ``did``, with the single term ``_placebo`` (dose x [time >= last pre-period]).

    Raises
    ------
    KeyError
        If ``time``, ``dose`` or another named column is not in ``data``.
    ValueError
        If ``vcov`` is not one of ``VCOV_TYPES`` or ``cluster`` is given with 'HC1' or 'iid'.
    DesignError
        A subclass of ValueError: ``first_treated`` is outside the data or not comparable with ``time``; fewer than
        two periods before it; and the design errors of ``did`` (too few clusters, no variation, ...).

    Examples
    --------
    Forty gemeenten, half of them treated from 2020 (simulated, parallel trends before):

    >>> rng = np.random.default_rng(1)
    >>> units = np.repeat(np.arange(40), 4)
    >>> years = np.tile([2018, 2019, 2020, 2021], 40)
    >>> groep = (units < 20).astype(int)
    >>> y = 10 + units % 5 + 0.5 * (years - 2018) + 2.0 * groep * (years >= 2020) + rng.normal(0, 0.5, 160)
    >>> panel = pd.DataFrame({"gemeente": units, "jaar": years, "y": y, "groep": groep})
    >>> p = placebo(panel, unit="gemeente", time="jaar", outcome="y", dose="groep", first_treated=2020)
    >>> p.to_frame().term.tolist(), bool(p.term("_placebo").p_value > 0.05)
    (['_placebo'], True)
    """
    if time not in data.columns or dose not in data.columns:
        raise KeyError(f"columns {[c for c in (time, dose) if c not in data.columns]} not in the data")
    _check_period(data, time, first_treated, "first_treated")
    pre = data[data[time] < first_treated]
    periods = sorted(pre[time].unique())
    if len(periods) < 2:
        raise DesignError(f"a placebo needs at least two periods before {first_treated}; the data have {len(periods)}")
    fake = periods[-1]
    pre = _as_binary(pre, dose)
    pre = pre.assign(_placebo=pre[dose] * (pre[time] >= fake))
    return did(pre, unit=unit, time=time, outcome=outcome, treatment="_placebo", cluster=cluster, vcov=vcov,
               log_outcome=log_outcome, level=level, estimator="twfe")  # fmt: skip
