"""`analysis data build`: raw -> processed, as a recipe (load inputs -> check -> process -> save outputs).

All outputs are first written to a staging folder; only when every table has been built and validated are they
moved into data/processed/. A failure leaves the previous good state untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.data import geography, io, numbers, reconcile, schemas

PANEL_FILE = "cbs_wmo_panel/wmo_data.csv"
HERINDELING_FILE = "geography/gemeente_herindelingen.csv"
INDEPENDENT_FILE = "cbs_hh_yoyo/hh_clients_gemeente_2017_2019.csv"
PAGES_FILE = "cbs_statline_pages/cbs_page_values.csv"
# The panel's columns we use, in our names. Which file column holds each is declared in sources.toml, never here.
PANEL_TARGETS = ("gemeente_code", "gemeente_naam", "jaar", "hh_clienten", "wmo_clienten", "ondersteuning_thuis",
                 "inwoners", "inwoners_65plus", "gem_inkomen")  # fmt: skip
INDEPENDENT_TARGETS = ("gemeente_code", "gemeente_naam", "jaar", "hh_clienten", "hh_per_1000_inwoners", "inwoners",
                       "jongeren_jeugdzorg_in_natura", "pct_jongeren_jeugdzorg", "inwoners_65_80", "inwoners_80plus",
                       "eenpersoonshuishoudens", "huishoudens")  # fmt: skip
REFERENCE_FILES = {
    "nl_wmo_clients": "reference/nl_wmo_clients.csv",
    # the 2026-11-30 file supersedes reference/groningen_wmo_hh.csv, whose CBS rows came from the mislabelled column
    "groningen_wmo_hh": "reference/groningen_wmo_hh_2026-11-30.csv",
    "abonnementstarief_effect": "reference/abonnementstarief_effect.csv",
    "population_and_prognosis": "reference/population_and_prognosis.csv",
    "mantelzorg_single_households": "reference/mantelzorg_single_households.csv",
}
HARMONISED_YEAR = 2020


@dataclass(frozen=True)
class BuildResult:
    outputs: tuple[str, ...]
    processed_dir: Path


def load_sources(raw_dir: Path) -> dict:
    path = raw_dir / "sources.toml"
    if not path.exists():
        raise io.DataInputError(path, "provenance file missing", expected="data/raw/sources.toml with one entry a file")
    io.check_input_file(path, "the provenance file sources.toml")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise io.DataInputError(path, f"not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise io.DataInputError(path, "not UTF-8 text") from None
    files = raw.get("files")
    if not isinstance(files, dict) or not files:
        raise io.DataInputError(path, 'no [files."..."] entries', expected='one [files."<path>"] table per raw file')
    for rel, meta in files.items():
        io.safe_relative_key(f'{path} [files."{rel}"]', rel, raw_dir)
        if not isinstance(meta, dict) or "sha256" not in meta:
            raise io.DataInputError(path, f'entry [files."{rel}"] has no sha256', expected='sha256 = "<hex>"')
    return files


def check_raw_integrity(raw_dir: Path, sources: dict) -> dict[str, str]:
    """Every raw file must be listed with provenance and unchanged (data/raw is immutable)."""
    hashes = {}
    for rel, meta in sources.items():
        p = raw_dir / rel
        if not p.exists():
            raise io.DataInputError(p, "listed in sources.toml but missing")
        io.check_input_file(p, "the file listed in sources.toml")  # a FIFO or device is refused before reading
        h = io.sha256_file(p)
        if h != meta.get("sha256"):
            raise io.DataInputError(
                p,
                "file differs from its provenance record (data/raw is immutable)",
                expected=f"sha256 {meta.get('sha256')}, found {h}; add a new file with its own sources.toml entry",
            )
        hashes[rel] = h
    for p in raw_dir.rglob("*.csv"):
        rel = p.relative_to(raw_dir).as_posix()
        if rel not in sources and not rel.startswith("cbs/"):
            raise io.DataInputError(
                p, "raw file without provenance", expected=f'an entry [files."{rel}"] in sources.toml'
            )
    return hashes


def column_map(sources: dict, rel: str, required: tuple[str, ...], where: Path) -> dict[str, str]:
    """The declared meaning of a raw file's columns: ``[files."<rel>".columns]`` in sources.toml, file column ->
    our column. Every column the pipeline needs must be declared once."""
    entry = f'[files."{rel}".columns]'
    m = sources[rel].get("columns")
    if not isinstance(m, dict) or not m:
        raise io.DataInputError(
            where, f"entry [files.\"{rel}\"] declares no column map", expected=f'a table {entry}: file column = "ours"'
        )
    if not all(isinstance(v, str) for v in m.values()):
        raise io.DataInputError(where, f"{entry} has a value that is not a column name", expected='file = "ours"')
    targets = list(m.values())
    twice = sorted({v for v in targets if targets.count(v) > 1})
    if twice:
        raise io.DataInputError(where, f"{entry} maps several file columns onto {twice}", expected="one source each")
    missing = [c for c in required if c not in targets]
    if missing:
        raise io.DataInputError(where, f"{entry} does not say which column holds {missing}", expected="all of them")
    return dict(m)


def apply_column_map(df: pd.DataFrame, mapping: dict[str, str], path: Path) -> pd.DataFrame:
    """Select and rename a raw table's columns by the declared map (naming the file when a mapped column is absent)."""
    absent = [c for c in mapping if c not in df.columns]
    if absent:
        raise io.DataInputError(
            path, f"column(s) {absent} declared in sources.toml are not in the file", column=absent[0],
            expected=f"columns {list(mapping)}",
        )  # fmt: skip
    return df[list(mapping)].rename(columns=mapping)


def load_independent_copy(path: Path, fmt: io.CsvFormat, mapping: dict[str, str]) -> pd.DataFrame:
    """The YoYo copy of CBS HH per gemeente 2017-2019 (rows chosen by CBS label), with jeugdzorg and 65-80/80+."""
    cols = ["mun_code", "mun_name", "year", "typemaatwerkarrangement", "hh_clients", "hh_clients_per_1000",
            "aantalinwoners", "jongerenmetjeugdzorginnatura", "percentagejongerenmetjeugdzorg",
            "popk65tot80jaarleeftijdsgroep", "popk80jaarofouderleeftijdsgroep",
            "popk65tot80jaarrelatieveleeftijdsgroep", "popk80jaarofouderrelatieveleeftijdsgroep",
            "eenpersoonshuishoudens", "huishoudenstotaal"]  # fmt: skip
    df = io.read_csv_text(path, fmt, cols)
    label = df["typemaatwerkarrangement"] != "Hulp bij het huishouden"
    if label.any():
        raise io.DataInputError(
            path, "row of another Wmo type", rows=[i + io.HEADER_OFFSET for i in df.index[label]],
            column="typemaatwerkarrangement", expected="'Hulp bij het huishouden' in every row",
        )  # fmt: skip
    numeric = [c for c in cols if c not in ("mun_code", "mun_name", "typemaatwerkarrangement")]
    df = io.parse_numeric(path, df, numeric, fmt)
    out = apply_column_map(df, mapping, path)
    out["jaar"] = out["jaar"].astype(int)
    for c in out.columns.drop(["gemeente_code", "gemeente_naam", "jaar"]):
        out[c] = out[c].astype(float)
    return schemas.validate(out, schemas.INDEPENDENT_HH, str(path))


def load_page_values(path: Path, fmt: io.CsvFormat) -> pd.DataFrame:
    cols = ["table_id", "table_title", "geo", "geo_code", "period", "type", "measure", "value", "unit",
            "url_in_pages_corpus", "note"]  # fmt: skip
    df = io.read_csv_text(path, fmt, cols)
    df = io.parse_numeric(path, df, ["value"], fmt)
    return schemas.validate(df, schemas.PAGE_VALUES, str(path))


def load_panel(path: Path, fmt: io.CsvFormat) -> pd.DataFrame:
    df = io.read_csv_text(path, fmt, schemas.RAW_PANEL_COLUMNS)
    numeric = ["year"] + schemas.WMO_COUNT_COLUMNS + schemas.POPULATION_COLUMNS + schemas.OTHER_NUMERIC
    df = io.parse_numeric(path, df, numeric, fmt, whole=numbers.PANEL_WHOLE)
    _refuse_bsn_columns(path, df)
    numbers.check_parts(path, df, numbers.PANEL_PARTS)
    return schemas.validate(df, schemas.RAW_PANEL, str(path))


def _refuse_bsn_columns(path: Path, df: pd.DataFrame) -> None:
    from analysis.privacy import looks_like_bsn_column

    for col in df.columns:
        vals = df[col].dropna()
        if pd.api.types.is_float_dtype(vals):  # numbers were parsed already: only whole numbers can be BSNs
            # one stray non-integer cell must not hide a column of BSNs: check the whole numbers among them
            vals = vals[vals % 1 == 0].astype("int64")
        if looks_like_bsn_column(vals.astype(str)):
            raise io.DataInputError(
                path,
                "column looks like BSN numbers (9 digits passing the eleven test)",
                column=col,
                expected="no personal identifiers in any input of this pipeline",
            )


def tidy_panel(raw: pd.DataFrame, mapping: dict[str, str], path: Path | str = PANEL_FILE) -> pd.DataFrame:
    """The panel in our names, read through the declared column map (the file's own names are not trusted)."""
    d = apply_column_map(raw, mapping, Path(path))
    out = pd.DataFrame(
        {"gemeente_code": d["gemeente_code"].astype(str), "gemeente_naam": d["gemeente_naam"].astype(str),
         "jaar": d["jaar"].astype(int)}
    )  # fmt: skip
    for c in d.columns.drop(["gemeente_code", "gemeente_naam", "jaar"]):
        out[c] = d[c].astype(float)
    return out


def load_reference(path: Path, fmt: io.CsvFormat) -> pd.DataFrame:
    df = io.read_csv_text(path, fmt, schemas.REFERENCE_COLUMNS)
    numbers.check_reference_values(path, df, fmt)
    return schemas.validate(df, schemas.REFERENCE, str(path))


def load_herindelingen(path: Path, fmt: io.CsvFormat) -> pd.DataFrame:
    df = io.read_csv_text(path, fmt, schemas.HERINDELING_COLUMNS)
    dates = pd.to_datetime(df["effective_date"], format="%Y-%m-%d", errors="coerce")
    bad = df["effective_date"].notna() & dates.isna()
    if bad.any():
        raise io.DataInputError(
            path,
            "unreadable date",
            rows=[i + io.HEADER_OFFSET for i in df.index[bad]],
            column="effective_date",
            expected="a date as YYYY-MM-DD",
        )
    df["effective_date"] = dates.astype("datetime64[ns]")
    return schemas.validate(df, schemas.HERINDELING, str(path))


def check_herindeling_codes(path: Path, herindelingen: pd.DataFrame, panel: pd.DataFrame) -> None:
    """Every code in the herindelingen table must occur in the panel: an unknown code would silently map a
    gemeente onto nothing. Reported against the herindelingen file and row, not a processed table."""
    known = set(panel["mun_code"])
    for col in ("old_code", "new_code"):
        bad = ~herindelingen[col].isin(known)
        if bad.any():
            raise io.DataInputError(
                path,
                f"gemeente code(s) not in the CBS panel ({', '.join(herindelingen.loc[bad, col].head(3))})",
                rows=[i + io.HEADER_OFFSET for i in herindelingen.index[bad]],
                column=col,
                expected="codes that occur in cbs_wmo_panel/wmo_data.csv",
            )


def citation(meta: dict) -> str:
    """'CBS StatLine, tabellen 84751NED, …; secundaire kopie' from a sources.toml entry."""
    publisher = meta.get("publisher", "")
    tables = meta.get("cbs_tables", [])
    secondary = "secondary copy" in publisher or "derived" in publisher
    if publisher.startswith("Centraal Bureau voor de Statistiek") and tables:
        text = "CBS StatLine, tabellen " + ", ".join(tables)
    elif tables:
        text = "CBS StatLine (" + ", ".join(tables) + ") en andere publicaties; bron per cijfer in de tabel"
    else:
        text = "samengesteld in dit project uit wetten tot samenvoeging en het CBS-panel"
    return text + ("; wij gebruiken een secundaire kopie, niet rechtstreeks uit StatLine gehaald" if secondary else "")


def build_processed(raw_dir: str | Path, out_dir: str | Path) -> BuildResult:
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    # 1. load inputs
    sources = load_sources(raw_dir)
    hashes = check_raw_integrity(raw_dir, sources)
    fmt = lambda rel: io.CsvFormat.from_mapping(sources[rel].get("format"), f'sources.toml [files."{rel}"].format')
    toml = raw_dir / "sources.toml"
    raw_panel = load_panel(raw_dir / PANEL_FILE, fmt(PANEL_FILE))
    herindelingen = load_herindelingen(raw_dir / HERINDELING_FILE, fmt(HERINDELING_FILE))
    check_herindeling_codes(raw_dir / HERINDELING_FILE, herindelingen, raw_panel)
    references = {name: load_reference(raw_dir / rel, fmt(rel)) for name, rel in REFERENCE_FILES.items()}
    copy_map = column_map(sources, INDEPENDENT_FILE, INDEPENDENT_TARGETS, toml)
    independent = load_independent_copy(raw_dir / INDEPENDENT_FILE, fmt(INDEPENDENT_FILE), copy_map)
    pages = load_page_values(raw_dir / PAGES_FILE, fmt(PAGES_FILE))

    # 2. process: read the panel by its declared column meaning, then reconcile it with published figures before
    # anything is derived from it or written
    panel = tidy_panel(raw_panel, column_map(sources, PANEL_FILE, PANEL_TARGETS, toml), raw_dir / PANEL_FILE)
    rec = reconcile.reconcile(
        panel,
        independent=independent,
        national=references["nl_wmo_clients"],
        pages=pages,
        reference_log_rows=references["groningen_wmo_hh"],
    )
    rec.raise_for_failures(
        {"wmo_panel": str(raw_dir / PANEL_FILE), "hh_onafhankelijke_kopie": str(raw_dir / INDEPENDENT_FILE)}
    )
    panel = panel[list(PANEL_TARGETS)]
    own = panel.assign(grens_jaar=panel["jaar"], n_bronnen=1, volledig=panel["hh_clienten"].notna())
    own = own[list(schemas.PANEL.columns)]
    names = dict(
        zip(
            panel.loc[panel.jaar == panel.jaar.max(), "gemeente_code"],
            panel.loc[panel.jaar == panel.jaar.max(), "gemeente_naam"],
        )
    )
    harm = geography.harmonise(
        panel,
        herindelingen,
        HARMONISED_YEAR,
        counts=["hh_clienten", "wmo_clienten", "ondersteuning_thuis", "inwoners", "inwoners_65plus"],
        weighted_means={"gem_inkomen": "inwoners"},
        names=names,
    )
    harm["grens_jaar"] = HARMONISED_YEAR
    # Population is always published (KWB), so a missing Wmo cell must not blank out the denominators.
    pop = geography.harmonise(panel, herindelingen, HARMONISED_YEAR, counts=["inwoners", "inwoners_65plus"])
    harm = harm.drop(columns=["inwoners", "inwoners_65plus"]).merge(
        pop[["gemeente_code", "jaar", "inwoners", "inwoners_65plus"]], on=["gemeente_code", "jaar"]
    )
    harm["volledig"] = harm["hh_clienten"].notna()
    harm = harm[list(schemas.PANEL.columns)]
    own = schemas.validate(own, schemas.PANEL, "processed/wmo_panel_eigen_grenzen")
    harm = schemas.validate(harm, schemas.PANEL, f"processed/wmo_panel_grenzen_{HARMONISED_YEAR}")
    reference = pd.concat([r.assign(tabel=name) for name, r in references.items()], ignore_index=True)
    reference = schemas.validate(reference, schemas.PROCESSED_REFERENCE, "processed/reference", line_offset=0)

    # 3. save outputs (staging, then move)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    src_panel = {PANEL_FILE: hashes[PANEL_FILE], HERINDELING_FILE: hashes[HERINDELING_FILE]}
    try:
        io.write_dataset(
            own,
            staging / "wmo_panel_eigen_grenzen.parquet",
            description="Wmo- en HH-cliënten per gemeente en jaar 2017-2020, indeling van elk jaar",
            unit="personen (CBS-afgerond op 5); inwoners",
            source=sources[PANEL_FILE]["origin"],
            inputs=src_panel,
            citation=citation(sources[PANEL_FILE]),
        )
        io.write_dataset(
            harm,
            staging / f"wmo_panel_grenzen_{HARMONISED_YEAR}.parquet",
            description=f"Zelfde panel, geharmoniseerd naar de gemeentegrenzen van {HARMONISED_YEAR} "
            "(tellingen opgeteld; ontbrekende bijdrage -> leeg)",
            unit="personen; inwoners",
            source=sources[PANEL_FILE]["origin"],
            inputs=src_panel,
            citation=citation(sources[PANEL_FILE]) + "; geharmoniseerd naar de grenzen van 2020",
        )
        io.write_dataset(
            herindelingen,
            staging / "herindelingen.parquet",
            description="Gemeentelijke herindelingen",
            unit="codes",
            source=sources[HERINDELING_FILE]["origin"],
            inputs={HERINDELING_FILE: hashes[HERINDELING_FILE]},
            citation=citation(sources[HERINDELING_FILE]),
        )
        io.write_dataset(
            reference,
            staging / "reference.parquet",
            description="Gepubliceerde referentiecijfers (een rij per cijfer, met bron)",
            unit="zie kolom unit",
            source="shared/data/reference (gecureerd)",
            inputs={rel: hashes[rel] for rel in REFERENCE_FILES.values()},
            citation="gepubliceerde cijfers van CBS, SCP, PBL, RIVM, gemeentelijke onderzoeksbureaus en de monitor "
            "abonnementstarief; "
            "de bron staat bij elk cijfer",
        )
        src_copy = {INDEPENDENT_FILE: hashes[INDEPENDENT_FILE]}
        cite_copy = citation(sources[INDEPENDENT_FILE]) + "; via YoYo1971/WMO_JADS"
        io.write_dataset(
            independent[["gemeente_code", "gemeente_naam", "jaar", "hh_clienten", "hh_per_1000_inwoners", "inwoners"]],
            staging / "hh_onafhankelijke_kopie.parquet",
            description="HH-cliënten per gemeente 2017-2019, onafhankelijke kopie (rijen gekozen op CBS-label), "
            "indeling van elk jaar",
            unit="personen (CBS-afgerond op 5); per 1.000 inwoners zoals CBS publiceert",
            source=sources[INDEPENDENT_FILE]["origin"],
            inputs=src_copy,
            citation=cite_copy,
        )
        jz = independent[independent.jongeren_jeugdzorg_in_natura.notna() & (independent.pct_jongeren_jeugdzorg > 0)]
        # the denominator CBS used (all young people) follows from the count and the percentage; CBS rounds the
        # percentage to 0,1, so it is exact to about 0,05 / percentage (under 1% for any gemeente here)
        jz = jz.assign(jongeren=(jz.jongeren_jeugdzorg_in_natura / (jz.pct_jongeren_jeugdzorg / 100)).round())
        io.write_dataset(
            jz[["gemeente_code", "gemeente_naam", "jaar", "jongeren_jeugdzorg_in_natura", "pct_jongeren_jeugdzorg",
                "jongeren", "inwoners"]].reset_index(drop=True),
            staging / "kwb_jeugdzorg.parquet",
            description="Jongeren met jeugdzorg in natura per gemeente 2018-2019 (CBS Kerncijfers wijken en buurten), "
            "aantal en percentage van alle jongeren; jongeren = aantal / percentage (afgeleid)",
            unit="personen; procent",
            source=sources[INDEPENDENT_FILE]["origin"],
            inputs=src_copy,
            citation="CBS StatLine, Kerncijfers wijken en buurten 84286NED, 84583NED; via YoYo1971/WMO_JADS",
        )  # fmt: skip
        io.write_dataset(
            independent[["gemeente_code", "gemeente_naam", "jaar", "inwoners", "inwoners_65_80", "inwoners_80plus",
                         "eenpersoonshuishoudens", "huishoudens"]],
            staging / "kwb_ouderen_huishoudens.parquet",
            description="Inwoners 65-80 en 80+ en eenpersoonshuishoudens per gemeente 2017-2019 (65-80/80+ upstream "
            "op naam gekoppeld: ontbreekt voor enkele gemeenten, o.a. GM0014)",
            unit="personen; huishoudens",
            source=sources[INDEPENDENT_FILE]["origin"],
            inputs=src_copy,
            citation="CBS StatLine 70072NED en Kerncijfers wijken en buurten; via YoYo1971/WMO_JADS",
        )  # fmt: skip
        rec_inputs = {rel: hashes[rel] for rel in (PANEL_FILE, INDEPENDENT_FILE, PAGES_FILE)}
        io.write_dataset(
            rec.checks,
            staging / "reconciliatie.parquet",
            description="Controles van de echte tabellen tegen gepubliceerde cijfers (aantal vergeleken, aantal fout)",
            unit="aantallen",
            source="analysis.data.reconcile bij analysis data build",
            inputs=rec_inputs,
            citation="eigen controle tegen CBS StatLine en een onafhankelijke kopie",
        )
        io.write_dataset(
            rec.coverage,
            staging / "dekking_landelijk.parquet",
            description="Deel van het landelijke CBS-cijfer dat de gemeenten met gepubliceerde cijfers samen dekken, "
            "per jaar, naast de dekking van het Wmo-totaal van dezelfde gemeenten",
            unit="fractie",
            source="analysis.data.reconcile bij analysis data build",
            inputs=rec_inputs,
            citation="CBS StatLine 84751NED-84908NED (secundaire kopie) en Monitor Langdurige Zorg",
        )
        outputs = []
        for f in sorted(staging.iterdir()):
            os.replace(f, out_dir / f.name)
            outputs.append(f.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(tuple(outputs), out_dir)
