"""Run axe-core (WCAG 2.1 AA rules) on an HTML file in headless Chromium; returns the list of violations.

The report file is not modified: a copy with axe injected is opened from a temporary folder.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".cache" / "tools" / "node_modules" / "axe-core" / "axe.min.js"


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def available() -> bool:
    return bool(chromium()) and AXE.exists()


def axe_violations(html_path: Path) -> list[dict]:
    html = Path(html_path).read_text(encoding="utf-8")
    runner = (
        "<script>" + AXE.read_text(encoding="utf-8") + "</script>"
        "<script>axe.run(document,{runOnly:{type:'tag',values:['wcag2a','wcag2aa','wcag21a','wcag21aa']}})"
        ".then(r=>{const p=document.createElement('pre');p.id='axe-result';"
        "p.textContent=JSON.stringify(r.violations.map(v=>({id:v.id,impact:v.impact,help:v.help,"
        "nodes:v.nodes.slice(0,3).map(n=>n.html.slice(0,200))})));document.body.appendChild(p);});</script>"
    )
    page = html.replace("</body>", runner + "</body>") if "</body>" in html else html + runner
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "page.html"
        f.write_text(page, encoding="utf-8")
        out = subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={d}/profile",
                "--virtual-time-budget=20000",
                "--dump-dom",
                f.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HOME": d},
        )
    m = re.search(r'<pre id="axe-result">(.*?)</pre>', out.stdout, re.DOTALL)
    if not m:
        raise RuntimeError(f"axe did not finish; chromium stderr: {out.stderr[-2000:]}")
    import html as _html

    return json.loads(_html.unescape(m.group(1)))
