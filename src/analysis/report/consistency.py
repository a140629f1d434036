"""Consistency checks on a rendered HTML report, as a careful council reader would do them by hand.

The report helpers mark what can be checked (``analysis.report.notebook``):

- a number in prose is ``<span class="fact" data-fact="KEY" data-tabel="CAPTION">TEXT</span>``: the same KEY must
  never be printed with two different texts, and when a table caption is given, TEXT must appear in that table;
- a table is ``<div class="report-table" data-caption=… data-sum-columns="A|B">``: in the listed columns, the last
  row ('Totaal…') must equal the sum of the rows above it *as printed* (so rounding is the report's own business:
  use largest-remainder rounding where parts must add up).

``check_report(html)`` returns every problem found; an empty list means the report is consistent.

``check_reports({name: html})`` holds several reports to one set of numbers: a fact whose key names a quantity,
a year and (for a projected year) a scenario, such as ``clienten_2028_minder-mantelzorg`` (``SHARED_FACT``), is the
same quantity in every report, so it must be printed with the same value in each of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

SUPPRESSED = {"<10", "&lt;10"}


@dataclass(frozen=True)
class Problem:
    kind: str  # fact-twice | fact-not-in-table | missing-table | total | unreadable | cross-report
    message: str


@dataclass
class _Table:
    caption: str
    sum_columns: list[str]
    rows: list[list[str]] = field(default_factory=list)  # header row first


@dataclass
class ParsedReport:
    facts: list[tuple[str, str, str | None]]  # key, text, table caption
    tables: dict[str, _Table]


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.facts: list[tuple[str, str, str | None]] = []
        self.tables: dict[str, _Table] = {}
        self._fact: list | None = None
        self._fact_depth = 0
        self._table: _Table | None = None
        self._div_depth = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "span":
            if self._fact is not None:
                self._fact_depth += 1
            elif "fact" in (a.get("class") or "").split():
                self._fact = [a.get("data-fact", ""), [], a.get("data-tabel")]
                self._fact_depth = 0
        if tag == "div":
            if self._table is not None:
                self._div_depth += 1
            elif "report-table" in (a.get("class") or "").split():
                cols = [c for c in (a.get("data-sum-columns") or "").split("|") if c]
                self._table = _Table(a.get("data-caption", ""), cols)
                self._div_depth = 0
        if self._table is not None:
            if tag == "tr":
                self._row = []
            elif tag in ("td", "th") and self._row is not None:
                cls = a.get("class") or ""
                # the great_tables title and source note are rows of one cell, not data
                self._in_heading = "gt_heading" in cls or "gt_sourcenote" in cls
                self._cell = []

    def handle_endtag(self, tag):
        if tag == "span" and self._fact is not None:
            if self._fact_depth:
                self._fact_depth -= 1
            else:
                key, text, tab = self._fact
                self.facts.append((key, " ".join("".join(text).split()), tab))
                self._fact = None
        if self._table is not None:
            if tag in ("td", "th") and self._cell is not None:
                if not self._in_heading and self._row is not None:
                    self._row.append(" ".join("".join(self._cell).split()))
                self._cell = None
            elif tag == "tr" and self._row is not None:
                if self._row:
                    self._table.rows.append(self._row)
                self._row = None
            elif tag == "div":
                if self._div_depth:
                    self._div_depth -= 1
                else:
                    self.tables[self._table.caption] = self._table
                    self._table = None

    def handle_data(self, data):
        if self._fact is not None:
            self._fact[1].append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse_report(html: str) -> ParsedReport:
    p = _Parser()
    p.feed(html)
    return ParsedReport(p.facts, p.tables)


_NUM = re.compile(r"[-−–]?\s?€?\s?[-−]?\d[\d.]*(?:,\d+)?")


def parse_dutch_number(text: str, *, apply_unit: bool = True) -> float | None:
    """'€ 1.234.567' -> 1234567; '12,5%' -> 12.5; '-€ 5' -> -5; '–' -> None. Text around one number is allowed
    ('12 gezinnen'); a cell with two numbers (an interval) is not a number."""
    t = text.strip().replace("\u2212", "-")
    if not t or t in ("–", "-") or t in SUPPRESSED:
        return None
    found = _NUM.findall(t)
    if len(found) != 1:
        return None
    s = found[0].replace(" ", "").replace("€", "").replace("–", "-")
    neg = s.startswith("-")
    s = s.lstrip("-").replace(".", "").replace(",", ".")
    try:
        v = float(s)
    except ValueError:
        return None
    mult = 1e6 if re.search(r"\bmln\b", t) else 1e9 if re.search(r"\bmld\b", t) else 1.0
    mult = mult if apply_unit else 1.0
    return (-v if neg else v) * mult


def _decimals(text: str) -> int:
    m = re.search(r",(\d+)", text)
    return len(m.group(1)) if m else 0


def check_report(html: str) -> list[Problem]:
    rep = parse_report(html)
    problems: list[Problem] = []
    # 1. one quantity, one printed value
    seen: dict[str, str] = {}
    for key, text, _ in rep.facts:
        if key in seen and seen[key] != text:
            problems.append(Problem("fact-twice", f"'{key}' is printed as '{seen[key]}' and as '{text}'"))
        seen.setdefault(key, text)
    # 2. a number in prose appears in the table it comes from
    for key, text, cap in rep.facts:
        if not cap:
            continue
        tab = rep.tables.get(cap)
        if tab is None:
            problems.append(Problem("missing-table", f"'{key}' ({text}) refers to table '{cap}', which is not there"))
            continue
        cells = [c for row in tab.rows for c in row]
        if not any(text == c or re.search(rf"(?<![\d.,]){re.escape(text)}(?![\d,]|\.\d)", c) for c in cells):
            problems.append(Problem("fact-not-in-table", f"'{key}' = '{text}' is not in table '{cap}'"))
    # 3. printed totals equal printed parts
    for tab in rep.tables.values():
        if not tab.sum_columns:
            continue
        if len(tab.rows) < 3:
            problems.append(Problem("unreadable", f"table '{tab.caption}' has no rows to add up"))
            continue
        header, body, total = tab.rows[0], tab.rows[1:-1], tab.rows[-1]
        for col in tab.sum_columns:
            if col not in header:
                problems.append(Problem("unreadable", f"table '{tab.caption}' has no column '{col}'"))
                continue
            j = header.index(col)
            cells = [r[j] for r in body if j < len(r)]
            if any(c in SUPPRESSED for c in cells):
                continue  # suppressed cells: secondary suppression makes the total non-recoverable by design
            parts = [parse_dutch_number(c, apply_unit=False) for c in cells]  # as printed: '€ 7,2 mln' is 7,2
            tot = parse_dutch_number(total[j], apply_unit=False) if j < len(total) else None
            if tot is None or any(p is None for p in parts):
                if tot is not None or any(p is not None for p in parts):
                    problems.append(Problem("unreadable", f"table '{tab.caption}', column '{col}': unreadable cell"))
                continue
            d = max([_decimals(c) for c in cells] + [_decimals(total[j])])
            if round(sum(parts), d) != round(tot, d):
                problems.append(
                    Problem(
                        "total",
                        f"table '{tab.caption}', column '{col}': parts add up to {round(sum(parts), d):g}, "
                        f"the printed total is {tot:g}",
                    )
                )
    return problems


# Fact keys that mean the same quantity in every report: a measure, a year and optionally a scenario
# (``analysis.demand.projection.clients_fact_key``). Other keys ('budget_totaal') are local to one report: a variant
# for another contract year rightly prints another value under the same local key.
SHARED_FACT = re.compile(r"^(clienten)_(\d{4})(?:_([a-z-]+))?$")


def check_reports(reports: dict[str, str]) -> list[Problem]:
    """One set of numbers across reports (``{name: rendered html}``): every shared fact key (``SHARED_FACT``: same
    quantity, same year, same scenario) must have the same value, as a number, in every report that prints it."""
    seen: dict[str, tuple[str, str, float | None]] = {}
    problems: list[Problem] = []
    for name, html in reports.items():
        for key, text, _ in parse_report(html).facts:
            if not SHARED_FACT.match(key):
                continue
            value = parse_dutch_number(text)
            if key not in seen:
                seen[key] = (name, text, value)
                continue
            first, ftext, fvalue = seen[key]
            if value is None or fvalue is None or value != fvalue:
                problems.append(Problem("cross-report", f"'{key}' is '{ftext}' in {first} and '{text}' in {name}"))
    return problems
