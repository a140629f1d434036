"""Check an export of the gemeente's own registration against the table layout the reports read, listing every
problem with its row and column, without writing anything (``analysis data check FILE --table NAME``).

The layouts are the pandera schemas of ``analysis.data.schemas`` (the same ones that guard data/processed), so a file
that passes here can replace the synthetic table of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import io, schemas

# The tables a gemeente can deliver itself, by the name used in reports (synthetic/<name> today).
TABLES = {name.split("/", 1)[1]: schema for name, schema in schemas.PROCESSED.items() if name.startswith("synthetic/")}
TRUE, FALSE = {"true", "waar", "ja", "1", "j", "y", "yes"}, {"false", "onwaar", "nee", "0", "n", "no"}


@dataclass(frozen=True)
class Problem:
    row: int | None  # line in the file (header = 1), None for whole-file problems
    column: str | None
    value: str
    expected: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        col = f", column '{self.column}'" if self.column else ""
        val = f": {self.value!r}" if self.value != "" else ""
        return f"{where}{col}{val}; expected {self.expected}"


def layout(table: str) -> pd.DataFrame:
    """The documented layout of a table: column, type, allowed values / checks, nullable."""
    schema = _schema(table)
    rows = []
    for name, col in schema.columns.items():
        checks = "; ".join(c.error or str(c) for c in col.checks) if col.checks else ""
        rows.append({"kolom": name, "type": str(col.dtype), "regels": checks, "leeg toegestaan": bool(col.nullable),
                     "uniek": bool(col.unique)})  # fmt: skip
    return pd.DataFrame(rows)


def _schema(table: str):
    if table not in TABLES:
        raise io.DataInputError("--table", f"unknown table {table!r}", expected="one of " + ", ".join(sorted(TABLES)))
    return TABLES[table]


def _convert(df: pd.DataFrame, schema, fmt: io.CsvFormat) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    out = df.copy()
    for name, col in schema.columns.items():
        s = df[name]
        present = s.notna() & (s.astype(str).str.strip() != "")
        kind = str(col.dtype)
        if kind.startswith("datetime"):
            v = pd.to_datetime(s.where(present), format="%Y-%m-%d", errors="coerce")
            bad = present & v.isna()
            exp = "a date YYYY-MM-DD"
        elif kind.startswith(("int", "float")):
            t = s.where(present).astype("string").str.strip()
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
                v = v.astype("Int64") if not bad.any() else v
        elif kind == "bool":
            low = s.astype(str).str.strip().str.lower()
            v = low.map(lambda x: True if x in TRUE else False if x in FALSE else None)
            bad = present & v.isna()
            exp = "ja/nee (true/false)"
        else:
            v, bad, exp = s.where(present), pd.Series(False, index=s.index), ""
        for i in s.index[bad]:
            problems.append(Problem(int(i) + io.HEADER_OFFSET, name, str(s[i]), exp))
        out[name] = v
    return out, problems


def check_file(path: str | Path, table: str, *, fmt: io.CsvFormat | None = None) -> tuple[int, list[Problem]]:
    """(number of data rows, every problem found). A CSV is read with the Dutch conventions by default."""
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
    converted, problems = _convert(df, schema, fmt)
    if problems:  # type problems make further checks meaningless for those cells; report what we have
        bad_rows = {p.row - io.HEADER_OFFSET for p in problems if p.row is not None}
        converted = converted.drop(index=[i for i in bad_rows if i in converted.index])
    for name, col in schema.columns.items():
        if not col.nullable:
            missing = converted[name].isna()
            problems += [Problem(int(i) + io.HEADER_OFFSET, name, "", "a value (this column may not be empty)")
                         for i in converted.index[missing]]  # fmt: skip
    try:
        typed = converted.astype({n: str(c.dtype) for n, c in schema.columns.items() if not converted[n].isna().any()})
        schema.validate(typed, lazy=True)
    except Exception as exc:  # pandera SchemaErrors: every failing cell, not only the first
        fc = getattr(exc, "failure_cases", None)
        if fc is None:
            problems.append(Problem(None, None, "", f"a table matching the layout ({type(exc).__name__}: {exc})"))
        else:
            for r in fc.itertuples():
                col = r.column if isinstance(r.column, str) else None
                if col and not schema.columns[col].nullable and pd.isna(r.failure_case):
                    continue  # reported above as an empty cell
                idx = (
                    int(r.index) + io.HEADER_OFFSET
                    if pd.notna(r.index) and str(r.index).lstrip("-").isdigit()
                    else None
                )
                problems.append(Problem(idx, col, "" if pd.isna(r.failure_case) else str(r.failure_case),
                                        schemas._describe_check(schema, col, str(r.check))))  # fmt: skip
    seen, unique = set(), []
    for p in sorted(problems, key=lambda p: (p.row or 0, p.column or "")):
        key = (p.row, p.column, p.expected)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return len(df), unique
