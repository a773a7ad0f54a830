"""A moderator in Chromium: the queue's comment text is the row's edit link, whatever the
commenter wrote in it."""

import pytest
from django.conf import settings
from django.test import Client

from comments.models import Comment
from tests.factories import CommentFactory, StaffFactory
from tests.test_browser_comments import chromium  # noqa: F401 (the fixture)


@pytest.mark.browser
def test_clicking_a_comment_with_a_link_opens_its_edit_page(
    live_server,
    transactional_db,
    chromium,  # noqa: F811
):
    """Clicking the words of a comment that holds a link opens the comment's edit page (not
    the commenter's site), and an escaped tag cut at the excerpt length stays text."""
    linked = CommentFactory(
        status=Comment.Status.PENDING,
        content='see <a href="https://commenter.example/">my site</a> for more',
    )
    cut = CommentFactory(
        status=Comment.Status.PENDING,
        content="<b>''</b>&lt;img src=x onerror=alert(1)&gt;" + "a" * 130,
    )
    client = Client()
    client.force_login(StaffFactory())
    context = chromium.new_context()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/comments/comment/")
    assert page.locator(f"tr:has(input[value='{cut.pk}']) img").count() == 0
    row = page.locator(f"tr:has(input[value='{linked.pk}'])")
    row.get_by_text("my site").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/admin/comments/comment/{linked.pk}/change/")
    context.close()
