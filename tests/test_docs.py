"""The documentation site: built offline with warnings as errors (broken links, missing references and failing
example cells fail), the quickstart executed with its output shown, every public function and result class of
the library documented in the API reference (with numpydoc Parameters, Returns, Raises and Examples sections), and
the built site opened from file:// in a browser: the navigation lands on pages, search finds, formulas render."""

import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("analysis.demand", "analysis.pilot", "analysis.financing", "analysis.stats")


def public_api() -> list[str]:
    """Dotted names of every public function and class defined in the documented packages."""
    mods = [importlib.import_module("analysis.privacy")]
    for pkg in PACKAGES:
        p = importlib.import_module(pkg)
        mods += [importlib.import_module(f"{pkg}.{m.name}") for m in pkgutil.iter_modules(p.__path__)]
    out = []
    for mod in mods:
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                out.append(f"{mod.__name__}.{name}")
    return out


# Documented with their own members list in docs/reference (not whole modules): the data-loading and checking
# functions a researcher calls first, the registration-break screen and boundary harmonisation, the result display,
# the assumptions log and the Dutch number formatting.
EXTRA_API = [
    "analysis.data.io.load_processed",
    "analysis.data.io.available_tables",
    "analysis.data.check.check_file",
    "analysis.data.check.describe",
    "analysis.data.check.layout",
    "analysis.data.check.load_rules",
    "analysis.data.names.did_you_mean",
    "analysis.data.names.unknown_names",
    "analysis.results.header",
    "analysis.data.breaks.screen_registration_breaks",
    "analysis.data.breaks.flagged_units",
    "analysis.data.geography.harmonise",
    "analysis.assumptions.load_assumptions",
    *(f"analysis.formatting.{f}" for f in ("number", "percent", "euro", "date", "month", "round_to_total", "millions")),
]
# Not listed: the rest of analysis.data is the build stage run by `analysis data build` / `data synth` (pipeline,
# reconcile, sources, schemas, numbers, synthetic, io's writers) and geography's helpers of harmonise.
SECTIONS = ("Parameters", "Returns", "Raises", "Examples")
# Functions written before the numpydoc rule, still without all four sections. This list may only shrink: a new
# public function without the sections fails, and so does a function listed here that has them now (remove it).
NUMPYDOC_TODO = ROOT / "tests" / "numpydoc_todo.txt"


def numpydoc_functions() -> list[str]:
    plots = importlib.import_module("analysis.plots")
    names = [f"analysis.plots.{n}" for n in plots.__all__] + ["analysis.plots.limit_levels"]
    for dotted in public_api():
        mod, name = dotted.rsplit(".", 1)
        if inspect.isfunction(getattr(importlib.import_module(mod), name)):
            names.append(dotted)
    return names + EXTRA_API


def missing_sections(dotted: str) -> list[str]:
    mod, name = dotted.rsplit(".", 1)
    obj = getattr(importlib.import_module(mod), name)
    doc = inspect.getdoc(obj) or ""
    # a function without parameters has no Parameters section: griffe warns about any entry in it (and about an
    # empty one), which fails the strict site build
    needed = SECTIONS if inspect.signature(obj).parameters else SECTIONS[1:]
    return [s for s in needed if not re.search(rf"^{s}\n-{{3,}}$", doc, re.M)]


def test_public_functions_have_parameters_returns_raises_and_examples():
    todo = set(NUMPYDOC_TODO.read_text(encoding="utf-8").split())
    lacking = {d: missing_sections(d) for d in numpydoc_functions()}
    new = {d: m for d, m in lacking.items() if m and d not in todo}
    assert new == {}, "document these with numpydoc sections (Parameters, Returns, Raises, Examples)"
    done = sorted(d for d in todo if d in lacking and not lacking[d])
    assert done == [], f"now documented: remove from {NUMPYDOC_TODO.name}"


def test_the_numpydoc_check_fails_on_a_function_without_sections(monkeypatch):
    import analysis.plots as plots

    def bare(x):
        """Only a summary."""

    monkeypatch.setattr(plots, "__all__", [*plots.__all__, "bare"])
    monkeypatch.setattr(plots, "bare", bare, raising=False)
    assert missing_sections("analysis.plots.bare") == list(SECTIONS)
    assert missing_sections("analysis.plots.funnel") == []
    with pytest.raises(AssertionError, match="numpydoc sections"):
        test_public_functions_have_parameters_returns_raises_and_examples()


def test_every_public_function_and_result_class_has_a_docstring():
    missing = []
    for dotted in public_api():
        mod, name = dotted.rsplit(".", 1)
        obj = getattr(importlib.import_module(mod), name)
        doc = (obj.__doc__ or "").strip()
        if not doc or (inspect.isclass(obj) and doc.startswith(f"{name}(")):  # dataclass's generated signature
            missing.append(dotted)
    assert missing == []


def test_every_documented_module_is_in_the_reference():
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "reference").glob("*.md"))
    modules = {d.rsplit(".", 1)[0] for d in public_api()}
    assert {m for m in modules if f"::: {m}\n" not in text + "\n"} == set()


@pytest.mark.slow
def test_site_builds_offline_strict_with_executed_examples(processed, synth, tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "ANALYSIS_PROCESSED": str(processed), "NO_MKDOCS_2_WARNING": "1"}
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=900)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    quick = (site / "quickstart.html").read_text(encoding="utf-8")
    assert "Benchmark" in quick and "hh_per_1000_65plus" in quick  # the executed cell's output is shown
    assert "<img" in quick  # and its plot
    for page in (site / "methods").glob("*.html"):  # a figure on every method page, from analysis.plots
        assert "<img" in page.read_text(encoding="utf-8") or "image/png" in page.read_text(encoding="utf-8"), page
    html = "".join(p.read_text(encoding="utf-8") for p in (site / "reference").rglob("*.html"))
    absent = [d for d in public_api() + EXTRA_API if f'id="{d}"' not in html]
    assert absent == []
    for page in site.rglob("*.html"):
        t = page.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="https?://(fonts\.googleapis|cdn|unpkg|cdnjs)', t), page
    assert "D03" in (site / "generated" / "assumptions.html").read_text(encoding="utf-8")
    assert "pilot_families" in (site / "generated" / "layouts.html").read_text(encoding="utf-8")
    assert "synthetic/hh_clients" in (site / "generated" / "tables.html").read_text(encoding="utf-8")
    assert "load_processed" in (site / "reference" / "data.html").read_text(encoding="utf-8")
    _browse_from_file(site)


def _browse_from_file(site):
    """Open the site from file:// in chromium: every navigation link lands on a page (not a folder listing),
    search finds a term, and a formula is typeset by the bundled KaTeX."""
    import a11y

    if not a11y.available():
        if os.environ.get("CI"):
            pytest.fail("chromium/playwright not installed (make tools)")
        pytest.skip("chromium/playwright not installed (make tools)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = a11y._browser(p)
        try:
            page = browser.new_page()
            page.goto((site / "index.html").resolve().as_uri())
            hrefs = page.eval_on_selector_all("nav.md-nav--primary a.md-nav__link[href]", "els => els.map(e => e.href)")
            targets = sorted({h.split("#")[0] for h in hrefs if h.startswith("file://")})
            assert len(targets) > 20
            for url in targets:
                assert url.endswith(".html"), url  # a folder would open as a directory listing
                page.goto(url)
                assert page.locator("article h1").count() >= 1, url
            page.goto((site / "index.html").resolve().as_uri())
            page.get_by_role("link", name="Quickstart").first.click()
            page.wait_for_load_state("load")
            assert page.url.endswith("quickstart.html")
            page.keyboard.press("/")  # Material's shortcut: opens and focuses the search box
            page.keyboard.type("Kaplan")
            page.wait_for_selector(".md-search-result__item", timeout=20000)
            assert page.locator(".md-search-result__item").count() > 0
            page.goto((site / "methods" / "its.html").resolve().as_uri())
            page.wait_for_selector(".katex", timeout=20000)
            assert page.locator(".katex").count() > 0
        finally:
            browser.close()


# the modules whose examples need no built data to run (those that do are marked +SKIP in the docstring)
DOCTEST_MODULES = [
    "analysis.plots", "analysis.data.names", "analysis.data.check", "analysis.data.io", "analysis.demand.decompose",
    "analysis.privacy", "analysis.demand.benchmark",
    "analysis.data.breaks", "analysis.data.geography", "analysis.formatting", "analysis.assumptions",
    *(f"analysis.stats.{m}" for m in ("did", "its", "survival", "funnel")),
    *(f"analysis.demand.{m}" for m in ("analysis", "drivers", "facts", "forecast", "projection", "rates", "scale",
                                       "tariff")),
    *(f"analysis.financing.{m}" for m in ("analysis", "budget", "facts", "herstel", "koppels", "montecarlo", "rules")),
    *(f"analysis.pilot.{m}" for m in ("analysis", "costs", "facts", "heavycare", "outcomes", "reach", "regional")),
]  # fmt: skip


@pytest.mark.parametrize("module", DOCTEST_MODULES)
def test_the_examples_in_the_docstrings_run(module):
    """The Examples sections are doctests; those that need built data are marked ``+SKIP``, the rest run here."""
    import doctest

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    plt.close("all")
    assert res.failed == 0
