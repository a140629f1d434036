"""How result objects show themselves: a plain-text ``summary()`` and a compact HTML table in Jupyter.

Every result class with a ``to_frame()`` inherits ``ResultDisplay``: in JupyterLab the object displays as a table of
its estimates (with intervals where it has them) under the first line of its docstring, like statsmodels' summary.
"""

from __future__ import annotations

import html

import numpy as np


def _title(obj) -> str:
    doc = (type(obj).__doc__ or "").strip().splitlines()
    return doc[0].rstrip(".") if doc else type(obj).__name__


def _fmt(v) -> str:
    if isinstance(v, float | np.floating):
        return "–" if not np.isfinite(v) else f"{v:.4g}"
    return str(v)


class ResultDisplay:
    """Mixin: ``summary()`` (plain text) and ``_repr_html_()`` (Jupyter) from ``to_frame()``."""

    def summary(self) -> str:
        frame = self.to_frame()
        body = frame.to_string(index=False, float_format=lambda v: _fmt(v), max_rows=30)
        return f"{type(self).__name__}: {_title(self)}\n{body}"

    def plot(self, **kw):
        """The result's natural chart as a matplotlib Figure (``analysis.plots.plot``; keywords go to the chart
        function). Raises ``TypeError`` for a result without one."""
        from analysis import plots

        return plots.plot(self, **kw)

    def _repr_html_(self) -> str:
        frame = self.to_frame().head(30)
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
            for row in frame.itertuples(index=False)
        )
        more = (
            f"<p><small>{len(self.to_frame()) - 30} more rows: .to_frame()</small></p>"
            if len(self.to_frame()) > 30
            else ""
        )
        return (
            f"<div><p><strong>{html.escape(type(self).__name__)}</strong>: {html.escape(_title(self))}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{more}</div>"
        )
