"""House style for figures (kept here for the notebooks' ``from analysis.report import style``).

The constants and helpers live in ``analysis.style`` so that ``analysis.plots`` can use them without importing
report code (analysis never imports report)."""

from analysis.style import DARK, GREY, PALETTE, RC, apply, dutch_axis, dutch_date_axis, legend_below, rc  # noqa: F401

__all__ = ["DARK", "GREY", "PALETTE", "RC", "apply", "dutch_axis", "dutch_date_axis", "legend_below", "rc"]
