"""Reconciliation of the real tables with published figures (analysis.data.reconcile), as a stage of data build.

The CBS panel's copy had HH and 'ondersteuning thuis' swapped under each other's names; these tests plant that
swap (with the hash updated, so only the content is at fault) and other disagreements, and check that the build
refuses each with one line and leaves data/processed as it was."""

import csv
import io as _io
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_allclose
from typer.testing import CliRunner

from analysis.cli import app
from analysis.data import reconcile
from analysis.data.pipeline import INDEPENDENT_FILE, PAGES_FILE, PANEL_FILE, build_processed
from conftest import rehash_sources

runner = CliRunner()


def snapshot(d: Path) -> dict:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def edit_csv(path: Path, fn) -> None:
    """Rewrite a CSV through csv (keeps quoting) after ``fn(header, rows)`` changed the rows in place."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    fn(rows[0], rows[1:])
    buf = _io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def build_cli(raw: Path, out: Path):
    res = runner.invoke(app, ["data", "build", "--raw", str(raw), "--out", str(out)])
    return res.exit_code, " ".join(res.output.split())


@pytest.fixture
def built(raw_copy, tmp_path):
    out = tmp_path / "processed"
    build_processed(raw_copy, out)
    return raw_copy, out, snapshot(out)


def test_bundled_data_reconcile(processed):
    checks = pd.read_parquet(processed / "reconciliatie.parquet").set_index(["check", "table"])
    assert (checks.failed == 0).all()
    # every HH gemeente-year the two copies share (923, shared/data/README.md) was compared
    assert checks.loc[("independent copy", "wmo_panel"), "compared"] == 923
    assert checks.loc[("CBS page value", "wmo_panel"), "compared"] == 4  # Aalten 2019: HH, OT, hulpmiddelen, totaal
    assert checks.loc[("reference log", "wmo_panel"), "compared"] >= 8


def test_processed_panel_holds_hh_as_published(processed):
    """The CBS StatLine page 84753NED: Aalten 2019 HH 1.080, OT 480; Groningen's HH series from the CBS tables."""
    own = pd.read_parquet(processed / "wmo_panel_eigen_grenzen.parquet").set_index(["gemeente_code", "jaar"])
    assert own.loc[("GM0197", 2019), "hh_clienten"] == 1080
    assert own.loc[("GM0197", 2019), "ondersteuning_thuis"] == 480
    assert_allclose(own.loc[[("GM0014", y) for y in (2017, 2018, 2019, 2020)], "hh_clienten"], [2660, 2820, 5530, 5965])
    harm = pd.read_parquet(processed / "wmo_panel_grenzen_2020.parquet").set_index(["gemeente_code", "jaar"])
    # 2017 on the present territory: old Groningen 2.660 + Haren 465 + Ten Boer 100
    assert harm.loc[("GM0014", 2017), "hh_clienten"] == 3225
    assert pd.isna(harm.loc[("GM0014", 2018), "hh_clienten"])  # Haren 2018 not published


def test_national_coverage_matches_the_total(processed):
    """Sum of HH over gemeenten / CBS national HH persons: 83/89/93/92% (shared/data/README.md), as the total."""
    cov = pd.read_parquet(processed / "dekking_landelijk.parquet").set_index("jaar")
    assert_allclose(cov.dekking.loc[[2017, 2018, 2019, 2020]], [0.83, 0.89, 0.93, 0.92], atol=0.006)
    assert ((cov.dekking - cov.dekking_totaal).abs() < 0.01).all()


def test_jeugdzorg_and_age_tables_are_kept(processed):
    jz = pd.read_parquet(processed / "kwb_jeugdzorg.parquet")
    assert set(jz.jaar) == {2018, 2019} and jz.jongeren_jeugdzorg_in_natura.notna().all()
    old = pd.read_parquet(processed / "kwb_ouderen_huishoudens.parquet")
    assert {"inwoners_65_80", "inwoners_80plus"} <= set(old.columns)


def _swap_panel_columns(raw: Path) -> None:
    def swap(header, rows):
        a, b = header.index("support_at_home"), header.index("household_help")
        for r in rows:
            r[a], r[b] = r[b], r[a]

    edit_csv(raw / PANEL_FILE, swap)


def _set_independent(raw: Path, code: str, year: str, value: str) -> None:
    def edit(header, rows):
        c, y, v = header.index("mun_code"), header.index("year"), header.index("hh_clients")
        for r in rows:
            if r[c] == code and r[y] == year:
                r[v] = value

    edit_csv(raw / INDEPENDENT_FILE, edit)


def _set_page(raw: Path, type_: str, value: str) -> None:
    def edit(header, rows):
        t, v = header.index("type"), header.index("value")
        for r in rows:
            if r[t] == type_:
                r[v] = value

    edit_csv(raw / PAGES_FILE, edit)


PLANTS = {
    # the copy's error put right in the file but not in the map: the content no longer matches the declared meaning
    "swapped columns": (_swap_panel_columns, ["independent copy", "GM", "hh_clienten"]),
    "independent copy differs": (
        lambda raw: _set_independent(raw, "GM0197", "2018", "1005.0"),
        ["independent copy", "GM0197", "2018", "1005"],
    ),
    "CBS page differs": (lambda raw: _set_page(raw, "Hulp bij het huishouden", "1085"), ["CBS page value", "1085"]),
}


@pytest.mark.parametrize("plant", list(PLANTS))
def test_planted_disagreement_stops_the_build(plant, built, tmp_path):
    raw, out, before = built
    fn, needles = PLANTS[plant]
    fn(raw)
    rehash_sources(raw)  # only the content is at fault, not the provenance record
    code, msg = build_cli(raw, out)
    assert code == 1, msg
    assert "reconciliation failed" in msg and all(n in msg for n in needles), msg
    assert len(msg) < 600  # one line, not a dump
    assert snapshot(out) == before


def test_map_that_reads_the_names_is_refused(built):
    """Declaring the file's own (wrong) names as their meaning is what went wrong before: the build refuses it."""
    raw, out, before = built
    toml = raw / "sources.toml"
    t = toml.read_text(encoding="utf-8")
    t = t.replace('support_at_home = "hh_clienten"', 'support_at_home = "TMP"', 1)
    t = t.replace('household_help = "ondersteuning_thuis"', 'household_help = "hh_clienten"', 1)
    t = t.replace('support_at_home = "TMP"', 'support_at_home = "ondersteuning_thuis"', 1)
    toml.write_text(t, encoding="utf-8")
    code, msg = build_cli(raw, out)
    assert code == 1 and "reconciliation failed" in msg and "hh_clienten" in msg, msg
    assert snapshot(out) == before


def test_missing_column_map_is_one_line(built):
    raw, out, before = built
    toml = raw / "sources.toml"
    t = toml.read_text(encoding="utf-8")
    t = t.replace('support_at_home = "hh_clienten"  # CBS', '# removed  # CBS', 1)
    toml.write_text(t, encoding="utf-8")
    code, msg = build_cli(raw, out)
    assert code == 1 and "does not say which column holds ['hh_clienten']" in msg, msg
    assert snapshot(out) == before


def test_coverage_check_catches_a_type_that_is_another_type():
    """Unit level: a column with OT under the HH name covers 59% of national HH where the total covers 84%."""
    nat = pd.DataFrame(
        {"measure": ["Wmo clients Hulp bij het huishouden", "Wmo clients total"], "period": ["2017", "2017"],
         "value": ["1000", "3000"]}
    )  # fmt: skip
    panel = pd.DataFrame({"jaar": [2017, 2017], "hh_clienten": [300.0, 290.0], "wmo_clienten": [1250.0, 1250.0]})
    cov, fails = reconcile.national_coverage(panel, nat, table="t")
    assert_allclose(cov.dekking, [0.59]) and assert_allclose(cov.dekking_totaal, [2500 / 3000])
    assert len(fails) == 1 and fails.iloc[0].column == "hh_clienten"
    panel["hh_clienten"] = [420.0, 410.0]
    assert reconcile.national_coverage(panel, nat, table="t")[1].empty
