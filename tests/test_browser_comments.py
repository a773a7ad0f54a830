"""A real visitor in Chromium: comment, see it held, staff approve, see it; then reply with
the JavaScript reply link and see the answer threaded under its parent."""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from blogcms.models import SiteSettings
from comments.models import Comment
from tests.factories import StaffFactory

SEED_URL = "/2011/08/19/ny-rep-serrano-opposes-s-comm-policy/"
CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def chromium(monkeypatch):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("/usr/bin/chromium is missing in CI (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed here (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # Playwright's loop, our thread
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["classic", "minimal"])
def test_visitor_comment_held_approved_and_replied(
    live_server, transactional_db, chromium, settings, theme
):
    """The seed post takes a comment in each theme; it waits, staff approve it in the admin,
    it appears; "Reply" moves the form under it and the answer is nested beneath it."""
    settings.BLOGCMS_COMMENT_MIN_SECONDS = 0  # a robot types faster than the bot timer allows
    call_command("load_demo", stdout=StringIO())
    site = SiteSettings.load()
    site.theme = theme
    site.comment_flood_seconds = 0  # the visitor comments twice within seconds
    site.save()
    StaffFactory(username="editor", password=PASSWORD)
    errors = []

    visitor = chromium.new_context().new_page()
    visitor.on("pageerror", lambda e: errors.append(str(e)))
    visitor.goto(live_server.url + SEED_URL)
    visitor.fill("#comment", "Thank you, Congressman, for <b>standing up</b>.")
    visitor.fill("#author", "Maria Reader")
    visitor.fill("#email", "maria@example.com")
    visitor.check("#wp-comment-cookies-consent")
    visitor.click("#submit")
    held = Comment.objects.get(author_name="Maria Reader")
    assert held.status == Comment.Status.PENDING
    body = visitor.locator(f"#comment-{held.pk}")
    assert "Your comment is awaiting moderation." in body.inner_text()
    assert "standing up" in body.locator("b").inner_text()

    staff = chromium.new_context().new_page()
    staff.goto(live_server.url + "/admin/")
    staff.fill("#id_username", "editor")
    staff.fill("#id_password", PASSWORD)
    staff.click("input[type=submit]")
    assert "1 comment awaiting moderation" in staff.inner_text("#comments-awaiting-moderation")
    staff.click("#comments-awaiting-moderation a")
    staff.check(f"input[name=_selected_action][value='{held.pk}']")
    staff.select_option("select[name=action]", "mark_approved")
    staff.click("button[name=index]")
    staff.wait_for_selector(".messagelist")
    held.refresh_from_db()
    assert held.status == Comment.Status.APPROVED

    visitor.reload()
    item = visitor.locator(f"#li-comment-{held.pk}")
    assert "awaiting moderation" not in item.inner_text()
    assert "2 Responses to NY Rep. Serrano" in visitor.inner_text("#comments-title")
    # The consent cookie filled the form in again.
    assert visitor.input_value("#author") == "Maria Reader"

    item.locator(".comment-reply-link").click()
    assert visitor.locator(f"#li-comment-{held.pk} #respond").count() == 1
    assert visitor.input_value("#comment_parent") == str(held.pk)
    assert "Leave a Reply to Maria Reader" in visitor.inner_text("#reply-title")
    visitor.fill("#comment", "And a follow-up thought.")
    visitor.click("#submit")
    reply = Comment.objects.get(content="And a follow-up thought.")
    assert (reply.parent_id, reply.status) == (held.pk, Comment.Status.APPROVED)
    nested = visitor.locator(f"#li-comment-{held.pk} > ol.children > #li-comment-{reply.pk}")
    assert "And a follow-up thought." in nested.inner_text()
    assert errors == []
