"""One papermill smoke test per report notebook on small settings (the full render is exercised by `make reports`)."""

from pathlib import Path

import nbformat
import papermill as pm
import pytest

from analysis.report.convert import notebook_to_markdown

NB = Path(__file__).resolve().parents[1] / "notebooks"

SMOKE = {
    "hh_raad.ipynb": {"n_boot": 200},
    "tussenevaluatie.ipynb": {"n_boot": 200},
    "hh_bekostiging.ipynb": {"n_draws": 2000},
}


def test_notebooks_are_committed_without_outputs():
    for p in NB.glob("*.ipynb"):
        nb = nbformat.read(p, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), p.name
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), p.name


@pytest.mark.parametrize("name", sorted(SMOKE))
def test_notebook_smoke(name, synth, tmp_path):
    out = tmp_path / name
    params = {**SMOKE[name], "processed_dir": str(synth.parent)}
    pm.execute_notebook(str(NB / name), str(out), parameters=params, kernel_name="python3", progress_bar=False)
    conv = notebook_to_markdown(out, tmp_path / "media")
    assert conv.meta["synthetic"] is True and conv.meta["inputs"]
    assert "synthetisch" in conv.markdown.lower()
    assert "Aannames en kanttekeningen" in conv.markdown
    assert list((tmp_path / "media").glob("*.png")), "figures expected"


@pytest.mark.parametrize("audience", ["openbaar", "intern"])
def test_tussenevaluatie_privacy_by_audience(audience, synth, tmp_path):
    """Synthetic placements are small counts (2 and 3 families): openbaar shows '<10' and no per-family rows or
    derived difference; intern shows the per-family table."""
    out = tmp_path / "t.ipynb"
    pm.execute_notebook(
        str(NB / "tussenevaluatie.ipynb"),
        str(out),
        kernel_name="python3",
        progress_bar=False,
        parameters={"n_boot": 200, "audience": audience, "processed_dir": str(synth.parent)},
    )
    text = notebook_to_markdown(out, tmp_path / "media").markdown
    from analysis.report.consistency import parse_report

    heavy = parse_report(text).tables["Uithuisplaatsingen per gezinsjaar tot de peildatum"].rows
    col = heavy[0].index("Uithuisplaatsingen")
    placements = [r[col] for r in heavy[1:]]  # header, then pilot and comparison group
    rates = [r[heavy[0].index("Per gezinsjaar (95%-interval)")] for r in heavy[1:]]
    per_family = "Verandering per gezin (vertrouwelijk)" in text
    if audience == "openbaar":
        assert "<10" in placements and set(rates) == {"–"}  # a rate with the family-years would reveal the count
        assert not per_family
        assert "niet getoond" in text
        from analysis.report.render import leak_scan

        assert leak_scan([text]) == []
    else:
        assert per_family and "<10" not in placements and "–" not in rates
        assert "minder dan 10, niet getoond" not in text  # no '<10' note under tables that show every count
