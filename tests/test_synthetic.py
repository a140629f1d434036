"""Synthetic data: reproducible per seed, calibrated to the public figures within stated tolerances."""

import hashlib

import pandas as pd
import pytest

from analysis.assumptions import load_assumptions
from analysis.data import synthetic


def frame_hash(df: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(df, index=True).values.tobytes()).hexdigest()


def test_same_seed_same_files(tmp_path):
    a = synthetic.generate_pilot(7)
    b = synthetic.generate_pilot(7)
    c = synthetic.generate_pilot(8)
    assert frame_hash(a.zrm) == frame_hash(b.zrm)
    assert frame_hash(a.zrm) != frame_hash(c.zrm)


def test_written_files_identical_for_same_seed(tmp_path, synth):
    synthetic.write_synthetic(tmp_path, seed=20211115)
    for name in ("hh_clients", "pilot_zrm", "regional_monitor"):
        assert frame_hash(pd.read_parquet(tmp_path / f"{name}.parquet")) == frame_hash(
            pd.read_parquet(synth / f"{name}.parquet")
        )


@pytest.fixture(scope="module")
def monthly(synth):
    return pd.read_parquet(synth / "hh_monthly.parquet")


def test_calibration_active_clients_2021(monthly):
    """Collegebrief 2021 (seed 003): 'bijna vijfduizend' HH users. Tolerance 10%."""
    active = monthly[monthly.maand == "2021-06-01"]["actief"].sum()
    assert 4500 <= active <= 5500, active


@pytest.mark.parametrize(
    "year, cbs",
    [
        (2017, 2660 + 465 + 100),  # old Groningen + Haren + Ten Boer (present territory), CBS 84751NED
        (2019, 5530),  # after the merger, CBS 84753NED
        (2020, 5965),  # CBS 84908NED
    ],
)
def test_calibration_persons_in_year_against_cbs_hh(synth, year, cbs):
    """The real CBS 'Hulp bij het huishouden' series (read through the declared column map, reconciled with an
    independent copy): persons with HH in the year. Tolerance 8%."""
    c = pd.read_parquet(synth / "hh_clients.parquet")
    in_year = ((c.start <= f"{year}-12-01") & (c.einde.isna() | (c.einde > f"{year}-01-01"))).sum()
    assert abs(in_year / cbs - 1) < 0.08, in_year


def test_recoded_clients_are_flagged_and_start_in_2019(synth):
    """S11: the 2019 registration shift is in the data as its own flag, never before 1-1-2019."""
    c = pd.read_parquet(synth / "hh_clients.parquet")
    assert c.hercodeerd.any() and (c.loc[c.hercodeerd, "start"] >= "2019-01-01").all()


def test_population_matches_kwb_and_prognosis():
    pop = synthetic.population(load_assumptions())
    p65 = pop[(pop.jaar == 2019) & (pop.leeftijdsgroep != "18-64")].inwoners.sum()
    assert abs(p65 - 33349) / 33349 < 0.005  # CBS KWB 2019, 65+
    p75 = lambda y: pop[(pop.jaar == y) & pop.leeftijdsgroep.isin(["75-84", "85+"])].inwoners.sum()
    assert 15000 <= p75(2022) <= 16000 and 25500 <= p75(2042) <= 26500  # OIS: ruim 15.000 -> ruim 26.000


def test_tariff_shift_built_in(synth):
    """Inflow rises from 2019, most for high incomes (S03)."""
    c = pd.read_parquet(synth / "hh_clients.parquet")
    c = c[c.start >= "2016-01-01"]
    inflow = c.groupby([c.start.dt.year, "inkomensklasse"]).size().unstack()
    ratio = inflow.loc[2019:2020].mean() / inflow.loc[2016:2018].mean()
    assert ratio["hoog"] > ratio["midden"] > ratio["laag"] > 1.0


def test_identifiers_are_pseudonyms_not_bsn(synth):
    from analysis.privacy import looks_like_bsn_column

    c = pd.read_parquet(synth / "hh_clients.parquet")
    assert c.client_id.is_unique and not looks_like_bsn_column(c.client_id)
    assert c.client_id.str.fullmatch(r"C[0-9a-f]{10}").all()


def test_pilot_shape(synth):
    f = pd.read_parquet(synth / "pilot_families.parquet")
    pilot = f[f.route == "gezinsverzorger"]
    assert 8 <= len(pilot) <= 10 and set(pilot.medewerker) == {"MBO", "HBO"}


def test_nl_scale_chunks(tmp_path):
    info = synthetic.generate_nl_client_months(tmp_path / "nl.parquet", 1, n_clients=1200, n_months=12, chunk=500)
    df = pd.read_parquet(tmp_path / "nl.parquet")
    assert info["rows"] == len(df) == 1200 * 12
    assert df.groupby("client_id").size().eq(12).all()
