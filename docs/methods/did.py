# %% [markdown]
# # Difference-in-differences
#
# **Formula.** $y_{it} = a_i + g_t + \beta D_{it} + x_{it}'\gamma + e_{it}$ with unit and time effects absorbed;
# $D_{it}$ is treated x post (binary) or dose x post (continuous). Standard errors are clustered (CR1) with the
# fixest/Stata correction in which effects nested in the clusters are not counted; `vcov` also offers `iid`, `HC1`
# (both with a warning) and `wild` (the wild cluster bootstrap), and the summary names what was computed.
#
# **Refused rather than wrong.** Fewer than 20 clusters with CR1 (Cameron & Miller 2015) and repeated
# cross-sections without an explicit `cluster` or `vcov` raise `DesignError`. A binary treatment that starts in
# different periods (staggered adoption) is fitted with Gardner's two-stage estimator (`did2s`, with the effect per
# period since each unit's start) instead of two-way fixed effects, which are biased when effects grow over time
# (Goodman-Bacon 2021). Dropped terms (e.g. a covariate the unit effects absorb) and units are in `dropped`.
#
# **Assumptions.** Parallel trends: without treatment, treated and untreated units would have changed alike (check
# with the event study and the placebo).
#
# **References.** Wooldridge JM, *Introductory Econometrics*, ch. 13; Bergé L (2018), fixest; Cameron AC, Miller
# DL (2015), A practitioner's guide to cluster-robust inference, *J Human Resources* 50:317-372; MacKinnon JG, Webb
# MD (2017), *J Applied Econometrics* 32:233-254; Gardner J (2021), Two-stage differences in differences, arXiv
# 2207.05943; Goodman-Bacon A (2021), *J Econometrics* 225:254-277.
#
# **Worked example 1**: Kiel & McClain's incinerator (Wooldridge Example 13.3), published DiD -11,863.9 with SE
# 6,621.8 clustered by distance to the centre.

# %%
import pandas as pd

from analysis.paths import project_root
from analysis.stats import did

k = pd.read_csv(project_root() / "tests" / "fixtures" / "published" / "kielmc.csv").assign(
    nxy=lambda d: d.nearinc * d.y81
)
did.did(k, unit="nearinc", time="y81", outcome="rprice", treatment="nxy", cluster="cbd", repeated_cross_sections=True)

# %% [markdown]
# **Worked example 2**: the abonnementstarief on the real CBS panel, under every registration-break rule.

# %%
from analysis.data.io import load_processed
from analysis.demand.tariff import did_robustness

did_robustness(load_processed("wmo_panel_eigen_grenzen"), load_processed("herindelingen")).round(3)

# %% [markdown]
# The event study behind the main specification, per year against 2018 (``analysis.plots.event_study``): the
# pre-period coefficient is the placebo.

# %%
from analysis.demand.tariff import tariff_effect_did

fig = tariff_effect_did(load_processed("wmo_panel_eigen_grenzen"), load_processed("herindelingen")).plot(
    ylabel="Difference per 1,000 65+\nper EUR 1,000 income"
)
