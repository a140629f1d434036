"""Every report in reports.toml (each audience), plus hh-raad for two other gemeenten: the cases that the
consistency and accessibility tests render once per test worker and check from every side."""

import pytest

SMALL = {"n_boot": 200, "n_draws": 4000}  # fewer draws: the checks are about the document, not the precision


def report_cases() -> list:
    from analysis.report.render import load_specs

    out = []
    for name, spec in load_specs().items():
        for aud in spec.audiences:
            out.append((name, aud, {}))
    out += [("hh-raad", "openbaar", {"gemeente": g}) for g in ("GM0363", "GM0599")]
    # one xdist group per case: the tests of one report run on the worker that rendered it (make test uses
    # --dist loadgroup), so each report is rendered once per run
    return [
        pytest.param(name, aud, extra, marks=pytest.mark.xdist_group(f"report-{i}"), id=f"{name}-{aud}-{i}")
        for i, (name, aud, extra) in enumerate(out)
    ]
