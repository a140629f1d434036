# %% [markdown]
# # Rates with exact intervals
#
# **Formula.** A usage rate is clients / inhabitants; its exact (Garwood 1936) Poisson interval for a count $k$ is
# $[\chi^2_{\alpha/2}(2k)/2,\ \chi^2_{1-\alpha/2}(2k+2)/2]$, divided by the population and scaled per 1,000.
#
# **Assumptions.** Clients are counted on one reference day (1 July); the count is Poisson given the population.
# Rates of gemeenten after a merger are recomputed from summed counts, never averaged.
#
# **References.** Garwood F (1936), Fiducial limits for the Poisson distribution, *Biometrika* 28:437-442.
#
# **Worked example** on the synthetic registration: clients per 1,000 inhabitants by age band.

# %%
from analysis.data.io import load_processed
from analysis.demand import rates

clients = load_processed("synthetic/hh_clients")
population = load_processed("synthetic/population")
r = rates.hh_rates(clients, population, [2018, 2024])
r[["jaar", "leeftijdsgroep", "clienten", "inwoners", "per_1000", "ci_lower", "ci_upper"]].round(1)

# %% [markdown]
# The rates of every year, with their intervals (``analysis.plots.rates_by_age``):

# %%
from analysis import plots

fig = plots.rates_by_age(rates.hh_rates(clients, population, range(2015, 2025)), break_year=2019)

# %% [markdown]
# The interval for zero clients starts at zero and is not empty:

# %%
rates.garwood_interval([0, 5, 100])
