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
    [("€ 1.234.567", 1234567), ("12,5%", 12.5), ("-€ 5", -5), ("€ 28,7 mln", 28.7e6), ("–", None), ("3 - 5", None)],
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
    linked = [f for f in parsed.facts if f[2]]
    assert len(linked) >= 5, "the summary should carry checkable numbers"
    assert any(t.sum_columns for t in parsed.tables.values()) or name.startswith("hh-raad") is False
    body = html.split('id="verantwoording"')[0]  # the appendix names parameters as code, for reproduction
    for english in (">prognosis<", ">same<", ">n.d.<", "->", "tarief_blijft", "financien<", "sha256", ".parquet"):
        assert english not in body, english
