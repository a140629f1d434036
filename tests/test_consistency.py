"""The report consistency checker: passes a consistent report, fails on each planted inconsistency."""

import pandas as pd
import pytest

from analysis.report import consistency, convert
from analysis.report.notebook import fact, table
from report_cases import report_cases


def render_html(tmp_path, body: str) -> str:
    md = tmp_path / "r.md"
    md.write_text("---\ntitle: Test\nlang: nl-NL\n---\n\n" + body, encoding="utf-8")
    out = tmp_path / "r.html"
    convert.to_html(md, out)
    return out.read_text(encoding="utf-8")


def report(tmp_path, *, summary_total="1.250", table_total="€ 1.250", share_total="100%", second="9") -> str:
    t = pd.DataFrame(
        {
            "Gebied": ["Noord", "Zuid", "Totaal"],
            "Budget": ["€ 500", "€ 750", table_total],
            "Aandeel": ["40%", "60%", share_total],
        }
    )
    g = pd.DataFrame({"Maat": ["Gestarte gezinnen"], "Waarde": ["9"]})
    body = (
        f"# Samenvatting\n\nHet budget is € {fact('budget', summary_total, table='Budget per gebied')}; "
        f"{fact('gestart', '9', table='Bereik')} gezinnen.\n\n# Resultaten\n\n"
        + table(t, "Budget per gebied", sum_columns=["Budget", "Aandeel"]).data["text/markdown"]
        + "\n\n"
        + table(g, "Bereik").data["text/markdown"]
        + f"\n\nIn totaal startten {fact('gestart', second)} gezinnen.\n"
    )
    return render_html(tmp_path, body)


def test_consistent_report_passes(tmp_path):
    html = report(tmp_path)
    parsed = consistency.parse_report(html)
    assert {k for k, _, _ in parsed.facts} == {"budget", "gestart"}
    assert parsed.tables["Budget per gebied"].sum_columns == ["Budget", "Aandeel"]
    assert consistency.check_report(html) == []


@pytest.mark.parametrize(
    "plant, kind",
    [
        ({"summary_total": "1.205"}, "fact-not-in-table"),  # summary number differs from its table
        ({"table_total": "€ 1.260", "summary_total": "1.260"}, "total"),  # a total that does not add up
        ({"share_total": "99%"}, "total"),  # shares that do not make 100%
        ({"second": "10"}, "fact-twice"),  # one quantity printed with two values
    ],
)
def test_planted_inconsistency_is_found(tmp_path, plant, kind):
    problems = consistency.check_report(report(tmp_path, **plant))
    assert [p.kind for p in problems] == [kind], problems


def test_fact_pointing_to_a_missing_table(tmp_path):
    html = render_html(tmp_path, f"Zie {fact('x', '12', table='Bestaat niet')}.")
    assert [p.kind for p in consistency.check_report(html)] == ["missing-table"]


def test_suppressed_cells_are_not_added_up(tmp_path):
    t = pd.DataFrame({"Groep": ["A", "B", "Totaal"], "Aantal": ["<10", "<10", "14"]})
    html = render_html(tmp_path, table(t, "Klein", sum_columns=["Aantal"]).data["text/markdown"])
    assert consistency.check_report(html) == []


@pytest.mark.parametrize(
    "text, value",
    [
        ("€ 1.234.567", 1234567),
        ("12,5%", 12.5),
        ("-€ 5", -5),
        ("€ -5", -5),
        ("€ 28,7 mln", 28.7e6),
        ("–", None),
        ("3 - 5", None),
    ],
)
def test_parse_dutch_number(text, value):
    assert consistency.parse_dutch_number(text) == value


def test_sum_columns_need_a_total_row():
    with pytest.raises(ValueError, match="Totaal"):
        table(pd.DataFrame({"a": ["x", "y"], "b": ["1", "2"]}), "T", sum_columns=["b"])


# ---------------------------------------------------------------------------------- every report in reports.toml


@pytest.mark.slow
@pytest.mark.parametrize("name, audience, extra", report_cases())
def test_rendered_report_is_consistent(name, audience, extra, render_case):
    """Each report renders and passes the consistency checker: summary numbers appear in their tables, printed
    totals equal their parts, no quantity has two values; and the summary has numbers to check."""
    folder, res = render_case(name, audience, extra)
    assert res.status == "ok", res.error
    html = (folder / f"{res.report}-{audience}.html").read_text(encoding="utf-8")
    assert consistency.check_report(html) == []
    parsed = consistency.parse_report(html)
    # every report ends its summary with the decision it supports (issue 24: "Wat vraagt dit van de raad")
    assert consistency.check_decision(parsed) == []
    linked = [f for f in parsed.facts if f[2]]
    assert len(linked) >= 5, "the summary should carry checkable numbers"
    assert any(t.sum_columns for t in parsed.tables.values()) or name.startswith("hh-raad") is False
    body = html.split('id="verantwoording"')[0]  # the appendix names parameters as code, for reproduction
    for english in (">prognosis<", ">same<", ">n.d.<", "->", "tarief_blijft", "financien<", "sha256", ".parquet"):
        assert english not in body, english


# ------------------------------------------------------------------------------------- one set of numbers across


def test_cross_report_check_finds_a_planted_mismatch(tmp_path):
    """The same shared quantity (clients, year, scenario) must have the same value in every report; keys local to a
    report may differ between reports."""
    a = render_html(tmp_path, f"In 2028: {fact('clienten_2028_minder-mantelzorg', '6.023')}; {fact('budget', '€ 5')}.")
    b = render_html(
        tmp_path, f"Wij verwachten {fact('clienten_2028_minder-mantelzorg', '6.023')} ({fact('budget', '€ 9')})."
    )
    c = render_html(
        tmp_path,
        f"Wij verwachten {fact('clienten_2028_minder-mantelzorg', '5.810')}; 2023: {fact('clienten_2023', '5.019')}.",
    )
    assert consistency.check_reports({"a": a, "b": b}) == []
    problems = consistency.check_reports({"a": a, "b": b, "c": c})
    assert [p.kind for p in problems] == ["cross-report"] and "5.810" in problems[0].message
    assert consistency.check_reports({"c": c, "d": render_html(tmp_path, fact("clienten_2023", "5.094"))})


@pytest.mark.slow
@pytest.mark.xdist_group("report-0")  # the worker that renders hh-raad (report_cases' first case) for the other tests
def test_all_reports_print_one_set_of_numbers(render_case, synth, tmp_path):
    """Every report of reports.toml (default parameters, first audience), rendered: the shared facts agree across
    reports, the hh reports do share some (the check is not empty), and a mismatch planted in one fails it."""
    import re

    from analysis.report import render
    from report_cases import SMALL

    html = {}
    for name, spec in render.load_specs().items():
        aud = spec.audiences[0]
        if name == "hh-raad":  # already rendered on this worker (render_case caches it)
            folder, res = render_case(name, aud, {})
        else:  # HTML only: the facts are in the HTML, and make test has a time budget
            params = {k: v for k, v in SMALL.items() if k in spec.parameters} | {"processed_dir": str(synth.parent)}
            res = render.render_report(spec, audience=aud, params=params, formats=("html",), reports_root=tmp_path)
            folder = tmp_path / spec.name
        assert res.status == "ok", res.error
        html[name] = (folder / f"{name}-{aud}.html").read_text(encoding="utf-8")
    assert consistency.check_reports(html) == []
    keys = {
        name: {k for k, _, _ in consistency.parse_report(h).facts if consistency.SHARED_FACT.match(k)}
        for name, h in html.items()
    }
    assert keys["hh-raad"] & keys["hh-bekostiging"], keys  # the default budget year is in the demand report
    assert keys["hh-raad"] & keys["hh-bekostiging-minder-mantelzorg-2028"], keys
    key = sorted(keys["hh-raad"] & keys["hh-bekostiging"])[0]
    planted = re.sub(rf'(data-fact="{key}"[^>]*>)([^<]*)', lambda m: m.group(1) + "1.234.567", html["hh-bekostiging"])
    assert [p.kind for p in consistency.check_reports({**html, "hh-bekostiging": planted})] == ["cross-report"]


# ----------------------------------------------------------------- status of each number: real, synthetic, illustrative

TODAY = __import__("datetime").date(2026, 11, 30)


def summary_report(tmp_path, sentence: str, after: str = "") -> str:
    return render_html(tmp_path, f"# Samenvatting\n\n{sentence}\n\n# Resultaten\n\n{after}\n")


def kinds(html):
    return [p.kind for p in consistency.check_report(html, today=TODAY)]


def test_fact_writes_its_status_on_the_span(tmp_path):
    html = summary_report(tmp_path, f"Uitgegeven: {fact('uit', '€ 157.110', status='synthetisch')} (in dit voorbeeld).")
    assert 'data-status="synthetisch"' in html
    [s] = [s for s in consistency.parse_report(html).sentences if s.facts]
    assert s.in_summary and s.facts == (("uit", "€ 157.110", "synthetisch"),)
    with pytest.raises(ValueError, match="status"):
        fact("uit", "€ 1", status="geschat")


def test_synthetic_figure_stated_as_real_in_the_summary_is_refused(tmp_path):
    planted = (
        f"Het budget is {fact('budget', '€ 336.000')}; tot de peildatum is daarvan "
        f"{fact('uit', '€ 157.110', status='synthetisch')} uitgegeven."
    )
    problems = consistency.check_report(summary_report(tmp_path, planted), today=TODAY)
    assert [p.kind for p in problems] == ["status"] and "€ 157.110" in problems[0].message
    labelled = planted.replace("uitgegeven.", "uitgegeven (synthetische uitgaven, in dit voorbeeld).")
    assert kinds(summary_report(tmp_path, labelled)) == []
    # the label must be in the same sentence: a general remark elsewhere does not label this number
    elsewhere = planted + " Alle gezinsgegevens zijn synthetisch."
    assert kinds(summary_report(tmp_path, elsewhere)) == ["status"]
    # 'bijvoorbeeld' is not a status
    assert kinds(summary_report(tmp_path, planted.replace("uitgegeven.", "uitgegeven, bijvoorbeeld aan loon."))) == [
        "status"
    ]


def test_outside_the_summary_the_label_is_not_required_but_advice_is_refused(tmp_path):
    body = f"Het tarief is {fact('t', '€ 31,20', status='illustratief')} per uur."
    assert kinds(summary_report(tmp_path, "Geen getallen.", after=body)) == []
    advice = f"Dat is het bedrag om te begroten: {fact('b', '€ 27,9 mln', status='illustratief')} (illustratief)."
    assert kinds(summary_report(tmp_path, advice)) == ["advice"]
    assert kinds(summary_report(tmp_path, "Geen getallen.", after=advice)) == ["advice"]
    # advice about a real figure is the college's business, not a labelling error
    assert kinds(summary_report(tmp_path, f"Het bedrag om te begroten is {fact('r', '€ 126.000')}.")) == []


@pytest.mark.parametrize(
    "sentence, ok",
    [
        ("In 2030 kost de huishoudelijke hulp € 31,2 mln.", False),
        ("In 2030 kost de huishoudelijke hulp € 31,2 mln (niet geïndexeerd, in prijzen van 2024).", True),
        ("In 2030 kost de huishoudelijke hulp € 31,2 mln in prijzen van 2024.", True),
        ("In 2030 kost de huishoudelijke hulp € 33,0 mln, geïndexeerd met 2,5% per jaar (aanname F03).", True),
        ("In 2030 kost de huishoudelijke hulp € 33,0 mln, geïndexeerd.", False),  # indexed: with which assumption?
        ("In 2023 kostte de huishoudelijke hulp € 25,1 mln.", True),  # a past year
        ("In 2030 zijn er 6.100 cliënten.", True),  # not an amount
    ],
)
def test_future_amounts_say_whether_they_are_indexed(tmp_path, sentence, ok):
    assert kinds(summary_report(tmp_path, sentence)) == ([] if ok else ["index"])


def test_decision_section(tmp_path):
    from analysis.report.notebook import Option, decision_section

    opts = [
        Option("Pilot afmaken zoals gepland", "€ 126.000", "echt", "Effect blijft onzeker.", "begroting 2023"),
        Option("Pilot stoppen", "€ 0", "echt", "Gezinnen verliezen hun gezinsverzorger."),
        Option("Pilot verlengen met een jaar", "€ 130.000", "illustratief", "Meer geld zonder bewezen effect."),
    ]
    neutral = decision_section(opts, year=2023).data["text/markdown"]
    assert "## Wat vraagt dit van de raad" in neutral and "ter kennisname" in neutral
    assert "illustratief" in neutral and "geen bedragen om te begroten" in neutral
    html = render_html(tmp_path, "# Samenvatting\n\n" + neutral + "\n\n# Resultaten\n")
    tab = consistency.parse_report(html).tables["Mogelijkheden voor de raad en kosten in 2023"]
    assert tab.rows[0] == ["Mogelijkheid", "Kosten 2023", "Status van het bedrag", "Risico's"] and len(tab.rows) == 4
    assert consistency.check_report(html, today=TODAY) == []
    proposal = decision_section(opts, "de pilot afmaken zoals gepland", year=2023).data["text/markdown"]
    assert "stelt de raad voor: **de pilot afmaken zoals gepland**" in proposal
    with pytest.raises(ValueError, match="status"):
        Option("x", "€ 1", "geschat", "r")
    with pytest.raises(ValueError, match="at least one"):
        decision_section([], year=2023)


# ------------------------------------------------------------------- every cited assumption is in the report's table


def assumptions_report(tmp_path, listed: list[str], prose: str) -> str:
    t = pd.DataFrame({"Id": listed, "Aanname": ["x"] * len(listed), "Kwaliteit": ["rood"] * len(listed)})
    tab = table(t, consistency.ASSUMPTIONS_TABLE).data["text/markdown"]
    body = f"# Samenvatting\n\n{prose}\n\n# Aannames\n\n" + tab
    return render_html(tmp_path, body)


def test_cited_assumption_missing_from_the_table_is_found(tmp_path):
    known = {"F01", "S04", "P01"}
    ok = assumptions_report(tmp_path, ["F01", "S04"], "Het uurtarief (aanname F01) en de inkomens (S04).")
    assert consistency.check_cited_assumptions(ok, known) == []
    planted = assumptions_report(tmp_path, ["F01"], "Het uurtarief (aanname F01) en de inkomens (S04).")
    assert [p.message for p in consistency.check_cited_assumptions(planted, known)] == [
        "assumption S04 is cited but not in the table 'Aannames en kanttekeningen'"
    ]
    # an id that is no assumption (a CBS table, a code) is no citation; a report citing without a table fails
    assert consistency.check_cited_assumptions(assumptions_report(tmp_path, [], "Tabel 84751NED, GM0014."), known) == []
    bare = render_html(tmp_path, "# Samenvatting\n\nAanname P01.\n")
    assert [p.kind for p in consistency.check_cited_assumptions(bare, known)] == ["assumption"]


@pytest.mark.slow
@pytest.mark.parametrize("name, audience, extra", report_cases())
def test_rendered_report_lists_every_assumption_it_cites(name, audience, extra, render_case):
    """Sources, table notes and prose cite assumptions by id (S04, F06): each is a row of the report's own
    assumptions table; an assumption that belongs to another report (the pilot's P01 in the HH reports) is not."""
    from analysis.assumptions import load_assumptions

    folder, res = render_case(name, audience, extra)
    assert res.status == "ok", res.error
    html = (folder / f"{res.report}-{audience}.html").read_text(encoding="utf-8")
    assert consistency.check_cited_assumptions(html, {a.id for a in load_assumptions().entries}) == []
    if name.startswith("hh-bekostiging"):
        rep = consistency.parse_report(html)
        listed = {r[0] for r in rep.tables[consistency.ASSUMPTIONS_TABLE].rows[1:]}
        assert "P01" not in listed and {"F06", "S04"} <= listed
        # the financing report: no amount to budget, the decision it supports, a variant beside its base case
        assert "bedrag om te begroten" not in html and consistency.check_decision(rep) == []
        assert "populatiebekostiging vanaf" not in html
        is_variant = name != "hh-bekostiging"
        assert any(c.startswith("Variant en basisscenario") for c in rep.tables) == is_variant


def test_cited_assumption_must_be_in_the_assumptions_table(tmp_path):
    t = pd.DataFrame({"Id": ["C01", "C02"], "Aanname": ["Budget", "Kosten plaatsing"]})
    tab = table(t, consistency.ASSUMPTIONS_TABLE).data["text/markdown"]
    ok = summary_report(tmp_path, "Bij € 60.000 per jaar (aanname C02).", after=tab)
    assert kinds(ok) == []
    planted = summary_report(tmp_path, "De instroom is verhoogd (aannames S03 en C02).", after=tab)
    problems = consistency.check_report(planted, today=TODAY)
    assert [p.kind for p in problems] == ["assumption"] and "S03" in problems[0].message


def test_assumptions_section_lists_what_the_sources_cite():
    from analysis.assumptions import load_assumptions
    from analysis.report.notebook import ReportContext

    cited = sorted(a.id for a in load_assumptions().entries if a.id.startswith("S"))[:2]
    ctx = ReportContext("geen-rapport")
    ctx.inputs["x"] = {"synthetic": True, "source": "", "citation": f"synthetisch (aannames {', '.join(cited)}, Z99)"}
    text = ctx.assumptions_section().data["text/markdown"]
    assert all(f"**{i} " in text for i in cited) and "Z99" not in text


def test_summary_must_end_with_the_decision(tmp_path):
    from analysis.report.notebook import Option, decision_section

    options = [Option("Doorgaan", "€ 126.000", "echt", "Onzeker effect.")]
    sec = decision_section(options, year=2023).data["text/markdown"]
    ok = render_html(tmp_path, f"# Samenvatting\n\n## Wat tegenvalt\n\nTekst.\n\n{sec}\n\n# Resultaten\n\n## Meer\n")
    assert consistency.check_decision(consistency.parse_report(ok)) == []
    missing = render_html(tmp_path, "# Samenvatting\n\n## Wat tegenvalt\n\nTekst.\n\n# Resultaten\n")
    [p] = consistency.check_decision(consistency.parse_report(missing))
    assert p.kind == "decision" and "Wat tegenvalt" in p.message
    late = render_html(tmp_path, f"# Samenvatting\n\n{sec}\n\n## Wat tegenvalt\n\nTekst.\n\n# Resultaten\n")
    assert [p.kind for p in consistency.check_decision(consistency.parse_report(late))] == ["decision"]
