# %% [markdown]
# # Decomposition
#
# **Formula.** Clients $= P \sum_a s_a r_a$ (population size, age shares, usage per age). Das Gupta's (1993)
# symmetric decomposition gives each factor its average marginal effect over all orders of change (the Shapley
# value), so the effects add up exactly to the total change. Kitagawa (1955) splits a crude rate
# $\sum w r$ into a composition and a rate effect; `kitagawa` requires you to say whether the weights are shares,
# percentages, weights to be used as given (e.g. each group as a fraction of a larger population) or counts (then
# normalised to shares, and the result's `method` says so). `cross_classified` splits a population classified by
# two variables (e.g. age x race) into the effect of each variable's structure and of the rates (Das Gupta 1993,
# ch. 5; three variables are not offered).
#
# **Assumptions.** The factors multiply; the decomposition describes, it does not explain causes.
#
# **References.** Das Gupta P (1993), *Standardization and decomposition of rates*, US Census Bureau P23-186;
# Kitagawa EM (1955), *JASA* 50:1168-1194.
#
# **Worked example** (synthetic registration, 2018 to 2024):

# %%
from analysis.data.io import load_processed
from analysis.demand import decompose, rates

r = rates.hh_rates(load_processed("synthetic/hh_clients"), load_processed("synthetic/population"), [2018, 2024])
d = decompose.decompose_growth(r, 2018, 2024)
d

# %%
fig = d.plot()  # analysis.plots.decomposition

# %%
decompose.kitagawa([0.1, 0.3], [60, 40], [0.12, 0.3], [50, 50], weights="percent", names=("age", "usage"))
