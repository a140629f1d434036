"""PilotFacts: the numbers of the tussenevaluatie agree with each other and findings weigh both ways."""

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.assumptions import load_assumptions
from analysis.formatting import number
from analysis.pilot import analysis as pa
from analysis.pilot.facts import AGAINST, FOR, pilot_facts, recommendations


@pytest.fixture(scope="module")
def res(synth):
    load = lambda t: pd.read_parquet(synth / f"{t}.parquet")
    return pa.run(
        families=load("pilot_families"),
        zrm=load("pilot_zrm"),
        indications=load("pilot_indications"),
        events=load("pilot_events"),
        costs=load("pilot_costs"),
        monitor=load("regional_monitor"),
        log=load_assumptions(),
        as_of="2022-11-01",
        n_boot=300,
    )


def test_break_even_is_the_budget_over_the_yearly_placement_cost(res):
    f = pilot_facts(res, audience="openbaar")
    assert_allclose(f.break_even_years, 336000 / 60000)
    assert_allclose(f.budget_total, sum(f.budget_by_year.values()))
    assert f.spent_to_date < f.budget_total


def test_regional_row_equals_the_pilots_own_counts_at_the_peildatum(res):
    f = pilot_facts(res, audience="intern")
    own = res.regional.set_index("pilot").loc["Groningen"]
    assert own.gezinnen_gestart == f.families_started == res.reach.totals["gezinnen_totaal"]
    assert own.zrm_gemeten == f.zrm_n and own.zrm_verbeterd == res.outcome.counts["verbeterd"]
    assert own.uithuisplaatsingen == res.heavy.per_group.set_index("groep").loc["pilot", "uithuisplaatsing"]
    assert_allclose(own.kosten_per_gezin, f.cost_per_family)  # same cost per family as the cost section
    assert own.periode.endswith("okt 2022")  # not past the peildatum


def test_findings_against_the_hypothesis_are_reported(res):
    """The synthetic data have a comparison group that improved more and no fewer placements in the pilot: both
    must be findings against, each with its number."""
    f = pilot_facts(res, audience="openbaar")
    against = {x.topic: x for x in f.findings_in(AGAINST)}
    assert f.comparison_improved_more and "vergelijking" in against
    assert f.placements_not_lower and "zware zorg" in against
    assert any(v == "1,8" for _, v in against["vergelijking"].values)
    assert f.findings_in(FOR), "favourable findings (stacking fell) are reported too"
    assert len(recommendations(f)) >= 3


def test_openbaar_findings_do_not_print_small_counts(res):
    f = pilot_facts(res, audience="openbaar")
    heavy = next(x for x in f.findings if x.topic == "zware zorg")
    # only the follow-up (family-years) is printed, no rate that would reveal the small placement counts
    assert f.placements_small and {k for k, _ in heavy.values} == {"gezinsjaren_pilot", "gezinsjaren_vergelijking"}
    assert "te klein" in heavy.text
    intern = next(x for x in pilot_facts(res, audience="intern").findings if x.topic == "zware zorg")
    fu = res.heavy.followup
    assert dict(intern.values)["plaatsing_pilot"] == number(fu.rate("pilot"), 2)


def test_placements_on_one_clock_not_within_12_months(res):
    """The synthetic pilot started in November 2021: at the 1 November 2022 peildatum no family had been followed 12
    months, so no finding may count placements 'binnen 12 maanden'; the rates are per family-year."""
    f = pilot_facts(res, audience="intern")
    fu = res.heavy.followup
    assert f.followed_horizon == {"pilot": 0, "vergelijking": 0}
    heavy = next(x for x in f.findings if x.topic == "zware zorg")
    assert "per gezinsjaar" in heavy.text and "hadden binnen 12 maanden" not in heavy.text
    pg = fu.per_group.set_index("groep")
    assert_allclose(f.placement_rate_pilot, pg.loc["pilot", "plaatsingen"] / pg.loc["pilot", "gezinsjaren"])
    assert f.placements_not_lower == (f.placement_rate_pilot >= f.placement_rate_comparison)


def test_measured_shares_and_robust_summary(res):
    """Only 9 of 25 comparison families had a 6-month score; the others had not reached the month. The pilot mean
    rests on one family: the median and the leave-one-out range are in the finding."""
    f = pilot_facts(res, audience="openbaar")
    assert f.measured["vergelijking"] == {"gezinnen": 25, "gemeten": 9, "nog_niet_bereikt": 16, "ontbreekt": 0}
    comp = next(x for x in f.findings if x.topic == "vergelijking")
    assert dict(comp.values)["zrm_vergelijking_nog_niet"] == "16" and "minder dan" in comp.text
    zrm = next(x for x in f.findings if x.topic == "zelfredzaamheid")
    assert f.zrm_driven_by_one and "mediaan" in zrm.text
    assert_allclose(f.zrm_median, res.outcome.per_family.verandering.median())


def test_every_number_has_a_status_and_sentences_say_it(res):
    """Budget and capacity are real, the break-even rests on the illustrative C02, the rest is synthetic; each
    sentence with a synthetic or illustrative number says so (the consistency checker's rule for summaries)."""
    from analysis.report.consistency import STATUS_WORDS

    f = pilot_facts(res, audience="openbaar")
    assert f.status_of("budget") == "echt" and f.status_of("capaciteit") == "echt"
    assert f.status_of("kosten_plaatsing") == "illustratief" and f.status_of("uitgegeven") == "synthetisch"
    assert pilot_facts(res, audience="openbaar", synthetic=False).status_of("uitgegeven") == "echt"
    import re

    for x in f.findings:
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", x.render(lambda k, t, st: f"<{k}:{st}>")):
            if ":synthetisch>" in sentence or ":illustratief>" in sentence:
                assert STATUS_WORDS.search(re.sub(r"<[^>]+>", "", sentence)), sentence


def test_render_marks_every_number(res):
    f = pilot_facts(res, audience="openbaar")
    for x in f.findings:
        marked = x.render(lambda k, t: f"<{k}>")
        assert all(f"<{k}>" in marked for k, _ in x.values)
