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
        "row 8, column 'uren_per_week': '55'; expected a value from 0 to 40",  # the raw cell text
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


def messy_clients(synth, tmp_path):
    """An hh_clients export with one planted problem of each kind (rows numbered as a spreadsheet shows them)."""
    d = pd.read_parquet(synth / "hh_clients.parquet").head(12).drop(columns=["leeftijdsgroep_start"]).copy()
    for c in ("start", "einde", "koppel_start"):
        d[c] = pd.to_datetime(d[c]).dt.strftime("%Y-%m-%d").fillna("")
    d["uren_per_week"] = d["uren_per_week"].map(lambda v: f"{v:.1f}".replace(".", ","))
    d["herstelgericht"] = d["herstelgericht"].map({True: "ja", False: "nee"})
    d = d.astype(object)
    d.loc[0, "uren_per_week"] = "2.5"  # row 2: a decimal point in a decimal-comma file (not 25)
    d.loc[1, "start"] = "1-2-2022"  # row 3: a Dutch date, and in the same row ...
    d.loc[1, "geslacht"] = "x"  # ... a second problem that must not be hidden
    d.loc[2, ["start", "einde"]] = ["2022-05-01", "2021-01-01"]  # row 4: einde before start, one line
    d.loc[3, "client_id"] = "111222333"  # row 5: a BSN (passes the eleven test)
    d.loc[4, "wij_team"] = "Team Noord"  # row 6: Groningen's local rule
    d.loc[5, "client_id"] = d.loc[6, "client_id"]  # rows 7 and 8: the same id twice
    d.loc[7, "herstelgericht"] = "misschien"  # row 9: not a yes/no
    d.loc[8, "uren_per_week"] = "1.234,5"  # row 10: thousands grouping read right, then out of range
    total = {c: "" for c in d.columns} | {"client_id": "Totaal", "uren_per_week": "123,5"}
    d = pd.concat([d, pd.DataFrame([total])], ignore_index=True)  # row 14: a totals row
    p = tmp_path / "clients.csv"
    d.to_csv(p, sep=";", index=False)
    return p


def test_a_messy_export_lists_every_problem_once_in_plain_words(synth, tmp_path):
    p = messy_clients(synth, tmp_path)
    res = runner.invoke(app, ["data", "check", str(p), "--table", "hh_clients"])
    lines = [ln.strip() for ln in res.output.splitlines()[1:] if ln.strip()]
    assert res.exit_code == 1 and "10 problem(s) in 13 rows" in res.output.splitlines()[0]
    expected = [
        "row 2, column 'uren_per_week': '2.5'; expected a number with a decimal comma (fix: write 2,5",
        "row 3, column 'geslacht': 'x'; expected one of 'v', 'm'",
        "row 3, column 'start': '1-2-2022'; expected a date written YYYY-MM-DD (fix: write dates as YYYY-MM-DD: "
        "2022-02-01)",
        "row 4; expected einde on or after start (fix: this row has einde '2021-01-01', start '2022-05-01')",
        "file, column 'client_id'; expected a pseudonymised id, never a BSN (fix: 1 value(s) look like a BSN",
        "row 6, column 'wij_team': 'Team Noord'; expected a WIJ team name starting with 'WIJ '",
        "rows 7, 8, column 'client_id'",
        "row 9, column 'herstelgericht': 'misschien'; expected yes or no (ja/nee",
        "row 10, column 'uren_per_week': '1.234,5'; expected a value from 0.5 to 20",
        "row 14: 'Totaal'; expected one record per row (fix: this looks like a totals row",
    ]
    for e in expected:
        assert sum(ln.startswith(e) for ln in lines) == 1, (e, lines)
    assert len(lines) == len(expected)
    text = res.output
    for jargon in ("in_range", "field_uniqueness", "str_matches", "^C[0-9a-f]", "isin(", "111222333"):
        assert jargon not in text, jargon  # no validator language, and the BSN itself is not echoed


def test_local_rules_are_configurable(synth, tmp_path):
    p = messy_clients(synth, tmp_path)
    rules = tmp_path / "rules.toml"
    rules.write_text('[hh_clients.wij_team]\none_of = ["Team Noord", "Team Zuid"]\ndescription = "a team of ours"\n')
    res = runner.invoke(app, ["data", "check", str(p), "--table", "hh_clients", "--rules", str(rules)])
    assert "'Team Noord'" not in res.output and "a team of ours" in res.output  # the WIJ teams now fail instead
    _, problems = check.check_file(p, "hh_clients", rules={})
    assert not any(pr.column == "wij_team" for pr in problems)
    assert "WIJ" in check.layout("hh_clients").set_index("kolom").loc["wij_team", "regels"]
