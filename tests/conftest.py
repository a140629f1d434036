import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")


def rehash_sources(raw: Path) -> None:
    """Tests deliberately change raw files; update their sha256 so the check under test is reached."""
    from analysis.data.io import sha256_file

    text = (raw / "sources.toml").read_text(encoding="utf-8")

    def repl(m):
        section = m.group(1)
        p = raw / section
        return m.group(0) if not p.exists() else re.sub(r'sha256 = "[^"]*"', f'sha256 = "{sha256_file(p)}"', m.group(0))

    text = re.sub(r'\[files\."([^"]+)"\](.*?)(?=\n\[files|\Z)', repl, text, flags=re.DOTALL)
    (raw / "sources.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    dst = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", dst)
    return dst


@pytest.fixture(scope="session")
def processed(tmp_path_factory) -> Path:
    from analysis.data.pipeline import build_processed

    out = tmp_path_factory.mktemp("processed")
    build_processed(ROOT / "data" / "raw", out)
    return out


@pytest.fixture(scope="session")
def synth(tmp_path_factory, processed) -> Path:
    """Synthetic tables from the default seed, in a session folder (same layout as data/processed/synthetic)."""
    from analysis.data.synthetic import write_synthetic

    out = processed / "synthetic"
    write_synthetic(out, seed=20211115)
    return out


@pytest.fixture(scope="session")
def render_case(tmp_path_factory, synth):
    """Render a report of reports.toml as HTML and PDF, once per session (per test worker), on the session's
    synthetic data: ``render_case(name, audience, extra) -> (folder, RenderResult)``."""
    from analysis.report import render
    from report_cases import SMALL

    done: dict = {}

    def get(name: str, audience: str, extra: dict):
        key = (name, audience, tuple(sorted(extra.items())))
        if key not in done:
            spec = render.load_specs()[name]
            small = {k: v for k, v in SMALL.items() if k in spec.parameters}
            params = {**small, **extra, "processed_dir": str(synth.parent)}
            root = tmp_path_factory.mktemp(f"{name}-{audience}")
            res = render.render_report(
                spec, audience=audience, params=params, formats=("html", "pdf"), reports_root=root
            )
            # the folder the report was published in: another gemeente's hh-raad has a folder of its own
            folder = next((root / f).parent for f in res.outputs) if res.outputs else root / spec.name
            done[key] = (folder, res)
        return done[key]

    return get
