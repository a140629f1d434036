# %% [markdown]
# # Survival: herstelgerichte hulp
#
# **Model.** Time from application to maatwerk-HH, censored at the end of follow-up (24 months). Kaplan-Meier per
# group with a simultaneous Hall-Wellner band (from the fifth event, where the band is defined), and a Cox
# proportional-hazards model with age and household. `herstel_analysis` calls the general functions
# `analysis.stats.survival.kaplan_meier` and `cox` (any columns, covariates, ties 'efron' or 'breslow', strata, and
# the Grambsch-Therneau test of proportional hazards on the scaled Schoenfeld residuals in `ph_test`).
#
# **Assumptions.** Censoring is independent of the outcome; proportional hazards; who gets herstelgerichte hulp is
# selected on recovery potential, so a fair comparison group is needed with real data. In the synthetic data the
# effect is an **assumption** (S09, hazard ratio 0.6), not a finding.
#
# **References.** Kaplan EL, Meier P (1958), *JASA* 53:457-481; Hall WJ, Wellner JA (1980), *Biometrika*
# 67:133-143; Cox DR (1972), *JRSS B* 34:187-220.
#
# **Worked example** (synthetic episodes).

# %%
from analysis.data.io import load_processed
from analysis.financing.herstel import herstel_analysis

h = herstel_analysis(load_processed("synthetic/hh_herstel"))
h.cox[["term", "hr", "hr_lower", "hr_upper", "p_value"]].round(3)

# %% [markdown]
# **Worked example 2**: the general `cox` on the Rossi recidivism data (Allison 1995; Fox 2002), which reproduces
# the published coefficients and standard errors; the proportional-hazards test flags age and work experience.

# %%
import pandas as pd

from analysis.paths import project_root
from analysis.stats import survival

rossi = pd.read_csv(project_root() / "tests" / "fixtures" / "published" / "rossi.csv")
m = survival.cox(rossi, time="week", event="arrest", covariates=["fin", "age", "race", "wexp", "mar", "paro", "prio"])
m.ph_test.round(3)
# The Kaplan-Meier curves with the simultaneous (Hall-Wellner) band (``analysis.plots.kaplan_meier``):

# %%
fig = h.plot(ylabel="Nog zonder maatwerk-HH")
