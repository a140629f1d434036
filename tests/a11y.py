"""Browser checks of a rendered HTML file in headless Chromium (Playwright driving Debian's chromium):

- ``axe_violations``: axe-core with all its rules (WCAG 2.0/2.1/2.2 A and AA, best practices, experimental; not the
  AAA ones). axe reports some rules (``duplicate-id-aria``) only as 'needs review'; those count as violations here.
- ``keyboard_walk``: press Tab through the page and record what gets focus.

The report file is opened as it is (file://, no server, no network); axe is injected into the page, not the file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".cache" / "tools" / "node_modules" / "axe-core" / "axe.min.js"
REVIEW_AS_VIOLATION = ("duplicate-id", "duplicate-id-active", "duplicate-id-aria")


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return bool(chromium()) and AXE.exists()


def _page(browser, html_path: Path):
    # the report forbids scripts (Content-Security-Policy); the test injects axe-core past it, the file is unchanged
    page = browser.new_page(bypass_csp=True)
    page.goto(Path(html_path).resolve().as_uri())
    return page


def _browser(p):
    return p.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])


def axe_violations(html_path: Path) -> list[dict]:
    return axe_run(html_path)["violations"]


def axe_run(html_path: Path) -> dict:
    """{'violations': [...], 'rules': how many rules ran, 'version': axe-core's version}."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = _page(browser, html_path)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                """async () => {
                    // every rule axe-core has, experimental ones and the duplicate-id rules included; only the
                    // AAA rules are left out (WCAG AAA is not required of government publications)
                    const rules = {};
                    for (const r of axe.getRules()) rules[r.ruleId] = {enabled: !r.tags.some(t => /aaa$/.test(t))};
                    const r = await axe.run(document, {rules});
                    const slim = v => ({id: v.id, impact: v.impact, help: v.help,
                                        nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 200))});
                    return {violations: r.violations.map(slim), incomplete: r.incomplete.map(slim),
                            rules: Object.values(rules).filter(x => x.enabled).length, version: axe.version};
                }"""
            )
        finally:
            browser.close()
    review = [v for v in result["incomplete"] if v["id"] in REVIEW_AS_VIOLATION]
    return {"violations": result["violations"] + review, "rules": result["rules"], "version": result["version"]}


def keyboard_walk(html_path: Path, max_tabs: int = 400) -> dict:
    """Tab through the page from the top. Returns the focused elements in order (tag, href, class, visible), all
    links of the page (so a test can check that the skip link comes first and every link is reached) and what has
    focus after following the first link (the skip link) with Enter."""
    from playwright.sync_api import sync_playwright

    key = "e.tagName + '|' + (e.getAttribute('href') || '') + '|' + (e.id || '') + '|' + e.textContent.trim()"
    describe = f"""() => {{ const e = document.activeElement; if (!e || e === document.body) return null;
        const r = e.getBoundingClientRect();
        return {{tag: e.tagName.toLowerCase(), href: e.getAttribute('href'), cls: e.className || '', key: {key},
                visible: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0}}; }}"""
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = _page(browser, html_path)
            links = page.evaluate(f"() => [...document.querySelectorAll('a[href]')].map(e => {key})")
            order = []
            for _ in range(max_tabs):
                page.keyboard.press("Tab")
                el = page.evaluate(describe)
                if el is None or (order and el["key"] == order[0]["key"]):
                    break  # back at the start (or on the browser chrome)
                order.append(el)
            page.reload()
            page.keyboard.press("Tab")  # the skip link
            page.keyboard.press("Enter")
            after_skip = page.evaluate("() => document.activeElement && document.activeElement.tagName.toLowerCase()")
        finally:
            browser.close()
    return {"order": order, "links": links, "after_skip": after_skip}
