"""Command line: `analysis data build|synth|cbs`, `analysis render`, `analysis assumptions`."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    help="Analyses en rapportages sociaal domein gemeente Groningen.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Data: raw -> processed, synthetic microdata, CBS downloads.", no_args_is_help=True)
app.add_typer(data_app, name="data")
# Messages are plain text: they carry file names, TOML keys ('[files."x"]') and values (':x:') that console markup
# or emoji codes would eat or change. Styling is applied with Text objects, never by parsing the message.
console = Console(stderr=True, markup=False, emoji=False, highlight=False)


def _plain(**kw) -> Console:
    return Console(markup=False, emoji=False, highlight=False, **kw)


def _say(label: str, style: str, msg: str, out: Console | None = None) -> None:
    from rich.text import Text

    (out or console).print(Text.assemble((label, style), " ", msg), soft_wrap=True)


def _fail(msg: str, code: int = 1) -> None:
    _say("error:", "bold red", msg)
    raise typer.Exit(code)


@contextlib.contextmanager
def _errors(what: str):
    """Every failure of a command ends in one line (what, where, why) and a non-zero exit, never a traceback.
    Set ANALYSIS_DEBUG=1 to see the traceback of an unexpected error."""
    from analysis.assumptions import AssumptionsError
    from analysis.data.io import DataInputError
    from analysis.report.params import ParamError
    from analysis.report.render import RenderError, RenderInterrupted

    try:
        yield
    except typer.Exit:
        raise
    except RenderInterrupted as exc:
        _fail(str(exc), 128 + exc.signum)
    except ParamError as exc:
        _fail(str(exc), 2)
    except (DataInputError, AssumptionsError, RenderError) as exc:
        _fail(str(exc))
    except OSError as exc:
        where = exc.filename or ""
        _fail(f"{what}: cannot write or read {where}: {exc.strerror or exc}".replace(" : ", ": "))
    except Exception as exc:
        if os.environ.get("ANALYSIS_DEBUG"):
            raise
        _fail(f"{what} failed: {type(exc).__name__}: {exc}")


@data_app.command("build")
def data_build(
    raw: Annotated[Path | None, typer.Option(help="raw data folder")] = None,
    out: Annotated[Path | None, typer.Option(help="processed data folder")] = None,
) -> None:
    """Build data/processed/ from data/raw/ (validated; the previous good state is kept on any error)."""
    from analysis import paths
    from analysis.data.pipeline import build_processed

    raw = raw or paths.raw_dir()
    out = out or paths.processed_dir()
    with _errors("analysis data build"):
        res = build_processed(raw, out)
    _say("built", "green", f"{len([o for o in res.outputs if o.endswith('.parquet')])} tables in {out}")


@data_app.command("synth")
def data_synth(
    seed: Annotated[int, typer.Option(help="random seed")] = 20211115,
    scale: Annotated[str, typer.Option(help="groningen | nl")] = "groningen",
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
) -> None:
    """Generate synthetic (synthetisch) microdata with a seed, calibrated to public aggregates."""
    from analysis import paths

    out = out or paths.synthetic_dir()
    t0 = time.perf_counter()
    if seed < 0:
        _fail(f"--seed must be 0 or more, not {seed}", 2)
    if scale not in ("groningen", "nl"):
        _fail(f"--scale must be 'groningen' or 'nl', not {scale!r}", 2)
    with _errors("analysis data synth"):
        _synth(out, seed, scale, t0)


def _synth(out: Path, seed: int, scale: str, t0: float) -> None:
    if scale == "groningen":
        from analysis.data.synthetic import write_synthetic

        names = write_synthetic(out, seed)
        _say("synthetisch:", "green", f"{len(names)} tables in {out} ({time.perf_counter() - t0:.1f} s)")
    elif scale == "nl":
        from analysis.data.synthetic import generate_nl_client_months

        info = generate_nl_client_months(out / "nl_client_months.parquet", seed)
        _say("synthetisch:", "green", f"{info['rows']:,} client-months in {out} ({time.perf_counter() - t0:.1f} s)")


@data_app.command("check")
def data_check(
    file: Annotated[Path, typer.Argument(help="export to check (CSV or Parquet)")],
    table: Annotated[str, typer.Option(help="table layout, e.g. hh_clients, pilot_families, pilot_zrm")],
    sep: Annotated[str, typer.Option(help="CSV field separator")] = ";",
    decimal: Annotated[str, typer.Option(help="CSV decimal mark")] = ",",
    thousands: Annotated[str, typer.Option(help="CSV thousands separator ('' for none)")] = ".",
    encoding: Annotated[str, typer.Option(help="CSV encoding")] = "utf-8",
    rules: Annotated[
        Path | None, typer.Option(help="gemeente-specific rules (TOML); default data/check_rules.toml")
    ] = None,
) -> None:
    """Check an export of the gemeente's own data against a table's layout: every problem once, in plain words,
    with its spreadsheet row (header = row 1) and column. Writes nothing."""
    from analysis.data.check import check_file, load_rules
    from analysis.data.io import CsvFormat

    with _errors("analysis data check"):
        fmt = CsvFormat.from_mapping(
            {"sep": sep, "decimal": decimal, "thousands": thousands, "encoding": encoding}, "options"
        )
        n, problems = check_file(file, table, fmt=fmt, rules=load_rules(rules))
    out = _plain(width=200, soft_wrap=True)
    if not problems:
        out.print(f"ok: {file} matches the layout of '{table}' ({n} rows)")
        raise typer.Exit(0)
    out.print(f"{file}: {len(problems)} problem(s) in {n} rows against the layout of '{table}':")
    for p in problems:
        out.print(f"  {p}")
    raise typer.Exit(1)


@data_app.command("layout")
def data_layout(table: Annotated[str, typer.Argument(help="table name, e.g. hh_clients")]) -> None:
    """Show a table's layout: columns, types, rules."""
    from analysis.data.check import layout

    with _errors("analysis data layout"):
        t = layout(table)
    _plain(width=200).print(t.to_string(index=False))


@data_app.command("cbs")
def data_cbs(
    table_id: str, refresh: bool = False, filter: Annotated[str | None, typer.Option(help="OData $filter")] = None
) -> None:
    """Download a CBS StatLine table into data/raw/cbs/<id>/ with provenance (needs internet)."""
    from analysis import paths
    from analysis.data.sources import CbsUnavailableError, download_table

    try:
        path = download_table(table_id, paths.raw_dir(), filter=filter, refresh=refresh)
    except CbsUnavailableError as exc:
        _fail(str(exc))
    _say("saved", "green", str(path))


@app.command("assumptions")
def assumptions(analysis: Annotated[str | None, typer.Argument(help="filter by analysis")] = None) -> None:
    """List the assumptions-and-caveats log."""
    from rich.table import Table

    from analysis.assumptions import load_assumptions

    t = Table("id", "titel", "kwaliteit", "impact", "gebruikt door")
    with _errors("analysis assumptions"):
        log = load_assumptions()
    for a in log.entries:
        if analysis and analysis not in a.used_by:
            continue
        t.add_row(a.id, a.title, a.quality, a.impact, ", ".join(a.used_by))
    _plain().print(t)


@app.command("params")
def params_cmd(
    name: Annotated[str, typer.Argument(help="report name from reports.toml")],
    config: Annotated[Path | None, typer.Option(help="reports.toml")] = None,
) -> None:
    """List a report's parameters: type, allowed values, default and description."""
    from analysis.report.render import load_specs

    with _errors("analysis params"):
        specs = load_specs(config)
    if name not in specs:
        _fail(f"unknown report {name!r}; known: {', '.join(specs) or 'none'}", 2)
    spec = specs[name]
    if spec.error:
        _fail(spec.error)
    out = _plain(width=200, soft_wrap=True)
    out.print(f"{name}: audiences {', '.join(spec.audiences)}; formats {', '.join(spec.formats)}")
    for p in (spec.declared or {}).values():
        default = spec.parameters.get(p.name)
        out.print(f"  {p.name} = {default!r}  ({p.allowed()}) - {p.description}")


def paths_reports() -> Path:
    from analysis import paths

    return paths.reports_dir()


@app.command("status")
def status(
    history: Annotated[int, typer.Option(help="also list the last N runs")] = 5,
) -> None:
    """Per report: the files published now, the run that made them, and what the latest run did and why."""
    from analysis.report.render import load_history, load_manifests

    root = paths_reports()
    with _errors("analysis status"):
        m = load_manifests(root)  # a damaged manifest is an error, never "nothing recorded"
        runs = load_history(root)[-history:] if history > 0 else []
    if not m["outputs"]:
        console.print(f"no runs recorded in {root / 'manifest.json'} yet")
        raise typer.Exit(0)
    # plain lines, not a table: an operator reads this in a terminal or a mail from cron, and greps it
    out = _plain(width=400, soft_wrap=True)
    out.print(f"reports in {root} (manifest of run {m.get('run_id', '?')}, {m.get('generated', '?')})")
    for o in m["outputs"]:
        last = o.get("last_run", {})
        published = "published" if o.get("status") == "ok" else "NOT published"
        err = f": {last['error']}" if last.get("error") else ""
        gem = f", gemeente {o.get('gemeente_naam', '')} {o['gemeente']}" if o.get("gemeente") else ""
        out.print(
            f"  {o['report']}{gem} ({o['audience']}): {published}, made by run {o.get('run_id') or '?'} "
            f"at {o.get('finished', '?')}; latest run {last.get('run_id', '?')}: {last.get('action', '?')} - "
            f"{last.get('reason', '')}{err}"
        )
    if runs:
        out.print(f"last {len(runs)} run(s):")
        for r in runs:
            out.print(
                f"  {r['run_id']} {r['kind']}: {r['rendered']} rendered, {r['skipped']} skipped, "
                f"{r['failed']} failed ({r['started']} - {r['finished']})"
            )
    failed = [o for o in m["outputs"] if o.get("last_run", {}).get("action") == "failed"]
    raise typer.Exit(1 if failed else 0)


def main() -> None:  # pragma: no cover
    """The console script: anything that escapes a command still ends in one line, not a traceback."""
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:
        if os.environ.get("ANALYSIS_DEBUG"):
            raise
        _say("error:", "bold red", f"{type(exc).__name__}: {exc}")
        sys.exit(1)


def _parse_params(items: list[str]) -> dict:
    import json as _json

    out = {}
    for it in items:
        if "=" not in it:
            _fail(f"parameter {it!r} is not key=value", 2)
        k, v = it.split("=", 1)
        try:
            out[k] = _json.loads(v)
        except ValueError:
            out[k] = v
    return out


def _batch(specs: dict, *, force: bool, workers: int, kind: str) -> None:
    """Render many reports in parallel with a progress bar; one line per report; exit 1 if any failed."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from analysis.report.render import expand_all, render_all

    with _errors(f"analysis {kind}"):
        n = sum(len(s.audiences) for s in expand_all(specs).values())
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as prog:
        task = prog.add_task("rapporten renderen", total=n)

        def tick(r):
            took = f" ({r.seconds:.0f} s)" if r.action != "skipped" else ""
            why = f" - {r.reason}" if r.reason else ""
            err = f": {r.error}" if r.error else ""
            prog.console.print(f"  {r.report}-{r.audience}: {r.action}{took}{why}{err}", highlight=False)
            prog.advance(task)

        with _errors(f"analysis {kind}"):
            results = render_all(specs, force=force, workers=workers, progress=tick, kind=kind)
        prog.update(task, completed=n)
    failed = [r for r in results if r.action == "failed"]
    skipped = [r for r in results if r.action == "skipped"]
    console.print(
        f"{len(results) - len(failed) - len(skipped)} rendered, {len(skipped)} unchanged (skipped), "
        f"{len(failed)} failed. Open reports/index.html"
    )
    for r in failed:  # the failures again at the end: in a national run they are lost among 350 lines
        console.print(f"  failed: {r.report}-{r.audience}: {r.error}", highlight=False, soft_wrap=True)
    if not specs:
        console.print("no reports listed in reports.toml yet; data are built")
    raise typer.Exit(1 if failed else 0)


def _gemeenten_batch(name: str, spec, which: str, params: dict, audience: str, formats, force: bool, workers: int):
    """`analysis render hh-raad --gemeenten all|GM0344,GM0193`: the report for each gemeente, plus the overview."""
    from dataclasses import replace

    from analysis.report.render import expand_gemeenten, parse_gemeenten, takes_gemeente

    if not takes_gemeente(spec):
        _fail(f"{name} has no gemeente parameter; --gemeenten works for reports per gemeente (e.g. hh-raad)", 2)
    if "gemeente" in params:
        _fail("give the gemeenten with --gemeenten, not with -p gemeente=...", 2)
    with _errors(f"analysis render {name} --gemeenten"):
        base = replace(spec, parameters={**spec.parameters, **params}, audiences=(audience,), formats=formats)
        base.check({**base.parameters}, audience, formats)  # before any kernel starts
        specs = expand_gemeenten(base, parse_gemeenten(which))
    _batch(specs, force=force, workers=workers, kind=f"render {name} --gemeenten")


@app.command("render")
def render(
    name: Annotated[str | None, typer.Argument(help="report name from reports.toml")] = None,
    param: Annotated[list[str] | None, typer.Option("-p", "--param", help="key=value (JSON values)")] = None,
    audience: Annotated[str, typer.Option(help="openbaar | intern")] = "openbaar",
    to: Annotated[str | None, typer.Option("--to", help="formats, e.g. html,pdf (default: the report's)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="render everything in reports.toml")] = False,
    force: Annotated[bool, typer.Option(help="render even if nothing changed")] = False,
    workers: Annotated[int, typer.Option(help="parallel kernels for --all and --gemeenten")] = 2,
    config: Annotated[Path | None, typer.Option(help="reports.toml")] = None,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="per-cell progress on stderr (default: in a terminal)"),
    ] = None,
    gemeenten: Annotated[
        str | None,
        typer.Option(
            "--gemeenten",
            help="'all' or codes GM0344,GM0193: the report for each gemeente of the CBS panel, each in "
            "reports/<report>/<GMxxxx-naam>/, plus the overview reports/<report>/index.html (unchanged ones skipped)",
        ),
    ] = None,
) -> None:
    """Render one report (or --all) to reports/<report>/<report>-openbaar.html|.pdf|.ipynb (intern: reports-intern/;
    another gemeente than the default: reports/<report>/<GMxxxx-naam>/)."""
    from analysis.report.render import for_gemeente, load_specs, render_report, update_overview

    if workers < 1:
        _fail(f"--workers must be 1 or more, not {workers}", 2)
    with _errors("analysis render"):
        specs = load_specs(config)
    if all_:
        if gemeenten is not None:
            _fail("--gemeenten goes with one report name, not with --all (set gemeenten in reports.toml)", 2)
        _batch(specs, force=force, workers=workers, kind="render --all")
    if not name:
        _fail("give a report name or --all", 2)
    if name not in specs:
        _fail(f"unknown report {name!r}; known: {', '.join(specs) or 'none'}", 2)
    import datetime as dt

    from analysis.report.render import new_run_id, record_run

    formats = tuple(f.strip() for f in to.split(",") if f.strip()) if to is not None else specs[name].formats
    params = _parse_params(param or [])
    if gemeenten is not None:
        _gemeenten_batch(name, specs[name], gemeenten, params, audience, formats, force, workers)
    run_id = new_run_id()
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    with _errors(f"analysis render {name}"):
        checked = specs[name].check({**specs[name].parameters, **params}, audience, formats)  # before any kernel
        for_gemeente(specs[name], checked)  # an unknown gemeente is one line here, not a failed entry in the manifest
        from analysis.report.render import StopRequest, cell_progress, check_state

        check_state(paths_reports())  # a damaged manifest or history stops the render before it publishes
        # Ctrl-C or SIGTERM: the render is finished (never cut between publishing and recording), then we stop
        with StopRequest().installed() as stop, cell_progress(sys.stderr.isatty() if progress is None else progress):
            res = render_report(specs[name], audience=audience, params=params, formats=formats, run_id=run_id)
            res.reason = "requested (analysis render " + name + ")"
            record_run(paths_reports(), [res], run_id=run_id, started=started, kind=f"render {name}")
    if stop.signum is not None:
        _fail(f"{name} ({audience}): stopped by {stop.name} after the render finished ({res.action}) and was recorded",
              128 + stop.signum)  # fmt: skip
    if res.status != "ok":
        _fail(f"{name} ({audience}) failed: {res.error}")
    if res.gemeente and res.report != name:  # another gemeente's report: the overview links to it now
        with _errors(f"analysis render {name} (overview)"):
            update_overview(paths_reports(), specs[name])
    from analysis.report.render import audience_root

    for f in res.outputs:
        _say("wrote", "green", str(audience_root(paths_reports(), audience) / f))
