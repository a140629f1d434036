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
            # the folder the report was published in (intern: reports-intern/; another gemeente's hh-raad: its own)
            tree = render.audience_root(root, audience)
            folder = next((tree / f).parent for f in res.outputs) if res.outputs else tree / spec.name
            done[key] = (folder, res)
        return done[key]

    return get


# ------------------------------------------------------------------ progress per test file (make test)


def pytest_addoption(parser):
    parser.addoption(
        "--progress-per-file",
        action="store_true",
        default=False,
        help="print one line when all tests of a file have run (make test: a long run shows where it is)",
    )


class _ProgressPerFile:
    """One line per finished test file: its outcomes, how many files are done, the time so far. Works with and
    without xdist (on the controller; workers print nothing)."""

    def __init__(self, config):
        import time
        from collections import Counter, defaultdict

        self.config, self.time = config, time
        self.start = time.monotonic()
        self.total, self.done, self.outcomes = Counter(), Counter(), defaultdict(Counter)
        self.files_done = 0

    def pytest_collection_modifyitems(self, items):
        if not self.total:
            self.total.update(i.nodeid.split("::")[0] for i in items)

    def pytest_runtest_logreport(self, report):
        f = report.nodeid.split("::")[0]
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            self.outcomes[f][report.outcome] += 1
        if report.when != "teardown":
            return
        self.done[f] += 1
        if self.done[f] == self.total.get(f):
            self.files_done += 1
            tr = self.config.pluginmanager.get_plugin("terminalreporter")
            o = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes[f].items()))
            took = self.time.monotonic() - self.start
            if getattr(tr, "currentfspath", None) is None:  # xdist writes its dots without a file prefix
                tr.write("\n")
            tr.write_line(f"{f}: {o or 'no tests'} ({self.files_done}/{len(self.total)} files, {took / 60:.1f} min)")


class _ProgressPerFileXdist(_ProgressPerFile):
    def pytest_xdist_node_collection_finished(self, node, ids):
        if not self.total:
            self.total.update(i.split("::")[0] for i in ids)


def pytest_configure(config):
    if not config.getoption("--progress-per-file", default=False) or hasattr(config, "workerinput"):
        return
    xdist = config.pluginmanager.hasplugin("xdist") and getattr(config.option, "numprocesses", None)
    config.pluginmanager.register((_ProgressPerFileXdist if xdist else _ProgressPerFile)(config), "progress-per-file")
