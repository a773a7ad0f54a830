"""axe-core and Lighthouse, pinned in tests/browser/package.json, run against pages of a
live site; `npm ci` in tests/browser installs them (.ci/run does)."""

import json
import os
import subprocess
import tempfile
from pathlib import Path

NODE_DIR = Path(__file__).parent / "browser"
AXE_JS = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"
LIGHTHOUSE = NODE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


def installed():
    return AXE_JS.exists() and LIGHTHOUSE.exists()


def axe_violations(page, impacts=("serious", "critical")):
    """axe's violations of the page as loaded, at the given impacts: "rule: target…"."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol, which the site's CSP (script-src 'self') allows.
        page.evaluate("() => {" + AXE_JS.read_text() + "\n}")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): " + ", ".join(" ".join(n["target"]) for n in v["nodes"])
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def lighthouse(url, form_factor):
    """Lighthouse's four category scores (0-100) for `url` on a simulated mobile or desktop,
    and the audits that cost points: ({category: score}, [audit ids below 1])."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [
            "node",
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            # This machine reaches no network: Chromium must not try (its background
            # requests are refused, many at a time).
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run "
            "--disable-background-networking --disable-component-update --disable-sync "
            "--disable-quic",
            "--throttling-method=simulate",
            # Budgets the load of a shared machine: the page is local, its waits are not.
            "--max-wait-for-load=60000",
        ]
        if form_factor == "desktop":
            command.append("--preset=desktop")
        # A run that fails to start Chrome or to load the page (Lighthouse's own errors, not
        # a score) is tried once more; a second failure fails with what Lighthouse said.
        for attempt in (1, 2):
            run = subprocess.run(
                command,
                env={**os.environ, "CHROME_PATH": CHROMIUM, "TMPDIR": tmp},
                capture_output=True,
                text=True,
                timeout=240,
            )
            if run.returncode == 0 and report.exists():
                break
            if attempt == 2:
                raise AssertionError(f"Lighthouse failed on {url}:\n{run.stderr[-3000:]}")
        data = json.loads(report.read_text())
    scores = {c: round(data["categories"][c]["score"] * 100) for c in CATEGORIES}
    unscored = ("notApplicable", "manual", "informative")
    losses = sorted(
        f"{c}:{ref['id']}"
        for c in CATEGORIES
        for ref in data["categories"][c]["auditRefs"]
        if ref["weight"]
        and data["audits"][ref["id"]]["scoreDisplayMode"] not in unscored
        and (data["audits"][ref["id"]]["score"] or 0) < 1
    )
    return scores, losses
