"""`make screenshots`: the README's pictures, taken in Chromium from the site as production
serves it (tests/live_site.py), on a desktop and on a phone: the seed post and its comment
form in both themes, the moderation list and the editor.

    .venv/bin/python -m tests.screenshots [OUTPUT_DIR]
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.live_site import SEED_URL, STAFF, live_site

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
SIZES = {"": DESKTOP, "-phone": PHONE}


def log_in(page, base_url):
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", STAFF[0])
    page.fill("#id_password", STAFF[1])
    page.click("input[type=submit]")
    page.wait_for_url(base_url + "/admin/")


def take(browser, base_url, set_theme, out):
    out.mkdir(parents=True, exist_ok=True)
    for theme in ("classic", "minimal"):
        set_theme(theme)
        for suffix, size in SIZES.items():
            page = browser.new_page(**size)
            page.goto(base_url + SEED_URL)
            page.screenshot(path=out / f"seed-post-{theme}{suffix}.png")
            page.locator("#comments-title").evaluate("title => title.scrollIntoView()")
            page.screenshot(path=out / f"comments-{theme}{suffix}.png")
            page.close()
    set_theme("classic")
    for suffix, size in SIZES.items():
        context = browser.new_context(**size)
        page = context.new_page()
        log_in(page, base_url)
        page.goto(base_url + "/admin/comments/comment/")
        page.screenshot(path=out / f"moderation{suffix}.png")
        page.goto(base_url + "/admin/posts/post/1/change/")
        page.wait_for_selector(".prose-editor [contenteditable][aria-label]")
        page.screenshot(path=out / f"editor{suffix}.png")
        context.close()


def main(out=OUT):
    with (
        tempfile.TemporaryDirectory() as tmp,
        live_site(Path(tmp)) as site,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        take(browser, site.base_url, site.set_theme, Path(out))
        browser.close()
    print(f"Screenshots written to {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
