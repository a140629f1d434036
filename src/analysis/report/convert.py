"""Executed notebook -> pandoc Markdown (code hidden, outputs shown) -> self-contained HTML and typst PDF.

The same front matter drives both formats, and the Quarto path gets the same metadata file, so reports look alike
whichever engine is installed. Both formats are written for publication: the HTML through our template (skip link,
landmarks, one <main>), the PDF as PDF/A-2a + PDF/UA-1 (``accessibility.PDF_STANDARDS``), which typst refuses to
write when the document violates them. A figure without alt text stops the conversion (``ConversionError``).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import shutil
import subprocess
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import nbformat

from analysis.data.registration import REGISTRATION_GEMEENTE, REGISTRATION_GEMEENTE_NAAM
from analysis.labels import ENGLISH_TERMS
from analysis.report.accessibility import PDF_STANDARDS, PDF_STANDARDS_LABEL, explain_typst_error
from analysis.report.notebook import (
    FIG_MIME,
    META_MIME,
    TRUSTED,
    escape_attribute,
    escape_markdown,
    safe_markdown,
)


class ConversionError(RuntimeError):
    """The executed notebook cannot become a publishable document; the message names the element."""


@dataclass(frozen=True)
class Converted:
    markdown: str
    meta: dict


def notebook_to_markdown(nb_path: str | Path, media_dir: str | Path) -> Converted:
    nb = nbformat.read(str(nb_path), as_version=4)
    media_dir = Path(media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    parts: list[str] = []
    meta: dict = {}
    n_fig = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
            continue
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") not in ("display_data", "execute_result"):
                continue  # streams (logs, warnings) are not part of a report
            data = out.get("data", {})
            trusted = bool(out.get("metadata", {}).get(TRUSTED))
            if META_MIME in data:
                meta = data[META_MIME]
            elif "image/png" in data:
                n_fig += 1
                info = data.get(FIG_MIME, {})
                alt = " ".join(str(info.get("alt", "")).split())
                if not alt:  # a rule, not a fallback: 'Figuur' tells a screen-reader user nothing
                    raise ConversionError(
                        f"figure {n_fig} (code cell {cell.get('execution_count') or '?'}) has no alt text: show "
                        "figures with analysis.report.notebook.figure(fig, alt=..., caption=...)"
                    )
                f = media_dir / f"figuur-{n_fig}.png"
                f.write_bytes(base64.b64decode(data["image/png"]))
                rel = f.relative_to(media_dir.parent).as_posix()  # relative: typst resolves against its root
                caption = escape_markdown(info.get("caption", ""))
                parts.append(f'![{caption}]({rel}){{alt="{escape_attribute(alt)}"}}')
            elif "text/markdown" in data:
                # our helpers' output is built from escaped parts; any other object's Markdown is sanitised
                parts.append(data["text/markdown"] if trusted else safe_markdown(data["text/markdown"]))
            elif "text/html" in data:
                parts.append("```{=html}\n" + _checked_html(data["text/html"], cell) + "\n```")
    return Converted("\n\n".join(parts) + "\n", meta)


_ACTIVE_HTML = re.compile(
    r"<\s*/?\s*(?:script|iframe|object|embed|link|meta|base|form|svg|math)\b|\son[a-z]+\s*=|javascript:"
    r"|(?:src|href|action|poster|srcset)\s*=\s*[\"']?\s*(?:https?:)?//",
    re.IGNORECASE,
)


def _checked_html(html: str, cell) -> str:
    """HTML a cell displayed (a DataFrame, a result object): passed on only when it holds no script, event handler
    or external resource; otherwise the report stops, naming the cell, rather than publishing it."""
    m = _ACTIVE_HTML.search(html)
    if m:
        raise ConversionError(
            f"code cell {cell.get('execution_count') or '?'} displays HTML with {m.group(0).strip()!r} (script, event "
            "handler or external resource); show tables with analysis.report.notebook.table"
        )
    return html


CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'"
)
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}" />'  # as in templates/report.html5


def html_security_problems(html: str) -> list[str]:
    """What would let a published HTML page run script or fetch anything: the render refuses such a page. Tags and
    attributes are read as a browser reads them (text that merely shows '<img src=...>' is text)."""
    from html import unescape
    from html.parser import HTMLParser

    problems: list[str] = []
    policies = [unescape(m) for m in re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', html)]
    if CSP not in policies:
        problems.append("no Content-Security-Policy meta tag forbidding scripts and external requests")

    class Active(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("script", "iframe", "object", "embed", "base", "form", "frame"):
                problems.append(f"<{tag}> element")
            for k, v in attrs:
                v = (v or "").strip().lower()
                if k.startswith("on"):
                    problems.append(f"event handler {k}= on <{tag}>")
                elif v.startswith(("javascript:", "vbscript:")):
                    problems.append(f"script URL in {k}= on <{tag}>")
                elif k in ("src", "srcset", "poster", "data", "action", "background") and v.startswith(
                    ("http:", "https:", "//", "file:")
                ):
                    problems.append(f"external resource {k}={v[:60]} on <{tag}>")

    Active(convert_charrefs=True).feed(html)
    return problems


# The gemeente whose raadsbrief the reports are an appendix to (its registration is the one loaded).
RAADSBRIEF_GEMEENTE = (REGISTRATION_GEMEENTE, REGISTRATION_GEMEENTE_NAAM)


def subtitle_for(gemeente: str | None) -> str | None:
    """'Bijlage bij raadsbrief gemeente Groningen' only on a report for Groningen (or one not about a single
    gemeente): a report for Utrecht is no appendix to a Groningen council letter, and gets no such line."""
    if gemeente in (None, "", RAADSBRIEF_GEMEENTE[0]):
        return f"Bijlage bij raadsbrief gemeente {RAADSBRIEF_GEMEENTE[1]}"
    return None


def _typst_string(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def front_matter(
    title: str,
    meta: dict,
    *,
    version: str,
    when: dt.date,
    audience: str,
    gemeente: str | None = None,
    gemeente_naam: str = "",
) -> dict:
    """Front matter for pandoc and Quarto. Every text is Markdown to pandoc, so titles and dates (from reports.toml
    and the notebook's data) are escaped: a title can format nothing and run nothing. ``gemeente``/``gemeente_naam``:
    the gemeente a per-gemeente report is for; it then names the gemeente in the page header and gets the
    raadsbrief subtitle only when it is the raadsbrief's gemeente."""
    from analysis.formatting import date

    title = escape_markdown(title)
    peildatum = escape_markdown(meta["peildatum"]) if meta.get("peildatum") else ""
    # an intern report is not sent to the council: it is no appendix to a council letter
    subtitle = (
        f"Interne rapportage gemeente {RAADSBRIEF_GEMEENTE[1]}, niet openbaar"
        if audience == "intern"
        else subtitle_for(gemeente)
    )
    # text language first: the page header is laid out before pandoc's template sets the document language
    typst = ['#set text(lang: "nl", region: "NL")', '#set page(numbering: "1 / 1"']
    # long tables must be able to continue on the next page (pandoc wraps captioned tables in a figure)
    tail = [
        "#show figure.where(kind: table): set block(breakable: true)",
        "#show figure.where(kind: image): set block(breakable: false)",  # a figure stays with its caption
        # a table's caption (above it) goes to the next page with the table's first rows, not alone at a page foot
        "#show figure.caption.where(kind: table): it => block(sticky: true, it)",
        "#set table(stroke: (x: none, y: 0.4pt + luma(60%)))",
        "#show table: set par(justify: false)",
    ]
    right = ""
    if audience == "intern":
        right = 'text(fill: rgb("#a00000"), weight: "bold")[VERTROUWELIJK, niet openbaar]'
    elif meta.get("synthetic"):
        right = 'text(fill: rgb("#8a4b00"))[synthetische gegevens]'
    if gemeente_naam:  # the gemeente on every page: a printed page of Utrecht's report says it is Utrecht's
        left = f"text(size: 8pt, {_typst_string('Gemeente ' + gemeente_naam)})"
        typst[1] += f", header: [#{left} #h(1fr) {'#' + right if right else ''}]"
    elif right:
        typst[1] += f", header: align(right, {right})"
    typst[1] += ")"
    typst += tail
    fm = {
        "title": title,
        "subtitle": subtitle,
        "gemeente": gemeente_naam or None,
        "lang": "nl",
        "date": f"Rapportdatum {date(when)}"
        + (f" · peildatum gegevens: {peildatum}" if peildatum else "")
        + f" · versie {version}",
        "toc-title": "Inhoudsopgave",
        "papersize": "a4",
        "margin": {"x": "2.2cm", "y": "2.4cm"},
        "pagetitle": title,
        "typst-header": "\n".join(typst),
        "english-terms": list(ENGLISH_TERMS),  # marked lang="en" by templates/lang-en.lua
    }
    return {k: v for k, v in fm.items() if v is not None}


def banner(meta: dict, audience: str) -> str:
    out = []
    if audience == "intern":
        out.append(
            "::: {.banner .vertrouwelijk}\n**Vertrouwelijk.** Dit rapport bevat gegevens per gezin of cliënt "
            "en is alleen bedoeld voor intern gebruik. Niet verspreiden.\n:::"
        )
    if meta.get("synthetic"):
        out.append(
            "::: {.banner}\n**Synthetische gegevens.** Dit rapport is gemaakt met *synthetische* "
            "(kunstmatig gegenereerde) microdata die zijn afgestemd op openbare cijfers. De uitkomsten laten "
            "zien hoe de analyse werkt; het zijn geen feiten over echte inwoners.\n:::"
        )
    return "\n\n".join(out)


def _resource(name: str) -> Path:
    return Path(str(resources.files("analysis.report") / name))


def write_markdown(conv: Converted, fm: dict, audience: str, path: Path) -> Path:
    import yaml  # PyYAML comes with papermill

    body = banner(conv.meta, audience) + "\n\n" + conv.markdown
    fm = {k: v for k, v in fm.items() if k != "typst-header"}
    path.write_text(
        "---\n" + yaml.safe_dump(fm, allow_unicode=True, sort_keys=False) + "---\n\n" + body, encoding="utf-8"
    )
    return path


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def _pandoc(md_path: Path, out: Path, *extra: str) -> None:
    """Our Markdown (citations off: '@050746f' in a source is a commit, not a reference) with the shared options."""
    subprocess.run(
        [pandoc_path(), str(md_path), "-f", "markdown-citations", "-s", "--toc", "--toc-depth=2",
         *extra, "-o", str(out)],
        check=True, capture_output=True, text=True, cwd=md_path.parent,
    )  # fmt: skip


_MEDIA_LINK = re.compile(r"\]\((media/[\w.-]+\.png)\)")


def _inline_media(md_text: str, folder: Path) -> str:
    """The Markdown with each figure (``](media/figuur-1.png)``) as a data: URI. Only files in ``folder/media`` are
    read; any other image reference stays as it is, and the page's security check refuses it."""
    media = (folder / "media").resolve()

    def data_uri(m: re.Match) -> str:
        f = (folder / m.group(1)).resolve()
        if f.parent != media or not f.is_file():
            return m.group(0)
        return f"](data:image/png;base64,{base64.b64encode(f.read_bytes()).decode()})"

    return _MEDIA_LINK.sub(data_uri, md_text)


def to_html(md_path: Path, out: Path) -> None:
    """One self-contained HTML page. The figures (data: URIs) and the stylesheet (a <style> element) are put in by
    us, not by pandoc's --embed-resources, which parses the finished page again to fetch them: that took 0,44 s of
    a 0,7 s conversion, a minute in a national batch. The page is the same."""
    css = _resource("templates/style.css").read_text(encoding="utf-8")
    style = md_path.with_name("style-inline.html")
    style.write_text(f"<style>\n{css}\n</style>\n", encoding="utf-8")
    page_md = md_path.with_name(f"{md_path.stem}.html.md")
    page_md.write_text(_inline_media(md_path.read_text(encoding="utf-8"), md_path.parent), encoding="utf-8")
    _pandoc(
        # document-css off: our stylesheet replaces pandoc's default one (as --css did)
        page_md, out, "--template", str(_resource("templates/report.html5")), "-H", str(style),
        "-M", "document-css=false",
        "--wrap=none",  # a tag is not broken over lines (as --embed-resources wrote it): searchable, as before
        "--lua-filter", str(_resource("templates/lang-en.lua")),
    )  # fmt: skip


def to_pdf(md_path: Path, out: Path, typst_header: str = "") -> None:
    """typst PDF written as PDF/A-2a + PDF/UA-1. Not an option: a council appendix is archived and must be
    accessible; a violation is a ConversionError naming the element, never a PDF without the claim."""
    import typst

    typ = md_path.with_suffix(".typ")
    header = md_path.with_name("header.typ")
    header.write_text(typst_header + "\n", encoding="utf-8")
    _pandoc(
        # region NL: without it pandoc's typst template says "US" and the body text is tagged nl-US
        md_path, typ, "-t", "typst", "-H", str(header), "-V", "region=NL",
        "--lua-filter", str(_resource("templates/lang-en.lua")),
        "--lua-filter", str(_resource("templates/typst-alt.lua")),
    )  # fmt: skip
    try:
        typst.compile(str(typ), output=str(out), root=str(md_path.parent), pdf_standards=list(PDF_STANDARDS))
    except typst.TypstError as exc:
        raise ConversionError(f"typst refused to write {PDF_STANDARDS_LABEL}: {explain_typst_error(exc)}") from None


# Quarto HTML options (quarto.org/docs/reference/formats/html) that leave out every script Quarto adds: no Bootstrap
# theme (quarto.js, popper), no anchors (anchor.js), no copy button (clipboard.js), no tabsets (tabby), no hover
# previews (tippy), no code tools, no smooth scrolling (zenscroll), no external-link decoration, and math as plain
# HTML (MathJax/KaTeX would load a script); pandoc's writer does the same by default.
QUARTO_SCRIPT_FREE_HTML = {
    "minimal": True,
    "theme": "none",
    "anchor-sections": False,
    "code-copy": False,
    "code-tools": False,
    "code-annotations": False,
    "tabsets": False,
    "citations-hover": False,
    "footnotes-hover": False,
    "crossrefs-hover": False,
    "smooth-scroll": False,
    "link-external-icon": False,
    "link-external-newwindow": False,
    "html-math-method": "plain",
}


def quarto_available() -> str | None:
    return shutil.which("quarto")


def quarto_render(quarto: str, executed: Path, fm: dict, fmt: str, out: Path) -> None:
    """Render the executed notebook with Quarto without executing it again, using the same front matter."""
    import yaml

    meta_file = executed.with_name("_metadata.yml")
    meta = {k: v for k, v in fm.items() if k != "typst-header"}
    meta = dict(
        meta, css=str(_resource("templates/style.css")), **{"embed-resources": True, "toc": True, "echo": False}
    )
    meta["filters"] = [str(_resource("templates/lang-en.lua"))]  # English terms marked as with pandoc
    if fmt == "pdf":
        header = executed.with_name("header.typ")
        header.write_text(fm.get("typst-header", "") + "\n", encoding="utf-8")
        meta["include-in-header"] = str(header)
        # Quarto >= 1.9 passes this to typst; the render checks the PDF either way (accessibility.pdf_problems)
        meta["pdf-standard"] = list(PDF_STANDARDS)
    else:
        # A published page runs no script (html_security_problems; the render checks every engine's page). Quarto's
        # default HTML is Bootstrap with quarto.js, popper, anchor.js and clipboard.js, which embed-resources inlines
        # rather than drops. `minimal` (theme none: no Bootstrap) with every script feature off leaves pandoc's page,
        # without script but also without <main>: the policy goes into the header, the skip link and <main> come
        # from the includes. The render refuses the page if a Quarto version still adds a script.
        meta.update(QUARTO_SCRIPT_FREE_HTML)
        parts = {
            "include-in-header": ("csp.html", CSP_META),
            "include-before-body": (
                "before-body.html",
                '<a class="skip-link" href="#inhoud">Direct naar de inhoud</a>\n<main id="inhoud" tabindex="-1">',
            ),
            "include-after-body": ("after-body.html", "</main>"),
        }
        for key, (name, text) in parts.items():
            f = executed.with_name(name)
            f.write_text(text + "\n", encoding="utf-8")
            meta[key] = str(f)
    meta_file.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    target = {"html": "html", "pdf": "typst"}[fmt]
    subprocess.run(
        [
            quarto,
            "render",
            str(executed),
            "--to",
            target,
            "--no-execute",
            "--metadata-file",
            str(meta_file),
            "--output",
            out.name,
            "--output-dir",
            str(out.parent),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    if not out.exists():
        raise RuntimeError(f"quarto did not write {out}")
