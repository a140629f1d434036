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
