import pytest

from analysis.assumptions import AssumptionsError, load_assumptions


def test_log_loads_and_is_rated():
    log = load_assumptions()
    assert len(log.entries) >= 15
    assert {a.quality for a in log.entries} <= {"groen", "oranje", "rood"}
    assert log.value("C01")["per_year"] == {"2021": 42000, "2022": 168000, "2023": 126000}
    assert set(log.to_frame("tussenevaluatie")["id"]) >= {"C01", "S10", "P01"}


def test_bad_rating_is_refused(tmp_path):
    p = tmp_path / "a.toml"
    p.write_text(
        '[[assumption]]\nid="X"\ntitle="t"\ndescription="d"\nsource="s"\nquality="paars"\nimpact="rood"\n'
        'used_by=["x"]\n'
    )
    with pytest.raises(AssumptionsError, match="quality='paars'"):
        load_assumptions(p)
