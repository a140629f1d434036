"""Where the project's files live. Overridable with ANALYSIS_ROOT so tests and the scheduler can point elsewhere."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("ANALYSIS_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "data").is_dir():
            return parent
    return Path.cwd()


def raw_dir() -> Path:
    return project_root() / "data" / "raw"


def processed_dir() -> Path:
    return Path(os.environ.get("ANALYSIS_PROCESSED", project_root() / "data" / "processed"))


def synthetic_dir() -> Path:
    return processed_dir() / "synthetic"


def assumptions_file() -> Path:
    return project_root() / "data" / "assumptions.toml"


def reports_dir() -> Path:
    return Path(os.environ.get("ANALYSIS_REPORTS", project_root() / "reports"))


def notebooks_dir() -> Path:
    return project_root() / "notebooks"
