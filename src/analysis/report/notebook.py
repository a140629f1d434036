"""Helpers used inside report notebooks. They display; the conversion step reads what they display.

- ``ReportContext``: loads inputs through the library (recording file, sha256, synthetic flag, source) and, at the
  end, displays the assumptions and sources sections plus machine-readable report metadata.
- ``table``: great_tables HTML for the HTML report and a pipe table for the PDF, with a caption.
- ``figure``: PNG with alt text and caption.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

META_MIME = "application/vnd.analysis.report+json"
FIG_MIME = "application/vnd.analysis.figure+json"


class _Bundle:
    def __init__(self, data: dict, metadata: dict | None = None):
        self.data, self.metadata = data, metadata or {}

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.data, self.metadata


def md(text: str) -> _Bundle:
    return _Bundle({"text/markdown": text, "text/plain": text})


def _pipe_table(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "/") for v in row) + " |")
    return "\n".join(lines)


def table(df: pd.DataFrame, caption: str, *, source_note: str | None = None) -> _Bundle:
    """A formatted table (values should already be formatted Dutch strings where needed)."""
    from great_tables import GT

    # 'visible' overflow: a scrolling container is not keyboard-focusable (axe: scrollable-region-focusable)
    gt = (
        GT(df)
        .tab_header(title=caption)
        .tab_options(
            container_overflow_x="visible",
            container_overflow_y="visible",
            table_width="100%",
            table_font_names="Segoe UI, Arial, Helvetica, sans-serif",
        )
    )
    if source_note:
        gt = gt.tab_source_note(source_note)
    html = gt.as_raw_html()
    note = f"\n\n*{source_note}*" if source_note else ""
    markdown = f"```{{=html}}\n{html}\n```\n\n::: {{.pdf-only}}\n{_pipe_table(df)}\n\n: {caption}\n{note}\n:::\n"
    return _Bundle({"text/markdown": markdown, "text/plain": df.to_string()})


def figure(fig, alt: str, caption: str) -> _Bundle:
    """A matplotlib figure as PNG, with alt text (screen readers) and a caption."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    plt.close(fig)
    b64 = base64.b64encode(buf.getvalue()).decode()
    return _Bundle(
        {"image/png": b64, FIG_MIME: {"alt": alt, "caption": caption}, "text/plain": alt}, {"image/png": {"alt": alt}}
    )


@dataclass
class ReportContext:
    """Tracks what a report read and relies on. One per notebook run."""

    report: str
    audience: str = "openbaar"
    title: str = ""
    inputs: dict[str, dict] = field(default_factory=dict)
    assumption_ids: set[str] = field(default_factory=set)
    processed_dir: Path | None = None

    def __post_init__(self):
        if self.audience not in ("openbaar", "intern"):
            raise ValueError(f"audience must be 'openbaar' or 'intern', not {self.audience!r}")

    @property
    def synthetic(self) -> bool:
        return any(m.get("synthetic") for m in self.inputs.values())

    def load(self, name: str) -> pd.DataFrame:
        from analysis.data.io import load_processed, read_dataset_meta, sha256_file
        from analysis.paths import processed_dir

        base = Path(self.processed_dir) if self.processed_dir else processed_dir()
        from analysis.data.schemas import PROCESSED, validate

        df = load_processed(name, base)
        path = base / f"{name}.parquet"
        if name in PROCESSED:  # the processed -> report boundary: a report never reads an unchecked table
            df = validate(df, PROCESSED[name], str(path), line_offset=0)
        meta = read_dataset_meta(path)
        self.inputs[name] = {
            "path": str(path),
            "sha256": sha256_file(path),
            "synthetic": meta.get("synthetic", False),
            "source": meta.get("source", ""),
            "description": meta.get("description", ""),
        }
        return df

    def uses(self, *ids: str) -> None:
        self.assumption_ids.update(ids)

    def metadata(self) -> _Bundle:
        payload = {
            "report": self.report,
            "audience": self.audience,
            "title": self.title,
            "synthetic": self.synthetic,
            "inputs": self.inputs,
            "assumptions": sorted(self.assumption_ids),
        }
        return _Bundle({META_MIME: payload, "text/plain": f"report metadata ({self.report})"})

    def assumptions_section(self) -> _Bundle:
        from analysis.assumptions import load_assumptions

        log = load_assumptions()
        ids = set(self.assumption_ids) | {a.id for a in log.for_analysis(self.report)}
        rows = [log[i] for i in sorted(ids)]
        lines = [
            "Dit rapport rust op de volgende aannames uit het aannamelogboek (`data/assumptions.toml`). "
            "Kwaliteit en impact zijn beoordeeld als groen (goed / klein), oranje of rood (zwak / groot).\n"
        ]
        df = pd.DataFrame(
            [
                {"Id": a.id, "Aanname": a.title, "Kwaliteit": a.quality, "Impact": a.impact, "Bron": a.source}
                for a in rows
            ]
        )
        lines.append(table(df, "Aannames en kanttekeningen").data["text/markdown"])
        lines.append("")
        for a in rows:
            lines.append(f"- **{a.id} {a.title}.** {a.description}")
        return md("\n".join(lines))

    def sources_section(self) -> _Bundle:
        lines = ["De cijfers in dit rapport komen uit de volgende bestanden:\n"]
        for name, m in self.inputs.items():
            label = " (**synthetisch**)" if m["synthetic"] else ""
            lines.append(f"- `{name}`{label}: {m['description']}. Bron: {m['source']}. SHA-256 `{m['sha256'][:12]}…`.")
        return md("\n".join(lines))
