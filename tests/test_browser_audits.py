"""The site as production serves it (gunicorn, DEBUG off, compressed and cached static files),
audited in Chromium: axe-core finds no serious or critical violation on the admin pages staff
use nor on any public page in either theme, no page logs a console error, Lighthouse gives
100 in all four categories to the home page and the seed post in both themes on a phone and
a desktop, and the layouts people complained about hold (comments, quotes, the tagline and
the moderation list on a phone).

axe-core and Lighthouse are pinned in tests/browser/package.json (`npm ci` there; .ci/run
does it). `make test-browser` runs this file with the other browser tests."""

import os
import time
from pathlib import Path

import pytest

from tests import audits
from tests.live_site import SEED_URL, STAFF, live_site

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    "/",
    SEED_URL,
    "/category/blog/",
    "/tag/ice/",
    "/2011/08/",
    "/author/newsroom/",
    "/?s=Serrano",
    "/?s=zzzz",
    "/nothing/here/",  # the 404 page
]
ADMIN_PAGES = {
    "dashboard": "/admin/",
    "post list": "/admin/posts/post/",
    "add post": "/admin/posts/post/add/",
    "edit post": "/admin/posts/post/1/change/",
    "moderation list": "/admin/comments/comment/",
    "site settings": "/admin/blogcms/sitesettings/1/change/",
    "media library": "/admin/media_library/mediaitem/",
    "add image": "/admin/media_library/mediaitem/add/",
    "revisions": "/admin/posts/post/1/revisions/",
    "pages": "/admin/posts/page/",
}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not Path(audits.CHROMIUM).exists() or not audits.installed():
        if os.environ.get("CI"):
            pytest.fail("Chromium or tests/browser/node_modules is missing (.ci/run installs them)")
        pytest.skip("needs /usr/bin/chromium and `npm ci` in tests/browser")
    with live_site(tmp_path_factory.mktemp("audited")) as site:
        yield site


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=audits.CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


class Visitor:
    """A page in its own browser context that records every console error it meets."""

    def __init__(self, browser, **context):
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))

    def _console(self, message):
        if message.type != "error":
            return
        # The 404 page's own status is the answer asked for, not an error of the page.
        if message.location.get("url", "").endswith("/nothing/here/"):
            return
        self.errors.append(f"{self.page.url}: {message.text} ({message.location.get('url')})")

    def log_in(self, base_url):
        self.page.goto(base_url + "/admin/login/")
        self.page.fill("#id_username", STAFF[0])
        self.page.fill("#id_password", STAFF[1])
        self.page.click("input[type=submit]")
        self.page.wait_for_url(base_url + "/admin/")

    def close(self):
        self.context.close()


@pytest.fixture
def visitor(browser):
    visitors = []

    def open_visitor(**context):
        visitors.append(Visitor(browser, **context))
        return visitors[-1]

    yield open_visitor
    for each in visitors:
        each.close()


@pytest.mark.parametrize("theme", ["classic", "minimal"])
def test_public_pages_pass_axe_without_console_errors(site, visitor, theme):
    """Every public page, on a desktop and on a phone, has no serious or critical axe
    violation and logs no console error."""
    site.set_theme(theme)
    found = {}
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        reader = visitor(viewport=viewport)
        for url in PUBLIC_PAGES:
            reader.page.goto(site.base_url + url)
            assert f"theme-{theme}" in reader.page.get_attribute("body", "class")
            if violations := audits.axe_violations(reader.page):
                found[f"{url} at {viewport['width']}px"] = violations
        assert reader.errors == []
    assert found == {}


def test_admin_pages_pass_axe_without_console_errors(site, visitor):
    """The admin pages staff use (dashboard, post list, the editor, the moderation list with
    a comment holding a link, site settings) have no serious or critical axe violation and
    log no console error, the login page included."""
    staff = visitor(viewport={"width": 1280, "height": 900})
    staff.log_in(site.base_url)
    found = {}
    for name, url in ADMIN_PAGES.items():
        staff.page.goto(site.base_url + url)
        if name in ("add post", "edit post"):
            # The editor is up and named after its field.
            editor = staff.page.wait_for_selector(".prose-editor [contenteditable][aria-label]")
            assert editor.get_attribute("aria-label") == "Body"
        if name == "moderation list":
            their_link = "#result_list a[href='https://lee.example.org/s-comm']"
            assert staff.page.locator(their_link).count() == 0
            assert "my write-up" in staff.page.inner_text("#result_list")
        if violations := audits.axe_violations(staff.page):
            found[name] = violations
    assert found == {}
    assert staff.errors == []


@pytest.mark.parametrize("theme", ["classic", "minimal"])
@pytest.mark.parametrize("form_factor", ["mobile", "desktop"])
def test_lighthouse_gives_100_everywhere(site, theme, form_factor):
    """Lighthouse (simulated throttling) scores the home page and the seed post 100 in
    performance, accessibility, best practices and SEO. Performance is timed on this
    machine, which other work may load: as Lighthouse CI's numberOfRuns, it is measured up
    to three times and the best run counts; the other categories must hold on every run."""
    site.set_theme(theme)

    def audit(url):
        scores, losses = audits.lighthouse(site.base_url + url, form_factor)
        for _ in range(2):
            if scores["performance"] == 100:
                break
            again, again_losses = audits.lighthouse(site.base_url + url, form_factor)
            assert {k: v for k, v in again.items() if k != "performance"} == {
                k: v for k, v in scores.items() if k != "performance"
            }, (url, again_losses)
            if again["performance"] > scores["performance"]:
                scores, losses = again, again_losses
        return scores, losses

    results = {url: audit(url) for url in ("/", SEED_URL)}
    for url, (scores, losses) in results.items():
        print(f"lighthouse {theme} {form_factor} {url}: {scores} {losses}")
    assert {url: scores for url, (scores, _) in results.items()} == {
        url: dict.fromkeys(audits.CATEGORIES, 100) for url in results
    }, results


def test_moderation_actions_reachable_on_a_phone(site, visitor):
    """On a 390 px phone the moderation list never scrolls sideways, and a held comment's
    Approve / Spam / Trash buttons are on screen and work: Approve approves it."""
    staff = visitor(viewport=PHONE, is_mobile=True, has_touch=True)
    staff.log_in(site.base_url)
    staff.page.goto(site.base_url + "/admin/comments/comment/?status__exact=pending")
    page = staff.page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Nor does the list's own box (Django's .results scrolls sideways when the table is wide).
    results = page.locator(".results")
    assert results.evaluate("box => box.scrollWidth <= box.clientWidth")
    row = page.locator("#result_list tbody tr", has_text="Lee Visitor")
    for label in ("Approve", "Spam", "Trash"):
        button = row.get_by_role("button", name=label, exact=True)
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], label
        assert box["height"] >= 24 and box["width"] >= 24, label
    row.get_by_role("button", name="Approve", exact=True).tap()
    page.wait_for_selector(".messagelist")
    statuses = site.query("SELECT status FROM comments_comment WHERE author_name = 'Lee Visitor'")
    assert statuses == [("approved",)]


COMMENT_LAYOUT_JS = (Path(__file__).parent / "comment_layout.js").read_text()


QUOTE_WIDTHS_JS = """() => [...document.querySelectorAll('main blockquote')].map(q => {
  const style = getComputedStyle(q);
  return q.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
})"""


@pytest.mark.parametrize("theme", ["classic", "minimal"])
def test_comment_layout_on_desktop_and_phone(site, visitor, theme):
    """A comment's later paragraphs and quotes stay beside its avatar, never under it, and
    "Reply" lines up with its text, on a desktop and a phone; on a phone every quote (in the
    post and in comments) keeps at least 300 px of text."""
    site.set_theme(theme)
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        reader = visitor(viewport=viewport)
        reader.page.goto(site.base_url + SEED_URL)
        assert reader.page.locator(".commentlist .comment-content blockquote").count() == 1
        assert reader.page.evaluate(COMMENT_LAYOUT_JS) == [], viewport
        if viewport == PHONE:
            widths = reader.page.evaluate(QUOTE_WIDTHS_JS)
            assert len(widths) >= 2 and min(widths) >= 300, widths
            assert reader.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


RED = "rgb(170, 0, 0)", "rgb(179, 38, 30)"


@pytest.mark.parametrize("theme", ["classic", "minimal"])
def test_a_held_comment_shows_only_its_notice_in_red(site, visitor, theme):
    """The commenter sees their held comment in the ordinary text colour, with only the
    "awaiting moderation" notice in red."""
    site.set_theme(theme)
    writer = visitor(viewport={"width": 1280, "height": 900})
    page = writer.page
    page.goto(site.base_url + SEED_URL)
    page.fill("#comment", f"A first thought in {theme}.")
    page.fill("#author", f"New {theme} reader")
    page.fill("#email", f"new-{theme}@example.org")
    time.sleep(3.2)  # faster than a person types, the form takes it for a bot
    page.click("#submit")
    held = page.locator(".commentlist li.comment-awaiting-moderation")
    held.wait_for()
    notice = held.locator("p.comment-awaiting-moderation")
    assert notice.evaluate("el => getComputedStyle(el).color") in RED
    for part in (".comment-content p", ".comment-meta"):
        colour = held.locator(part).first.evaluate("el => getComputedStyle(el).color")
        assert colour not in RED, part
    assert writer.errors == []


def test_minimal_tagline_has_its_own_line_on_a_phone(site, visitor):
    """In the minimal theme on a phone the tagline takes the masthead's full width instead
    of a sliver beside the title."""
    site.set_theme("minimal")
    reader = visitor(viewport=PHONE)
    reader.page.goto(site.base_url + "/")
    width = reader.page.evaluate("""() => {
      const masthead = document.querySelector('.masthead'), style = getComputedStyle(masthead);
      const inner = masthead.clientWidth - parseFloat(style.paddingLeft)
        - parseFloat(style.paddingRight);
      const tagline = document.querySelector('.site-description');
      return [tagline.getBoundingClientRect().width, inner];
    }""")
    assert width[0] >= width[1] - 1, width
