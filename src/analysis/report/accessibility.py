"""Publication rules for a rendered report: accessible HTML (WCAG 2.1 AA via EN 301 549, as Digitoegankelijk checks
it) and durable, accessible PDF (PDF/A-2a + PDF/UA-1).

These are rules, not options: ``analysis.report.render`` runs both checks on every HTML and PDF it is about to
publish, whatever engine made them, and a problem is a failed render that names the element. The tests run axe-core
(all WCAG 2.0/2.1/2.2 A/AA rules plus best practices) and a keyboard walk in headless Chromium on top of this; the
checks here are the part that needs no browser, so the nightly job can apply them too.

- ``html_problems(html)``: one ``<main>``, content inside landmarks (header, nav, main, footer), a skip link as the
  first focusable element pointing at ``<main>``, unique ids and no reference (``aria-labelledby``, ``headers``,
  ``href="#…"``) to a missing id, ``lang="nl…"`` on the document and ``lang="en"`` on known English terms, alt text
  on every image, ``scope`` on every table header.
- ``pdf_problems(path)``: the PDF/A-2a and PDF/UA-1 identification in the XMP metadata, a structure tree, the
  document language, a title that viewers show, and alt text on every figure in the structure tree.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

# English method names (analysis.labels.ENGLISH_TERMS) must carry lang="en" (WCAG 3.1.2, language of parts)
from analysis.labels import ENGLISH_TERMS, find_english  # noqa: F401  (ENGLISH_TERMS re-exported for readers)

# typst's names for the standards every PDF is written to; typst refuses to write a file that violates them
PDF_STANDARDS = ("a-2a", "ua-1")
PDF_STANDARDS_LABEL = "PDF/A-2a + PDF/UA-1"


_LANDMARKS = {"header", "nav", "main", "footer", "aside"}
_LANDMARK_ROLES = {"banner", "navigation", "main", "contentinfo", "complementary", "region", "doc-toc", "search"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_FOCUSABLE = {"a", "button", "input", "select", "textarea", "summary"}


def _short(tag: str, attrs: dict) -> str:
    keep = " ".join(f'{k}="{v}"' for k, v in attrs.items() if k in ("id", "class", "href", "src") and v)[:90]
    return f"<{tag}{' ' + keep if keep else ''}>"


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.ids: Counter[str] = Counter()
        self.refs: list[tuple[str, str, str]] = []  # (attribute, id, element)
        self.html_lang = None
        self.mains: list[str | None] = []  # their ids
        self.first_focusable: tuple[str, dict] | None = None
        self.stack: list[tuple[str, bool, str | None]] = []  # tag, is landmark, lang
        self.in_body = False
        self.skip = 0  # inside <style>/<script>/<head>
        self.text_outside: list[str] = []

    def _in_landmark(self) -> bool:
        return any(is_lm for _, is_lm, _ in self.stack)

    def _lang(self) -> str:
        for _, _, lang in reversed(self.stack):
            if lang:
                return lang
        return self.html_lang or ""

    def handle_starttag(self, tag, attrs_list):
        a = {k: (v or "") for k, v in attrs_list}
        if tag == "html":
            self.html_lang = a.get("lang", "")
        if tag in ("style", "script", "head", "template"):
            self.skip += 1
        if tag == "body":
            self.in_body = True
        if "id" in a:
            self.ids[a["id"]] += 1
        for attr in ("aria-labelledby", "aria-describedby", "headers"):
            for ref in a.get(attr, "").split():
                self.refs.append((attr, ref, _short(tag, a)))
        if tag == "a" and a.get("href", "").startswith("#") and len(a["href"]) > 1:
            self.refs.append(("href", a["href"][1:], _short(tag, a)))
        if tag == "main" or a.get("role") == "main":
            self.mains.append(a.get("id"))
        if tag == "img" and not a.get("alt", "").strip() and a.get("role") not in ("presentation", "none"):
            self.problems.append(f"image without alt text: {_short(tag, a)}")
        if tag == "th" and not a.get("scope"):
            self.problems.append(f"table header without scope: {_short(tag, a)}")
        focusable = (tag == "a" and "href" in a) or (tag in _FOCUSABLE - {"a"}) or a.get("tabindex", "-1") != "-1"
        if self.in_body and not self.skip and focusable and self.first_focusable is None:
            self.first_focusable = (tag, a)
        if tag not in _VOID:
            # the skip link sits before the landmarks, as it should (axe's 'region' rule exempts it too)
            skip_link = tag == "a" and "skip-link" in a.get("class", "").split()
            is_lm = tag in _LANDMARKS or a.get("role") in _LANDMARK_ROLES or skip_link
            self.stack.append((tag, is_lm, a.get("lang") or None))

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head", "template"):
            self.skip = max(0, self.skip - 1)
        if tag in _VOID:
            return
        # tolerate unclosed elements (<p>, <li>): pop up to the matching tag
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.skip or not self.in_body or not data.strip():
            return
        if not self._in_landmark():
            self.text_outside.append(data.strip()[:60])
        if not self._lang().lower().startswith("en"):
            for term in find_english(data):
                self.problems.append(f'English term {term!r} not marked lang="en": …{" ".join(data.split())[:80]}…')


def html_problems(html: str) -> list[str]:
    """Everything in a rendered HTML report that breaks the publication rules; [] when it meets them."""
    s = _Scan()
    s.feed(html)
    s.close()
    out = list(s.problems)
    if not (s.html_lang or "").lower().startswith("nl"):
        out.append(f'document language is {s.html_lang!r}, expected lang="nl" on <html>')
    dup = {k: n for k, n in s.ids.items() if n > 1}
    for k, n in sorted(dup.items()):
        out.append(f"id {k!r} occurs {n} times (ids must be unique in the document)")
    for attr, ref, el in s.refs:
        if ref not in s.ids:
            out.append(f"{attr} points to missing id {ref!r}: {el}")
    if len(s.mains) != 1:
        out.append(f"the document has {len(s.mains)} <main> landmarks, expected exactly one")
    if s.first_focusable is None:
        out.append("no skip link: the document has no focusable element")
    else:
        tag, a = s.first_focusable
        target = a.get("href", "")[1:] if a.get("href", "").startswith("#") else None
        if tag != "a" or target is None or (s.mains and target != s.mains[0]):
            out.append(
                f"the first focusable element is {_short(tag, a)}, expected a skip link to the <main> landmark "
                f'(href="#{s.mains[0] if s.mains else "inhoud"}")'
            )
    if s.text_outside:
        out.append(f"{len(s.text_outside)} pieces of text outside any landmark, first: {s.text_outside[0]!r}")
    return out


# ------------------------------------------------------------------------------------------------------ PDF

_NS_PDFAID = "http://www.aiim.org/pdfa/ns/id/"
_NS_PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
_NS_DC = "http://purl.org/dc/elements/1.1/"


def pdf_problems(path: str | Path, *, lang: str = "nl") -> list[str]:
    """Check a PDF's claim to PDF/A-2a and PDF/UA-1 and the accessibility basics a reader depends on.

    The identification is read from the XMP metadata (ISO 19005-2 §6.6.4, ISO 14289-1 §5); typst checks the content
    rules when it writes the file, this confirms the file that will be published says and has what it should."""
    import pikepdf

    out: list[str] = []
    try:
        pdf = pikepdf.open(str(path))
    except pikepdf.PdfError as exc:
        return [f"{Path(path).name} is not a readable PDF: {exc}"]
    with pdf:
        meta = pdf.open_metadata()
        part, conf = str(meta.get(f"{{{_NS_PDFAID}}}part", "")), str(meta.get(f"{{{_NS_PDFAID}}}conformance", ""))
        if (part, conf.upper()) != ("2", "A"):
            out.append(f"XMP metadata does not identify PDF/A-2a (pdfaid:part={part!r}, conformance={conf!r})")
        ua = str(meta.get(f"{{{_NS_PDFUAID}}}part", ""))
        if ua != "1":
            out.append(f"XMP metadata does not identify PDF/UA-1 (pdfuaid:part={ua!r})")
        root = pdf.Root
        if "/StructTreeRoot" not in root:
            out.append("no structure tree (the PDF is not tagged)")
        mark = root.get("/MarkInfo")
        if mark is None or not bool(mark.get("/Marked", False)):
            out.append("MarkInfo /Marked is not true")
        doc_lang = str(root.get("/Lang", ""))
        if not doc_lang.lower().startswith(lang):
            out.append(f"document language is {doc_lang!r}, expected {lang!r}")
        title = str(meta.get(f"{{{_NS_DC}}}title", "")).strip()
        if not title:
            out.append("no document title (dc:title) in the XMP metadata")
        prefs = root.get("/ViewerPreferences")
        if prefs is None or not bool(prefs.get("/DisplayDocTitle", False)):
            out.append("viewers are not told to show the title (ViewerPreferences /DisplayDocTitle)")
        elements = list(structure_elements(root.StructTreeRoot)) if "/StructTreeRoot" in root else []
        figures = [e for e in elements if e.get("/S") == pikepdf.Name.Figure]
        out += [
            f"figure {i} in the structure tree has no alt text"
            for i, e in enumerate(figures, 1)
            if not str(e.get("/Alt", "")).strip()
        ]  # PDF/UA-1 7.3
        # a part in the document's language must also say its region (typst tagged Dutch text 'nl-US' when the
        # region was missing)
        for where, tags in (
            ("structure elements", [str(e["/Lang"]) for e in elements if "/Lang" in e]),
            ("text runs", marked_content_languages(pdf)),
        ):
            wrong = Counter(t for t in tags if t.split("-")[0].lower() == doc_lang.split("-")[0].lower())
            out += [
                f"{n} {where} are tagged {t!r}, the document is {doc_lang!r}"
                for t, n in sorted(wrong.items())
                if t != doc_lang
            ]
    return out


def structure_elements(tree):
    """Every structure element (a dictionary with /S) under a PDF's StructTreeRoot, each once; no recursion."""
    import pikepdf

    todo, seen = [tree], set()
    while todo:
        node = todo.pop()
        if isinstance(node, pikepdf.Array):
            todo.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        if "/S" in node:
            yield node
        if "/K" in node:
            todo.append(node.K)


_MARKED_LANG = re.compile(rb"/Lang\s*\(([^)]*)\)")


def marked_content_languages(pdf) -> list[str]:
    """The languages declared on marked content in the page streams (typst tags each text run's language there)."""
    import pikepdf

    out = []
    for page in pdf.pages:
        contents = page.obj.get("/Contents")
        streams = contents if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
        for stream in streams:
            out += [t.decode("latin-1") for t in _MARKED_LANG.findall(stream.read_bytes())]
    return out


_TYPST_LOCATION = re.compile(
    r"┌─\s*(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+)\s*\n.*?\n\s*\d+\s*│\s*(?P<code>[^\n]*)", re.S
)


def explain_typst_error(exc: Exception) -> str:
    """typst's refusal as one line that names the element: the message, where in the typst source, and the code
    there (for a figure, its image file)."""
    message = getattr(exc, "message", None) or str(exc).splitlines()[0]
    where = ""
    m = _TYPST_LOCATION.search(getattr(exc, "diagnostic", "") or "")
    if m:
        where = f" at {Path(m['file']).name}:{m['line']}: {m['code'].strip()[:120]}"
    hints = getattr(exc, "hints", None) or []
    return f"{message}{where}" + (f" ({hints[0]})" if hints else "")
