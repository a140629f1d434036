"""Decomposing change in HH clients: Kitagawa (two factors), Das Gupta (multi-factor) and Das Gupta's
cross-classified decomposition (two cross-classifying variables, ch. 5).

Das Gupta's (1993) symmetric formulas for a rate that is a product of factors (summed over cells) equal the
Shapley value of each factor: its average marginal effect over all orders in which the factors can change. That is
how they are computed here, which makes the components add up exactly to the total change by construction.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.results import ResultDisplay

TERM_LABELS = {
    "bevolkingsomvang": "Groei van de bevolking",
    "leeftijdsopbouw": "Vergrijzing (leeftijdsopbouw)",
    "gebruik": "Gebruik per leeftijdsgroep",
}


@dataclass(frozen=True)
class DecompositionResult(ResultDisplay):
    """Change in a quantity from population 0 to 1, split into additive factor effects.

    ``value0`` and ``value1`` are the quantity in both populations; ``effects`` maps factor -> effect;
    ``sum(effects) == value1 - value0`` exactly (up to floating point).
    """

    value0: float
    value1: float
    effects: Mapping[str, float]
    method: str

    @property
    def total_change(self) -> float:
        return self.value1 - self.value0

    def to_frame(self) -> pd.DataFrame:
        """term, estimate, share (of the total change), plus a 'totaal' row. A decomposition of two observed
        populations is an identity, not an estimate: it has no standard error, so there are no such columns."""
        rows = [
            {"term": k, "estimate": v, "share": v / self.total_change if self.total_change else np.nan}
            for k, v in self.effects.items()
        ]
        rows.append({"term": "totaal", "estimate": self.total_change, "share": 1.0})
        return pd.DataFrame(rows)


def das_gupta(
    factors0: Mapping[str, np.ndarray],
    factors1: Mapping[str, np.ndarray],
    rate: Callable[..., float] | None = None,
    method: str = "das_gupta",
) -> DecompositionResult:
    """Multi-factor decomposition (Das Gupta 1993): each factor's effect is its Shapley value.

    Parameters
    ----------
    factors0, factors1 : mapping of str to array-like
        The factors of population 0 and 1 by name, one value per cell (or a scalar broadcast over the cells); both
        need the same names.
    rate : callable, optional
        ``rate(**factors) -> float``; default the sum over cells of the product of the factors.
    method : str
        Name stored in the result.

    Returns
    -------
    DecompositionResult
        ``effects`` per factor; they add up to ``value1 - value0`` exactly.

    Raises
    ------
    ValueError
        If the two populations do not have the same factors.

    Examples
    --------
    >>> r = das_gupta({"n": [100.0], "rate": [0.1]}, {"n": [120.0], "rate": [0.1]})
    >>> round(r.effects["n"], 6), round(r.effects["rate"], 6)
    (2.0, 0.0)
    """
    names = list(factors0)
    if set(names) != set(factors1):
        raise ValueError("both populations need the same factors")
    f0 = {k: np.asarray(v, dtype=float) for k, v in factors0.items()}
    f1 = {k: np.asarray(v, dtype=float) for k, v in factors1.items()}
    rate = rate or (
        lambda **f: float(
            np.sum(
                np.prod(
                    np.vstack(
                        [np.broadcast_to(v, np.broadcast_shapes(*[x.shape for x in f.values()])) for v in f.values()]
                    ),
                    axis=0,
                )
            )
        )
    )
    p = len(names)
    cache: dict[frozenset, float] = {}

    def value(changed: frozenset) -> float:
        if changed not in cache:
            cache[changed] = rate(**{k: (f1[k] if k in changed else f0[k]) for k in names})
        return cache[changed]

    effects = {}
    for k in names:
        others = [n for n in names if n != k]
        total = 0.0
        for size in range(p):
            w = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
            for subset in itertools.combinations(others, size):
                s = frozenset(subset)
                total += w * (value(s | {k}) - value(s))
        effects[k] = total
    return DecompositionResult(value(frozenset()), value(frozenset(names)), effects, method)


def kitagawa(
    rates0,
    weights0,
    rates1,
    weights1,
    *,
    weights: str = "shares",
    names: tuple[str, str] = ("composition", "rate"),
) -> DecompositionResult:
    """Kitagawa (1955): change in a crude rate sum(w*r) = composition effect + rate effect.

    Composition: sum((w1-w0)(r0+r1)/2); rate: sum((r1-r0)(w0+w1)/2).

    Parameters
    ----------
    rates0, weights0, rates1, weights1 : array-like
        Rates and weights per group in population 0 and 1 (all the same length).
    weights : {"shares", "percent", "as_given", "counts"}
        What the weights are: shares (each set sums to 1), percent (sums to 100), as_given (the crude rate is
        sum(w*r) with the weights exactly as passed, e.g. women aged x as a fraction of the whole population for a
        birth rate per inhabitant: Das Gupta's Taiwan example) or counts (normalised here to shares; the result's
        ``method`` says so). Shares that do not sum to 1 are an error, not silently rescaled.
    names : tuple of str
        The two effects' names (e.g. ``("leeftijdsopbouw", "gebruik")``).

    Returns
    -------
    DecompositionResult
        Composition and rate effect; they add up to the change in the crude rate.

    Raises
    ------
    ValueError
        For arrays of different lengths, weights that are not what ``weights`` says, or two equal names.

    Examples
    --------
    >>> r = kitagawa([1, 2], [0.5, 0.5], [1, 3], [0.4, 0.6])
    >>> round(r.total_change, 6), round(sum(r.effects.values()), 6)
    (0.7, 0.7)
    """
    r0, r1 = np.asarray(rates0, float), np.asarray(rates1, float)
    w0, w1 = np.asarray(weights0, float), np.asarray(weights1, float)
    if not (r0.shape == r1.shape == w0.shape == w1.shape):
        raise ValueError("rates and weights of both populations need the same length")
    method = "kitagawa"
    if weights == "counts":
        if (w0 < 0).any() or (w1 < 0).any() or w0.sum() <= 0 or w1.sum() <= 0:
            raise ValueError("counts must be >= 0 with a positive total")
        w0, w1 = w0 / w0.sum(), w1 / w1.sum()
        method = "kitagawa (weights: counts normalised to shares)"
    elif weights in ("shares", "percent"):
        target = 1.0 if weights == "shares" else 100.0
        for label, w in (("weights0", w0), ("weights1", w1)):
            if abs(w.sum() - target) > 0.01 * target:
                raise ValueError(
                    f"{label} sum to {w.sum():g}, not {target:g}: they are not {weights}. If the crude rate is "
                    "sum(weight x rate) with these weights as they are (e.g. each group as a fraction of a larger "
                    "population), pass weights='as_given'; if they are head counts of the groups and the rate is "
                    "per member of these groups, pass weights='counts'"
                )
        w0, w1 = w0 / (target if weights == "percent" else 1.0), w1 / (target if weights == "percent" else 1.0)
    elif weights == "as_given":
        method = "kitagawa (weights as given)"
    else:
        raise ValueError("weights must be 'shares', 'percent', 'as_given' or 'counts'")
    if len(names) != 2 or names[0] == names[1]:
        raise ValueError("names must be two different effect names")
    comp = float(np.sum((w1 - w0) * (r0 + r1) / 2))
    rate = float(np.sum((r1 - r0) * (w0 + w1) / 2))
    return DecompositionResult(float(np.sum(w0 * r0)), float(np.sum(w1 * r1)), {names[0]: comp, names[1]: rate},
                               method)  # fmt: skip


def cross_classified(
    table: pd.DataFrame,
    *,
    by: tuple[str, str],
    population: str,
    pop0,
    pop1,
    size: str = "size",
    rate: str = "rate",
) -> DecompositionResult:
    """Das Gupta (1993, ch. 5): the change in a crude rate sum(N_ij r_ij) / N over a population cross-classified by
    two variables (e.g. age x race) into the effect of each variable's structure and of the group rates.

    The composition N_ij / N is written as the product of two symmetric factors (Das Gupta eq. 5.36),
    A_ij = sqrt(N_ij / N_.j x N_i. / N) for the first variable in ``by`` and B_ij = sqrt(N_ij / N_i. x N_.j / N)
    for the second, and the rate sum(A B r) / sum(A B) is decomposed over A, B and r with the symmetric (Shapley)
    formulas. Effects: ``<by[0]>_structure``, ``<by[1]>_structure``, ``rate``. Only two cross-classifying variables
    are offered (Das Gupta also treats three; that case is not implemented here).

    ``table``: one row per population x cell with ``size`` (head count) and ``rate``; both populations need the
    same cells.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per population x cell.
    by : tuple of str
        The two cross-classifying columns.
    population : str
        The column naming the population; ``pop0`` and ``pop1`` are its two values.
    size, rate : str
        Columns with the head count and the rate of each cell.

    Returns
    -------
    DecompositionResult
        The three effects, adding up to the change in the crude rate.

    Raises
    ------
    ValueError
        For cells that differ between the populations, or non-positive sizes.

    Examples
    --------
    >>> r = cross_classified(t, by=("leeftijd", "herkomst"), population="jaar", pop0=1970, pop1=1985)  # doctest: +SKIP
    """
    if len(by) != 2:
        raise ValueError("by must name exactly two cross-classifying variables (three are not offered)")
    need = [*by, population, size, rate]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise KeyError(f"columns {missing} not in the table; available: {sorted(map(str, table.columns))}")

    def factors(p):
        t = table[table[population] == p].sort_values(list(by))
        if t.empty:
            raise ValueError(f"no rows for population {p!r}")
        if t.duplicated(list(by)).any():
            raise ValueError(f"population {p!r} has more than one row per cell of {list(by)}")
        n = t[size].astype(float)
        if (n < 0).any() or n.sum() <= 0:
            raise ValueError("sizes must be >= 0 with a positive total")
        n_i = t.groupby(by[0])[size].transform("sum").astype(float)
        n_j = t.groupby(by[1])[size].transform("sum").astype(float)
        tot = n.sum()
        a = np.sqrt(n / n_j * n_i / tot)
        b = np.sqrt(n / n_i * n_j / tot)
        return t[list(by)].to_numpy().tolist(), {f"{by[0]}_structure": a.to_numpy(), f"{by[1]}_structure":
                                                   b.to_numpy(), "rate": t[rate].to_numpy(float)}  # fmt: skip

    cells0, f0 = factors(pop0)
    cells1, f1 = factors(pop1)
    if cells0 != cells1:
        raise ValueError("both populations need the same cells")
    ka, kb = f"{by[0]}_structure", f"{by[1]}_structure"

    def crude(**f):
        ab = f[ka] * f[kb]
        return float(np.sum(ab * f["rate"]) / np.sum(ab))

    res = das_gupta(f0, f1, rate=crude, method="das_gupta_cross_classified")
    return res


def decompose_growth(
    table: pd.DataFrame,
    year0: int,
    year1: int,
    *,
    group: str = "leeftijdsgroep",
    count: str = "clienten",
    population: str = "inwoners",
) -> DecompositionResult:
    """Split the change in clients between two years into population size, age structure and usage per age.

    clients = P * sum_a s_a * r_a with P total population, s_a age shares and r_a clients per inhabitant.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per year and group with ``jaar``, ``group``, ``count`` and ``population`` columns (e.g. the output
        of ``analysis.demand.rates.hh_rates``).
    year0, year1 : int
        The two years compared.
    group, count, population : str
        Column names of the age group, the clients and the inhabitants.

    Returns
    -------
    DecompositionResult
        Effects ``bevolkingsomvang``, ``leeftijdsopbouw`` and ``gebruik`` (Das Gupta), adding up to the change.

    Raises
    ------
    ValueError
        If a year has no rows, the years have different groups, or a group has no inhabitants.

    Examples
    --------
    >>> from analysis.demand.rates import hh_rates
    >>> d = decompose_growth(hh_rates(clients, population, [2018, 2024]), 2018, 2024)  # doctest: +SKIP
    """
    t0 = table[table.jaar == year0].set_index(group).sort_index()
    t1 = table[table.jaar == year1].set_index(group).sort_index()
    if t0.empty or t1.empty:
        raise ValueError(f"no rows for {year0} or {year1}")
    if list(t0.index) != list(t1.index):
        raise ValueError("both years need the same groups")
    if (t0[population] <= 0).any() or (t1[population] <= 0).any():
        raise ValueError("population must be > 0 in every group")

    def factors(t):
        P = t[population].sum()
        return {
            "bevolkingsomvang": np.full(len(t), P),
            "leeftijdsopbouw": (t[population] / P).to_numpy(),
            "gebruik": (t[count] / t[population]).to_numpy(),
        }

    return das_gupta(factors(t0), factors(t1))
