"""Strict numbers: every number of a raw file is read by the convention its provenance record declares
(``sources.toml`` ``format``: decimal mark and thousands separator), and a value that is only a number under the
other convention, a count that is not whole, or a part larger than its total is an error naming file, row and
column (issue 23: ``390.950`` clients became 390,95 and ``72.479`` inhabitants were accepted).

The rule for the ambiguous case. One separator followed by exactly three digits (``390.950``, ``72,479``) is a
thousands group in one convention and three decimals in the other. We do not guess: the declared convention
decides, and it is accepted only when the column can hold what it says. A count (clients, inhabitants,
households) is a whole number, so a count that reads as 390,95 under the declared decimal mark cannot be right:
it is refused with both readings, and the delivery is fixed (or its ``format`` corrected) by a person.
A measured value with decimals (an average income, a distance) keeps the declared reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

from analysis.data import schemas
from analysis.data.io import HEADER_OFFSET, CsvFormat, DataInputError

# The raw CBS panel: counts are whole numbers; parts are within their totals
PANEL_WHOLE = ("year", *schemas.WMO_COUNT_COLUMNS, *schemas.POPULATION_COLUMNS,
               "n_benefit_welfare", "n_benefit_unfitforwork", "n_benefit_unemployed")  # fmt: skip
PANEL_PARTS = {
    "n_wmo_clients": ["support_at_home", "tools_and_services", "household_help", "accomm_and_shelter"],
    "n_inhabitants": [c for c in schemas.POPULATION_COLUMNS if c != "n_inhabitants"],
}

# Units of a reference figure that are counts (whole numbers)
COUNT_UNITS = ("persons", "households", "municipalities", "arrangements", "clients", "inhabitants")


@lru_cache(maxsize=16)
def number_pattern(decimal: str, thousands: str) -> re.Pattern:
    """A complete number written in one convention: digits, optionally grouped by three with the thousands
    separator, an optional decimal part and exponent. '1.5' is not a number when '.' groups thousands."""
    d, t = re.escape(decimal), re.escape(thousands)
    whole = r"\d+" + (rf"|\d{{1,3}}(?:{t}\d{{3}})+" if thousands else "")
    return re.compile(rf"^[-+]?(?:(?:{whole})(?:{d}\d+)?|{d}\d+)(?:[eE][-+]?\d+)?$")


def read_number(text: str, decimal: str, thousands: str) -> float | None:
    """The value of ``text`` under one convention, or None when it is not a number written that way."""
    text = text.strip()
    if not number_pattern(decimal, thousands).match(text):
        return None
    if thousands:
        text = text.replace(thousands, "")
    return float(text.replace(decimal, "."))


def other_convention(fmt: CsvFormat) -> tuple[str, str]:
    """The convention a file is most often confused with: the Dutch one for an English file and back."""
    return (",", ".") if fmt.decimal == "." else (".", ",")


def _show(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _label(fmt_decimal: str, fmt_thousands: str) -> str:
    return f"decimal {fmt_decimal!r}, thousands {fmt_thousands or 'none'!r}"


def parse_strict(
    path, df: pd.DataFrame, columns: Iterable[str], fmt: CsvFormat, *, whole: Iterable[str] = ()
) -> pd.DataFrame:
    """Numbers of ``columns`` read by ``fmt``; a cell that is not a number in that convention, or a cell of a
    ``whole`` column (counts) that is not a whole number, is an error naming file, row(s), column and the readings.
    """
    out = df.copy()
    whole = set(whole)
    alt = other_convention(fmt)
    pat = number_pattern(fmt.decimal, fmt.thousands)
    for col in columns:
        s = out[col].astype("string").str.strip()
        present = s.notna() & (s != "")
        ok = s.str.fullmatch(pat).fillna(False).astype(bool)
        t = s.where(present & ok)
        if fmt.thousands:
            t = t.str.replace(fmt.thousands, "", regex=False)
        values = pd.to_numeric(t.str.replace(fmt.decimal, ".", regex=False), errors="coerce").astype("Float64")
        bad = present & ~ok
        if bad.any():
            sample = []
            for text in s[bad].head(3):
                o = read_number(str(text), *alt)
                hint = f" (a number only when written with {_label(*alt)}: {_show(o)})" if o is not None else ""
                sample.append(f"{str(text)!r}{hint}")
            raise DataInputError(
                path,
                f"text in a number column ({', '.join(sample)}); this file's convention is "
                f"{_label(fmt.decimal, fmt.thousands)}",
                rows=[int(i) + HEADER_OFFSET for i in s.index[bad]],
                column=col,
                expected="a number"
                + (" with decimal comma" if fmt.decimal == "," else "")
                + " as declared in sources.toml format",
            )
        if col in whole:
            frac = values.notna() & (values % 1 != 0)
            if frac.any():
                i = s.index[frac][0]
                text, v = str(s[i]), float(values[i])
                o = read_number(text, *alt)
                other = (
                    f"; written with {_label(*alt)} it would be {_show(o)}" if o is not None and o.is_integer() else ""
                )
                raise DataInputError(
                    path,
                    f"ambiguous or wrong count {text!r}: a count is a whole number, but with this file's convention "
                    f"({_label(fmt.decimal, fmt.thousands)}) it reads as {_show(v)}{other}",
                    rows=[int(j) + HEADER_OFFSET for j in s.index[frac]],
                    column=col,
                    expected="a whole number written in the file's declared convention (sources.toml format)",
                )
        out[col] = values
    return out


def check_parts(path, df: pd.DataFrame, parts: dict[str, list[str]]) -> None:
    """Every part must be at most its total (a Wmo type within all Wmo clients, 65+ within all inhabitants):
    a part above its total is a misread or misplaced number. Empty cells are not compared."""
    for total, members in parts.items():
        if total not in df.columns:
            continue
        for col in members:
            if col not in df.columns:
                continue
            a, t = pd.to_numeric(df[col], errors="coerce"), pd.to_numeric(df[total], errors="coerce")
            bad = a.notna() & t.notna() & (a > t)
            if bad.any():
                i = df.index[bad][0]
                raise DataInputError(
                    path,
                    f"part larger than its total: {col} = {_show(a[i])} but {total} = {_show(t[i])}",
                    rows=[int(j) + HEADER_OFFSET for j in df.index[bad]],
                    column=col,
                    expected=f"{col} <= {total}",
                )


def check_reference_values(path, df: pd.DataFrame, fmt: CsvFormat) -> None:
    """Reference figures are free text ('~600000', '49 -> 53'), but a figure that is one number must be written in
    the file's convention, and one whose unit is a count must be whole: '390.950 persons' in a file with decimal
    '.' is refused rather than read as 390,95 persons."""
    alt = other_convention(fmt)
    for i, text in df["value"].items():
        if pd.isna(text):
            continue
        text = str(text).strip()
        v = read_number(text, fmt.decimal, fmt.thousands)
        o = read_number(text, *alt)
        row = [int(i) + HEADER_OFFSET]
        if v is None and o is not None:
            raise DataInputError(
                path,
                f"{text!r} is a number only when written with {_label(*alt)} ({_show(o)}), not in this file's "
                f"convention ({_label(fmt.decimal, fmt.thousands)})",
                rows=row,
                column="value",
                expected="the number written in the declared convention (sources.toml format)",
            )
        unit = str(df.at[i, "unit"]) if "unit" in df.columns else ""
        if v is not None and not v.is_integer() and unit.strip().lower().startswith(COUNT_UNITS):
            other = f"; written with {_label(*alt)} it would be {_show(o)}" if o is not None and o.is_integer() else ""
            raise DataInputError(
                path,
                f"ambiguous or wrong count {text!r} ({unit}): a count is a whole number, but with this file's "
                f"convention ({_label(fmt.decimal, fmt.thousands)}) it reads as {_show(v)}{other}",
                rows=row,
                column="value",
                expected="a whole number of " + unit,
            )
