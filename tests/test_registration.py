"""The gemeente whose registration is loaded is defined once, and naming it loads no heavy library."""

import json
import os
import subprocess
import sys
from pathlib import Path

import analysis
from analysis.data import registration


def test_one_definition_everywhere():
    from analysis.demand import analysis as da
    from analysis.report import convert, render

    # the very same object: a re-export, not a second literal that could drift
    assert da.REGISTRATION_GEMEENTE is registration.REGISTRATION_GEMEENTE
    assert render.REGISTRATION_GEMEENTE is registration.REGISTRATION_GEMEENTE
    assert convert.RAADSBRIEF_GEMEENTE == (registration.REGISTRATION_GEMEENTE, registration.REGISTRATION_GEMEENTE_NAAM)
    assert registration.REGISTRATION_GEMEENTE == "GM0014"  # Groningen's CBS code


def test_importing_render_or_the_constant_loads_no_statistics_library():
    """The CLI imports render at every start; statsmodels/pyfixest (seconds) load only when an analysis runs."""
    heavy = ["statsmodels", "pyfixest", "analysis.demand"]
    code = (
        "import sys, json; import analysis.report.render, analysis.data.registration; "
        f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    )
    src = str(Path(analysis.__file__).resolve().parents[1])  # this checkout's src, as the test run imports it
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"importing render loaded {loaded}"
