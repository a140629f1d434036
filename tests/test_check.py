"""`analysis data check`: an export of the gemeente's own data is checked against the layout the reports read;
every problem is listed with its row and column, and nothing is written."""

import pandas as pd
from typer.testing import CliRunner

from analysis.cli import app
from analysis.data import check

runner = CliRunner()


def export(synth, tmp_path, edit=None, name="gezinnen.csv"):
    d = pd.read_parquet(synth / "pilot_families.parquet").head(8).copy()
    for c in ("aanmelding", "start", "einde"):
        d[c] = pd.to_datetime(d[c]).dt.strftime("%Y-%m-%d")
    d["uren_per_week"] = d["uren_per_week"].map(lambda v: f"{v:.1f}".replace(".", ","))  # Dutch decimal comma
    d["vrijwilliger"] = d["vrijwilliger"].map({True: "ja", False: "nee"})
    d = d.astype(object)
    if edit:
        edit(d)
    p = tmp_path / name
    d.to_csv(p, sep=";", index=False)
    return p


def test_a_good_export_passes(synth, tmp_path):
    n, problems = check.check_file(export(synth, tmp_path), "pilot_families")
    assert n == 8 and problems == []
    res = runner.invoke(app, ["data", "check", str(export(synth, tmp_path)), "--table", "pilot_families"])
    assert res.exit_code == 0 and "ok:" in res.output


def test_every_problem_is_listed_with_row_and_column(synth, tmp_path, processed):
    def edit(d):
        d.loc[1, "groep"] = "test"
        d.loc[2, "start"] = "1-2-2022"
        d.loc[3, "uren_per_week"] = "veel"
        d.loc[4, "gezin_id"] = "X1"
        d.loc[5, "vrijwilliger"] = "misschien"
        d.loc[0, "aanmelding"] = ""
        d.loc[6, "uren_per_week"] = "55"

    before = sorted(p.name for p in processed.rglob("*"))
    res = runner.invoke(app, ["data", "check", str(export(synth, tmp_path, edit)), "--table", "pilot_families"])
    out = " ".join(res.output.split())
    assert res.exit_code == 1 and "7 problem(s) in 8 rows" in out
    expected = [
        "row 2, column 'aanmelding'",
        "row 3, column 'groep': 'test'",
        "row 4, column 'start'",
        "row 5, column 'uren_per_week': 'veel'",
        "row 6, column 'gezin_id'",
        "row 7, column 'vrijwilliger'",
        "row 8, column 'uren_per_week': '55.0'",
    ]
    for fragment in expected:
        assert fragment in out, fragment
    assert sorted(p.name for p in processed.rglob("*")) == before  # nothing written


def test_layout_and_unknown_table(synth, tmp_path):
    lay = check.layout("pilot_zrm")
    assert set(lay.kolom) == {"gezin_id", "meetmoment", "datum", "domein", "score"}
    res = runner.invoke(app, ["data", "check", str(export(synth, tmp_path)), "--table", "onbekend"])
    assert res.exit_code == 1 and "unknown table 'onbekend'" in res.output and "hh_clients" in res.output


def test_missing_column_and_parquet(synth, tmp_path):
    p = export(synth, tmp_path, lambda d: d.drop(columns=["route"], inplace=True))
    res = runner.invoke(app, ["data", "check", str(p), "--table", "pilot_families"])
    assert res.exit_code == 1 and "missing column(s) ['route']" in res.output
    n, problems = check.check_file(synth / "pilot_zrm.parquet", "pilot_zrm")
    assert n > 100 and problems == []
