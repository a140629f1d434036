"""The documentation site: built offline with warnings as errors (broken links, missing references and failing
example cells fail), the quickstart executed with its output shown, and every public function and result class of
the library documented in the API reference."""

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
PACKAGES = ("analysis.demand", "analysis.pilot", "analysis.financing")


def public_api() -> list[str]:
    """Dotted names of every public function and class defined in the four documented packages."""
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
    env = {**os.environ, "ANALYSIS_PROCESSED": str(processed)}
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    quick = (site / "quickstart" / "index.html").read_text(encoding="utf-8")
    assert "Benchmark" in quick and "hh_per_1000_65plus" in quick  # the executed cell's output is shown
    assert "<img" in quick  # and its plot
    html = "".join(p.read_text(encoding="utf-8") for p in (site / "reference").rglob("*.html"))
    absent = [d for d in public_api() if f'id="{d}"' not in html]
    assert absent == []
    for page in site.rglob("*.html"):
        t = page.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="https?://(fonts\.googleapis|cdn\.|unpkg)', t), page
    assert "D03" in (site / "generated" / "assumptions" / "index.html").read_text(encoding="utf-8")
    assert "pilot_families" in (site / "generated" / "layouts" / "index.html").read_text(encoding="utf-8")
