"""pandera schemas at the stage boundaries: raw -> processed -> report inputs.

``validate(df, schema, file)`` turns pandera's failure cases into a DataInputError naming file, rows, column
and the expectation, which is what `analysis data build` prints.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

from analysis.data.io import HEADER_OFFSET, DataInputError

GM_CODE = r"^GM\d{4}$"
CURRENT_YEAR = dt.date.today().year


def multiple_of(k: int) -> Check:
    return Check(
        lambda s: (s.dropna() % k == 0).reindex(s.index, fill_value=True),
        element_wise=False,
        name=f"multiple_of_{k}",
        error=f"a multiple of {k} (CBS rounding)",
    )


def not_in_future_year() -> Check:
    return Check.le(CURRENT_YEAR, error=f"a year not after {CURRENT_YEAR}")


def not_future_date() -> Check:
    return Check(
        lambda s: s.dropna() <= pd.Timestamp.today().normalize() + pd.offsets.MonthEnd(0),
        name="not_in_future",
        error="a date not in the future",
    )


# The file's own names (raw stage). What each holds is declared in sources.toml: support_at_home is HH,
# household_help OT.
WMO_COUNT_COLUMNS = ["support_at_home", "tools_and_services", "household_help", "accomm_and_shelter", "n_wmo_clients"]
POPULATION_COLUMNS = [
    "n_inhabitants",
    "n_male",
    "n_female",
    "age_0_15",
    "age_15_25",
    "age_25_45",
    "age_45_65",
    "age_65_plus",
    "n_unmarried",
    "n_married",
    "n_devorced",
    "n_widowed",
    "n_western",
    "n_non_western",
]
OTHER_NUMERIC = [
    "land_area_ha",
    "labor_participation",
    "avg_income",
    "avg_std_income",
    "n_benefit_welfare",
    "n_benefit_unfitforwork",
    "n_benefit_unemployed",
    "dist_doctor",
    "dist_store",
    "dist_daycare",
]
RAW_PANEL_COLUMNS = (
    ["year", "mun_code", "prov_code", "prov_name", "part_country_code", "part_country_name"]
    + WMO_COUNT_COLUMNS
    + ["mun_name"]
    + POPULATION_COLUMNS
    + OTHER_NUMERIC
)


def whole_number() -> Check:
    return Check(lambda s: s.dropna() % 1 == 0, name="whole_number", error="a whole number (a year, not 2017.5)")


RAW_PANEL = DataFrameSchema(
    {
        "year": Column("Float64", [Check.ge(2010), not_in_future_year(), whole_number()], nullable=False),
        "mun_code": Column(str, Check.str_matches(GM_CODE), nullable=False),
        "mun_name": Column(str, nullable=False),
        "prov_code": Column(str, Check.str_matches(r"^PV\d{2}$"), nullable=True),
        **{c: Column("Float64", [Check.ge(0), multiple_of(5)], nullable=True) for c in WMO_COUNT_COLUMNS},
        **{c: Column("Float64", Check.ge(0), nullable=True) for c in POPULATION_COLUMNS},
        # denominators of every rate: CBS always publishes them, so a missing one is a broken delivery, reported
        # here against the raw row rather than later against a processed table
        "n_inhabitants": Column("Float64", Check.gt(0), nullable=False),
        "age_65_plus": Column("Float64", Check.ge(0), nullable=False),
        **{c: Column("Float64", Check.ge(0), nullable=True) for c in OTHER_NUMERIC},
    },
    unique=["year", "mun_code"],
    strict=False,
    name="raw CBS Wmo panel",
)

PANEL = DataFrameSchema(
    {
        "gemeente_code": Column(str, Check.str_matches(GM_CODE)),
        "gemeente_naam": Column(str),
        "jaar": Column(int, [Check.in_range(2010, CURRENT_YEAR)]),
        "grens_jaar": Column(int),
        "hh_clienten": Column(float, Check.ge(0), nullable=True),
        "wmo_clienten": Column(float, Check.ge(0), nullable=True),
        "ondersteuning_thuis": Column(float, Check.ge(0), nullable=True),
        "inwoners": Column(float, Check.gt(0)),
        "inwoners_65plus": Column(float, Check.ge(0)),
        "gem_inkomen": Column(float, Check.ge(0), nullable=True),
        "n_bronnen": Column(int, Check.ge(1)),
        "volledig": Column(bool),
    },
    unique=["gemeente_code", "jaar", "grens_jaar"],
    strict=True,
    name="processed Wmo panel",
)

# The independent copy of CBS HH per gemeente (YoYo1971/WMO_JADS), in our names after the declared column map.
INDEPENDENT_HH = DataFrameSchema(
    {
        "gemeente_code": Column(str, Check.str_matches(GM_CODE)),
        "gemeente_naam": Column(str),
        "jaar": Column(int, [Check.in_range(2010, CURRENT_YEAR)]),
        "hh_clienten": Column(float, [Check.ge(0), multiple_of(5)], nullable=True),
        "hh_per_1000_inwoners": Column(float, Check.ge(0), nullable=True),
        "inwoners": Column(float, Check.gt(0)),
        "jongeren_jeugdzorg_in_natura": Column(float, Check.ge(0), nullable=True),
        "pct_jongeren_jeugdzorg": Column(float, Check.in_range(0, 100), nullable=True),
        "inwoners_65_80": Column(float, Check.ge(0), nullable=True),
        "inwoners_80plus": Column(float, Check.ge(0), nullable=True),
        "eenpersoonshuishoudens": Column(float, Check.ge(0), nullable=True),
        "huishoudens": Column(float, Check.ge(0), nullable=True),
    },
    unique=["gemeente_code", "jaar"],
    strict=True,
    name="independent copy of CBS HH per gemeente",
)

PAGE_VALUES = DataFrameSchema(
    {
        "table_id": Column(str, Check.str_matches(r"^\d{5}[A-Z]{3}$")),
        "geo_code": Column(str, Check.str_matches(GM_CODE)),
        "period": Column(str, Check.str_matches(r"^\d{4}\*?$")),
        "type": Column(str),
        "value": Column("Float64", Check.ge(0)),
        "url_in_pages_corpus": Column(str, Check.str_startswith("https://")),
    },
    strict=False,
    name="values read from CBS StatLine pages",
)

REFERENCE_COLUMNS = ["geo", "period", "measure", "value", "unit", "source", "url_or_path", "confidence", "note"]
REFERENCE = DataFrameSchema(
    {
        "geo": Column(str),
        "period": Column(str),
        "measure": Column(str),
        "value": Column(str, nullable=True),
        "unit": Column(str),
        "source": Column(str),
        "url_or_path": Column(str, nullable=True),
        "confidence": Column(str, nullable=True),
        "note": Column(str, nullable=True),
    },
    strict=True,
    name="reference figures",
)

HERINDELING_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "effective_date", "kind", "note"]
HERINDELING = DataFrameSchema(
    {
        "old_code": Column(str, Check.str_matches(GM_CODE), unique=True),
        "new_code": Column(str, Check.str_matches(GM_CODE)),
        "effective_date": Column("datetime64[ns]", not_future_date()),
        "kind": Column(str, Check.isin(["whole", "split"])),
    },
    strict=False,
    name="herindelingen",
)

# ----------------------------------------------------------------------------- synthetic / registration data

AREAS_CHECK = Check.str_length(min_value=2)

HH_CLIENTS = DataFrameSchema(
    {
        "client_id": Column(str, [Check.str_matches(r"^C[0-9a-f]{10}$")], unique=True),
        "geboortejaar": Column(int, Check.in_range(1900, CURRENT_YEAR)),
        "geslacht": Column(str, Check.isin(["v", "m"])),
        "huishouden": Column(str, Check.isin(["alleenstaand", "samenwonend"])),
        "inkomensklasse": Column(str, Check.isin(["laag", "midden", "hoog"])),
        "gebied": Column(str, AREAS_CHECK),
        "wij_team": Column(str),  # Groningen names them "WIJ ...": a local rule, data/check_rules.toml
        "start": Column("datetime64[ns]", not_future_date()),
        "einde": Column("datetime64[ns]", nullable=True),
        "uren_per_week": Column(float, Check.in_range(0.5, 20)),
        "aanbieder": Column(str),
        "koppel_id": Column(str),
        "koppel_start": Column("datetime64[ns]"),
        "herstelgericht": Column(bool),
        "hercodeerd": Column(bool),  # S11: registered as 'ondersteuning thuis' before 2019
    },
    checks=[
        Check(
            lambda d: d["einde"].isna() | (d["einde"] >= d["start"]),
            name="end_after_start",
            error="einde on or after start",
        )
    ],
    strict=False,
    name="HH clients",
)

PILOT_FAMILIES = DataFrameSchema(
    {
        "gezin_id": Column(str, Check.str_matches(r"^G[0-9a-f]{8}$"), unique=True),
        "groep": Column(str, Check.isin(["pilot", "vergelijking"])),
        "medewerker": Column(str, Check.isin(["MBO", "HBO", "geen"])),
        "route": Column(str, Check.isin(["gezinsverzorger", "gezinscoach", "regulier"])),
        "aanmelding": Column("datetime64[ns]", not_future_date()),
        "start": Column("datetime64[ns]", nullable=True),
        "einde": Column("datetime64[ns]", nullable=True),
        "uren_per_week": Column(float, Check.in_range(0, 40)),
        "vrijwilliger": Column(bool),
    },
    strict=False,
    name="pilot families",
)

REGIONAL_MONITOR_COLUMNS = [
    "pilot",
    "gemeente_code",
    "uitvoerder",
    "tarief",
    "periode_start",
    "periode_einde",
    "gezinnen_gestart",
    "gezinnen_afgerond",
    "gem_duur_maanden",
    "zrm_verbeterd",
    "zrm_gemeten",
    "uithuisplaatsingen",
    "kosten_eur",
]
REGIONAL_MONITOR = DataFrameSchema(
    {
        "pilot": Column(str, unique=True),
        "gemeente_code": Column(str, Check.str_matches(GM_CODE)),
        "uitvoerder": Column(str),
        "tarief": Column(str, Check.isin(["Wmo", "Jeugdwet", "loonkosten"])),
        "gezinnen_gestart": Column(int, Check.ge(0)),
        "gezinnen_afgerond": Column(int, Check.ge(0)),
        "gem_duur_maanden": Column(float, Check.ge(0), nullable=True),
        "zrm_verbeterd": Column(int, Check.ge(0)),
        "zrm_gemeten": Column(int, Check.ge(0)),
        "uithuisplaatsingen": Column(int, Check.ge(0)),
        "kosten_eur": Column(float, Check.ge(0)),
    },
    checks=[
        Check(lambda d: d["zrm_verbeterd"] <= d["zrm_gemeten"], error="zrm_verbeterd <= zrm_gemeten"),
        Check(lambda d: d["gezinnen_afgerond"] <= d["gezinnen_gestart"], error="gezinnen_afgerond <= gezinnen_gestart"),
    ],
    strict=False,
    name="regional pilot monitor",
)


def validate(df: pd.DataFrame, schema: DataFrameSchema, file: str, *, line_offset: int = HEADER_OFFSET) -> pd.DataFrame:
    """Validate; on failure raise DataInputError for the first failing column with all its failing rows."""
    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        first = fc.iloc[0]
        col = first["column"] if isinstance(first["column"], str) else None
        check = str(first["check"])
        same = fc[(fc["column"] == first["column"]) & (fc["check"] == first["check"])] if col else fc.iloc[:1]
        idx = [int(i) for i in same["index"].dropna().tolist() if str(i).lstrip("-").isdigit()]
        rows = [i + line_offset for i in idx]
        values = ", ".join(repr(v) for v in same["failure_case"].head(3).tolist())
        expected = _describe_check(schema, col, check)
        if "duplicate" in check.lower() or "unique" in check.lower():
            problem = f"duplicate rows for key {schema.unique or col} ({values})"
        elif "column_in_dataframe" in check:
            problem = f"missing column {first['failure_case']!r}"
            col = str(first["failure_case"])
        else:
            problem = f"{len(same)} value(s) fail check {check} ({values})"
        raise DataInputError(file, f"{schema.name}: {problem}", rows=rows, column=col, expected=expected) from None


def _describe_check(schema: DataFrameSchema, col: str | None, check: str) -> str:
    if col and col in schema.columns:
        for c in schema.columns[col].checks:
            if c.name and c.name in check and c.error:
                return c.error
        dtype = schema.columns[col].dtype
        return f"{check} ({dtype})"
    for c in schema.checks:
        if c.name and c.name in check and c.error:
            return c.error
    return check


AGE_BANDS = ["18-64", "65-74", "75-84", "85+"]

HH_MONTHLY = DataFrameSchema(
    {
        "maand": Column("datetime64[ns]", not_future_date()),
        "gebied": Column(str),
        "leeftijdsgroep": Column(str, Check.isin(AGE_BANDS)),
        "actief": Column(int, Check.ge(0)),
        "instroom": Column(int, Check.ge(0)),
        "instroom_hercodeerd": Column(int, Check.ge(0)),
        "uitstroom": Column(int, Check.ge(0)),
        "inwoners": Column(int, Check.gt(0)),
    },
    unique=["maand", "gebied", "leeftijdsgroep"],
    name="HH monthly counts",
)

POPULATION = DataFrameSchema(
    {
        "jaar": Column(int, Check.in_range(2000, 2060)),
        "gebied": Column(str),
        "leeftijdsgroep": Column(str, Check.isin(AGE_BANDS)),
        "inwoners": Column(int, Check.ge(0)),
    },
    unique=["jaar", "gebied", "leeftijdsgroep"],
    name="population by area and age",
)

HH_HERSTEL = DataFrameSchema(
    {
        "client_id": Column(str, Check.str_matches(r"^C[0-9a-f]{10}$"), unique=True),
        "groep": Column(str, Check.isin(["herstelgericht", "direct"])),
        "aanmelding": Column("datetime64[ns]", not_future_date()),
        "leeftijd": Column(int, Check.in_range(18, 110)),
        "huishouden": Column(str, Check.isin(["alleenstaand", "samenwonend"])),
        "maanden": Column(float, Check.in_range(0, 24)),
        "hh_gestart": Column(bool),
    },
    name="herstelgerichte hulp episodes",
)

PILOT_ZRM = DataFrameSchema(
    {
        "gezin_id": Column(str, Check.str_matches(r"^G[0-9a-f]{8}$")),
        "meetmoment": Column(int, Check.isin([0, 3, 6, 12])),
        "datum": Column("datetime64[ns]"),
        "domein": Column(str),
        "score": Column(int, Check.in_range(1, 5)),
    },
    unique=["gezin_id", "meetmoment", "domein"],
    name="ZRM scores",
)

PILOT_INDICATIONS = DataFrameSchema(
    {
        "gezin_id": Column(str, Check.str_matches(r"^G[0-9a-f]{8}$")),
        "fase": Column(str, Check.isin(["voor", "tijdens", "na"])),
        "indicaties": Column(int, Check.ge(0)),
    },
    unique=["gezin_id", "fase"],
    name="concurrent indications",
)

PILOT_EVENTS = DataFrameSchema(
    {
        "gezin_id": Column(str, Check.str_matches(r"^G[0-9a-f]{8}$")),
        "soort": Column(str, Check.isin(["uithuisplaatsing", "escalatie"])),
        "datum": Column("datetime64[ns]"),
    },
    name="heavy-care events",
)

PILOT_COSTS = DataFrameSchema(
    {
        "jaar": Column(int, Check.in_range(2020, 2030), unique=True),
        "begroot": Column(float, Check.ge(0)),
        "gerealiseerd": Column(float, Check.ge(0), nullable=True),
    },
    name="pilot costs",
)

PROCESSED_REFERENCE = REFERENCE.add_columns({"tabel": Column(str)})

# Processed and synthetic tables by the name the reports load them with: the processed -> report boundary.
# Tables written by the reconciliation stage and kept from the independent copy (analysis.data.pipeline)
# the processed tables of the independent copy are column selections of its validated raw form (same checks)
HH_INDEPENDENT_PROCESSED = INDEPENDENT_HH.select_columns(
    ["gemeente_code", "gemeente_naam", "jaar", "hh_clienten", "hh_per_1000_inwoners", "inwoners"]
).set_name("processed independent copy of CBS HH")
JEUGDZORG = DataFrameSchema(
    {
        "gemeente_code": Column(str, Check.str_matches(GM_CODE)),
        "gemeente_naam": Column(str),
        "jaar": Column(int, Check.in_range(2010, CURRENT_YEAR)),
        "jongeren_jeugdzorg_in_natura": Column(float, Check.ge(0)),
        "pct_jongeren_jeugdzorg": Column(float, Check.in_range(0, 100, include_min=False)),
        "jongeren": Column(float, Check.gt(0)),
        "inwoners": Column(float, Check.gt(0)),
    },
    checks=[Check(lambda d: d["jongeren_jeugdzorg_in_natura"] <= d["jongeren"], error="part within its total")],
    unique=["gemeente_code", "jaar"],
    strict=True,
    name="processed jeugdzorg in natura",
)
OUDEREN_HUISHOUDENS = INDEPENDENT_HH.select_columns(
    ["gemeente_code", "gemeente_naam", "jaar", "inwoners", "inwoners_65_80", "inwoners_80plus",
     "eenpersoonshuishoudens", "huishoudens"]
).set_name("processed 65-80/80+ and households")  # fmt: skip
RECONCILIATION = DataFrameSchema(
    {
        "check": Column(str),
        "table": Column(str),
        "compared": Column(int, Check.ge(0)),
        "failed": Column(int, Check.eq(0)),  # a failed check stops the build: a written table has none
        "against": Column(str),
    },
    strict=True,
    name="reconciliation checks",
)
COVERAGE = DataFrameSchema(
    {
        "jaar": Column(int, Check.in_range(2010, CURRENT_YEAR)),
        "column": Column(str),
        "gemeenten": Column(int, Check.gt(0)),
        "dekking": Column(float, Check.in_range(0, 1.0001)),
        "dekking_totaal": Column(float, Check.in_range(0, 1.0001)),
    },
    strict=True,
    name="national coverage",
)

PROCESSED = {
    "wmo_panel_eigen_grenzen": PANEL,
    "hh_onafhankelijke_kopie": HH_INDEPENDENT_PROCESSED,
    "kwb_jeugdzorg": JEUGDZORG,
    "kwb_ouderen_huishoudens": OUDEREN_HUISHOUDENS,
    "reconciliatie": RECONCILIATION,
    "dekking_landelijk": COVERAGE,
    "wmo_panel_grenzen_2020": PANEL,
    "herindelingen": HERINDELING,
    "reference": PROCESSED_REFERENCE,
    "synthetic/hh_clients": HH_CLIENTS,
    "synthetic/hh_monthly": HH_MONTHLY,
    "synthetic/population": POPULATION,
    "synthetic/hh_herstel": HH_HERSTEL,
    "synthetic/pilot_families": PILOT_FAMILIES,
    "synthetic/pilot_zrm": PILOT_ZRM,
    "synthetic/pilot_indications": PILOT_INDICATIONS,
    "synthetic/pilot_events": PILOT_EVENTS,
    "synthetic/pilot_costs": PILOT_COSTS,
    "synthetic/regional_monitor": REGIONAL_MONITOR,
}
