"""Reconciliation: every real table is compared with published figures for the same quantity before it is used.

A copy's column names are a claim, not a fact. The CBS panel we use (a secondary copy) had 'Hulp bij het
huishouden' and 'Ondersteuning thuis' swapped under each other's names, and nothing compared it with CBS's own
figures. ``analysis data build`` now runs these checks after the declared column maps are applied and before
anything is written; one failure stops the build with one line naming the table, the check, the gemeente/year and
both values.

Checks (each returns the failing rows; an empty frame means it passed):

- ``independent_copy``: two copies of the same CBS quantity agree value for value where both publish it
  (the m-schakel panel against the YoYo copy, which selected HH rows by CBS's own label);
- ``national_coverage``: per year, the sum over gemeenten of a Wmo type divided by CBS's national figure lies within
  ``tolerance`` of the coverage of the Wmo total of the same gemeenten. A swapped column covers 59-73% of national
  HH while the total covers 84-94%; the right one is within one point;
- ``page_values``: values read by hand from CBS StatLine pages match exactly;
- ``published_rate``: a copy's counts reproduce the rate CBS published beside them (hh per 1,000 inhabitants);
- ``reference_log``: figures in our curated reference log that cite the CBS Wmo tables match the panel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.io import DataInputError

FAILURE_COLUMNS = ["check", "table", "gemeente_code", "gemeente_naam", "jaar", "column", "ours", "theirs", "against"]

# CBS StatLine labels of 'Wmo-cliënten; type maatwerkarrangement' (84751NED ...) -> our panel columns
CBS_WMO_LABELS = {
    "Hulp bij het huishouden": "hh_clienten",
    "Ondersteuning thuis, totaal": "ondersteuning_thuis",
    "Hulpmiddelen en diensten, totaal": "hulpmiddelen_diensten",
    "Verblijf en opvang, totaal": "verblijf_opvang",
    "Totaal": "wmo_clienten",
}
# measures of reference/nl_wmo_clients.csv (national persons in the year) -> panel columns
NATIONAL_MEASURES = {"hh_clienten": "Wmo clients Hulp bij het huishouden"}
NATIONAL_TOTAL = ("wmo_clienten", "Wmo clients total")
# measures of the curated reference log that are CBS Wmo client counts per gemeente -> panel columns
REFERENCE_MEASURES = {
    "Wmo clients Hulp bij het huishouden": "hh_clienten",
    "Wmo clients total maatwerk": "wmo_clienten",
}
CBS_WMO_TABLES = ("84751NED", "84752NED", "84753NED", "84908NED")


class ReconciliationError(DataInputError):
    """A real table disagrees with a published figure for the same quantity."""


def _failures(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=FAILURE_COLUMNS)


def independent_copy(
    ours: pd.DataFrame, theirs: pd.DataFrame, *, column: str, table: str, against: str
) -> tuple[int, pd.DataFrame]:
    """Compare ``column`` of two copies on (gemeente_code, jaar) where both have a value. Returns the number of
    gemeente-years compared and the disagreements."""
    keys = ["gemeente_code", "jaar"]
    m = ours[keys + ["gemeente_naam", column]].merge(theirs[keys + [column]], on=keys, suffixes=("", "_theirs"))
    m = m[m[column].notna() & m[f"{column}_theirs"].notna()]
    bad = m[~np.isclose(m[column], m[f"{column}_theirs"])]
    rows = [
        dict(check="independent copy", table=table, gemeente_code=r.gemeente_code, gemeente_naam=r.gemeente_naam,
             jaar=int(r.jaar), column=column, ours=float(getattr(r, column)),
             theirs=float(getattr(r, f"{column}_theirs")), against=against)
        for r in bad.itertuples()
    ]  # fmt: skip
    return len(m), _failures(rows)


def national_series(reference: pd.DataFrame, measure: str) -> pd.Series:
    """Yearly national figures (persons in the year) of ``measure`` from reference/nl_wmo_clients.csv."""
    r = reference[(reference.measure == measure) & reference.period.str.fullmatch(r"\d{4}\*?")]
    return pd.Series(r.value.astype(float).to_numpy(), index=r.period.str[:4].astype(int).to_numpy())


def national_coverage(
    panel: pd.DataFrame, national: pd.DataFrame, *, table: str, tolerance: float = 0.03
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per year and Wmo type: share of the national figure covered by the gemeenten that publish both the type and
    the Wmo total, against the share of the national total covered by the same gemeenten.

    Not every gemeente delivers to CBS, so neither share is 100%; but a column that holds the type it claims covers
    the national figure about as well as the total does. Returns (coverage table, failures)."""
    total_col, total_measure = NATIONAL_TOTAL
    tot = national_series(national, total_measure)
    rows, fails = [], []
    for col, measure in NATIONAL_MEASURES.items():
        nat = national_series(national, measure)
        for year in sorted(set(panel.jaar) & set(nat.index) & set(tot.index)):
            p = panel[(panel.jaar == year) & panel[col].notna() & panel[total_col].notna()]
            cov, cov_total = p[col].sum() / nat[year], p[total_col].sum() / tot[year]
            rows.append(dict(jaar=year, column=col, gemeenten=len(p), dekking=cov, dekking_totaal=cov_total))
            if abs(cov - cov_total) > tolerance:
                fails.append(
                    dict(check=f"national coverage (within {tolerance:.0%} of the Wmo total's)", table=table,
                         gemeente_code="NL", gemeente_naam="Nederland", jaar=int(year), column=col,
                         ours=round(float(cov), 3), theirs=round(float(cov_total), 3),
                         against=f"CBS national '{measure}' {nat[year]:.0f} and total {tot[year]:.0f}")
                )  # fmt: skip
    return pd.DataFrame(rows), _failures(fails)


def page_values(panel: pd.DataFrame, pages: pd.DataFrame, *, table: str) -> tuple[int, pd.DataFrame]:
    """Values read from CBS StatLine pages must equal the panel exactly (same gemeente, year and Wmo type)."""
    rows, n = [], 0
    for r in pages.itertuples():
        col = CBS_WMO_LABELS.get(str(r.type))
        year = int(str(r.period)[:4])
        if col is None or col not in panel.columns:
            continue
        hit = panel[(panel.gemeente_code == r.geo_code) & (panel.jaar == year)]
        n += 1
        ours = float(hit[col].iloc[0]) if len(hit) else float("nan")
        if not (len(hit) and np.isclose(ours, float(r.value))):
            rows.append(
                dict(check="CBS page value", table=table, gemeente_code=r.geo_code, gemeente_naam=r.geo, jaar=year,
                     column=col, ours=ours, theirs=float(r.value), against=f"{r.table_id} {r.url_in_pages_corpus}")
            )  # fmt: skip
    return n, _failures(rows)


def published_rate(copy: pd.DataFrame, *, table: str) -> tuple[int, pd.DataFrame]:
    """hh_clienten / inwoners x 1,000 must round to the rate CBS published beside it (hh_per_1000_inwoners).
    CBS computes the rate before rounding counts to 5, so the slack is half a unit plus 2.5 clients' worth."""
    d = copy[copy.hh_clienten.notna() & copy.hh_per_1000_inwoners.notna() & (copy.inwoners > 0)]
    calc = d.hh_clienten / d.inwoners * 1000
    slack = 0.5 + 2.5 / d.inwoners * 1000 + 1e-9
    bad = d[(calc - d.hh_per_1000_inwoners).abs() > slack]
    rows = [
        dict(check="published rate", table=table, gemeente_code=r.gemeente_code, gemeente_naam=r.gemeente_naam,
             jaar=int(r.jaar), column="hh_per_1000_inwoners", ours=round(r.hh_clienten / r.inwoners * 1000, 2),
             theirs=float(r.hh_per_1000_inwoners), against="CBS rate published beside the count")
        for r in bad.itertuples()
    ]  # fmt: skip
    return len(d), _failures(rows)


def reference_log(panel: pd.DataFrame, reference: pd.DataFrame, *, table: str) -> tuple[int, pd.DataFrame]:
    """Rows of the curated reference log that cite the CBS Wmo tables for one gemeente and year must equal the
    panel (same boundaries: the log's geo names the code; a merged gemeente's later years are on later borders)."""
    rows, n = [], 0
    for r in reference.itertuples():
        col = REFERENCE_MEASURES.get(r.measure)
        code = re.search(r"GM\d{4}", str(r.geo))
        if col is None or code is None or not re.fullmatch(r"\d{4}", str(r.period)) or pd.isna(r.value):
            continue
        if not any(t in str(r.source) for t in CBS_WMO_TABLES):
            continue
        hit = panel[(panel.gemeente_code == code.group(0)) & (panel.jaar == int(r.period))]
        if hit.empty or pd.isna(hit[col].iloc[0]):
            continue
        n += 1
        ours = float(hit[col].iloc[0])
        if not np.isclose(ours, float(r.value)):
            rows.append(
                dict(check="reference log", table=table, gemeente_code=code.group(0), gemeente_naam=str(r.geo),
                     jaar=int(r.period), column=col, ours=ours, theirs=float(r.value), against=str(r.url_or_path))
            )  # fmt: skip
    return n, _failures(rows)


@dataclass(frozen=True)
class Reconciliation:
    """What was compared with what. ``checks``: one row per check (check, table, compared, failed, against);
    ``coverage``: national coverage per year and type; ``failures``: every disagreement (empty when all pass)."""

    checks: pd.DataFrame
    coverage: pd.DataFrame
    failures: pd.DataFrame

    @property
    def passed(self) -> bool:
        return self.failures.empty

    def raise_for_failures(self, files: dict[str, str]) -> None:
        """One line for the first failure (``files``: table -> raw file it came from), with the count of others."""
        if self.passed:
            return
        f = self.failures.iloc[0]
        more = f" (+{len(self.failures) - 1} more)" if len(self.failures) > 1 else ""
        where = f"{f.gemeente_code} {f.gemeente_naam} {f.jaar}".strip()
        raise ReconciliationError(
            files.get(f.table, f.table),
            f"reconciliation failed, table {f.table}, check '{f.check}': {where} {f.column} = {f.ours:g} here, "
            f"{f.theirs:g} in {f.against}{more}",
            expected="the column map in data/raw/sources.toml to read each column by its content; processed data "
            "were left as they were",
        )


def reconcile(
    panel_own: pd.DataFrame,
    *,
    independent: pd.DataFrame,
    national: pd.DataFrame,
    pages: pd.DataFrame,
    reference_log_rows: pd.DataFrame,
    panel_table: str = "wmo_panel",
    independent_table: str = "hh_onafhankelijke_kopie",
) -> Reconciliation:
    """Run every check on the own-boundary panel (each year's boundaries, as CBS publishes) and the independent
    copy; see the module docstring."""
    checks, fails = [], []

    def add(name, table, n, f, against):
        checks.append(dict(check=name, table=table, compared=n, failed=len(f), against=against))
        fails.append(f)

    n, f = independent_copy(panel_own, independent, column="hh_clienten", table=panel_table, against=independent_table)
    add("independent copy", panel_table, n, f, f"{independent_table} (rows chosen by CBS label)")
    cov, f = national_coverage(panel_own, national, table=panel_table)
    add("national coverage", panel_table, len(cov), f, "CBS national HH and Wmo totals (Monitor Langdurige Zorg)")
    n, f = page_values(panel_own, pages, table=panel_table)
    add("CBS page value", panel_table, n, f, "values read from CBS StatLine pages")
    n, f = page_values(independent, pages, table=independent_table)
    add("CBS page value", independent_table, n, f, "values read from CBS StatLine pages")
    n, f = published_rate(independent, table=independent_table)
    add("published rate", independent_table, n, f, "CBS HH per 1.000 inwoners in the same rows")
    n, f = reference_log(panel_own, reference_log_rows, table=panel_table)
    add("reference log", panel_table, n, f, "curated reference log (CBS Wmo tables cited)")
    found = [x for x in fails if len(x)]
    failures = pd.concat(found, ignore_index=True) if found else _failures([])
    return Reconciliation(pd.DataFrame(checks), cov, failures)
