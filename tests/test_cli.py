"""Bad input and operating faults through the real CLI: every case ends in one line naming the parameter, file or
entry and what is allowed, with a non-zero exit, no traceback, and data/processed and reports/ byte-identical."""

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.cli import app

runner = CliRunner()


def tree(d: Path) -> dict:
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()
    }


@pytest.fixture
def env(tmp_path, synth, monkeypatch):
    """A reports folder with an earlier good state, and the session's processed data."""
    reports = tmp_path / "reports"
    (reports / "hh-raad").mkdir(parents=True)
    (reports / "hh-raad" / "hh-raad-openbaar.html").write_text("<html>eerder</html>")
    (reports / "manifest.json").write_text(json.dumps({"outputs": []}))
    monkeypatch.setenv("ANALYSIS_REPORTS", str(reports))
    return reports, synth.parent


RENDER_CASES = {
    # report parameters: unknown, wrong type, out of range, cross-field
    "unknown_param": (["hh-raad", "-p", "foo=1"], "unknown parameter(s) foo"),
    "n_boot_text": (["hh-raad", "-p", "n_boot=abc"], "n_boot='abc' is not allowed; expected a whole number"),
    "n_boot_negative": (["hh-raad", "-p", "n_boot=-5"], "n_boot=-5 is not allowed"),
    "n_boot_fraction": (["hh-raad", "-p", "n_boot=150.5"], "n_boot=150.5 is not allowed"),
    "jaar_tot_1990": (["hh-raad", "-p", "jaar_tot=1990"], "jaar_tot=1990 is not allowed; expected a whole number from"),
    "jaar_van_after_tot": (["hh-raad", "-p", "jaar_van=2020", "-p", "jaar_tot=2018"], "must be before jaar_tot"),
    "gemeente_name": (["hh-raad", "-p", "gemeente=Groningen"], "gemeente='Groningen' is not allowed"),
    "scenario_unknown": (["hh-raad", "-p", "scenarios=tarief_blijft,geen_idee"], "scenarios="),
    "scenarios_empty": (["hh-raad", "-p", "scenarios="], "scenarios="),
    "seed_negative": (["hh-raad", "-p", "seed=-1"], "seed=-1 is not allowed"),
    "processed_dir_missing": (["hh-raad", "-p", "processed_dir=/nergens/te/vinden"], "no such folder"),
    "n_draws_zero": (["hh-bekostiging", "-p", "n_draws=0"], "n_draws=0 is not allowed"),
    "basisjaar_after_registration": (
        ["hh-bekostiging", "-p", "basisjaar=2025"],
        "basisjaar=2025 is not allowed",
    ),
    "regelset_unknown": (["hh-bekostiging", "-p", "regelsets=geen,alles"], "regelsets="),
    "scenario_choice": (["hh-bekostiging", "-p", "scenario=groei"], "expected one of tarief_blijft"),
    "uurloon_text": (["hh-bekostiging", "-p", "uurloon=veel"], "uurloon='veel' is not allowed"),
    "winstopslag_too_high": (["hh-bekostiging", "-p", "winstopslag=2"], "winstopslag=2 is not allowed"),
    "peildatum_future": (["tussenevaluatie", "-p", "peildatum=2099-01-01"], "peildatum='2099-01-01' is not allowed"),
    "peildatum_not_a_date": (["tussenevaluatie", "-p", "peildatum=gisteren"], "expected a date YYYY-MM-DD"),
    "peildatum_before_pilot": (["tussenevaluatie", "-p", "peildatum=2020-01-01"], "peildatum="),
    "meetmoment_4": (["tussenevaluatie", "-p", "meetmoment=4"], "expected one of 3, 6, 12"),
    "min_effect_nan": (["tussenevaluatie", "-p", "min_effect=nan"], "min_effect="),
    "kosten_negative": (["tussenevaluatie", "-p", "kosten_uithuisplaatsing=-5"], "kosten_uithuisplaatsing=-5"),
    # privacy is not a knob
    "drempel_1_openbaar": (["tussenevaluatie", "-p", "drempel=1"], "drempel=1 is not allowed"),
    "drempel_9_openbaar": (["tussenevaluatie", "-p", "drempel=9", "--audience", "openbaar"], "drempel=9"),
    # audiences and formats the report does not offer
    "audience_geheim": (["hh-raad", "--audience", "geheim"], "audience 'geheim' is not offered; allowed: openbaar"),
    "audience_intern_for_hh_raad": (["hh-raad", "--audience", "intern"], "audience 'intern' is not offered"),
    "format_docx": (["hh-raad", "--to", "docx"], "format(s) docx not offered; allowed: html, pdf"),
    "format_empty": (["hh-raad", "--to", ","], "not offered"),
    # the command itself
    "unknown_report": (["bestaat-niet"], "unknown report 'bestaat-niet'; known: hh-raad"),
    "param_without_value": (["hh-raad", "-p", "n_boot"], "is not key=value"),
    "no_report_name": ([], "give a report name or --all"),
    "workers_zero": (["--all", "--workers", "0"], "--workers must be 1 or more"),
}


@pytest.mark.parametrize("case", sorted(RENDER_CASES))
def test_render_refuses_bad_input_before_any_kernel(case, env, synth):
    reports, _ = env
    args, expected = RENDER_CASES[case]
    before_r, before_p = tree(reports), tree(synth)
    res = runner.invoke(app, ["render", *args])
    msg = " ".join(res.output.split())
    assert res.exit_code == 2, msg
    assert expected in msg, f"{expected!r} not in {msg!r}"
    assert "Traceback" not in res.output and (res.exception is None or isinstance(res.exception, SystemExit))
    assert len([line for line in res.output.splitlines() if line.strip()]) <= 3  # one message (wrapped at most)
    assert tree(reports) == before_r and tree(synth) == before_p


CONFIG_CASES = {
    "malformed_toml": ("[reports.a\nnotebook = 1\n", ["render", "--all"], 1, "not valid TOML"),
    "missing_config": (None, ["render", "--all"], 1, "file not found"),
    "entry_without_notebook": ('[reports.a]\ntitle = "A"\n', ["render", "a"], 2, "no notebook given"),
    "notebook_not_found": ('[reports.a]\nnotebook = "weg.ipynb"\n', ["render", "a"], 2, "notebook weg.ipynb not found"),
    "bad_declaration": (
        '[reports.a]\nnotebook = "nb.ipynb"\n[reports.a.declare]\nx = { type = "kleur" }\n',
        ["render", "a"],
        2,
        "unknown type 'kleur'",
    ),
    "default_out_of_range": (
        '[reports.a]\nnotebook = "nb.ipynb"\n[reports.a.parameters]\nx = 0\n'
        '[reports.a.declare]\nx = { type = "int", min = 1 }\n',
        ["render", "a"],
        2,
        "x=0",
    ),
    "undeclared_default": (
        '[reports.a]\nnotebook = "nb.ipynb"\n[reports.a.parameters]\ny = 1\n'
        '[reports.a.declare]\nx = { type = "int" }\n',
        ["render", "a"],
        2,
        "unknown parameter(s) y",
    ),
    "unknown_audience_in_config": (
        '[reports.a]\nnotebook = "nb.ipynb"\naudiences = ["iedereen"]\n',
        ["render", "a"],
        2,
        "unknown audience or format",
    ),
    "params_of_unknown_report": ('[reports.a]\nnotebook = "nb.ipynb"\n', ["params", "b"], 2, "unknown report 'b'"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_bad_reports_toml_is_named(case, env, tmp_path):
    reports, _ = env
    text, cmd, code, expected = CONFIG_CASES[case]
    cfg = tmp_path / "cfg" / "reports.toml"
    cfg.parent.mkdir()
    (cfg.parent / "nb.ipynb").write_text("{}")
    if text is not None:
        cfg.write_text(text)
    before = tree(reports)
    res = runner.invoke(app, [*cmd, "--config", str(cfg)])
    msg = " ".join(res.output.split())
    assert res.exit_code == code and expected in msg, msg
    assert "Traceback" not in res.output and (res.exception is None or isinstance(res.exception, SystemExit))
    assert tree(reports) == before


def test_render_all_with_one_broken_entry_renders_the_others(env, tmp_path, synth):
    from make_example_notebook import example_notebook

    reports, _ = env
    nb = tmp_path / "goed.ipynb"
    example_notebook(nb)
    cfg = tmp_path / "reports.toml"
    cfg.write_text(
        f'[reports.goed]\nnotebook = "{nb}"\nformats = ["html"]\n[reports.goed.parameters]\n'
        f'processed_dir = "{synth.parent}"\n[reports.kapot]\ntitle = "zonder notebook"\n'
    )
    res = runner.invoke(app, ["render", "--all", "--config", str(cfg)])
    assert res.exit_code == 1
    m = {o["report"]: o for o in json.loads((reports / "manifest.json").read_text())["outputs"]}
    assert m["goed"]["status"] == "ok" and m["kapot"]["last_run"]["action"] == "failed"
    assert "no notebook given" in m["kapot"]["error"]


SYNTH_CASES = {
    "negative_seed": (["data", "synth", "--seed", "-1"], "--seed must be 0 or more"),
    "unknown_scale": (["data", "synth", "--scale", "wereld"], "--scale must be 'groningen' or 'nl'"),
}


@pytest.mark.parametrize("case", sorted(SYNTH_CASES))
def test_synth_bad_options(case, tmp_path):
    args, expected = SYNTH_CASES[case]
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "s")])
    assert res.exit_code == 2 and expected in " ".join(res.output.split())
    assert not (tmp_path / "s").exists()


def test_missing_raw_folder_is_one_line(tmp_path):
    res = runner.invoke(app, ["data", "build", "--raw", str(tmp_path / "geen"), "--out", str(tmp_path / "p")])
    assert res.exit_code == 1 and "sources.toml" in res.output and "Traceback" not in res.output


def test_unwritable_reports_folder_is_one_line(env, tmp_path, synth):
    """reports/ is a file (a broken mount): the single render says what it could not write."""
    from make_example_notebook import example_notebook

    reports, _ = env
    bad = tmp_path / "reports-als-bestand"
    bad.write_text("x")
    nb = tmp_path / "v.ipynb"
    example_notebook(nb)
    cfg = tmp_path / "reports.toml"
    cfg.write_text(
        f'[reports.v]\nnotebook = "{nb}"\nformats = ["html"]\n'
        f'[reports.v.parameters]\nprocessed_dir = "{synth.parent}"\n'
    )
    import os

    os.environ["ANALYSIS_REPORTS"] = str(bad)
    try:
        res = runner.invoke(app, ["render", "v", "--config", str(cfg)])
    finally:
        os.environ["ANALYSIS_REPORTS"] = str(reports)
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert bad.read_text() == "x"


def test_status_with_a_damaged_manifest(env):
    """A damaged manifest is an error naming the file, never 'no runs recorded yet' (issue 23)."""
    reports, _ = env
    (reports / "manifest.json").write_text("{kapot")
    res = runner.invoke(app, ["status"])
    msg = " ".join(res.output.split())
    assert res.exit_code == 1 and "manifest.json: manifest is damaged" in msg and "no runs recorded" not in msg
    assert (reports / "manifest.json").read_text() == "{kapot"


GEMEENTE_CASES = {
    "unknown_code": (["hh-raad", "-p", "gemeente=GM9999"], "gemeente 'GM9999' is not in the CBS panel"),
    "unknown_in_list": (["hh-raad", "--gemeenten", "GM0344,GM9998"], "gemeente 'GM9998' is not in the CBS panel"),
    "name_in_list": (["hh-raad", "--gemeenten", "Utrecht"], 'gemeenten must be "all" or a list of codes GMxxxx'),
    "no_gemeente_parameter": (["tussenevaluatie", "--gemeenten", "all"], "tussenevaluatie has no gemeente parameter"),
    "with_all": (["--all", "--gemeenten", "all"], "--gemeenten goes with one report name"),
    "and_p_gemeente": (["hh-raad", "--gemeenten", "all", "-p", "gemeente=GM0344"], "not with -p gemeente"),
}


@pytest.mark.parametrize("case", sorted(GEMEENTE_CASES))
def test_bad_gemeente_is_one_clear_line(case, env, synth, monkeypatch):
    """A gemeente that is not in the CBS panel stops before any kernel, in one line, and writes nothing (nor marks
    Groningen's report as failed)."""
    reports, processed = env
    monkeypatch.setenv("ANALYSIS_PROCESSED", str(processed))
    args, expected = GEMEENTE_CASES[case]
    before = tree(reports)
    res = runner.invoke(app, ["render", *args])
    msg = " ".join(res.output.split())
    assert res.exit_code == 2, msg
    assert expected in msg, f"{expected!r} not in {msg!r}"
    assert "Traceback" not in res.output and len([ln for ln in res.output.splitlines() if ln.strip()]) <= 3
    assert tree(reports) == before


def test_render_gemeenten_through_the_cli(tmp_path, synth, monkeypatch):
    """`analysis render <report> --gemeenten GM0344,GM0060`: one report per gemeente in its own folder, the overview
    and the CSV, exit 0; again without changes: both skipped."""
    from make_example_notebook import trivial_notebook

    nb = tmp_path / "t.ipynb"
    trivial_notebook(nb)
    cfg = tmp_path / "reports.toml"
    cfg.write_text(
        f'[reports.t]\nnotebook = "{nb}"\nformats = ["html"]\n'
        f'[reports.t.parameters]\ngemeente = "GM0014"\nprocessed_dir = "{synth.parent}"\n'
    )
    reports = tmp_path / "reports"
    monkeypatch.setenv("ANALYSIS_REPORTS", str(reports))
    args = ["render", "t", "--gemeenten", "GM0344,GM0060", "--config", str(cfg), "--workers", "1"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert (reports / "t" / "GM0344-utrecht" / "t-GM0344-utrecht-openbaar.html").is_file()
    assert (reports / "t" / "GM0060-ameland" / "t-GM0060-ameland-openbaar.html").is_file()
    assert not (reports / "t" / "t-openbaar.html").exists()  # the default gemeente was not asked for
    overview = (reports / "t" / "index.html").read_text(encoding="utf-8")
    assert 'href="GM0344-utrecht/t-GM0344-utrecht-openbaar.html"' in overview
    assert (reports / "t" / "t-gemeenten.csv").is_file()
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "0 rendered, 2 unchanged (skipped)" in " ".join(again.output.split())
