"""All file I/O of the package: reading raw files with Dutch CSV conventions, writing processed files atomically.

Errors name the file, the row(s) (1-based line numbers in the file, header = line 1), the column and what was
expected, so an analyst can fix the delivery without reading a traceback.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import hashlib
import io
import json
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


class DataInputError(ValueError):
    """Bad input. ``str(err)`` is the message shown to the analyst."""

    def __init__(
        self,
        file: str | Path,
        problem: str,
        *,
        rows: Iterable[int] | None = None,
        column: str | None = None,
        expected: str | None = None,
    ):
        self.file = str(file)
        self.rows = list(rows) if rows is not None else []
        self.column = column
        self.expected = expected
        self.problem = problem
        parts = [f"{self.file}: {problem}"]
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:10])
            more = f" (+{len(self.rows) - 10} more)" if len(self.rows) > 10 else ""
            parts.append(f"row(s) {shown}{more}")
        if column:
            parts.append(f"column '{column}'")
        if expected:
            parts.append(f"expected {expected}")
        super().__init__("; ".join(parts))


class EncodingFallbackWarning(UserWarning):
    pass


@dataclass(frozen=True)
class CsvFormat:
    """How a delivery is written. Dutch exports (Excel NL, GWS4all, Suite) use ';', decimal comma, thousands dot."""

    sep: str = ";"
    decimal: str = ","
    thousands: str = "."
    encoding: str = "utf-8"

    @classmethod
    def from_mapping(cls, m: dict | None, where: str = "sources.toml") -> CsvFormat:
        if not m:
            return cls()
        unknown = set(m) - {"sep", "decimal", "thousands", "encoding"}
        if unknown:
            raise DataInputError(
                where, f"unknown format key(s) {sorted(unknown)}", expected="sep, decimal, thousands, encoding"
            )
        fmt = cls(**m)
        import codecs

        try:
            codecs.lookup(fmt.encoding)
        except LookupError:
            raise DataInputError(
                where, f"unknown encoding {fmt.encoding!r}", expected="e.g. 'utf-8' or 'cp1252'"
            ) from None
        return fmt


DUTCH = CsvFormat()

# Header line = line 1, so data row i (0-based) is line i + 2.
HEADER_OFFSET = 2


# The largest input read into memory (a raw CSV, an export to check). The real panel is ~0.5 MB and a gemeente's own
# registration a few MB; a bigger file is a wrong file (or /dev/zero) and is refused before reading.
MAX_INPUT_ENV = "ANALYSIS_MAX_INPUT_MB"
MAX_INPUT_MB = 512


def max_input_bytes() -> int:
    try:
        return int(float(os.environ.get(MAX_INPUT_ENV, MAX_INPUT_MB)) * 1024 * 1024)
    except ValueError:
        return MAX_INPUT_MB * 1024 * 1024


def check_input_file(path: str | Path, what: str = "a data file") -> Path:
    """Refuse, before opening it, anything that is not a regular file of a sane size: a named pipe blocks a reader
    forever, a device (/dev/zero) never ends, a huge file exhausts memory."""
    import stat

    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DataInputError(path, "file not found") from None
    except OSError as exc:
        raise DataInputError(path, f"cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise DataInputError(path, "is a folder, not a file", expected=what)
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file"
        )  # fmt: skip
        raise DataInputError(path, f"is {kind}, not a regular file; refused without reading", expected=what)
    limit = max_input_bytes()
    if st.st_size > limit:
        raise DataInputError(
            path,
            f"too large ({st.st_size / 1024 / 1024:.0f} MB; the limit is {limit / 1024 / 1024:.0f} MB, "
            f"{MAX_INPUT_ENV})",
            expected=what,
        )
    return path


def safe_relative_key(where: str, key, base: Path) -> Path:
    """A file named by configuration (a sources.toml key): relative, plain names only, and inside ``base``."""
    import re

    part = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
    if not isinstance(key, str) or not re.fullmatch(rf"{part}(?:/{part})*", key) or ".." in key.split("/"):
        raise DataInputError(
            where,
            f"file key {key!r} is not allowed",
            expected="a relative path inside data/raw of letters, digits, '_', '-', '.', '/' (no '..', not absolute)",
        )
    base = Path(base).resolve()
    p = (base / key).resolve()
    if not p.is_relative_to(base):
        raise DataInputError(where, f"file key {key!r} points outside {base} (a symbolic link?)")
    return base / key


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _decode(path: Path, data: bytes, encoding: str) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DataInputError(path, "file is UTF-16 encoded", expected=f"{encoding} text (save as CSV UTF-8)")
    if b"\x00" in data[:4096]:
        raise DataInputError(path, "not a text file (binary data)", expected=f"a CSV file in {encoding}")
    if encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
        try:
            return data.decode("utf-8-sig")  # strips a BOM if present (Excel writes one)
        except UnicodeDecodeError:
            warnings.warn(
                f"{path}: not valid UTF-8; read as Windows-1252 (Latin-1 family). Check accented names.",
                EncodingFallbackWarning,
                stacklevel=3,
            )
            try:
                return data.decode("cp1252", errors="strict")
            except UnicodeDecodeError:
                raise DataInputError(path, "not readable as text", expected="a CSV file in UTF-8") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataInputError(
            path, f"not valid {encoding} at byte {exc.start}", expected=f"a CSV file in {encoding}"
        ) from None


def read_csv_text(
    path: str | Path, fmt: CsvFormat, expected_columns: list[str], *, allow_extra: bool = False
) -> pd.DataFrame:
    """Read a CSV as strings, checking encoding, delimiter and header against ``expected_columns`` (extra columns
    are an error unless ``allow_extra``; they are then dropped)."""
    path = check_input_file(path, "a CSV file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataInputError(path, f"cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise DataInputError(path, "file is empty", expected=f"a header with columns {expected_columns}")
    text = _decode(path, data, fmt.encoding)
    header = text.splitlines()[0]
    if fmt.sep not in header and len(expected_columns) > 1:
        found = max([";", ",", "\t", "|"], key=header.count)
        raise DataInputError(
            path, "wrong delimiter", rows=[1], expected=f"fields separated by {fmt.sep!r}, found {found!r}"
        )
    try:
        df = pd.read_csv(
            io.StringIO(text), sep=fmt.sep, dtype=str, keep_default_na=False, na_values=[""], quoting=csv.QUOTE_MINIMAL
        )
    except pd.errors.ParserError as exc:
        raise DataInputError(
            path, f"cannot parse CSV ({exc})", expected=f"{len(expected_columns)} fields a row"
        ) from exc
    check_columns(path, list(df.columns), expected_columns, allow_extra=allow_extra)
    if df.empty:
        raise DataInputError(path, "no data rows, only a header", rows=[1], expected="at least one row of data")
    return df[expected_columns]


def check_columns(path: str | Path, actual: list[str], expected: list[str], *, allow_extra: bool = False) -> None:
    missing = [c for c in expected if c not in actual]
    extra = [] if allow_extra and not missing else [c for c in actual if c not in expected]
    if missing and extra:
        pairs = []
        for m in missing:
            close = difflib.get_close_matches(m, extra, n=1, cutoff=0.5)
            if close:
                pairs.append(f"'{close[0]}' (renamed from '{m}'?)")
        hint = f"; unexpected {', '.join(pairs) or extra}" if extra else ""
        raise DataInputError(
            path, f"missing column(s) {missing}{hint}", rows=[1], column=missing[0], expected=f"columns {expected}"
        )
    if missing:
        raise DataInputError(
            path, f"missing column(s) {missing}", rows=[1], column=missing[0], expected=f"columns {expected}"
        )
    if extra:
        raise DataInputError(
            path, f"unexpected extra column(s) {extra}", rows=[1], column=extra[0], expected=f"only columns {expected}"
        )
    dupes = {c for c in actual if actual.count(c) > 1}
    if dupes:
        raise DataInputError(path, f"duplicate column name(s) {sorted(dupes)}", rows=[1])


def parse_numeric(
    path: str | Path, df: pd.DataFrame, columns: Iterable[str], fmt: CsvFormat, *, whole: Iterable[str] = ()
) -> pd.DataFrame:
    """Convert text columns to numbers following the file's decimal/thousands convention strictly, naming bad
    cells; ``whole`` columns (counts) must hold whole numbers (``analysis.data.numbers``)."""
    from analysis.data.numbers import parse_strict

    return parse_strict(path, df, columns, fmt, whole=whole)


def read_parquet_checked(path: str | Path, expected_columns: list[str] | None = None) -> pd.DataFrame:
    path = check_input_file(path, "a Parquet file")
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError on truncated or foreign files
        raise DataInputError(
            path,
            f"not a readable Parquet file ({type(exc).__name__}: {exc})",
            expected="a complete Parquet file (truncated download?)",
        ) from exc
    if expected_columns is not None:
        check_columns(path, list(df.columns), expected_columns)
    return df


# ---------------------------------------------------------------------------------------------- writing


def public_mode() -> int:
    """The mode a newly created file gets under the current umask (0644 under the usual 022). ``mkstemp`` creates
    0600 files, which a web server running as another user cannot read."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(final: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; rename it over ``final`` only if the block succeeds."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():
            os.chmod(tmp_path, public_mode())
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_json_atomic(obj, final: str | Path) -> None:
    with atomic_path(final) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def write_parquet_atomic(df: pd.DataFrame, final: str | Path) -> None:
    with atomic_path(final) as tmp:
        df.to_parquet(tmp, index=False)


def write_dataset(
    df: pd.DataFrame,
    final: str | Path,
    *,
    description: str,
    unit: str,
    source: str,
    inputs: dict[str, str] | None = None,
    synthetic: bool = False,
    citation: str = "",
) -> None:
    """Write a processed table with its metadata beside it (``<name>.parquet`` + ``<name>.meta.json``).

    ``citation`` is how a report cites the data for a council reader: the primary publisher and table ids, with a
    note where we use a secondary copy (file names and hashes go to the report's Verantwoording instead)."""
    final = Path(final)
    write_parquet_atomic(df, final)
    meta = {
        "file": final.name,
        "description": description,
        "unit": unit,
        "source": source,
        "citation": citation,
        "synthetic": synthetic,
        "rows": len(df),
        "columns": {c: str(t) for c, t in df.dtypes.items()},
        "inputs_sha256": inputs or {},
        "sha256": sha256_file(final),
    }
    write_json_atomic(meta, final.with_suffix(".meta.json"))


def read_dataset_meta(path: str | Path) -> dict:
    p = Path(path).with_suffix(".meta.json")
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def available_tables(directory: str | Path | None = None) -> list[str]:
    """The names ``load_processed`` accepts in ``directory`` (default: the project's ``data/processed``).

    Parameters
    ----------
    directory : str or pathlib.Path, optional
        The processed-data folder.

    Returns
    -------
    list of str
        Table names such as ``wmo_panel_grenzen_2020`` and ``synthetic/hh_clients``, sorted; empty when nothing is
        built yet.

    Raises
    ------
    None

    Examples
    --------
    >>> available_tables()  # doctest: +SKIP
    ['herindelingen', 'reference', 'synthetic/hh_clients', ...]
    """
    from analysis.paths import processed_dir

    base = Path(directory) if directory else processed_dir()
    if not base.is_dir():
        return []
    # two levels (``x`` and ``synthetic/x``): a processed folder holds no deeper tables, and a wrong ``directory``
    # such as /tmp must not be walked
    found = [*base.glob("*.parquet"), *base.glob("*/*.parquet")]
    return sorted(p.relative_to(base).with_suffix("").as_posix() for p in found)


def load_processed(name: str, directory: str | Path | None = None) -> pd.DataFrame:
    """Load a processed or synthetic table by name: the first call in every analysis.

    Parameters
    ----------
    name : str
        The table name: a processed table (``wmo_panel_grenzen_2020``, ``wmo_panel_eigen_grenzen``,
        ``herindelingen``, ``reference``) or a synthetic one (``synthetic/hh_clients`` ...). The full list, with
        columns, is in the documentation (*Tables*) and in ``analysis.data.schemas.PROCESSED``.
    directory : str or pathlib.Path, optional
        The processed-data folder (default: ``data/processed`` of the project).

    Returns
    -------
    pandas.DataFrame
        The table as written by ``analysis data build`` / ``analysis data synth``.

    Raises
    ------
    FileNotFoundError
        If the table does not exist: a name that is not a table lists the valid names (with the nearest one);
        a valid name that is not built yet says which command builds it.
    DataInputError
        If the file is not a readable parquet file.

    Examples
    --------
    >>> from analysis.data.io import load_processed
    >>> panel = load_processed("wmo_panel_grenzen_2020")  # doctest: +SKIP
    >>> clients = load_processed("synthetic/hh_clients")  # doctest: +SKIP
    """
    from analysis.data.names import did_you_mean
    from analysis.data.schemas import PROCESSED
    from analysis.paths import processed_dir

    base = Path(directory) if directory else processed_dir()
    path = base / f"{name}.parquet"
    if not path.exists():
        known = sorted(set(PROCESSED) | set(available_tables(base)))
        if name not in known:
            raise FileNotFoundError(f"no table {name!r}{did_you_mean(name, known)}; tables: {', '.join(known)}")
        step = "analysis data synth" if name.startswith("synthetic/") else "analysis data build"
        raise FileNotFoundError(f"table {name!r} is not built yet ({path} does not exist): run `{step}` first")
    return read_parquet_checked(path)
