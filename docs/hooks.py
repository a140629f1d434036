"""MkDocs hook: the data, assumptions, table-layout and table-list pages are generated from data/raw/sources.toml,
data/assumptions.toml and the pandera schemas at every build, so the site cannot drift from them. KaTeX (installed
by `make tools` from npm into .cache/tools) is copied into the site, so formulas render offline, from a file."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "generated"


def _md_escape(s: str) -> str:
    return str(s).replace("|", "/").replace("\n", " ")


def on_pre_build(config, **kwargs):
    OUT.mkdir(exist_ok=True)
    src = tomllib.loads((ROOT / "data" / "raw" / "sources.toml").read_text(encoding="utf-8"))["files"]
    lines = ["# Data sources", "", "Generated from `data/raw/sources.toml` at build time. Every raw file has its origin, "
             "CBS table ids, date taken, licence and sha256; `analysis data build` refuses a file that differs "
             "from its record.", ""]  # fmt: skip
    for rel, m in src.items():
        lines += [f"## `{rel}`", "", f"**{_md_escape(m.get('title', ''))}**", "",
                  f"- Origin: {_md_escape(m.get('origin', ''))}", f"- Publisher: {_md_escape(m.get('publisher', ''))}",
                  f"- CBS tables: {', '.join(m.get('cbs_tables', [])) or '-'}", f"- Taken: {m.get('taken', '')}",
                  f"- Licence: {_md_escape(m.get('licence', ''))}", f"- sha256: `{m.get('sha256', '')}`"]  # fmt: skip
        for c in m.get("caveats", []):
            lines.append(f"- Caveat: {_md_escape(c)}")
        lines.append("")
    (OUT / "data.md").write_text("\n".join(lines), encoding="utf-8")

    log = tomllib.loads((ROOT / "data" / "assumptions.toml").read_text(encoding="utf-8"))["assumption"]
    lines = ["# Assumptions log", "", "Generated from `data/assumptions.toml`. Quality and impact: groen (good / small), "
             "oranje, rood (weak / large). Every report renders the entries it relies on.", "",
             "| id | title | quality | impact | used by | value |", "|---|---|---|---|---|---|"]  # fmt: skip
    for a in log:
        val = _md_escape(a.get("value", "")) if "value" in a else ""
        lines.append(f"| {a['id']} | {_md_escape(a['title'])} | {a['quality']} | {a['impact']} | "
                     f"{', '.join(a['used_by'])} | {val} |")  # fmt: skip
    lines.append("")
    for a in log:
        lines += [
            f"## {a['id']} {a['title']}",
            "",
            _md_escape(a["description"]),
            "",
            f"*Source: {_md_escape(a['source'])}*",
            "",
        ]
    (OUT / "assumptions.md").write_text("\n".join(lines), encoding="utf-8")

    from analysis.data.check import TABLES, layout

    lines = ["# Table layouts", "", "Generated from the pandera schemas in `analysis.data.schemas`: the layout each "
             "registration table must have to replace the synthetic table of the same name. Check an export with "
             "`analysis data check FILE --table NAME` (every problem with row and column; nothing is written).", ""]  # fmt: skip
    import pandas as pd

    for name in sorted(TABLES):
        lay = layout(name)
        lines += [f"## `{name}`", "", "| column | meaning | type | rules | may be empty | unique |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for col, meaning, typ, rules, nullable, unique in lay.itertuples(index=False, name=None):
            lines.append(f"| `{col}` | {_md_escape(meaning)} | {typ} | {_md_escape(rules)} | "
                         f"{'yes' if nullable else 'no'} | {'yes' if unique else 'no'} |")  # fmt: skip
        example = _example_row(name)
        if example is not None:
            lines += ["", "Example row (synthetic):", "", "```text", ";".join(example.index), ";".join(
                _cell(v) for v in example.values), "```"]  # fmt: skip
        lines.append("")
    (OUT / "layouts.md").write_text("\n".join(lines), encoding="utf-8")
    del pd
    _tables_page()
    _katex()


NODE = ROOT / ".cache" / "tools" / "node_modules"
KATEX = NODE / "katex" / "dist"
IFRAME_WORKER = NODE / "iframe-worker" / "shim" / "index.js"


def _katex():
    """Copy KaTeX's script, style sheet, fonts and auto-render into docs/generated/katex, and the iframe-worker
    shim (search from file://; Material's offline plugin would otherwise load it from unpkg) into
    docs/generated/iframe-worker: both are served from the site itself."""
    import shutil

    for need in (KATEX / "katex.min.js", IFRAME_WORKER):
        if not need.exists():
            raise SystemExit(f"{need} not found: run `make tools` (npm) so the site works offline")
    (OUT / "iframe-worker").mkdir(exist_ok=True)
    shutil.copy2(IFRAME_WORKER, OUT / "iframe-worker" / "shim.js")
    dest = OUT / "katex"
    if (dest / "katex.min.js").exists() and (dest / "katex.min.js").stat().st_mtime >= (
        KATEX / "katex.min.js"
    ).stat().st_mtime:
        return
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for f in ("katex.min.js", "katex.min.css"):
        shutil.copy2(KATEX / f, dest / f)
    (dest / "contrib").mkdir()
    shutil.copy2(KATEX / "contrib" / "auto-render.min.js", dest / "contrib" / "auto-render.min.js")
    shutil.copytree(KATEX / "fonts", dest / "fonts")


def _tables_page():
    """Every table ``load_processed`` knows, with its columns and types (from the schemas the reports validate)."""
    from analysis.data.check import _type_words
    from analysis.data.schemas import PROCESSED

    lines = ["# Available tables", "", "Generated from `analysis.data.schemas.PROCESSED`: every name "
             "`analysis.data.io.load_processed(name)` accepts once `analysis data build` (processed, real data) and "
             "`analysis data synth` (`synthetic/...`, synthetic data) have run. A wrong name is answered with the valid "
             "ones; `analysis.data.io.available_tables()` lists what is built.", "",
             "```python", "from analysis.data.io import load_processed", "",
             'panel = load_processed("wmo_panel_grenzen_2020")', "```", "",
             "| table | kind | built by | columns |", "|---|---|---|---|"]  # fmt: skip
    for name, schema in PROCESSED.items():
        synthetic = name.startswith("synthetic/")
        cols = ", ".join(f"`{c}` ({_type_words(str(col.dtype))})" for c, col in schema.columns.items())
        lines.append(f"| `{name}` | {'synthetic' if synthetic else 'real (CBS, public)'} | "
                     f"`analysis data {'synth' if synthetic else 'build'}` | {_md_escape(cols)} |")  # fmt: skip
    lines.append("")
    (OUT / "tables.md").write_text("\n".join(lines), encoding="utf-8")


def _cell(v) -> str:
    import pandas as pd

    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float):
        return f"{v:g}".replace(".", ",")
    if isinstance(v, bool):
        return "ja" if v else "nee"
    return "" if v is None or (isinstance(v, float) and v != v) else str(v)


def _example_row(name: str):
    import pandas as pd

    from analysis.data.check import TABLES
    from analysis.paths import synthetic_dir

    p = synthetic_dir() / f"{name}.parquet"
    if not p.exists():
        return None
    df = pd.read_parquet(p)
    return df[list(TABLES[name].columns)].iloc[0]
