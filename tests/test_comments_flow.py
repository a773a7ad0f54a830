"""The whole comment flow over HTTP, as a visitor and a moderator meet it."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from comments.models import Comment
from tests.comment_helpers import configure, post_comment
from tests.factories import CommentFactory, PostFactory, StaffFactory, UserFactory

from .pages import find, parse, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return PostFactory(title="On Bridges")


def comment_items(page):
    return find(parse(page), ".//ol[@class='commentlist']//li")


def test_form_has_wordpress_fields_and_notes(client, post):
    """The form shows WordPress's labels, notes, consent box and tag sentence; as WordPress's,
    an anonymous visitor's has no CSRF token (comments/csrf.py checks the origin instead)."""
    page = client.get(post.get_absolute_url())
    tree = parse(page)
    (form,) = find(tree, ".//form[@id='commentform']")
    labels = [text(label) for label in find(form, ".//label")]
    assert labels[:5] == [
        "Comment",
        "Name",
        "Email",
        "Website",
        "Save my name, email, and website in this browser for the next time I comment.",
    ]
    for field in ("comment", "author", "email"):
        assert text(find(form, f".//p[@class='comment-form-{field}']")[0]).endswith("*")
    form_text = text(form)
    assert "Your email address will not be published. Required fields are marked *" in form_text
    assert 'You may use these HTML tags and attributes: <a href="" title="">' in form_text
    assert not find(form, ".//input[@name='csrfmiddlewaretoken']")
    assert find(form, ".//input[@name='shown_at']")
    (honeypot,) = find(form, ".//p[@class='comment-form-homepage']")
    assert honeypot.get("aria-hidden") == "true"
    # Off screen by every theme's stylesheet (the CSP allows no style attribute).
    for theme in ("classic", "minimal"):
        css = (settings.BASE_DIR / "static" / "themes" / theme / "style.css").read_text()
        assert re.search(r"\.comment-form-homepage \{ position: absolute; left: -10000px;", css)


def test_logged_in_user_comments_under_own_name(client, post):
    """A logged-in reader sees no name or email fields and comments as themselves."""
    user = UserFactory(username="grace", first_name="Grace", last_name="Hopper")
    client.force_login(user)
    page = client.get(post.get_absolute_url())
    assert "Logged in as Grace Hopper." in page.text
    assert 'name="author"' not in page.text and 'name="email"' not in page.text
    response = post_comment(client, post, author=None, email=None, comment="Hello")
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.author_name, comment.author_email, comment.user) == (
        "Grace Hopper",
        user.email,
        user,
    )


def test_held_comment_is_seen_only_by_its_author(client, post):
    """A held comment redirects with a signed marker; only that browser sees it waiting."""
    response = post_comment(client, post, comment="My *first* words")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert response.status_code == 302
    assert response["Location"] == (
        f"{post.get_absolute_url()}?unapproved={comment.pk}#comment-{comment.pk}"
    )
    own = client.get(response["Location"])
    assert "Your comment is awaiting moderation." in own.text
    assert "My *first* words" in own.text
    assert "No Responses to On Bridges" in own.text  # held ones are not counted

    stranger = Client()
    for url in (post.get_absolute_url(), response["Location"]):
        page = stranger.get(url)
        assert "awaiting moderation" not in page.text and "My *first* words" not in page.text


def test_forged_held_marker_shows_nothing(client, post):
    """A marker cookie that was not signed by us reveals no held comment."""
    held = CommentFactory(post=post, status=Comment.Status.PENDING, content="secret words")
    client.cookies["unapproved_comments"] = str(held.pk)
    assert "secret words" not in client.get(post.get_absolute_url()).text


def test_approve_then_visible_then_reply_threads_under_parent(client, post):
    """Post, hold, approve, see it; a reply shows nested under its parent with a permalink."""
    post_comment(client, post)
    first = Comment.objects.get()
    first.approve()
    page = Client().get(post.get_absolute_url())
    assert "One Response to On Bridges" in page.text
    assert f'id="comment-{first.pk}"' in page.text

    response = post_comment(
        client,
        post,
        ip="203.0.113.11",
        email="bob@example.com",
        author="Bob",
        comment="I disagree, kindly.",
        comment_parent=str(first.pk),
    )
    reply = Comment.objects.get(author_name="Bob")
    assert reply.parent == first
    reply.approve()
    tree = parse(Client().get(post.get_absolute_url()))
    (nested,) = find(tree, f".//li[@id='li-comment-{first.pk}']/ol[@class='children']/li")
    assert nested.get("id") == f"li-comment-{reply.pk}"
    assert "depth-2" in nested.get("class")
    assert response["Location"].endswith(f"#comment-{reply.pk}")


def test_thread_depth_follows_site_setting(client, post):
    """Replies deeper than thread_comments_depth join the deepest level; no Reply link there."""
    configure(thread_comments_depth=2)
    parent = None
    for n in range(4):
        parent = CommentFactory(post=post, parent=parent, content=f"level {n}")
    tree = parse(client.get(post.get_absolute_url()))
    depths = [li.get("class") for li in find(tree, ".//ol[@class='commentlist']//li")]
    assert depths == [
        "comment depth-1",
        "comment depth-2",
        "comment depth-2",
        "comment depth-2",
    ]
    assert len(find(tree, ".//a[@class='comment-reply-link']")) == 1


def test_replytocom_sets_parent_without_javascript(client, post):
    """?replytocom=N puts N in the form's parent field and names whom you answer."""
    parent = CommentFactory(post=post, author_name="Carol")
    tree = parse(client.get(f"{post.get_absolute_url()}?replytocom={parent.pk}"))
    (field,) = find(tree, ".//input[@name='comment_parent']")
    assert field.get("value") == str(parent.pk)
    assert text(find(tree, ".//h3[@id='reply-title']")[0]).startswith("Leave a Reply to Carol")
    link = find(tree, ".//a[@class='comment-reply-link']")[0]
    assert link.get("href") == f"?replytocom={parent.pk}#respond"


def test_reply_to_held_comment_is_refused(client, post):
    """Only approved comments can be answered (WordPress's message)."""
    held = CommentFactory(post=post, status=Comment.Status.PENDING)
    response = post_comment(client, post, comment_parent=str(held.pk))
    assert response.status_code == 200
    assert "Sorry, replies to unapproved comments are not allowed." in response.text
    assert not Comment.objects.filter(author_name="Ada Lovelace").exists()


@pytest.mark.parametrize(
    ("count", "title"),
    [
        (0, "No Responses to On Bridges"),
        (1, "One Response to On Bridges"),
        (3, "3 Responses to On Bridges"),
    ],
)
def test_response_count_includes_linkbacks(client, post, count, title):
    """Counts read WordPress's way and add approved comments and linkbacks together."""
    types = [Comment.Type.COMMENT, Comment.Type.PINGBACK, Comment.Type.WEBMENTION]
    for kind in types[:count]:
        CommentFactory(post=post, type=kind, author_url="https://elsewhere.example/post")
    CommentFactory(post=post, status=Comment.Status.PENDING)
    CommentFactory(post=post, status=Comment.Status.SPAM)
    assert title in client.get(post.get_absolute_url()).text


def test_closed_post_says_so_and_refuses(client, post):
    """Closed comments: "Comments are closed." on the page, 403 on POST."""
    post.comments_open = False
    post.save()
    page = client.get(post.get_absolute_url())
    assert "Comments are closed." in page.text and 'id="commentform"' not in page.text
    response = post_comment(client, post)
    assert response.status_code == 403
    assert "Sorry, comments are closed for this item." in response.text


def test_comments_close_on_old_posts(client):
    """With close_comments_for_old_posts, a post older than N days is closed."""
    configure(close_comments_for_old_posts=True, close_comments_days_old=14)
    old = PostFactory(published_at=timezone.now() - datetime.timedelta(days=15))
    fresh = PostFactory(published_at=timezone.now() - datetime.timedelta(days=13))
    assert post_comment(client, old).status_code == 403
    assert post_comment(client, fresh).status_code == 302


def test_registration_required(client, post):
    """With comment_registration, visitors are asked to log in and a POST is refused."""
    configure(comment_registration=True)
    assert "You must be" in client.get(post.get_absolute_url()).text
    response = post_comment(client, post)
    assert response.status_code == 403
    assert "Sorry, you must be logged in to comment." in response.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"author": ""}, "Please fill the required fields."),
        ({"email": ""}, "Please fill the required fields."),
        ({"comment": "   "}, "Please type your comment text."),
        ({"email": "not-an-address"}, "Please enter a valid email address."),
        ({"author": "n" * 246}, "Your name is too long."),
        ({"email": "e" * 90 + "@example.com"}, "Your email address is too long."),
        ({"url": "https://example.com/" + "u" * 190}, "Your URL is too long."),
        ({"comment": "c" * 65526}, "Your comment is too long."),
        ({"url": "javascript:alert(1)"}, "Please enter a valid website address"),
        ({"url": "ftp://files.example.com/"}, "Please enter a valid website address"),
    ],
)
def test_invalid_fields_get_wordpress_messages(client, post, fields, message):
    """Missing, invalid or too-long fields answer 200 with WordPress's error message."""
    response = post_comment(client, post, **fields)
    assert response.status_code == 200
    assert f"<strong>Error</strong>: {message}" in response.text
    assert not Comment.objects.exists()


def test_a_website_without_a_scheme_gets_http(client, post):
    """ "myblog.example.com" is taken as http://myblog.example.com, as WordPress's esc_url."""
    assert post_comment(client, post, url="myblog.example.com").status_code == 302
    assert Comment.objects.get().author_url == "http://myblog.example.com"


def test_name_and_email_optional_when_site_allows(client, post):
    """Without require_name_email, an anonymous comment is accepted."""
    configure(require_name_email=False)
    assert post_comment(client, post, author="", email="").status_code == 302


def test_flood_answers_429(client, post):
    """A second comment from the same IP within 15 seconds gets 429 and the message."""
    post_comment(client, post)
    response = post_comment(client, post, email="other@example.com", comment="Again")
    assert response.status_code == 429
    assert "You are posting comments too quickly. Slow down." in response.text


def test_duplicate_answers_409(client, post):
    """The same text by the same author again gets 409 and WordPress's message."""
    post_comment(client, post)
    response = post_comment(client, post, ip="198.51.100.77")
    assert response.status_code == 409
    assert "Duplicate comment detected; it looks as though you&#x27;ve already said that!" in (
        response.text
    )


@pytest.mark.parametrize(
    "trap",
    [{"homepage": "http://spam.example/"}, {"shown_at": None}, {"shown_at": "forged"}],
)
def test_bot_traps_send_to_spam_silently(client, post, trap):
    """A filled honeypot or a missing or forged timestamp is spam, with no hint to the bot."""
    response = post_comment(client, post, **trap)
    assert response.status_code == 302
    assert Comment.objects.get().status == Comment.Status.SPAM
    assert "unapproved_comments" not in response.cookies


def test_form_sent_back_too_fast_is_spam(client, post):
    """A form returned sooner than the minimum seconds after it was shown is spam."""
    page = client.get(post.get_absolute_url())
    shown_at = re.search(r'name="shown_at" value="([^"]+)"', page.text).group(1)
    post_comment(client, post, shown_at=shown_at)
    assert Comment.objects.get().status == Comment.Status.SPAM


def test_consent_cookies_last_a_year_and_prefill(client, post):
    """Ticking the box keeps name, email and website for a year; the form is prefilled."""
    response = post_comment(
        client, post, url="https://ada.example/", **{"wp-comment-cookies-consent": "yes"}
    )
    cookie = response.cookies["comment_author"]
    assert cookie["max-age"] == 365 * 24 * 3600
    assert response.cookies["comment_author_email"].value == "ada@example.com"
    tree = parse(client.get(post.get_absolute_url()))
    assert find(tree, ".//input[@name='author']")[0].get("value") == "Ada Lovelace"
    assert find(tree, ".//input[@name='url']")[0].get("value") == "https://ada.example/"
    assert find(tree, ".//input[@name='wp-comment-cookies-consent']")[0].get("checked") is not None


def test_no_consent_no_cookies(client, post):
    """Without the box ticked, any saved details are deleted."""
    client.cookies["comment_author"] = "Old Name"
    response = post_comment(client, post)
    assert response.cookies["comment_author"].value == ""
    assert response.cookies["comment_author"]["max-age"] == 0


def test_staff_post_straight_through_but_sanitised(client, post):
    """A moderator's comment is approved at once and still stripped of script."""
    configure(comment_moderation=True)
    client.force_login(StaffFactory())
    post_comment(client, post, comment='<script>alert(1)</script><b onclick="x">bold</b>')
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.APPROVED
    assert comment.content_html == "<p>alert(1)<b>bold</b></p>"


def test_moderators_get_mail_with_approve_link(client, post, django_capture_on_commit_callbacks):
    """A held comment mails the moderators a link that confirms on GET and approves on POST."""
    moderator = StaffFactory(email="mod@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(client, post)
    comment = Comment.objects.get()
    (message,) = mail.outbox
    assert message.to == ["mod@example.com"]
    assert message.subject == '[blogcms] Please moderate: "On Bridges"'
    link = re.search(r"Approve it: http://[^/]+(/\S+)", message.body).group(1)

    visitor = Client()
    to_login = visitor.get(link, follow=True)  # the admin's login page, then back here
    assert to_login.status_code == 200 and 'name="password"' in to_login.text
    login_path, _ = to_login.redirect_chain[-1]
    assert login_path.startswith("/admin/login/") and "next=" in login_path
    nobody = UserFactory(is_staff=True)
    visitor.force_login(nobody)
    assert visitor.get(link).status_code == 403

    staff = Client()
    staff.force_login(moderator)
    confirm = staff.get(link)
    assert confirm.status_code == 200 and "Approve this comment?" in confirm.text
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING  # a GET changes nothing
    assert staff.post(link).status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert staff.get(link.replace("/approve/", "/approve/x")).status_code == 404


def test_post_author_mailed_on_approved_comment(client, post, django_capture_on_commit_callbacks):
    """A new approved comment mails the post's author (comments_notify); off means no mail."""
    CommentFactory(post=post, author_email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(client, post)
    (message,) = mail.outbox
    assert message.to == [post.author.email]
    assert 'New comment on your post "On Bridges"' in message.body

    configure(comments_notify=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(client, post, ip="198.51.100.2", comment="Another")
    assert mail.outbox == []


def test_email_address_never_shown(client, post):
    """A commenter's email appears on no page or feed."""
    CommentFactory(
        post=post, author_email="hidden.person@example.com", author_url="https://h.example/"
    )
    urls = [
        post.get_absolute_url(),
        "/",
        "/feed/",
        "/comments/feed/",
        f"{post.get_absolute_url()}feed/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"hidden.person" not in response.content, url


def test_held_comment_never_enters_the_page_cache(client, post, settings):
    """With the page cache on, the author's page with their held comment is private and
    strangers keep getting the shared page without it."""
    settings.BLOGCMS_PAGE_CACHE = True
    stranger = Client()
    url = post.get_absolute_url()
    stranger.get(url)
    assert stranger.get(url)["X-Cache"] == "hit"
    response = post_comment(client, post, comment="Wait for me")
    own = client.get(response["Location"])
    assert "Wait for me" in own.text
    assert own["X-Cache"] == "pass" and "private" in own["Cache-Control"]
    again = client.get(url)  # the plain URL, with the marker cookie
    assert "Wait for me" in again.text and again["X-Cache"] == "pass"
    assert "Wait for me" not in stranger.get(url).text


def test_newest_first_and_flat_threads(client, post):
    """comment_order "desc" puts the newest thread first; with threading off all are flat."""
    first = CommentFactory(post=post, content="Older words")
    CommentFactory(post=post, parent=first, content="Answering words")
    CommentFactory(post=post, content="Newer words")
    configure(comment_order="desc")
    page = client.get(post.get_absolute_url()).text
    assert page.index("Newer words") < page.index("Older words") < page.index("Answering words")
    configure(thread_comments=False, comment_order="asc")
    tree = parse(client.get(post.get_absolute_url()))
    assert not find(tree, ".//ol[@class='children']")
    assert not find(tree, ".//a[@class='comment-reply-link']")
    assert len(find(tree, ".//ol[@class='commentlist']/li")) == 3


def test_a_logged_in_commenter_can_log_out_from_the_form(client, post):
    """WordPress's "Logged in as …. Log out?": the button logs out and comes back here."""
    user = UserFactory(first_name="Lou", last_name="Gin")
    client.force_login(user)
    page = client.get(post.get_absolute_url()).text
    assert "Logged in as Lou Gin." in page and "Log out?" in page
    logout = re.search(r'formaction="([^"]+)"', page).group(1).replace("&amp;", "&")
    response = client.post(logout)
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert "Logged in as" not in client.get(post.get_absolute_url()).text
