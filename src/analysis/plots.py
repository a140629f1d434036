"""Charts from results, in the house style: the same code draws a researcher's chart and the council's chart.

Every function takes a result (or, where stated, a plain table) and returns a ``matplotlib.figure.Figure``; it draws
on ``ax`` when one is given, otherwise on a new figure. Nothing is shown or saved here: the report notebooks pass the
figure to ``analysis.report.notebook.figure`` (with alt text), a researcher displays it. Figures are drawn inside
``matplotlib.rc_context(analysis.style.rc())``, so the house style applies without changing global settings. Axis
text is Dutch, like the reports.

================================  ===============================================================================
function                          draws
================================  ===============================================================================
``funnel``                        funnel plot: units, control limits, target line; one unit and its peers marked,
                                  flagged units (e.g. a registration break) drawn apart
``event_study``                   event-study coefficients per period with intervals, the reference period at 0
``its``                           interrupted time series: observed, model fit and the counterfactual
``kaplan_meier``                  Kaplan-Meier curves per group with a confidence band
``decomposition``                 decomposition of a change into factor effects (horizontal bars)
``forecast_fan``                  forecast per scenario with an 80%/95% fan, the history before it
``rates_by_age``                  rates per age band and year with their intervals
``spend_distribution``            simulated spending per rule set (one histogram each)
``domain_change``                 mean change per ZRM domain (horizontal bars, improvements in blue)
``plot``                          any of the above, chosen by the result's type (``result.plot()`` calls it)
================================  ===============================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from analysis import style

__all__ = [
    "decomposition",
    "domain_change",
    "event_study",
    "forecast_fan",
    "funnel",
    "its",
    "kaplan_meier",
    "plot",
    "rates_by_age",
    "spend_distribution",
]

_LIMIT = re.compile(r"^(lower|onder)_(.+)$")


def _axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    return plt.subplots(figsize=figsize)


def _first(columns, candidates, what):
    for c in candidates:
        if c in columns:
            return c
    raise KeyError(f"no {what} column: expected one of {list(candidates)}, the table has {list(columns)}")


def _level_label(tag: str) -> str:
    """'95' -> '95%', '99_8' -> '99,8%', '0.95' -> '95%'."""
    try:
        v = float(tag.replace("_", "."))
    except ValueError:
        return tag
    v = v * 100 if v < 1 else v
    return f"{v:g}".replace(".", ",") + "%"


def limit_levels(limits: pd.DataFrame) -> list[tuple[str, str, str]]:
    """The (level tag, lower column, upper column) pairs in a funnel ``limits`` table, widest last.

    Parameters
    ----------
    limits : pandas.DataFrame
        Columns ``lower_<level>``/``upper_<level>`` (or the Dutch ``onder_<level>``/``boven_<level>``), e.g.
        ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8``. Prefixed variants (``poisson_onder_95``) are
        alternative limits and are not drawn.

    Returns
    -------
    list of tuple
        ``(tag, lower, upper)`` sorted by level.

    Raises
    ------
    KeyError
        If the table has no pair of limit columns.

    Examples
    --------
    >>> limit_levels(pd.DataFrame(columns=["n", "onder_95", "boven_95"]))
    [('95', 'onder_95', 'boven_95')]
    """
    pairs = []
    for c in limits.columns:
        m = _LIMIT.match(str(c))
        if not m:
            continue
        upper = {"lower": "upper", "onder": "boven"}[m.group(1)] + "_" + m.group(2)
        if upper in limits.columns:
            pairs.append((m.group(2), c, upper))
    if not pairs:
        raise KeyError(
            f"no control limits: expected column pairs lower_<level>/upper_<level> (or onder_/boven_), "
            f"the limits table has {list(limits.columns)}"
        )

    def key(p):
        try:
            return float(p[0].replace("_", "."))
        except ValueError:
            return 0.0

    return sorted(pairs, key=key)


def funnel(
    result=None,
    *,
    table: pd.DataFrame | None = None,
    limits: pd.DataFrame | None = None,
    x: str | None = None,
    y: str | None = None,
    unit: str | None = None,
    highlight: str | None = None,
    highlight_label: str | None = None,
    peers: Iterable | None = None,
    flagged: str | Iterable | bool | None = None,
    flagged_label: str | None = None,
    target: float | None = None,
    target_label: str | None = None,
    log_x: bool = True,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax=None,
):
    """Funnel plot: every unit's rate against its size, the control limits around the target, one unit and its
    peers marked.

    Works from any result with a ``table`` and control limits (``limits`` or, for ``Benchmark``, ``funnel``), or
    from the two tables directly. The interface, so that other funnel results plot the same way:

    - ``table``: one row per unit with a size column (``x``; default the first of ``n``, ``denominator``,
      ``inwoners_65plus``), a rate column (``y``; default ``rate`` or ``per_1000``) and a unit id (``unit``;
      default ``unit`` or ``gemeente_code``).
    - ``limits``: a grid with the size column ``n`` and pairs ``lower_<level>``/``upper_<level>`` (or
      ``onder_``/``boven_``), e.g. ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8``; optionally a
      ``target`` column.

    Parameters
    ----------
    result : Benchmark or object with ``table`` and ``limits``, optional
        ``analysis.demand.benchmark.Benchmark`` marks its own gemeente and peers and draws the national rate.
    table, limits : pandas.DataFrame, optional
        Used instead of (or to override) the result's tables.
    x, y, unit : str, optional
        Column names in ``table`` (see above).
    highlight : str, optional
        The unit to mark (a value of ``unit``); default the result's ``gemeente``.
    highlight_label : str, optional
        Its legend text; default the result's ``gemeente_naam`` or ``highlight``.
    peers : iterable, optional
        Units marked as peers; default the result's ``peers.gemeente_code``.
    flagged : str, iterable or bool, optional
        Units drawn apart as open squares with their own legend entry, not as ordinary units: those whose value
        does not count (for ``Benchmark``: a break in the registration, left out of the centre, the limits and the
        peers). A column of ``table`` (boolean, or text where a non-empty value flags the unit) or an iterable of
        units. Default: the table's ``vlag`` column when it has one, else none; ``False``: none.
    flagged_label : str, optional
        Their legend text; default "Breuk in de registratie (niet meegeteld)" for the ``vlag`` column, else
        "Gemarkeerd (niet meegeteld)".
    target : float, optional
        The centre line; default the result's ``centre_rate`` (the funnel's centre), else its ``target``.
    target_label : str, optional
        Its legend text (e.g. what the centre is and its value); default "Midden van de trechter".
    log_x : bool
        Logarithmic size axis (default True: sizes span orders of magnitude).
    xlabel, ylabel : str, optional
        Axis labels (Dutch defaults for the HH benchmark).
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    KeyError
        If a column is missing (the message lists the table's columns).
    ValueError
        If ``highlight`` or a unit in ``flagged`` is not a unit in the table.

    Examples
    --------
    >>> from analysis.demand.benchmark import benchmark
    >>> fig = funnel(benchmark(panel, "GM0014"))  # doctest: +SKIP
    """
    import matplotlib as mpl

    table = table if table is not None else getattr(result, "table", None)
    if limits is None:
        limits = getattr(result, "limits", None)
        if limits is None or not isinstance(limits, pd.DataFrame):
            limits = getattr(result, "funnel", None)
    if table is None or limits is None:
        raise TypeError("funnel needs a result with .table and .limits (or .funnel), or table= and limits=")
    x = x or _first(table.columns, ("n", "denominator", "inwoners_65plus"), "size")
    y = y or _first(table.columns, ("rate", "per_1000"), "rate")
    unit = unit or _first(table.columns, ("unit", "gemeente_code"), "unit")
    for c in (x, y, unit):
        if c not in table.columns:
            raise KeyError(f"column {c!r} not in the table; it has {list(table.columns)}")
    lx = _first(limits.columns, ("n", x), "size (limits)")
    if highlight is None:
        highlight = getattr(result, "gemeente", None)
    if peers is None:
        p = getattr(result, "peers", None)
        peers = (
            p.gemeente_code if isinstance(p, pd.DataFrame) and "gemeente_code" in p else (p if p is not None else ())
        )
    peers = list(peers)
    flag = _flag_mask(table, unit, "vlag" if flagged is None and "vlag" in table.columns else flagged)
    if flagged_label is None:
        uses_vlag = flagged is None or (isinstance(flagged, str) and flagged == "vlag")
        flagged_label = "Breuk in de registratie (niet meegeteld)" if uses_vlag else "Gemarkeerd (niet meegeteld)"
    if target is None:
        target = getattr(result, "centre_rate", None) or getattr(result, "target", None)
        if target is None and "target" in limits:
            target = float(limits["target"].iloc[0])
    with mpl.rc_context(style.rc()):
        fig, ax = _axes(ax, (7.5, 4.2))
        ordinary = table[~flag]
        ax.scatter(
            ordinary[x],
            ordinary[y],
            s=10,
            color=style.GREY,
            alpha=0.6,
            label="Gemeenten" if unit == "gemeente_code" else "Eenheden",
        )
        if flag.any():
            ax.scatter(table.loc[flag, x], table.loc[flag, y], s=16, facecolors="none", edgecolors="#5a5a5a",
                       marker="s", label=flagged_label)  # fmt: skip
        levels = limit_levels(limits)
        alphas = np.linspace(0.3, 0.15, len(levels)) if len(levels) > 1 else [0.3]
        for (tag, lo, hi), a in sorted(zip(levels, alphas), key=lambda t: t[1]):  # the widest (faintest) first
            ax.fill_between(limits[lx], limits[lo], limits[hi], color=style.PALETTE[4], alpha=a,
                            label=f"{_level_label(tag)}-grenzen")  # fmt: skip
        if target is not None:
            ax.axhline(target, color="#333333", linewidth=1, label=target_label or "Midden van de trechter")
        t = table.set_index(unit)
        if peers:
            pe = t.loc[[p for p in peers if p in t.index]]
            ax.scatter(pe[x], pe[y], s=28, color=style.PALETTE[1], label="Vergelijkbare gemeenten", zorder=3)
        if highlight is not None:
            if highlight not in t.index:
                raise ValueError(f"{highlight!r} is not a unit in the table")
            name = highlight_label or getattr(result, "gemeente_naam", None) or str(highlight)
            ax.scatter([t.loc[highlight, x]], [t.loc[highlight, y]], s=70, color=style.PALETTE[5], marker="D",
                       label=name, zorder=4)  # fmt: skip
        if log_x:
            ax.set_xscale("log")
        ax.set_xlabel(xlabel or ("Inwoners van 65 jaar en ouder (logaritmische schaal)" if x == "inwoners_65plus"
                                 else f"{x}{' (logaritmische schaal)' if log_x else ''}"))  # fmt: skip
        ax.set_ylabel(ylabel or ("HH-cliënten per 1.000 inwoners 65+" if y == "per_1000" else y))
        style.dutch_axis(ax, "x")
        style.dutch_axis(ax, "y")
        style.legend_below(ax, ncol=3)
    return fig


def _flag_mask(table: pd.DataFrame, unit: str, flagged) -> pd.Series:
    """Which rows of ``table`` are flagged: ``flagged`` is None/False (none), a column (boolean, or text where a
    non-empty value flags) or an iterable of units."""
    if flagged is None or flagged is False:
        return pd.Series(False, index=table.index)
    if isinstance(flagged, str):
        if flagged not in table.columns:
            raise KeyError(f"flagged column {flagged!r} not in the table; it has {list(table.columns)}")
        col = table[flagged]
        if pd.api.types.is_bool_dtype(col):
            return col.fillna(False).astype(bool)
        return col.fillna("").astype(str).str.strip() != ""
    units = list(flagged)
    unknown = [u for u in units if u not in set(table[unit])]
    if unknown:
        raise ValueError(f"flagged units {unknown} are not units in the table")
    return table[unit].isin(units)


def _event_table(result) -> tuple[pd.DataFrame, str]:
    if isinstance(result, pd.DataFrame):
        t = result
    elif isinstance(getattr(result, "event_study", None), pd.DataFrame):  # PanelDiD
        t = result.event_study
    else:
        t = getattr(result, "coefficients", None)
        if t is None:
            raise TypeError(f"{type(result).__name__} has no event-study coefficients")
    per = next((c for c in ("period", "jaar", "periode") if c in t.columns), None)
    if per is None:
        raise ValueError(
            "no period column (period, jaar): this is not an event study; estimate it with "
            "analysis.stats.did.event_study"
        )
    return t, per


def event_study(
    result,
    *,
    reference=None,
    start=None,
    ylabel: str | None = None,
    xlabel: str | None = None,
    ax=None,
):
    """Event-study coefficients per period with their confidence intervals; the reference period drawn at 0.

    Parameters
    ----------
    result : DiDResult, PanelDiD or pandas.DataFrame
        ``analysis.stats.did.event_study`` result (column ``period``), the HH panel DiD
        (``analysis.demand.tariff.PanelDiD``, its ``event_study`` table with ``jaar``), or a table with a period
        column and estimate, ci_lower, ci_upper.
    reference : optional
        The reference period (drawn at 0 without an interval). Default: for ``PanelDiD`` the year of its placebo
        term; otherwise the one missing whole period between the first and last, if there is exactly one.
    start : optional
        First treated period: a dotted line is drawn just before it. Default: the period after ``reference``.
    ylabel, xlabel : str, optional
        Axis labels.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the result has no period column (a plain DiD, not an event study).

    Examples
    --------
    >>> from analysis.stats.did import event_study as es
    >>> fig = event_study(es(panel, unit="g", time="t", outcome="y", dose="d", reference=2018))  # doctest: +SKIP
    """
    import matplotlib as mpl

    t, per = _event_table(result)
    periods = list(t[per])
    if reference is None:
        pl = getattr(result, "placebo", None)
        if isinstance(pl, pd.DataFrame) and len(pl) and "term" in pl:
            m = re.search(r"_(\d{4})$", str(pl.term.iloc[0]))
            reference = int(m.group(1)) if m else None
        if reference is None and periods and all(float(p).is_integer() for p in periods):
            gaps = sorted(set(range(int(min(periods)), int(max(periods)) + 1)) - {int(p) for p in periods})
            reference = gaps[0] if len(gaps) == 1 else None
    rows = t[[per, "estimate", "ci_lower", "ci_upper"]].rename(columns={per: "p"})
    if reference is not None and reference not in set(rows.p):
        rows = pd.concat([rows, pd.DataFrame({"p": [reference], "estimate": [0.0], "ci_lower": [0.0],
                                              "ci_upper": [0.0]})], ignore_index=True)  # fmt: skip
    rows = rows.sort_values("p")
    with mpl.rc_context(style.rc()):
        fig, ax = _axes(ax, (7.5, 3.4))
        est_rows = rows[rows.p != reference] if reference is not None else rows
        est = est_rows.estimate.to_numpy(float)
        err = [est - est_rows.ci_lower.to_numpy(float), est_rows.ci_upper.to_numpy(float) - est]
        ax.errorbar(est_rows.p, est, yerr=err, fmt="o", capsize=4, color=style.PALETTE[0],
                    label="Schatting met 95%-interval")  # fmt: skip
        if reference is not None:
            ax.plot([reference], [0.0], "o", mfc="white", color=style.PALETTE[0], label=f"Referentie ({reference})")
        ax.axhline(0, color=style.DARK, linewidth=1)
        if start is None and reference is not None and pd.api.types.is_number(reference):
            start = reference + 1
        if start is not None and pd.api.types.is_number(start):
            ax.axvline(start - 0.5, color=style.DARK, linestyle=":")
        if all(float(p).is_integer() for p in rows.p):
            ax.set_xticks([int(p) for p in rows.p])
        ax.set_xlabel(xlabel or "")
        ax.set_ylabel(ylabel or "Effect ten opzichte van de referentie")
        style.dutch_axis(ax, decimals=1)
        style.legend_below(ax, ncol=2)
    return fig


def its(
    result,
    *,
    start=None,
    observed_label: str = "Waargenomen",
    counterfactual_label: str = "Zonder onderbreking (model)",
    ylabel: str | None = None,
    ax=None,
):
    """Interrupted time series: the observed series, the model fit and the counterfactual after the interruption.

    Parameters
    ----------
    result : ITSResult or pandas.DataFrame
        ``analysis.stats.its.its`` result (or ``analysis.demand.tariff.tariff_effect_its``), or its ``series``:
        a period column (``periode`` or ``maand``), ``waargenomen``, ``model`` and the counterfactual
        (``zonder_onderbreking`` or ``zonder_tarief``, empty before the interruption).
    start : optional
        The first period after the interruption (dotted line); default the first period with a counterfactual.
    observed_label, counterfactual_label : str
        Legend texts.
    ylabel : str, optional
        Axis label.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    KeyError
        If the series lacks a column (the message lists the columns it has).

    Examples
    --------
    >>> from analysis.stats.its import its as fit_its
    >>> fig = its(fit_its(monthly, time="maand", outcome="n", start="2019-01-01"))  # doctest: +SKIP
    """
    import matplotlib as mpl

    s = result if isinstance(result, pd.DataFrame) else getattr(result, "series", None)
    if s is None:
        raise TypeError(f"{type(result).__name__} has no series to plot")
    tcol = _first(s.columns, ("periode", "maand", "period"), "period")
    cf = _first(s.columns, ("zonder_onderbreking", "zonder_tarief", "counterfactual"), "counterfactual")
    for c in ("waargenomen", "model"):
        if c not in s.columns:
            raise KeyError(f"no {c!r} column; the series has {list(s.columns)}")
    if start is None:
        after = s.loc[s[cf].notna(), tcol]
        start = after.iloc[0] if len(after) else None
    is_date = pd.api.types.is_datetime64_any_dtype(s[tcol])
    with mpl.rc_context(style.rc()):
        fig, ax = _axes(ax, (7.5, 3.6))
        ax.plot(s[tcol], s.waargenomen, color=style.PALETTE[4], linewidth=1, label=observed_label)
        ax.plot(s[tcol], s.model, color=style.PALETTE[0], linewidth=2, label="Model")
        ax.plot(s[tcol], s[cf], color=style.PALETTE[5], linewidth=2, linestyle="--", label=counterfactual_label)
        if start is not None:
            ax.axvline(pd.Timestamp(start) if is_date else start, color=style.DARK, linestyle=":", linewidth=1)
        ax.set_ylabel(ylabel or "Aantal per periode")
        style.dutch_axis(ax)
        if is_date:  # over years, month names on every tick would overlap: years only
            span = (s[tcol].max() - s[tcol].min()).days / 365.25
            style.dutch_date_axis(ax, fmt="yyyy" if span > 3 else "MMM yyyy")
        style.legend_below(ax, ncol=3)
    return fig


def kaplan_meier(
    result,
    *,
    band: str | None = "band",
    labels: Mapping | None = None,
    colors: Mapping | None = None,
    until: Mapping | None = None,
    xmax: float | None = None,
    xlabel: str = "Maanden na aanmelding",
    ylabel: str = "Nog zonder gebeurtenis",
    ax=None,
):
    """Kaplan-Meier curves per group (step functions from 1 at time 0) with a confidence band.

    Parameters
    ----------
    result : HerstelResult, PlacementFollowUp or pandas.DataFrame
        ``analysis.financing.herstel.herstel_analysis`` result, ``analysis.pilot.heavycare.placement_followup``
        result, or a ``km`` table: groep, maanden, the surviving share (``overleving`` or ``zonder_plaatsing``)
        and, for a band, ``band_lower``/``band_upper`` (simultaneous) or ``ci_lower``/``ci_upper`` (pointwise).
    band : {"band", "ci", None}
        Which interval to shade: the simultaneous band, the pointwise interval, or none (a table without
        interval columns, such as the pilot's follow-up, needs ``band=None``).
    labels : mapping, optional
        Legend text per group code; default the Dutch labels of ``analysis.labels`` where known, else the code.
    colors : mapping, optional
        Colour per group code (e.g. the same colour for the pilot in every chart of a report); default the house
        palette in group order.
    until : mapping, optional
        Per group the last time it was followed: the curve runs on flat to there (a Kaplan-Meier table ends at
        the last event, the follow-up often later). Default: the result's ``per_group.followup_max_maanden``
        when it has one, else the curve ends at its last row.
    xmax : float, optional
        Right end of the time axis (e.g. a 12-month horizon); default the data's.
    xlabel, ylabel : str
        Axis labels.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``band`` is not one of "band", "ci" or None.
    KeyError
        If a column (or the band's columns) is missing.

    Examples
    --------
    >>> from analysis.financing.herstel import herstel_analysis
    >>> fig = kaplan_meier(herstel_analysis(episodes), band="ci")  # doctest: +SKIP
    """
    import matplotlib as mpl

    from analysis.labels import HERSTEL_GROUPS

    if band not in ("band", "ci", None):
        raise ValueError("band must be 'band' (simultaneous), 'ci' (pointwise) or None")
    km = result if isinstance(result, pd.DataFrame) else getattr(result, "km", None)
    if km is None:
        raise TypeError(f"{type(result).__name__} has no Kaplan-Meier table (.km)")
    for c in ("groep", "maanden"):
        if c not in km.columns:
            raise KeyError(f"no {c!r} column; the table has {list(km.columns)}")
    surv = _first(km.columns, ("overleving", "zonder_plaatsing"), "survival")
    if band and not {f"{band}_lower", f"{band}_upper"} <= set(km.columns):
        raise KeyError(f"no {band}_lower/{band}_upper columns for band={band!r} (band=None draws none); the table "
                       f"has {list(km.columns)}")  # fmt: skip
    if until is None:
        pg = getattr(result, "per_group", None)
        if isinstance(pg, pd.DataFrame) and {"groep", "followup_max_maanden"} <= set(pg.columns):
            until = dict(zip(pg.groep, pg.followup_max_maanden))
    names = {**HERSTEL_GROUPS, **(labels or {})}
    with mpl.rc_context(style.rc()):
        fig, ax = _axes(ax, (7.5, 3.4))
        for i, (g, grp) in enumerate(km.groupby("groep")):
            colour = (colors or {}).get(g, style.PALETTE[i % len(style.PALETTE)])
            t, s = grp.maanden.to_numpy(float), grp[surv].to_numpy(float)
            last = float((until or {}).get(g, np.nan))
            if len(t) and last > t[-1]:  # followed beyond the last event: the curve stays flat to there
                t, s = np.r_[t, last], np.r_[s, s[-1]]
            ax.step(t, s, where="post", color=colour, linewidth=2, label=names.get(g, str(g)))
            if band:
                ax.fill_between(grp.maanden, grp[f"{band}_lower"], grp[f"{band}_upper"], step="post", color=colour,
                                alpha=0.2)  # fmt: skip
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, xmax)
        style.dutch_axis(ax, percent=True)
        style.legend_below(ax, ncol=2)
    return fig


def decomposition(result, *, labels: Mapping | None = None, xlabel: str | None = None, ax=None):
    """The factor effects of a decomposition as horizontal bars (the total in the title).

    Parameters
    ----------
    result : DecompositionResult
        From ``analysis.demand.decompose`` (``das_gupta``, ``kitagawa`` or ``decompose_growth``).
    labels : mapping, optional
        Bar text per factor; default the Dutch labels of ``analysis.labels`` where known, else the factor name.
    xlabel : str, optional
        Axis label.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If the result has no ``effects``.

    Examples
    --------
    >>> from analysis.demand.decompose import kitagawa
    >>> fig = decomposition(kitagawa([1, 2], [0.5, 0.5], [1, 3], [0.4, 0.6]))
    """
    import matplotlib as mpl

    from analysis.formatting import number
    from analysis.labels import DECOMPOSITION_TERMS

    effects = getattr(result, "effects", None)
    if effects is None:
        raise TypeError(f"{type(result).__name__} is not a decomposition (no .effects)")
    names = {**DECOMPOSITION_TERMS, **(labels or {})}
    terms = list(effects)[::-1]  # first factor on top
    with mpl.rc_context(style.rc()):
        fig, ax = _axes(ax, (7.5, 0.6 * len(terms) + 1.2))
        vals = [effects[t] for t in terms]
        ax.barh([names.get(t, t) for t in terms], vals,
                color=[style.PALETTE[i % len(style.PALETTE)] for i in range(len(terms))][::-1])  # fmt: skip
        ax.axvline(0, color=style.DARK, linewidth=1)
        ax.set_xlabel(xlabel or "Bijdrage aan de verandering")
        ax.set_title(f"Totale verandering: {number(result.total_change, 1 if abs(result.total_change) < 10 else 0)}",
                     loc="left", fontsize=10, fontweight="normal")  # fmt: skip
        style.dutch_axis(ax, "x")
    return fig


def forecast_fan(
    result,
    *,
    history: pd.Series | None = None,
    fan: str | None = None,
    labels: Mapping | None = None,
    ylabel: str = "HH-cliënten (stand op 1 juli)",
    history_label: str = "Registratie",
    ax=None,
):
    """Forecast per scenario: the point forecast, an 80% and 95% fan for one scenario and dotted 95% limits for the
    others, after the observed history.

    Parameters
    ----------
    result : SimulatedProjection or pandas.DataFrame
        ``analysis.demand.forecast.simulate_projection`` result, or its ``frame``: jaar, scenario, verwacht,
        ondergrens, onder80, boven80, bovengrens (and optionally ``label``).
    history : pandas.Series, optional
        Observed values indexed by year, drawn in black before the forecast.
    fan : str, optional
        The scenario drawn as a fan; default the first.
    labels : mapping, optional
        Legend text per scenario; default the result's ``label`` column, else the scenario code.
    ylabel, history_label : str
        Axis label and the history's legend text.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    KeyError
        If a column is missing or ``fan`` is not a scenario.

    Examples
    --------
    >>> from analysis.demand.forecast import simulate_projection
    >>> fig = forecast_fan(simulate_projection(hist, prog, range(2025, 2041), scenarios))  # doctest: +SKIP
    """
    import matplotlib as mpl

    f = result if isinstance(result, pd.DataFrame) else getattr(result, "frame", None)
    if f is None:
        raise TypeError(f"{type(result).__name__} has no forecast frame")
    need = ["jaar", "scenario", "verwacht", "ondergrens", "onder80", "boven80", "bovengrens"]
    missing = [c for c in need if c not in f.columns]
    if missing:
        raise KeyError(f"forecast frame lacks {missing}; it has {list(f.columns)}")
    order = list(dict.fromkeys(f.scenario))
    fan = fan or order[0]
    if fan not in order:
        raise KeyError(f"no scenario {fan!r}; the scenarios are {order}")
    names = dict(zip(f.scenario, f["label"])) if "label" in f else {}
    names.update(labels or {})
    with mpl.rc_context(style.rc()):
        fig, ax = _axes(ax, (7.5, 3.6))
        if history is not None:
            ax.plot(history.index, history.values, color="#000000", marker="o", label=history_label)
        for i, name in enumerate(order):
            g = f[f.scenario == name]
            colour = style.PALETTE[i % len(style.PALETTE)]
            ax.plot(g.jaar, g.verwacht, color=colour, linewidth=2, label=names.get(name, name))
            if name == fan:
                ax.fill_between(g.jaar, g.ondergrens, g.bovengrens, color=colour, alpha=0.15, label="95%-waaier")
                ax.fill_between(g.jaar, g.onder80, g.boven80, color=colour, alpha=0.3, label="80%-waaier")
            else:
                ax.plot(g.jaar, g.bovengrens, color=colour, linewidth=1, linestyle=":")
                ax.plot(g.jaar, g.ondergrens, color=colour, linewidth=1, linestyle=":")
        ax.set_ylabel(ylabel)
        style.dutch_axis(ax)
        style.legend_below(ax, ncol=2)
    return fig


def rates_by_age(
    table: pd.DataFrame,
    *,
    break_year: int | None = None,
    log_y: bool = True,
    xlabel: str = "Jaar (stand op 1 juli)",
    ylabel: str | None = None,
    ax=None,
):
    """Rates per age band over the years, each with its confidence interval.

    Parameters
    ----------
    table : pandas.DataFrame
        ``analysis.demand.rates.hh_rates`` output: jaar, leeftijdsgroep, per_1000, ci_lower, ci_upper.
    break_year : int, optional
        A dashed line at this year (e.g. 2019, the abonnementstarief).
    log_y : bool
        Logarithmic rate axis (default True: the bands differ by orders of magnitude).
    xlabel, ylabel : str, optional
        Axis labels.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    KeyError
        If a column is missing (the message lists the table's columns).

    Examples
    --------
    >>> from analysis.demand.rates import hh_rates
    >>> fig = rates_by_age(hh_rates(clients, population, range(2015, 2025)), break_year=2019)  # doctest: +SKIP
    """
    import matplotlib as mpl

    need = ["jaar", "leeftijdsgroep", "per_1000", "ci_lower", "ci_upper"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise KeyError(f"rates table lacks {missing}; it has {list(table.columns)}")
    with mpl.rc_context(style.rc()):
        fig, ax = _axes(ax, (7.5, 3.8))
        for i, (band, g) in enumerate(table.groupby("leeftijdsgroep")):
            colour = style.PALETTE[i % len(style.PALETTE)]
            ax.plot(g.jaar, g.per_1000, marker="o", color=colour, label=band)
            ax.fill_between(g.jaar, g.ci_lower, g.ci_upper, color=colour, alpha=0.2)
        ax.set_xlabel(xlabel)
        if log_y:
            ax.set_yscale("log")
        ax.set_ylabel(
            ylabel or ("Cliënten per 1.000 inwoners\n(logaritmische schaal)" if log_y else "Cliënten per 1.000")
        )
        style.dutch_axis(ax)
        if break_year is not None:
            ax.axvline(break_year, color=style.DARK, linestyle="--", linewidth=1)
        style.legend_below(ax, ncol=4, title="Leeftijd")
    return fig


def spend_distribution(
    risks: Mapping,
    *,
    labels: Mapping | None = None,
    colors: Mapping | None = None,
    reference: Iterable | None = None,
    scale: float = 1e6,
    panel_height: float = 1.6,
    xlabel: str = "Uitgaven van de gemeente per jaar (mln euro)",
):
    """The simulated yearly spending under each rule set, one histogram per rule set on a shared axis; a rule set
    without spread (a fixed budget) is a line, or, left out of ``risks``, a dashed ``reference`` line in every
    panel.

    Parameters
    ----------
    risks : mapping of str to RiskResult
        ``analysis.financing.montecarlo.compare_rulesets``' second value (rule set name -> result with
        ``total_spend``), in the order to draw.
    labels : mapping, optional
        Title per rule set; default the result's ``label``, else the name.
    colors : mapping, optional
        Colour per rule set name (e.g. the same colour as in the report's other charts); default the house palette
        in the order of ``risks``.
    reference : iterable of float, optional
        Amounts (in the units of ``total_spend``, e.g. a fixed budget) drawn as a dashed line in every panel, so the
        spread of each rule set is seen against them.
    scale : float
        Divide amounts by this (default millions).
    panel_height : float
        Height of each rule set's panel in inches (lower to fit a page).
    xlabel : str
        Axis label.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``risks`` is empty.

    Examples
    --------
    >>> from analysis.financing import montecarlo
    >>> table, risks = montecarlo.compare_rulesets(sets, draws, forecast=f, budget=b, tariff=37.4,
    ...                                            cost_per_hour=36.3)  # doctest: +SKIP
    >>> fig = spend_distribution(risks)  # doctest: +SKIP
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    if not risks:
        raise ValueError("no rule sets to draw")
    names = list(risks)
    with mpl.rc_context(style.rc()):
        fig, axes = plt.subplots(len(names), 1, figsize=(7.5, panel_height * len(names) + 0.75), sharex=True)
        axes = np.atleast_1d(axes)
        for i, (ax, name) in enumerate(zip(axes, names)):
            r = risks[name]
            spend = np.asarray(r.total_spend, float) / scale
            colour = (colors or {}).get(name, style.PALETTE[i % len(style.PALETTE)])
            if spend.std() == 0:  # a fixed budget has no spread: a line, not a spike that flattens the rest
                ax.axvline(spend[0], color=colour, linewidth=3)
            else:
                ax.hist(spend, bins=60, color=colour)
            for amount in reference or ():
                ax.axvline(float(amount) / scale, color="0.25", linestyle="--", linewidth=1.2)
            ax.set_yticks([])
            title = (labels or {}).get(name) or getattr(r, "label", None) or str(name)
            ax.set_title(title, loc="left", fontsize=10, fontweight="normal")
        axes[-1].set_xlabel(xlabel)
        style.dutch_axis(axes[-1], "x", decimals=1)
        fig.tight_layout()
    return fig


def domain_change(
    domains: pd.DataFrame,
    *,
    labels: Mapping | None = None,
    xlabel: str = "Gemiddelde verandering (punten; rechts = beter)",
    ax=None,
):
    """Mean change per ZRM domain as horizontal bars, sorted; improvements blue, deteriorations orange.

    Parameters
    ----------
    domains : pandas.DataFrame
        ``analysis.pilot.outcomes.change_scores`` output (or a pilot analysis' ``domains``): domein,
        gem_verandering.
    labels : mapping, optional
        Bar text per domain code; default the Dutch ZRM labels of ``analysis.labels`` where known.
    xlabel : str
        Axis label.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    KeyError
        If a column is missing.

    Examples
    --------
    >>> from analysis.pilot.outcomes import change_scores
    >>> fig = domain_change(change_scores(zrm, families, moment=6))  # doctest: +SKIP
    """
    import matplotlib as mpl

    from analysis.labels import ZRM_DOMAINS

    for c in ("domein", "gem_verandering"):
        if c not in domains.columns:
            raise KeyError(f"no {c!r} column; the table has {list(domains.columns)}")
    names = {**ZRM_DOMAINS, **(labels or {})}
    d = domains.assign(naam=domains.domein.map(lambda c: names.get(c, str(c)))).sort_values("gem_verandering")
    with mpl.rc_context(style.rc()):
        fig, ax = _axes(ax, (7.5, 0.25 * len(d) + 1.2))
        ax.barh(d.naam, d.gem_verandering,
                color=[style.PALETTE[0] if v >= 0 else style.PALETTE[5] for v in d.gem_verandering])  # fmt: skip
        ax.axvline(0, color=style.DARK, linewidth=1)
        ax.set_xlabel(xlabel)
        style.dutch_axis(ax, "x", decimals=1)
    return fig


_BY_TYPE = {
    "Benchmark": funnel,
    "FunnelResult": funnel,
    "Funnel": funnel,
    "DiDResult": event_study,
    "PanelDiD": event_study,
    "ITSResult": its,
    "HerstelResult": kaplan_meier,
    "DecompositionResult": decomposition,
    "SimulatedProjection": forecast_fan,
}


def plot(result, **kw):
    """The natural chart of a result, chosen by its type (what ``result.plot()`` calls).

    Parameters
    ----------
    result : result object
        Benchmark or a funnel result (``funnel``), DiDResult/PanelDiD (``event_study``), ITSResult (``its``),
        HerstelResult (``kaplan_meier``), DecompositionResult (``decomposition``), SimulatedProjection
        (``forecast_fan``).
    **kw
        Passed on to that function.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If the result has no chart; the message lists the types that have one.

    Examples
    --------
    >>> from analysis.demand.decompose import kitagawa
    >>> fig = plot(kitagawa([1, 2], [0.5, 0.5], [1, 3], [0.4, 0.6]))
    """
    for cls in type(result).__mro__:
        if cls.__name__ in _BY_TYPE:
            return _BY_TYPE[cls.__name__](result, **kw)
    raise TypeError(f"no chart for {type(result).__name__}; charts exist for {sorted(_BY_TYPE)}")
