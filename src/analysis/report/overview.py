"""The national overview of a per-gemeente report: every gemeente of the CBS panel with its HH use, its place in
the funnel and its break flag, each linking to its own report; the funnel chart; and the table behind the funnel
as a CSV next to the reports.

Written to reports/<report>/index.html (plus pre-sorted copies: a table sorts by following a column's link, no
script needed, so a Content-Security-Policy that forbids scripts does not break it), trechter.png and
<report>-gemeenten.csv. Every file is written whole or not at all (temp file + rename).
"""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

# sort key -> (file name, column header, how the rows are ordered)
SORTS = {
    "naam": ("index.html", "Gemeente"),
    "gebruik": ("index-gebruik.html", "HH-cliënten per 1.000 inwoners 65+"),
    "positie": ("index-positie.html", "Positie in de trechter (95%)"),
    "grootte": ("index-grootte.html", "Inwoners 65+"),
}
CSV_SEP, CSV_DECIMAL = ";", ","  # as the gemeente's own exports (analysis.data.io.CsvFormat): opens in Dutch Excel
# the reports' policy (issue 23): no script, nothing fetched; the chart is embedded as data, links still navigate
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'"
)
_POSITION = {"boven": "boven", "onder": "onder", "binnen": "binnen"}


def funnel_table(panel: pd.DataFrame, *, year: int | None = None) -> pd.DataFrame:
    """One row per gemeente of the panel: count, denominator, rate per 1.000 65+, the 95% and 99.8% limits at its
    size, its position, and its registration-break flag (the year of the first break in its own series, or NA).
    Gemeenten without a published HH figure in ``year`` are listed with empty figures and position 'geen cijfer'.
    Built from the library's benchmark (the same limits and the same break screen as in every gemeente's report)."""
    return _funnel_table(panel, year)[0]


def _funnel_table(panel: pd.DataFrame, year: int | None):
    """``funnel_table`` and the benchmark it was built from (its limits also draw the chart: one fit, not two)."""
    from analysis.demand import benchmark as bm
    from analysis.labels import label

    year = int(year or panel.jaar.max())
    have = panel[(panel.jaar == year) & panel.hh_clienten.notna() & (panel.inwoners_65plus > 0)]
    if have.empty:
        raise ValueError(f"the CBS panel has no published HH figures for {year}")
    b = bm.benchmark(panel, str(have.gemeente_code.iloc[0]), year=year)
    t = b.table.set_index("gemeente_code")
    lim = bm.funnel_limits(b.centre_rate, t.inwoners_65plus.to_numpy(float), tau=b.tau)
    lim.index = t.index
    names = panel.sort_values("jaar").drop_duplicates("gemeente_code", keep="last").set_index("gemeente_code")
    flagged = b.flagged.sort_values("jaar")  # the benchmark's own break screen: the flags its funnel leaves out
    brk = flagged.groupby("gemeente_code").jaar.min()
    # in Dutch, as the rest of the CSV (the screen's own reason is an English sentence for the library's users)
    first = flagged.groupby("gemeente_code").first()
    why = pd.Series([f"{label('breuk', k)}, {int(y)}" for k, y in zip(first.kind, first.jaar)], index=first.index,
                    dtype=object)  # fmt: skip
    out = pd.DataFrame(index=pd.Index(sorted(names.index), name="gemeente_code"))
    out["gemeente_naam"] = names.gemeente_naam.reindex(out.index).astype(str)
    out["jaar"] = year
    out["hh_clienten"] = t.hh_clienten.reindex(out.index)
    out["inwoners_65plus"] = names.inwoners_65plus.where(names.jaar == year).reindex(out.index)
    out["per_1000"] = t.per_1000.reindex(out.index)
    for c in ("onder_95", "boven_95", "onder_99_8", "boven_99_8"):
        out[c] = lim[c].reindex(out.index)
    out["positie_95"] = t.positie_95.reindex(out.index).fillna("geen cijfer")
    out["positie_99_8"] = t.positie_99_8.reindex(out.index).fillna("geen cijfer")
    out["registratiebreuk"] = brk.reindex(out.index).astype("Int64")
    out["registratiebreuk_reden"] = why.reindex(out.index).fillna("").astype(str)
    out["landelijk_per_1000"] = b.national_rate  # pooled: all clients over all 65+ of the unflagged gemeenten
    out["midden_per_1000"] = b.centre_rate  # the funnel's centre: the typical gemeente (random-effects mean)
    return out.reset_index(), b


def _number(v, decimals: int = 0) -> str:
    from analysis.formatting import number

    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else number(v, decimals)


def _sorted(t: pd.DataFrame, key: str) -> pd.DataFrame:
    if key == "gebruik":
        return t.sort_values(["per_1000", "gemeente_naam"], ascending=[False, True], na_position="last")
    if key == "positie":
        order = {"boven": 0, "binnen": 1, "onder": 2, "geen cijfer": 3}
        return t.assign(_o=t.positie_95.map(order)).sort_values(["_o", "per_1000"], ascending=[True, False])
    if key == "grootte":
        return t.sort_values(["inwoners_65plus", "gemeente_naam"], ascending=[False, True], na_position="last")
    return t.sort_values("gemeente_naam", key=lambda s: s.str.lower().str.lstrip("'"))


def _page(t: pd.DataFrame, key: str, *, title: str, links: dict[str, str], csv_name: str, chart: str | None,
          year: int, national: float, centre: float) -> str:  # fmt: skip
    from analysis.formatting import date

    heads = []
    for k, (fname, label) in SORTS.items():
        if k == key:
            heads.append(f'<th scope="col" aria-sort="{"ascending" if k == "naam" else "descending"}">{label}</th>')
        else:
            heads.append(f'<th scope="col"><a href="{fname}">{label}<span class="sr"> (sorteer hierop)</span></a></th>')
    rows = []
    for r in _sorted(t, key).itertuples():
        link = links.get(r.gemeente_code)
        name = escape(r.gemeente_naam)
        cell = f'<a href="{escape(link)}">{name}</a>' if link else f"{name} <small>(geen rapport)</small>"
        if pd.isna(r.registratiebreuk):
            flag = "–"
        elif r.positie_95 == "geen cijfer":  # flagged only because CBS published no HH figure for the year
            flag = f"geen HH-cijfer in {year}"
        else:
            flag = f"breuk in {r.registratiebreuk}"
        rows.append(
            f'<tr><th scope="row">{cell} <small>{escape(r.gemeente_code)}</small></th>'
            f'<td class="num">{_number(r.per_1000)}</td><td>{escape(_POSITION.get(r.positie_95, r.positie_95))}</td>'
            f'<td class="num">{_number(r.inwoners_65plus)}</td><td>{escape(flag)}</td></tr>'
        )
    figure = (
        f'<figure><img src="{chart}" width="720" alt="Trechterdiagram: voor elke gemeente het aantal HH-cliënten per '
        f"1.000 inwoners van 65 jaar en ouder tegen het aantal 65-plussers, met de 95%- en 99,8%-grenzen rond het "
        f"midden van de trechter, {_number(centre)} per 1.000 (de gemiddelde gemeente zonder breuk; alle gemeenten "
        f"zonder breuk samen: {_number(national)}). "
        f"Gemeenten met een breuk in de registratie zijn apart getekend en tellen niet mee voor het midden."
        f'"><figcaption>Trechterdiagram HH-gebruik '
        f"per gemeente, {year} (CBS)</figcaption></figure>"
        if chart
        else ""
    )
    n_rep = sum(1 for c in t.gemeente_code if c in links)
    # the page compares gemeenten; the report's own subtitle (e.g. 'ontwikkeling, drijvers en prognose') is about
    # one gemeente's report, so only the subject before the colon is kept
    heading = f"{title.split(':')[0].strip()}: alle gemeenten vergeleken"
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{escape(heading)}</title>
<style>body{{font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;max-width:60em;margin:0 auto;padding:1.5em}}
table{{border-collapse:collapse;width:100%}}th,td{{border-bottom:1px solid #8a8a8a;padding:.3em .6em;text-align:left}}
td.num{{text-align:right}}a{{color:#005a87}}img{{max-width:100%;height:auto}}
th a,td a,tbody th a{{display:inline-block;min-height:24px;padding:.1em 0}}
.sr{{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}}
.skip-link{{position:absolute;left:-10000px}}.skip-link:focus{{position:static}}
a:focus-visible{{outline:3px solid #f0b400;outline-offset:2px}}main:focus{{outline:none}}</style>
</head><body><a class="skip-link" href="#inhoud">Direct naar de inhoud</a>
<header><p>Sociaal domein · vergelijking van gemeenten (CBS)</p></header>
<main id="inhoud" tabindex="-1">
<h1>{escape(heading)}</h1>
<p>Het gebruik van huishoudelijke hulp (HH) in {year} in elke gemeente van het CBS-panel (gemeentegrenzen van
2020), met de positie in het trechterdiagram en een markering als de eigen CBS-reeks een breuk in de registratie
heeft. Alle gemeenten zonder breuk samen: {_number(national)} HH-cliënten per 1.000 inwoners van 65 jaar en ouder;
het midden van de trechter, de gemiddelde gemeente, ligt lager, op {_number(centre)}, omdat grote steden meer HH
hebben dan de meeste gemeenten en in het totaal zwaar wegen. ‘Boven’ of ‘onder’ betekent: buiten de
95%-grenzen rond de gemiddelde gemeente, dus een groter verschil dan toeval en gewone verschillen tussen
gemeenten verklaren. Gemeenten met een breuk in de registratie tellen niet mee voor het midden en de grenzen; hun
positie is met voorzichtigheid te lezen. {n_rep} van de
{len(t)} gemeenten hebben een eigen rapport; de naam linkt ernaar. Alle cijfers zijn echte, gepubliceerde
CBS-cijfers. Bijgewerkt op {escape(date(dt.date.today()))}.</p>
<p>De tabel achter de trechter (per gemeente: aantal, inwoners 65+, gebruik, grenzen, positie en breuk) staat in
<a href="{escape(csv_name)}">{escape(csv_name)}</a> (puntkomma als scheidingsteken, komma als decimaalteken).
Sorteren: kies een kolomkop.</p>
{figure}
<table><caption>HH-gebruik per gemeente, {year}, gesorteerd op {SORTS[key][1].lower()}</caption>
<thead><tr>{"".join(heads)}<th scope="col">Breuk in de registratie</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></main></body></html>
"""


def _chart(t: pd.DataFrame, fn: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.data.io import atomic_path
    from analysis.report import style

    d = t[t.per_1000.notna()]
    centre = float(d.midden_per_1000.iloc[0])
    flagged = d.registratiebreuk.notna()
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.fill_between(fn.n, fn.onder_99_8, fn.boven_99_8, color=style.PALETTE[4], alpha=0.15, label="99,8%-grenzen")
    ax.fill_between(fn.n, fn.onder_95, fn.boven_95, color=style.PALETTE[4], alpha=0.3, label="95%-grenzen")
    ax.axhline(centre, color="#333333", linewidth=1, label=f"Midden: gemiddelde gemeente ({_number(centre)})")
    ax.scatter(d.inwoners_65plus[~flagged], d.per_1000[~flagged], s=12, color=style.PALETTE[0], label="Gemeenten")
    ax.scatter(d.inwoners_65plus[flagged], d.per_1000[flagged], s=22, facecolors="none", edgecolors=style.PALETTE[5],
               label="Breuk in de registratie (niet meegeteld)")  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("Inwoners van 65 jaar en ouder (logaritmische schaal)")
    ax.set_ylabel("HH-cliënten per 1.000 inwoners 65+")
    style.dutch_axis(ax, "x")
    style.dutch_axis(ax, "y")
    style.legend_below(ax, ncol=3)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def write_overview(
    root: Path, report: str, title: str, panel: pd.DataFrame, links: dict[str, str], *, audience: str = "openbaar"
) -> list[Path]:
    """Write the overview of ``report`` into ``root/report``: index pages (one per sort order), trechter.png and
    the CSV. ``links``: gemeente code -> the path of its published HTML report, relative to ``root/report``.
    Refuses (RuntimeError naming the rule) a page that breaks the publication rules for HTML."""
    from analysis.data.io import atomic_path
    from analysis.report.accessibility import html_problems

    folder = root / report
    folder.mkdir(parents=True, exist_ok=True)
    t, bench = _funnel_table(panel, None)
    year = int(t.jaar.iloc[0])
    national = float(t.landelijk_per_1000.iloc[0])
    centre = float(t.midden_per_1000.iloc[0])  # the funnel's centre, as drawn and named on the page
    csv_name = f"{report}-gemeenten.csv"
    out = t.assign(rapport=t.gemeente_code.map(links).fillna(""))
    for c in ("hh_clienten", "inwoners_65plus"):
        out[c] = out[c].round().astype("Int64")
    rates = ["per_1000", "onder_95", "boven_95", "onder_99_8", "boven_99_8", "landelijk_per_1000", "midden_per_1000"]
    out[rates] = out[rates].round(3)  # per 1.000: three decimals is far below what CBS's rounding to 5 allows
    with atomic_path(folder / csv_name) as tmp:
        out.to_csv(tmp, sep=CSV_SEP, decimal=CSV_DECIMAL, index=False, encoding="utf-8")
    _chart(t, bench.funnel, folder / "trechter.png")  # also a file of its own, to download or reuse
    import base64

    chart = "data:image/png;base64," + base64.b64encode((folder / "trechter.png").read_bytes()).decode()
    written = [folder / csv_name, folder / "trechter.png"]
    for key, (fname, _) in SORTS.items():
        html = _page(t, key, title=title, links=links, csv_name=csv_name, chart=chart, year=year, national=national,
                     centre=centre)  # fmt: skip
        problems = html_problems(html)
        if problems:
            raise RuntimeError(f"{report}/{fname} does not meet the accessibility rules: {problems[0]}")
        with atomic_path(folder / fname) as tmp:
            tmp.write_text(html, encoding="utf-8")
        written.append(folder / fname)
    return written
