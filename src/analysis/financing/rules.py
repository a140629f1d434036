"""Contract rules as data: ventiel (budget moves when client numbers leave a band around the forecast), malus
(clawback plus penalty when indicated care is under-delivered) and profit skim (part of the margin above a cap is
returned). ``apply_rules`` is vectorised over (draws x areas); ``apply_rules_loop`` is the same arithmetic in plain
Python, kept as the reference for tests and the benchmark."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Ventiel:
    """Budget adjustment when client numbers leave a band around the forecast: ``band`` as a fraction (mode
    'pct') or a number of clients, ``compensation`` the share of the excess settled."""

    band: float  # fraction of the forecast (mode 'pct') or number of clients (mode 'clients')
    mode: str = "pct"
    compensation: float = 1.0  # share of the deviation beyond the band that is settled

    def __post_init__(self):
        if self.mode not in ("pct", "clients"):
            raise ValueError("ventiel mode must be 'pct' or 'clients'")
        if self.band < 0 or not 0 <= self.compensation <= 1:
            raise ValueError("band must be >= 0 and compensation between 0 and 1")


@dataclass(frozen=True)
class Malus:
    """Penalty for under-delivery: below ``threshold`` of the indicated hours the provider repays the undelivered
    part plus ``rate``."""

    threshold: float  # minimum delivered / indicated hours
    rate: float  # penalty on top of repaying the undelivered hours

    def __post_init__(self):
        if not 0 <= self.threshold <= 1 or self.rate < 0:
            raise ValueError("malus threshold must be in [0, 1] and rate >= 0")


@dataclass(frozen=True)
class ProfitSkim:
    """Part (``share``) of the profit above ``margin`` of revenue that returns to the gemeente."""

    margin: float  # margin (profit / net revenue) above which the skim applies
    share: float  # share of the excess profit returned

    def __post_init__(self):
        if not 0 <= self.share <= 1:
            raise ValueError("skim share must be between 0 and 1")


@dataclass(frozen=True)
class RuleSet:
    """A named combination of ventiel, malus and profit skim (any may be None)."""

    name: str
    label: str
    ventiel: Ventiel | None = None
    malus: Malus | None = None
    skim: ProfitSkim | None = None
    description: str = field(default="")


def default_rulesets(log) -> list[RuleSet]:
    """The three rule sets of the report (fixed budget; with ventiel; ventiel, malus and skim) from assumption F02.

    ``geen``: a fixed area budget; ``ventiel``: the budget moves when client numbers leave a band around the forecast;
    ``volledig``: ventiel plus malus (clawback and penalty for under-delivery) and profit skim. Band, compensation,
    malus threshold and rate, skim margin and share come from F02.

    Parameters
    ----------
    log : AssumptionLog
        The assumptions log; F02 gives ``ventiel_band``, ``ventiel_compensation``, ``malus_threshold``,
        ``malus_rate``, ``skim_margin`` and ``skim_share``.

    Returns
    -------
    list of RuleSet
        ``geen``, ``ventiel`` and ``volledig``, labelled in Dutch (``analysis.labels.RULESETS``).

    Raises
    ------
    KeyError
        If the log lacks F02 or F02 lacks one of the fields above.
    ValueError
        If F02 holds values the rules refuse (a negative band, a share outside [0, 1], ...).

    Examples
    --------
    >>> from analysis.assumptions import load_assumptions
    >>> [r.name for r in default_rulesets(load_assumptions())]
    ['geen', 'ventiel', 'volledig']
    """
    from analysis.labels import RULESETS

    f = log.value("F02")
    return [
        RuleSet("geen", RULESETS["geen"], description="Geen ventiel, malus of afroming."),
        RuleSet("ventiel", RULESETS["ventiel"], Ventiel(f["ventiel_band"], "pct", f["ventiel_compensation"])),
        RuleSet(
            "volledig",
            RULESETS["volledig"],
            Ventiel(f["ventiel_band"], "pct", f["ventiel_compensation"]),
            Malus(f["malus_threshold"], f["malus_rate"]),
            ProfitSkim(f["skim_margin"], f["skim_share"]),
        ),
    ]


def _bounds(v: Ventiel, forecast):
    if v.mode == "pct":
        return forecast * (1 - v.band), forecast * (1 + v.band)
    return forecast - v.band, forecast + v.band


def apply_rules(
    rules: RuleSet, *, forecast, budget, clients, hours_per_client, delivery, tariff: float, cost_per_hour: float
) -> dict[str, np.ndarray]:
    """Apply a rule set to simulated years: what the gemeente pays and what the provider keeps, per draw and area.

    All inputs broadcast to (draws, areas). Ventiel: beyond the band around the forecast, the budget moves by
    ``compensation`` x the budget per forecast client for every client beyond the band. Malus: when the delivered
    share of indicated hours is below the threshold, the provider repays the undelivered hours at the tariff plus
    ``rate``. Profit skim: ``share`` of the profit above ``margin`` of net revenue returns to the gemeente.

    Written to make few passes over memory (100,000 x 4 cells): clients - clip(clients, lo, hi) is the excess
    beyond the band in one step, and delivered / indicated equals the delivery ratio itself.

    Parameters
    ----------
    rules : RuleSet
        The ventiel, malus and skim (any may be None).
    forecast : array-like
        Forecast clients per area (> 0), the centre of the ventiel band.
    budget : array-like
        The area budget, euros per year.
    clients : array-like
        Actual clients, (draws, areas).
    hours_per_client : array-like
        Indicated hours per client per year, broadcast to (draws, areas).
    delivery : array-like
        Delivered / indicated hours, (draws, areas).
    tariff : float
        Euros per hour (the malus rate base).
    cost_per_hour : float
        The provider's cost per delivered hour in euros.

    Returns
    -------
    dict of str to numpy.ndarray
        Arrays of the broadcast shape: ``gemeente`` (what the gemeente pays), ``marge`` (the provider's profit),
        ``ventiel`` (budget adjustment), ``ventiel_actief`` (bool), ``malus``, ``afroming`` (skim), ``geleverd`` and
        ``geindiceerd`` (hours).

    Raises
    ------
    ValueError
        If a forecast is <= 0, or the shapes do not broadcast.

    Examples
    --------
    >>> kw = dict(forecast=[100.0, 200.0], budget=[300000.0, 600000.0], clients=[[110.0, 200.0]],
    ...           delivery=[[1.0, 0.9]], tariff=30.0, cost_per_hour=28.0)
    >>> out = apply_rules(RuleSet("ventiel", "Met ventiel", Ventiel(0.05)), hours_per_client=100.0, **kw)
    >>> out["ventiel"].tolist(), out["gemeente"].tolist()
    ([[15000.0, 0.0]], [[315000.0, 600000.0]])
    """
    forecast = np.asarray(forecast, float)
    budget = np.asarray(budget, float)
    clients = np.asarray(clients, float)
    delivery = np.asarray(delivery, float)
    if np.any(forecast <= 0):
        raise ValueError("forecast clients must be > 0 in every area")
    shape = np.broadcast_shapes(clients.shape, forecast.shape, np.shape(hours_per_client), delivery.shape)
    if rules.ventiel is not None:
        lo, hi = _bounds(rules.ventiel, forecast)
        adj = clients - np.clip(clients, lo, hi)  # > 0 above the band, < 0 below it, 0 inside or on the edge
        trig = adj != 0
        adj *= rules.ventiel.compensation * budget / forecast
        revenue = adj + budget
    else:
        adj = np.zeros(shape)
        trig = np.zeros(shape, dtype=bool)
        revenue = np.broadcast_to(budget, shape).copy()
    indicated = clients * hours_per_client
    short = indicated * (1.0 - delivery)
    delivered = indicated - short
    if rules.malus is not None:
        malus = short * ((1 + rules.malus.rate) * tariff)
        malus *= (delivery < rules.malus.threshold) & (indicated > 0)
        net = revenue - malus
    else:
        malus = np.zeros(shape)
        net = revenue
    profit = net - delivered * cost_per_hour
    if rules.skim is not None:
        skim = profit - rules.skim.margin * net
        np.maximum(skim, 0.0, out=skim)
        skim *= rules.skim.share * (net > 0)
        gemeente = net - skim
        marge = profit - skim
    else:
        skim = np.zeros(shape)
        gemeente, marge = net, profit
    return {
        "gemeente": gemeente,
        "marge": marge,
        "ventiel": adj,
        "ventiel_actief": trig,
        "malus": malus,
        "afroming": skim,
        "geleverd": delivered,
        "geindiceerd": indicated,
    }


def apply_rules_loop(
    rules: RuleSet, *, forecast, budget, clients, hours_per_client, delivery, tariff: float, cost_per_hour: float
) -> dict[str, np.ndarray]:
    """Reference implementation of ``apply_rules``: one draw and one area at a time.

    The same arithmetic in plain Python, kept as the reference for tests and the benchmark.

    Parameters
    ----------
    rules : RuleSet
        The ventiel, malus and skim (any may be None).
    forecast, budget : sequence of float
        Forecast clients and budget (euros) per area.
    clients, hours_per_client, delivery : 2-D array-like
        Per draw and area (indexable as ``x[d][a]``; no broadcasting).
    tariff : float
        Euros per hour.
    cost_per_hour : float
        The provider's cost per delivered hour.

    Returns
    -------
    dict of str to numpy.ndarray
        (draws, areas) arrays ``gemeente``, ``marge``, ``ventiel``, ``ventiel_actief``, ``malus`` and ``afroming``,
        equal to those of ``apply_rules`` (without the hours).

    Raises
    ------
    IndexError
        If an input has fewer draws or areas than ``clients``.
    ZeroDivisionError
        If a forecast is 0 and the rule set has a ventiel.

    Examples
    --------
    >>> kw = dict(forecast=[100.0, 200.0], budget=[300000.0, 600000.0], clients=[[110.0, 200.0]],
    ...           delivery=[[1.0, 0.9]], tariff=30.0, cost_per_hour=28.0)
    >>> rules = RuleSet("ventiel", "Met ventiel", Ventiel(0.05))
    >>> out = apply_rules_loop(rules, hours_per_client=[[100.0, 100.0]], **kw)
    >>> out["ventiel"].tolist(), out["marge"].tolist()
    ([[15000.0, 0.0]], [[7000.0, 96000.0]])
    """
    n_draws, n_areas = np.shape(clients)
    out = {k: np.zeros((n_draws, n_areas)) for k in ("gemeente", "marge", "ventiel", "malus", "afroming")}
    out["ventiel_actief"] = np.zeros((n_draws, n_areas), dtype=bool)
    for d in range(n_draws):
        for a in range(n_areas):
            f, b, n = float(forecast[a]), float(budget[a]), float(clients[d][a])
            h, r = float(hours_per_client[d][a]), float(delivery[d][a])
            adj, trig = 0.0, False
            if rules.ventiel is not None:
                v = rules.ventiel
                lo, hi = (f * (1 - v.band), f * (1 + v.band)) if v.mode == "pct" else (f - v.band, f + v.band)
                if n > hi:
                    adj, trig = v.compensation * b / f * (n - hi), True
                elif n < lo:
                    adj, trig = -v.compensation * b / f * (lo - n), True
            revenue = b + adj
            ind = n * h
            dl = ind * r
            malus = 0.0
            if rules.malus is not None and ind > 0 and r < rules.malus.threshold:
                malus = (1 + rules.malus.rate) * (ind - dl) * tariff
            net = revenue - malus
            profit = net - dl * cost_per_hour
            skim = 0.0
            if rules.skim is not None and net > 0 and profit - rules.skim.margin * net > 0:
                skim = rules.skim.share * (profit - rules.skim.margin * net)
            out["gemeente"][d, a] = net - skim
            out["marge"][d, a] = profit - skim
            out["ventiel"][d, a] = adj
            out["ventiel_actief"][d, a] = trig
            out["malus"][d, a] = malus
            out["afroming"][d, a] = skim
    return out
