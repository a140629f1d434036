"""How a gemeente's HH use compares with similar gemeenten and the country, on the real CBS panel.

- ``peer_group``: the k nearest gemeenten on standardised size (log inhabitants), share of inhabitants aged 65+ and
  average income (the rule is stated in the result, so a council can see who its peers are and why).
- ``funnel``: a funnel plot of HH clients per 1,000 inhabitants 65+ against the 65+ population, with control limits
  around the pooled rate of the gemeenten without a registration break (``analysis.stats.funnel``). With hundreds of
  large gemeenten, Poisson limits alone flag nearly everyone (real differences in policy and registration between
  gemeenten are larger than chance), so the limits include a between-gemeente variance: Spiegelhalter's (2005,
  Quality and Safety in Health Care 14:347) additive random effects, on the log scale (differences between
  gemeenten are proportional; the limits narrow with size and a gemeente can be below them, as in NHS Digital's
  SHMI). The estimator is named in ``Benchmark.method``. Plain Poisson limits are returned beside them.

Caveat carried into the report: CBS publishes HH clients of all ages per gemeente; only the 65+ population is in
this panel, so the rate is 'HH clients per 1,000 inhabitants aged 65+' and differences in the age make-up within
65+ (more 85-plussers) are not adjusted for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from analysis.data import breaks
from analysis.results import ResultDisplay
from analysis.stats.funnel import funnel as _funnel

PEER_FEATURES = ("log_inwoners", "aandeel_65plus", "gem_inkomen")


class _Comparison:
    """What a gemeente comparison (``table`` with one row per gemeente, ``peers``, ``gemeente``) offers: the own
    row and the pooled rate of the peer group. ``_counts`` names the numerator and denominator columns."""

    _counts: ClassVar[tuple[str, str]]

    @property
    def own(self) -> pd.Series:
        return self.table.set_index("gemeente_code").loc[self.gemeente]

    @property
    def peer_rate(self) -> float:
        """Pooled rate of the peer group per 1,000 (sum of counts / sum of denominators, not a mean of rates)."""
        num, den = self._counts
        p = self.table[self.table.gemeente_code.isin(self.peers.gemeente_code)]
        return float(p[num].sum() / p[den].sum() * 1000)


@dataclass(frozen=True)
class Benchmark(_Comparison, ResultDisplay):
    """HH use of ``gemeente`` in ``year`` against its peers and the country.

    ``table``: one row per gemeente with published figures: gemeente_code, gemeente_naam, hh_clienten,
    inwoners_65plus, per_1000 (with Garwood ci_lower/ci_upper), z (standardised against the funnel's centre
    ``centre_rate``, with the between-gemeente variance), and ``positie`` ('boven', 'onder' or 'binnen' the 95%
    and 99.8% limits).
    ``funnel``: the control limits over a grid of 65+ population sizes. ``peers``: the peer group with its
    distance on the standardised features. ``flagged``: gemeenten whose series the registration-break screen
    (``analysis.data.breaks``) flags up to ``year``: they are in ``table`` (column ``vlag``) and positioned against
    the limits, but left out of the national rate, the overdispersion fit and the peer candidates."""

    _counts: ClassVar[tuple[str, str]] = ("hh_clienten", "inwoners_65plus")
    gemeente: str
    gemeente_naam: str
    year: int
    national_rate: float  # per 1,000 65+, pooled over gemeenten with published figures and no registration break
    tau: float  # between-gemeente standard deviation on the log scale (0.2 = about 20% between gemeenten)
    phi: float  # overdispersion factor from winsorised z-scores (1 = only chance)
    table: pd.DataFrame
    funnel: pd.DataFrame
    peers: pd.DataFrame
    k: int
    features: tuple[str, ...]
    flagged: pd.DataFrame = None  # gemeente_code, gemeente_naam, jaar, kind, reason
    break_rule: str = "all"
    method: str = ""  # the funnel model and estimator, as analysis.stats.funnel names them
    # the funnel's centre per 1,000 65+: the random-effects mean of the gemeenten's log rates, estimated with tau. It
    # lies below the pooled national_rate because the large cities register more HH than the typical gemeente
    centre_rate: float = float("nan")

    @property
    def own_flag(self) -> pd.Series | None:
        """The first break flag of the report's own gemeente (None when its series is clean)."""
        f = self.flagged[self.flagged.gemeente_code == self.gemeente] if self.flagged is not None else None
        return None if f is None or f.empty else f.iloc[0]

    @property
    def share_outside_95(self) -> float:
        """Share of the unflagged gemeenten outside the 95% limits (flagged ones are not in control by design)."""
        t = self.table[self.table.vlag == ""]
        return float((t["positie_95"] != "binnen").mean())

    def to_frame(self) -> pd.DataFrame:
        o = self.own
        return pd.DataFrame(
            [
                ("hh_per_1000_65plus", o.per_1000, np.nan, o.ci_lower, o.ci_upper, np.nan),
                ("landelijk_per_1000_65plus", self.national_rate, np.nan, np.nan, np.nan, np.nan),
                ("trechter_midden_per_1000_65plus", self.centre_rate, np.nan, np.nan, np.nan, np.nan),
                ("peers_per_1000_65plus", self.peer_rate, np.nan, np.nan, np.nan, np.nan),
                ("z_tegen_trechter_midden", o.z, 1.0, np.nan, np.nan, float(2 * stats.norm.sf(abs(o.z)))),
            ],
            columns=["term", "estimate", "std_error", "ci_lower", "ci_upper", "p_value"],
        )


def _features(panel: pd.DataFrame, year: int) -> pd.DataFrame:
    """Peer features per gemeente: size and ageing in ``year``, income as the latest published average up to
    ``year`` (CBS publishes average income with a delay; the panel has none for 2020)."""
    d = panel[panel.jaar == year].set_index("gemeente_code")
    inc = (
        panel[(panel.jaar <= year) & panel.gem_inkomen.notna()]
        .sort_values("jaar")
        .groupby("gemeente_code")["gem_inkomen"]
        .last()
    )
    out = pd.DataFrame(
        {
            "gemeente_naam": d["gemeente_naam"],
            "log_inwoners": np.log(d["inwoners"]),
            "aandeel_65plus": d["inwoners_65plus"] / d["inwoners"],
            "gem_inkomen": inc.reindex(d.index),
        }
    )
    return out


def peer_group(
    panel: pd.DataFrame, gemeente: str, year: int, *, k: int = 10, features=PEER_FEATURES, exclude=()
) -> pd.DataFrame:
    """The ``k`` gemeenten most like ``gemeente``: nearest in Euclidean distance on z-scored ``features``.

    Candidates are gemeenten with a published HH figure in ``year``, without the codes in ``exclude`` (flagged
    registration breaks). Income is the latest published average up to ``year`` (CBS publishes it with a delay).

    Parameters
    ----------
    panel : pandas.DataFrame
        The CBS panel: gemeente_code, gemeente_naam, jaar, hh_clienten, inwoners, inwoners_65plus, gem_inkomen.
    gemeente : str
        The gemeente code to find peers for.
    year : int
        The year whose size, ageing and published figures count.
    k : int, default 10
        Number of peers.
    features : tuple of str, default ``PEER_FEATURES``
        Any of ``log_inwoners``, ``aandeel_65plus``, ``gem_inkomen``.
    exclude : iterable of str, default ()
        Gemeente codes that may not be peers.

    Returns
    -------
    pandas.DataFrame
        One row per peer, nearest first: gemeente_code, gemeente_naam, afstand and the feature values.

    Raises
    ------
    ValueError
        If ``k`` < 1, the gemeente is not in the panel in ``year`` or lacks a feature, or fewer than ``k``
        candidates remain.

    Examples
    --------
    >>> import pandas as pd
    >>> codes = [f"GM{i:04d}" for i in range(6)]
    >>> panel = pd.DataFrame({"gemeente_code": codes, "gemeente_naam": codes, "jaar": 2020,
    ...                       "hh_clienten": 100.0, "inwoners": [10_000, 10_500, 50_000, 11_000, 90_000, 9_000],
    ...                       "inwoners_65plus": [2_000, 2_100, 8_000, 2_300, 15_000, 1_900],
    ...                       "gem_inkomen": [30, 30.5, 35, 29, 40, 31]})
    >>> list(peer_group(panel, "GM0000", 2020, k=2).gemeente_code)
    ['GM0001', 'GM0003']
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    f = _features(panel, year)
    if gemeente not in f.index:
        raise ValueError(f"gemeente {gemeente} is not in the CBS panel for {year}")
    have = panel[(panel.jaar == year) & panel.hh_clienten.notna()].gemeente_code
    cols = list(features)
    f = f.dropna(subset=cols)
    if gemeente not in f.index:
        raise ValueError(f"gemeente {gemeente} has no published {', '.join(cols)} for {year}")
    sd = f[cols].std(ddof=0)
    z = ((f[cols] - f[cols].mean()) / sd.where(sd > 0)).fillna(0.0)  # a feature without spread tells nothing
    dist = np.sqrt(((z - z.loc[gemeente]) ** 2).sum(axis=1))
    cand = dist.drop(gemeente)
    cand = cand[cand.index.isin(have) & ~cand.index.isin(list(exclude))].sort_values()
    if len(cand) < k:
        raise ValueError(f"only {len(cand)} gemeenten with published figures to choose {k} peers from")
    top = cand.head(k)
    return pd.DataFrame(
        {
            "gemeente_code": top.index,
            "gemeente_naam": f.loc[top.index, "gemeente_naam"].to_numpy(),
            "afstand": top.values,
        }
    ).join(f.loc[top.index, cols].reset_index(drop=True))


def funnel_limits(target_rate: float, n, *, tau: float = 0.0, levels=(0.95, 0.998)) -> pd.DataFrame:
    """Normal-approximation funnel limits on the log scale, for any denominators.

    theta exp(+-z sqrt(1 / (n theta) + tau^2)), as ``analysis.stats.funnel`` with
    ``overdispersion="additive-log"`` computes them: Poisson chance (1 / expected count) plus a between-gemeente
    spread ``tau`` on the log scale. Used to place gemeenten against the limits of a fitted funnel.

    Parameters
    ----------
    target_rate : float
        The funnel's centre per 1,000 (e.g. ``Benchmark.centre_rate``).
    n : array-like of float
        Denominators (e.g. inhabitants aged 65+), each > 0.
    tau : float, default 0.0
        Between-gemeente standard deviation on the log scale (0 = Poisson chance only).
    levels : tuple of float, default (0.95, 0.998)
        Two-sided coverage of each pair of limits.

    Returns
    -------
    pandas.DataFrame
        ``n`` and, per level, ``onder_<lvl>`` and ``boven_<lvl>`` per 1,000 (``95``, ``99_8``).

    Raises
    ------
    ValueError
        If a denominator is not positive.

    Examples
    --------
    >>> lim = funnel_limits(133.0, [1_000, 100_000], tau=0.2, levels=(0.95,))
    >>> [round(v) for v in lim.onder_95], [round(v) for v in lim.boven_95]
    ([87, 90], [204, 197])
    """
    n = np.asarray(n, float)
    if np.any(n <= 0):
        raise ValueError("denominators must be > 0")
    theta = target_rate / 1000
    out = {"n": n}
    for lvl in levels:
        zc = stats.norm.ppf(0.5 + lvl / 2)
        sd = np.sqrt(1 / (n * theta) + tau**2)
        tag = f"{lvl * 100:g}".replace(".", "_")
        out[f"onder_{tag}"] = theta * np.exp(-zc * sd) * 1000
        out[f"boven_{tag}"] = theta * np.exp(zc * sd) * 1000
    return pd.DataFrame(out)


_LIMIT_NAMES = {"denominator": "n", "lower_95": "onder_95", "upper_95": "boven_95", "lower_99_8": "onder_99_8",
                "upper_99_8": "boven_99_8"}  # fmt: skip


def _national_funnel(panel: pd.DataFrame, year: int, break_rule: str):
    """What is the same for every gemeente's benchmark in ``year``: the break screen, the fitted funnel, the table of
    all gemeenten and the limits. A national batch computes it once per kernel (``analysis.memo``)."""
    from analysis.demand.rates import garwood_interval

    d = panel[(panel.jaar == year) & panel.hh_clienten.notna() & (panel.inwoners_65plus > 0)].copy()
    counterpart = "ondersteuning_thuis" if "ondersteuning_thuis" in panel.columns else None
    flags = breaks.screen_registration_breaks(panel[panel.jaar <= year], counterpart=counterpart)
    flagged = breaks.flagged_units(flags, rule=break_rule, up_to=year)
    d["vlag"] = d.gemeente_code.map(flagged.set_index("gemeente_code")["kind"]).astype(object).fillna("")
    n = d.inwoners_65plus.to_numpy(float)
    grid = np.geomspace(max(200.0, n.min() * 0.8), n.max() * 1.2, 200)
    flagged_mask = (d.vlag != "").to_numpy()
    f = _funnel(d.hh_clienten.to_numpy(float), n, units=d.gemeente_code.to_numpy(), exclude=flagged_mask, per=1000,
                grid=grid)  # fmt: skip
    lo, hi = garwood_interval(d.hh_clienten.to_numpy())
    d["per_1000"] = d.hh_clienten.to_numpy(float) / n * 1000
    d["ci_lower"], d["ci_upper"] = lo / n * 1000, hi / n * 1000
    d["z"] = f.table.z.to_numpy()
    d["positie_95"], d["positie_99_8"] = f.table.position_95.to_numpy(), f.table.position_99_8.to_numpy()
    # the same centre with Poisson chance only: what the limits would be without the spread between gemeenten
    plain = _funnel(d.hh_clienten.to_numpy(float), n, exclude=flagged_mask, per=1000, grid=grid, overdispersion=None,
                    target=f.target)  # fmt: skip
    funnel = f.limits.rename(columns=_LIMIT_NAMES).merge(
        plain.limits.rename(columns=_LIMIT_NAMES).add_prefix("poisson_").rename(columns={"poisson_n": "n"}), on="n"
    )
    cols = ["gemeente_code", "gemeente_naam", "hh_clienten", "inwoners", "inwoners_65plus", "per_1000", "ci_lower",
            "ci_upper", "z", "positie_95", "positie_99_8", "vlag"]  # fmt: skip
    return d[cols].reset_index(drop=True), funnel, flagged, f


def benchmark(
    panel: pd.DataFrame,
    gemeente: str,
    *,
    year: int | None = None,
    k: int = 10,
    features=PEER_FEATURES,
    break_rule: str = "all",
) -> Benchmark:
    """Funnel and peer comparison of HH clients per 1,000 inhabitants 65+ of one gemeente in one year.

    The funnel is ``analysis.stats.funnel`` with random effects on the log scale, centred on the random-effects
    mean of the gemeenten (``Benchmark.centre_rate``); the pooled rate of all gemeenten is ``national_rate``.
    Gemeenten flagged by the registration-break screen under ``break_rule`` (``analysis.data.breaks``) are positioned
    but not fitted, and are not peer candidates. CBS counts HH clients of all ages; only the 65+ population is
    known per gemeente, hence the denominator.

    Parameters
    ----------
    panel : pandas.DataFrame
        The harmonised CBS panel (one boundary year): gemeente_code, gemeente_naam, jaar, hh_clienten, inwoners,
        inwoners_65plus, gem_inkomen, and ondersteuning_thuis if available (the break screen compares HH with it).
    gemeente : str
        The gemeente code the comparison is for (e.g. ``"GM0014"``).
    year : int, optional
        The year compared; default the panel's last year.
    k : int, default 10
        Number of peers.
    features : tuple of str, default ``PEER_FEATURES``
        Peer features: log inhabitants, share 65+ and average income.
    break_rule : str, default "all"
        Which break kinds exclude a gemeente from the fit (``analysis.data.breaks.RULES``).

    Returns
    -------
    Benchmark
        The table of all gemeenten with rate, Garwood interval, z, positions and flag; the limits over a grid;
        peers; centre, pooled rate, tau and the method.

    Raises
    ------
    KeyError
        If the panel lacks a required column.
    ValueError
        If the gemeente is not in the panel, has no published HH figure in ``year``, or has too few peer candidates.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> codes = [f"GM{i:04d}" for i in range(40)]
    >>> pop65 = np.round(np.exp(rng.uniform(np.log(2_000), np.log(60_000), 40)))
    >>> panel = pd.DataFrame({"gemeente_code": codes, "gemeente_naam": codes, "jaar": 2020,
    ...                       "hh_clienten": rng.poisson(0.13 * pop65).astype(float), "inwoners": 5 * pop65,
    ...                       "inwoners_65plus": pop65, "gem_inkomen": rng.normal(30, 4, 40)})
    >>> b = benchmark(panel, "GM0003", k=5)
    >>> len(b.peers), b.year, b.own.positie_95
    (5, 2020, 'binnen')
    """
    need = {"gemeente_code", "gemeente_naam", "jaar", "hh_clienten", "inwoners", "inwoners_65plus", "gem_inkomen"}
    if need - set(panel.columns):
        raise KeyError(f"panel needs columns {sorted(need)}")
    year = int(year or panel.jaar.max())
    if gemeente not in set(panel.gemeente_code):
        raise ValueError(f"gemeente {gemeente} is not in the CBS panel")
    published = panel[(panel.jaar == year) & panel.hh_clienten.notna() & (panel.inwoners_65plus > 0)].gemeente_code
    if gemeente not in set(published):
        raise ValueError(f"CBS published no HH figure for {gemeente} in {year}")
    table, funnel, flagged, f = _national_funnel(panel, year, break_rule)
    peers = peer_group(panel, gemeente, year, k=k, features=features, exclude=set(flagged.gemeente_code) - {gemeente})
    name = str(table.set_index("gemeente_code").loc[gemeente, "gemeente_naam"])
    return Benchmark(
        gemeente, name, year, f.pooled, f.tau, f.phi, table,
        funnel, peers, k, tuple(features), flagged, break_rule, f.method, f.target,
    )  # fmt: skip


@dataclass(frozen=True)
class IndicatorBenchmark(_Comparison, ResultDisplay):
    """Any count indicator of ``gemeente`` in ``year`` against its own peers and all gemeenten: the same machinery
    as the HH ``Benchmark`` (``analysis.stats.funnel`` and ``peer_group``), for another numerator and denominator.

    ``table``: one row per gemeente (gemeente_code, gemeente_naam, teller, noemer, per_1000, z, positie_95,
    positie_99_8); ``funnel``: the limits over a grid (n, onder_/boven_ per level); ``peers``: the peer group;
    ``method``: the funnel model as the library names it."""

    _counts: ClassVar[tuple[str, str]] = ("teller", "noemer")
    gemeente: str
    gemeente_naam: str
    year: int
    indicator: str
    national_rate: float  # per 1,000 of the denominator, pooled over all gemeenten with a figure
    tau: float  # between-gemeente sd on the log scale
    table: pd.DataFrame
    funnel: pd.DataFrame
    peers: pd.DataFrame
    method: str
    centre_rate: float = float("nan")  # the funnel's centre per 1,000: the random-effects mean (see Benchmark)

    def to_frame(self) -> pd.DataFrame:
        o = self.own
        return pd.DataFrame(
            [
                (f"{self.indicator}_per_1000", o.per_1000, np.nan, np.nan, np.nan, np.nan),
                ("alle_gemeenten_per_1000", self.national_rate, np.nan, np.nan, np.nan, np.nan),
                ("trechter_midden_per_1000", self.centre_rate, np.nan, np.nan, np.nan, np.nan),
                ("peers_per_1000", self.peer_rate, np.nan, np.nan, np.nan, np.nan),
                ("z", o.z, 1.0, np.nan, np.nan, float(2 * stats.norm.sf(abs(o.z)))),
            ],
            columns=["term", "estimate", "std_error", "ci_lower", "ci_upper", "p_value"],
        )


def _indicator_funnel(indicator: pd.DataFrame, numerator: str, denominator: str, year: int, family: str):
    """The gemeente-independent part of ``indicator_benchmark``: every gemeente's rate, z and position in the fitted
    funnel, and the limits (computed once per kernel in a national batch, ``analysis.memo``)."""
    d = indicator[(indicator.jaar == year) & indicator[numerator].notna() & (indicator[denominator] > 0)].copy()
    d = d.rename(columns={numerator: "teller", denominator: "noemer"}).reset_index(drop=True)
    n = d.noemer.to_numpy(float)
    grid = np.geomspace(n.min() * 0.8, n.max() * 1.2, 200)
    f = _funnel(d.teller.to_numpy(float), n, units=d.gemeente_code.to_numpy(), family=family, per=1000, grid=grid)
    d["per_1000"] = d.teller / d.noemer * 1000
    d["z"] = f.table.z.to_numpy()
    d["positie_95"], d["positie_99_8"] = f.table.position_95.to_numpy(), f.table.position_99_8.to_numpy()
    return d, f.limits.rename(columns=_LIMIT_NAMES), f


def indicator_benchmark(
    indicator: pd.DataFrame,
    features_panel: pd.DataFrame,
    gemeente: str,
    *,
    numerator: str,
    denominator: str,
    year: int,
    name: str,
    family: str = "binomial",
    k: int = 10,
    features=PEER_FEATURES,
) -> IndicatorBenchmark:
    """Funnel and peers for the indicator ``numerator`` / ``denominator`` (columns of ``indicator``: one row per
    gemeente_code and jaar) in ``year``. Peers are chosen on ``features`` from ``features_panel`` (the CBS panel on
    the same boundaries: inwoners, inwoners_65plus, gem_inkomen), among gemeenten with the indicator published.
    Raises KeyError for absent columns and ValueError for a gemeente or year without a figure.

    Parameters
    ----------
    indicator : pandas.DataFrame
        One row per gemeente and year with the numerator and denominator columns.
    features_panel : pandas.DataFrame
        The CBS panel on the same boundaries, for choosing peers.
    gemeente : str
        The gemeente code the comparison is for.
    numerator, denominator : str
        Column names in ``indicator``.
    year : int
        The year compared.
    name : str
        The indicator's name (in messages and the result).
    family : {"binomial", "poisson"}
        Binomial when the numerator is a part of the denominator.
    k : int
        Number of peers.
    features : tuple of str
        Peer features (see ``PEER_FEATURES``).

    Returns
    -------
    IndicatorBenchmark
        Table, funnel limits, peers and the method used.

    Raises
    ------
    KeyError
        For absent columns.
    ValueError
        For a gemeente without a figure in ``year``, or too few gemeenten to choose peers from.

    Examples
    --------
    >>> import pandas as pd
    >>> codes = [f"GM{i:04d}" for i in range(1, 13)]
    >>> ind = pd.DataFrame({"gemeente_code": codes, "gemeente_naam": codes, "jaar": 2019,
    ...                     "met": [50 + 5 * i for i in range(12)], "jongeren": [1000 + 100 * i for i in range(12)]})
    >>> pan = pd.DataFrame({"gemeente_code": codes, "gemeente_naam": codes, "jaar": 2019,
    ...                     "inwoners": [10000 + 900 * i for i in range(12)],
    ...                     "inwoners_65plus": [2000 + 150 * i for i in range(12)],
    ...                     "gem_inkomen": [25 + i for i in range(12)]})
    >>> b = indicator_benchmark(ind, pan, "GM0001", numerator="met", denominator="jongeren", year=2019,
    ...                         name="voorbeeld")
    >>> float(round(b.own.per_1000, 1)), len(b.peers), b.own.positie_95
    (50.0, 10, 'binnen')
    """
    need = {"gemeente_code", "gemeente_naam", "jaar", numerator, denominator}
    if need - set(indicator.columns):
        raise KeyError(f"indicator table needs columns {sorted(need)}; it has {list(indicator.columns)}")
    d = indicator[(indicator.jaar == year) & indicator[numerator].notna() & (indicator[denominator] > 0)]
    if gemeente not in set(d.gemeente_code):
        raise ValueError(f"no {name} figure for {gemeente} in {year}")
    d, lim, f = _indicator_funnel(indicator, numerator, denominator, year, family)
    fp = features_panel[features_panel.gemeente_code.isin(d.gemeente_code)]
    peers = peer_group(fp.assign(hh_clienten=1.0), gemeente, year, k=k, features=features)
    cols = ["gemeente_code", "gemeente_naam", "teller", "noemer", "per_1000", "z", "positie_95", "positie_99_8"]
    own_name = str(d.set_index("gemeente_code").loc[gemeente, "gemeente_naam"])
    return IndicatorBenchmark(gemeente, own_name, int(year), name, f.pooled, f.tau, d[cols], lim, peers, f.method,
                              f.target)  # fmt: skip
