import subprocess
import sys

import pandas as pd
import pytest

from analysis.data import schemas
from analysis.data.io import DataInputError


def test_every_processed_table_has_a_schema_and_passes(processed, synth):
    built = {p.relative_to(processed).with_suffix("").as_posix() for p in processed.rglob("*.parquet")}
    assert built == set(schemas.PROCESSED)
    for name, schema in schemas.PROCESSED.items():
        schemas.validate(pd.read_parquet(processed / f"{name}.parquet"), schema, name, line_offset=0)


def test_report_boundary_rejects_a_bad_table(synth, tmp_path):
    from analysis.report.notebook import ReportContext

    z = pd.read_parquet(synth / "pilot_zrm.parquet")
    z.loc[3, "score"] = 7  # ZRM runs from 1 to 5
    (tmp_path / "synthetic").mkdir()
    z.to_parquet(tmp_path / "synthetic" / "pilot_zrm.parquet")
    ctx = ReportContext("t", processed_dir=tmp_path)
    with pytest.raises(DataInputError, match=r"row\(s\) 3.*column 'score'"):
        ctx.load("synthetic/pilot_zrm")


def test_a_warm_kernel_validates_a_table_again_when_its_bytes_change(synth, tmp_path):
    """ReportContext.load keeps tables it validated, keyed by content: the same file is not checked twice in one
    process (a national batch), a changed file is, and a report cannot change what the next one reads."""
    from analysis.report.notebook import ReportContext

    z = pd.read_parquet(synth / "pilot_zrm.parquet")
    (tmp_path / "synthetic").mkdir()
    z.to_parquet(tmp_path / "synthetic" / "pilot_zrm.parquet")
    first = ReportContext("t", processed_dir=tmp_path).load("synthetic/pilot_zrm")
    first.loc[:, "score"] = 0  # a notebook changing its copy
    again = ReportContext("t", processed_dir=tmp_path)
    assert again.load("synthetic/pilot_zrm").score.between(1, 5).all()
    assert again.inputs["synthetic/pilot_zrm"]["sha256"]  # provenance recorded on a cache hit too
    z.loc[3, "score"] = 7  # the file changes between two reports
    z.to_parquet(tmp_path / "synthetic" / "pilot_zrm.parquet")
    with pytest.raises(DataInputError, match=r"row\(s\) 3.*column 'score'"):
        ReportContext("t", processed_dir=tmp_path).load("synthetic/pilot_zrm")


def test_import_analysis_is_light():
    heavy = "{'pandas', 'numpy', 'statsmodels', 'matplotlib', 'pandera'}"
    code = f"import sys, analysis; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
