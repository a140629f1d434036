"""How result objects show themselves: a short text repr, a plain-text ``summary()``, an HTML table in Jupyter and
their natural chart (``plot()``).

Every result class with a ``to_frame()`` inherits ``ResultDisplay``. All three views start with the same header:

- the title: the first sentence of the class docstring, with ``field`` placeholders filled in from the result
  ("HH use of ``gemeente`` in ``year``" shows as "HH use of GM0014 in 2020");
- a header block from the fields the result has: design (``design``, or the method and outcome of a DiD or ITS),
  n (observations, units, clusters, periods, draws), variance type (``vcov``/``se``) and units dropped or
  excluded (with their reasons in the HTML view).

The text repr shows the head of ``to_frame()`` and "... n more rows"; ``summary()`` shows up to 30 rows. The
dataclass-generated repr (every field, whole tables) is replaced: ``ResultDisplay.__init_subclass__`` puts this
class's ``__repr__`` on each subclass before ``@dataclass`` runs, and ``@dataclass`` keeps a ``__repr__`` that the
class already defines.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

_PLACEHOLDER = re.compile(r"``([A-Za-z_][A-Za-z0-9_]*)``")
REPR_ROWS = 10
SUMMARY_ROWS = 30


def _fill(obj, text: str) -> str:
    """Replace ``name`` by the value of a scalar field ``name``; other names lose their backticks."""

    def sub(m):
        v = getattr(obj, m.group(1), None)
        if isinstance(v, str | int | float | np.integer | np.floating) and not isinstance(v, bool):
            return _fmt(v)
        return m.group(1)

    return _PLACEHOLDER.sub(sub, text)


def _title(obj) -> str:
    """First sentence of the class docstring (placeholders filled in), or the class name."""
    doc = (type(obj).__doc__ or "").strip()
    if not doc or type(obj).__doc__ == ResultDisplay.__doc__:
        return type(obj).__name__
    para = " ".join(line.strip() for line in doc.split("\n\n")[0].splitlines())
    m = re.match(r"(.+?[.;])(\s|$)", para)
    first = (m.group(1) if m else para).rstrip(".:;")
    return _fill(obj, first)


def _fmt(v) -> str:
    if isinstance(v, float | np.floating):
        return "–" if not np.isfinite(v) else f"{v:.4g}"
    return str(v)


_N_FIELDS = (
    ("n_obs", "observations"),
    ("n_units", "units"),
    ("n_clusters", "clusters"),
    ("n_gemeenten", "gemeenten"),
    ("n_boot", "simulation draws"),
)
_SE = {"hac": "HAC (Newey-West)", "model": "model-based"}


def header(obj) -> list[tuple[str, str]]:
    """The header block of a result: (label, text) pairs for design, n, variance type and dropped units; only
    the ones the result has.

    Parameters
    ----------
    obj : ResultDisplay
        A result.

    Returns
    -------
    list of tuple of str
        E.g. ``[("design", "difference-in-differences on rate"), ("n", "1.2k observations, 300 units")]``.

    Raises
    ------
    None

    Examples
    --------
    >>> header(result)  # doctest: +SKIP
    """
    out = []
    design = getattr(obj, "design", None)
    if not isinstance(design, str):
        design = None
        if hasattr(obj, "vcov") and hasattr(obj, "outcome"):
            design = f"difference-in-differences on {'log ' if getattr(obj, 'log_outcome', False) else ''}{obj.outcome}"
        elif hasattr(obj, "family") and hasattr(obj, "model") and hasattr(obj, "series"):
            design = f"interrupted time series ({obj.model}, {obj.family})"
        elif isinstance(getattr(obj, "method", None), str):
            design = obj.method.replace("_", " ")
    if design:
        out.append(("design", design))
    ns = []
    for f, what in _N_FIELDS:
        v = getattr(obj, f, None)
        if isinstance(v, int | np.integer) and not isinstance(v, bool):
            ns.append(f"{v} {what}")
    n = getattr(obj, "n", None)
    if isinstance(n, dict) and n:
        ns.append(f"{sum(n.values())} ({', '.join(f'{k} {v}' for k, v in n.items())})")
    diag = getattr(obj, "diagnostics", None)
    if isinstance(diag, dict) and "n_periods" in diag:
        ns.append(f"{diag['n_periods']} periods ({diag.get('n_pre', '?')} before)")
    if ns:
        out.append(("n", ", ".join(ns)))
    var = getattr(obj, "vcov", None) or _SE.get(getattr(obj, "se", None) or "", None)
    if isinstance(var, str):
        out.append(("variance", var))
    for f in ("dropped", "excluded"):
        d = getattr(obj, f, None)
        if isinstance(d, pd.DataFrame):
            out.append((f"{f} units", str(len(d))))
    return out


def _dropped_frame(obj) -> pd.DataFrame | None:
    for f in ("dropped", "excluded"):
        d = getattr(obj, f, None)
        if isinstance(d, pd.DataFrame) and len(d):
            return d
    return None


class ResultDisplay:
    """Mixin: a short ``repr``, ``summary()`` (plain text), ``_repr_html_()`` (Jupyter) and ``plot()``."""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        # @dataclass would write a repr of every field (whole tables); it keeps one the class already has
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = ResultDisplay.__repr__

    def _text(self, rows: int) -> str:
        lines = [f"{type(self).__name__}: {_title(self)}"]
        lines += [f"  {k}: {v}" for k, v in header(self)]
        frame = self.to_frame()
        if frame is None or len(frame) == 0:
            lines.append("  (no rows)")
            return "\n".join(lines)
        body = frame.head(rows).to_string(index=False, float_format=lambda v: _fmt(v))
        lines.append(body)
        if len(frame) > rows:
            lines.append(f"... {len(frame) - rows} more rows (all of them: .to_frame())")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self._text(REPR_ROWS)

    def summary(self) -> str:
        return self._text(SUMMARY_ROWS)

    def plot(self, **kw):
        """The result's natural chart as a matplotlib Figure (``analysis.plots.plot``; keywords go to the chart
        function). Raises ``TypeError`` for a result without one."""
        from analysis import plots

        return plots.plot(self, **kw)

    def _repr_html_(self) -> str:
        full = self.to_frame()
        frame = full.head(SUMMARY_ROWS)
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
            for row in frame.itertuples(index=False)
        )
        meta = "".join(
            f"<tr><th scope='row' style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
            f"{html.escape(v)}</td></tr>"
            for k, v in header(self)
        )
        more = (
            f"<p><small>… {len(full) - SUMMARY_ROWS} more rows (all of them: <code>.to_frame()</code>)</small></p>"
            if len(full) > SUMMARY_ROWS
            else ""
        )
        dropped = _dropped_frame(self)
        drop_html = ""
        if dropped is not None:
            items = "".join(
                f"<li>{html.escape(' – '.join(str(v) for v in r))}</li>"
                for r in dropped.head(10).itertuples(index=False)
            )
            extra = f"<li>… {len(dropped) - 10} more</li>" if len(dropped) > 10 else ""
            drop_html = f"<details><summary>Units left out ({len(dropped)})</summary><ul>{items}{extra}</ul></details>"
        return (
            f"<div><p><strong>{html.escape(type(self).__name__)}</strong>: {html.escape(_title(self))}</p>"
            + (f"<table>{meta}</table>" if meta else "")
            + f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{more}{drop_html}</div>"
        )
