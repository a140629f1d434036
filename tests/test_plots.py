"""Charts from results: each function draws what its result holds (artists, labels, marked units), not pixels."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection, PolyCollection  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from analysis import plots  # noqa: E402
from analysis.demand import benchmark as bm  # noqa: E402
from analysis.demand import forecast, projection  # noqa: E402
from analysis.demand.decompose import kitagawa  # noqa: E402
from analysis.financing import herstel  # noqa: E402
from analysis.stats import did as sdid  # noqa: E402
from analysis.stats import its as sits  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _legend(fig):
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def cbs_panel(rng, n=60):
    pop65 = np.exp(rng.uniform(np.log(500), np.log(50_000), n))
    return pd.DataFrame(
        {
            "gemeente_code": [f"GM{i:04d}" for i in range(n)],
            "gemeente_naam": [f"G{i}" for i in range(n)],
            "jaar": 2020,
            "hh_clienten": rng.poisson(0.1 * pop65).astype(float),
            "inwoners": pop65 * rng.uniform(4, 6, n),
            "inwoners_65plus": pop65,
            "gem_inkomen": rng.normal(30, 4, n),
        }
    )


def test_funnel_marks_the_gemeente_and_its_peers():
    b = bm.benchmark(cbs_panel(np.random.default_rng(1)), "GM0003", k=5)
    fig = b.plot()
    ax = fig.axes[0]
    legend = _legend(fig)
    want = {"Gemeenten", "95%-grenzen", "99,8%-grenzen", "Midden van de trechter", "Vergelijkbare gemeenten", "G3"}
    assert want <= set(legend)
    pts = {c.get_label(): c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)}
    assert len(pts["Gemeenten"]) == 60 and len(pts["Vergelijkbare gemeenten"]) == 5
    own = b.table.set_index("gemeente_code").loc["GM0003"]
    assert_allclose(pts["G3"][0], [own.inwoners_65plus, own.per_1000])
    assert ax.get_xscale() == "log"
    assert ax.get_lines()[0].get_ydata()[0] == pytest.approx(b.centre_rate)  # the centre line


def test_funnel_from_a_generic_table_and_limits():
    """The documented interface (table: unit, n, rate; limits: n, lower_/upper_<level>) works without Benchmark."""
    table = pd.DataFrame({"unit": ["a", "b", "c"], "n": [100, 1000, 10000], "rate": [0.1, 0.12, 0.09]})
    limits = pd.DataFrame({"n": [100, 10000], "lower_95": [0.05, 0.09], "upper_95": [0.15, 0.11], "target": 0.1})
    fig = plots.funnel(table=table, limits=limits, highlight="b", log_x=False)
    assert set(_legend(fig)) == {"Eenheden", "95%-grenzen", "Midden van de trechter", "b"}
    # the report names what the centre is (the typical gemeente, not the pooled rate) and its value
    named = plots.funnel(
        table=table, limits=limits, highlight="b", log_x=False, target_label="Midden: gemiddelde gemeente (100)"
    )
    assert "Midden: gemiddelde gemeente (100)" in _legend(named) and "Midden van de trechter" not in _legend(named)
    assert sum(isinstance(c, PolyCollection) for c in fig.axes[0].collections) == 1
    with pytest.raises(ValueError, match="'z' is not a unit"):
        plots.funnel(table=table, limits=limits, highlight="z")
    with pytest.raises(KeyError, match="lower_<level>"):
        plots.funnel(table=table, limits=limits[["n"]])


def test_event_study_draws_every_period_and_the_reference_at_zero():
    rng = np.random.default_rng(2)
    rows = []
    for i in range(40):
        dose = rng.normal()
        for t in range(2016, 2021):
            rows.append({"g": i, "t": t, "dose": dose, "y": rng.normal() + 2 * dose * (t >= 2019)})
    r = sdid.event_study(pd.DataFrame(rows), unit="g", time="t", outcome="y", dose="dose", reference=2018)
    fig = r.plot()
    ax = fig.axes[0]
    xs = [int(x) for x in ax.get_xticks()]
    assert xs == [2016, 2017, 2018, 2019, 2020]  # the reference is inferred as the one missing year
    assert "Referentie (2018)" in _legend(fig)
    assert [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == ":"] == [2018.5]
    plain = sdid.did(pd.DataFrame(rows).assign(d=lambda d: d.dose * (d.t >= 2019)), unit="g", time="t", outcome="y",
                     treatment="d")  # fmt: skip
    with pytest.raises(ValueError, match="not an event study"):
        plain.plot()


def test_its_draws_observed_model_and_counterfactual_after_the_start():
    rng = np.random.default_rng(3)
    t = np.arange(48)
    y = rng.poisson(np.exp(4 + 0.005 * t + 0.3 * (t >= 24)))
    r = sits.its(pd.DataFrame({"t": t, "y": y}), time="t", outcome="y", start=24, model="step", se="model")
    fig = r.plot()
    lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    assert {"Waargenomen", "Model", "Zonder onderbreking (model)"} <= set(lines)
    cf = lines["Zonder onderbreking (model)"].get_ydata()
    assert np.isnan(cf[:24]).all() and np.isfinite(cf[24:]).all()
    assert any(ln.get_linestyle() == ":" and ln.get_xdata()[0] == 24 for ln in fig.axes[0].get_lines())


def test_kaplan_meier_steps_from_one_with_a_band_per_group():
    rng = np.random.default_rng(4)
    n = 300
    g = rng.random(n) < 0.5
    t = rng.exponential(np.where(g, 20, 10))
    c = rng.uniform(6, 24, n)
    ep = pd.DataFrame({"groep": np.where(g, "herstelgericht", "direct"), "maanden": np.minimum(t, c),
                       "hh_gestart": t <= c, "leeftijd": rng.integers(65, 95, n), "huishouden": "samen"})  # fmt: skip
    r = herstel.herstel_analysis(ep.assign(huishouden=np.where(rng.random(n) < 0.5, "alleenstaand", "samen")))
    fig = r.plot(band="ci")
    ax = fig.axes[0]
    assert set(_legend(fig)) == {"Herstelgerichte hulp eerst", "Zonder herstelgerichte hulp aangemeld"}
    assert all(ln.get_ydata()[0] == 1.0 for ln in ax.get_lines())
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2
    assert ax.get_ylim() == (0, 1.02)
    with pytest.raises(ValueError, match="band must be"):
        plots.kaplan_meier(r, band="x")


def test_decomposition_bars_add_up_to_the_total_in_the_title():
    r = kitagawa([1, 2], [0.5, 0.5], [1, 3], [0.4, 0.6], names=("leeftijdsopbouw", "gebruik"))
    fig = plots.decomposition(r)
    ax = fig.axes[0]
    widths = [p.get_width() for p in ax.patches]
    assert_allclose(sum(widths), r.total_change)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Gebruik per leeftijdsgroep",
        "Vergrijzing (leeftijdsopbouw)",
    ]
    assert ax.get_title(loc="left") == "Totale verandering: 0,7"  # 0.4*1 + 0.6*3 - (0.5*1 + 0.5*2)


def test_forecast_fan_for_one_scenario_and_dotted_limits_for_the_others():
    rng = np.random.default_rng(5)
    bands = ["75-84", "85+"]
    hist = pd.DataFrame([{"jaar": y, "leeftijdsgroep": b, "inwoners": 10000.0, "clienten": rng.poisson(1500)}
                         for y in range(2015, 2025) for b in bands])  # fmt: skip
    prog = pd.DataFrame([{"jaar": y, "leeftijdsgroep": b, "inwoners": 10000.0 * 1.02 ** (y - 2024)}
                         for y in range(2025, 2031) for b in bands])  # fmt: skip
    sc = [projection.tariff_stays(), projection.less_informal_care(0.01, 2024)]
    r = forecast.simulate_projection(hist, prog, range(2025, 2031), sc, exclude_changes_into=(), decompose_years=(),
                                     n_boot=200)  # fmt: skip
    history = hist.groupby("jaar").clienten.sum()
    fig = r.plot(history=history)
    ax = fig.axes[0]
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2  # 95% and 80% fan
    assert sum(ln.get_linestyle() == ":" for ln in ax.get_lines()) == 2  # the other scenario's 95% limits
    assert "80%-waaier" in _legend(fig) and "Registratie" in _legend(fig)
    with pytest.raises(KeyError, match="no scenario"):
        plots.forecast_fan(r, fan="onbekend")


def test_plot_refuses_a_result_without_a_chart():
    r = forecast.Drift(pd.DataFrame({"leeftijdsgroep": ["85+"], "mu": [0.0]}))
    with pytest.raises(TypeError, match="no chart for Drift"):
        r.plot()


def test_plots_draw_in_the_house_style_without_changing_global_settings():
    before = dict(matplotlib.rcParams)
    fig = plots.decomposition(kitagawa([1, 2], [0.5, 0.5], [1, 3], [0.4, 0.6]))
    assert not fig.axes[0].spines["top"].get_visible()
    assert matplotlib.rcParams["axes.spines.top"] == before["axes.spines.top"]


def test_rates_by_age_one_line_and_band_per_age_group():
    bands = (("65-74", 20.0), ("85+", 200.0))
    t = pd.DataFrame([{"jaar": y, "leeftijdsgroep": b, "per_1000": r * (1 + 0.05 * (y - 2018)), "ci_lower": r * 0.9,
                       "ci_upper": r * 1.1} for y in range(2018, 2022) for b, r in bands])  # fmt: skip
    fig = plots.rates_by_age(t, break_year=2019)
    ax = fig.axes[0]
    assert [ln.get_label() for ln in ax.get_lines() if ln.get_marker() == "o"] == ["65-74", "85+"]
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2
    assert ax.get_yscale() == "log" and any(ln.get_linestyle() == "--" for ln in ax.get_lines())
    with pytest.raises(KeyError, match="lacks"):
        plots.rates_by_age(t.drop(columns="ci_upper"))


def test_spend_distribution_a_line_for_a_fixed_budget_and_a_histogram_otherwise():
    class R:
        def __init__(self, spend, label):
            self.total_spend, self.label = np.asarray(spend, float), label

    rng = np.random.default_rng(6)
    risks = {"geen": R(np.full(500, 2e6), "Alleen vast budget"), "ventiel": R(rng.normal(2e6, 1e5, 500), "Ventiel")}
    fig = plots.spend_distribution(risks)
    a, b = fig.axes
    assert a.get_title(loc="left") == "Alleen vast budget" and len(a.patches) == 0 and len(a.get_lines()) == 1
    assert len(b.patches) == 60
    assert_allclose(a.get_lines()[0].get_xdata()[0], 2.0)  # in millions


def test_domain_change_sorted_with_improvements_in_blue():
    d = pd.DataFrame({"domein": ["financien", "huisvesting", "onbekend"], "gem_verandering": [0.5, -0.3, 0.1]})
    fig = plots.domain_change(d)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Huisvesting", "onbekend", "Financiën"]
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours[0].upper() == "#D55E00" and colours[2].upper() == "#0072B2"


def test_funnel_draws_flagged_units_apart_as_open_squares():
    """Units whose value does not count (the Benchmark's ``vlag``: a registration break) are drawn apart, not as
    ordinary units; by default from the table's vlag column, or from a column or list given."""
    table = pd.DataFrame({"unit": ["a", "b", "c", "d"], "n": [100, 1000, 10000, 5000], "rate": [0.1, 0.12, 0.09, 0.2],
                          "vlag": ["", "spike", "", ""]})  # fmt: skip
    limits = pd.DataFrame({"n": [100, 10000], "lower_95": [0.05, 0.09], "upper_95": [0.15, 0.11],
                           "lower_99_8": [0.02, 0.08], "upper_99_8": [0.18, 0.12], "target": 0.1})  # fmt: skip
    fig = plots.funnel(table=table, limits=limits, log_x=False)
    ax = fig.axes[0]
    pts = {c.get_label(): c for c in ax.collections if isinstance(c, PathCollection)}
    flagged = pts["Breuk in de registratie (niet meegeteld)"]
    assert_allclose(flagged.get_offsets(), [[1000, 0.12]])
    assert len(flagged.get_facecolors()) == 0 or flagged.get_facecolors()[0][3] == 0  # open: no fill
    assert_allclose(pts["Eenheden"].get_offsets(), [[100, 0.1], [10000, 0.09], [5000, 0.2]])
    # the widest limits drawn first (behind), so the legend lists them first
    assert [t for t in _legend(fig) if "grenzen" in t] == ["99,8%-grenzen", "95%-grenzen"]
    fig = plots.funnel(table=table, limits=limits, flagged=["c", "d"], flagged_label="Apart")
    pts = {c.get_label(): c.get_offsets() for c in fig.axes[0].collections if isinstance(c, PathCollection)}
    assert_allclose(pts["Apart"], [[10000, 0.09], [5000, 0.2]]) and len(pts["Eenheden"]) == 2
    fig = plots.funnel(table=table, limits=limits, flagged=False)
    assert "Breuk in de registratie (niet meegeteld)" not in _legend(fig)
    with pytest.raises(ValueError, match=r"\['z'\] are not units"):
        plots.funnel(table=table, limits=limits, flagged=["z"])
    with pytest.raises(KeyError, match="flagged column 'breuk'"):
        plots.funnel(table=table, limits=limits, flagged="breuk")


def test_funnel_of_a_benchmark_draws_its_flagged_gemeenten_apart():
    import dataclasses

    b = bm.benchmark(cbs_panel(np.random.default_rng(1)), "GM0003", k=5)
    t = b.table.copy()
    t["vlag"] = np.where(t.gemeente_code.isin(["GM0050", "GM0051"]), "level_shift", "")
    fig = dataclasses.replace(b, table=t).plot()
    pts = {c.get_label(): c.get_offsets() for c in fig.axes[0].collections if isinstance(c, PathCollection)}
    assert len(pts["Gemeenten"]) == 58 and len(pts["Breuk in de registratie (niet meegeteld)"]) == 2


def test_kaplan_meier_of_a_followup_without_band_runs_on_to_the_last_follow_up():
    """A follow-up table (``zonder_plaatsing``, no interval) draws without a band; each curve runs flat to its
    group's longest follow-up, in the colours and up to the horizon asked."""
    km = pd.DataFrame({"groep": ["pilot", "pilot", "vergelijking", "vergelijking"], "maanden": [0.0, 3.0, 0.0, 5.0],
                       "zonder_plaatsing": [1.0, 0.8, 1.0, 0.9]})  # fmt: skip
    fig = plots.kaplan_meier(km, band=None, until={"pilot": 9.5}, colors={"vergelijking": "#D55E00"}, xmax=12,
                             labels={"pilot": "Pilot", "vergelijking": "Vergelijkingsgroep"})  # fmt: skip
    ax = fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert_allclose(lines["Pilot"].get_xdata(), [0, 3, 9.5]) and lines["Pilot"].get_ydata()[-1] == 0.8
    assert_allclose(lines["Vergelijkingsgroep"].get_xdata(), [0, 5])  # no follow-up given: ends at its last row
    assert matplotlib.colors.to_hex(lines["Vergelijkingsgroep"].get_color()).upper() == "#D55E00"
    assert ax.get_xlim() == (0, 12) and not any(isinstance(c, PolyCollection) for c in ax.collections)
    with pytest.raises(KeyError, match="band_lower"):
        plots.kaplan_meier(km)
    # a follow-up result says where each curve ends (per_group.followup_max_maanden)
    from types import SimpleNamespace

    fu = SimpleNamespace(km=km, per_group=pd.DataFrame({"groep": ["pilot", "vergelijking"],
                                                        "followup_max_maanden": [4.0, 11.0]}))  # fmt: skip
    lines = {ln.get_label(): ln for ln in plots.kaplan_meier(fu, band=None).axes[0].get_lines()}
    assert_allclose(lines["pilot"].get_xdata(), [0, 3, 4]) and lines["vergelijking"].get_xdata()[-1] == 11


def test_its_over_years_of_months_labels_the_date_axis_with_years():
    """A monthly series over ten years gets year ticks ('2019'), not a month name on each, which would overlap."""
    maand = pd.date_range("2015-01-01", "2024-12-01", freq="MS")
    s = pd.DataFrame({"maand": maand, "waargenomen": 50.0, "model": 50.0,
                      "zonder_tarief": np.where(maand >= "2019-01-01", 45.0, np.nan)})  # fmt: skip
    fig = plots.its(s)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert "2019" in labels and all(t.isdigit() and len(t) == 4 for t in labels)
    short = plots.its(s[s.maand < "2016-01-01"].assign(zonder_tarief=np.r_[[np.nan] * 6, [45.0] * 6]))
    short.canvas.draw()
    assert any(not t.get_text().isdigit() for t in short.axes[0].get_xticklabels() if t.get_text())  # 'jan. 2015'


def test_spend_distribution_draws_reference_lines_in_every_panel_in_the_colours_given():
    class R:
        def __init__(self, spend, label):
            self.total_spend, self.label = np.asarray(spend, float), label

    rng = np.random.default_rng(7)
    risks = {"ventiel": R(rng.normal(2e6, 1e5, 500), "Ventiel"), "malus": R(rng.normal(1.9e6, 1e5, 500), "Malus")}
    fig = plots.spend_distribution(risks, reference=[2.1e6], colors={"malus": "#009E73"}, panel_height=1.2)
    assert fig.get_figheight() == pytest.approx(2 * 1.2 + 0.75)
    for ax in fig.axes:
        dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
        assert len(dashed) == 1 and dashed[0].get_xdata()[0] == pytest.approx(2.1)  # in millions
    assert matplotlib.colors.to_hex(fig.axes[1].patches[0].get_facecolor()).upper() == "#009E73"
    assert matplotlib.colors.to_hex(fig.axes[0].patches[0].get_facecolor()).upper() == "#0072B2"  # house palette
