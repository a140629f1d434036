# %% [markdown]
# # Pilot statistics
#
# **Formulas.** Change in the ZRM total from intake; Reliable Change Index $RCI = \Delta / (\sqrt2\, s_{pre}
# \sqrt{1-r_{xx}})$; an exact sign-flip permutation test of mean change 0; a BCa bootstrap interval for the mean (at
# least 5 families); the minimal detectable change at 80% power (non-central t).
#
# **Assumptions.** ZRM reliability 0.80 (assumption P02); the comparison group is not randomised (P03), so
# differences describe, they do not prove.
#
# **References.** Jacobson NS, Truax P (1991), *J Consult Clin Psychol* 59:12-19; Efron B (1987), *JASA*
# 82:171-185; Good P, *Permutation tests*.
#
# **Worked example** (synthetic pilot families).

# %%

from analysis.assumptions import load_assumptions
from analysis.data.io import load_processed
from analysis.pilot import outcomes

zrm = load_processed("synthetic/pilot_zrm")
fam = load_processed("synthetic/pilot_families")
ids = fam.loc[fam.route == "gezinsverzorger", "gezin_id"].tolist()
o = outcomes.zrm_outcome(zrm, ids, moment=6, reliability=load_assumptions().value("P02"), n_boot=2000)
o

# %% [markdown]
# The mean change per ZRM domain (``analysis.plots.domain_change``):

# %%
from analysis import plots

fig = plots.domain_change(outcomes.change_scores(zrm, ids, moment=6))

# %%
outcomes.sign_flip_test([2, 1, 3, -1, 0, 2, 1, 2]), outcomes.minimal_detectable_change(8, 2.5)
