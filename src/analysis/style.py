"""House style for figures: Okabe-Ito colour-blind-safe palette, Dutch number format on axes, readable sizes."""

from __future__ import annotations

# Okabe & Ito (2008): distinguishable for the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


RC = {
    "figure.figsize": (7.5, 4.0),
    "axes.titleweight": "bold",
    "axes.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 110,
    "axes.formatter.use_locale": False,
}
# neutral colours for everything that is not a series: reference lines, other units in a funnel
GREY, DARK = "#8a8a8a", "#555555"


def apply() -> None:
    """Set the house style globally (report notebooks call this once)."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=PALETTE, font_scale=1.0)
    mpl.rcParams.update(RC)


def rc() -> dict:
    """The house style as an rc dict, for ``matplotlib.rc_context``: ``analysis.plots`` draws in the house style
    without changing the caller's global settings."""
    import seaborn as sns
    from cycler import cycler

    return {
        **sns.axes_style("whitegrid"),
        **sns.plotting_context("notebook", font_scale=1.0),
        "axes.prop_cycle": cycler(color=PALETTE),
        **RC,
    }


def dutch_axis(ax, axis: str = "y", decimals: int = 0, percent: bool = False) -> None:
    """Format tick labels the Dutch way (1.234,5 / 12%)."""
    from matplotlib.ticker import FuncFormatter

    from analysis.formatting import number

    fmt = FuncFormatter(lambda v, _: (number(v * 100, decimals) + "%") if percent else number(v, decimals))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def legend_below(ax, ncol: int = 2, **kw) -> None:
    """House style: the legend under the plot, never over the data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=ncol, frameon=False, **kw)


def dutch_date_axis(ax, axis: str = "x", fmt: str = "MMM yyyy") -> None:
    """Dates on an axis in Dutch ('nov. 2021'), not ISO ('2021-11')."""
    import matplotlib.dates as mdates
    from babel.dates import format_date
    from matplotlib.ticker import FuncFormatter

    f = FuncFormatter(lambda v, _: format_date(mdates.num2date(v).date(), format=fmt, locale="nl_NL"))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(f)
