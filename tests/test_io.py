"""Bad input through `analysis data build`: a clear error (file, row, column, expected) and no half-written state."""

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.data import io
from conftest import rehash_sources

PANEL = "cbs_wmo_panel/wmo_data.csv"
HERI = "geography/gemeente_herindelingen.csv"
runner = CliRunner()


def snapshot(d: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.glob("*")) if p.is_file()}


def edit_lines(path: Path, fn) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(fn(lines)) + "\n", encoding="utf-8")


def set_cell(lines, line_no, column, value):
    header = lines[0].split(",")
    cells = lines[line_no - 1].split(",")
    cells[header.index(column)] = value
    lines[line_no - 1] = ",".join(cells)
    return lines


def rename_header(lines, old, new):
    lines[0] = ",".join(new if h == old else h for h in lines[0].split(","))
    return lines


def drop_column(lines, col):
    idx = lines[0].split(",").index(col)
    return [",".join(c for i, c in enumerate(line.split(",")) if i != idx) for line in lines]


def bsn_column(lines):
    # 9-digit numbers passing the eleven test, in a numeric column
    bsns = ["111222333", "123456782", "999999990", "100000009", "232262536"]
    header = lines[0].split(",")
    j = header.index("land_area_ha")
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        cells[j] = bsns[i % len(bsns)]
        out.append(",".join(cells))
    return out


BAD_CASES = {
    "wrong_delimiter": (PANEL, lambda ls: [line.replace(",", ";") for line in ls], ["wrong delimiter", "';'"]),
    "missing_column": (PANEL, lambda ls: drop_column(ls, "household_help"), ["missing column", "household_help"]),
    "extra_column": (PANEL, lambda ls: [ls[0] + ",extra"] + [x + ",1" for x in ls[1:]], ["extra column", "extra"]),
    "renamed_column": (
        PANEL,
        lambda ls: rename_header(ls, "household_help", "household_hlp"),
        ["household_hlp", "renamed from 'household_help'"],
    ),
    "text_in_number": (
        PANEL,
        lambda ls: set_cell(ls, 5, "household_help", "veel"),
        ["text in a number column", "row(s) 5", "household_help", "a number"],
    ),
    "negative_count": (
        PANEL,
        lambda ls: set_cell(ls, 7, "household_help", "-5"),
        ["row(s) 7", "household_help", "greater_than_or_equal_to(0)"],
    ),
    "not_multiple_of_5": (
        PANEL,
        lambda ls: set_cell(ls, 9, "n_wmo_clients", "1883"),
        ["row(s) 9", "n_wmo_clients", "multiple of 5"],
    ),
    "duplicate_row": (PANEL, lambda ls: ls + [ls[3]], ["duplicate rows", "year", "mun_code"]),
    "future_year": (PANEL, lambda ls: set_cell(ls, 4, "year", "2099"), ["row(s) 4", "year", "not after"]),
    "bad_gemeente_code": (PANEL, lambda ls: set_cell(ls, 6, "mun_code", "GM14"), ["row(s) 6", "mun_code"]),
    "bsn_column": (PANEL, bsn_column, ["BSN", "land_area_ha"]),
    "empty_file": (PANEL, lambda ls: [""], ["file is empty", "expected a header"]),
    "heri_bad_date": (
        HERI,
        lambda ls: [ls[0], ls[1].replace("2018-01-01", "01-01-2018")] + ls[2:],
        ["unreadable date", "row(s) 2", "effective_date", "YYYY-MM-DD"],
    ),
    "heri_future_date": (
        HERI,
        lambda ls: [ls[0], ls[1].replace("2018-01-01", "2099-01-01")] + ls[2:],
        ["row(s) 2", "effective_date", "not in the future"],
    ),
    "heri_duplicate_old_code": (HERI, lambda ls: ls + [ls[1]], ["old_code"]),
    # --- gaps closed in issue 12: nothing here may be accepted silently or end in a traceback
    "inf_in_number": (PANEL, lambda ls: set_cell(ls, 5, "household_help", "inf"), ["row(s) 5", "household_help"]),
    "minus_inf": (PANEL, lambda ls: set_cell(ls, 6, "avg_income", "-inf"), ["row(s) 6", "avg_income"]),
    "nan_as_text": (PANEL, lambda ls: set_cell(ls, 7, "n_wmo_clients", "NaN"), ["row(s) 7", "n_wmo_clients"]),
    "fractional_year": (PANEL, lambda ls: set_cell(ls, 8, "year", "2017.5"), ["row(s) 8", "year", "whole number"]),
    "text_year": (PANEL, lambda ls: set_cell(ls, 8, "year", "twintig"), ["row(s) 8", "year", "a number"]),
    "bsn_column_one_non_integer": (
        PANEL,
        lambda ls: set_cell(bsn_column(ls), 3, "land_area_ha", "12.5"),
        ["BSN", "land_area_ha"],
    ),
    "header_only": (PANEL, lambda ls: ls[:1], ["no data rows", "row(s) 1"]),
    "missing_inhabitants": (PANEL, lambda ls: set_cell(ls, 10, "n_inhabitants", ""), ["row(s) 10", "n_inhabitants"]),
    "missing_65plus": (PANEL, lambda ls: set_cell(ls, 11, "age_65_plus", ""), ["row(s) 11", "age_65_plus"]),
    "zero_inhabitants": (PANEL, lambda ls: set_cell(ls, 12, "n_inhabitants", "0"), ["row(s) 12", "n_inhabitants"]),
    "negative_population": (PANEL, lambda ls: set_cell(ls, 13, "age_0_15", "-3"), ["row(s) 13", "age_0_15"]),
    "empty_gemeente_code": (PANEL, lambda ls: set_cell(ls, 14, "mun_code", ""), ["row(s) 14", "mun_code"]),
    "duplicate_column_name": (
        PANEL,
        lambda ls: [ls[0] + ",year"] + [x + ",2017" for x in ls[1:]],
        ["year"],
    ),
    "unterminated_quote": (PANEL, lambda ls: ls[:3] + ['"' + ls[3]] + ls[4:], ["wmo_data.csv"]),
    "heri_unknown_code": (
        HERI,
        lambda ls: [ls[0], ls[1].replace("GM0018", "GM9876")] + ls[2:],
        ["row(s) 2", "old_code", "not in the CBS panel"],
    ),
    "heri_unknown_kind": (HERI, lambda ls: [ls[0], ls[1].replace(",whole,", ",half,")] + ls[2:], ["kind"]),
    "heri_bad_code_format": (HERI, lambda ls: [ls[0], ls[1].replace("GM1952", "1952")] + ls[2:], ["new_code"]),
    "reference_empty": ("reference/groningen_wmo_hh_2026-11-30.csv", lambda ls: [""], ["file is empty"]),
    "reference_extra_column": (
        "reference/abonnementstarief_effect.csv",
        lambda ls: [ls[0] + ",extra"] + [x + ",1" for x in ls[1:]],
        ["extra column"],
    ),
    # --- strict numbers (issue 23): the declared convention decides; counts are whole; parts within totals
    "inhabitants_thousands_dot": (
        PANEL,
        lambda ls: set_cell(ls, 2, "n_inhabitants", "72.479"),
        ["row(s) 2", "n_inhabitants", "'72.479'", "reads as 72.479", "it would be 72479"],
    ),
    "count_decimal_comma": (
        PANEL,
        lambda ls: set_cell(ls, 4, "age_65_plus", '"1,5"'),
        ["row(s) 4", "age_65_plus", "only when written with decimal ','"],
    ),
    "grouped_in_a_file_without_thousands": (
        PANEL,
        lambda ls: set_cell(ls, 5, "avg_income", "1.234.567"),
        ["row(s) 5", "avg_income", "only when written with decimal ','", "1234567"],
    ),
    "wmo_type_above_wmo_total": (
        PANEL,
        lambda ls: set_cell(ls, 2, "household_help", "9995"),
        ["row(s) 2", "household_help", "part larger than its total", "n_wmo_clients"],
    ),
    "age_65_above_inhabitants": (
        PANEL,
        lambda ls: set_cell(ls, 3, "age_65_plus", "99999999"),
        ["row(s) 3", "age_65_plus", "part larger than its total", "n_inhabitants"],
    ),
    "reference_count_with_decimal_point": (
        "reference/nl_wmo_clients.csv",
        lambda ls: [x.replace(",390950,", ",390.950,") for x in ls],
        ["row(s) 7", "column 'value'", "'390.950'", "reads as 390.95", "it would be 390950"],
    ),
    "reference_number_in_the_other_convention": (
        "reference/nl_wmo_clients.csv",
        lambda ls: [x.replace(",439060,", ',"439.060,5",') for x in ls],
        ["row(s) 8", "column 'value'", "only when written with decimal ','"],
    ),
    "reference_missing_column": (
        "reference/nl_wmo_clients.csv",
        lambda ls: drop_column(ls, "unit"),
        ["nl_wmo_clients.csv", "missing column", "unit"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_fails_clearly_and_keeps_previous_state(case, raw_copy, tmp_path):
    out = tmp_path / "processed"
    ok = runner.invoke(app, ["data", "build", "--raw", str(raw_copy), "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    before = snapshot(out)
    rel, edit, expected = BAD_CASES[case]
    path = raw_copy / rel
    if case in ("empty_file", "reference_empty"):
        path.write_text("", encoding="utf-8")
    else:
        edit_lines(path, edit)
    rehash_sources(raw_copy)
    res = runner.invoke(app, ["data", "build", "--raw", str(raw_copy), "--out", str(out)])
    assert res.exit_code != 0
    msg = " ".join(res.output.split())
    assert Path(rel).name in msg
    for fragment in expected:
        assert fragment in msg, f"{fragment!r} not in {msg!r}"
    assert snapshot(out) == before
    assert not list(out.glob(".staging-*"))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output


def _replace_file(raw: Path, rel: str, how: str) -> None:
    p = raw / rel
    if how == "directory":
        p.unlink()
        p.mkdir()
        (p / "x.csv").write_text("a\n1\n")
    elif how == "binary":
        p.write_bytes(bytes(range(256)) * 40)
    elif how == "utf16":
        p.write_bytes(p.read_text(encoding="utf-8").encode("utf-16"))


def _edit_sources(raw: Path, how: str) -> None:
    p = raw / "sources.toml"
    t = p.read_text(encoding="utf-8")
    if how == "malformed":
        p.write_text(t.replace("[files.", "[[files.", 1).replace('"]\n', '"\n', 1), encoding="utf-8")
    elif how == "unknown_encoding":
        p.write_text(t.replace('encoding = "utf-8"', 'encoding = "klingon-8"', 1), encoding="utf-8")
    elif how == "unknown_format_key":
        p.write_text(t.replace('format = { sep = ","', 'format = { delimiter = ","', 1), encoding="utf-8")
    elif how == "no_sha":
        p.write_text(re.sub(r'sha256 = "[0-9a-f]+"\n', "", t, count=1), encoding="utf-8")
    elif how == "no_files":
        p.write_text("# nothing\n", encoding="utf-8")


FILE_CASES = {
    "panel_is_a_directory": (lambda raw: _replace_file(raw, PANEL, "directory"), ["wmo_data.csv", "folder"]),
    "panel_binary_garbage": (lambda raw: _replace_file(raw, PANEL, "binary"), ["wmo_data.csv", "binary"]),
    "panel_utf16": (lambda raw: _replace_file(raw, PANEL, "utf16"), ["wmo_data.csv", "UTF-16"]),
    "sources_malformed": (lambda raw: _edit_sources(raw, "malformed"), ["sources.toml", "TOML"]),
    "sources_unknown_encoding": (lambda raw: _edit_sources(raw, "unknown_encoding"), ["klingon-8", "encoding"]),
    "sources_unknown_format_key": (lambda raw: _edit_sources(raw, "unknown_format_key"), ["delimiter", "format"]),
    "sources_entry_without_sha": (lambda raw: _edit_sources(raw, "no_sha"), ["sources.toml", "sha256"]),
    "sources_without_files": (lambda raw: _edit_sources(raw, "no_files"), ["sources.toml", "files"]),
    "sources_missing": (lambda raw: (raw / "sources.toml").unlink(), ["sources.toml", "missing"]),
}


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_bad_files_fail_clearly_and_keep_previous_state(case, raw_copy, tmp_path):
    out = tmp_path / "processed"
    assert runner.invoke(app, ["data", "build", "--raw", str(raw_copy), "--out", str(out)]).exit_code == 0
    before = snapshot(out)
    action, expected = FILE_CASES[case]
    action(raw_copy)
    if not case.startswith("sources") and case != "panel_is_a_directory":
        rehash_sources(raw_copy)
    res = runner.invoke(app, ["data", "build", "--raw", str(raw_copy), "--out", str(out)])
    msg = " ".join(res.output.split())
    assert res.exit_code != 0 and "Traceback" not in res.output, msg
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    for fragment in expected:
        assert fragment in msg, f"{fragment!r} not in {msg!r}"
    assert snapshot(out) == before


def test_unwritable_processed_folder_is_one_line(raw_copy, tmp_path):
    """The output folder is a file (what a read-only or broken mount looks like to the build): one line, no
    traceback. (Tests run as root, for whom permission bits do not stop a write.)"""
    out = tmp_path / "processed"
    out.write_text("not a folder")
    res = runner.invoke(app, ["data", "build", "--raw", str(raw_copy), "--out", str(out)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "cannot write or read" in " ".join(res.output.split())
    assert out.read_text() == "not a folder"


def test_disk_full_is_one_line_and_keeps_previous_state(raw_copy, tmp_path, monkeypatch):
    import errno

    out = tmp_path / "processed"
    assert runner.invoke(app, ["data", "build", "--raw", str(raw_copy), "--out", str(out)]).exit_code == 0
    before = snapshot(out)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "x.parquet"))

    monkeypatch.setattr(io.pd.DataFrame, "to_parquet", full)
    res = runner.invoke(app, ["data", "build", "--raw", str(raw_copy), "--out", str(out)])
    msg = " ".join(res.output.split())
    assert res.exit_code == 1 and "No space left on device" in msg and "x.parquet" in msg
    assert snapshot(out) == before and not list(out.glob(".staging-*"))


def test_changed_raw_file_without_new_provenance_is_refused(raw_copy, tmp_path):
    edit_lines(raw_copy / PANEL, lambda ls: set_cell(ls, 3, "household_help", "500"))
    res = runner.invoke(app, ["data", "build", "--raw", str(raw_copy), "--out", str(tmp_path / "p")])
    assert res.exit_code != 0
    assert "differs from its provenance record" in " ".join(res.output.split())


def test_raw_file_without_provenance_is_refused(raw_copy, tmp_path):
    (raw_copy / "reference" / "new.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    res = runner.invoke(app, ["data", "build", "--raw", str(raw_copy), "--out", str(tmp_path / "p")])
    assert res.exit_code != 0
    assert "raw file without provenance" in " ".join(res.output.split())


def test_cp1252_file_is_read_with_a_warning(raw_copy, tmp_path):
    p = raw_copy / "reference" / "groningen_wmo_hh_2026-11-30.csv"
    p.write_bytes(p.read_text(encoding="utf-8").replace("persons", "persons é").encode("cp1252", errors="replace"))
    rehash_sources(raw_copy)
    from analysis.data.pipeline import build_processed

    with pytest.warns(io.EncodingFallbackWarning, match="Windows-1252"):
        build_processed(raw_copy, tmp_path / "p")


def test_utf8_bom_is_accepted(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes("\ufeffgemeente;aantal\nGM0014;1.234,5\n".encode("utf-8"))
    df = io.read_csv_text(p, io.DUTCH, ["gemeente", "aantal"])
    df = io.parse_numeric(p, df, ["aantal"], io.DUTCH)
    assert df.loc[0, "aantal"] == pytest.approx(1234.5)


def test_dutch_decimal_comma_and_thousands_dot(tmp_path):
    p = tmp_path / "nl.csv"
    p.write_text("jaar;bedrag\n2021;42.000,00\n2022;168.000\n2023;126000,5\n", encoding="utf-8")
    df = io.parse_numeric(p, io.read_csv_text(p, io.DUTCH, ["jaar", "bedrag"]), ["jaar", "bedrag"], io.DUTCH)
    assert df["bedrag"].tolist() == [42000.0, 168000.0, 126000.5]


def test_truncated_parquet_gives_clear_error(tmp_path):
    p = tmp_path / "t.parquet"
    pd.DataFrame({"a": range(1000)}).to_parquet(p)
    p.write_bytes(p.read_bytes()[:300])
    with pytest.raises(io.DataInputError, match="not a readable Parquet file.*truncated"):
        io.read_parquet_checked(p)


def test_atomic_write_leaves_old_file_on_error(tmp_path):
    target = tmp_path / "x.json"
    io.write_json_atomic({"v": 1}, target)
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text().strip().startswith("{")
    assert list(tmp_path.iterdir()) == [target]


def test_processed_tables_have_metadata(processed):
    meta = io.read_dataset_meta(processed / "wmo_panel_grenzen_2020.parquet")
    assert meta["source"] and meta["unit"] and meta["description"]
    assert "cbs_wmo_panel/wmo_data.csv" in meta["inputs_sha256"]


@pytest.mark.parametrize(
    "values, decimals, expected",
    [([13.4, 28.3, 58.3], 0, [14, 28, 58]), ([33.33, 33.33, 33.34], 0, [33, 33, 34]), ([1.25, 2.25], 1, [1.3, 2.2])],
)
def test_round_to_total_parts_add_up(values, decimals, expected):
    from analysis.formatting import round_to_total

    r = round_to_total(values, decimals)
    assert r == pytest.approx(expected) and sum(r) == pytest.approx(round(sum(values), decimals))


@pytest.mark.parametrize(
    "text, decimal, thousands, expected",
    [
        ("1.234", ",", ".", 1234.0),
        ("1.234,5", ",", ".", 1234.5),
        ("1234,5", ",", ".", 1234.5),
        ("1.5", ",", ".", None),  # a dot groups thousands here: '1.5' is not 15
        ("12.34.567", ",", ".", None),
        ("1,234", ".", "", None),  # a comma is nothing in a file with decimal "." and no thousands mark
        ("1.234.567", ".", "", None),
        ("390.950", ".", "", 390.95),
        ("-0.5e-3", ".", "", -0.0005),
        ("inf", ".", "", None),
    ],
)
def test_numbers_are_read_by_one_convention_only(text, decimal, thousands, expected):
    from analysis.data.numbers import read_number

    got = read_number(text, decimal, thousands)
    assert got == (pytest.approx(expected) if expected is not None else None)
