"""Bad input through `analysis data build`: a clear error (file, row, column, expected) and no half-written state."""

import hashlib
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
    if case == "empty_file":
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
    p = raw_copy / "reference" / "groningen_wmo_hh.csv"
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
