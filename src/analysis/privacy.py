"""Privacy: small-cell suppression (primary + secondary), keyed pseudonymisation and an identifier leak scan.

A pilot of 8-10 families is small enough to identify people, so every public (``openbaar``) output goes through
``suppress_small_cells`` and the rendered files through ``scan_for_identifiers``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from analysis.results import ResultDisplay

SECRET_ENV = "ANALYSIS_PSEUDONYM_KEY"
SUPPRESSED = "<10"
# The smallest count an openbaar report may show (CBS practice; assumption P01). A rule of the audience, not a
# parameter: nothing a caller passes can lower it for a public report.
PUBLIC_MIN_CELL = 10


def check_public_threshold(threshold: int, audience: str) -> int:
    """The suppression threshold to use; refuses one below PUBLIC_MIN_CELL for an openbaar report.

    The minimum cell of a public report (``PUBLIC_MIN_CELL`` = 10, CBS practice; assumption P01) is a rule of the
    audience, not a parameter: nothing a caller passes can lower it for an ``openbaar`` report. Internal reports may
    use a smaller threshold, but never below 1.

    Parameters
    ----------
    threshold : int
        The requested smallest count that may be shown.
    audience : str
        The report's audience; ``"openbaar"`` (public) enforces the minimum, any other value (e.g. ``"intern"``) does
        not.

    Returns
    -------
    int
        ``threshold`` itself, once accepted.

    Raises
    ------
    ValueError
        If ``audience`` is ``"openbaar"`` and ``threshold`` is below ``PUBLIC_MIN_CELL``, or if ``threshold`` < 1.

    Examples
    --------
    >>> check_public_threshold(10, "openbaar")
    10
    >>> check_public_threshold(5, "intern")
    5
    >>> check_public_threshold(5, "openbaar")
    Traceback (most recent call last):
    ...
    ValueError: a suppression threshold of 5 is not allowed for an openbaar report (minimum 10)
    """
    if audience == "openbaar" and threshold < PUBLIC_MIN_CELL:
        raise ValueError(
            f"a suppression threshold of {threshold} is not allowed for an openbaar report (minimum {PUBLIC_MIN_CELL})"
        )
    if threshold < 1:
        raise ValueError("threshold must be >= 1")
    return threshold


def elfproef(number: str | int) -> bool:
    """True if ``number`` passes the BSN eleven test (9 digits; 8-digit BSNs get a leading zero).

    The burgerservicenummer test: the digits weighted 9, 8, ..., 2, -1 sum to a multiple of 11. All zeros is not a
    BSN.

    Parameters
    ----------
    number : str or int
        The candidate number; surrounding whitespace is ignored.

    Returns
    -------
    bool
        True when ``number`` is 8 or 9 digits (nothing else) and passes the eleven test; False otherwise, also for
        anything that is not a string of digits.

    Raises
    ------
    None
        Never raises: any input that is not 8 or 9 digits gives False.

    Examples
    --------
    >>> elfproef("111222333")
    True
    >>> elfproef(111222334)
    False
    >>> elfproef("12-34")
    False
    """
    s = str(number).strip()
    if not s.isdigit() or len(s) not in (8, 9):
        return False
    s = s.zfill(9)
    if s == "000000000":
        return False
    weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
    return sum(int(d) * w for d, w in zip(s, weights)) % 11 == 0


def looks_like_bsn_column(values: pd.Series, min_share: float = 0.8) -> bool:
    """A column of 8-9 digit numbers of which most pass the eleven test is treated as BSNs.

    Random 9-digit numbers pass with probability ~1/11, so ``min_share`` separates real BSN columns from
    ordinary IDs with a wide margin.

    Parameters
    ----------
    values : pandas.Series
        The column to judge; missing values are ignored, values are compared as stripped strings.
    min_share : float, default 0.8
        Share of the 8-9 digit values that must pass :func:`elfproef`.

    Returns
    -------
    bool
        True when at least 3 values (and at least half of the non-missing values) are 8-9 digits and at least
        ``min_share`` of those pass the eleven test (a NumPy bool when the share decides).

    Raises
    ------
    None
        Never raises on a Series; values of any type are compared as text.

    Examples
    --------
    >>> import pandas as pd
    >>> bool(looks_like_bsn_column(pd.Series(["111222333", "123456782", "012345672"])))
    True
    >>> bool(looks_like_bsn_column(pd.Series(["100000001", "100000002", "100000003"])))
    False
    """
    s = values.dropna().astype(str).str.strip()
    s = s[s.str.fullmatch(r"\d{8,9}")]
    if len(s) < 3 or len(s) < 0.5 * len(values.dropna()):
        return False
    return s.map(elfproef).mean() >= min_share


def pseudonymise(ids: Iterable, *, key: bytes | None = None, prefix: str = "P") -> list[str]:
    """Keyed HMAC-SHA256 pseudonyms: stable for one key, not reversible without it.

    The key comes from the environment variable ANALYSIS_PSEUDONYM_KEY and is never stored in the repository.

    Parameters
    ----------
    ids : iterable
        The identifiers (client numbers, BSNs) to replace; each is hashed as ``str(id)``.
    key : bytes, optional
        The HMAC key; default the value of ``ANALYSIS_PSEUDONYM_KEY``.
    prefix : str, default "P"
        Put before each pseudonym.

    Returns
    -------
    list of str
        One pseudonym per id, in order: ``prefix`` + the first 12 hex digits of HMAC-SHA256(key, id). The same id
        always gets the same pseudonym under one key.

    Raises
    ------
    RuntimeError
        If no ``key`` is given and ``ANALYSIS_PSEUDONYM_KEY`` is not set (or empty).

    Examples
    --------
    >>> pseudonymise(["c1", "c2", "c1"], key=b"test-key")
    ['P2187c4e93e14', 'P898a03001844', 'P2187c4e93e14']
    """
    if key is None:
        env = os.environ.get(SECRET_ENV)
        if not env:
            raise RuntimeError(
                f"set {SECRET_ENV} to the pseudonymisation key (kept outside the repository) before pseudonymising"
            )
        key = env.encode()
    return [prefix + hmac.new(key, str(i).encode(), hashlib.sha256).hexdigest()[:12] for i in ids]


@dataclass(frozen=True)
class SuppressionResult(ResultDisplay):
    """A table with small cells replaced; ``primary`` / ``secondary`` list suppressed (row, column) cells."""

    table: pd.DataFrame
    primary: tuple[tuple, ...]
    secondary: tuple[tuple, ...]
    threshold: int

    def to_frame(self) -> pd.DataFrame:
        return self.table


def suppress_small_cells(
    table: pd.DataFrame,
    threshold: int = 10,
    *,
    total_row: str | None = None,
    total_col: str | None = None,
    columns: list[str] | None = None,
) -> SuppressionResult:
    """Suppress small counts (primary) and, where a margin total is shown, a second cell (secondary).

    Counts 1..threshold-1 are suppressed (zero is not disclosive) and, where a margin total is shown, a second cell in
    the same row/column is suppressed so the suppressed value cannot be recovered by subtraction.

    Secondary cells are chosen as the smallest remaining non-zero cell in the line, the usual CBS choice that loses
    least information. Repeats until every row and column with a margin has 0 or >= 2 suppressed cells.

    Parameters
    ----------
    table : pandas.DataFrame
        A table of counts (rows and columns are categories).
    threshold : int, default 10
        Smallest count that may be shown; for a public report check it first with :func:`check_public_threshold`.
    total_row : str, optional
        Index label of a margin row with column totals (kept, not suppressed); each column then needs 0 or >= 2
        hidden cells.
    total_col : str, optional
        Name of a margin column with row totals (kept); each row then needs 0 or >= 2 hidden cells.
    columns : list of str, optional
        The count columns to check; default every numeric column except ``total_col``.

    Returns
    -------
    SuppressionResult
        ``table`` (a copy, object dtype, suppressed cells replaced by ``"<10"``), ``primary`` and ``secondary``
        (tuples of suppressed (row, column) cells) and ``threshold``.

    Raises
    ------
    ValueError
        If ``threshold`` < 1 or a count is negative.
    KeyError
        If ``columns`` names a column ``table`` lacks.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": [3, 20, 15], "b": [12, 25, 30]}, index=["x", "y", "z"])
    >>> t["totaal"] = t.sum(axis=1)
    >>> r = suppress_small_cells(t, total_col="totaal")
    >>> r.primary, r.secondary
    ((('x', 'a'),), (('x', 'b'),))
    >>> r.table.loc["x"].tolist()
    ['<10', '<10', 15]
    """
    if threshold < 1:
        raise ValueError("threshold must be >= 1")
    cols = columns or [c for c in table.columns if c != total_col and pd.api.types.is_numeric_dtype(table[c])]
    body_rows = [r for r in table.index if r != total_row]
    values = table.loc[body_rows, cols].astype(float)
    if (values < 0).any().any():
        raise ValueError("counts must be >= 0 to be suppressed")
    mask = (values > 0) & (values < threshold)
    primary = [(r, c) for r in body_rows for c in cols if mask.loc[r, c]]
    secondary: list[tuple] = []

    def hide(picks) -> bool:
        for r, c in picks:
            mask.loc[r, c] = True
            secondary.append((r, c))
        return bool(picks)

    # each line with a margin needs 0 or >= 2 hidden cells; columns are the rows of the transpose, and the column
    # pass sees what the row pass hid
    changed = True
    while changed:
        changed = False
        if total_col is not None:
            changed |= hide(_lone_hidden_partners(mask, values))
        if total_row is not None:
            changed |= hide([(r, c) for c, r in _lone_hidden_partners(mask.T, values.T)])
    out = table.copy().astype(object)
    for r in body_rows:
        for c in cols:
            if mask.loc[r, c]:
                out.loc[r, c] = SUPPRESSED
    # A margin total built only from suppressed cells of one line would itself reveal them; totals stay, since
    # every line now has 0 or >= 2 hidden cells.
    return SuppressionResult(out, tuple(primary), tuple(secondary), threshold)


def _lone_hidden_partners(mask: pd.DataFrame, values: pd.DataFrame) -> list[tuple]:
    """For each row with exactly one hidden cell: the smallest other cell (non-zero if there is one) to hide too."""
    picks = []
    for r in mask.index:
        row = mask.loc[r]
        if row.sum() == 1:
            cand = values.loc[r][~row]
            cand = cand[cand > 0] if (cand > 0).any() else cand
            if len(cand):
                picks.append((r, cand.idxmin()))
    return picks


# ------------------------------------------------------------------------------------------ leak scan

# Nine digits standing alone: not part of a longer number (a '.' or ',' only joins numbers when a digit follows,
# 1.234.567, so a BSN at the end of a sentence, "kenmerk 111222333.", is still found) and not inside a longer
# alphanumeric token such as a SHA-256 hash, an id or a file name ("e016535261fc…", "export_123456782",
# "-559025129.csv": nine digits before a data-file extension name a file, as the property test found).
_FILE_EXTENSION = r"\.(?:csv|parquet|json|xlsx?|txt|pdf|html?|png|ipynb|toml|md|typ)\b"
_ALONE_BEFORE = r"(?<![0-9A-Za-z_])(?<!\d[.,])"
_ALONE_AFTER = r"(?![0-9A-Za-z_])(?![.,]\d)(?!" + _FILE_EXTENSION + ")"
_BSN_CANDIDATE = re.compile(_ALONE_BEFORE + r"(\d{9})" + _ALONE_AFTER)
# How people write a BSN besides nine digits in a row (issue 23): grouped with spaces, dots or dashes as on a
# passport ('1112 22 333') or in a letter ('111.222.333', '111-222-333'), the eight-digit form of old numbers
# (a leading zero dropped: '12345672', '12.345.672') and with extra leading zeros ('0111222333').
_BSN_WRITTEN = re.compile(
    _ALONE_BEFORE
    + r"(\d{4}([ .\-])\d{2}\2\d{3}|\d{3}([ .\-])\d{3}\3\d{3}|\d{2}([ .\-])\d{3}\4\d{3}|\d{8}|0{1,2}\d{9})"
    + _ALONE_AFTER
)
# Eight-digit BSNs are only taken as such after a word that introduces a person's number
_BSN_CUE = re.compile(r"(?:bsn|burgerservice|sofi|persoonsnummer|cli[eë]nt|nummer|kenmerk|nr\.?)\W{0,3}[^\n]{0,15}$",
                      re.IGNORECASE)  # fmt: skip
# An amount: '€ 111.222.333' or 'EUR 111.222.333' is money, whatever the eleven test says
_MONEY_BEFORE = re.compile(r"(?:€|EUR|euro)\s?-?$", re.IGNORECASE)
_DATE = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](19\d{2}|20\d{2})\b|\b(19\d{2}|20\d{2})-(\d{2})-(\d{2})\b")
DUTCH_MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november",
    "december",
)  # fmt: skip
_MONTH_WORD = (
    r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    r"|jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)\.?"
)
# '1 februari 2003', '1 feb. 2003', '01 febr 2003'
_DATE_WORDS = re.compile(r"\b(\d{1,2})\s+" + _MONTH_WORD + r"\s+(19\d{2}|20\d{2})\b", re.IGNORECASE)
# a date said to be a birth date, whatever its year: 'geboren op 3 maart 2015', 'geb. 03-03-2015', 'geboortedatum:'
_BIRTH_CUE = re.compile(r"\b(?:geboren|geb\.|geboortedatum|geboortedag|d\.d\.\s?geb)\b[^\n<>]{0,20}$", re.IGNORECASE)
# postcode (4 digits, no leading zero, 2 capitals; SA, SD and SS are not issued) with a house number before or
# after it: together they point to one address
_POSTCODE = r"[1-9]\d{3}(?: ?(?!SA|SD|SS)[A-Z]{2}|(?!sa|sd|ss)[a-z]{2})"
_ADDRESS = re.compile(
    r"\b" + _POSTCODE + r"\b[ ,]{1,3}(?:nr\.? ?)?\d{1,5}(?:[ -]?[a-zA-Z]\b)?(?![\d.,])"
    r"|(?<![\d.,])\b\d{1,5}[a-zA-Z]?,? {1,2}" + _POSTCODE + r"\b"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# Dutch phone numbers: 06-12345678, 06 1234 5678, 050-3671111, (050) 367 11 11, +31 6 12345678, 0031 50 ...
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)31[ \-]?(?:\(0\)[ \-]?)?[1-9]|\(0[1-9]\d{0,2}\)|0[1-9])[\d \-]{7,13}(?<=\d)(?![\w])"
    r"(?![.,]\d)(?!" + _FILE_EXTENSION + ")"
)


def _phone_digits(s: str) -> str | None:
    """The national number (0 + 9 digits) of a phone-number candidate, or None when it is not one."""
    d = re.sub(r"\D", "", s)
    if s.startswith("+") or s.startswith("00"):
        d = "0" + d[4:] if s.startswith("00") else "0" + d[2:]
        d = d.replace("00", "0", 1) if d.startswith("00") else d  # '+31 (0)6' wrote the 0 twice
    return d if len(d) == 10 and d[0] == "0" and d[1] != "0" else None


def _is_yyyymmdd(s: str) -> bool:
    import datetime as _dt

    try:
        _dt.date(int(s[:4]), int(s[4:6]), int(s[6:8]))
        return 1900 <= int(s[:4]) <= 2100
    except ValueError:
        return False


@dataclass(frozen=True)
class Finding:
    """One identifier found by the leak scan: its kind (bsn, naam, geboortedatum, datum), the value and the text
    around it."""

    kind: str
    value: str
    context: str


@dataclass(frozen=True)
class ScanResult(ResultDisplay):
    """All findings of a leak scan; ``clean`` is True when there are none."""

    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([f.__dict__ for f in self.findings], columns=["kind", "value", "context"])


def scan_for_identifiers(
    text: str, *, names: Iterable[str] = (), dates_of_birth: Iterable[str] = (), forbid_exact_dates: bool = False
) -> ScanResult:
    """Find identifiers in ``text`` the way people write them.

    BSNs (passing the eleven test; nine digits, grouped with spaces, dots or dashes, eight digits, extra leading
    zeros), e-mail addresses, Dutch phone numbers, postcode + house number, dates called a birth date, and the given
    names and dates of birth (in figures and in Dutch words). Amounts (``€ 111.222.333``) are not taken for BSNs, and
    eight digits only count as a BSN after a cue such as "BSN", "cliënt" or "kenmerk".

    With ``forbid_exact_dates`` any full day-month-year date before 2010 is reported too, in figures or with the
    month in words (a public report needs none: births are the usual such dates).

    Parameters
    ----------
    text : str
        The rendered report text (Markdown, HTML or extracted PDF text).
    names : iterable of str, optional
        Names of people that must not appear (matched as whole words, case-insensitive; names shorter than 3
        characters are skipped).
    dates_of_birth : iterable of str or date-like, optional
        Dates of birth that must not appear, in any common Dutch notation (``2015-03-03``, ``3-3-2015``,
        ``03/03/2015``, ``3 maart 2015``, ...).
    forbid_exact_dates : bool, default False
        Also report every exact date before 2010.

    Returns
    -------
    ScanResult
        ``findings``: one :class:`Finding` per hit (kind ``bsn``, ``e-mail``, ``telefoon``, ``adres``, ``naam``,
        ``geboortedatum`` or ``datum``; the value; 30 characters of context either side); ``clean`` is True when
        there are none; ``to_frame()`` gives columns kind, value, context.

    Raises
    ------
    ValueError
        If a value in ``dates_of_birth`` cannot be parsed as a date (from :class:`pandas.Timestamp`).

    Examples
    --------
    >>> r = scan_for_identifiers("BSN 111222333, mail jan@example.nl")
    >>> r.clean
    False
    >>> r.to_frame()[["kind", "value"]].values.tolist()
    [['bsn', '111222333'], ['e-mail', 'jan@example.nl']]
    >>> scan_for_identifiers("In 2024 kregen 1.234 inwoners hulp.").clean
    True
    """
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def ctx(m_start: int, m_end: int) -> str:
        return text[max(0, m_start - 30) : m_end + 30].replace("\n", " ")

    def add(kind: str, value: str, start: int, end: int) -> None:
        findings.append(Finding(kind, value, ctx(start, end)))
        taken.append((start, end))

    def overlaps(start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in taken)

    for m in _BSN_CANDIDATE.finditer(text):
        if elfproef(m.group(1)):
            add("bsn", m.group(1), m.start(), m.end())
    for m in _BSN_WRITTEN.finditer(text):
        raw = m.group(1)
        digits = re.sub(r"\D", "", raw)
        if overlaps(m.start(), m.end()) or _MONEY_BEFORE.search(text[max(0, m.start() - 6) : m.start()]):
            continue
        if len(digits) == 8 and (
            (raw.isdigit() and _is_yyyymmdd(digits)) or not _BSN_CUE.search(text[max(0, m.start() - 40) : m.start()])
        ):
            continue  # eight digits are common (a date 20211115, a cell id, 17.475.415 inhabitants): only with a cue
        core = digits.lstrip("0").zfill(8) if len(digits) > 9 else digits
        if len(core) in (8, 9) and elfproef(core):
            add("bsn", raw, m.start(), m.end())
    for m in _EMAIL.finditer(text) if "@" in text else ():  # no '@', no address: skip the slow pattern
        add("e-mail", m.group(0), m.start(), m.end())
    for m in _PHONE.finditer(text):
        if not overlaps(m.start(), m.end()) and _phone_digits(m.group(0).strip()):
            add("telefoon", m.group(0).strip(), m.start(), m.end())
    for m in _ADDRESS.finditer(text):
        add("adres", m.group(0), m.start(), m.end())
    for name in names:
        name = str(name).strip()
        if len(name) < 3:
            continue
        for m in re.finditer(r"\b" + re.escape(name) + r"\b", text, flags=re.IGNORECASE):
            add("naam", name, m.start(), m.end())
    dob_variants = set()
    for d in dates_of_birth:
        ts = pd.Timestamp(d)
        dob_variants |= {
            ts.strftime("%Y-%m-%d"),
            ts.strftime("%d-%m-%Y"),
            ts.strftime("%-d-%-m-%Y"),
            ts.strftime("%d/%m/%Y"),
            ts.strftime("%d.%m.%Y"),
            f"{ts.day} {DUTCH_MONTHS[ts.month - 1]} {ts.year}",
            f"{ts.day:02d} {DUTCH_MONTHS[ts.month - 1]} {ts.year}",
        }
    for v in dob_variants:
        for m in re.finditer(re.escape(v), text, flags=re.IGNORECASE):
            add("geboortedatum", v, m.start(), m.end())
    for rx in (_DATE, _DATE_WORDS):
        for m in rx.finditer(text):
            if overlaps(m.start(), m.end()):
                continue
            if _BIRTH_CUE.search(text[max(0, m.start() - 40) : m.start()]):
                add("geboortedatum", m.group(0), m.start(), m.end())
            elif forbid_exact_dates:
                year = int(m.group(m.lastindex) if rx is _DATE_WORDS else (m.group(3) or m.group(4)))
                if year < 2010:
                    add("datum", m.group(0), m.start(), m.end())
    return ScanResult(tuple(findings))
