"""The assumptions-and-caveats log (data/assumptions.toml): one loader, so no value is repeated as a literal."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RATINGS = ("groen", "oranje", "rood")


class AssumptionsError(ValueError):
    """The assumptions log is not valid: not TOML, an entry with a missing key, a bad rating or a repeated id."""


@dataclass(frozen=True)
class Assumption:
    """One entry of the log. ``value`` is None for purely qualitative caveats."""

    id: str
    title: str
    description: str
    source: str
    quality: str
    impact: str
    used_by: tuple[str, ...]
    value: Any = None
    unit: str | None = None


@dataclass(frozen=True)
class AssumptionLog:
    entries: tuple[Assumption, ...] = field(default_factory=tuple)

    def __getitem__(self, key: str) -> Assumption:
        for a in self.entries:
            if a.id == key:
                return a
        raise KeyError(f"assumption {key!r} not in the log")

    def value(self, key: str) -> Any:
        return self[key].value

    def for_analysis(self, name: str) -> list[Assumption]:
        return [a for a in self.entries if name in a.used_by]

    def to_frame(self, analysis: str | None = None):
        import pandas as pd

        rows = self.for_analysis(analysis) if analysis else list(self.entries)
        return pd.DataFrame(
            [
                {
                    "id": a.id,
                    "titel": a.title,
                    "beschrijving": a.description,
                    "bron": a.source,
                    "kwaliteit": a.quality,
                    "impact": a.impact,
                }
                for a in rows
            ]
        )


def load_assumptions(path: str | Path | None = None) -> AssumptionLog:
    """Read the assumptions-and-caveats log, checking every entry.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The TOML file; default ``data/assumptions.toml`` of the project (``analysis.paths.assumptions_file``).
        Each ``[[assumption]]`` has id, title, description, source, quality, impact (each one of ``RATINGS``:
        groen, oranje, rood), used_by, and optionally value and unit.

    Returns
    -------
    AssumptionLog
        ``entries`` in file order; ``log[id]`` an entry, ``log.value(id)`` its value, ``for_analysis(name)`` the
        entries an analysis uses and ``to_frame()`` the table with Dutch column names.

    Raises
    ------
    AssumptionsError
        A subclass of ValueError, with the file and entry: the file is not valid TOML, an entry misses a key, has a
        quality or impact outside ``RATINGS``, or repeats an id.
    FileNotFoundError
        If ``path`` does not exist.

    Examples
    --------
    >>> log = load_assumptions()
    >>> len(log.entries) > 0, all(a.quality in RATINGS for a in log.entries)
    (True, True)
    """
    from analysis.paths import assumptions_file

    path = Path(path) if path else assumptions_file()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AssumptionsError(f"{path}: not valid TOML: {exc}") from exc
    entries = []
    seen = set()
    for i, item in enumerate(raw.get("assumption", []), start=1):
        missing = {"id", "title", "description", "source", "quality", "impact", "used_by"} - item.keys()
        if missing:
            raise AssumptionsError(f"{path}: entry {i}: missing keys {sorted(missing)}")
        for rating in ("quality", "impact"):
            if item[rating] not in RATINGS:
                raise AssumptionsError(
                    f"{path}: entry {item['id']}: {rating}={item[rating]!r}, expected one of {RATINGS}"
                )
        if item["id"] in seen:
            raise AssumptionsError(f"{path}: duplicate id {item['id']}")
        seen.add(item["id"])
        entries.append(
            Assumption(
                id=item["id"],
                title=item["title"],
                description=item["description"],
                source=item["source"],
                quality=item["quality"],
                impact=item["impact"],
                used_by=tuple(item["used_by"]),
                value=item.get("value"),
                unit=item.get("unit"),
            )
        )
    return AssumptionLog(tuple(entries))
