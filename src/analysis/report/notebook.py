"""Helpers used inside report notebooks. They display; the conversion step reads what they display.

- ``ReportContext``: loads inputs through the library (recording file, sha256, synthetic flag, source) and, at the
  end, displays the assumptions and sources sections plus machine-readable report metadata.
- ``table``: great_tables HTML for the HTML report and a typst table for the PDF, with a caption and declared totals.
- ``fact``: a number in prose, marked for the consistency checker, with its status (real, synthetic, illustrative).
- ``decision_section``: 'Wat vraagt dit van de raad' (options, what each costs next year, risks, the proposal).
- ``figure``: PNG with alt text and caption.
"""

from __future__ import annotations

import base64
import io
import re
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


# Text from data and configuration (a gemeente name, a label, a reference source, a caption, a title) reaches
# Markdown, HTML and typst only through the functions below, each escaping for its target (issue 23): a name such
# as 'Groningen<script>…' or '#read("/etc/passwd")' is printed as those characters, never run or fetched.
TRUSTED = "application/vnd.analysis.trusted"  # output metadata: built by these helpers from escaped parts

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MD_SPECIAL = set("\\`*_{}[]<>#$@&|~^!")


def _one_line(value) -> str:
    """A value as one line of text: control characters dropped, line breaks and tabs become spaces (a newline in
    a name must not start a heading, a list or a table row)."""
    return " ".join(_CONTROL.sub("", str(value)).split())


def escape_markdown(value) -> str:
    """Text from data or configuration as literal pandoc Markdown: every character that could start markup, raw
    HTML, a raw typst block, a span attribute, math or a citation is backslash-escaped."""
    s = "".join("\\" + c if c in _MD_SPECIAL else c for c in _one_line(value))
    # pandoc's 'smart' typography would turn quotes into curly ones, '--' into a dash and '...' into an ellipsis
    s = re.sub(r"(['\"])", r"\\\1", s)
    s = re.sub(r"([-.])(?=[-.])", r"\\\1", s)
    s = re.sub(r"^([-+:=|>])", r"\\\1", s)  # would start a list, div, heading, table or quote at a line start
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", s)


def escape_attribute(value) -> str:
    """A value inside a double-quoted pandoc attribute (``{key="..."}``)."""
    # pandoc decodes entities in attribute values: '&lt;' must stay those four characters
    return _one_line(value).replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')


_EVENT_ATTR = re.compile(r"\b(?:on[a-z]+|style|src|href|srcdoc|formaction)\s*=", re.IGNORECASE)
_BAD_SCHEME = re.compile(r"\s*<?\s*(?:javascript|vbscript|data|file)\s*:", re.IGNORECASE)


def safe_markdown(text) -> str:
    """Markdown composed in a notebook (an f-string that may hold data): its formatting (**bold**, lists, facts)
    is kept, but nothing in it can reach the output raw: '<' and '>' are escaped (no raw HTML), '{=' is escaped
    (no raw HTML/typst block), images are not loaded ('![' escaped: figures come from ``figure``), links cannot
    run script, and span attributes cannot carry event handlers, styles or URLs."""
    s = _CONTROL.sub("", str(text))
    out, i, n = [], 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n:  # an escape pair stays as it is: '\\<' must not become '\\' + raw '<'
            out.append(s[i : i + 2])
            i += 2
            continue
        if c in "<>":
            out.append("\\" + c)
        elif c == "!" and s.startswith("[", i + 1):
            out.append("!\\")
        elif c == "{":
            close = s.find("}", i)
            inner = s[i + 1 : close] if close != -1 else ""
            unsafe = inner.lstrip().startswith("=") or _EVENT_ATTR.search(inner)
            out.append("\\{" if unsafe else "{")
        elif c == "]" and s.startswith("(", i + 1) and _BAD_SCHEME.match(s, i + 2):
            out.append("]\\")
        else:
            out.append(c)
        i += 1
    s = "".join(out)
    # reference-style link definitions to a script URL: '[x]: javascript:...'
    return re.sub(r"(?m)^(\s{0,3})\[([^\]\n]*)\]:(?=" + _BAD_SCHEME.pattern + ")", r"\1\\[\2]:", s)


def md(text: str) -> _Bundle:
    """Markdown for the report. Composed text may hold data: it passes ``safe_markdown``; put data values in with
    ``escape_markdown`` (alias ``text``) to show them exactly as they are."""
    return _md_trusted(safe_markdown(text), plain=str(text))


text = escape_markdown  # in a notebook: md(f"Gemeente {text(naam)} ...")


def _md_trusted(markdown: str, plain: str | None = None) -> _Bundle:
    """Markdown built by these helpers from escaped parts (it may hold their raw HTML/typst table blocks)."""
    return _Bundle({"text/markdown": markdown, "text/plain": markdown if plain is None else plain}, {TRUSTED: True})


_NUMERIC_CELL = re.compile(r"^(?:[-−–]?\s?€\s?)?[-−]?[\d.]+(?:,\d+)?(?:\s?(?:%|mln|mld|punt|punten|dagen|jaar))?$")
_INTERVAL_CELL = re.compile(r"^[-−]?€?\s?[\d.,]+%?\s?(?:-|–|tot)\s?[-−]?€?\s?[\d.,]+%?$")


def _is_numeric_column(values) -> bool:
    """A column whose cells are (Dutch formatted) numbers, amounts, percentages or intervals: right-aligned."""
    all_cells = [str(v).strip() for v in values]
    cells = [c for c in all_cells if c not in ("", "–", "-", "<10", "&lt;10")]
    if not cells:  # a column of suppressed counts is still a column of counts
        return any(c in ("<10", "&lt;10") for c in all_cells)
    return all(_NUMERIC_CELL.match(c) or _INTERVAL_CELL.match(c) for c in cells)


def _typst_text(s) -> str:
    """Escape text for a typst content block: markup, code ('#'), math, labels, references, comments ('//', '/*'),
    headings, lists and strings; one line. Quotes too: typst makes a smart quote of ' and ", so 's-Hertogenbosch
    would come out with an opening quote; escaped, it keeps the apostrophe the data have."""
    return "".join("\\" + c if c in '\\#[]*_`$<>@~/=-+"\'' else c for c in _one_line(s))


def _typst_english(escaped: str) -> str:
    """English terms in typst markup get their language (the PDF tags the text run with it)."""
    from analysis.labels import mark_english

    return mark_english(escaped, '#text(lang: "en", region: none)[{}]')


def _typst_table(df: pd.DataFrame, caption: str, source_note: str | None, right: list[bool]) -> str:
    n = len(df.columns)
    align = ", ".join("right" if r else "left" for r in right)
    header = ", ".join(f"[*{_typst_english(_typst_text(c))}*]" for c in df.columns)
    rows = []
    for row in df.itertuples(index=False):
        rows.append(", ".join(f"[{_typst_english(_typst_text(v))}]" for v in row))
    size = "8.5pt" if n >= 6 else "9.5pt"
    note = (
        f'#v(3pt) #align(left, text(size: 8pt, style: "italic")[{_typst_english(_typst_text(source_note))}])'
        if source_note
        else ""
    )
    # Short tables are kept whole with their caption; long ones may continue on the next page with their header
    # repeated (the caption stays with the first rows).
    breakable = "true" if len(df) > 8 else "false"
    return (
        "```{=typst}\n"
        f"#block(breakable: {breakable}, width: 100%)[#set block(breakable: {breakable})\n"
        "#figure(kind: table, caption: figure.caption(position: top)["
        f"{_typst_text(caption)}], [#set text(size: {size}, hyphenate: true)\n"
        f"#table(columns: {n}, align: ({align},), inset: (x: 4pt, y: 3pt), "
        f"table.header(repeat: true, {header}),\n{', '.join(rows)})\n{note}])]\n"
        "```"
    )


def table_id(caption: str) -> str:
    """The HTML id of a table, from its caption: readable, ASCII, and unique in a report as long as captions are.
    great_tables prefixes its column-header ids with it, so two tables no longer share ids ('Jaar', 'title') that
    cells and screen readers point to. Two tables with the same caption get the same id, and the render's
    accessibility check refuses the report: the reader could not tell them apart either."""
    import hashlib
    import unicodedata

    ascii_caption = unicodedata.normalize("NFKD", caption).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_caption.lower()).strip("-")[:40].rstrip("-") or "zonder-titel"
    return f"tabel-{slug}-{hashlib.sha1(caption.encode('utf-8')).hexdigest()[:6]}"


def table(
    df: pd.DataFrame,
    caption: str,
    *,
    source_note: str | None = None,
    sum_columns: list[str] | None = None,
) -> _Bundle:
    """A formatted table: values are already formatted Dutch strings. HTML gets a great_tables table, the PDF a
    typst table with numbers right-aligned and a repeated header.

    ``sum_columns``: columns whose last row ('Totaal...') must equal the sum of the rows above it as printed; the
    consistency checker (``analysis.report.consistency``) verifies that in the rendered report.
    """
    from html import escape

    from great_tables import GT
    from great_tables import html as gt_html

    from analysis.labels import find_english, mark_english_html

    df = df.reset_index(drop=True)
    df.columns = [str(c) for c in df.columns]
    if sum_columns:
        missing = set(sum_columns) - set(df.columns)
        if missing:
            raise KeyError(f"sum_columns {sorted(missing)} not in the table {caption!r}")
        if not str(df.iloc[-1, 0]).startswith("Totaal"):
            raise ValueError(f"table {caption!r} declares sum_columns but its last row is not a 'Totaal' row")
    right = [_is_numeric_column(df[c]) for c in df.columns]
    tid = table_id(caption)
    # 'visible' overflow: a scrolling container is not keyboard-focusable (axe: scrollable-region-focusable).
    # No tab_header/tab_source_note: great_tables writes the title as a data cell in <thead> and the note as a cell
    # in <tfoot> (axe: table-fake-caption, td-has-header); a real <caption> names the table for screen readers.
    gt = GT(df, id=tid).tab_options(
        container_overflow_x="visible",
        container_overflow_y="visible",
        table_width="100%",
        table_font_names=["Segoe UI", "Arial", "Helvetica", "sans-serif"],  # a list: one string is one font name
    )
    num_cols = [c for c, r in zip(df.columns, right) if r]
    if num_cols:
        gt = gt.cols_align(align="right", columns=num_cols)
    # English method names in headers and cells carry lang="en" (language of parts), as in the text
    english_labels = {c: gt_html(mark_english_html(escape(c))) for c in df.columns if find_english(c)}
    if english_labels:
        gt = gt.cols_label(**english_labels)
    english_cols = [c for c in df.columns if df[c].astype(str).map(find_english).map(bool).any()]
    if english_cols:
        gt = gt.fmt(lambda v: mark_english_html(escape(str(v))), columns=english_cols)
    inner, n = re.subn(
        r'(<table class="gt_table"[^>]*>)',
        lambda m: f'{m.group(1)}\n<caption id="{tid}-title" class="gt_caption">{escape(caption)}</caption>',
        gt.as_raw_html(),
        count=1,
    )
    if n != 1:
        raise RuntimeError("great_tables wrote no <table class='gt_table'>: cannot add the caption")
    if source_note:
        note = mark_english_html(escape(source_note))
        inner = inner.replace("</table>", f'</table>\n<p class="gt_sourcenote">{note}</p>', 1)
    attrs = f'class="report-table" data-caption="{escape(caption)}"'
    if sum_columns:
        attrs += f' data-sum-columns="{escape("|".join(sum_columns))}"'
    html = f"<div {attrs}>\n{inner}\n</div>"
    markdown = f"```{{=html}}\n{html}\n```\n\n{_typst_table(df, caption, source_note, right)}\n"
    return _md_trusted(markdown, plain=df.to_string())


STATUSES = ("echt", "synthetisch", "illustratief")
"""What a number is: ``echt`` (from a source: a council letter, CBS, the registration), ``synthetisch`` (made by the
synthetic-data generator to show how the analysis works) or ``illustratief`` (an assumed value, e.g. a tariff
component without a source). A summary sentence with a synthetic or illustrative number says so in words."""


def fact(key: str, text: str, *, table: str | None = None, status: str = "echt") -> str:
    """A number in prose, marked so the consistency checker can find it: the same ``key`` must never be printed
    with two values, and when ``table`` (a table caption) is given the same text must appear in that table.
    ``status`` (one of ``STATUSES``) is written on the span (``data-status``): the checker refuses a summary
    sentence that states a synthetic or illustrative number without saying so, or presents it as advice."""
    if status not in STATUSES:
        raise ValueError(f"fact {key!r}: status must be one of {', '.join(STATUSES)}, not {status!r}")
    attrs = f'.fact fact="{escape_attribute(key)}"' + (f' tabel="{escape_attribute(table)}"' if table else "")
    attrs += f' status="{status}"'
    # '€ 336.000' stays on one line (a no-break space; the checker reads it as a space)
    shown = escape_markdown(str(text).replace("€ ", "€\u00a0"))
    return f"[{shown}]{{{attrs}}}"


NEUTRAL_PROPOSAL = "ter kennisname"
DECISION_HEADING = "Wat vraagt dit van de raad"
_STATUS_CELL = {"echt": "echt", "synthetisch": "synthetisch (voorbeeld)", "illustratief": "illustratief"}


@dataclass(frozen=True)
class Option:
    """One choice before the council, as a row of the decision table.

    ``cost``: what the option costs in the next year, formatted ('€ 126.000', '€ 0'); ``status``: whether that
    amount is real (a budget or source figure), synthetic or illustrative (``STATUSES``); ``basis``: where the
    amount comes from, in a few words ('begroting 2023, collegebrief 15 september 2021'); ``risks``: plain Dutch."""

    name: str
    cost: str
    status: str
    risks: str
    basis: str = ""

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"option {self.name!r}: status must be one of {', '.join(STATUSES)}, not {self.status!r}")
        if not str(self.name).strip() or not str(self.risks).strip():
            raise ValueError("an option needs a name and its risks")


def decision_section(
    options: list[Option],
    proposal: str = NEUTRAL_PROPOSAL,
    *,
    year: int,
    intro: str = "",
    level: int = 2,
) -> _Bundle:
    """'Wat vraagt dit van de raad': the decision a report supports, to end its summary. The options with what each
    costs in ``year`` (real or labelled synthetic/illustrative) and their risks as a table, and the college's
    proposal; ``proposal`` is a report parameter whose neutral default ('ter kennisname') says the college proposes
    no decision. ``intro``: one or two sentences of context (optional)."""
    if not options:
        raise ValueError("decision_section needs at least one option")
    proposal = " ".join(str(proposal or "").split())
    if not proposal or proposal.lower() == NEUTRAL_PROPOSAL:
        ask = (
            "Het college legt dit rapport **ter kennisname** aan de raad voor en doet geen voorstel voor een besluit. "
            "Wil de raad wel besluiten, dan zijn dit de mogelijkheden."
        )
    else:
        shown = escape_markdown(proposal.rstrip("."))
        ask = f"Het college stelt de raad voor: **{shown}**. De mogelijkheden waaruit de raad kiest:"
    statuses = {o.status for o in options}
    note = ["Kosten: wat de mogelijkheid in " + str(year) + " kost."]
    if statuses - {"echt"}:
        note.append(
            "Bedragen met de status synthetisch of illustratief zijn voorbeelden die laten zien hoe de afweging "
            "werkt, geen bedragen om te begroten."
        )
    df = pd.DataFrame(
        {
            "Mogelijkheid": [o.name for o in options],
            f"Kosten {year}": [o.cost for o in options],
            "Status van het bedrag": [
                _STATUS_CELL[o.status] + (f": {o.basis}" if o.basis else "") for o in options
            ],
            "Risico's": [o.risks for o in options],
        }
    )
    head = "#" * level
    parts = [f"{head} {DECISION_HEADING}", ""]
    if intro.strip():
        parts += [intro.strip(), ""]
    parts += [ask, ""]
    # the text parts pass safe_markdown (they may hold data); the table block is built (and escaped) by table()
    tab = table(df, f"Mogelijkheden voor de raad en kosten in {year}", source_note=" ".join(note))
    return _md_trusted(safe_markdown("\n".join(parts)) + "\n" + tab.data["text/markdown"])


def figure(fig, alt: str, caption: str) -> _Bundle:
    """A matplotlib figure as PNG, with alt text (screen readers) and a caption. Alt text is required: the PDF is
    PDF/UA-1 and the HTML WCAG 2.1 AA, and both need a text alternative that says what the figure shows."""
    import matplotlib.pyplot as plt

    if not str(alt or "").strip():
        plt.close(fig)
        raise ValueError(f"figure {caption!r} has no alt text: say what the figure shows (alt=...)")

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    plt.close(fig)
    b64 = base64.b64encode(buf.getvalue()).decode()
    return _Bundle(
        {"image/png": b64, FIG_MIME: {"alt": alt, "caption": caption}, "text/plain": alt}, {"image/png": {"alt": alt}}
    )


# Tables already read and validated in this process, keyed by path, name and the file's SHA-256: a warm kernel of
# a national batch reads the same CBS tables for every gemeente, and checking them again took 0,2 s a report. The
# key is the content, so a changed file is read and checked again; a report gets its own copy.
_CHECKED: dict[tuple[str, str, str], pd.DataFrame] = {}
_CHECKED_MAX = 16

_SEEDS = {
    "seed 000": "préadvies initiatiefvoorstel De Gezinsverzorger (januari 2021)",
    "seed 001": "collegebrief pilot gezinsverzorger (15 september 2021)",
    "seed 002": "préadvies initiatiefvoorstel inkoop jeugdhulp (2 december 2020)",
    "seed 003": "collegebrief toekomst huishoudelijke hulp (2021)",
    "seed 004": "collegebrief sociaal domein (2017)",
}


def plain_source(source: str) -> str:
    """An assumption's source as a reader cites it: council letters by name, no repository file paths."""
    s = source
    for code, name in _SEEDS.items():
        s = s.replace(code, name)
    s = re.sub(r"(?:shared/data/|data/raw/)?reference/[\w_]+\.csv", "gepubliceerde referentiecijfers", s)
    s = re.sub(r"(?:data/raw/)?geography/[\w_]+\.csv", "overzicht gemeentelijke herindelingen", s)
    s = s.replace("data/raw/sources.toml", "herkomstregistratie").replace("shared/data/README.md", "databeschrijving")
    s = s.replace("geen bron in shared/data", "geen gepubliceerde bron gevonden")
    s = s.replace("CBS panel", "CBS-panel").replace("aanname;", "aanname:")
    return s


@dataclass
class ReportContext:
    """Tracks what a report read and relies on. One per notebook run."""

    report: str
    audience: str = "openbaar"
    title: str = ""
    inputs: dict[str, dict] = field(default_factory=dict)
    assumption_ids: set[str] = field(default_factory=set)
    processed_dir: Path | None = None
    peildatum: str = ""  # what the data describe ('1 november 2022'), shown on the title page beside the report date

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

        path = base / f"{name}.parquet"
        digest = sha256_file(path) if path.is_file() else ""
        key = (str(path.resolve()), name, digest)
        if digest and key in _CHECKED:  # the same bytes were read and validated before in this process
            df = _CHECKED[key].copy(deep=True)
        else:
            df = load_processed(name, base)
            if name in PROCESSED:  # the processed -> report boundary: a report never reads an unchecked table
                df = validate(df, PROCESSED[name], str(path), line_offset=0)
            if digest:
                _CHECKED[key] = df.copy(deep=True)
                while len(_CHECKED) > _CHECKED_MAX:
                    _CHECKED.pop(next(iter(_CHECKED)))
        meta = read_dataset_meta(path)
        meta_path = path.with_suffix(".meta.json")
        self.inputs[name] = {
            "path": str(path),
            "sha256": digest or sha256_file(path),
            # the metadata (description, citation, synthetic flag) is printed in the report too
            "meta_sha256": sha256_file(meta_path) if meta_path.exists() else "",
            "synthetic": meta.get("synthetic", False),
            "source": meta.get("source", ""),
            "citation": meta.get("citation", ""),
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
            "peildatum": self.peildatum,
            "synthetic": self.synthetic,
            "inputs": self.inputs,
            "assumptions": sorted(self.assumption_ids),
        }
        return _Bundle({META_MIME: payload, "text/plain": f"report metadata ({self.report})"})

    def assumptions_section(self, *, only_cited: bool = False) -> _Bundle:
        """The assumptions table and texts: those the report cites (``uses``) and those behind its inputs, plus,
        unless ``only_cited``, every assumption the log lists for this report (``used_by``). A report that leaves
        sections out (hh-raad for a gemeente without a loaded registration) passes ``only_cited=True``."""
        from analysis.assumptions import load_assumptions

        log = load_assumptions()
        ids = set(self.assumption_ids) | (set() if only_cited else {a.id for a in log.for_analysis(self.report)})
        # the sources section cites the assumptions behind each (synthetic) input: the reader must find them here
        known = {a.id for a in log.entries}
        for m in self.inputs.values():
            cited = re.findall(r"\b[A-Z]\d{2}\b", f"{m.get('source', '')} {m.get('citation', '')}")
            ids.update(i for i in cited if i in known)
        rows = [log[i] for i in sorted(ids)]
        lines = [
            "Dit rapport rust op de volgende aannames uit het aannamelogboek. "
            "Kwaliteit en impact zijn beoordeeld als groen (goed / klein), oranje of rood (zwak / groot).\n"
        ]
        df = pd.DataFrame([{"Id": a.id, "Aanname": a.title, "Kwaliteit": a.quality, "Impact": a.impact} for a in rows])
        lines.append(table(df, "Aannames en kanttekeningen").data["text/markdown"])
        lines.append("")
        e = escape_markdown
        for a in rows:
            lines.append(f"- **{e(a.id)} {e(a.title)}.** {e(a.description)} *Bron: {e(plain_source(a.source))}.*")
        return _md_trusted("\n".join(lines))

    def sources_section(self) -> _Bundle:
        """The sources as a council reader cites them: publisher and table ids, not file names or hashes."""
        lines = ["De cijfers in dit rapport komen uit de volgende bronnen:\n"]
        seen = set()
        for m in self.inputs.values():
            key = (m["description"], m.get("citation", ""))
            if key in seen:
                continue
            seen.add(key)
            # the description of a synthetic table often says so already: '(synthetisch) (synthetisch)' reads as a slip
            label = " (**synthetisch**)" if m["synthetic"] and "synthetisch" not in m["description"].lower() else ""
            cite = escape_markdown(m.get("citation") or "zie Verantwoording")
            lines.append(f"- {escape_markdown(m['description'])}{label}. Bron: {cite}.")
        return _md_trusted("\n".join(lines))

    def glossary_section(self, terms) -> _Bundle:
        from analysis.labels import glossary

        return _md_trusted("\n".join(f"- **{escape_markdown(t)}**: {escape_markdown(d)}" for t, d in glossary(terms)))

    def accountability_section(self, parameters: dict) -> _Bundle:
        """Verantwoording: the files read (with sha256), the parameters and the code version, for reproduction."""
        from analysis import __version__

        rows = [
            {
                "Bestand": Path(m["path"]).name
                if not name.startswith("synthetic/")
                else f"synthetic/{Path(m['path']).name}",
                "SHA-256 (begin)": m["sha256"][:16],
                "Synthetisch": "ja" if m["synthetic"] else "nee",
            }
            for name, m in self.inputs.items()
        ]
        params = ", ".join(
            f"{escape_markdown(k)} = {escape_markdown(v)}" for k, v in parameters.items() if k not in ("processed_dir",)
        )
        text = (
            "Dit rapport is gemaakt met het Python-pakket *analysis* (versie "
            f"{__version__}) uit een notebook dat met papermill is uitgevoerd. Parameters: {params}. "
            "Met dezelfde bestanden, parameters en versie geeft het dezelfde cijfers. De herkomst van elk "
            "bronbestand staat in `data/raw/sources.toml`; de aannames in `data/assumptions.toml`."
        )
        return _md_trusted(text + "\n\n" + table(pd.DataFrame(rows), "Gelezen bestanden").data["text/markdown"])
