# %% [markdown]
# # Monte Carlo of the financing rules
#
# **Model.** Per simulated year and area: clients negative binomial around the forecast, mean hours normal with
# their sampling error, delivery ratio normal clipped to [0, 1]. Rules as data: a ventiel settles the part of the
# client number outside a band; a malus repays undelivered hours plus a penalty below a delivery threshold; a skim
# returns part of the profit above a margin. Every rule set is computed on the same draws.
#
# **Assumptions.** F02 (rules), F03 (delivery and dispersion), illustrative amounts (F01).
#
# **References.** Robert CP, Casella G, *Monte Carlo statistical methods*; AMvB reële prijs Wmo 2015.
#
# **Worked example.**

# %%
import numpy as np

from analysis.financing import montecarlo, rules

draws = montecarlo.draw_scenarios(
    [1000, 1200],
    [150, 150],
    [60, 60],
    [900, 1100],
    n_draws=20000,
    dispersion=0.005,
    delivery_mean=0.97,
    delivery_sd=0.03,
    seed=1,
    areas=["Noord", "Zuid"],
)
sets = [rules.RuleSet("geen", "Alleen vast budget"), rules.RuleSet("ventiel", "Met ventiel", rules.Ventiel(0.05))]
table, risks = montecarlo.compare_rulesets(
    sets,
    draws,
    forecast=np.array([1000, 1200]),
    budget=np.array([1000, 1200]) * 150 * 37.4,
    tariff=37.4,
    cost_per_hour=36.3,
)
table.round(3)

# %% [markdown]
# The simulated spending per rule set (``analysis.plots.spend_distribution``):

# %%
from analysis import plots

fig = plots.spend_distribution(risks)
