import pandas as pd
import pytest

from analysis import privacy


def test_elfproef():
    assert privacy.elfproef("111222333") and privacy.elfproef("123456782") and privacy.elfproef(12345672)
    assert not privacy.elfproef("123456789") and not privacy.elfproef("12345") and not privacy.elfproef("abc")


def test_scan_finds_bsn_names_and_dates_of_birth():
    text = "Gezin Jansen (BSN 111222333.) geboren 03-04-1985; telling 1.234.567.890 en bedrag 123456789."
    res = privacy.scan_for_identifiers(text, names=["Jansen"], dates_of_birth=["1985-04-03"])
    kinds = sorted(f.kind for f in res.findings)
    assert kinds == ["bsn", "geboortedatum", "naam"]
    assert not privacy.scan_for_identifiers("In 2022 waren er 5.218 cliënten.").findings


def test_scan_flags_exact_old_dates_only_when_asked():
    assert privacy.scan_for_identifiers("op 12-05-1990", forbid_exact_dates=True).findings
    assert not privacy.scan_for_identifiers("op 12-05-1990").findings
    assert not privacy.scan_for_identifiers("peildatum 2022-11-01", forbid_exact_dates=True).findings


def test_primary_and_secondary_suppression():
    t = pd.DataFrame(
        {"MBO": [3, 12, 15], "HBO": [11, 14, 25], "totaal": [14, 26, 40]}, index=["uithuisplaatsing", "geen", "totaal"]
    )
    res = privacy.suppress_small_cells(t, 10, total_row="totaal", total_col="totaal")
    out = res.table
    assert out.loc["uithuisplaatsing", "MBO"] == privacy.SUPPRESSED
    assert ("uithuisplaatsing", "MBO") in res.primary
    # row margin 14 would reveal MBO = 14 - 11: HBO in that row is suppressed too
    assert out.loc["uithuisplaatsing", "HBO"] == privacy.SUPPRESSED
    # column margin 15 would reveal MBO = 15 - 12: another MBO cell goes
    assert out.loc["geen", "MBO"] == privacy.SUPPRESSED
    for r in ["uithuisplaatsing", "geen"]:
        assert (out.loc[r, ["MBO", "HBO"]] == privacy.SUPPRESSED).sum() != 1
    for c in ["MBO", "HBO"]:
        assert (out.loc[["uithuisplaatsing", "geen"], c] == privacy.SUPPRESSED).sum() != 1


def test_zero_is_not_suppressed_and_threshold_configurable():
    t = pd.DataFrame({"n": [0, 3, 30]})
    assert privacy.suppress_small_cells(t, 10).table["n"].tolist() == [0, "<10", 30]
    assert privacy.suppress_small_cells(t, 3).table["n"].tolist() == [0, 3, 30]
    with pytest.raises(ValueError):
        privacy.suppress_small_cells(pd.DataFrame({"n": [-1]}), 10)


def test_pseudonymise_needs_key_and_is_stable(monkeypatch):
    monkeypatch.delenv(privacy.SECRET_ENV, raising=False)
    with pytest.raises(RuntimeError, match="ANALYSIS_PSEUDONYM_KEY"):
        privacy.pseudonymise(["a"])
    monkeypatch.setenv(privacy.SECRET_ENV, "geheim")
    a = privacy.pseudonymise(["x", "y"])
    assert a == privacy.pseudonymise(["x", "y"]) and a[0] != a[1]
    assert a != privacy.pseudonymise(["x", "y"], key=b"anders")


def test_bsn_column_detection():
    assert privacy.looks_like_bsn_column(pd.Series(["111222333", "123456782", "999999990", "100000009"]))
    assert not privacy.looks_like_bsn_column(pd.Series(["123456789", "223456789", "323456789", "423456789"]))


# ---------------------------------------------------------------------------------- leak scan: no false alarms

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from analysis.report.render import leak_scan  # noqa: E402

REAL_BSN = "111222333"  # passes the eleven test


def _page(body: str) -> str:
    return f"<html><body><p>Rapport</p>{body}</body></html>"


@settings(max_examples=2000, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.text("abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=20))
def test_hashes_and_file_names_never_look_like_a_bsn(digest, stem):
    """Nine digits inside a SHA-256 hash, an id or a file name are not a BSN (issue 12: seed 11 broke 3 reports)."""
    import hashlib

    h = hashlib.sha256(digest).hexdigest()
    text = _page(
        f"<p>SHA-256 <code>{h}</code> en {h[:12]}…</p><td>{stem}_{h[:20]}.parquet</td>"
        f'<img alt="figuur {h}" src="data:image/png;base64,{h}">'
    )
    assert leak_scan([text, json_notebook(f"sha {h} bestand {stem}{h[:9]}.csv")]) == []


def test_a_file_name_that_is_only_a_hyphen_and_nine_digits_is_not_a_bsn():
    """The example hypothesis found: file stem '-' + the first nine hex digits of a hash, all digits."""
    assert leak_scan([json_notebook("sha … bestand -559025129.csv")]) == []
    assert leak_scan([json_notebook(f"bestand {REAL_BSN}.parquet en {REAL_BSN}.png")]) == []
    # the same nine digits in a sentence are still found, also at its end
    assert leak_scan([json_notebook(f"bestand van {REAL_BSN}. Daarna")])
    assert leak_scan([json_notebook(f"cliënt -{REAL_BSN}")])


def json_notebook(text: str) -> str:
    import json

    return json.dumps({"cells": [{"outputs": [{"text": text}]}]})


@pytest.mark.parametrize(
    "where",
    [
        f"<p>Gezin met BSN {REAL_BSN} in de tekst.</p>",
        f"<table><tr><td>{REAL_BSN}</td></tr></table>",
        f'<span title="{REAL_BSN}">x</span>',
        f'<img alt="figuur voor {REAL_BSN}" src="f.png">',
        f"<p>kenmerk {REAL_BSN}.</p>",
    ],
)
def test_a_real_bsn_is_still_found_everywhere(where):
    assert leak_scan([_page(where)])


def test_a_real_bsn_in_the_executed_notebook_is_found():
    assert leak_scan([json_notebook(f"print: {REAL_BSN}")])


def test_public_threshold_is_a_rule_not_a_parameter():
    from analysis.assumptions import load_assumptions
    from analysis.privacy import PUBLIC_MIN_CELL, check_public_threshold

    assert load_assumptions().value("P01") == PUBLIC_MIN_CELL
    with pytest.raises(ValueError, match="not allowed for an openbaar report"):
        check_public_threshold(1, "openbaar")
    assert check_public_threshold(1, "intern") == 1


# ------------------------------------------------------------------- leak scan: identifiers as people write them

MUST_FIND = {
    "bsn_plain": "BSN 111222333 in de tekst",
    "bsn_passport_groups": "BSN 1112 22 333 staat op de pas",
    "bsn_dots": "burgerservicenummer 111.222.333.",
    "bsn_dashes": "kenmerk 111-222-333 in het dossier",
    "bsn_spaces_3_3_3": "nummer 111 222 333 in de brief",
    "bsn_eight_digits": "oud nummer 12345672 uit GWS",  # 012345672 passes the eleven test
    "bsn_eight_digits_dots": "oud nummer 12.345.672 uit GWS",
    "bsn_extra_leading_zero": "export 0111222333 uit Suite",
    "dob_words": "geboren op 1 februari 2003",
    "dob_words_short_month": "cliënt (3 mrt. 1948) woont",
    "dob_old_numeric": "op 12-05-1990 geboren",
    "dob_old_words_without_cue": "ingeschreven sinds 7 juli 1975",
    "dob_young_child_with_cue": "het kind is geboren op 03-03-2015",
    "dob_iso_with_cue": "geboortedatum: 2016-08-21",
    "postcode_then_number": "woont op 9712 AB 12",
    "postcode_compact_number": "adres 9712AB 12a",
    "street_number_postcode": "Grote Markt 1, 9712 HN Groningen",
    "email": "mail naar j.jansen+zorg@example.nl voor",
    "mobile_dash": "bel 06-12345678 na vijven",
    "mobile_compact": "tel 0612345678",
    "mobile_international": "tel +31 6 12345678",
    "mobile_international_0": "tel +31 (0)6 1234 5678",
    "landline_area": "bel (050) 367 11 11",
    "landline_dash": "bel 050-3671111",
    "landline_0031": "bel 0031 50 367 1111",
}

MUST_NOT_FIND = {
    "number_millions": "In Nederland 1.234.567 inwoners",
    "euro_hundred_millions": "een budget van € 111.222.333 per jaar",
    "euro_word": "EUR 111.222.333 in 2024",
    "decimal_amount": "totaal 111.222.333,50 euro",
    "years": "de jaren 2017, 2018 en 2019 en 2017-2024",
    "year_range_spaces": "in 2019 en 2020 123 gezinnen",
    "percent": "een groei van 12,7% en -99,9%",
    "euro_amounts": "€ 1.234.567,89 en € 33.000 en EUR 330000000",
    "sha256": "sha e016535261fc0a6111222333b9c7d6e9f0a1b2c3d4e5f60718293a4b5c6d7e8f",
    "file_name": "bestand export_111222333.csv en 111222333.parquet",
    "seed_date": "seed 20211115 en peildatum 2022-11-01",
    "report_date": "Rapportdatum 24 november 2026 · peildatum 1 november 2022",
    "gemeente_code": "GM0014 en GM0344",
    "cbs_table": "CBS 84751NED/84908NED",
    "ratio": "1:2 en 3/4 en 10-20",
    "time": "om 02:31 gemaakt",
    "year_and_word": "in 2019 en 2020 nam het toe; 2019 tot 2023",
    "version": "versie 0.4.1 van 2026-11-30",
    "table_text": "     a    b    c\n0  100  300  500\n1  200  400  600",
    "long_number": "1234567890123 rijen",
    "eight_digits_without_cue": "id 99078296 en 17.475.415 inwoners en 12345672 rijen",
    "notebook_cell_id": '"execution_count": 23, "id": "99078296", "metadata": {}',
}


@pytest.mark.parametrize("case", sorted(MUST_FIND))
def test_scan_finds_identifiers_as_people_write_them(case):
    res = privacy.scan_for_identifiers(MUST_FIND[case], forbid_exact_dates=True)
    assert res.findings, MUST_FIND[case]


@pytest.mark.parametrize("case", sorted(MUST_NOT_FIND))
def test_scan_leaves_ordinary_figures_hashes_and_file_names_alone(case):
    res = privacy.scan_for_identifiers(MUST_NOT_FIND[case], forbid_exact_dates=True)
    assert res.clean, res.findings


def test_scan_finds_a_given_date_of_birth_in_dutch_words():
    res = privacy.scan_for_identifiers("sinds 1 februari 2016 in zorg", dates_of_birth=["2016-02-01"])
    assert [f.kind for f in res.findings] == ["geboortedatum"]


def test_grouped_numbers_that_fail_the_eleven_test_are_not_a_bsn():
    assert privacy.scan_for_identifiers("nummer 111.222.334 en 1112 22 334").clean
