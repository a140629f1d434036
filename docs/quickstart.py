# %% [markdown]
# # Quickstart
#
# From a fresh clone: `make reports` (or `make setup && .venv/bin/analysis data build`) builds `data/processed/`
# from the raw CBS panel. Then, in JupyterLab (`make lab`) or any Python session with the project's venv, a first
# analysis in under ten lines: HH clients per 1,000 inhabitants 65+ for Groningen and its peers, with exact Poisson
# intervals, and a plot.

# %%
from analysis.data.io import load_processed
from analysis.demand.benchmark import benchmark

panel = load_processed("wmo_panel_grenzen_2020")  # the real CBS panel, 2020 boundaries
b = benchmark(panel, "GM0014")  # Groningen against ten similar gemeenten and the country
b  # displays as a table; b.summary() gives the same as text

# %% [markdown]
# The funnel plot of all gemeenten, with the 95% and 99.8% limits around the national rate, Groningen and its
# peers marked: the same function draws the chart in the council report.

# %%
fig = b.plot()  # = analysis.plots.funnel(b); shown once by the inline backend

# %% [markdown]
# Next: the [methods](methods/rates.py) pages, the [API reference](reference/demand.md), and
# [how to render a report](howto/render.md).
