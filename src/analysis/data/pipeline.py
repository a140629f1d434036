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

from analysis.data import geography, io, numbers, schemas

PANEL_FILE = "cbs_wmo_panel/wmo_data.csv"
HERINDELING_FILE = "geography/gemeente_herindelingen.csv"
REFERENCE_FILES = {
    "nl_wmo_clients": "reference/nl_wmo_clients.csv",
    "groningen_wmo_hh": "reference/groningen_wmo_hh.csv",
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


def tidy_panel(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gemeente_code": raw["mun_code"].astype(str),
            "gemeente_naam": raw["mun_name"].astype(str),
            "jaar": raw["year"].astype(int),
            "hh_clienten": raw["household_help"].astype(float),
            "wmo_clienten": raw["n_wmo_clients"].astype(float),
            "ondersteuning_thuis": raw["support_at_home"].astype(float),
            "inwoners": raw["n_inhabitants"].astype(float),
            "inwoners_65plus": raw["age_65_plus"].astype(float),
            "gem_inkomen": raw["avg_income"].astype(float),
        }
    )


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
    raw_panel = load_panel(raw_dir / PANEL_FILE, fmt(PANEL_FILE))
    herindelingen = load_herindelingen(raw_dir / HERINDELING_FILE, fmt(HERINDELING_FILE))
    check_herindeling_codes(raw_dir / HERINDELING_FILE, herindelingen, raw_panel)
    references = {name: load_reference(raw_dir / rel, fmt(rel)) for name, rel in REFERENCE_FILES.items()}

    # 2. process
    panel = tidy_panel(raw_panel)
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
            citation="gepubliceerde cijfers van CBS, OIS Groningen, SCP, PBL, RIVM en de monitor abonnementstarief; "
            "de bron staat bij elk cijfer",
        )
        outputs = []
        for f in sorted(staging.iterdir()):
            os.replace(f, out_dir / f.name)
            outputs.append(f.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(tuple(outputs), out_dir)
