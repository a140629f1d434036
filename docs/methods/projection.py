# %% [markdown]
# # Projection and back-tests
#
# **Formula.** Clients in year $T+h$ = $\sum_b P_{b,T+h}\, r_{b,T}\, e^{\mu_b h + \sum_{j\le h}\varepsilon_{b,j}}\, m_b$
# (population prognosis x usage rate on a random walk with drift x scenario multiplier). Intervals come from a
# simulation with every source of uncertainty: Poisson noise, the random walk and the drift's estimation error, the
# population prognosis error ($\sigma = 0.5\%$ per year ahead, assumption D03) and the scenario parameters.
#
# **Assumptions.** The usage trend outside the 2019 tariff jump continues as a random walk; the prognosis error is
# as stated; no new policy break.
#
# **References.** Hyndman RJ, Athanasopoulos G, *Forecasting: principles and practice*, ch. 5 (random walk with
# drift) and 5.10 (time series cross-validation); Keilman N (2008), European demographic forecasts have not become
# more accurate, *Population Studies*.
#
# **Worked example** (synthetic registration).

# %%
from analysis.data.io import load_processed
from analysis.demand import forecast, projection, rates

pop = load_processed("synthetic/population")
history = rates.hh_rates(load_processed("synthetic/hh_clients"), pop, range(2015, 2025))
p = forecast.simulate_projection(history, pop, range(2025, 2041), [projection.tariff_stays()], n_boot=500)
p.frame[p.frame.jaar.isin([2025, 2030, 2040])].round(0)

# %% [markdown]
# The forecast fan after the registered history (``analysis.plots.forecast_fan``):

# %%
fig = p.plot(history=history.groupby("jaar").clienten.sum())

# %%
p.variance_shares.pivot(index="bron", columns="jaar", values="aandeel").round(2)

# %% [markdown]
# Back-test on the real national series: rolling origin against the naive benchmarks.

# %%
import pandas as pd

from analysis.demand.facts import national_hh_series

nl = national_hh_series(load_processed("reference"))
forecast.rolling_origin(pd.DataFrame({"jaar": nl.years, "v": nl.clients}), unit=None, time="jaar", value="v")

# %% [markdown]
# **Intervals calibrated to the back-test.** The projection's intervals are widened to the out-of-sample errors of
# the same series' rolling-origin back-test (split-conformal in time); a planning number ('met 90% zekerheid') only
# where the back-test has at least 20 calibrated forecasts at that horizon whose 80% intervals covered 70-90%.

# %%
bt = forecast.rolling_origin(history.groupby("jaar", as_index=False).clienten.sum(), unit=None, time="jaar",
                             value="clienten", name="registratie")  # fmt: skip
cal = forecast.calibrate_projection(p, bt)
cal.frame[cal.frame.jaar.isin([2025, 2030, 2040])][["jaar", "verwacht", "ondergrens", "bovengrens", "kalibratie",
                                                     "n_terugtoets", "planbaar"]].round(0)  # fmt: skip
