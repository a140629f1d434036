"""Analyses and council reports for the social domain (sociaal domein) of the municipality of Groningen.

Kept light on purpose: ``import analysis`` imports no pandas/statsmodels; submodules are imported on use.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {"assumptions", "data", "demand", "pilot", "financing", "privacy", "report", "paths", "formatting"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"analysis.{name}")
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
