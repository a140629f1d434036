"""Rendering pipeline on a small example notebook: injection, both engines, atomicity, manifest, skip, a11y, PDF."""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import a11y
from analysis.report import render
from make_example_notebook import example_notebook

CI = os.environ.get("CI") == "true"


@pytest.fixture
def nb(tmp_path):
    p = tmp_path / "voorbeeld.ipynb"
    example_notebook(p)
    return p


@pytest.fixture
def spec(nb, synth):
    return render.ReportSpec(
        "voorbeeld", nb, "Voorbeeldrapport", {"processed_dir": str(synth.parent)}, ("openbaar", "intern")
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, synth):
    """One pandoc+typst render shared by the read-only checks."""
    d = tmp_path_factory.mktemp("rendered")
    p = d / "voorbeeld.ipynb"
    example_notebook(p)
    s = render.ReportSpec("voorbeeld", p, "Voorbeeldrapport", {"processed_dir": str(synth.parent)})
    res = render.render_report(s, audience="openbaar", params={"n": 2}, reports_root=d / "reports")
    assert res.status == "ok", res.error
    return d / "reports" / "voorbeeld", res


def test_parameters_are_injected(rendered):
    folder, res = rendered
    nb = nbformat.read(folder / "voorbeeld-openbaar.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "n = 2" in injected[0].source and 'audience = "openbaar"' in injected[0].source
    html = (folder / "voorbeeld-openbaar.html").read_text(encoding="utf-8")
    assert "<strong>2</strong> rijen" in html
    assert res.engine == "pandoc+typst" and res.synthetic


def test_html_is_self_contained_dutch_and_labelled(rendered):
    html = (rendered[0] / "voorbeeld-openbaar.html").read_text(encoding="utf-8")
    assert '<html xmlns="http://www.w3.org/1999/xhtml" lang="nl"' in html
    for pattern in ('src="http', "src='http", '<link rel="stylesheet" href="http', "@import url(http", "<script src"):
        assert pattern not in html
    assert 'alt="Staafdiagram van de begroting per jaar"' in html  # the text alternative, on the img itself
    assert "Synthetische gegevens" in html and "C01" in html and "Bronnen" in html
    assert "<table" in html and "<th" in html


@pytest.mark.skipif(not a11y.available() and not CI, reason="chromium/axe-core not installed (make tools)")
def test_axe_core_zero_violations(rendered):
    assert a11y.axe_violations(rendered[0] / "voorbeeld-openbaar.html") == []


@pytest.mark.skipif(not shutil.which("pdftotext") and not CI, reason="poppler-utils not installed (make tools)")
def test_pdf_has_text_fonts_language_and_tags(rendered):
    pdf = rendered[0] / "voorbeeld-openbaar.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for heading in ("Samenvatting", "Tabel en figuur", "Aannames", "Bronnen", "Inhoudsopgave"):
        assert heading in text
    assert "25 november" in text or "versie" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(r.split()[-5] == "yes" for r in rows), fonts  # 'emb' column
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "Tagged:          yes" in info
    assert b"/Lang(nl-NL)" in pdf.read_bytes()


def test_failed_render_keeps_previous_report_and_names_the_cell(spec, tmp_path):
    root = tmp_path / "reports"
    ok = render.render_report(spec, reports_root=root)
    assert ok.status == "ok"
    before = {p.name: p.read_bytes() for p in (root / "voorbeeld").iterdir()}
    example_notebook(spec.notebook, raise_in_cell=True)
    bad = render.render_report(spec, reports_root=root)
    assert bad.status == "failed"
    assert "cell" in bad.error and "ValueError: kapot halverwege" in bad.error
    assert {p.name: p.read_bytes() for p in (root / "voorbeeld").iterdir()} == before
    assert not [p for p in root.iterdir() if p.name.startswith(".tmp-")]


def test_leak_scan_refuses_openbaar_but_not_intern(spec, tmp_path):
    example_notebook(spec.notebook, plant="111222333")  # passes the eleven test
    root = tmp_path / "reports"
    pub = render.render_report(spec, audience="openbaar", reports_root=root, formats=("html",))
    assert pub.status == "failed" and "leak scan" in pub.error and "111222333" in pub.error
    assert not (root / "voorbeeld" / "voorbeeld-openbaar.html").exists()
    internal = render.render_report(spec, audience="intern", reports_root=root, formats=("html",))
    assert internal.status == "ok"
    intern = render.intern_root(root) / "voorbeeld" / "voorbeeld-intern.html"  # never in the public tree
    assert "Vertrouwelijk" in intern.read_text(encoding="utf-8") and not (root / "voorbeeld" / intern.name).exists()


def _quarto_stand_in(tmp_path, monkeypatch, *, honour_pdf_standard: bool = True):
    """A fake `quarto` on PATH that checks its arguments and writes what Quarto would: HTML from pandoc's page with
    our includes (policy in the header, skip link and <main> around the body), plus a script when
    QUARTO_STAND_IN_SCRIPT is set (a Quarto that still adds one), and a typst PDF (with or without the standards)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "quarto-args.json"
    stub = bindir / "quarto"
    stub.write_text(f"""#!{sys.executable}
import json, os, sys, pathlib, yaml, typst
a = sys.argv[1:]
json.dump(a, open({str(log)!r}, "a")); open({str(log)!r}, "a").write("\\n")
assert a[0] == "render" and a[1].endswith(".ipynb"), a
assert "--no-execute" in a and "--metadata-file" in a and "--to" in a, a
to = a[a.index("--to") + 1]; assert to in ("html", "typst"), to
meta = yaml.safe_load(pathlib.Path(a[a.index("--metadata-file") + 1]).read_text())
assert meta["lang"] == "nl" and meta["embed-resources"] is True, meta
out = pathlib.Path(a[a.index("--output-dir") + 1]) / a[a.index("--output") + 1]
if to == "html":
    assert meta["minimal"] is True and meta["theme"] == "none" and meta["html-math-method"] == "plain", meta
    inc = {{k: pathlib.Path(meta[k]).read_text() for k in ("include-in-header", "include-before-body",
                                                          "include-after-body")}}
    script = "<script>document.title = 1</script>" if os.environ.get("QUARTO_STAND_IN_SCRIPT") else ""
    out.write_text("<!DOCTYPE html><html lang='nl'><head><title>t</title>" + inc["include-in-header"] + "</head><body>"
                   + inc["include-before-body"] + "<header><h1>t</h1></header><p>quarto</p>" + script
                   + inc["include-after-body"] + "</body></html>")
else:
    assert "include-in-header" in meta, meta
    std = meta["pdf-standard"] if {honour_pdf_standard!r} else None
    src = out.with_suffix(".typ")
    src.write_text('#set document(title: "t")\\n#set text(lang: "nl")\\n= Kop\\n\\nquarto\\n')
    typst.compile(str(src), output=str(out), **({{"pdf_standards": std}} if std else {{}}))
""")
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return log


def _quarto_calls(log):
    return [c[c.index("--to") + 1] for c in (json.loads(ln) for ln in log.read_text().splitlines() if ln.strip())]


def test_quarto_path_with_stand_in(spec, tmp_path, monkeypatch):
    """With Quarto installed the openbaar HTML is still pandoc's (our checked Markdown in our template); Quarto
    writes the PDF, and for intern both, each checked by the same publication rules."""
    log = _quarto_stand_in(tmp_path, monkeypatch)
    root = tmp_path / "reports"
    res = render.render_report(spec, reports_root=root)
    assert res.status == "ok", res.error
    assert res.engine == "html: pandoc, pdf: quarto" and _quarto_calls(log) == ["typst"]
    assert '<meta name="generator" content="pandoc"' in (root / "voorbeeld" / "voorbeeld-openbaar.html").read_text()
    res = render.render_report(spec, audience="intern", reports_root=root)
    assert res.status == "ok", res.error
    assert res.engine == "quarto" and _quarto_calls(log) == ["typst", "html", "typst"]
    page = (render.intern_root(root) / "voorbeeld" / "voorbeeld-intern.html").read_text()
    assert "<p>quarto</p>" in page and not render.convert.html_security_problems(page)


def test_quarto_html_with_a_script_is_refused_and_nothing_published(spec, tmp_path, monkeypatch):
    """The security rule holds for every engine: a Quarto page with a script fails the render in one line and the
    page published before stays as it was."""
    _quarto_stand_in(tmp_path, monkeypatch)
    root = tmp_path / "reports"
    page = render.intern_root(root) / "voorbeeld" / "voorbeeld-intern.html"
    ok = render.render_report(spec, audience="intern", reports_root=root, formats=("html",))
    assert ok.status == "ok", ok.error
    before = {p: p.read_bytes() for p in page.parent.iterdir()}
    monkeypatch.setenv("QUARTO_STAND_IN_SCRIPT", "1")
    bad = render.render_report(spec, audience="intern", reports_root=root, formats=("html",))
    assert bad.status == "failed"
    assert bad.error == "html written by quarto is not safe to publish: <script> element"
    assert {p: p.read_bytes() for p in page.parent.iterdir()} == before


def test_quarto_pdf_without_the_standards_is_refused(spec, tmp_path, monkeypatch):
    """An engine that ignores pdf-standard (an older Quarto) cannot publish a PDF without the PDF/A + UA claim."""
    _quarto_stand_in(tmp_path, monkeypatch, honour_pdf_standard=False)
    root = tmp_path / "reports"
    res = render.render_report(spec, reports_root=root)
    assert res.status == "failed"
    assert "pdf does not meet the PDF/A-2a + PDF/UA-1" in res.error and "pdfaid:part" in res.error
    assert "\n" not in res.error and not (root / "voorbeeld").exists()


def test_render_all_isolates_failures_writes_manifest_and_skips_unchanged(nb, synth, tmp_path):
    bad_nb = tmp_path / "kapot.ipynb"
    example_notebook(bad_nb, raise_in_cell=True)
    params = {"processed_dir": str(synth.parent)}
    specs = {
        "voorbeeld": render.ReportSpec("voorbeeld", nb, "Voorbeeld", params, ("openbaar",), ("html",)),
        "kapot": render.ReportSpec("kapot", bad_nb, "Kapot", params, ("openbaar",), ("html",)),
    }
    root = tmp_path / "reports"
    results = {r.report: r for r in render.render_all(specs, reports_root=root)}
    assert results["voorbeeld"].status == "ok" and results["kapot"].status == "failed"
    manifest = json.loads((root / "manifest.json").read_text())
    entry = next(o for o in manifest["outputs"] if o["report"] == "voorbeeld")
    assert entry["inputs"]["synthetic/pilot_costs"] and len(entry["outputs"]) == 2
    assert all(len(h) == 64 for h in entry["outputs"].values())
    assert entry["parameters"]["audience"] == "openbaar" and entry["started"] and entry["finished"]
    assert "pandas" in manifest["packages"] and manifest["git_commit"] and manifest["git_dirty"] in (True, False)
    assert 'lang="nl"' in (root / "index.html").read_text()
    again = {r.report: r for r in render.render_all(specs, reports_root=root)}
    assert again["voorbeeld"].action == "skipped" and again["kapot"].action == "failed", again["voorbeeld"].reason
    specs["voorbeeld"] = render.ReportSpec("voorbeeld", nb, "Voorbeeld", {**params, "n": 1}, ("openbaar",), ("html",))
    third = {r.report: r for r in render.render_all(specs, reports_root=root, only=["voorbeeld"])}
    assert third["voorbeeld"].action == "rendered"  # parameters changed -> rendered again
    assert third["voorbeeld"].reason == "parameters changed"


def test_cli_render_all_exit_code(tmp_path, nb, synth, monkeypatch):
    from typer.testing import CliRunner

    from analysis.cli import app

    bad_nb = tmp_path / "kapot.ipynb"
    example_notebook(bad_nb, raise_in_cell=True)
    cfg = tmp_path / "reports.toml"
    cfg.write_text(
        f'[reports.kapot]\nnotebook = "{bad_nb}"\nformats = ["html"]\n'
        f'[reports.kapot.parameters]\nprocessed_dir = "{synth.parent}"\n'
    )
    monkeypatch.setenv("ANALYSIS_REPORTS", str(tmp_path / "reports"))
    res = CliRunner().invoke(app, ["render", "--all", "--config", str(cfg)])
    assert res.exit_code == 1 and "failed" in res.output


def test_reports_toml_variants_are_reports_of_their_own(tmp_path):
    cfg = tmp_path / "reports.toml"
    (tmp_path / "a.ipynb").write_text("{}")
    cfg.write_text(
        '[reports.a]\nnotebook = "a.ipynb"\naudiences = ["openbaar", "intern"]\n'
        "[reports.a.parameters]\nx = 1\ny = 2\n"
        '[[reports.a.variants]]\nname = "v2"\nparameters = { x = 3 }\n'
    )
    specs = render.load_specs(cfg)
    assert set(specs) == {"a", "a-v2"}
    assert specs["a-v2"].parameters == {"x": 3, "y": 2} and specs["a-v2"].audiences == ("openbaar", "intern")
    assert specs["a-v2"].notebook == tmp_path / "a.ipynb"


def test_real_tussenevaluatie_openbaar_renders_clean(synth, tmp_path):
    """The privacy-critical report end to end: renders, passes the leak scan, suppresses, and is accessible."""
    spec = render.load_specs()["tussenevaluatie"]
    spec = render.ReportSpec(
        spec.name,
        spec.notebook,
        spec.title,
        {**spec.parameters, "n_boot": 300, "processed_dir": str(synth.parent)},
        ("openbaar",),
    )
    res = render.render_report(spec, audience="openbaar", reports_root=tmp_path, formats=("html",))
    assert res.status == "ok", res.error
    html = (tmp_path / "tussenevaluatie" / "tussenevaluatie-openbaar.html").read_text(encoding="utf-8")
    assert "&lt;10" in html
    assert "Verandering per gezin" not in html and 'class="banner vertrouwelijk"' not in html
    assert render.leak_scan([html]) == []
    if a11y.available() or CI:
        assert a11y.axe_violations(tmp_path / "tussenevaluatie" / "tussenevaluatie-openbaar.html") == []


def test_leak_scan_covers_the_published_notebook(tmp_path):
    import nbformat as nbf

    nb = nbf.v4.new_notebook()
    nb.cells = [nbf.v4.new_code_cell("x")]
    nb.cells[0].outputs = [
        nbf.v4.new_output("stream", name="stdout", text="gezin 111222333\n"),
        nbf.v4.new_output("display_data", data={"image/png": "AAAA123456782AAAA"}),
    ]
    p = tmp_path / "n.ipynb"
    nbf.write(nb, str(p))
    text = render._notebook_text(p)
    assert "111222333" in text and "123456782" not in text
    assert render.leak_scan([text])


# ------------------------------------------------------------------------------------- the scheduler's life


def _soak_setup(tmp_path, synth):
    """Three small reports reading two tables from a private copy of the processed data."""
    import pandas as pd

    from make_example_notebook import example_notebook

    data = tmp_path / "processed"
    (data / "synthetic").mkdir(parents=True)
    for t in ("pilot_costs", "regional_monitor"):
        for ext in (".parquet", ".meta.json"):
            shutil.copy(synth / f"{t}{ext}", data / "synthetic" / f"{t}{ext}")
    nbs = tmp_path / "nb"
    nbs.mkdir()
    example_notebook(nbs / "kosten.ipynb", table="synthetic/pilot_costs")
    example_notebook(nbs / "monitor.ipynb", table="synthetic/regional_monitor")
    example_notebook(nbs / "begroting.ipynb", table="synthetic/pilot_costs")
    cfg = tmp_path / "reports.toml"
    entries = [("kosten", '["openbaar", "intern"]'), ("monitor", '["openbaar"]'), ("begroting", '["openbaar"]')]
    cfg.write_text(
        "".join(
            f'[reports.{n}]\nnotebook = "{nbs / (n + ".ipynb")}"\naudiences = {a}\nformats = ["html"]\n'
            f'[reports.{n}.parameters]\nprocessed_dir = "{data}"\n'
            for n, a in entries
        )
    )
    return cfg, data, nbs, pd


def _check_manifest_and_index(root):
    """After every step: a valid manifest that says per output which run made it and why, files that match their
    hashes, and an index that lists exactly the published files."""
    m = json.loads((root / "manifest.json").read_text())
    assert {o["audience"] for o in m["outputs"]} <= {"openbaar"}  # the public manifest names no intern output
    intern = render.intern_root(root) / "manifest.json"
    if intern.exists():
        m["outputs"] += json.loads(intern.read_text())["outputs"]
    index = (root / "index.html").read_text()
    for o in m["outputs"]:
        assert o["run_id"] and o["last_run"]["run_id"] and o["last_run"]["action"] in ("rendered", "skipped", "failed")
        assert o["last_run"]["reason"]
        for f, h in o["outputs"].items():
            assert render._sha(render.audience_root(root, o["audience"]) / f) == h
            if not f.endswith(".ipynb"):
                assert (f'href="{f}"' in index) == (o["audience"] == "openbaar")
        assert ("mislukt" in index) or o["last_run"]["action"] != "failed"
    h = json.loads((root / "history.json").read_text())["runs"]
    assert h[-1]["run_id"] == m["run_id"]
    return {(o["report"], o["audience"]): o for o in m["outputs"]}


@pytest.mark.slow
def test_soak_the_nightly_job(tmp_path, synth, monkeypatch, capfd):
    """The scheduler's whole life through the real CLI: forced run with 2 workers, three unchanged nights, one
    changed input table, a library change, a notebook that raises, and the night after the fix."""
    import time as _time

    from typer.testing import CliRunner

    from analysis.cli import app
    from make_example_notebook import example_notebook

    cfg, data, nbs, pd = _soak_setup(tmp_path, synth)
    root = tmp_path / "reports"
    monkeypatch.setenv("ANALYSIS_REPORTS", str(root))
    cli = CliRunner()

    def run(*extra):
        r = cli.invoke(app, ["render", "--all", "--config", str(cfg), "--workers", "2", *extra])
        assert r.exception is None or isinstance(r.exception, SystemExit), r.output
        return r.exit_code, _check_manifest_and_index(root)

    code, m = run("--force")
    assert code == 0 and {o["last_run"]["action"] for o in m.values()} == {"rendered"} and len(m) == 4
    assert {o["last_run"]["reason"] for o in m.values()} == {"forced (--force)"}
    first_run = {k: o["run_id"] for k, o in m.items()}

    for _ in range(3):  # unchanged nights: all skipped, exit 0, seconds
        t0 = _time.perf_counter()
        code, m = run()
        assert code == 0 and _time.perf_counter() - t0 < 10
        assert {o["last_run"]["action"] for o in m.values()} == {"skipped"}
        assert {k: o["run_id"] for k, o in m.items()} == first_run  # the files are still those of the first run

    costs = pd.read_parquet(data / "synthetic" / "pilot_costs.parquet")
    costs.loc[0, "begroot"] += 1
    costs.to_parquet(data / "synthetic" / "pilot_costs.parquet", index=False)
    code, m = run()
    assert code == 0
    redone = {k for k, o in m.items() if o["last_run"]["action"] == "rendered"}
    assert redone == {("kosten", "openbaar"), ("kosten", "intern"), ("begroting", "openbaar")}
    assert m[("kosten", "openbaar")]["last_run"]["reason"] == "inputs changed: synthetic/pilot_costs"
    assert m[("monitor", "openbaar")]["last_run"]["action"] == "skipped"

    monkeypatch.setattr(render, "code_hash", lambda: "a-new-version-of-the-library")
    code, m = run()
    assert code == 0 and {o["last_run"]["action"] for o in m.values()} == {"rendered"}
    assert {o["last_run"]["reason"] for o in m.values()} == {"library code changed"}

    good = {p.name: p.read_bytes() for p in (root / "monitor").iterdir()}
    example_notebook(nbs / "monitor.ipynb", table="synthetic/regional_monitor", raise_in_cell=True)
    code, m = run()
    assert code == 1
    assert m[("monitor", "openbaar")]["last_run"]["action"] == "failed"
    assert "kapot halverwege" in m[("monitor", "openbaar")]["last_run"]["error"]
    assert m[("monitor", "openbaar")]["status"] == "ok"  # the previous good files are still published
    assert {p.name: p.read_bytes() for p in (root / "monitor").iterdir()} == good
    assert all(o["last_run"]["action"] == "skipped" for k, o in m.items() if k[0] != "monitor")

    example_notebook(nbs / "monitor.ipynb", table="synthetic/regional_monitor")
    code, m = run()
    assert code == 0 and m[("monitor", "openbaar")]["last_run"]["action"] == "rendered"
    assert m[("monitor", "openbaar")]["last_run"]["reason"] == "previous render failed"
    assert not list(render.work_root(root).glob("*-*")), "no work folders left behind"

    assert "KeyboardInterrupt" not in capfd.readouterr().err  # no alarming kernel noise in the nightly log
    status = cli.invoke(app, ["status", "--history", "10"])
    assert status.exit_code == 0 and "previous render failed" in " ".join(status.output.split())
    assert len(json.loads((root / "history.json").read_text())["runs"]) == 8


@pytest.mark.slow
def test_stress_parallel_kernel_starts(tmp_path):
    """Forced parallel renders in a row: kernels on IPC sockets never collide (TCP ports could)."""
    from make_example_notebook import trivial_notebook

    nb = tmp_path / "t.ipynb"
    trivial_notebook(nb)
    specs = {f"r{i}": render.ReportSpec(f"r{i}", nb, "T", {"k": i}, ("openbaar",), ("html",)) for i in range(2)}
    failures = []
    for _ in range(20):
        res = render.render_all(specs, reports_root=tmp_path / "reports", force=True, workers=2)
        failures += [r.error for r in res if r.action != "rendered"]
    assert failures == []


def test_old_manifest_never_stops_the_run_but_a_damaged_one_is_named(tmp_path):
    root = tmp_path / "reports"
    root.mkdir()
    entry = {"report": "a", "audience": "openbaar", "status": "ok", "skipped_at": "x", "future_field": 1}
    assert render.RenderResult.from_dict({**entry, "parameters": {}, "started": "", "finished": "", "seconds": 0})
    (root / "manifest.json").write_text("{not json")  # damaged: an error naming it, never 'nothing recorded'
    with pytest.raises(render.DamagedStateError, match="manifest.json: manifest is damaged"):
        render.load_manifest(root)


def test_published_files_are_world_readable(rendered):
    folder, _ = rendered
    for p in list(folder.iterdir()) + [folder.parent / "manifest.json"]:
        if p.exists():
            assert p.stat().st_mode & 0o044 == 0o044, p


def test_second_render_of_the_same_report_waits_then_stops_clearly(spec, tmp_path, monkeypatch):
    root = tmp_path / "reports"
    root.mkdir()
    monkeypatch.setenv(render.LOCK_TIMEOUT_ENV, "1")
    with render._lock(root, "voorbeeld-openbaar"):  # another render holds the report's lock
        res = render.render_report(spec, reports_root=root, formats=("html",))
    assert res.status == "failed" and "another render of voorbeeld-openbaar is still running" in res.error
    assert not (root / "voorbeeld").exists()
    assert render.render_report(spec, reports_root=root, formats=("html",)).status == "ok"  # lock released


def test_killed_render_leaves_nothing_in_reports_and_is_cleaned_next_time(spec, tmp_path):
    root = tmp_path / "reports"
    stale = render.work_root(root) / "voorbeeld-intern-abc123"  # what a killed render leaves behind
    stale.mkdir(parents=True)
    (stale / "voorbeeld-intern.ipynb").write_text("per-gezin gegevens")
    res = render.render_report(spec, audience="intern", reports_root=root, formats=("html",))
    assert res.status == "ok" and not stale.exists()
    assert not [p for p in root.rglob("*") if p.name.startswith(".tmp") or "werk" in p.name]


def test_html_only_render_removes_the_older_pdf(spec, tmp_path):
    root = tmp_path / "reports"
    render.render_report(spec, reports_root=root, formats=("html", "pdf"))
    assert (root / "voorbeeld" / "voorbeeld-openbaar.pdf").exists()
    res = render.render_report(spec, reports_root=root, formats=("html",))
    assert res.status == "ok" and not (root / "voorbeeld" / "voorbeeld-openbaar.pdf").exists()
    assert set(res.outputs) == {"voorbeeld/voorbeeld-openbaar.ipynb", "voorbeeld/voorbeeld-openbaar.html"}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_every_report_renders_after_synth_with_other_seeds(seed, processed, tmp_path):
    """Issue 12: with seed 11 the leak scan took digits in a hash for a BSN and refused 3 of 5 reports."""
    from analysis.data.synthetic import write_synthetic

    data = tmp_path / "processed"
    shutil.copytree(processed, data, ignore=shutil.ignore_patterns("synthetic"))
    write_synthetic(data / "synthetic", seed=seed)
    small = {"n_boot": 200, "n_draws": 4000}
    for name, spec in render.load_specs().items():
        for aud in spec.audiences:
            params = {k: v for k, v in small.items() if k in spec.parameters} | {"processed_dir": str(data)}
            res = render.render_report(
                spec, audience=aud, params=params, formats=("html",), reports_root=tmp_path / "r"
            )
            assert res.status == "ok", f"{name} {aud} seed {seed}: {res.error}"


def test_a_parameter_that_became_invalid_fails_that_report_only(tmp_path, synth):
    """processed_dir declared as a folder that no longer exists: render --all marks that report failed and goes on."""
    from analysis.report.params import ParamSpec
    from make_example_notebook import example_notebook

    nb = tmp_path / "v.ipynb"
    example_notebook(nb)
    declared = {"processed_dir": ParamSpec("processed_dir", "folder", optional=True), "n": ParamSpec("n", "int")}
    good = render.ReportSpec("goed", nb, "G", {"processed_dir": str(synth.parent), "n": 2}, ("openbaar",), ("html",),
                             declared)  # fmt: skip
    gone = render.ReportSpec("weg", nb, "W", {"processed_dir": str(tmp_path / "weg"), "n": 2}, ("openbaar",),
                             ("html",), declared)  # fmt: skip
    res = {r.report: r for r in render.render_all({"goed": good, "weg": gone}, reports_root=tmp_path / "r")}
    assert res["goed"].action == "rendered" and res["weg"].action == "failed" and "no such folder" in res["weg"].error


def test_a_changed_citation_re_renders_the_report(tmp_path, synth):
    """The metadata beside a table (description, citation) is printed in the report: changing it is a change."""
    cfg, data, nbs, pd = _soak_setup(tmp_path, synth)
    specs = render.load_specs(cfg)
    root = tmp_path / "reports"
    render.render_all(specs, reports_root=root, only=["monitor"])
    meta = data / "synthetic" / "regional_monitor.meta.json"
    meta.write_text(meta.read_text().replace('"citation": "', '"citation": "nieuwe bron; '))
    again = {r.report: r for r in render.render_all(specs, reports_root=root, only=["monitor"])}
    assert again["monitor"].action == "rendered"
    assert again["monitor"].reason == "inputs changed: synthetic/regional_monitor"


# ------------------------------------------------------------------------------------ one report per gemeente


@pytest.fixture(scope="module")
def gemeenten_rendered(tmp_path_factory, synth):
    """Groningen's default hh-raad, then Utrecht and Ameland in one batch (warm kernel, one worker) with the
    overview: the layout checks below read these files."""
    from dataclasses import replace

    from report_cases import SMALL

    root = tmp_path_factory.mktemp("gemeenten") / "reports"
    spec = render.load_specs()["hh-raad"]
    spec = replace(spec, parameters={**spec.parameters, "n_boot": SMALL["n_boot"], "processed_dir": str(synth.parent)})
    own = render.render_report(spec, reports_root=root)
    assert own.status == "ok", own.error
    render.record_run(root, [own], run_id=own.run_id, started=own.started, kind="test")
    before = {p: p.read_bytes() for p in (root / "hh-raad").iterdir() if p.is_file()}
    specs = render.expand_gemeenten(spec, ("GM0014", "GM0344", "GM0060"))  # Groningen unchanged: skipped
    results = {r.report: r for r in render.render_all(specs, reports_root=root, workers=1, kind="test")}
    return root, before, results


@pytest.mark.slow
@pytest.mark.xdist_group("gemeenten")
def test_other_gemeenten_leave_groningens_report_byte_identical(gemeenten_rendered):
    root, before, results = gemeenten_rendered
    assert results["hh-raad"].action == "skipped"  # unchanged: the batch did not touch the default
    for name in ("hh-raad-GM0344-utrecht", "hh-raad-GM0060-ameland"):
        assert results[name].status == "ok", results[name].error
    assert {p: p.read_bytes() for p in before} == before
    assert (root / "hh-raad" / "GM0344-utrecht" / "hh-raad-GM0344-utrecht-openbaar.pdf").exists()
    assert set(results["hh-raad-GM0060-ameland"].outputs) == {
        f"hh-raad/GM0060-ameland/hh-raad-GM0060-ameland-openbaar.{ext}" for ext in ("ipynb", "html", "pdf")
    }


@pytest.mark.slow
@pytest.mark.xdist_group("gemeenten")
def test_each_report_names_only_its_own_gemeente_in_title_and_subtitle(gemeenten_rendered):
    import re

    root, _, _ = gemeenten_rendered
    cases = {
        "Groningen": root / "hh-raad" / "hh-raad-openbaar.html",
        "Utrecht": root / "hh-raad" / "GM0344-utrecht" / "hh-raad-GM0344-utrecht-openbaar.html",
        "Ameland": root / "hh-raad" / "GM0060-ameland" / "hh-raad-GM0060-ameland-openbaar.html",
    }
    for naam, path in cases.items():
        html = path.read_text(encoding="utf-8")
        head = html.split('<nav id="TOC"')[0]
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert naam in title and f'<p class="gemeente">Gemeente {naam}</p>' in head
        others = [o for o in cases if o != naam]
        assert not any(o in title for o in others), title
        subtitle = re.findall(r'<p class="subtitle">(.*?)</p>', head, re.S)
        assert subtitle == (["Bijlage bij raadsbrief gemeente Groningen"] if naam == "Groningen" else []), subtitle
        pdf = path.with_suffix(".pdf")
        if shutil.which("pdftotext"):
            first = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
            assert f"Gemeente {naam}" in first and ("Bijlage bij raadsbrief" in first) == (naam == "Groningen")


@pytest.mark.slow
@pytest.mark.xdist_group("gemeenten")
def test_index_status_and_overview_list_each_gemeente(gemeenten_rendered, monkeypatch):
    import csv
    import re

    from typer.testing import CliRunner

    from analysis.cli import app

    root, _, _ = gemeenten_rendered
    index = (root / "index.html").read_text(encoding="utf-8")
    for naam, code in (("Groningen", "GM0014"), ("Utrecht", "GM0344"), ("Ameland", "GM0060")):
        assert f"gemeente {naam} ({code})" in index
    assert 'href="hh-raad/index.html"' in index
    _check_manifest_and_index(root)
    monkeypatch.setenv("ANALYSIS_REPORTS", str(root))
    status = CliRunner().invoke(app, ["status"]).output
    lines = [" ".join(ln.split()) for ln in status.splitlines()]
    assert any(ln.startswith("hh-raad-GM0344-utrecht, gemeente Utrecht GM0344 (openbaar): published") for ln in lines)
    assert any(ln.startswith("hh-raad, gemeente Groningen GM0014 (openbaar): published") for ln in lines)

    folder = root / "hh-raad"
    overview = (folder / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<th scope="row"><a href="([^"]+)">([^<]+)</a>', overview)
    assert sorted(n for _, n in links) == ["Ameland", "Groningen", "Utrecht"]
    for href, _ in links:
        assert (folder / href).is_file(), href  # every link works
    from analysis.report.accessibility import html_problems

    for page in ("index.html", "index-gebruik.html", "index-positie.html", "index-grootte.html"):
        assert html_problems((folder / page).read_text(encoding="utf-8")) == [], page
    assert "<script" not in overview  # sorting is by pre-sorted pages: a CSP without scripts keeps it working
    if a11y.available() or CI:
        assert a11y.axe_violations(folder / "index.html") == []
    with open(folder / "hh-raad-gemeenten.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    codes = [r["gemeente_code"] for r in rows]
    processed = json.loads((root / "manifest.json").read_text())["outputs"][0]["parameters"]["processed_dir"]
    panel = pd.read_parquet(Path(processed) / f"{render.GEMEENTE_PANEL}.parquet", columns=["gemeente_code"])
    # one row per gemeente of the panel, also those without a published figure ('geen cijfer'); a report is offered
    # only for a gemeente with a figure
    assert codes == sorted(set(panel.gemeente_code)) and len(set(codes)) == len(codes)
    assert set(render.gemeente_names(processed)) < set(codes)
    by_code = {r["gemeente_code"]: r for r in rows}
    assert by_code["GM0344"]["rapport"] == "GM0344-utrecht/hh-raad-GM0344-utrecht-openbaar.html"
    assert by_code["GM0014"]["registratiebreuk"] == "2019"  # the break the report describes is flagged
    assert {r["positie_95"] for r in rows} <= {"boven", "onder", "binnen", "geen cijfer"}


def test_gemeente_names_become_safe_folder_names(tmp_path):
    assert render.slug("'s-Gravenhage") == "s-gravenhage"
    assert render.slug("Súdwest-Fryslân") == "sudwest-fryslan"
    assert render.slug("Bergen (NH.)") == "bergen-nh"
    assert render.slug("../../etc/passwd") == "etc-passwd"
    assert render.slug("<script>") == "script"
    with pytest.raises(render.RenderError, match="outside"):
        render.confined(tmp_path, "../elders")
    assert render.confined(tmp_path, "hh-raad/GM0344-utrecht") == tmp_path / "hh-raad" / "GM0344-utrecht"


def test_for_gemeente_keeps_the_default_address_and_moves_others(synth):
    from analysis.report.params import ParamError

    spec = render.load_specs()["hh-raad"]
    names = render.gemeente_names(synth.parent)
    own = render.for_gemeente(spec, {"gemeente": "GM0014"}, names)
    assert (own.name, own.folder or own.name, own.gemeente_naam) == ("hh-raad", "hh-raad", "Groningen")
    other = render.for_gemeente(spec, {"gemeente": "GM0518"}, names)
    assert other.name == "hh-raad-GM0518-s-gravenhage" and other.folder == "hh-raad/GM0518-s-gravenhage"
    assert other.parameters["gemeente"] == "GM0518" and other.gemeente_naam == "'s-Gravenhage"
    with pytest.raises(ParamError, match="gemeente 'GM9999' is not in the CBS panel"):
        render.for_gemeente(spec, {"gemeente": "GM9999"}, names)
    with pytest.raises(ParamError, match="GM9998"):
        render.expand_gemeenten(spec, ("GM0344", "GM9998"), names)
    assert len(render.expand_gemeenten(spec, "all", names)) == len(names)
    tussen = render.load_specs()["tussenevaluatie"]
    assert render.for_gemeente(tussen, {}, names) is tussen  # no gemeente parameter: untouched


def test_subtitle_and_header_name_only_the_reports_gemeente():
    import datetime as dt

    from analysis.report import convert

    kw = dict(version="1", when=dt.date(2026, 11, 30), audience="openbaar")
    utrecht = convert.front_matter(
        "HH in Utrecht", {"synthetic": True}, gemeente="GM0344", gemeente_naam="Utrecht", **kw
    )
    assert "subtitle" not in utrecht and utrecht["gemeente"] == "Utrecht"
    assert '"Gemeente Utrecht"' in utrecht["typst-header"] and "synthetische gegevens" in utrecht["typst-header"]
    groningen = convert.front_matter("HH in Groningen", {}, gemeente="GM0014", gemeente_naam="Groningen", **kw)
    assert groningen["subtitle"] == "Bijlage bij raadsbrief gemeente Groningen"
    plain = convert.front_matter("Tussenevaluatie", {}, **kw)  # a Groningen report without a gemeente parameter
    assert plain["subtitle"] == "Bijlage bij raadsbrief gemeente Groningen" and "gemeente" not in plain
    odd = convert.front_matter("t", {}, gemeente="GM0001", gemeente_naam='Een "rare" \\ naam', **kw)
    assert '"Gemeente Een \\"rare\\" \\\\ naam"' in odd["typst-header"]  # a typst string, not markup


def test_reports_toml_gemeenten_setting(tmp_path, synth):
    cfg = tmp_path / "reports.toml"
    (tmp_path / "a.ipynb").write_text("{}")
    cfg.write_text(
        '[reports.a]\nnotebook = "a.ipynb"\ngemeenten = "all"\n[reports.a.parameters]\ngemeente = "GM0014"\n'
        '[reports.b]\nnotebook = "a.ipynb"\ngemeenten = ["GM0344", "Utrecht"]\n'
        '[reports.b.parameters]\ngemeente = "GM0014"\n'
        '[reports.c]\nnotebook = "a.ipynb"\ngemeenten = "all"\n'
    )
    specs = render.load_specs(cfg)
    assert specs["a"].gemeenten == "all" and not specs["a"].error
    params = {"gemeente": "GM0014", "processed_dir": str(synth.parent)}
    b = render.ReportSpec("b", tmp_path / "a.ipynb", "B", params, gemeenten=("GM0344",))
    assert list(render.expand_all({"b": b})) == ["b", "b-GM0344-utrecht"]  # the default stays in the nightly run
    assert "not Utrecht" in specs["b"].error
    assert "has no gemeente parameter" in specs["c"].error


def test_warm_kernel_starts_each_notebook_with_an_empty_namespace(tmp_path):
    """Batch workers reuse one kernel: a variable of the previous report must not be visible to the next."""
    import nbformat as nbf

    def nb(path, code):
        n = nbf.v4.new_notebook()
        p = nbf.v4.new_code_cell("audience = 'openbaar'")
        p.metadata["tags"] = ["parameters"]
        text = nbf.v4.new_code_cell(code + "\nfrom analysis.report.notebook import md\nmd('Rapport.')")
        n.cells = [nbf.v4.new_markdown_cell("# Samenvatting"), p, text]
        n.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbf.write(n, str(path))

    nb(tmp_path / "a.ipynb", "geheim = 'van rapport a'")
    nb(tmp_path / "b.ipynb", "assert 'geheim' not in globals(), 'namespace of the previous report leaked'")
    nb(tmp_path / "dies.ipynb", "import os\nos._exit(1)")  # the kernel dies: the next report gets a fresh one
    specs = {
        n: render.ReportSpec(n, tmp_path / f"{n}.ipynb", n, {}, ("openbaar",), ("html",)) for n in ("a", "b", "dies")
    }
    specs["c"] = render.ReportSpec("c", tmp_path / "a.ipynb", "C", {}, ("openbaar",), ("html",))
    res = {r.report: r for r in render.render_all(specs, reports_root=tmp_path / "r", workers=1)}
    assert res["a"].status == "ok" and res["b"].status == "ok", res["b"].error
    assert res["b"].steps["execute"] > 0 and {"html", "checks"} <= set(res["b"].steps)
    assert res["dies"].status == "failed" and "dies.ipynb: kernel failed" in res["dies"].error
    assert res["c"].status == "ok", res["c"].error
    executed = nbformat.read(tmp_path / "r" / "b" / "b-openbaar.ipynb", as_version=4)
    assert [c.execution_count for c in executed.cells if c.cell_type == "code"] == [1, 2, 3]


def test_intern_report_is_no_appendix_to_a_council_letter():
    import datetime as dt

    from analysis.report import convert

    fm = lambda aud: convert.front_matter("T", {}, version="x", when=dt.date(2026, 11, 30), audience=aud)  # noqa: E731
    assert fm("openbaar")["subtitle"] == "Bijlage bij raadsbrief gemeente Groningen"
    intern = fm("intern")
    assert "raadsbrief" not in intern["subtitle"] and "niet openbaar" in intern["subtitle"]
    assert "VERTROUWELIJK" in intern["typst-header"]
