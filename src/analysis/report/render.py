"""The one way every report is made: papermill -> Markdown -> HTML (pandoc) + PDF (typst), or Quarto if installed.

Atomic: everything is produced in a temporary folder under reports/ and moved into reports/<report>/ only when all
formats succeeded (and, for ``openbaar``, the leak scan is clean). A failed render keeps the previous good report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from analysis import __version__, paths
from analysis.report import convert

AUDIENCES = ("openbaar", "intern")
FORMATS = ("html", "pdf")


class RenderError(RuntimeError):
    pass


@dataclass(frozen=True)
class ReportSpec:
    name: str
    notebook: Path
    title: str
    parameters: dict = field(default_factory=dict)
    audiences: tuple[str, ...] = ("openbaar",)
    formats: tuple[str, ...] = FORMATS


@dataclass
class RenderResult:
    report: str
    audience: str
    parameters: dict
    status: str
    started: str
    finished: str
    seconds: float
    engine: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # file -> sha256
    inputs: dict[str, str] = field(default_factory=dict)  # name -> sha256
    synthetic: bool = False
    error: str = ""
    key: str = ""


def load_specs(path: str | Path | None = None) -> dict[str, ReportSpec]:
    path = Path(path) if path else paths.project_root() / "reports.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    specs = {}
    for name, r in raw.get("reports", {}).items():
        nb = Path(r["notebook"])
        nb = nb if nb.is_absolute() else path.parent / nb
        base = dict(r.get("parameters", {}))
        audiences = tuple(r.get("audiences", ["openbaar"]))
        formats = tuple(r.get("formats", list(FORMATS)))
        specs[name] = ReportSpec(name, nb, r.get("title", name), base, audiences, formats)
        for v in r.get("variants", []):  # extra parameter sets render as reports of their own
            vname = f"{name}-{v['name']}"
            if vname in specs:
                raise RenderError(f"{path}: duplicate report name {vname!r}")
            specs[vname] = ReportSpec(
                vname,
                nb,
                r.get("title", name),
                {**base, **v.get("parameters", {})},
                tuple(v.get("audiences", audiences)),
                formats,
            )
    return specs


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_hash() -> str:
    """Hash of the library source: a change in the code re-renders every report."""
    h = hashlib.sha256()
    for p in sorted((Path(__file__).parents[1]).rglob("*")):
        if p.suffix in (".py", ".css", ".lua") and "__pycache__" not in p.parts:
            h.update(p.read_bytes())
    return h.hexdigest()


def render_key(spec: ReportSpec, audience: str, params: dict, formats: tuple[str, ...], inputs: dict) -> str:
    payload = json.dumps(
        {
            "nb": _sha(spec.notebook),
            "params": params,
            "aud": audience,
            "fmt": sorted(formats),
            "inputs": inputs,
            "code": code_hash(),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _kernel_name() -> str:
    return os.environ.get("ANALYSIS_KERNEL", "python3")


def _scan_names() -> list[str]:
    f = os.environ.get("ANALYSIS_SCAN_NAMES_FILE")
    return [n.strip() for n in Path(f).read_text(encoding="utf-8").splitlines() if n.strip()] if f else []


def leak_scan(texts: list[str]) -> list[str]:
    from analysis.privacy import scan_for_identifiers

    findings = []
    for t in texts:
        t = re.sub(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "", t)  # embedded images are not text
        res = scan_for_identifiers(t, names=_scan_names(), forbid_exact_dates=True)
        findings += [f"{f.kind}: {f.value!r} in '…{f.context}…'" for f in res.findings]
    return findings


def _notebook_text(path: Path) -> str:
    """The executed notebook as published, minus image payloads (base64 is not text a reader sees)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            for mime in [m for m in out.get("data", {}) if m.startswith("image/")]:
                del out["data"][mime]
    return json.dumps(nb, ensure_ascii=False)


def render_report(
    spec: ReportSpec,
    *,
    audience: str = "openbaar",
    params: dict | None = None,
    formats: tuple[str, ...] | None = None,
    reports_root: Path | None = None,
    when: dt.date | None = None,
) -> RenderResult:
    import papermill as pm

    if audience not in AUDIENCES:
        raise RenderError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    formats = tuple(formats or spec.formats)
    bad = set(formats) - set(FORMATS)
    if bad:
        raise RenderError(f"unknown format(s) {sorted(bad)}; choose from {FORMATS}")
    root = Path(reports_root or paths.reports_dir())
    params = {**spec.parameters, **(params or {}), "audience": audience}
    stem = f"{spec.name}-{audience}"
    started = dt.datetime.now().astimezone()
    t0 = time.perf_counter()
    res = RenderResult(spec.name, audience, params, "failed", started.isoformat(timespec="seconds"), "", 0.0)
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".tmp-{stem}-", dir=root))
    try:
        executed = work / f"{stem}.ipynb"
        try:
            pm.execute_notebook(
                str(spec.notebook),
                str(executed),
                parameters=params,
                kernel_name=_kernel_name(),
                cwd=str(paths.project_root()),
                progress_bar=False,
                log_output=False,
                # the kernel listens on loopback only; its start-up warning about unencrypted TCP is noise here
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        except pm.PapermillExecutionError as exc:
            raise RenderError(
                f"{spec.notebook.name}: cell {exc.cell_index} (execution count {exc.exec_count}) "
                f"raised {exc.ename}: {exc.evalue}"
            ) from None
        conv = convert.notebook_to_markdown(executed, work / "media")
        res.synthetic = bool(conv.meta.get("synthetic"))
        res.inputs = {k: v["sha256"] for k, v in conv.meta.get("inputs", {}).items()}
        fm = convert.front_matter(
            conv.meta.get("title") or spec.title,
            conv.meta,
            version=__version__,
            when=when or dt.date.today(),
            audience=audience,
        )
        md = convert.write_markdown(conv, fm, audience, work / f"{stem}.md")
        quarto = convert.quarto_available()
        res.engine = "quarto" if quarto else "pandoc+typst"
        for fmt in formats:
            out = work / f"{stem}.{fmt}"
            try:
                if quarto:
                    convert.quarto_render(quarto, executed, fm, fmt, out)
                elif fmt == "html":
                    convert.to_html(md, out)
                else:
                    convert.to_pdf(md, out, fm.get("typst-header", ""))
            except subprocess.CalledProcessError as exc:
                raise RenderError(f"{fmt} conversion failed: {exc.stderr or exc}") from None
        if audience == "openbaar":
            texts = [md.read_text(encoding="utf-8"), _notebook_text(executed)]
            if (work / f"{stem}.html").exists():
                texts.append((work / f"{stem}.html").read_text(encoding="utf-8"))
            findings = leak_scan(texts)
            if findings:
                raise RenderError("leak scan refused the openbaar report: " + "; ".join(findings[:5]))
        # all good: move into place (the executed notebook is kept next to the outputs)
        dest = root / spec.name
        dest.mkdir(parents=True, exist_ok=True)
        for f in [executed] + [work / f"{stem}.{fmt}" for fmt in formats]:
            os.replace(f, dest / f.name)
            res.outputs[f"{spec.name}/{f.name}"] = _sha(dest / f.name)
        res.status = "ok"
    except RenderError as exc:
        res.error = str(exc)
    except Exception as exc:  # keep the batch going; the message names the failing step
        res.error = f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
        res.finished = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        res.seconds = round(time.perf_counter() - t0, 2)
    return res


# ------------------------------------------------------------------------------------------------ batch


def _job(args) -> RenderResult:
    spec, audience, params, formats, root = args
    return render_report(spec, audience=audience, params=params, formats=formats, reports_root=root)


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for p in (
        "pandas",
        "numpy",
        "statsmodels",
        "papermill",
        "pandera",
        "great_tables",
        "typst",
        "pypandoc_binary",
        "matplotlib",
        "seaborn",
        "duckdb",
        "pyarrow",
    ):
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            pass
    out["analysis"] = __version__
    return out


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True, cwd=paths.project_root()
        ).stdout
    except Exception:  # not a checkout, or no git: the manifest says so instead of failing the batch
        return None


def git_commit() -> str:
    out = _git("rev-parse", "HEAD")
    return out.strip() if out else "unknown"


def git_dirty() -> bool | None:
    """True when the working tree has uncommitted changes: the commit alone then does not identify the code."""
    out = _git("status", "--porcelain", "--untracked-files=no")
    return None if out is None else bool(out.strip())


def _load_manifest(root: Path) -> dict:
    p = root / "manifest.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {"outputs": []}


def _current_inputs(previous: dict, params: dict) -> dict:
    """Hashes, now, of the files a previous render read (for skip-when-unchanged), from the folder the report
    reads (its ``processed_dir`` parameter, else data/processed)."""
    base = Path(params.get("processed_dir") or paths.processed_dir())
    now = {}
    for name in previous:
        p = base / f"{name}.parquet"
        now[name] = _sha(p) if p.exists() else "missing"
    return now


def render_all(
    specs: dict[str, ReportSpec],
    *,
    reports_root: Path | None = None,
    force: bool = False,
    workers: int = 2,
    only: list[str] | None = None,
    progress=None,
) -> list[RenderResult]:
    """Render every report x audience in parallel (one kernel per report), write manifest.json and index.html."""
    root = Path(reports_root or paths.reports_dir())
    root.mkdir(parents=True, exist_ok=True)
    manifest = _load_manifest(root)
    previous = {(o["report"], o["audience"]): o for o in manifest.get("outputs", []) if o.get("status") == "ok"}
    jobs, results = [], []
    for spec in specs.values():
        if only and spec.name not in only:
            continue
        for aud in spec.audiences:
            params = {**spec.parameters, "audience": aud}
            prev = previous.get((spec.name, aud))
            if prev and not force:
                key = render_key(spec, aud, params, spec.formats, _current_inputs(prev.get("inputs", {}), params))
                files_ok = all((root / f).exists() and _sha(root / f) == h for f, h in prev["outputs"].items())
                if key == prev.get("key") and files_ok:
                    results.append(RenderResult(**{**prev, "status": "skipped"}))
                    continue
            jobs.append((spec, aud, {**spec.parameters}, spec.formats, root))
    if jobs:
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
            futs = {pool.submit(_job, j): j for j in jobs}
            for fut in as_completed(futs):
                r = fut.result()
                if r.status == "ok":
                    spec = specs[r.report]
                    r.key = render_key(spec, r.audience, r.parameters, spec.formats, r.inputs)
                results.append(r)
                if progress:
                    progress(r)
    write_manifest(root, results, manifest)
    write_index(root, results)
    return results


def write_manifest(root: Path, results: list[RenderResult], old: dict) -> None:
    from analysis.data.io import write_json_atomic

    done = {(r.report, r.audience) for r in results}
    kept = [o for o in old.get("outputs", []) if (o["report"], o["audience"]) not in done]
    outputs = []
    for r in results:
        d = asdict(r)
        if r.status == "failed":  # keep pointing at the previous good files, which are still in place
            prev = next(
                (o for o in old.get("outputs", []) if (o["report"], o["audience"]) == (r.report, r.audience)), None
            )
            d["previous_good"] = prev
        if r.status == "skipped":
            d["status"] = "ok"
            d["skipped_at"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        outputs.append(d)
    write_json_atomic(
        {
            "generated": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "git_commit": git_commit(),
            "git_dirty": git_dirty(),
            "packages": package_versions(),
            "outputs": sorted(kept + outputs, key=lambda o: (o["report"], o["audience"])),
        },
        root / "manifest.json",
    )


def write_index(root: Path, results: list[RenderResult]) -> None:
    """An accessible listing of all reports (reads the manifest, so it lists earlier renders too)."""
    from html import escape

    from analysis.data.io import atomic_path
    from analysis.formatting import date

    m = _load_manifest(root)
    rows = []
    for o in m["outputs"]:
        links = " ".join(
            f'<a href="{escape(f)}">{escape(Path(f).suffix[1:].upper())}'
            f'<span class="sr"> van {escape(o["report"])} ({escape(o["audience"])})</span></a>'
            for f in o.get("outputs", {})
            if not f.endswith(".ipynb")
        )
        status = {"ok": "gereed", "failed": "mislukt"}.get(o["status"], o["status"])
        err = f"<br><small>{escape(o.get('error', ''))}</small>" if o.get("error") else ""
        synth = "ja" if o.get("synthetic") else "nee"
        rows.append(
            f"<tr><td>{escape(o['report'])}</td><td>{escape(o['audience'])}</td><td>{links or '–'}</td>"
            f"<td>{status}{err}</td><td>{synth}</td><td>{escape(o.get('finished', ''))}</td></tr>"
        )
    html = f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapporten sociaal domein gemeente Groningen</title>
<style>body{{font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;max-width:60em;margin:0 auto;padding:1.5em}}
table{{border-collapse:collapse}}th,td{{border-bottom:1px solid #8a8a8a;padding:.4em .7em;text-align:left}}
a{{color:#005a87;margin-right:.6em}}.sr{{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}}</style>
</head><body><main>
<h1>Rapporten sociaal domein</h1>
<p>Overzicht van gegenereerde rapporten, bijgewerkt op {escape(date(dt.date.today()))}. Commit
<code>{escape(m.get("git_commit", "")[:10])}</code>. Details per rapport staan in
<a href="manifest.json">manifest.json</a>.</p>
<table><caption>Rapporten en hun status</caption>
<thead><tr><th scope="col">Rapport</th><th scope="col">Publiek</th><th scope="col">Bestanden</th>
<th scope="col">Status</th><th scope="col">Synthetische gegevens</th><th scope="col">Gemaakt</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></main></body></html>
"""
    with atomic_path(root / "index.html") as tmp:
        tmp.write_text(html, encoding="utf-8")
