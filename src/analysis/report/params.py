"""Report parameters: declared once in reports.toml (type, allowed values, description), checked before any kernel
starts. A bad value ends in one line naming the report, the parameter, the value and what is allowed.

    [reports.hh-raad.declare]
    n_boot = { type = "int", min = 100, max = 100000, description = "bootstrap draws" }

Types: ``int``, ``float``, ``str`` (with optional ``pattern``), ``date`` (YYYY-MM-DD, with optional ``min``/``max``
dates or ``max = "today"``), ``choice`` (one of ``choices``), ``list`` (comma-separated, each one of ``choices``),
``folder`` (an existing folder). ``optional = true`` allows the value to be left out (None).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

TYPES = ("int", "float", "str", "date", "choice", "list", "folder")


class ParamError(ValueError):
    """A report parameter that is unknown, of the wrong type or out of range. ``str()`` is the one-line message."""


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    description: str = ""
    min: object = None
    max: object = None
    choices: tuple = ()
    pattern: str | None = None
    optional: bool = False

    @classmethod
    def from_toml(cls, name: str, d: dict, where: str) -> ParamSpec:
        if not isinstance(d, dict) or "type" not in d:
            raise ParamError(f"{where}: declaration of {name!r} needs a type (one of {', '.join(TYPES)})")
        if d["type"] not in TYPES:
            raise ParamError(f"{where}: {name!r} has unknown type {d['type']!r}; use one of {', '.join(TYPES)}")
        unknown = set(d) - {"type", "description", "min", "max", "choices", "pattern", "optional"}
        if unknown:
            raise ParamError(f"{where}: {name!r} has unknown key(s) {sorted(unknown)}")
        if d.get("pattern") is not None:  # a broken pattern fails this entry now, not the batch at check time
            try:
                re.compile(str(d["pattern"]))
            except re.error as exc:
                raise ParamError(f"{where}: {name!r} has an invalid pattern {d['pattern']!r} ({exc})") from None
        return cls(
            name,
            d["type"],
            d.get("description", ""),
            d.get("min"),
            d.get("max"),
            tuple(d.get("choices", ())),
            d.get("pattern"),
            bool(d.get("optional", False)),
        )

    def allowed(self) -> str:
        """What is allowed, in words (for messages and `analysis params`)."""
        t = self.type
        rng = ""
        if self.min is not None and self.max is not None:
            rng = f" from {self.min} to {self.max}"
        elif self.min is not None:
            rng = f" of at least {self.min}"
        elif self.max is not None:
            rng = f" of at most {self.max}"
        text = {
            "int": f"a whole number{rng}",
            "float": f"a number{rng}",
            "str": f"text matching {self.pattern}" if self.pattern else "text",
            "date": f"a date YYYY-MM-DD{rng}",
            "choice": "one of " + ", ".join(map(str, self.choices)),
            "list": "a comma-separated list of " + ", ".join(map(str, self.choices)),
            "folder": "an existing folder",
        }[t]
        return text + (" (or leave it out)" if self.optional else "")

    def check(self, value, report: str):
        """The value converted to its type, or ParamError."""

        def bad(why: str = "") -> ParamError:
            shown = repr(value)
            return ParamError(f"{report}: parameter {self.name}={shown} is not allowed{why}; expected {self.allowed()}")

        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
            if self.optional:
                return None
            raise bad(" (a value is required)")
        t = self.type
        if t == "int":
            if isinstance(value, bool):
                raise bad()
            try:
                v = int(str(value).strip()) if not isinstance(value, int) else value
            except ValueError:
                raise bad() from None
            if isinstance(value, float) and not float(value).is_integer():
                raise bad()
            self._range(v, bad)
            return v
        if t == "float":
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise bad() from None
            if v != v or v in (float("inf"), float("-inf")):
                raise bad()
            self._range(v, bad)
            return v
        if t == "str":
            v = str(value)
            if self.pattern and not re.fullmatch(self.pattern, v):
                raise bad()
            return v
        if t == "date":
            try:
                d = dt.date.fromisoformat(str(value))
            except ValueError:
                raise bad() from None
            lo = self._date_bound(self.min)
            hi = self._date_bound(self.max)
            if (lo and d < lo) or (hi and d > hi):
                raise bad()
            return d.isoformat()
        if t == "choice":
            if value not in self.choices and str(value) not in map(str, self.choices):
                raise bad()
            return next(c for c in self.choices if str(c) == str(value))
        if t == "list":
            items = [s.strip() for s in str(value).split(",") if s.strip()]
            if not items or any(i not in self.choices for i in items):
                raise bad()
            return ",".join(items)
        if t == "folder":
            if not Path(str(value)).is_dir():
                raise bad(" (no such folder)")
            return str(value)
        raise AssertionError(t)

    def _range(self, v, bad) -> None:
        if (self.min is not None and v < self.min) or (self.max is not None and v > self.max):
            raise bad()

    @staticmethod
    def _date_bound(b):
        if b is None:
            return None
        if b == "today":
            return dt.date.today()
        return b if isinstance(b, dt.date) else dt.date.fromisoformat(str(b))


def parse_declarations(raw: dict, where: str) -> dict[str, ParamSpec]:
    return {name: ParamSpec.from_toml(name, d, f"{where} declare.{name}") for name, d in (raw or {}).items()}


def check_parameters(report: str, declared: dict[str, ParamSpec], values: dict) -> dict:
    """All values checked and converted; unknown names refused. Cross-parameter rules live in ``RULES``."""
    unknown = sorted(set(values) - set(declared))
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise ParamError(f"{report}: unknown parameter(s) {', '.join(unknown)}; this report takes: {known}")
    out = {k: declared[k].check(v, report) for k, v in values.items()}
    for first, second in RULES:
        if first in out and second in out and out[first] is not None and out[second] is not None:
            if not out[first] < out[second]:
                raise ParamError(f"{report}: parameter {first}={out[first]} must be before {second}={out[second]}")
    return out


# (a, b): a must be less than b when both are given. (basisjaar, contractjaar) is no rule: a contract year up to the
# base year takes the registered usage of that year (analysis.demand.forecast.point_projection), so that every
# report prints one number for it.
RULES = (("jaar_van", "jaar_tot"),)
