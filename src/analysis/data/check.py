"""Check an export of the gemeente's own registration against the table layout the reports read, listing every
problem once, in plain words, in one run, without writing anything (``analysis data check FILE --table NAME``).

The layouts are the pandera schemas of ``analysis.data.schemas`` (the same ones that guard data/processed), so a file
that passes here can replace the synthetic table of the same name. The checks are run here cell by cell rather than
through pandera's report, so that each problem is one line in the words of the person who made the export:

- **row numbers** are the rows a spreadsheet shows: the header is row 1, the first data row row 2;
- **the raw cell text** is quoted as it is in the file, with a fix where one is likely (a date written 1-2-2022, a
  decimal point in a decimal-comma file: ``2.5`` is flagged, not read as 25);
- a cell that cannot be read does not hide the other problems in its row; a rule across columns (einde before
  start) is one line per row; a duplicate id is one line with all its rows;
- a **totals row** (``Totaal``, ``Total``, ``Som`` ...) is recognised and reported once, not as a dozen bad cells;
- **BSN-like numbers** (9 digits passing the eleven test) in a text column are reported per column: exports carry
  pseudonymised ids, never BSNs (``analysis.privacy.pseudonymise``);
- **yes/no columns** accept ``ja``/``nee``, ``j``/``n``, ``waar``/``onwaar``, ``true``/``false``, ``yes``/``no``,
  ``y``/``n`` and ``1``/``0`` (any case);
- **gemeente-specific rules** (Groningen's team names start with "WIJ ") are not in the layout but in a rules
  file, ``data/check_rules.toml`` by default (``--rules FILE`` for another gemeente; see ``load_rules``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import io, schemas

# The tables a gemeente can deliver itself, by the name used in reports (synthetic/<name> today).
TABLES = {name.split("/", 1)[1]: schema for name, schema in schemas.PROCESSED.items() if name.startswith("synthetic/")}
TRUE, FALSE = {"true", "waar", "ja", "1", "j", "y", "yes"}, {"false", "onwaar", "nee", "0", "n", "no"}


# Patterns of the layouts in words: a regex is not something to ask a spreadsheet user to read.
PATTERN_WORDS = {
    schemas.GM_CODE: "a gemeente code: GM and four digits, e.g. GM0014",
    r"^C[0-9a-f]{10}$": "a pseudonymised client id: C and 10 characters 0-9 or a-f, e.g. C0a1b2c3d4e",
    r"^G[0-9a-f]{8}$": "a pseudonymised family id: G and 8 characters 0-9 or a-f, e.g. G0a1b2c3d",
    r"^PV\d{2}$": "a province code: PV and two digits, e.g. PV20",
}
TOTALS = re.compile(r"^\s*(eind|sub|generaal\s+)?(totaal|totalen|total|totals|som|sum)\b", re.IGNORECASE)
BOOLEANS = "ja/nee, j/n, waar/onwaar, true/false, yes/no, y/n or 1/0"

# What each delivered column means (shown by `analysis data layout` and on the table-layouts page).
MEANINGS = {
    "client_id": "pseudonymised client id (never a BSN)",
    "gezin_id": "pseudonymised family id",
    "geboortejaar": "year of birth",
    "geslacht": "v (female) or m (male)",
    "huishouden": "household: living alone or together",
    "inkomensklasse": "income class (laag, midden, hoog)",
    "gebied": "area (wijk) of the address",
    "wij_team": "neighbourhood team that decided (gemeente-specific rule in data/check_rules.toml)",
    "start": "first day of the indication / support",
    "einde": "last day; empty while it runs",
    "uren_per_week": "indicated hours per week",
    "aanbieder": "provider",
    "koppel_id": "id of the provider pair (koppel) in the area",
    "koppel_start": "date the client moved to the koppel",
    "herstelgericht": "started with herstelgerichte hulp (yes/no)",
    "groep": "study group",
    "aanmelding": "date of application",
    "leeftijd": "age in years at application",
    "maanden": "months from application to maatwerk-HH or to the end of follow-up",
    "hh_gestart": "maatwerk-HH started (yes/no); no = followed up without it (censored)",
    "maand": "first day of the month",
    "leeftijdsgroep": "age band",
    "actief": "clients with HH in the month",
    "instroom": "clients starting in the month",
    "uitstroom": "clients ending in the month",
    "inwoners": "inhabitants",
    "jaar": "year",
    "medewerker": "level of the gezinsverzorger (MBO, HBO, geen)",
    "route": "route of support",
    "vrijwilliger": "a volunteer is involved (yes/no)",
    "meetmoment": "months since start of the ZRM measurement (0, 3, 6, 12)",
    "datum": "date",
    "domein": "ZRM domain",
    "score": "ZRM score 1 (acute problems) to 5 (fully self-reliant)",
    "fase": "phase: before, during or after the pilot",
    "indicaties": "number of concurrent indications",
    "soort": "kind of event",
    "begroot": "budget (EUR)",
    "gerealiseerd": "spent (EUR); empty for a year not yet closed",
}


@dataclass(frozen=True)
class Problem:
    """One problem in an export: where, the raw cell text, what was expected and, where likely, how to fix it.

    ``row`` is the spreadsheet row (header = 1), None for a whole-column problem; ``rows`` lists further rows with
    the same problem (a duplicate id)."""

    row: int | None
    column: str | None
    value: str
    expected: str
    hint: str = ""
    rows: tuple[int, ...] = field(default=())

    def __str__(self) -> str:
        if self.rows:
            where = "rows " + ", ".join(str(r) for r in ((self.row,) if self.row else ()) + self.rows)
        else:
            where = f"row {self.row}" if self.row is not None else "file"
        col = f", column '{self.column}'" if self.column else ""
        val = f": {self.value!r}" if self.value != "" else ""
        fix = f" (fix: {self.hint})" if self.hint else ""
        return f"{where}{col}{val}; expected {self.expected}{fix}"


def describe(check) -> str:
    """A layout rule in plain words (``in_range(0.5, 20)`` -> 'a value from 0.5 to 20').

    Parameters
    ----------
    check : pandera.Check
        A check of a layout column or of the whole table.

    Returns
    -------
    str
        What a cell must be, for a person reading the export.

    Raises
    ------
    None

    Examples
    --------
    >>> from pandera.pandas import Check
    >>> describe(Check.in_range(0.5, 20))
    'a value from 0.5 to 20'
    """
    st = getattr(check, "statistics", None) or {}
    name = check.name
    g = lambda k: f"{st[k]:g}" if isinstance(st.get(k), int | float) else str(st.get(k))  # noqa: E731
    if name == "in_range":
        return f"a value from {g('min_value')} to {g('max_value')}"
    if name == "greater_than_or_equal_to":
        return f"{g('min_value')} or more"
    if name == "greater_than":
        return f"more than {g('min_value')}"
    if name == "less_than_or_equal_to":
        return f"at most {g('max_value')}"
    if name == "less_than":
        return f"less than {g('max_value')}"
    if name == "isin":
        return "one of " + ", ".join(repr(v) for v in st["allowed_values"])
    if name == "str_matches":
        return PATTERN_WORDS.get(st["pattern"], "text in the layout's format (analysis data layout TABLE)")
    if name == "str_startswith":
        return f"text starting with {st['string']!r}"
    if name == "str_length":
        return f"text of at least {g('min_value')} characters"
    return check.error or name or "a valid value"


def layout(table: str) -> pd.DataFrame:
    """The documented layout of a table: column, meaning, type, rules in plain words, may be empty, unique.

    Parameters
    ----------
    table : str
        A table name from ``TABLES`` (e.g. ``hh_clients``).

    Returns
    -------
    pandas.DataFrame
        Columns kolom, betekenis, type, regels, leeg toegestaan, uniek; one row per column of the layout.

    Raises
    ------
    DataInputError
        If the table is unknown (the message lists the known ones).

    Examples
    --------
    >>> layout("pilot_costs").kolom.tolist()
    ['jaar', 'begroot', 'gerealiseerd']
    """
    schema = _schema(table)
    rules = load_rules().get(table, {})
    rows = []
    for name, col in schema.columns.items():
        checks = [describe(c) for c in col.checks] + [r["description"] for r in _rule_list(rules.get(name))]
        rows.append({"kolom": name, "betekenis": MEANINGS.get(name, ""), "type": _type_words(str(col.dtype)),
                     "regels": "; ".join(checks), "leeg toegestaan": bool(col.nullable),
                     "uniek": bool(col.unique)})  # fmt: skip
    return pd.DataFrame(rows)


def _type_words(kind: str) -> str:
    if kind.startswith("datetime"):
        return "date (YYYY-MM-DD)"
    if kind.startswith("int"):
        return "whole number"
    if kind.startswith("float"):
        return "number"
    if kind == "bool":
        return f"yes/no ({BOOLEANS})"
    return "text"


def _schema(table: str):
    if table not in TABLES:
        from analysis.data.names import did_you_mean

        raise io.DataInputError(
            "--table",
            f"unknown table {table!r}{did_you_mean(table, TABLES)}",
            expected="one of " + ", ".join(sorted(TABLES)),
        )
    return TABLES[table]


def load_rules(path: str | Path | None = None) -> dict:
    """Gemeente-specific rules for ``check_file``: ``{table: {column: [rule, ...]}}``.

    The rules file is TOML, one section per table and column; a rule is ``starts_with`` (text), ``one_of`` (list)
    or ``pattern`` (a regular expression), each with a ``description`` in words, which is what a problem shows::

        [hh_clients.wij_team]
        starts_with = "WIJ "
        description = "a WIJ team name starting with 'WIJ ', e.g. 'WIJ Beijum'"

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The rules file; default ``data/check_rules.toml`` of the project (no file: no extra rules).

    Returns
    -------
    dict
        The rules by table and column.

    Raises
    ------
    DataInputError
        If the file is not valid TOML or a rule names no known kind.

    Examples
    --------
    >>> rules = load_rules()  # doctest: +SKIP
    >>> n, problems = check_file("clients.csv", "hh_clients", rules=rules)  # doctest: +SKIP
    """
    from analysis.paths import project_root

    p = Path(path) if path else project_root() / "data" / "check_rules.toml"
    if not p.exists():
        if path:
            raise io.DataInputError(p, "file not found", expected="a TOML file of check rules")
        return {}
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise io.DataInputError(p, f"not valid TOML ({exc})", expected="[table.column] sections") from None
    out: dict = {}
    for table, cols in raw.items():
        if not isinstance(cols, dict):
            continue
        for col, spec in cols.items():
            for r in _rule_list(spec):
                if not {"starts_with", "one_of", "pattern"} & set(r):
                    raise io.DataInputError(p, f"rule [{table}.{col}] has no starts_with, one_of or pattern")
            out.setdefault(table, {})[col] = _rule_list(spec)
    return out


def _rule_list(spec) -> list[dict]:
    if not spec:
        return []
    rules = spec if isinstance(spec, list) else [spec]
    out = []
    for r in rules:
        r = dict(r)
        if "description" not in r:
            r["description"] = (
                f"text starting with {r['starts_with']!r}" if "starts_with" in r
                else "one of " + ", ".join(repr(v) for v in r["one_of"]) if "one_of" in r
                else "text in the gemeente's agreed format"
            )  # fmt: skip
        out.append(r)
    return out


def _rule_ok(rule: dict, s: pd.Series) -> pd.Series:
    t = s.astype(str)
    if "starts_with" in rule:
        return t.str.startswith(rule["starts_with"])
    if "one_of" in rule:
        return t.isin([str(v) for v in rule["one_of"]])
    return t.str.fullmatch(rule["pattern"]).fillna(False).astype(bool)


def _date_hint(text: str) -> str:
    """A likely ISO spelling of a date written the Dutch way (1-2-2022, 01/02/2022, 1.2.2022)."""
    m = re.fullmatch(r"\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*", text)
    if m:
        d, mth, y = (int(x) for x in m.groups())
        try:
            return f"write dates as YYYY-MM-DD: {pd.Timestamp(year=y, month=mth, day=d):%Y-%m-%d}"
        except ValueError:
            return "write dates as YYYY-MM-DD (day and month do not make a date)"
    if re.fullmatch(r"\s*\d{4}-\d{1,2}-\d{1,2}\s*", text):
        return "this day does not exist in the calendar"
    return "write dates as YYYY-MM-DD, e.g. 2022-02-01"


def _number_problem(text: str, fmt: io.CsvFormat) -> tuple[str, str] | None:
    """(expected, hint) for a number cell written with the other decimal mark, else None.

    In a decimal-comma file with '.' for thousands, '2.5' would be read as 25 if the point were simply dropped: a
    point is only a thousands separator in groups of three digits (1.234 or 1.234.567,5)."""
    t = text.strip()
    if fmt.decimal == "," and "." in t:
        grouped = fmt.thousands == "." and re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", t)
        if not grouped and re.fullmatch(r"-?\d*\.\d+", t):
            return (
                "a number with a decimal comma",
                f"write {t.replace('.', ',')}; if the whole file uses decimal points, run with --decimal . "
                "--thousands ''",
            )
    if fmt.decimal == "." and "," in t and re.fullmatch(r"-?\d*,\d+", t):
        return "a number with a decimal point", f"write {t.replace(',', '.')}, or run with --decimal ,"
    return None


def _convert(df: pd.DataFrame, schema, fmt: io.CsvFormat) -> tuple[pd.DataFrame, list[Problem], set]:
    """Typed columns (unreadable cells become empty), the problems with unreadable cells, and those cells."""
    problems: list[Problem] = []
    bad_cells: set[tuple[int, str]] = set()
    out = df.copy()
    for name, col in schema.columns.items():
        s = df[name]
        raw = s.astype("string").fillna("")
        present = raw.str.strip() != ""
        kind = str(col.dtype)
        hints: dict = {}
        if kind.startswith("datetime"):
            v = pd.to_datetime(s.where(present), format="%Y-%m-%d", errors="coerce")
            bad = present & v.isna()
            exp = "a date written YYYY-MM-DD"
            hints = {i: ("", _date_hint(raw[i])) for i in s.index[bad]}
        elif kind.startswith(("int", "float")):
            t = raw.where(present).str.strip()
            wrong_mark = {i: _number_problem(raw[i], fmt) for i in s.index[present]}
            wrong_mark = {i: p for i, p in wrong_mark.items() if p}
            if fmt.thousands:
                t = t.str.replace(fmt.thousands, "", regex=False)
            if fmt.decimal != ".":
                t = t.str.replace(fmt.decimal, ".", regex=False)
            v = pd.to_numeric(t, errors="coerce").astype(float)
            bad = present & (v.isna() | ~np.isfinite(v.fillna(0)))
            exp = "a number"
            if kind.startswith("int"):
                bad |= present & v.notna() & (v % 1 != 0)
                exp = "a whole number"
            bad |= pd.Series(s.index.isin(list(wrong_mark)), index=s.index)
            hints = {i: wrong_mark[i] for i in wrong_mark}
            v = v.where(~bad)
        elif kind == "bool":
            low = raw.str.strip().str.lower()
            v = low.map(lambda x: True if x in TRUE else False if x in FALSE else None)
            bad = present & v.isna()
            exp = f"yes or no ({BOOLEANS})"
        else:
            v, bad, exp = s.where(present), pd.Series(False, index=s.index), ""
        for i in s.index[bad]:
            e, h = hints.get(i, ("", ""))
            problems.append(Problem(int(i) + io.HEADER_OFFSET, name, str(raw[i]), e or exp, h))
            bad_cells.add((i, name))
        out[name] = v
    return out, problems, bad_cells


def check_file(
    path: str | Path, table: str, *, fmt: io.CsvFormat | None = None, rules: dict | None = None
) -> tuple[int, list[Problem]]:
    """Check an export against the layout of ``table``: every problem, once, in one pass.

    Parameters
    ----------
    path : str or pathlib.Path
        The export: CSV (read with ``fmt``) or Parquet.
    table : str
        The layout, e.g. ``hh_clients`` (see ``TABLES``).
    fmt : analysis.data.io.CsvFormat, optional
        The CSV dialect; default the Dutch one (``;``, decimal comma, ``.`` for thousands, UTF-8).
    rules : dict, optional
        Gemeente-specific rules per table and column (the ``[table.column]`` sections of a rules file, see
        ``load_rules``); default the project's ``data/check_rules.toml``.

    Returns
    -------
    tuple of (int, list of Problem)
        The number of data rows and every problem found, sorted by row. Row numbers are lines of the file as a
        spreadsheet shows them: the header is row 1, the first data row is row 2.

    Raises
    ------
    DataInputError
        If the file cannot be read at all (missing, not a table, missing columns) or ``table`` is unknown.

    Examples
    --------
    >>> n, problems = check_file("export/hh_clients.csv", "hh_clients")  # doctest: +SKIP
    >>> for p in problems: print(p)  # doctest: +SKIP
    """
    schema = _schema(table)
    path = io.check_input_file(path, "a CSV or Parquet export")  # /dev/zero, a FIFO: refused before reading
    cols = list(schema.columns)
    fmt = fmt or io.DUTCH
    if path.suffix.lower() == ".parquet":
        df = io.read_parquet_checked(path)
        io.check_columns(path, list(df.columns), cols, allow_extra=not schema.strict)
        df = df[cols].copy()
        for c in df.columns:  # to text the way a CSV export writes it, so both go through the same checks
            s = df[c]
            if pd.api.types.is_datetime64_any_dtype(s):
                df[c] = s.dt.strftime("%Y-%m-%d")
            elif pd.api.types.is_float_dtype(s):
                df[c] = s.map(lambda v: "" if pd.isna(v) else repr(float(v)))
            else:
                df[c] = s.astype(object).map(
                    lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                )
        fmt = io.CsvFormat(sep=",", decimal=".", thousands="")
    else:
        df = io.read_csv_text(path, fmt, cols, allow_extra=not schema.strict)
    if rules is None:
        rules = load_rules()
    problems = _collect(df, schema, fmt, rules.get(table, {}))
    return len(df), problems


def _looks_like_bsn(text: str) -> bool:
    s = text.strip()
    if not s.isdigit() or len(s) not in (8, 9):
        return False
    s = s.zfill(9)
    return s != "000000000" and sum(int(d) * w for d, w in zip(s, [9, 8, 7, 6, 5, 4, 3, 2, -1])) % 11 == 0


def _columns_in(text: str, columns) -> list[str]:
    """The columns a rule's text names, in the order it names them."""
    found = [(m.start(), c) for c in columns if (m := re.search(rf"\b{re.escape(c)}\b", text))]
    return [c for _, c in sorted(found)]


def _collect(df: pd.DataFrame, schema, fmt: io.CsvFormat, local: dict) -> list[Problem]:
    """Every problem once: totals rows, BSN-like ids, unreadable cells, empty required cells, rules per cell, rules
    across columns (one line per row), duplicates (one line per value)."""
    row_no = lambda i: int(i) + io.HEADER_OFFSET  # noqa: E731
    problems: list[Problem] = []
    raw = df.astype("string").fillna("")
    # a totals row is one problem, not a row of bad cells; it takes no part in the other checks
    text_cols = [c for c, col in schema.columns.items() if _type_words(str(col.dtype)) == "text"]
    first_cells = raw[list(df.columns)].apply(lambda r: next((v for v in r if v.strip()), ""), axis=1)
    totals = [i for i in df.index if TOTALS.match(first_cells[i]) or any(TOTALS.fullmatch(raw.at[i, c].strip() or "-")
                                                                           for c in text_cols)]  # fmt: skip
    for i in totals:
        problems.append(Problem(row_no(i), None, first_cells[i], "one record per row",
                                "this looks like a totals row: remove it (the reports add up themselves)"))  # fmt: skip
    df, raw = df.drop(index=totals), raw.drop(index=totals)
    typed, cell_problems, bad = _convert(df, schema, fmt)
    problems += cell_problems
    # BSN-like numbers in text columns: one line per column (a privacy problem, not a format slip)
    for c in text_cols:
        hit = [i for i in df.index if _looks_like_bsn(raw.at[i, c])]
        if hit:
            shown = ", ".join(str(row_no(i)) for i in hit[:10]) + (" ..." if len(hit) > 10 else "")
            hint = (
                f"{len(hit)} value(s) look like a BSN (9 digits passing the eleven test) in rows {shown}: "
                "replace them with pseudonymised ids (analysis.privacy.pseudonymise)"
            )
            problems.append(Problem(None, c, "", "a pseudonymised id, never a BSN", hint))
            bad |= {(i, c) for i in hit}
    usable = lambda name: typed[name].notna() & ~typed.index.isin([i for i, c in bad if c == name])  # noqa: E731
    for name, col in schema.columns.items():
        if not col.nullable:
            empty = typed[name].isna() & ~typed.index.isin([i for i, c in bad if c == name])
            problems += [Problem(row_no(i), name, "", "a value (this column may not be empty)")
                         for i in typed.index[empty]]  # fmt: skip
        ok = usable(name)
        s = typed.loc[ok, name]
        if len(s):
            if str(col.dtype).startswith("int"):
                s = s.astype("int64")
            for check in col.checks:
                out = check(s).check_output
                if not isinstance(out, pd.Series):
                    continue
                for i in out.index[~out.astype(bool)]:
                    problems.append(Problem(row_no(i), name, str(raw.at[i, name]), describe(check)))
                    bad.add((i, name))
            for rule in _rule_list(local.get(name)):
                okr = _rule_ok(rule, s)
                for i in okr.index[~okr]:
                    problems.append(Problem(row_no(i), name, str(raw.at[i, name]), rule["description"],
                                            rule.get("hint", "")))  # fmt: skip
        if col.unique:
            vals = typed.loc[usable(name), name]
            for _v, grp in vals.groupby(vals.astype(str)).groups.items():
                if len(grp) > 1:
                    r = sorted(row_no(i) for i in grp)
                    problems.append(Problem(r[0], name, str(raw.at[grp[0], name]), f"each {name} once",
                                            "the same value is in several rows", tuple(r[1:])))  # fmt: skip
    # rules across columns: one line per row, with the raw text of the columns they name
    for check in schema.checks:
        text = check.error or check.name or ""
        cols = _columns_in(text, schema.columns) or list(schema.columns)
        rows_ok = pd.Series(True, index=typed.index)
        for c in cols:
            rows_ok &= ~typed.index.isin([i for i, cc in bad if cc == c])
        sub = typed[rows_ok]
        if sub.empty:
            continue
        out = check(sub).check_output
        if not isinstance(out, pd.Series):
            continue
        for i in out.index[~out.astype(bool)]:
            shown = ", ".join(f"{c} {raw.at[i, c]!r}" for c in cols)
            problems.append(Problem(row_no(i), None, "", text, f"this row has {shown}"))
    if schema.unique:
        key = list(schema.unique)
        k = typed.dropna(subset=key)
        k = k[~k.index.isin([i for i, c in bad if c in key])]
        dup = k[k.duplicated(key, keep=False)]
        for _, grp in dup.groupby(key, sort=False):
            r = sorted(row_no(i) for i in grp.index)
            shown = ", ".join(f"{c} {raw.at[grp.index[0], c]!r}" for c in key)
            problems.append(Problem(r[0], None, "", f"one row per {' + '.join(key)}", f"{shown} is in several rows",
                                    tuple(r[1:])))  # fmt: skip
    return sorted(problems, key=lambda p: (p.row if p.row is not None else 0, p.column or ""))
