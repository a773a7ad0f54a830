"""The moderation rules of comments.moderation.submit, each as WordPress applies it."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission

from comments.models import Comment
from comments.moderation import Refused, submit
from tests.comment_helpers import configure
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def new_comment(post, **fields):
    values = {
        "post": post,
        "author_name": "Ada",
        "author_email": "ada@example.com",
        "author_ip": "203.0.113.7",
        "content": "A thoughtful remark.",
    }
    return Comment(**(values | fields))


@pytest.fixture
def post():
    return PostFactory()


def test_first_comment_is_held(post):
    """An author with no approved comment is held (comment_previously_approved)."""
    assert submit(new_comment(post)).status == Comment.Status.PENDING


def test_previously_approved_author_is_approved(post):
    """An email with an approved comment already is approved, case-insensitively."""
    CommentFactory(post=post, author_email="ADA@example.com")
    assert submit(new_comment(post)).status == Comment.Status.APPROVED


def test_previously_approved_off_approves_newcomers(post):
    """With comment_previously_approved off, a clean first comment goes straight up."""
    configure(comment_previously_approved=False)
    assert submit(new_comment(post)).status == Comment.Status.APPROVED


def test_pingback_never_counts_as_previously_approved(post):
    """Linkbacks never satisfy "previously approved": they are held by default."""
    CommentFactory(
        post=post, type=Comment.Type.PINGBACK, author_email="", author_url="http://a.example/"
    )
    pingback = new_comment(
        post,
        type=Comment.Type.PINGBACK,
        author_email="",
        author_url="http://a.example/",
        content="[…] x […]",
    )
    assert submit(pingback).status == Comment.Status.PENDING


def test_comment_moderation_holds_everyone(post):
    """comment_moderation holds even a previously approved author."""
    CommentFactory(post=post, author_email="ada@example.com")
    configure(comment_moderation=True)
    assert submit(new_comment(post)).status == Comment.Status.PENDING


@pytest.mark.parametrize(
    ("content", "held"),
    [
        ("One link: https://one.example.com/", False),
        ("Bare https://one.example.com/ and https://two.example.org/", True),
        ('<a href="https://one.example.com/">one</a> and https://two.example.org/', True),
    ],
)
def test_max_links_holds(post, content, held):
    """comment_max_links (2) or more links hold; bare URLs count as links."""
    CommentFactory(post=post, author_email="ada@example.com")
    status = submit(new_comment(post, content=content)).status
    assert (status == Comment.Status.PENDING) is held


@pytest.mark.parametrize(
    "field,value",
    [
        ("author_name", "Cheap VIAGRA shop"),
        ("author_email", "viagra@example.com"),
        ("author_url", "https://viagra.example/"),
        ("content", "Buy vIaGrA now"),
        ("user_agent", "Mozilla viagra-bot"),
        ("author_ip", "198.51.100.23"),
    ],
)
def test_moderation_keys_hold_in_every_field(post, field, value):
    """A moderation word in name, email, URL, text, user agent or IP holds the comment."""
    CommentFactory(post=post, author_email=value if field == "author_email" else "ada@example.com")
    configure(moderation_keys="viagra\n198.51.100.23\n")
    assert submit(new_comment(post, **{field: value})).status == Comment.Status.PENDING


@pytest.mark.parametrize(
    "field,value",
    [
        ("author_name", "CASINO king"),
        ("author_email", "casino@example.com"),
        ("author_url", "https://casino.example/"),
        ("content", "<b>Casino</b> bonus"),
        ("user_agent", "casinobot/1.0"),
        ("author_ip", "192.0.2.99"),
    ],
)
def test_disallowed_keys_send_to_spam(post, field, value):
    """A disallowed word anywhere sends the comment to spam, even for an approved author."""
    CommentFactory(post=post, author_email="ada@example.com")
    configure(disallowed_keys="casino\n192.0.2.99")
    assert submit(new_comment(post, **{field: value})).status == Comment.Status.SPAM


def moderator():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_comment"))
    return user


def test_moderators_are_exempt_from_holds_and_flood(post):
    """Staff who can moderate are approved at once and never throttled, but still sanitised."""
    configure(comment_moderation=True, disallowed_keys="script")
    staff = moderator()
    first = submit(new_comment(post, user=staff, content="<script>alert(1)</script>hi"))
    second = submit(new_comment(post, user=staff, content="again, at once"))
    assert first.status == second.status == Comment.Status.APPROVED
    assert "<script" not in first.content_html


def test_post_author_is_approved_but_throttled(post):
    """The post's own author is approved without moderation yet still meets the flood limit."""
    author = post.author
    submit(new_comment(post, user=author, author_email=author.email))
    with pytest.raises(Refused) as refused:
        submit(new_comment(post, user=author, author_email=author.email, content="More"))
    assert refused.value.status == 429
    assert Comment.objects.get().status == Comment.Status.APPROVED


def test_flood_by_ip_and_by_email(post):
    """A second comment from the same IP, or the same email, within 15 s is refused (429)."""
    submit(new_comment(post))
    with pytest.raises(Refused) as same_ip:
        submit(new_comment(post, author_email="other@example.com", content="Two"))
    with pytest.raises(Refused) as same_email:
        submit(new_comment(post, author_ip="198.51.100.1", content="Three"))
    assert (same_ip.value.status, same_ip.value.code) == (429, "flood")
    assert (same_email.value.status, same_email.value.code) == (429, "flood")
    assert same_ip.value.message == "You are posting comments too quickly. Slow down."


def test_flood_window_ends(post):
    """After comment_flood_seconds the same author may comment again."""
    with time_machine.travel(datetime.datetime(2030, 1, 1, 12, 0, 0), tick=False) as clock:
        submit(new_comment(post))
        clock.shift(14)
        with pytest.raises(Refused):
            submit(new_comment(post, content="Too soon"))
        clock.shift(2)
        assert submit(new_comment(post, content="Later")).pk


def test_flood_does_not_apply_to_linkbacks(post):
    """Linkbacks have no email: flood by IP/email is for type=comment only."""
    for n in range(2):
        submit(
            new_comment(
                post,
                type=Comment.Type.PINGBACK,
                author_email="",
                author_url=f"http://s{n}.example/",
                content=f"[…] ping {n} […]",
            )
        )
    assert Comment.objects.count() == 2


def test_duplicate_is_refused(post):
    """Same post, parent, author and text again is refused with WordPress's 409 message."""
    configure(comment_flood_seconds=0)
    submit(new_comment(post))
    with pytest.raises(Refused) as refused:
        submit(new_comment(post, author_ip="198.51.100.9"))
    assert (refused.value.status, refused.value.code) == (409, "duplicate")
    assert refused.value.message == (
        "Duplicate comment detected; it looks as though you've already said that!"
    )


def test_trashed_comment_is_no_duplicate(post):
    """Text the author trashed may be said again (WordPress excludes trash)."""
    CommentFactory(post=post, author_name="Ada", content="A thoughtful remark.", status="trash")
    assert submit(new_comment(post)).pk


def test_spam_verdict_from_caller_is_kept(post):
    """A bot caught by the form's traps stays spam even if the rules would approve it."""
    CommentFactory(post=post, author_email="ada@example.com")
    assert submit(new_comment(post, status=Comment.Status.SPAM)).status == Comment.Status.SPAM


def test_request_fills_ip_and_user_agent(post, rf):
    """submit(request=...) records the visitor's IP and user agent for the word lists."""
    request = rf.post("/", REMOTE_ADDR="192.0.2.5", HTTP_USER_AGENT="TestBrowser/1")
    comment = submit(
        Comment(post=post, author_name="A", author_email="a@x.org", content="x"), request=request
    )
    assert (comment.author_ip, comment.user_agent) == ("192.0.2.5", "TestBrowser/1")


def test_client_ip_behind_a_proxy(post, rf, settings):
    """Behind a reverse proxy the configured header gives the visitor's address (the last
    entry, which our proxy added); a garbage value falls back to REMOTE_ADDR."""
    settings.BLOGCMS_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    request = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.8")
    comment = submit(
        Comment(post=post, author_name="A", author_email="a@x.org", content="x"), request=request
    )
    assert comment.author_ip == "192.0.2.8"
    request = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="nonsense")
    comment = submit(
        Comment(post=post, author_name="B", author_email="b@x.org", content="y"), request=request
    )
    assert comment.author_ip == "10.0.0.1"
