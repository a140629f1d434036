# %% [markdown]
# # Interrupted time series
#
# **Formula.** $\log E[y_t] = \log(\text{offset}_t) + b_0 + b_1 t + b_2\,\text{post}_t + b_3\,\text{post}_t (t - t_0)$
# plus harmonic terms for season; $t_0$ is the last period before the interruption, so $b_2$ is the level change at
# the interruption. `model="step"` drops $b_3$. Families Poisson, quasi-Poisson (SEs scaled by the Pearson
# dispersion) or negative binomial; SEs model-based or Newey-West.
#
# **Assumptions.** The pre-interruption trend would have continued; nothing else changed at the interruption.
#
# **References.** Lopez Bernal J, Cummins S, Gasparrini A (2017), Interrupted time series regression for the
# evaluation of public health interventions: a tutorial, *IJE* 46:348-355; Wagner AK et al. (2002), *J Clin Pharm
# Ther* 27:299-309.
#
# **Worked example**: the tutorial's Sicily smoking-ban data (published rate ratio 0.885).

# %%

import pandas as pd

from analysis.paths import project_root
from analysis.stats.its import its

sicily = pd.read_csv(project_root() / "tests" / "fixtures" / "published" / "sicily.csv")
r = its(
    sicily,
    time="time",
    outcome="aces",
    start=37,
    offset="stdpop",
    season="month",
    harmonics=2,
    model="step",
    family="quasipoisson",
    se="model",
)
print(r.summary())

# %% [markdown]
# Observed, fitted and the counterfactual without the ban (``analysis.plots.its``):

# %%
fig = r.plot(
    observed_label="Acute coronary events", counterfactual_label="Without the ban (model)", ylabel="Events per month"
)
