"""Every place that puts HTML on a page without escaping it (mark_safe, |safe, format_html,
autoescape off) is fed hostile text and must show it as text or as whitelisted markup.

The places, and why each is allowed to skip escaping:
- comments/admin.py: author_column, in_response_to, quick_moderation, reply_link and the
  linkbacks' outgoing_linkbacks build with format_html(_join), which escapes every argument;
  shown_as marks content_html safe, the sanitiser's own output. The excerpt is plain text
  (tests/test_comments_admin.py feeds it the truncation and nested-link attacks).
- templates: content_html|safe (the comment list, the approve page, the admin reply page) is
  the sanitiser's output; post.body|safe is the editor's allowlist, applied in Post.save().
- the mails turn autoescape off because they are plain text, never HTML.
"""

import html5lib
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from comments import notifications
from comments.linkbacks.models import OutgoingPing
from comments.models import Comment
from comments.sanitize import ALLOWED
from tests.factories import CommentFactory, PostFactory, StaffFactory

pytestmark = pytest.mark.django_db

# Each alert number is one way in: an element with a handler, a script, a javascript: link,
# an attribute break-out, an entity-escaped tag and a quote break-out.
HOSTILE = (
    '<img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">x</a>'
    "\"><svg onload=alert(4)>&lt;img src=x onerror=alert(5)&gt;' onmouseover='alert(6)"
)
# The same, written as plain text must show it: every character of it, escaped.
HOSTILE_AS_TEXT = (
    "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
    "&lt;a href=&quot;javascript:alert(3)&quot;&gt;x&lt;/a&gt;&quot;&gt;&lt;svg onload=alert(4)"
    "&gt;&amp;lt;img src=x onerror=alert(5)&amp;gt;&#x27; onmouseover=&#x27;alert(6)"
)


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


def live_hostile_markup(page):
    """Whatever in `page` a browser would run or follow from HOSTILE: an event handler,
    a script that calls alert, a javascript: address."""
    document = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    found = []
    for element in document.iter():
        if element.tag == "script" and "alert(" in (element.text or ""):
            found.append(f"script {element.text}")
        for name, value in element.attrib.items():
            scheme = "".join(value.split()).lower()
            if name.lower().startswith("on") or (
                name in URL_ATTRIBUTES and scheme.startswith("javascript:")
            ):
                found.append(f"<{element.tag} {name}={value!r}>")
    return found


def test_the_check_sees_hostile_markup_left_live():
    """The check below catches each way in when HOSTILE reaches a page unescaped."""
    found = live_hostile_markup(f'<div title="{HOSTILE}">{HOSTILE}</div>')
    assert len(found) == 5, found  # onerror, script, javascript:, onload, onmouseover
    assert live_hostile_markup(f"<p>{HOSTILE_AS_TEXT}</p>") == []


def section(page, css_class):
    """The first element of `page` carrying `css_class`."""
    document = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    return next(e for e in document.iter() if css_class in e.get("class", "").split())


def assert_only_whitelisted_inside(element):
    for inner in list(element.iter())[1:]:
        assert inner.tag in set(ALLOWED) | {"p", "br"}, inner.tag


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(email="mod@example.com"))
    return client


def test_admin_author_and_post_columns_escape(staff_client):
    """author_column and in_response_to (format_html): a hostile name, email or post title
    is text in the moderation queue."""
    post = PostFactory(title=HOSTILE)
    email = '"><img src=x onerror=alert(7)>@example.com'  # the field holds 100 characters
    CommentFactory(post=post, author_name=HOSTILE, author_email=email, content="fine")
    page = staff_client.get("/admin/comments/comment/").text
    assert live_hostile_markup(page) == []
    assert page.count(HOSTILE_AS_TEXT) >= 2  # name and post title
    assert "&quot;&gt;&lt;img src=x onerror=alert(7)&gt;@example.com" in page


def test_admin_change_form_shows_comment_as_readers_see_it(staff_client):
    """shown_as (mark_safe of content_html): the sanitised HTML, nothing more; the raw text
    sits escaped in its textarea."""
    comment = CommentFactory(content=f"<b>kept</b> {HOSTILE}", author_name=HOSTILE)
    page = staff_client.get(f"/admin/comments/comment/{comment.pk}/change/").text
    assert live_hostile_markup(page) == []
    shown = section(page, "comment-content")
    assert_only_whitelisted_inside(shown)
    assert [e.tag for e in shown.iter()][1:3] == ["p", "b"]


def test_admin_reply_page_quotes_the_sanitised_comment(staff_client):
    """reply.html (content_html|safe): the quoted comment is the sanitised HTML."""
    comment = CommentFactory(content=HOSTILE, author_name=HOSTILE, post=PostFactory(title=HOSTILE))
    page = staff_client.get(f"/admin/comments/comment/{comment.pk}/reply/").text
    assert live_hostile_markup(page) == []
    assert HOSTILE_AS_TEXT in page  # the author's name and the post title


def test_post_page_shows_hostile_comment_harmless():
    """_comment.html (content_html|safe) on the post page, for readers."""
    comment = CommentFactory(content=HOSTILE, author_name=HOSTILE)
    page = Client().get(comment.post.get_absolute_url()).text
    assert live_hostile_markup(page) == []
    assert_only_whitelisted_inside(section(page, "comment-content"))


def test_approve_page_shows_hostile_comment_harmless(staff_client):
    """approve_confirm.html (content_html|safe): the moderator's one-click approve page."""
    comment = CommentFactory(status=Comment.Status.PENDING, content=HOSTILE, author_name=HOSTILE)
    url = reverse("comments:approve", args=[notifications.approve_token(comment)])
    page = staff_client.get(url).text
    assert "Approve this comment?" in page
    assert live_hostile_markup(page) == []
    assert_only_whitelisted_inside(section(page, "comment-content"))


def test_post_body_is_cut_to_the_editor_allowlist():
    """post_detail.html and post_list.html (post.body|safe): a body stored with hostile
    markup is cut on save, so neither the post nor the front page runs it."""
    post = PostFactory(body=f"<p>words</p>{HOSTILE}", title=HOSTILE)
    visitor = Client()
    for url in (post.get_absolute_url(), "/"):
        page = visitor.get(url).text
        assert "words" in page
        assert live_hostile_markup(page) == [], url


def test_outgoing_linkbacks_table_escapes_what_other_blogs_said(staff_client):
    """outgoing_linkbacks (format_html_join): a target URL from the post and a fault message
    from another blog's server are text on the post's admin page."""
    post = PostFactory()
    OutgoingPing.objects.create(
        post=post, target_url=f"https://ok.example/{HOSTILE}", message=HOSTILE, fault_code=0
    )
    page = staff_client.get(f"/admin/posts/post/{post.pk}/change/").text
    assert live_hostile_markup(page) == []
    assert page.count(HOSTILE_AS_TEXT) == 2


def test_moderation_mail_is_plain_text_with_the_words_as_written():
    """The mail templates turn autoescape off: right for a plain-text mail (no HTML part),
    which shows the moderator exactly what was written."""
    StaffFactory(email="mod@example.com")
    comment = CommentFactory(status=Comment.Status.PENDING, content=HOSTILE, author_name="A")
    notifications.notify(comment)
    (message,) = mail.outbox
    assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
    assert HOSTILE in message.body
