"""Comment pages (comments/paging.py) and the thread's rendering (comments/thread.py):
WordPress's "Break comments into pages", bounded pages for hostile threads, and each
comment's HTML kept and renewed exactly when it changes."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment

from .comment_helpers import configure, post_comment
from .factories import CommentFactory, PostFactory, UserFactory
from .pages import find, parse

pytestmark = pytest.mark.django_db

COMMENT_ID = re.compile(r'<article id="comment-(\d+)"')


@pytest.fixture
def post():
    return PostFactory(title="Much discussed", slug="much-discussed")


def top_level(post, count):
    """`count` approved top-level comments, a minute apart, oldest first."""
    start = timezone.now() - datetime.timedelta(days=1)
    return [
        CommentFactory(post=post, created_at=start + datetime.timedelta(minutes=n))
        for n in range(count)
    ]


def shown_ids(response):
    return [int(pk) for pk in COMMENT_ID.findall(response.text)]


def chain(post, length):
    """A reply chain `length` deep, made in bulk."""
    parent = None
    start = timezone.now() - datetime.timedelta(days=1)
    for n in range(length):
        parent = Comment.objects.create(
            post=post,
            parent=parent,
            status=Comment.Status.APPROVED,
            author_name=f"Link {n}",
            content=f"Reply number {n}.",
            created_at=start + datetime.timedelta(seconds=n),
        )
    return parent


def test_pages_hold_comments_per_page_threads_and_the_last_is_shown(client, post):
    """With paging on, the post's URL shows the newest page; older pages live at
    comment-page-N/, linked by "Older Comments"; each holds its threads with their replies."""
    configure(page_comments=True, comments_per_page=2)
    comments = top_level(post, 5)
    reply = CommentFactory(post=post, parent=comments[0])
    url = post.get_absolute_url()
    newest = client.get(url)
    assert shown_ids(newest) == [comments[4].pk]
    older = find(parse(newest), ".//nav[@class='navigation comments-pagination']/a")[0]
    assert older.get("href") == f"{url}comment-page-2/#comments"
    first = client.get(f"{url}comment-page-1/")
    assert shown_ids(first) == [comments[0].pk, reply.pk, comments[1].pk]
    assert shown_ids(client.get(f"{url}?cpage=2")) == [comments[2].pk, comments[3].pk]
    assert "6 Responses to" in first.text  # the count is the post's, not the page's


def test_the_first_page_can_be_the_default(client, post):
    """default_comments_page "oldest": the post's URL shows page 1."""
    configure(page_comments=True, comments_per_page=2, default_comments_page="oldest")
    comments = top_level(post, 3)
    assert shown_ids(client.get(post.get_absolute_url())) == [c.pk for c in comments[:2]]


def test_a_comment_link_lands_on_its_page(client, post):
    """A comment's link (feeds, mail, the redirect after posting) names its page, and that
    page holds it."""
    configure(page_comments=True, comments_per_page=2)
    comments = top_level(post, 5)
    oldest_link = comments[0].get_absolute_url()
    assert oldest_link == f"{post.get_absolute_url()}comment-page-1/#comment-{comments[0].pk}"
    assert comments[0].pk in shown_ids(client.get(oldest_link.split("#")[0]))
    assert comments[4].get_absolute_url() == f"{post.get_absolute_url()}#comment-{comments[4].pk}"


def test_a_comment_page_past_the_last_is_not_found(client, post):
    """comment-page-9/ of a post with two pages is a 404, not an empty page."""
    configure(page_comments=True, comments_per_page=2)
    top_level(post, 3)
    assert client.get(f"{post.get_absolute_url()}comment-page-9/").status_code == 404
    assert client.get(f"{post.get_absolute_url()}comment-page-2/").status_code == 200


def test_a_new_comment_is_laid_out_at_once(client, post):
    """A newly approved comment appears on the newest page on the next view, and a new
    page begins when the last is full."""
    configure(page_comments=True, comments_per_page=2, comment_previously_approved=False)
    top_level(post, 2)
    url = post.get_absolute_url()
    assert len(shown_ids(client.get(url))) == 2
    response = post_comment(client, post, comment="A brand new thought.")
    newest = Comment.objects.latest("pk")
    assert newest.status == "approved"
    assert response["Location"] == newest.get_absolute_url()
    assert shown_ids(client.get(url)) == [newest.pk]


def test_a_reply_chain_10000_deep_is_cut_into_bounded_pages(client, post, settings):
    """However long a chain (here 300, with a page limit of 100), each page holds at most
    the limit, nested no deeper than the site's thread depth, and the chain reads on."""
    settings.BLOGCMS_COMMENTS_PAGE_LIMIT = 100
    configure(thread_comments_depth=10)
    last = chain(post, 300)
    url = post.get_absolute_url()
    pages = [client.get(f"{url}comment-page-{n}/") for n in (1, 2, 3)]
    assert [len(shown_ids(p)) for p in pages] == [100, 100, 100]
    assert shown_ids(client.get(url)) == shown_ids(pages[2])  # the default: the newest
    assert last.pk in shown_ids(pages[2])
    for page in pages:
        tree = parse(page)  # strict HTML5: every list the loop opened is closed
        depths = [int(d) for d in re.findall(r'class="comment depth-(\d+)', page.text)]
        assert max(depths) == 10
        # Nested as deep as the depth classes say, no deeper.
        li = find(tree, ".//ol[@class='commentlist']/li")[0]
        levels = 1
        while children := find(li, "./ol[@class='children']/li"):
            li, levels = children[0], levels + 1
        assert levels <= 10


def test_with_paging_off_a_post_past_the_limit_still_has_pages(client, post, settings):
    """Paging off (WordPress's default): one page, unless the post has more responses than
    the page limit; then the newest are shown and the rest are a link away."""
    settings.BLOGCMS_COMMENTS_PAGE_LIMIT = 3
    comments = top_level(post, 4)
    url = post.get_absolute_url()
    assert shown_ids(client.get(url)) == [comments[3].pk]
    assert shown_ids(client.get(f"{url}comment-page-1/")) == [c.pk for c in comments[:3]]


def test_an_edited_comment_shows_at_once_though_its_html_is_kept(client, post):
    """Each comment's HTML is kept between views and renewed when that comment changes,
    with no new content generation (the page cache is off here)."""
    comment = CommentFactory(post=post, content="First words.")
    url = post.get_absolute_url()
    assert "First words." in client.get(url).text
    Comment.objects.filter(pk=comment.pk).update(content_html="<p>Untouched?</p>")
    assert "First words." in client.get(url).text  # kept: not rendered again
    comment.refresh_from_db()
    comment.content = "Second words."
    comment.save()
    assert "Second words." in client.get(url).text
    Comment.objects.filter(pk=comment.pk).update(content_html="<p>Untouched?</p>")
    assert "Second words." in client.get(url).text  # the new HTML is kept in turn


def test_reply_links_follow_the_visitor_not_the_kept_html(client, post):
    """With registration required, an anonymous visitor gets no Reply links and a logged-in
    one does, from the same kept comments."""
    configure(comment_registration=True)
    CommentFactory(post=post)
    url = post.get_absolute_url()
    assert 'class="comment-reply-link"' not in client.get(url).text
    member = Client()
    member.force_login(UserFactory(username="member"))
    assert 'class="comment-reply-link"' in member.get(url).text
    assert 'class="comment-reply-link"' not in client.get(url).text


def test_a_held_comment_shows_only_to_its_author_beside_kept_ones(client, post):
    """The "awaiting moderation" comment is its author's alone, whatever is kept."""
    configure(comment_moderation=True)
    CommentFactory(post=post, content="Approved words.")
    url = post.get_absolute_url()
    Client().get(url)  # the approved comment's HTML is kept
    post_comment(client, post, comment="Held words.")
    assert "Your comment is awaiting moderation." in client.get(url).text
    stranger = Client().get(url).text
    assert "Held words." not in stranger and "Approved words." in stranger


def test_a_change_made_without_save_still_shows(client, post):
    """Comments approved by a bulk UPDATE (no signal, no save()) appear on the next view:
    the kept layout is checked against the approved responses in the page's own query."""
    shown = CommentFactory(post=post)
    held = CommentFactory(post=post, status="pending")
    url = post.get_absolute_url()
    assert shown_ids(client.get(url)) == [shown.pk]
    Comment.objects.filter(pk=held.pk).update(status="approved")
    assert shown_ids(client.get(url)) == [shown.pk, held.pk]
