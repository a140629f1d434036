"""The publishing path as a security boundary (issue 23; threat model in docs/howto/threat-model.md): one test per
class of attack or fault, through the real CLI where a command is involved. Each case ends in a correct result or
one clear line naming the file, entry or parameter, with nothing published that should not be and nothing lost."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from analysis.cli import app
from analysis.report import convert, render

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
ANALYSIS = Path(sys.executable).with_name("analysis")


def tree(d: Path) -> dict:
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()
    }


def one_line(res) -> str:
    return " ".join(res.output.split())


# ---------------------------------------------------------------------------------- 1. escaping by construction

PAYLOADS = [
    "Groningen<script>alert(1)</script>",
    '<img src="http://example.org/x.png">',
    "`x`{=html}",
    "```{=html}",
    '[klik]{onclick="alert(1)"}',
    "![beeld](http://example.org/p.png)",
    "[link](javascript:alert(1))",
    '#read("/etc/passwd")',
    '"] #panic("x") ["',
    "// commentaar /* open",
    "= Kop",
    "- lijst",
    "$x^2$ @ref <label>",
    "**vet** _schuin_ ~sub~ ^sup^",
    "::: {.banner}",
    "&lt;b&gt; &amp; \\ \\<",
    "1. begin",
    "| a | b |",
]
ASCII = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=30)
HOSTILE = st.one_of(
    st.sampled_from(PAYLOADS), ASCII, st.lists(st.sampled_from(PAYLOADS), min_size=2, max_size=3).map(" ".join)
)


class _Page(HTMLParser):
    """Everything in a page that could run or fetch, and its visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.active: list[str] = []
        self.text: list[str] = []
        self.alts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.alts += [" ".join((v or "").split()) for k, v in attrs if k == "alt"]
        if tag in ("script", "iframe", "object", "embed", "base", "form"):
            self.active.append(tag)
        for k, v in attrs:
            v = (v or "").strip().lower()
            if k.startswith("on") or (
                k in ("src", "href", "srcset", "poster") and v.startswith(("javascript:", "http", "//"))
            ):
                if not (k == "href" and v.startswith("http")):  # a link a reader may follow fetches nothing
                    self.active.append(f"{tag} {k}={v[:40]}")
        if tag in ("style", "head", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "head", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _tiny_png() -> str:
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(0.3, 0.3))
    ax.axis("off")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=20)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _report_with(payload: str, folder: Path) -> tuple[str, Path]:
    """A report whose every text path carries ``payload``: composed Markdown, escaped values, a table (cells, column,
    caption, note), a fact, a figure (alt, caption), the sources section, the title and the peildatum."""
    import nbformat as nbf
    import pandas as pd

    from analysis.report.notebook import FIG_MIME, META_MIME, ReportContext, fact, md, table, text

    ctx = ReportContext("r", title=payload, peildatum=payload)
    ctx.inputs["x"] = {"path": "x.parquet", "sha256": "0" * 64, "synthetic": True, "description": payload,
                       "citation": payload}  # fmt: skip
    bundles = [
        md(f"Gemeente {payload} heeft {fact('k', payload)} cliënten."),
        md(f"Gemeente {text(payload)}."),
        table(
            pd.DataFrame({payload: [payload, "1.234"], "Aantal": ["5", "6"]}), f"Tabel {payload}", source_note=payload
        ),
        ctx.sources_section(),
    ]
    nb = nbf.v4.new_notebook()
    outs = [nbf.v4.new_output("display_data", data=b.data, metadata=b.metadata) for b in bundles]
    outs.append(
        nbf.v4.new_output(
            "display_data", data={"image/png": _tiny_png(), FIG_MIME: {"alt": f"Figuur {payload}", "caption": payload}}
        )
    )
    outs.append(nbf.v4.new_output("display_data", data={META_MIME: ctx.metadata().data[META_MIME]}))
    cell = nbf.v4.new_code_cell("")
    cell.outputs = outs
    nb.cells = [nbf.v4.new_markdown_cell("# Samenvatting"), cell]
    path = folder / "r.ipynb"
    nbf.write(nb, str(path))
    conv = convert.notebook_to_markdown(path, folder / "media")
    fm = convert.front_matter(
        conv.meta["title"], conv.meta, version="0", when=dt.date(2026, 11, 30), audience="openbaar"
    )
    mdp = convert.write_markdown(conv, fm, "openbaar", folder / "r.md")
    out = folder / "r.html"
    convert.to_html(mdp, out)
    return out.read_text(encoding="utf-8"), mdp


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=HOSTILE)
def test_text_from_data_reaches_html_only_as_text(payload, tmp_path_factory):
    """Markup, script, typst and pandoc syntax through every path into a rendered HTML report: nothing runs or
    loads anywhere (also where a notebook composed Markdown around the value), and where the value is escaped
    (``text``, captions, alt text, the title) the characters are shown exactly as they are."""
    page_html, _ = _report_with(payload, tmp_path_factory.mktemp("esc"))
    page = _Page()
    page.feed(page_html)
    assert page.active == [], page.active
    assert not convert.html_security_problems(page_html)
    shown = " ".join("".join(page.text).split())
    want = " ".join(payload.split())
    assert f"Gemeente {want}." in shown  # the escaped value, exactly
    assert f"Tabel {want}" in shown and "cliënten" in shown
    assert f"Figuur {want}" in page.alts
    title = re.search(r'<h1 class="title">(.*?)</h1>', page_html, re.S).group(1)
    assert " ".join(html.unescape(re.sub(r"<[^>]+>", "", title)).split()) == want


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed (make tools)")
@pytest.mark.parametrize("payload", PAYLOADS[:8])
def test_text_from_data_reaches_the_pdf_only_as_text(payload, tmp_path):
    """The same texts through typst: the PDF compiles (nothing injected breaks or runs) and shows the characters."""
    _, mdp = _report_with(payload, tmp_path)
    out = tmp_path / "r.pdf"
    convert.to_pdf(mdp, out)
    shown = re.sub(r"\s", "", subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout)
    assert re.sub(r"\s", "", f"Gemeente{payload}.") in shown
    assert "root:" not in shown  # '#read("/etc/passwd")' was printed, not run


def test_html_carries_a_policy_forbidding_scripts_and_requests():
    template = (ROOT / "src/analysis/report/templates/report.html5").read_text()
    assert convert.CSP in template and "default-src 'none'" in convert.CSP and "script-src" not in convert.CSP
    assert convert.html_security_problems("<html><head></head></html>")  # no policy: refused
    assert convert.html_security_problems(
        f'<meta http-equiv="Content-Security-Policy" content="{convert.CSP}"><script>'
    )


def test_cell_html_with_script_stops_the_conversion(tmp_path):
    import nbformat as nbf

    nb = nbf.v4.new_notebook()
    cell = nbf.v4.new_code_cell("")
    cell.execution_count = 3
    cell.outputs = [nbf.v4.new_output("display_data", data={"text/html": "<p>x</p><script>alert(1)</script>"})]
    nb.cells = [cell]
    nbf.write(nb, str(tmp_path / "n.ipynb"))
    with pytest.raises(convert.ConversionError, match="code cell 3 displays HTML with '<script'"):
        convert.notebook_to_markdown(tmp_path / "n.ipynb", tmp_path / "m")


# ----------------------------------------------- 1, 3, 7 through the CLI: one batch with hostile data and a bad entry


@pytest.fixture
def cli_env(tmp_path, synth, monkeypatch):
    reports = tmp_path / "site" / "reports"
    monkeypatch.setenv("ANALYSIS_REPORTS", str(reports))
    return reports


def test_batch_publishes_openbaar_escaped_keeps_intern_private_and_isolates_a_bad_entry(cli_env, tmp_path, synth):
    """One real `render --all` under umask 000: a report with hostile text in its data (the table description a
    report cites) for openbaar and intern, and an entry with an invalid regex in `declare`."""
    from make_example_notebook import example_notebook

    reports = cli_env
    data = tmp_path / "data"
    (data / "synthetic").mkdir(parents=True)
    for ext in (".parquet", ".meta.json"):
        shutil.copy(synth / f"pilot_costs{ext}", data / "synthetic" / f"pilot_costs{ext}")
    meta = json.loads((data / "synthetic" / "pilot_costs.meta.json").read_text())
    meta["description"] = 'Kosten <script>alert(1)</script><img src=http://example.org/x.png> #read("/etc/passwd")'
    (data / "synthetic" / "pilot_costs.meta.json").write_text(json.dumps(meta))
    nb = tmp_path / "cfg" / "goed.ipynb"
    nb.parent.mkdir()
    example_notebook(
        nb, extra_cells=('md(f\'Gemeente {ctx.inputs["synthetic/pilot_costs"]["description"]} en <b>vet</b>\')',)
    )
    cfg = tmp_path / "cfg" / "reports.toml"
    cfg.write_text(
        '[reports.goed]\nnotebook = "goed.ipynb"\naudiences = ["openbaar", "intern"]\nformats = ["html"]\n'
        f'[reports.goed.parameters]\nprocessed_dir = "{data}"\n'
        '[reports.regex]\nnotebook = "goed.ipynb"\n[reports.regex.declare]\nx = { type = "str", pattern = "([" }\n'
    )
    old = os.umask(0)
    try:
        res = runner.invoke(app, ["render", "--all", "--config", str(cfg), "--workers", "2"])
    finally:
        os.umask(old)
    assert res.exit_code == 1, res.output  # the bad entry failed; the good report rendered
    out = one_line(res)
    assert "goed-openbaar: rendered" in out and "goed-intern: rendered" in out, out[:3000]
    assert "invalid pattern '(['" in out
    # escaping: the hostile description is shown, nothing runs or loads
    page = (reports / "goed" / "goed-openbaar.html").read_text()
    parsed = _Page()
    parsed.feed(page)
    assert parsed.active == [] and not convert.html_security_problems(page)
    assert "Kosten <script>alert(1)</script>" in " ".join("".join(parsed.text).split())
    # the public tree: openbaar only, explicit modes whatever the umask, no server paths in the notebook
    intern = render.intern_root(reports)
    assert sorted(p.name for p in (reports / "goed").iterdir()) == ["goed-openbaar.html", "goed-openbaar.ipynb"]
    for p in [reports, reports / "goed"]:
        assert p.stat().st_mode & 0o777 == 0o755, p
    for p in [
        *(reports / "goed").iterdir(),
        reports / "manifest.json",
        reports / "history.json",
        reports / "index.html",
    ]:
        assert p.stat().st_mode & 0o777 == 0o644, p
    public_nb = (reports / "goed" / "goed-openbaar.ipynb").read_text()
    for local in (str(tmp_path), str(ROOT), "/tmp/", "/work/", "/root/", "/home/"):
        assert local not in public_nb, local
    index = (reports / "index.html").read_text()
    manifest = json.loads((reports / "manifest.json").read_text())
    assert "intern" not in index and {o["audience"] for o in manifest["outputs"]} == {"openbaar"}
    # the confidential tree: 0700 folders, 0600 files, its own manifest
    assert intern.stat().st_mode & 0o777 == 0o700 and (intern / "goed").stat().st_mode & 0o777 == 0o700
    files = list((intern / "goed").iterdir())
    assert sorted(p.name for p in files) == ["goed-intern.html", "goed-intern.ipynb"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in [*files, intern / "manifest.json", intern / "history.json"])
    assert [o["audience"] for o in json.loads((intern / "manifest.json").read_text())["outputs"]] == ["intern"]
    assert not intern.is_relative_to(reports)


# ------------------------------------------------------------------- 5. signals: a batch stops at a safe point


def _processes_with(mark: str) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if mark.encode() in (d / "environ").read_bytes():
                    found.append(int(d.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir() or not ANALYSIS.exists(), reason="needs /proc and the console script")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_render_all_at_a_safe_point(sig, tmp_path, synth):
    from make_example_notebook import trivial_notebook

    nbs = tmp_path / "cfg"
    nbs.mkdir()
    trivial_notebook(nbs / "t.ipynb")
    cfg = nbs / "reports.toml"
    cfg.write_text(
        "".join(
            f'[reports.r{i}]\nnotebook = "t.ipynb"\nformats = ["html"]\n[reports.r{i}.parameters]\nk = {i}\n'
            for i in range(3)
        )
    )
    reports = tmp_path / "reports"
    mark = f"ANALYSIS_TEST_MARK={uuid.uuid4().hex}"
    env = {**os.environ, "ANALYSIS_REPORTS": str(reports), mark.split("=")[0]: mark.split("=")[1],
           "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}  # fmt: skip
    cmd = [str(ANALYSIS), "render", "--all", "--config", str(cfg), "--workers", "1"]
    pipe = subprocess.PIPE
    proc = subprocess.Popen(cmd, env=env, stdout=pipe, stderr=pipe, text=True, start_new_session=True)
    work = render.work_root(reports)
    deadline = time.time() + 60
    while time.time() < deadline and not list(work.glob("r*-openbaar-*")):
        time.sleep(0.05)
    assert list(work.glob("r*-openbaar-*")), "the first render never started"
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    msg = " ".join(err.split())
    assert proc.returncode == 128 + sig, msg
    assert f"stopped by {signal.Signals(sig).name}" in msg and "not started" in msg and "Traceback" not in msg
    manifest = json.loads((reports / "manifest.json").read_text())
    recorded = {f: h for o in manifest["outputs"] for f, h in o["outputs"].items()}
    on_disk = {str(p.relative_to(reports)): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in reports.rglob("*.*") if p.parent != reports}  # fmt: skip
    assert recorded == on_disk and 1 <= len({o["report"] for o in manifest["outputs"]}) < 3
    history = json.loads((reports / "history.json").read_text())["runs"]
    assert len(history) == 1 and "stopped by" in history[0]["kind"]
    time.sleep(0.5)
    assert _processes_with(mark) == [], "a worker or kernel was left running"


# -------------------------------------------------------------------------------- 5. damaged state is an error


@pytest.mark.parametrize("name", ["manifest.json", "history.json"])
@pytest.mark.parametrize("how", ["truncated", "empty"])
def test_damaged_manifest_or_history_stops_before_anything_renders(name, how, tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    reports.mkdir()
    good = {"manifest.json": {"outputs": [{"report": "a", "audience": "openbaar", "outputs": {}}]},
            "history.json": {"runs": [{"run_id": "r1"}, {"run_id": "r2"}]}}[name]  # fmt: skip
    text = json.dumps(good, indent=2)
    (reports / name).write_text(text[: len(text) // 2] if how == "truncated" else "")
    before = tree(reports)
    (tmp_path / "t.ipynb").write_text("{}")
    cfg = tmp_path / "reports.toml"
    cfg.write_text('[reports.a]\nnotebook = "t.ipynb"\n')
    monkeypatch.setenv("ANALYSIS_REPORTS", str(reports))
    for args in (["render", "--all", "--config", str(cfg)], ["render", "a", "--config", str(cfg)], ["status"]):
        res = runner.invoke(app, args)
        msg = one_line(res)
        assert res.exit_code == 1 and f"{name}: {name.split('.')[0]} is damaged" in msg, (args, msg)
        assert ("empty (truncated?)" if how == "empty" else "not valid JSON") in msg and "kept as it is" in msg
        assert tree(reports) == before  # kept, not replaced; nothing rendered


# --------------------------------------------------------------------------- 6, 7. names, paths and entries


CONFIG_CASES = {
    "report_climbs_out": ('[reports."../evil"]\nnotebook = "nb.ipynb"\n', ["params", "../evil"], 1,
                          "report name '../evil' is not allowed"),
    "report_with_slash": ('[reports."a/b"]\nnotebook = "nb.ipynb"\n', ["params", "a/b"], 1, "is not allowed"),
    "notebook_etc_passwd": ('[reports.a]\nnotebook = "../../../../../etc/passwd"\n', ["params", "a"], 1,
                            "notebook '../../../../../etc/passwd' is not allowed; expected a path to a .ipynb"),
    "notebook_outside": ('[reports.a]\nnotebook = "../buiten.ipynb"\n', ["params", "a"], 1, "is outside"),
    "notebook_absolute_outside": ('[reports.a]\nnotebook = "/etc/x.ipynb"\n', ["params", "a"], 1, "is outside"),
    "variant_climbs_out": ('[reports.a]\nnotebook = "nb.ipynb"\n[[reports.a.variants]]\nname = "../x"\n',
                           ["params", "a"], 1, "variant name '../x' is not allowed"),
    "report_with_a_variants_name": (
        '[reports.a]\nnotebook = "nb.ipynb"\n[[reports.a.variants]]\nname = "v2"\n'
        '[reports.a-v2]\nnotebook = "nb.ipynb"\n',
        ["params", "a"], 1, "duplicate report name 'a-v2'"),
    "invalid_regex": ('[reports.a]\nnotebook = "nb.ipynb"\n[reports.a.declare]\nx = { type = "str", pattern = "([" }\n',
                      ["params", "a"], 1, "'x' has an invalid pattern '(['"),
    "empty_reports_toml": ("", ["render", "--all"], 1, "no reports listed"),
    "empty_reports_table": ("[reports]\n", ["render", "--all"], 1, "no reports listed"),
    "no_audiences": ('[reports.a]\nnotebook = "nb.ipynb"\naudiences = []\n', ["render", "a"], 2, "audiences is empty"),
    "markup_survives": ('[reports.a]\nnotebook = "nb.ipynb"\n', ["render", "[bold]x[/bold]:x:"], 2,
                        "unknown report '[bold]x[/bold]:x:'"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_names_and_paths_are_confined_and_bad_entries_named(case, tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    monkeypatch.setenv("ANALYSIS_REPORTS", str(reports))
    text, cmd, code, expected = CONFIG_CASES[case]
    cfg = tmp_path / "cfg" / "reports.toml"
    cfg.parent.mkdir()
    (cfg.parent / "nb.ipynb").write_text("{}")
    (tmp_path / "buiten.ipynb").write_text("{}")
    cfg.write_text(text)
    res = runner.invoke(app, [*cmd, "--config", str(cfg)])
    msg = one_line(res)
    assert res.exit_code == code and expected in msg, msg
    assert "Traceback" not in res.output and "❌" not in res.output
    assert not reports.exists() and not (tmp_path / "evil").exists()


def test_a_report_with_a_variants_name_never_replaces_it(tmp_path):
    cfg = tmp_path / "reports.toml"
    (tmp_path / "nb.ipynb").write_text("{}")
    cfg.write_text('[reports.a-v2]\nnotebook = "nb.ipynb"\n[reports.a]\nnotebook = "nb.ipynb"\n'
                   '[[reports.a.variants]]\nname = "v2"\n[reports.a.variants.parameters]\nx = 1\n')  # fmt: skip
    specs = render.load_specs(cfg)
    assert specs["a-v2"].parameters == {} and "duplicate report name 'a-v2'" in specs["a"].error


# --------------------------------------------------------------- 6. raw data: keys confined, special files refused


def _build(raw: Path, out: Path):
    return runner.invoke(app, ["data", "build", "--raw", str(raw), "--out", str(out)])


@pytest.mark.parametrize("key", ["../buiten.csv", "/etc/passwd", "reference/../../x.csv"])
def test_sources_toml_keys_stay_inside_data_raw(key, raw_copy, tmp_path):
    src = raw_copy / "sources.toml"
    src.write_text(src.read_text() + f'\n[files."{key}"]\nsha256 = "0"\n')
    res = _build(raw_copy, tmp_path / "p")
    msg = one_line(res)
    assert res.exit_code == 1 and f'[files."{key}"]' in msg and f"file key {key!r} is not allowed" in msg, msg
    assert not (tmp_path / "p").exists()


def test_a_named_pipe_in_data_raw_is_refused_without_hanging(raw_copy, tmp_path):
    """A FIFO listed in sources.toml would block any reader forever: refused before it is opened."""
    rel = "reference/nl_wmo_clients.csv"
    (raw_copy / rel).unlink()
    os.mkfifo(raw_copy / rel)
    t0 = time.perf_counter()
    res = _build(raw_copy, tmp_path / "p")
    assert time.perf_counter() - t0 < 30
    assert res.exit_code == 1 and "is a named pipe (FIFO), not a regular file" in one_line(res), one_line(res)


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_data_check_refuses_devices_and_pipes(target, tmp_path):
    if target == "fifo":
        target = str(tmp_path / "export.csv")
        os.mkfifo(target)
    res = runner.invoke(app, ["data", "check", target, "--table", "hh_clients"])
    msg = one_line(res)
    assert res.exit_code == 1 and target in msg and "not a regular file; refused without reading" in msg, msg


def test_oversized_input_is_refused_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "groot.csv"
    big.write_bytes(b"a;b\n" + b"1;2\n" * 600_000)  # 2.4 MB
    monkeypatch.setenv("ANALYSIS_MAX_INPUT_MB", "1")
    res = runner.invoke(app, ["data", "check", str(big), "--table", "hh_clients"])
    assert res.exit_code == 1 and "too large (2 MB; the limit is 1 MB, ANALYSIS_MAX_INPUT_MB)" in one_line(res)


# ------------------------------------------------------------------------------ 8. messages are plain text


def test_messages_keep_toml_keys_and_emoji_codes(raw_copy, tmp_path):
    src = raw_copy / "sources.toml"
    text = src.read_text()
    src.write_text(text + '\n[files."reference/x.csv"]\ntitle = "zonder hash"\n')
    res = _build(raw_copy, tmp_path / "p")
    assert res.exit_code == 1 and 'entry [files."reference/x.csv"] has no sha256' in one_line(res), one_line(res)
    src.write_text(text + '\n[files."reference/x:x:.csv"]\nsha256 = "0"\n')
    res = _build(raw_copy, tmp_path / "p")
    assert res.exit_code == 1 and '[files."reference/x:x:.csv"]' in one_line(res) and "❌" not in res.output


def test_openbaar_notebook_loses_server_paths_but_keeps_images(tmp_path, monkeypatch):
    pm = {"input_path": "/srv/app/notebooks/a.ipynb", "output_path": "/tmp/w/a.ipynb", "cwd": "/srv/app"}
    text = "gelezen /srv/app/data/processed/x.parquet en /home/jan/y.csv"
    nb = {
        "metadata": {"papermill": pm},
        "cells": [{"outputs": [{"data": {"image/png": "/9j/4AAQ/abc/", "text/plain": text}}]}],
    }
    p = tmp_path / "a.ipynb"
    p.write_text(json.dumps(nb))
    monkeypatch.setenv("ANALYSIS_ROOT", "/srv/app")
    render.strip_local_paths(p, [Path("/tmp/w")])
    out = json.loads(p.read_text())
    assert out["metadata"]["papermill"] == {"input_path": "a.ipynb", "output_path": "a.ipynb", "cwd": "."}
    data = out["cells"][0]["outputs"][0]["data"]
    assert data["text/plain"] == "gelezen data/processed/x.parquet en y.csv" and data["image/png"] == "/9j/4AAQ/abc/"


def test_the_policy_stops_script_and_requests_in_a_browser(tmp_path):
    """Belt and braces: even if a script or an external image got into a page, the policy keeps a browser from
    running or fetching it."""
    import a11y

    if not a11y.available():
        pytest.skip("chromium/axe-core not installed (make tools)")
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "p.html"
    page_file.write_text(
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="{convert.CSP}">'
        "<title>t</title></head><body><img src='http://127.0.0.1:9/x.png' alt=''>"
        "<script>document.title = 'ran'</script><p onclick=\"x\">p</p></body></html>"
    )
    with sync_playwright() as p:
        browser = a11y._browser(p)
        try:
            page = browser.new_page()
            failed, answered = [], []
            page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
            page.on("response", lambda r: answered.append(r.url) if r.url.startswith("http") else None)
            page.goto(page_file.as_uri())
            page.wait_for_timeout(300)
            assert page.title() == "t" and answered == []  # the script did not run, nothing was fetched
            assert failed and all("csp" in f.lower() for f in failed), failed
        finally:
            browser.close()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed (make tools)")
def test_an_apostrophe_from_data_stays_an_apostrophe_in_a_pdf_table(tmp_path):
    """typst turns ' into a smart quote: "'s-Hertogenbosch" in a table came out with an opening quote (cold read)."""
    import pandas as pd

    from analysis.report.notebook import table

    t = table(pd.DataFrame({"Gemeente": ["'s-Hertogenbosch"], "Per 1.000": ["164"]}), "Peers").data["text/markdown"]
    fm = convert.front_matter("Test", {}, version="x", when=dt.date(2026, 12, 1), audience="openbaar")
    mdp = convert.write_markdown(convert.Converted("# Samenvatting\n\n" + t, {}), fm, "openbaar", tmp_path / "r.md")
    convert.to_pdf(mdp, tmp_path / "r.pdf", fm["typst-header"])
    shown = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    assert "'s-Hertogenbosch" in shown and "\u2018s-Hertogenbosch" not in shown
