"""Funnel plots for any numerators and denominators: control limits around a target, with or without overdispersion,
and each unit's position.

Spiegelhalter (2005a), *Funnel plots for comparing institutional performance*, Statistics in Medicine 24:1185-1202;
Spiegelhalter (2005b), *Handling over-dispersion of performance indicators*, Quality and Safety in Health Care
14:347-351. For unit i with count O_i and denominator n_i the indicator is y_i = O_i / n_i, the target theta_0 (by
default the pooled rate sum O / sum n of the units used for fitting), and under the null hypothesis of no
difference y_i has standard error s_i = sqrt(theta_0 / n_i) (``family="poisson"``) or
sqrt(theta_0 (1 - theta_0) / n_i) (``"binomial"``).

``overdispersion``:

- ``None``: exact limits from the Poisson or binomial distribution, interpolated between the discrete quantiles as
  in Spiegelhalter (2005a, appendix A.1); only chance.
- ``"multiplicative"``: the variance is phi s_i^2 with phi the mean of the squared z-scores after winsorising the
  lowest and highest 10% (Spiegelhalter 2005b); limits theta_0 +- z_p sqrt(phi) s_i. A phi below 1 is not used to
  narrow the limits (phi = 1).
- ``"additive"``: random effects on the rate scale, variance s_i^2 + tau^2, with tau^2 the DerSimonian-Laird moment
  estimate from the winsorised z-scores, tau^2 = (I phi - (I - 1)) / (sum w_i - sum w_i^2 / sum w_i), w_i = 1 / s_i^2,
  and 0 if I phi <= I - 1 (Spiegelhalter 2005b). With a large tau the lower limit stays near 0 at every size, so a
  low outlier cannot be flagged.
- ``"additive-log"`` (default): the same random-effects model on the log scale, log y_i with standard error
  1 / sqrt(O-expected) = 1 / sqrt(n_i theta_0) (Poisson; sqrt((1 - theta_0) / (n_i theta_0)) binomial), limits
  theta_0 exp(+- z_p sqrt(s_i^2 + tau^2)). Between-unit differences are proportional, the limits narrow with size to
  theta_0 exp(+- z_p tau), and a unit can be below them. This is how NHS Digital's SHMI and the FunnelPlotR package
  apply Spiegelhalter's method to ratios. A unit with O_i = 0 gets its z-score and its position from O_i = 0.5 (the
  log of 0 is not finite), so position and z-score agree.

``target`` (the centre line): ``"random-effects"`` (default with an additive model and the default estimator) is the
random-effects mean, estimated jointly with tau^2: on the model's scale the mean weighted by 1 / (s_i^2 + tau^2),
with s_i^2 and tau^2 recomputed around it until both settle (the Paule-Mandel iteration; Paule & Mandel 1982,
DerSimonian & Kacker 2007, Contemporary Clinical Trials 28:105). ``"pooled"`` (default without overdispersion, with
the multiplicative model, and with Spiegelhalter's estimator as published) is sum O / sum n of the fitted units; a
number is an external target per ``per``. Why the joint mean with random effects: when large units differ
systematically from small ones (big cities register more HH), the pooled rate lies off the centre of the units'
distribution, and deviations from it are then counted as between-unit spread: tau is inflated by the offset and one
tail cannot be reached. The pooled rate is kept in the result (``pooled``).

Units marked in ``exclude`` (e.g. registration breaks) are left out of the target and the overdispersion estimate
but keep their z-score, limits and position in the table (with ``excluded`` True), so they can be drawn apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.results import ResultDisplay

FAMILIES = ("poisson", "binomial")
OVERDISPERSION = (None, "multiplicative", "additive", "additive-log")
CENTRES = ("random-effects", "pooled")
TAU2_ESTIMATORS = {
    "winsorised-pm": "tau^2 by the Paule-Mandel moment equation on 10%-winsorised random-effects z-scores",
    "winsorised-dl": "tau^2 by DerSimonian-Laird on 10%-winsorised z-scores (Spiegelhalter 2005b as published)",
}
WINSOR = 0.10  # Spiegelhalter (2005b): the lowest and highest 10% of z-scores are pulled in to the 10th/90th centile


def _tag(level: float) -> str:
    return f"{level * 100:g}".replace(".", "_")


@dataclass(frozen=True)
class FunnelResult(ResultDisplay):
    """Funnel plot: ``table`` has one row per unit (unit, numerator, denominator, rate (per ``per``), z, the limits
    at each level for its denominator ``lower_<lvl>``/``upper_<lvl>``, ``position_<lvl>`` 'boven', 'onder' or
    'binnen', excluded); ``limits`` the same limits over a grid of denominators; ``method`` names the model and the
    estimator; ``target`` is the centre line per ``per`` and ``centre`` how it was set ('random-effects', 'pooled'
    or 'given'); ``pooled`` the pooled rate sum O / sum n of the fitted units per ``per``; ``phi`` the winsorised
    dispersion (1 = only chance) and ``tau2`` the between-unit variance (on the rate scale per ``per`` squared for
    'additive', on the log scale for 'additive-log', else 0)."""

    table: pd.DataFrame
    limits: pd.DataFrame
    method: str
    family: str
    overdispersion: str | None
    target: float
    phi: float
    tau2: float
    per: float
    levels: tuple[float, ...]
    n_fitted: int
    centre: str = "pooled"
    pooled: float = float("nan")

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))

    def share_outside(self, level: float = 0.95) -> float:
        """Share of the fitted (not excluded) units outside the ``level`` limits."""
        t = self.table[~self.table.excluded]
        return float((t[f"position_{_tag(level)}"] != "binnen").mean())

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def summary(self) -> str:
        t = self.table
        lines = [
            f"Funnel plot: {self.method}",
            f"  target ({self.centre}) {self.target:.4g} per {self.per:g} (pooled {self.pooled:.4g}); "
            f"{self.n_fitted} units fitted, "
            f"{int(t.excluded.sum())} excluded from the fit; phi {self.phi:.3g}, tau^2 {self.tau2:.3g}",
        ]
        for lvl in self.levels:
            c = t[f"position_{_tag(lvl)}"].value_counts()
            lines.append(
                f"  {lvl:.1%} limits: {c.get('boven', 0)} above, {c.get('onder', 0)} below, {c.get('binnen', 0)} within"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.summary())}</pre>"


def _exact_limits(theta: float, n: np.ndarray, p: float, family: str) -> np.ndarray:
    """Spiegelhalter (2005a) A.1: the p-quantile of the count, interpolated so the limit is a smooth function of n."""
    if family == "poisson":
        dist = stats.poisson(theta * n)
    else:
        dist = stats.binom(np.round(n).astype(int), theta)
    r = dist.ppf(p)
    cdf_r, cdf_r1 = dist.cdf(r), dist.cdf(r - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(cdf_r > cdf_r1, (cdf_r - p) / (cdf_r - cdf_r1), 0.0)
    return np.maximum(r - alpha, 0.0) / n


# E[Z^2] of a standard normal winsorised at its 10th and 90th centiles: (1 - 2 WINSOR) - 2 a pdf(a) + 2 WINSOR a^2,
# a = 1.2816; about 0.679. Spiegelhalter's winsorised mean of z^2 is divided by it so that phi = 1 when there is
# only chance; without it phi and tau^2 are biased down (the 95% limits then hold ~80% of in-control units).
_A = stats.norm.ppf(1 - WINSOR)
WINSOR_CONSISTENCY = float((1 - 2 * WINSOR) - 2 * _A * stats.norm.pdf(_A) + 2 * WINSOR * _A**2)


def _winsorised_phi(z: np.ndarray) -> float:
    lo, hi = np.quantile(z, [WINSOR, 1 - WINSOR])
    return float(np.mean(np.clip(z, lo, hi) ** 2) / WINSOR_CONSISTENCY)


def _winsorised_pm_tau2(z0: np.ndarray, s2: np.ndarray) -> float:
    """tau^2 such that the winsorised mean of the random-effects z-scores, z_i = d_i / sqrt(s_i^2 + tau^2), equals
    its value under the model (``WINSOR_CONSISTENCY``): the Paule-Mandel moment equation with Spiegelhalter's 10%
    winsorising. Unlike DerSimonian-Laird on z-scores winsorised before the between-unit variance is taken out, it
    is not biased down when the large units carry the spread (their null z-scores are the ones winsorised)."""
    from scipy.optimize import brentq

    d = z0 * np.sqrt(s2)

    def gap(t2):
        return _winsorised_phi(d / np.sqrt(s2 + t2)) - 1.0

    if gap(0.0) <= 0:
        return 0.0
    # at tau^2 = 4 max(d^2) every |z| <= 1/2, so the winsorised phi is at most 0.25 / 0.679 < 1: the root is below
    return float(brentq(gap, 0.0, 4 * float(np.max(d**2)) + 1e-12, xtol=1e-14, rtol=1e-10))


def _dl_tau2(phi: float, s2: np.ndarray) -> float:
    """DerSimonian-Laird from the winsorised dispersion (Spiegelhalter 2005b, eq. for tau^2)."""
    w = 1 / s2
    k = len(s2)
    num = k * phi - (k - 1)
    return float(max(num, 0.0) / (w.sum() - (w**2).sum() / w.sum()))


def funnel(
    numerator,
    denominator,
    *,
    units=None,
    target: float | str | None = None,
    family: str = "poisson",
    overdispersion: str | None = "additive-log",
    per: float = 1000,
    levels: tuple[float, ...] = (0.95, 0.998),
    exclude=None,
    grid=None,
    tau2_estimator: str = "winsorised-pm",
) -> FunnelResult:
    """Funnel limits and positions for counts ``numerator`` out of ``denominator``.

    Control limits around a target rate, with or without overdispersion, after Spiegelhalter (2005a, Stat Med
    24:1185; 2005b, Qual Saf Health Care 14:347); the models, the estimators of tau^2 and the choice of the centre
    line are described in the module docstring.

    Parameters
    ----------
    numerator : array-like or pandas.Series
        Counts O_i (>= 0, no missing values).
    denominator : array-like or pandas.Series
        Denominators n_i (> 0), of the same length; for ``family="binomial"`` at least the numerator.
    units : array-like, optional
        Names of the units; default the numerator's index if it is a Series, else 0..I-1.
    target : {'random-effects', 'pooled'} or float, optional
        The centre line: ``"random-effects"`` (the default with an additive model and ``"winsorised-pm"``: the
        random-effects mean, estimated jointly with tau^2 by the Paule-Mandel iteration), ``"pooled"`` (the
        default otherwise: sum O / sum n of the fitted units) or a rate per ``per`` to compare with.
    family : {'poisson', 'binomial'}, default 'poisson'
        The null distribution of the counts.
    overdispersion : {'additive-log', 'additive', 'multiplicative', None}, default 'additive-log'
        None: exact limits (chance only); 'multiplicative': phi from the winsorised z-scores; 'additive': random
        effects on the rate scale; 'additive-log': random effects on the log scale (as NHS Digital's SHMI).
    per : float, default 1000
        Rates, limits and ``target`` are per this many of the denominator.
    levels : tuple of float, default (0.95, 0.998)
        Two-sided coverage of each pair of limits.
    exclude : array-like of bool, optional
        Units left out of the target and the overdispersion fit (e.g. registration breaks); they keep their z-score,
        limits and position.
    grid : array-like of float, optional
        Denominators for the ``limits`` table; default 200 points, log-spaced over the observed range.
    tau2_estimator : {'winsorised-pm', 'winsorised-dl'}, default 'winsorised-pm'
        Paule-Mandel on 10%-winsorised random-effects z-scores, or DerSimonian-Laird on 10%-winsorised z-scores
        (Spiegelhalter 2005b as published, with the pooled target).

    Returns
    -------
    FunnelResult
        ``table`` (``to_frame()``): one row per unit with unit, numerator, denominator, rate (per ``per``), z,
        ``lower_<lvl>``, ``upper_<lvl>`` and ``position_<lvl>`` ('boven', 'onder' or 'binnen') per level (``95``,
        ``99_8``), excluded; ``limits``: denominator and the limits over ``grid``; ``target`` (per ``per``),
        ``centre`` ('random-effects', 'pooled' or 'given'), ``pooled``, ``phi``, ``tau2`` (``tau``), ``method``
        (model and estimator in words), ``n_fitted``; ``share_outside(level)`` the share of fitted units outside.

    Raises
    ------
    ValueError
        If ``family``, ``overdispersion``, ``target`` (as a name) or ``tau2_estimator`` is not one of the choices;
        numerator and denominator are not 1-d of equal length, are missing, or a denominator is <= 0 or a numerator
        < 0; a binomial numerator exceeds its denominator; a level is not between 0 and 1; ``exclude`` or ``units``
        has the wrong length; fewer than three units are fitted; a random-effects centre is asked without an
        additive model; the target rate is not a valid rate; or the random-effects centre leaves the valid range.

    Examples
    --------
    Fifty gemeenten with a between-gemeente spread of about 10% around 130 per 1,000, the first with twice the
    rate (simulated):

    >>> rng = np.random.default_rng(1)
    >>> n = rng.integers(2_000, 60_000, 50)
    >>> o = rng.poisson(0.13 * n * np.exp(rng.normal(0, 0.1, 50)))
    >>> o[0] = int(0.26 * n[0])
    >>> f = funnel(o, n, per=1000)
    >>> f.centre, round(f.target), round(f.tau, 2), f.table.loc[0, "position_95"]
    ('random-effects', 131, 0.09, 'boven')
    >>> f.table.shape, f.limits.shape
    ((50, 12), (200, 5))

    With chance only (exact Poisson limits) around a given target, most gemeenten fall outside:

    >>> p = funnel(o, n, overdispersion=None, target=130, per=1000, levels=(0.95,))
    >>> p.centre, p.share_outside() > 0.5
    ('given', True)
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}")
    if overdispersion not in OVERDISPERSION:
        raise ValueError(f"overdispersion must be one of {OVERDISPERSION}")
    o = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    if o.shape != n.shape or o.ndim != 1:
        raise ValueError("numerator and denominator must be 1-d and of the same length")
    if np.isnan(o).any() or np.isnan(n).any():
        raise ValueError("numerator and denominator may not be missing; drop those units first")
    if (n <= 0).any() or (o < 0).any():
        raise ValueError("denominators must be > 0 and numerators >= 0")
    if family == "binomial" and (o > n).any():
        raise ValueError("binomial: a numerator exceeds its denominator")
    if any(not 0 < lvl < 1 for lvl in levels):
        raise ValueError("levels must be between 0 and 1, e.g. (0.95, 0.998)")
    excl = np.zeros(len(o), bool) if exclude is None else np.asarray(exclude, dtype=bool)
    if excl.shape != o.shape:
        raise ValueError("exclude must be a boolean mask of the same length as the numerators")
    fit = ~excl
    if fit.sum() < 3:
        raise ValueError("at least three units are needed to fit the target and the overdispersion")
    if units is None:  # a Series' index names its units (e.g. gemeente codes)
        units = numerator.index if isinstance(numerator, pd.Series) else np.arange(len(o))
    names = np.asarray(units)
    if names.shape != o.shape:
        raise ValueError("units must name every numerator once")
    additive = overdispersion in ("additive", "additive-log")
    if target is None:  # Spiegelhalter's estimator as published ('winsorised-dl') keeps his pooled target
        target = "random-effects" if additive and tau2_estimator == "winsorised-pm" else "pooled"
    if isinstance(target, str):
        if target not in CENTRES:
            raise ValueError(f"target must be a rate or one of {CENTRES}")
        if target == "random-effects" and not additive:
            raise ValueError("a random-effects centre needs an additive overdispersion model")
    if tau2_estimator not in TAU2_ESTIMATORS:
        raise ValueError(f"tau2_estimator must be one of {tuple(TAU2_ESTIMATORS)}")
    pooled = o[fit].sum() / n[fit].sum()
    centre = target if isinstance(target, str) else "given"
    theta = pooled if isinstance(target, str) else target / per
    if not 0 < theta < (1 if family == "binomial" else np.inf):
        raise ValueError(f"target rate {theta * per:g} per {per:g} is not a valid {family} rate")
    y = o / n
    # the log of a zero count is not finite: it is placed (and its z computed) as 0.5
    scale_y = np.log(np.maximum(o, 0.5) / n) if overdispersion == "additive-log" else y

    def null_var(m, th):
        """Variance of a unit's indicator under 'no difference' at denominator ``m`` around the centre ``th``, on the
        model's scale: the rate's th / m (binomial th (1 - th) / m), divided by th^2 on the log scale."""
        v = (th if family == "poisson" else th * (1 - th)) / m
        return v / th**2 if overdispersion == "additive-log" else v

    def spread(th):
        """Null variances, z-scores, phi and tau^2 around the centre ``th``."""
        s2_ = null_var(n, th)
        z0_ = (scale_y - (np.log(th) if overdispersion == "additive-log" else th)) / np.sqrt(s2_)
        phi_ = _winsorised_phi(z0_[fit])
        t2 = 0.0
        if additive:
            if tau2_estimator == "winsorised-dl":
                t2 = _dl_tau2(phi_ * WINSOR_CONSISTENCY, s2_[fit])  # Spiegelhalter's phi, as published
            else:
                t2 = _winsorised_pm_tau2(z0_[fit], s2_[fit])
        return s2_, z0_, phi_, t2

    s2, z0, phi, tau2 = spread(theta)
    if centre == "random-effects":
        # Paule-Mandel: the weighted mean with weights 1 / (s_i^2 + tau^2) and tau^2 around that mean, to a fixed
        # point (a few iterations: the weights hardly change once tau^2 dominates s_i^2)
        for _ in range(200):
            w = 1 / (s2[fit] + tau2)
            m = float(np.sum(w * scale_y[fit]) / np.sum(w))
            new = float(np.exp(m)) if overdispersion == "additive-log" else m
            if not 0 < new < (1 if family == "binomial" else np.inf):
                raise ValueError("the random-effects centre left the valid range; give a target")
            if abs(new - theta) <= 1e-12 * theta:
                break
            theta = new
            s2, z0, phi, tau2 = spread(theta)
        else:  # pragma: no cover - a contraction in practice; guard against a silent non-answer
            raise ValueError("the random-effects centre did not settle in 200 iterations; give a target")
    phi_used = max(phi, 1.0) if overdispersion == "multiplicative" else 1.0
    z = z0 / np.sqrt(phi_used) if overdispersion == "multiplicative" else z0 * np.sqrt(s2 / (s2 + tau2))

    def limits(m):
        out = {}
        for lvl in levels:
            zc = stats.norm.ppf(0.5 + lvl / 2)
            if overdispersion is None:
                lo = _exact_limits(theta, m, (1 - lvl) / 2, family)
                hi = _exact_limits(theta, m, (1 + lvl) / 2, family)
            elif overdispersion == "additive-log":
                sd = np.sqrt(null_var(m, theta) + tau2)
                lo, hi = theta * np.exp(-zc * sd), theta * np.exp(zc * sd)
            else:
                sd = np.sqrt(phi_used * null_var(m, theta) + tau2)
                lo, hi = np.maximum(theta - zc * sd, 0.0), theta + zc * sd
            if family == "binomial":
                hi = np.minimum(hi, 1.0)
            out[f"lower_{_tag(lvl)}"], out[f"upper_{_tag(lvl)}"] = lo * per, hi * per
        return out

    table = pd.DataFrame({"unit": names, "numerator": o, "denominator": n, "rate": y * per, "z": z})
    lim = limits(n)
    # on the log scale a count of 0 is placed as 0.5, as its z-score is computed, so position and z agree (a zero
    # is otherwise below every log-scale limit, also where the expected count is so small that 0 is common)
    placed = (np.maximum(o, 0.5) if overdispersion == "additive-log" else o) / n * per
    for lvl in levels:
        k = _tag(lvl)
        table[f"lower_{k}"], table[f"upper_{k}"] = lim[f"lower_{k}"], lim[f"upper_{k}"]
        table[f"position_{k}"] = np.select(
            [placed > table[f"upper_{k}"], placed < table[f"lower_{k}"]], ["boven", "onder"], "binnen"
        )
    table["excluded"] = excl
    g = np.geomspace(n.min() * 0.8, n.max() * 1.2, 200) if grid is None else np.asarray(grid, dtype=float)
    limits_table = pd.DataFrame({"denominator": g, **limits(g)})
    method = {
        None: f"{family} exact limits, no overdispersion (Spiegelhalter 2005, Stat Med 24:1185)",
        "multiplicative": f"{family}, multiplicative overdispersion phi from 10%-winsorised z-scores with the normal "
        "consistency factor (Spiegelhalter 2005, Qual Saf Health Care 14:347)",
        "additive": f"{family}, additive random effects on the rate scale, {TAU2_ESTIMATORS[tau2_estimator]} "
        "(Spiegelhalter 2005, Qual Saf Health Care 14:347)",
        "additive-log": f"{family}, additive random effects on the log scale, {TAU2_ESTIMATORS[tau2_estimator]} "
        "(Spiegelhalter 2005, Qual Saf Health Care 14:347; on the log scale as NHS Digital's SHMI)",
    }[overdispersion]
    tau2_out = tau2 * per**2 if overdispersion == "additive" else tau2
    if centre == "random-effects":
        method += "; centre: the random-effects mean, estimated jointly with tau^2 (Paule-Mandel)"
    return FunnelResult(table, limits_table, method, family, overdispersion, float(theta * per), float(phi),
                        float(tau2_out), float(per), tuple(levels), int(fit.sum()), centre,
                        float(pooled * per))  # fmt: skip
