import pytest

from analysis import labels


def test_labels_are_dutch_and_unknown_codes_fail():
    assert labels.label("scenario", "tarief_blijft") == "Abonnementstarief blijft"
    assert labels.label("scenario", "inkomensafhankelijk_2027") == "Inkomensafhankelijke bijdrage"
    assert labels.label("zrm", "adl") == "Algemene dagelijkse levensverrichtingen"
    with pytest.raises(KeyError, match="add it"):
        labels.label("zrm", "onbekend")


@pytest.mark.parametrize(
    "raw, dutch",
    [
        ("230000 -> ~390000 (+70%)", "230.000 naar circa 390.000 (+70%)"),
        ("12.7", "12,7"),
        ('"ruim 10.000" -> 17500', '"ruim 10.000" naar 17.500'),
        ("+39000 vs now", "+39.000 ten opzichte van nu"),
    ],
)
def test_figures_in_dutch_notation(raw, dutch):
    assert labels.dutch_figure_text(raw) == dutch


def test_sources_and_periods_in_dutch():
    assert labels.dutch_period("n.d. (~2020)") == "jaar onbekend (circa 2020)"
    assert labels.dutch_source("CBS 5-12-2023 via NOS") == "CBS 5 december 2023"


def test_glossary_needs_known_terms():
    assert labels.glossary(["p-waarde"])[0][0] == "p-waarde"
    with pytest.raises(KeyError):
        labels.glossary(["onbekende term"])


def test_english_terms_are_found_and_marked_as_words():
    from analysis.labels import find_english, mark_english_html

    assert find_english("De Hazard  Ratio en de hazard; een random walk.") == ["hazard ratio", "hazard", "random walk"]
    assert find_english("hazardratio, peer-grouped, pre-back-test") == []  # only whole words
    assert mark_english_html("(hazard ratio 0,6) &amp; random walk") == (
        '(<span lang="en">hazard ratio</span> 0,6) &amp; <span lang="en">random walk</span>'
    )


def test_exclusion_reasons_have_dutch_wording():
    from analysis.labels import exclusion_reason

    assert exclusion_reason("registration break 2019") == "registratiebreuk 2019"
    assert exclusion_reason("no income before 2019") == "geen inkomen vóór 2019"
    assert exclusion_reason("boundary change (merger) in the period") == "grenswijziging (herindeling) in de periode"
    with pytest.raises(KeyError, match="add it to analysis.labels"):
        exclusion_reason("cosmic rays")


def test_break_screen_words_cover_its_kinds_and_rules():
    """Every kind and rule of the registration-break screen has Dutch words, and the sentence names the right
    years: a change across a missing year is 'tussen 2017 en 2019', not 'in 2019'."""
    from analysis.data.breaks import KINDS, RULES
    from analysis.labels import BREAK_KINDS, BREAK_RULES, break_sentence

    assert set(BREAK_KINDS) == set(KINDS) and set(BREAK_RULES) == set(RULES)
    s = break_sentence(2019, "opposite", 3225, 5530, 5325, 3940, 2017)
    assert s.startswith("Tussen 2017 en 2019 steeg HH van 3.225 naar 5.530") and "8.550 naar 9.470" in s
    assert "kan wijzen op" in s  # a possibility, not a finding
    assert break_sentence(2020, "level_shift", 2155, 185, 3810, 4125, 2019).startswith("In 2020 halveerde")
    # a shift in the last published year: that it lasts cannot be seen, and the screen does not settle the cause
    last = break_sentence(2020, "level_shift", 45, 115, 35, 35, 2019, last=True)
    assert "nog niet te zien" in last and "bleef op dat niveau" not in last.lower() and "eigen registratie" in last
    assert "bleef op dat niveau" in break_sentence(2019, "level_shift", 45, 115, 35, 35, 2018).lower()
    with pytest.raises(KeyError, match="no Dutch sentence"):
        break_sentence(2020, "unknown", 1, 2, 3, 4)
