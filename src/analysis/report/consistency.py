"""Consistency checks on a rendered HTML report, as a careful council reader would do them by hand.

The report helpers mark what can be checked (``analysis.report.notebook``):

- a number in prose is ``<span class="fact" data-fact="KEY" data-tabel="CAPTION">TEXT</span>``: the same KEY must
  never be printed with two different texts, and when a table caption is given, TEXT must appear in that table;
- a table is ``<div class="report-table" data-caption=… data-sum-columns="A|B">``: in the listed columns, the last
  row ('Totaal…') must equal the sum of the rows above it *as printed* (so rounding is the report's own business:
  use largest-remainder rounding where parts must add up).

Every fact also carries its status (``data-status``: echt, synthetisch, illustratief). In the summary (from the
heading 'Samenvatting' to the next top-level heading) a sentence with a synthetic or illustrative number must say so
in words ('in dit voorbeeld', 'synthetisch', 'illustratief') and no sentence anywhere may present such a number as
advice ('het bedrag om te begroten'). A summary sentence with an amount for a future year says whether it is indexed
(with the assumption it rests on) or not ('niet geïndexeerd', 'in prijzen van 2024'). Every assumption a sentence
cites ('aanname C02') is in the report's table 'Aannames en kanttekeningen'.

``check_report(html)`` returns every problem found; an empty list means the report is consistent.

``check_reports({name: html})`` holds several reports to one set of numbers: a fact whose key names a quantity,
a year and (for a projected year) a scenario, such as ``clienten_2028_minder-mantelzorg`` (``SHARED_FACT``), is the
same quantity in every report, so it must be printed with the same value in each of them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

SUPPRESSED = {"<10", "&lt;10"}


@dataclass(frozen=True)
class Problem:
    kind: str  # fact-twice | fact-not-in-table | missing-table | total | unreadable | status | advice | index |
    # assumption | cross-report
    message: str


@dataclass
class _Table:
    caption: str
    sum_columns: list[str]
    rows: list[list[str]] = field(default_factory=list)  # header row first


@dataclass(frozen=True)
class Sentence:
    """A sentence of running text (tables excluded), the facts in it as (key, text, status), and whether it is in
    the summary."""

    text: str
    facts: tuple[tuple[str, str, str], ...]
    in_summary: bool


@dataclass
class ParsedReport:
    facts: list[tuple[str, str, str | None]]  # key, text, table caption
    tables: dict[str, _Table]
    sentences: list[Sentence] = field(default_factory=list)
    subheads: list[tuple[str, bool]] = field(default_factory=list)  # h2 texts, and whether in the summary


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
        # running text outside tables, with block boundaries as blank lines; facts as (start, end, key, status)
        self.text: list[str] = []
        self._len = 0
        self.fact_spans: list[tuple[int, int, str, str]] = []
        self._fact_start = 0
        self._h1: list[str] | None = None
        self._h1_start = 0
        self._h2: list[str] | None = None
        self.subheads: list[tuple[str, int]] = []  # h2 text, text offset
        self.summary: tuple[int, int] | None = None  # text offsets of the summary
        self._summary_start: int | None = None
        self._skip = 0  # inside <nav>, <script>, <style>: not report text

    def _emit(self, s: str) -> None:
        if self._table is None and not self._skip:
            self.text.append(s)
            self._len += len(s)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("nav", "script", "style", "header", "footer"):
            self._skip += 1
        if tag in _BLOCKS:
            self._emit("\n\n")
        if tag == "h1" and self._table is None and not self._skip:
            self._h1, self._h1_start = [], self._len
        if tag == "h2" and self._table is None and not self._skip:
            self._h2 = []
        if tag == "span":
            if self._fact is not None:
                self._fact_depth += 1
            elif "fact" in (a.get("class") or "").split():
                self._fact = [a.get("data-fact", ""), [], a.get("data-tabel"), a.get("data-status") or "echt"]
                self._fact_depth = 0
                self._fact_start = self._len
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
        if tag in ("nav", "script", "style", "header", "footer") and self._skip:
            self._skip -= 1
        if tag == "h1" and self._h1 is not None:
            title = " ".join("".join(self._h1).split())
            if self._summary_start is not None and self.summary is None:
                self.summary = (self._summary_start, self._h1_start)
            if title == "Samenvatting" and self._summary_start is None:
                self._summary_start = self._len
            self._h1 = None
        if tag == "h2" and self._h2 is not None:
            self.subheads.append((" ".join("".join(self._h2).split()), self._len))
            self._h2 = None
        if tag in _BLOCKS:
            self._emit("\n\n")
        if tag == "span" and self._fact is not None:
            if self._fact_depth:
                self._fact_depth -= 1
            else:
                key, text, tab, status = self._fact
                self.facts.append((key, " ".join("".join(text).split()), tab))
                if self._table is None and not self._skip:
                    self.fact_spans.append((self._fact_start, self._len, key, status))
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
        if self._h1 is not None:
            self._h1.append(data)
        if self._h2 is not None:
            self._h2.append(data)
        self._emit(data)

    def close(self):
        super().close()
        if self._summary_start is not None and self.summary is None:
            self.summary = (self._summary_start, self._len)


_BLOCKS = {"p", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section", "figure", "figcaption",
           "blockquote", "dd", "dt", "br", "table", "main"}  # fmt: skip
# a sentence ends at . ! or ? followed by a space and a capital, a euro sign or a quote; or at a block boundary
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý€'\"‘“(])|\n\s*\n")


def _sentences(text: str, spans: list[tuple[int, int, str, str]], summary, fact_text) -> list[Sentence]:
    out = []
    start = 0
    bounds = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(text)] + [(len(text), len(text))]
    for end, nxt in bounds:
        chunk = text[start:end]
        if chunk.strip():
            facts = tuple((k, fact_text.get((a, b), ""), st) for a, b, k, st in spans if start <= a < end)
            in_summary = summary is not None and summary[0] <= start < summary[1]
            out.append(Sentence(" ".join(chunk.split()), facts, in_summary))
        start = nxt
    return out


def parse_report(html: str) -> ParsedReport:
    p = _Parser()
    p.feed(html)
    p.close()
    text = "".join(p.text)
    fact_text = {(a, b): " ".join(text[a:b].split()) for a, b, _, _ in p.fact_spans}
    in_sum = lambda at: p.summary is not None and p.summary[0] <= at < p.summary[1]  # noqa: E731
    return ParsedReport(
        p.facts,
        p.tables,
        _sentences(text, p.fact_spans, p.summary, fact_text),
        [(t, in_sum(at)) for t, at in p.subheads],
    )


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


# words that say a number is not real; 'bijvoorbeeld' (for example) does not count
STATUS_WORDS = re.compile(
    r"\b(?:synthetisch\w*|illustratie\w*|fictie\w+|(?:reken)?voorbeeld\w*|in dit voorbeeld)\b", re.IGNORECASE
)
# words that present a number as something to budget or decide on
ADVICE_WORDS = re.compile(
    r"\b(?:(?:om )?te begroten|te reserveren|begroot (?:u|de raad)|moet(?:en)? (?:worden )?(?:begroot|gereserveerd)"
    r"|(?:wij|we|het college) advise\w*|advies(?:bedrag)?|adviseren|planningsbedrag)\b",
    re.IGNORECASE,
)
_NOT_INDEXED = re.compile(
    r"niet geïndexeerd|niet geindexeerd|ongeïndexeerd|zonder indexatie|in prijzen van (?:19|20)\d\d"
    r"|prijspeil (?:19|20)\d\d|constante prijzen",
    re.IGNORECASE,
)
_INDEXED = re.compile(r"geïndexeerd|geindexeerd|indexatie|lopende prijzen", re.IGNORECASE)
_ASSUMPTION = re.compile(r"\baanname\w*\b|\b[A-Z]\d{2}\b")
_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?![\d.,]\d)")


def check_statuses(rep: ParsedReport, *, today: dt.date | None = None) -> list[Problem]:
    """The words around the numbers: synthetic and illustrative numbers labelled in the summary and never advice;
    amounts for a future year in the summary indexed (with an assumption) or said not to be."""
    year_now = (today or dt.date.today()).year
    problems: list[Problem] = []
    for s in rep.sentences:
        unreal = [(k, t, st) for k, t, st in s.facts if st != "echt"]
        if unreal:
            names = ", ".join(f"'{t}' ({st}, {k})" for k, t, st in unreal)
            if s.in_summary and not STATUS_WORDS.search(s.text):
                problems.append(
                    Problem(
                        "status", f"summary sentence states {names} as real; say so ('in dit voorbeeld'): {s.text!r}"
                    )
                )
            m = ADVICE_WORDS.search(s.text)
            if m:
                problems.append(Problem("advice", f"sentence presents {names} as advice ('{m.group(0)}'): {s.text!r}"))
        if s.in_summary and "€" in s.text:
            future = [int(y) for y in _YEAR.findall(s.text) if int(y) > year_now]
            if future and not (_NOT_INDEXED.search(s.text) or (_INDEXED.search(s.text) and _ASSUMPTION.search(s.text))):
                problems.append(
                    Problem(
                        "index",
                        f"summary sentence gives an amount for {max(future)} without saying whether it is indexed "
                        f"(with the assumption) or not ('niet geïndexeerd', 'in prijzen van {year_now}'): {s.text!r}",
                    )
                )
    return problems


ASSUMPTIONS_TABLE = "Aannames en kanttekeningen"
_CITES_ASSUMPTION = re.compile(r"\baanname", re.IGNORECASE)
_ASSUMPTION_ID = re.compile(r"\b[A-Z]\d{2}\b")


def check_assumptions(rep: ParsedReport) -> list[Problem]:
    """Every assumption a sentence cites ('aanname C02', 'aannames S03 en S04') is in the report's assumptions
    table, so the reader can look it up. A report without that table is not checked."""
    tab = rep.tables.get(ASSUMPTIONS_TABLE)
    if tab is None or not tab.rows:
        return []
    listed = {row[0] for row in tab.rows[1:] if row}
    problems = []
    for s in rep.sentences:
        if not _CITES_ASSUMPTION.search(s.text):
            continue
        missing = sorted(set(_ASSUMPTION_ID.findall(s.text)) - listed)
        if missing:
            problems.append(
                Problem(
                    "assumption", f"cited assumption(s) {', '.join(missing)} not in '{ASSUMPTIONS_TABLE}': {s.text!r}"
                )
            )
    return problems


DECISION_HEADING = "Wat vraagt dit van de raad"
DECISION_TABLE = "Mogelijkheden voor de raad"


def check_decision(rep: ParsedReport) -> list[Problem]:
    """The summary ends with 'Wat vraagt dit van de raad' (``notebook.decision_section``): its last sub-heading,
    with the table of options. Not part of ``check_report`` until every report has the section."""
    heads = [t for t, in_summary in rep.subheads if in_summary]
    if not heads or heads[-1] != DECISION_HEADING:
        where = f"its last sub-heading is '{heads[-1]}'" if heads else "it has no sub-headings"
        return [Problem("decision", f"the summary does not end with '{DECISION_HEADING}' ({where})")]
    if not any(c.startswith(DECISION_TABLE) for c in rep.tables):
        return [Problem("decision", f"'{DECISION_HEADING}' has no table of options ('{DECISION_TABLE} ...')")]
    return []


def check_report(html: str, *, today: dt.date | None = None) -> list[Problem]:
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
    # 4. synthetic and illustrative numbers said to be so, never advice; future amounts indexed or said not to be
    problems += check_statuses(rep, today=today)
    # 5. every cited assumption can be looked up in the report's assumptions table
    problems += check_assumptions(rep)
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


_CITED_ID = re.compile(r"\b[A-Z]\d{2}\b")


class _Text(HTMLParser):
    """All text of a report (tables, notes and running text), without navigation, scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("nav", "script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("nav", "script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def check_cited_assumptions(html: str, known_ids) -> list[Problem]:
    """Every assumption the report cites (an id of the log, ``known_ids``, anywhere in its text: prose, table notes,
    sources) is a row of its assumptions table, so a reader can look it up; a report citing assumptions without
    that table fails too. Stricter than ``check_assumptions`` (part of ``check_report``), which reads the sentences
    that say 'aanname': this one also reads table notes and lists, and needs the log's ids (no false 'A4x' hits)."""
    p = _Text()
    p.feed(html)
    p.close()
    cited = set(_CITED_ID.findall(" ".join(p.parts))) & set(known_ids)
    if not cited:
        return []
    tab = parse_report(html).tables.get(ASSUMPTIONS_TABLE)
    if tab is None:
        msg = f"the report cites {', '.join(sorted(cited))} but has no table '{ASSUMPTIONS_TABLE}'"
        return [Problem("assumption", msg)]
    listed = {row[0] for row in tab.rows[1:] if row}
    return [
        Problem("assumption", f"assumption {i} is cited but not in the table '{ASSUMPTIONS_TABLE}'")
        for i in sorted(cited - listed)
    ]
