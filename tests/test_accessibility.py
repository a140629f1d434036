"""Publication rules: accessible HTML (axe-core, all WCAG 2.x A/AA rules + best practices; keyboard) and PDF/A-2a +
PDF/UA-1 PDFs, on every report in reports.toml and on the index; each rule of ``analysis.report.accessibility``
fails on a planted violation; a figure without alt text fails the render."""

import datetime as dt
import os
from collections import Counter

import pytest

import a11y
from analysis.report import accessibility, render
from analysis.report.accessibility import html_problems, pdf_problems
from make_example_notebook import example_notebook
from report_cases import report_cases

CI = os.environ.get("CI") == "true"
needs_browser = pytest.mark.skipif(
    not a11y.available() and not CI, reason="chromium/axe-core/playwright not installed (make tools)"
)

GOOD = """<!DOCTYPE html><html lang="nl"><head><title>t</title></head><body>
<a class="skip-link" href="#inhoud">Direct naar de inhoud</a>
<header><h1>Titel</h1></header>
<nav aria-label="Inhoud"><a href="#a">Deel A</a></nav>
<main id="inhoud" tabindex="-1"><h2 id="a">Deel A</h2>
<p>Een <span lang="en">random walk</span> met drift.</p>
<table aria-labelledby="t-title"><caption id="t-title">Tabel</caption>
<thead><tr><th scope="col" id="t-jaar">Jaar</th></tr></thead>
<tbody><tr><td headers="t-jaar">2020</td></tr></tbody></table>
<img src="x.png" alt="Lijndiagram van iets">
</main><footer><p>voet</p></footer></body></html>"""


def test_a_page_that_meets_the_rules_passes():
    assert html_problems(GOOD) == []


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ('<html lang="nl">', '<html lang="en">', "document language is 'en'"),
        ('<html lang="nl">', "<html>", "document language is ''"),
        ('id="a"', 'id="inhoud"', "id 'inhoud' occurs 2 times"),
        ('<caption id="t-title">', '<caption id="title">', "aria-labelledby points to missing id 't-title'"),
        ('headers="t-jaar"', 'headers="Jaar"', "headers points to missing id 'Jaar'"),
        ('href="#a"', 'href="#b"', "href points to missing id 'b'"),
        ("<main ", "<div ", "0 <main> landmarks"),
        ("</footer>", "</footer><main>x</main>", "2 <main> landmarks"),
        ('<a class="skip-link" href="#inhoud">Direct naar de inhoud</a>', "", "expected a skip link"),
        ('href="#inhoud"', 'href="#a"', "expected a skip link to the <main> landmark"),
        ("<footer><p>voet</p></footer>", "<p>voet</p>", "pieces of text outside any landmark, first: 'voet'"),
        ('alt="Lijndiagram van iets"', 'alt=""', "image without alt text"),
        ('alt="Lijndiagram van iets"', "", "image without alt text"),
        ('<th scope="col" id="t-jaar">', '<th id="t-jaar">', "table header without scope"),
        ('<span lang="en">random walk</span>', "random walk", "English term 'random walk' not marked"),
    ],
)
def test_each_rule_fails_on_a_planted_violation(old, new, expected):
    assert old in GOOD
    problems = html_problems(GOOD.replace(old, new))
    assert any(expected in p for p in problems), problems


def _typst_pdf(tmp_path, source: str, standards=accessibility.PDF_STANDARDS):
    import typst

    src = tmp_path / "t.typ"
    src.write_text(source, encoding="utf-8")
    out = tmp_path / "t.pdf"
    typst.compile(str(src), output=str(out), **({"pdf_standards": list(standards)} if standards else {}))
    return out


DOC = '#set document(title: "Rapport")\n#set text(lang: "nl", region: "NL")\n= Kop\n\nTekst.\n'


def test_pdf_checks_pass_a_conforming_pdf_and_name_what_a_plain_one_lacks(tmp_path):
    assert pdf_problems(_typst_pdf(tmp_path, DOC)) == []
    plain = pdf_problems(_typst_pdf(tmp_path, DOC.replace('lang: "nl", region: "NL"', 'lang: "en"'), None))
    assert any("does not identify PDF/A-2a" in p for p in plain), plain
    assert any("does not identify PDF/UA-1" in p for p in plain), plain
    assert any("document language is 'en" in p for p in plain), plain
    untagged = pdf_problems(_typst_pdf(tmp_path, DOC.replace('#set document(title: "Rapport")\n', ""), None))
    assert any("no document title" in p for p in untagged), untagged
    (tmp_path / "kapot.pdf").write_bytes(b"%PDF-1.7 kapot")
    assert "not a readable PDF" in pdf_problems(tmp_path / "kapot.pdf")[0]


def test_typst_refuses_a_figure_without_alt_text_and_the_error_names_it(tmp_path):
    import typst

    png = tmp_path / "figuur-1.png"
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    fig.savefig(png)
    plt.close(fig)
    with pytest.raises(typst.TypstError) as exc:
        _typst_pdf(tmp_path, DOC + '#figure(image("figuur-1.png"), caption: [Iets])\n')
    msg = accessibility.explain_typst_error(exc.value)
    assert "missing alt text" in msg and 't.typ:6: #figure(image("figuur-1.png")' in msg and "\n" not in msg


# --------------------------------------------------------------------------- the render applies the rules


@pytest.mark.parametrize(
    "cell, formats, expected",
    [
        # a PNG shown without the helper (no alt text), as plt.show() or IPython's Image would
        (
            "import io\nfrom IPython.display import Image\nb = io.BytesIO()\nplt.subplots()[0].savefig(b)\n"
            "Image(b.getvalue())",
            ("html", "pdf"),
            "figure 2 (code cell",
        ),
        # the helper with an empty alt text stops in the notebook, named by its caption
        ("figure(plt.subplots()[0], alt='  ', caption='Lege alt')", ("html",), "figure 'Lege alt' has no alt text"),
        # an image in a Markdown cell without any text: the PDF conversion refuses it by file name
        ("%md ![](media/figuur-1.png)", ("pdf",), "image without alt text: media/figuur-1.png"),
        ("%md ![](media/figuur-1.png)", ("html",), "html does not meet the accessibility rules: image without alt"),
    ],
)
def test_a_figure_without_alt_text_fails_the_render(cell, formats, expected, synth, tmp_path):
    nb = tmp_path / "voorbeeld.ipynb"
    example_notebook(nb, extra_cells=(cell,))
    spec = render.ReportSpec("voorbeeld", nb, "Voorbeeld", {"processed_dir": str(synth.parent)})
    root = tmp_path / "reports"
    res = render.render_report(spec, formats=formats, reports_root=root)
    assert res.status == "failed" and expected in res.error, res.error
    assert "\n" not in res.error and "Traceback" not in res.error
    assert not (root / "voorbeeld").exists()


def test_two_tables_with_one_caption_fail_the_render(synth, tmp_path):
    """Table ids come from captions; two tables a reader cannot tell apart are refused, not published with
    duplicate ids (a screen reader would name both with the first one's title)."""
    nb = tmp_path / "voorbeeld.ipynb"
    example_notebook(nb, extra_cells=("table(df.head(2).astype(str), 'Begroting per jaar')",))
    spec = render.ReportSpec("voorbeeld", nb, "Voorbeeld", {"processed_dir": str(synth.parent)})
    res = render.render_report(spec, formats=("html",), reports_root=tmp_path / "reports")
    assert res.status == "failed" and "id 'tabel-begroting-per-jaar-" in res.error, res.error


def test_table_ids_are_readable_and_distinct():
    from analysis.report.notebook import table_id

    a, b = table_id("HH-cliënten per gebied, 2023"), table_id("HH-cliënten per gebied, 2028")
    assert a.startswith("tabel-hh-clienten-per-gebied-2023-") and a != b
    long1, long2 = table_id("x" * 60 + " 2023"), table_id("x" * 60 + " 2028")
    assert long1 != long2  # same first 40 characters, different captions


# ------------------------------------------------------------------------------ every report in reports.toml


@pytest.mark.slow
@pytest.mark.parametrize("name, audience, extra", report_cases())
def test_report_pdf_is_pdfa_2a_and_pdfua_1(name, audience, extra, render_case):
    import pikepdf

    folder, res = render_case(name, audience, extra)
    assert res.status == "ok", res.error
    pdf = folder / f"{res.report}-{audience}.pdf"
    assert pdf_problems(pdf) == []
    with pikepdf.open(pdf) as doc:
        meta = doc.open_metadata()
        assert meta["{http://www.aiim.org/pdfa/ns/id/}part"] == "2"
        assert meta["{http://www.aiim.org/pdfa/ns/id/}conformance"] == "A"
        assert meta["{http://www.aiim.org/pdfua/ns/id/}part"] == "1"
        assert str(doc.Root.Lang) == "nl-NL"
        assert meta["{http://purl.org/dc/elements/1.1/}title"] == str(doc.docinfo.Title) != ""
        kinds = Counter(str(e.S) for e in accessibility.structure_elements(doc.Root.StructTreeRoot))
    # the structure a screen reader navigates: headings, tables with header cells, figures with alt text
    assert kinds["/H1"] >= 3 and kinds["/Table"] >= 3 and kinds["/TH"] >= 3 and kinds["/Figure"] >= 1, kinds


@pytest.mark.slow
@needs_browser
@pytest.mark.parametrize("name, audience, extra", report_cases())
def test_report_html_has_zero_axe_violations_and_works_by_keyboard(name, audience, extra, render_case):
    folder, res = render_case(name, audience, extra)
    assert res.status == "ok", res.error
    html = folder / f"{res.report}-{audience}.html"
    assert html_problems(html.read_text(encoding="utf-8")) == []
    assert a11y.axe_violations(html) == []
    _keyboard_reaches_everything(html)


def _keyboard_reaches_everything(html):
    walk = a11y.keyboard_walk(html)
    order = walk["order"]
    assert order, "nothing gets keyboard focus"
    first = order[0]
    assert first["tag"] == "a" and "skip-link" in first["cls"] and first["visible"], first
    reached = {el["key"] for el in order}
    missing = [link for link in walk["links"] if link not in reached]
    assert not missing, f"{len(missing)} links not reachable by Tab, first: {missing[0]}"
    assert walk["after_skip"] == "main"  # Enter on the skip link puts focus on the content


@pytest.mark.slow
@needs_browser
def test_index_has_zero_axe_violations_and_works_by_keyboard(synth, tmp_path):
    nb = tmp_path / "voorbeeld.ipynb"
    example_notebook(nb)
    specs = {"voorbeeld": render.ReportSpec("voorbeeld", nb, "Voorbeeld", {"processed_dir": str(synth.parent)})}
    root = tmp_path / "reports"
    results = render.render_all(specs, reports_root=root)
    assert all(r.status == "ok" for r in results), [r.error for r in results]
    index = root / "index.html"
    assert html_problems(index.read_text(encoding="utf-8")) == []
    axe = a11y.axe_run(index)
    assert axe["violations"] == []
    # 'all rules' stays all rules: axe-core 4.14.1 runs 102 here (105 less the 3 AAA-only ones)
    assert axe["version"].startswith("4.") and axe["rules"] >= 95, axe
    _keyboard_reaches_everything(index)
    assert pdf_problems(root / "voorbeeld" / "voorbeeld-openbaar.pdf") == []


# ------------------------------------------------------------------------------------ language of parts


def test_english_terms_are_marked_in_text_tables_and_notes_in_html_and_pdf(tmp_path):
    import re
    import subprocess

    import pandas as pd

    from analysis.report import convert
    from analysis.report.notebook import table

    t = table(
        pd.DataFrame({"Kenmerk": ["Leeftijd"], "Hazard ratio": ["0,59"]}),
        "Cox-model",
        source_note="De hazard ratio is een aanname.",
    ).data["text/markdown"]
    body = "# Samenvatting\n\nDe *Reliable Change Index* en (hazard ratio, 0,6); een random walk.\n\n" + t
    conv = convert.Converted(body, {})
    fm = convert.front_matter("Test", {}, version="x", when=dt.date(2026, 11, 26), audience="openbaar")
    md = convert.write_markdown(conv, fm, "openbaar", tmp_path / "r.md")
    convert.to_html(md, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert html_problems(html) == []
    marked = [" ".join(m.split()) for m in re.findall(r"<span lang=\"en\">([^<]*)</span>", html)]
    assert sorted(marked) == ["Hazard ratio", "Reliable Change Index", "hazard ratio", "hazard ratio", "random walk"]
    assert '(<span lang="en">hazard ratio</span>, 0,6)' in html  # punctuation stays outside
    convert.to_pdf(md, tmp_path / "r.pdf", fm["typst-header"])
    assert pdf_problems(tmp_path / "r.pdf") == []
    import pikepdf

    with pikepdf.open(tmp_path / "r.pdf") as doc:
        langs = accessibility.marked_content_languages(doc)
    assert langs.count("en") >= 5 and set(langs) <= {"nl-NL", "en"}, set(langs)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Reliable Change Index" in text and "Hazard ratio" in text


def test_pdf_parts_tagged_with_another_region_are_named(tmp_path):
    src = DOC + '#text(region: "US")[Een zin die als nl-US getagd wordt.]\n'
    problems = pdf_problems(_typst_pdf(tmp_path, src))
    assert any("text runs are tagged 'nl-US', the document is 'nl-NL'" in p for p in problems), problems
