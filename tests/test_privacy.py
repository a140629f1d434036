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
