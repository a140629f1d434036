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

# %% [markdown]
# **Who is measured, and one family.** `outcomes.measurement_status` says per group how many families have a score at
# the meetmoment and why the others have none: not due yet on the peildatum (started less than the meetmoment
# before it) or missing. With 8 families one large change can carry the mean, so the report gives the median and the
# leave-one-out range (the mean with each family left out in turn) beside it.
#
# **Placements on one clock.** A count 'within 12 months' over families followed 2 and 11 months compares unequal
# follow-up. `heavycare.placement_followup` measures each family from its start to the peildatum (or its first
# placement): placements per family-year with an exact Poisson interval (Garwood 1936), the pilot/comparison rate
# ratio with the exact conditional interval (given the total, the pilot's count is binomial with
# $p = r E_1 / (r E_1 + E_2)$), and Kaplan-Meier curves of the placement-free share per month since the start.

# %%
from analysis.pilot import heavycare

events = load_processed("synthetic/pilot_events")
fu = heavycare.placement_followup(fam, events, as_of="2022-11-01")
fu.to_frame()
