"""ZRM outcomes on a small n, done honestly: change scores, Reliable Change Index, exact tests, bootstrap, power.

With 8-10 families a p-value says little; the report therefore leads with per-family reliable change and an
explicit statement of the smallest effect the pilot could detect.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.results import ResultDisplay


def zrm_totals(zrm: pd.DataFrame, *, as_of: str | None = None) -> pd.DataFrame:
    """Total ZRM score (sum over domains) per family and measurement moment; only measurements taken by ``as_of``.

    The Zelfredzaamheid-Matrix (ZRM) scores each life domain 1 (acute problems) to 5 (fully self-sufficient); the
    total is their sum. A moment with a missing domain is dropped (a partial sum is not comparable); the number of
    domains is that of the whole table.

    Parameters
    ----------
    zrm : pandas.DataFrame
        ZRM scores: ``gezin_id``, ``meetmoment`` (months since intake: 0, 3, 6, 12), ``domein``, ``score`` and
        ``datum`` (needed only with ``as_of``).
    as_of : str, optional
        The peildatum; measurements after it are ignored. None: all.

    Returns
    -------
    pandas.DataFrame
        Index ``gezin_id``, one column per ``meetmoment`` with the total score (NaN where incomplete or missing).

    Raises
    ------
    KeyError
        If ``zrm`` lacks one of the columns above.

    Examples
    --------
    >>> import pandas as pd
    >>> zrm = pd.DataFrame({"gezin_id": ["g1"] * 4 + ["g2"] * 4 + ["g3"] * 4, "meetmoment": [0, 0, 6, 6] * 3,
    ...                     "domein": ["financien", "huisvesting"] * 6, "score": [2, 3, 3, 3, 1, 2, 2, 4, 3, 3, 3, 2],
    ...                     "datum": pd.to_datetime(["2021-11-01", "2021-11-01", "2022-05-01", "2022-05-01"] * 3)})
    >>> zrm_totals(zrm).to_dict("index")
    {'g1': {0: 5, 6: 6}, 'g2': {0: 3, 6: 6}, 'g3': {0: 6, 6: 5}}
    """
    z = zrm if as_of is None else zrm[zrm["datum"] <= pd.Timestamp(as_of)]
    n_dom = zrm["domein"].nunique()
    g = z.groupby(["gezin_id", "meetmoment"])["score"].agg(["sum", "count"]).reset_index()
    g = g[g["count"] == n_dom]
    return g.pivot(index="gezin_id", columns="meetmoment", values="sum")


def change_scores(zrm: pd.DataFrame, families: list[str], *, moment: int, as_of: str | None = None) -> pd.DataFrame:
    """Per ZRM domain: the change from intake (0) to ``moment`` months for the given families.

    Only families with a score at both moments in a domain count for that domain.

    Parameters
    ----------
    zrm : pandas.DataFrame
        ZRM scores (``gezin_id``, ``meetmoment``, ``domein``, ``score``, ``datum``).
    families : list of str
        The families (``gezin_id``) of one group.
    moment : int
        The measurement month compared with intake (3, 6 or 12).
    as_of : str, optional
        The peildatum; measurements after it are ignored.

    Returns
    -------
    pandas.DataFrame
        One row per domain: ``domein``, ``n`` (families), ``gem_voor`` and ``gem_na`` (mean score at intake and at
        ``moment``), ``gem_verandering`` (mean change, positive = more self-sufficient); empty (same columns) when no
        family has both scores.

    Raises
    ------
    KeyError
        If ``zrm`` lacks one of the columns above.

    Examples
    --------
    >>> import pandas as pd
    >>> zrm = pd.DataFrame({"gezin_id": ["g1"] * 4 + ["g2"] * 4 + ["g3"] * 4, "meetmoment": [0, 0, 6, 6] * 3,
    ...                     "domein": ["financien", "huisvesting"] * 6, "score": [2, 3, 3, 3, 1, 2, 2, 4, 3, 3, 3, 2],
    ...                     "datum": pd.to_datetime(["2021-11-01", "2021-11-01", "2022-05-01", "2022-05-01"] * 3)})
    >>> change_scores(zrm, ["g1", "g2", "g3"], moment=6)[["domein", "n", "gem_verandering"]].round(2).values.tolist()
    [['financien', 3, 0.67], ['huisvesting', 3, 0.33]]
    """
    z = zrm[zrm.gezin_id.isin(families)]
    if as_of is not None:
        z = z[z["datum"] <= pd.Timestamp(as_of)]
    w = (
        z[z.meetmoment.isin([0, moment])]
        .pivot_table(index=["gezin_id", "domein"], columns="meetmoment", values="score")
        .dropna()
    )
    if w.empty:
        return pd.DataFrame(columns=["domein", "n", "gem_voor", "gem_na", "gem_verandering"])
    w["verandering"] = w[moment] - w[0]
    per_dom = (
        w.groupby("domein")
        .agg(
            n=("verandering", "size"),
            gem_voor=(0, "mean"),
            gem_na=(moment, "mean"),
            gem_verandering=("verandering", "mean"),
        )
        .reset_index()
    )
    return per_dom


def reliable_change_index(pre, post, *, sd_pre: float, reliability: float) -> np.ndarray:
    """Jacobson & Truax (1991): RCI = (post - pre) / S_diff, S_diff = sqrt(2) * sd_pre * sqrt(1 - r_xx).

    A family's change counts as reliable (beyond measurement error) when abs(RCI) >= 1.96 (``classify_rci``).

    Parameters
    ----------
    pre, post : array-like of float
        Scores (e.g. ZRM totals) at intake and at the later moment, one per family.
    sd_pre : float
        Standard deviation of the intake scores (> 0).
    reliability : float
        Test-retest reliability r_xx of the instrument, strictly between 0 and 1 (assumption P02 for the ZRM).

    Returns
    -------
    numpy.ndarray
        One RCI per family.

    Raises
    ------
    ValueError
        If ``reliability`` is not in (0, 1) or ``sd_pre`` <= 0.

    Examples
    --------
    >>> reliable_change_index([10, 10], [14, 11], sd_pre=2.0, reliability=0.8).round(3).tolist()
    [3.162, 0.791]
    """
    if not 0 < reliability < 1:
        raise ValueError("reliability must be between 0 and 1")
    if sd_pre <= 0:
        raise ValueError("sd_pre must be > 0")
    s_diff = np.sqrt(2) * sd_pre * np.sqrt(1 - reliability)
    return (np.asarray(post, float) - np.asarray(pre, float)) / s_diff


def classify_rci(rci: np.ndarray, higher_is_better: bool = True, z: float = 1.96) -> np.ndarray:
    """Classify Reliable Change Index values as 'verbeterd', 'onveranderd' or 'verslechterd' at |RCI| >= ``z``.

    Parameters
    ----------
    rci : array-like of float
        Reliable Change Index values (``reliable_change_index``).
    higher_is_better : bool, default True
        A higher score is an improvement (as on the ZRM).
    z : float, default 1.96
        The threshold (1.96: a change beyond measurement error at the 5% level).

    Returns
    -------
    numpy.ndarray of str
        ``verbeterd`` (improved), ``onveranderd`` (no reliable change) or ``verslechterd`` (worsened) per value.

    Raises
    ------
    None
        Never raises on numbers; NaN is classified ``onveranderd``.

    Examples
    --------
    >>> classify_rci([2.5, -0.3, -2.1]).tolist()
    ['verbeterd', 'onveranderd', 'verslechterd']
    """
    r = np.asarray(rci) if higher_is_better else -np.asarray(rci)
    return np.select([r >= z, r <= -z], ["verbeterd", "verslechterd"], "onveranderd")


def sign_flip_test(diff, *, n_exact_max: int = 16, n_mc: int = 20000, seed: int = 0) -> float:
    """Two-sided permutation test of mean change = 0 by flipping signs (exact for n <= n_exact_max).

    Under the null hypothesis each change is as likely positive as negative; the p-value is the share of the 2^n
    sign patterns (or ``n_mc`` random ones) whose absolute mean is at least the observed one. With 8-10 families this
    is exact and needs no normality.

    Parameters
    ----------
    diff : array-like of float
        The changes (post - pre), one per family.
    n_exact_max : int, default 16
        Up to this many values every sign pattern is enumerated.
    n_mc : int, default 20000
        Random sign patterns for larger n.
    seed : int, default 0
        Seed for the random patterns.

    Returns
    -------
    float
        The two-sided p-value; NaN for no values.

    Raises
    ------
    None
        Never raises on numbers.

    Examples
    --------
    >>> sign_flip_test([2, 3, 1, 4, 2])  # all five positive: 2 of the 32 patterns are as extreme
    0.0625
    """
    d = np.asarray(diff, float)
    n = len(d)
    if n == 0:
        return np.nan
    obs = abs(d.mean())
    if n <= n_exact_max:
        signs = np.array(list(itertools.product([-1, 1], repeat=n)))
    else:
        signs = np.random.default_rng(seed).choice([-1, 1], size=(n_mc, n))
    means = np.abs((signs * d).mean(axis=1))
    return float(np.mean(means >= obs - 1e-12))


@dataclass(frozen=True)
class OutcomeResult(ResultDisplay):
    """Change in ZRM total between intake and ``moment`` months for one group."""

    moment: int
    n: int
    mean_change: float
    ci: tuple[float, float]
    p_permutation: float
    p_wilcoxon: float
    per_family: pd.DataFrame  # gezin_id, voor, na, verandering, rci, klasse
    counts: dict
    mde_80: float  # minimal detectable mean change with 80% power at alpha 0.05 (two-sided)
    sd_change: float

    @property
    def median_change(self) -> float:
        """The median change: with a handful of families, one large change moves the mean but not the median."""
        return float(np.median(self.per_family["verandering"])) if self.n else np.nan

    @property
    def leave_one_out(self) -> tuple[float, float]:
        """Lowest and highest mean change when one family is left out (each in turn): how far the mean rests on a
        single family. NaN with fewer than 3 families."""
        d = self.per_family["verandering"].to_numpy(float)
        if len(d) < 3:
            return (np.nan, np.nan)
        loo = (d.sum() - d) / (len(d) - 1)
        return (float(loo.min()), float(loo.max()))

    @property
    def driven_by_one(self) -> bool:
        """True when leaving out one family moves the mean by more than half its distance from the median, or
        changes its sign: then the mean alone misleads and the report gives the median and this range too."""
        if self.n < 3 or not np.isfinite(self.mean_change):
            return False
        lo, hi = self.leave_one_out
        spread = max(abs(self.mean_change - lo), abs(hi - self.mean_change))
        sign_flip = (lo <= 0 < self.mean_change) or (hi >= 0 > self.mean_change)
        return bool(sign_flip or spread > 0.5 * max(abs(self.mean_change), 1e-9))

    def to_frame(self) -> pd.DataFrame:
        se = self.sd_change / np.sqrt(self.n) if self.n > 1 else np.nan
        return pd.DataFrame(
            [
                {
                    "term": f"zrm_verandering_{self.moment}m",
                    "estimate": self.mean_change,
                    "std_error": se,
                    "ci_lower": self.ci[0],
                    "ci_upper": self.ci[1],
                    "p_value": self.p_permutation,
                }
            ]
        )


def minimal_detectable_change(n: int, sd: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest true mean change a paired t-test detects with the given power (noncentral t).

    The effect size solved by statsmodels' ``TTestPower`` (two-sided), times ``sd``: the honest statement of what a
    pilot of ``n`` families could have shown.

    Parameters
    ----------
    n : int
        Number of families (pairs).
    sd : float
        Standard deviation of the change (observed or assumed).
    alpha : float, default 0.05
        Significance level.
    power : float, default 0.8
        Power.

    Returns
    -------
    float
        The minimal detectable mean change, in the unit of ``sd`` (ZRM points); NaN when ``n`` < 2 or ``sd`` is not
        a positive number.

    Raises
    ------
    ValueError
        From statsmodels' solver when no effect size solves the power equation (e.g. ``alpha`` > 1); ``alpha`` and
        ``power`` are not checked otherwise.

    Examples
    --------
    >>> round(minimal_detectable_change(8, 3.0), 2)
    3.47
    """
    if n < 2 or not np.isfinite(sd) or sd <= 0:
        return np.nan
    from statsmodels.stats.power import TTestPower

    d = TTestPower().solve_power(effect_size=None, nobs=n, alpha=alpha, power=power, alternative="two-sided")
    return float(d * sd)


def zrm_outcome(
    zrm: pd.DataFrame,
    families: list[str],
    *,
    moment: int,
    reliability: float,
    sd_pre: float | None = None,
    as_of: str | None = None,
    n_boot: int = 4000,
    seed: int = 0,
    assumed_sd_change: float | None = None,
    min_n: int = 5,
) -> OutcomeResult:
    """Change in the ZRM total from intake to ``moment`` months for the given families.

    The mean change with a BCa bootstrap interval (only with at least ``min_n`` families and some spread: a bootstrap
    on fewer says nothing), the exact sign-flip p-value and the Wilcoxon signed-rank p-value, the Reliable Change
    Index per family (Jacobson & Truax) with its classification, and the minimal detectable change (80% power).
    With 8-10 families a p-value says little; the report leads with reliable change per family and the smallest
    effect the pilot could detect.

    Parameters
    ----------
    zrm : pandas.DataFrame
        ZRM scores (``gezin_id``, ``meetmoment``, ``domein``, ``score``, ``datum``).
    families : list of str
        The families of one group.
    moment : int
        The measurement month (3, 6 or 12).
    reliability : float
        Test-retest reliability of the ZRM total (assumption P02).
    sd_pre : float, optional
        Standard deviation of intake totals; default from all families in ``zrm``.
    as_of : str, optional
        The peildatum; later measurements are ignored.
    n_boot : int, default 4000
        Bootstrap resamples.
    seed : int, default 0
        Seed of the bootstrap and the sign-flip test.
    assumed_sd_change : float, optional
        The sd of the change for the minimal detectable change (default the observed one); also used when no family
        is measured yet.
    min_n : int, default 5
        Fewest families for a bootstrap interval.

    Returns
    -------
    OutcomeResult
        ``n``, ``mean_change``, ``ci``, ``p_permutation``, ``p_wilcoxon``, ``per_family`` (gezin_id, voor, na,
        verandering, rci, klasse), ``counts`` per class, ``mde_80`` and ``sd_change``; NaN values when no family has
        both scores.

    Raises
    ------
    ValueError
        If ``reliability`` is not in (0, 1) or ``sd_pre`` <= 0 (from ``reliable_change_index``).
    KeyError
        If ``zrm`` lacks a column above.

    Examples
    --------
    >>> import pandas as pd
    >>> zrm = pd.DataFrame({"gezin_id": ["g1"] * 4 + ["g2"] * 4 + ["g3"] * 4, "meetmoment": [0, 0, 6, 6] * 3,
    ...                     "domein": ["financien", "huisvesting"] * 6, "score": [2, 3, 3, 3, 1, 2, 2, 4, 3, 3, 3, 2],
    ...                     "datum": pd.to_datetime(["2021-11-01", "2021-11-01", "2022-05-01", "2022-05-01"] * 3)})
    >>> o = zrm_outcome(zrm, ["g1", "g2", "g3"], moment=6, reliability=0.8, sd_pre=1.0)
    >>> o.n, o.mean_change, o.counts
    (3, 1.0, {'verbeterd': 1, 'onveranderd': 2, 'verslechterd': 0})
    """
    tot = zrm_totals(zrm, as_of=as_of)
    tot = tot[tot.index.isin(families)]
    if sd_pre is None:
        sd_pre = float(zrm_totals(zrm)[0].std(ddof=1))
    have = tot[[0, moment]].dropna() if moment in tot.columns and 0 in tot.columns else pd.DataFrame()
    n = len(have)
    if n == 0:
        return OutcomeResult(
            moment,
            0,
            np.nan,
            (np.nan, np.nan),
            np.nan,
            np.nan,
            pd.DataFrame(columns=["gezin_id", "voor", "na", "verandering", "rci", "klasse"]),
            {"verbeterd": 0, "onveranderd": 0, "verslechterd": 0},
            minimal_detectable_change(len(families), assumed_sd_change or np.nan),
            np.nan,
        )
    diff = (have[moment] - have[0]).to_numpy(float)
    rci = reliable_change_index(have[0], have[moment], sd_pre=sd_pre, reliability=reliability)
    klass = classify_rci(rci)
    per_family = pd.DataFrame(
        {
            "gezin_id": have.index,
            "voor": have[0].to_numpy(),
            "na": have[moment].to_numpy(),
            "verandering": diff,
            "rci": rci,
            "klasse": klass,
        }
    )
    if n >= min_n and np.ptp(diff) > 0:
        bs = stats.bootstrap(
            (diff,), np.mean, n_resamples=n_boot, method="BCa", random_state=seed, confidence_level=0.95
        )
        ci = (float(bs.confidence_interval.low), float(bs.confidence_interval.high))
    else:
        ci = (np.nan, np.nan)  # a bootstrap on fewer than min_n families says nothing
    # scipy picks the exact distribution when there are no ties or zeros, otherwise a normal approximation
    p_w = (
        float(stats.wilcoxon(diff, zero_method="wilcox", method="auto").pvalue)
        if n >= 2 and np.any(diff != 0)
        else np.nan
    )
    sd_change = float(np.std(diff, ddof=1)) if n > 1 else np.nan
    mde = minimal_detectable_change(n, assumed_sd_change or sd_change)
    counts = {k: int((klass == k).sum()) for k in ("verbeterd", "onveranderd", "verslechterd")}
    return OutcomeResult(
        moment, n, float(diff.mean()), ci, sign_flip_test(diff, seed=seed), p_w, per_family, counts, mde, sd_change
    )


def measurement_status(
    zrm: pd.DataFrame, families: pd.DataFrame, ids: list[str], *, moment: int, as_of: str
) -> dict[str, int]:
    """Why a family has or has no ZRM change score at ``moment`` months on the peildatum ``as_of``: ``gemeten``
    (intake and ``moment`` scores complete by the peildatum), ``nog_niet_bereikt`` (its start plus ``moment``
    months lies after the peildatum: the measurement was not due yet) or ``ontbreekt`` (due, but no complete
    score). ``gezinnen`` = all of ``ids``. A mean over the measured families describes the early starters only.

    Parameters
    ----------
    zrm : pandas.DataFrame
        ZRM scores per family, moment and domain.
    families : pandas.DataFrame
        Families with their start date.
    ids : list of str
        The families of one group.
    moment : int
        The measurement month (3, 6 or 12).
    as_of : str
        The peildatum (ISO date).

    Returns
    -------
    dict of str to int
        Counts for gezinnen, gemeten, nog_niet_bereikt and ontbreekt.

    Raises
    ------
    KeyError
        For a family id that is not in ``families``.

    Examples
    --------
    >>> measurement_status(zrm, families, ["G01"], moment=6, as_of="2022-11-01")  # doctest: +SKIP
    """
    as_of_ts = pd.Timestamp(as_of)
    tot = zrm_totals(zrm, as_of=as_of)
    have = set(tot[[0, moment]].dropna().index) if {0, moment} <= set(tot.columns) else set()
    f = families[families["gezin_id"].isin(ids)]
    missing = sorted(set(ids) - set(f["gezin_id"]))
    if missing:
        raise KeyError(f"families: no row for {missing[0]} (expected every measured family in the family table)")
    due = (f["start"] + pd.DateOffset(months=moment)) <= as_of_ts
    measured = f["gezin_id"].isin(have)
    return {
        "gezinnen": len(f),
        "gemeten": int(measured.sum()),
        "nog_niet_bereikt": int((~measured & ~due).sum()),
        "ontbreekt": int((~measured & due).sum()),
    }
