# %% [markdown]
# # Funnel plots: comparing gemeenten
#
# **Formula.** For gemeente $i$ with $O_i$ HH clients and $n_i$ inhabitants aged 65+, the log rate
# $y_i = \log(O_i / n_i)$ has, under "no difference", standard error $s_i = 1/\sqrt{n_i \theta_0}$ (Poisson). Real
# gemeenten also differ for ordinary reasons (policy, registration, who gets HH): a random effect with standard
# deviation $\tau$ on the log scale. The limits at size $n$ are
# $\theta_0 \exp(\pm z_p \sqrt{1/(n\theta_0) + \tau^2})$: they narrow with size to $\theta_0 e^{\pm z_p \tau}$, so a
# large gemeente can be below them as well as above. $\tau^2$ solves the Paule-Mandel moment equation on the
# random-effects z-scores $z_i = (y_i - \log\theta_0)/\sqrt{s_i^2 + \tau^2}$, winsorised at 10% as Spiegelhalter
# proposes so that a few extreme gemeenten do not set the width. The centre $\theta_0$ is the random-effects mean,
# $\log\theta_0 = \sum w_i y_i / \sum w_i$ with $w_i = 1/(s_i^2+\tau^2)$, estimated together with $\tau^2$.
#
# **Assumptions.** Counts are Poisson given the rate; the true log rates of gemeenten without a registration break
# are normal around the centre. Gemeenten that the registration-break screen flags are placed, not fitted.
#
# **Why not the pooled rate as centre.** The pooled rate $\sum O / \sum n$ weights gemeenten by size. If the big
# cities register more HH per 65+ inhabitant than the typical gemeente (they do), the pooled rate lies above the
# centre of the distribution, the offset is counted as spread, $\tau$ grows and the high side of the funnel can no
# longer be reached. The pooled rate is still reported (``Benchmark.national_rate``).
#
# **References.** Spiegelhalter DJ (2005), Funnel plots for comparing institutional performance, *Statistics in
# Medicine* 24:1185-1202; Spiegelhalter DJ (2005), Handling over-dispersion of performance indicators, *Quality and
# Safety in Health Care* 14:347-351; Paule RC, Mandel J (1982), Consensus values and weighting factors, *Journal of
# Research of the National Bureau of Standards* 87:377-385; DerSimonian R, Kacker R (2007), Random-effects model for
# meta-analysis of clinical trials: an update, *Contemporary Clinical Trials* 28:105-114.
#
# **Worked example** on the real CBS panel (2020, gemeentegrenzen 2020): Groningen against all gemeenten.

# %%
from analysis.data.io import load_processed
from analysis.demand import benchmark as bm

panel = load_processed("wmo_panel_grenzen_2020")
b = bm.benchmark(panel, "GM0014", year=2020)
print(f"centre {b.centre_rate:.1f} per 1,000 65+ (pooled {b.national_rate:.1f}); tau {b.tau:.3f}")
clean = b.table[b.table.vlag == ""]
clean.positie_95.value_counts()

# %% [markdown]
# The funnel (``analysis.plots.funnel``), with the peers and Groningen marked:

# %%
from analysis import plots

fig = plots.funnel(b)

# %% [markdown]
# The general function takes any numerators and denominators (``analysis.stats.funnel.funnel``); with
# ``target="pooled"`` the same data show the effect of an off-centre target:

# %%
from analysis.stats.funnel import funnel

fl = (b.table.vlag != "").to_numpy()
for centre in ("random-effects", "pooled"):
    f = funnel(b.table.hh_clienten, b.table.inwoners_65plus, exclude=fl, target=centre)
    print(centre, round(f.target, 1), round(f.tau, 3), f.summary().splitlines()[2])
