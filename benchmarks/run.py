"""`make bench`: speed and memory targets, each measured side by side in one run and printed as ratios.

Every approach runs in its own subprocess so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYN = ROOT / "data" / "processed" / "synthetic"
NL = SYN / "nl_client_months.parquet"
PY = sys.executable


def run_child(code: str, env: dict | None = None) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line; we add wall time and peak RSS (MB)."""
    wrapper = textwrap.dedent(code) + textwrap.dedent("""
        import resource, json as _j
        print("@@" + _j.dumps({**RESULT, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    """)
    t0 = time.perf_counter()
    out = subprocess.run(
        [PY, "-c", wrapper], capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})}
    )
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("@@")][-1]
    return {**json.loads(line[2:]), "wall_s": wall}


def verdict(met: bool) -> str:
    return "OK" if met else "MISSED"


def header(title: str) -> None:
    print(f"\n== {title}")


def bench_generation() -> None:
    header("nl-scale synthetic client-months (~0.55 M clients x 60 months)")
    r = run_child(f"""
        import time
        from analysis.data.synthetic import generate_nl_client_months
        t = time.perf_counter()
        info = generate_nl_client_months({str(NL)!r}, 20211115)
        RESULT = {{"rows": info["rows"], "seconds": time.perf_counter() - t}}
    """)
    print(
        f"rows {r['rows']:,}; generation {r['seconds']:.1f} s; peak memory {r['peak_mb']:.0f} MB "
        f"(target <= 4096 MB: {verdict(r['peak_mb'] <= 4096)})"
    )


def bench_rates() -> None:
    header("Rates + decomposition on nl-scale data: library vs naive pandas vs DuckDB SQL")
    # every variant computes the client counts `c` its own way (timed from `t`), then the same decomposition
    common = f"""
        import time, pandas as pd
        import duckdb  # imported before timing in every variant
        from analysis.demand.scale import clients_by_year_parquet, decompose_by_gemeente
        NL = {str(NL)!r}; POP = {str(SYN / "nl_population.parquet")!r}
        t = time.perf_counter()
    """
    finish = """
        d = decompose_by_gemeente(c, pd.read_parquet(POP), 2019, 2023)
        RESULT = {"seconds": time.perf_counter() - t, "rows": len(c), "gemeenten": len(d), "total": float(c.clienten.sum())}
    """
    library = """
        c = clients_by_year_parquet(NL)
    """
    naive_pandas = """
        import numpy as np
        df = pd.read_parquet(NL)
        df = df[pd.to_datetime(df.maand).dt.month == 7]
        year = pd.to_datetime(df.maand).dt.year
        age = year - df.geboortejaar
        band = np.select([age < 65, age < 75, age < 85], ["18-64", "65-74", "75-84"], "85+")
        c = (df.assign(jaar=year, leeftijdsgroep=band).groupby(["jaar", "gemeente_code", "leeftijdsgroep"])
             .client_id.nunique().rename("clienten").reset_index())
    """
    duckdb_sql = """
        c = duckdb.sql(f'''SELECT year(maand) jaar, gemeente_code,
              CASE WHEN year(maand)-geboortejaar < 65 THEN '18-64' WHEN year(maand)-geboortejaar < 75 THEN '65-74'
                   WHEN year(maand)-geboortejaar < 85 THEN '75-84' ELSE '85+' END leeftijdsgroep,
              count(DISTINCT client_id) clienten FROM read_parquet('{NL}') WHERE month(maand) = 7 GROUP BY ALL''').df()
    """
    lib, naive, sql = (run_child(common + body + finish) for body in (library, naive_pandas, duckdb_sql))
    assert lib["total"] == naive["total"] == sql["total"], "the three approaches must agree"
    for name, r in (("library (analysis.demand.scale)", lib), ("naive pandas groupby", naive), ("DuckDB SQL", sql)):
        print(f"{name:34s} {r['seconds']:7.2f} s   peak {r['peak_mb']:7.0f} MB")
    ratio = lib["seconds"] / sql["seconds"]
    print(
        f"library / DuckDB time = {ratio:.2f}x (target <= 1.5x: {verdict(ratio <= 1.5)}); "
        f"naive pandas / library = {naive['seconds'] / lib['seconds']:.1f}x; library peak {lib['peak_mb']:.0f} MB "
        f"(target <= 4096 MB: {verdict(lib['peak_mb'] <= 4096)})"
    )


def bench_montecarlo() -> None:
    header("Monte Carlo risk: 100,000 draws x 4 areas, vectorised vs plain Python loop (same draws, best of 7 / 3)")
    r = run_child("""
        import time, numpy as np
        from analysis.financing.rules import RuleSet, Ventiel, Malus, ProfitSkim, apply_rules, apply_rules_loop
        rng = np.random.default_rng(1)
        n, a = 100_000, 4
        kw = dict(forecast=np.array([1350., 1100., 1100., 1450.]), budget=np.array([7.8e6, 6.3e6, 6.3e6, 8.2e6]),
                  clients=rng.negative_binomial(200, 200 / (200 + np.array([1350, 1100, 1100, 1450])), (n, a)).astype(float),
                  hours_per_client=rng.normal(153, 2, (n, a)), delivery=np.clip(rng.normal(.97, .03, (n, a)), 0, 1),
                  tariff=37.37, cost_per_hour=36.28)
        rs = RuleSet("v", "v", Ventiel(.05), Malus(.95, .1), ProfitSkim(.05, .5))
        def best(f, k):  # best of k, as timeit does: the least disturbed run
            times = []
            for _ in range(k):
                t = time.perf_counter(); out = f(); times.append(time.perf_counter() - t)
            return min(times), out
        tv, v = best(lambda: apply_rules(rs, **kw), 7)
        tl, lp = best(lambda: apply_rules_loop(rs, **kw), 3)
        assert np.allclose(v["gemeente"], lp["gemeente"])
        RESULT = {"vectorised": tv, "loop": tl}
    """)
    ratio = r["loop"] / r["vectorised"]
    print(
        f"vectorised {r['vectorised'] * 1000:.0f} ms; loop {r['loop']:.2f} s; speed-up {ratio:.0f}x "
        f"(target >= 50x: {verdict(ratio >= 50)}; 'well under a second': "
        f"{verdict(r['vectorised'] < 0.5)})"
    )


def bench_render() -> None:
    header("Rendering: render (papermill + HTML + PDF) vs bare papermill, same notebook")
    r = run_child("""
        import time, tempfile, papermill as pm
        from pathlib import Path
        from analysis.report.render import load_specs, render_report
        spec = load_specs()["hh-raad"]
        d = Path(tempfile.mkdtemp())
        t = time.perf_counter()
        pm.execute_notebook(str(spec.notebook), str(d / "bare.ipynb"), parameters={**spec.parameters, "audience": "openbaar"},
                            kernel_name="python3", progress_bar=False)
        bare = time.perf_counter() - t
        t = time.perf_counter()
        res = render_report(spec, reports_root=d / "reports")
        full = time.perf_counter() - t
        assert res.status == "ok", res.error
        # the publication rules the render applies to every output (included in 'render' above)
        from analysis.report.accessibility import html_problems, pdf_problems
        out = d / "reports" / spec.name
        t = time.perf_counter()
        assert html_problems((out / f"{spec.name}-openbaar.html").read_text(encoding="utf-8")) == []
        assert pdf_problems(out / f"{spec.name}-openbaar.pdf") == []
        checks = time.perf_counter() - t
        RESULT = {"bare": bare, "render": full, "checks": checks}
    """)
    ratio = r["render"] / r["bare"]
    print(
        f"bare papermill {r['bare']:.1f} s; render HTML+PDF {r['render']:.1f} s; ratio {ratio:.2f}x "
        f"(target <= 1.3x: {verdict(ratio <= 1.3)}); of which the publication checks {r['checks']:.2f} s"
    )

    header("render --all of 8 reports: 2 workers vs 1 (serial)")
    specs = tomllib.loads((ROOT / "reports.toml").read_text(encoding="utf-8"))["reports"]
    lines = []
    for copy in ("a", "b"):
        for name, s in specs.items():
            for aud in s.get("audiences", ["openbaar"]):
                lines.append(
                    f'[reports."{name}-{aud}-{copy}"]\nnotebook = "{ROOT / s["notebook"]}"\n'
                    f'audiences = ["{aud}"]\nformats = ["html", "pdf"]\n'
                    f'[reports."{name}-{aud}-{copy}".parameters]\n'
                    + "".join(f"{k} = {json.dumps(v)}\n" for k, v in s.get("parameters", {}).items())
                )
    cfg = Path(tempfile.mkdtemp()) / "reports.toml"
    cfg.write_text("\n".join(lines), encoding="utf-8")
    res = run_child(f"""
        import time, tempfile
        from pathlib import Path
        from analysis.report.render import load_specs, render_all
        specs = load_specs({str(cfg)!r})
        out = {{}}
        for workers in (1, 2):
            root = Path(tempfile.mkdtemp())
            t = time.perf_counter()
            rs = render_all(specs, reports_root=root, force=True, workers=workers)
            out[workers] = time.perf_counter() - t
            assert all(r.status == "ok" for r in rs) and len(rs) == {len(lines)}
        RESULT = {{"serial": out[1], "parallel": out[2], "n": len(specs)}}
    """)
    sp = res["serial"] / res["parallel"]
    print(
        f"{res['n']} reports: serial {res['serial']:.1f} s; 2 workers {res['parallel']:.1f} s; speed-up {sp:.2f}x "
        f"(target >= 1.7x on 2 cores: {verdict(sp >= 1.7)})"
    )


def bench_gemeenten() -> None:
    """hh-raad for every gemeente of the CBS panel, HTML and PDF, on 2 workers with warm kernels: wall time and
    what each step costs. BENCH_GEMEENTEN=40 renders the first 40 (spread over the panel) and extrapolates."""
    n_env = os.environ.get("BENCH_GEMEENTEN", "all")
    header(f"hh-raad for every gemeente (--gemeenten all), HTML + PDF, 2 workers, warm kernels ({n_env})")
    r = run_child(f"""
        import time, tempfile, statistics as st
        from pathlib import Path
        from analysis.report.render import load_specs, render_all, expand_gemeenten, gemeente_names, render_report
        spec = load_specs()["hh-raad"]
        names = gemeente_names()
        n_env = {n_env!r}
        codes = list(names) if n_env == "all" else list(names)[:: max(1, len(names) // int(n_env))][: int(n_env)]
        specs = expand_gemeenten(spec, tuple(codes), names)
        root = Path(tempfile.mkdtemp()) / "reports"
        t = time.perf_counter()
        rs = render_all(specs, reports_root=root, force=True, workers=2, kind="bench")
        wall = time.perf_counter() - t
        # CPU seconds of each render (worker, its kernel, pandoc, typst; RenderResult.steps["cpu"]): on a busy
        # shared machine the wall time says more about the neighbours than about the batch
        cpu_s = sum(x.steps.get("cpu", 0) for x in rs)
        cpu_steady = st.mean(sorted(x.steps.get("cpu", 0) for x in rs if x.status == "ok")[:-2])
        ok = [x for x in rs if x.status == "ok"]
        steps = {{k: st.mean(x.steps.get(k, 0) for x in ok) for k in ("execute", "markdown", "html", "pdf", "checks")}}
        first = max((x.steps.get("execute", 0) for x in ok), default=0)
        # one cold render (a fresh kernel per report, as before) of a gemeente that is not the default
        other = next(c for c in codes if c != spec.parameters["gemeente"])
        t = time.perf_counter()
        cold = render_report(spec, params={{"gemeente": other}}, reports_root=Path(tempfile.mkdtemp()))
        cold_s = time.perf_counter() - t
        RESULT = {{"wall": wall, "cpu": cpu_s, "cpu_steady": cpu_steady, "load": __import__("os").getloadavg()[0], "n": len(specs), "n_all": len(names), "ok": len(ok),
                   "failed": sorted({{x.error.split(":")[-1].strip()[:90] for x in rs if x.status != "ok"}})[:3],
                   "steps": steps, "first_execute": first, "cold": cold_s, "cold_steps": cold.steps,
                   "mean_report": st.mean(x.seconds for x in ok) if ok else 0,
                   # a report on a kernel that has rendered before (each worker's first pays imports and the shared fit)
                   "steady": st.mean(sorted(x.seconds for x in ok)[:-2]) if len(ok) > 2 else 0}}
    """)
    shared = run_child("""
        import time
        t = time.perf_counter()
        from analysis.assumptions import load_assumptions
        from analysis.demand import analysis as da
        from analysis.report.notebook import ReportContext
        ctx = ReportContext("hh-raad", "openbaar")
        load = {n: ctx.load(n) for n in ("reference", "wmo_panel_grenzen_2020", "wmo_panel_eigen_grenzen", "herindelingen",
                "synthetic/hh_clients", "synthetic/hh_monthly", "synthetic/population")}
        t_load = time.perf_counter() - t
        from analysis import memo
        memo.install()
        kw = dict(panel_harmonised=load["wmo_panel_grenzen_2020"], panel_own=load["wmo_panel_eigen_grenzen"],
                  herindelingen=load["herindelingen"], reference=load["reference"], clients=load["synthetic/hh_clients"],
                  hh_monthly=load["synthetic/hh_monthly"], population=load["synthetic/population"],
                  prognosis=load["synthetic/population"], log=load_assumptions())
        # another gemeente's report is real-only: no registration tables (analysis.demand.analysis.run refuses them)
        real = dict(kw, clients=None, hh_monthly=None, population=None, prognosis=None)
        t = time.perf_counter(); da.run(**real, gemeente="GM0344"); t_first = time.perf_counter() - t
        t = time.perf_counter(); da.run(**real, gemeente="GM0193"); t_next = time.perf_counter() - t
        RESULT = {"load": t_load, "first": t_first, "next": t_next}
    """)
    s = r["steps"]
    per = r["wall"] / max(r["n"], 1)
    # the rest of the country costs what a report on a warm kernel costs, on 2 workers
    total = r["wall"] + (r["n_all"] - r["n"]) * r["steady"] / 2
    print(
        f"{r['n']} of {r['n_all']} gemeenten: wall {r['wall']:.0f} s ({per:.2f} s per report on 2 workers); "
        f"{r['ok']} ok, {r['n'] - r['ok']} failed{(' (' + '; '.join(r['failed']) + ')') if r['failed'] else ''}"
    )
    cpu_all = (r["cpu"] + (r["n_all"] - r["n"]) * r["cpu_steady"]) / 2
    print(
        f"CPU time {r['cpu']:.0f} s ({r['cpu_steady']:.2f} s per report on a warm kernel: worker, kernel, pandoc, "
        f"typst); on 2 free cores all {r['n_all']} gemeenten need about {cpu_all:.0f} s = {cpu_all / 60:.1f} min "
        f"(target <= 10 min: {verdict(cpu_all <= 600)}; load average during the run {r['load']:.1f})"
    )
    est = "measured" if r["n"] == r["n_all"] else "extrapolated"
    print(f"all {r['n_all']} gemeenten: {total:.0f} s = {total / 60:.1f} min ({est}; target <= 10 min: "
          f"{verdict(total <= 600)})")  # fmt: skip
    print(
        f"per report (mean, one worker): notebook {s['execute']:.2f} s (first on a kernel: {r['first_execute']:.1f} s), "
        f"Markdown {s['markdown']:.2f} s, HTML (pandoc) {s['html']:.2f} s, PDF (pandoc + typst) {s['pdf']:.2f} s, "
        f"publication checks + leak scan {s['checks']:.2f} s; whole render {r['mean_report']:.2f} s"
    )
    print(
        f"shared work: data load {shared['load']:.2f} s (cold process, incl. imports); analysis for the first "
        f"gemeente {shared['first']:.2f} s, for the next {shared['next']:.2f} s (gemeente-independent results "
        f"computed once per kernel, analysis.memo)"
    )
    print(
        f"a cold render (fresh kernel) for comparison: {r['cold']:.1f} s (notebook {r['cold_steps'].get('execute', 0):.1f} s)"
    )


if __name__ == "__main__":
    print(f"benchmarks on {os.cpu_count()} cores")
    which = sys.argv[1:] or ["generation", "rates", "montecarlo", "render", "gemeenten"]
    if "generation" in which or ("rates" in which and not NL.exists()):
        bench_generation()
    if "rates" in which:
        bench_rates()
    if "montecarlo" in which:
        bench_montecarlo()
    if "render" in which:
        bench_render()
    if "gemeenten" in which:
        bench_gemeenten()
