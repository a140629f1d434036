"""PilotFacts: the numbers of the tussenevaluatie agree with each other and findings weigh both ways."""

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.assumptions import load_assumptions
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
    assert f.placements_small and heavy.values == () and "te klein" in heavy.text
    intern = next(x for x in pilot_facts(res, audience="intern").findings if x.topic == "zware zorg")
    assert dict(intern.values)["plaatsing_pilot"].endswith("%")


def test_render_marks_every_number(res):
    f = pilot_facts(res, audience="openbaar")
    for x in f.findings:
        marked = x.render(lambda k, t: f"<{k}>")
        assert all(f"<{k}>" in marked for k, _ in x.values)
