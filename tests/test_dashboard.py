"""The admin dashboard: At a glance counts, the latest held responses moderated in one
click, and Quick Draft."""

import pytest

from comments.models import Comment
from posts.models import Post

from .factories import CommentFactory, PageFactory, PostFactory, StaffFactory
from .test_admin import member_of

pytestmark = pytest.mark.django_db


def test_at_a_glance_counts_posts_pages_and_responses(client, django_assert_max_num_queries):
    """Posts, pages, approved, held and spam responses are counted, in a fixed number of
    queries however many there are."""
    posts = PostFactory.create_batch(3)
    PageFactory.create_batch(2)
    CommentFactory.create_batch(4, post=posts[0])
    CommentFactory.create_batch(2, post=posts[0], status=Comment.Status.PENDING)
    CommentFactory(post=posts[1], status=Comment.Status.SPAM)
    client.force_login(StaffFactory())
    with django_assert_max_num_queries(20):
        page = client.get("/admin/").text
    glance = page.split('id="at-a-glance"')[1].split("</div>")[0]
    for text in ("3 Posts", "2 Pages", "4 Comments", "2 in moderation", "1 spam"):
        assert text in glance


def test_held_responses_are_approved_in_one_click_from_the_dashboard(client):
    """Each held response shows with Approve, Spam and Trash; one click moderates it and
    comes back to the dashboard."""
    held = CommentFactory(status=Comment.Status.PENDING, content="Please approve me")
    client.force_login(StaffFactory())
    page = client.get("/admin/").text
    assert "Please approve me" in page.split('id="held-responses"')[1]
    response = client.post(
        f"/admin/comments/comment/{held.pk}/moderate/",
        {"status": "approved"},
        HTTP_REFERER="http://testserver/admin/",
    )
    assert response.status_code == 302 and response.url == "http://testserver/admin/"
    held.refresh_from_db()
    assert held.status == Comment.Status.APPROVED
    assert 'id="held-responses"' not in client.get("/admin/").text


def test_held_responses_escape_the_visitors_text(client):
    """A held comment's text is shown as text on the dashboard."""
    CommentFactory(status=Comment.Status.PENDING, content="<script>alert(1)</script>")
    client.force_login(StaffFactory())
    page = client.get("/admin/").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_quick_draft_makes_a_draft_of_the_user(client):
    """Quick Draft saves a draft by the user with the lines as paragraphs (escaped), in
    Uncategorized, listed under Your Recent Drafts; a second one of the same title gets a
    free slug."""
    boss = StaffFactory()
    client.force_login(boss)
    for _ in range(2):
        response = client.post(
            "/admin/posts/post/quick-draft/",
            {"title": "An idea", "content": "First line <b>x</b>\n\nSecond"},
        )
        assert response.status_code == 302 and response.url == "/admin/"
    first, second = Post.objects.order_by("id")
    assert (first.status, first.author, first.slug) == (Post.Status.DRAFT, boss, "an-idea")
    assert second.slug == "an-idea-2"
    assert first.body == "<p>First line &lt;b&gt;x&lt;/b&gt;</p>\n\n<p>Second</p>"
    assert [c.slug for c in first.categories.all()] == ["uncategorized"]
    assert first.revisions.get().author == boss
    page = client.get("/admin/").text
    assert "Draft saved." in page
    assert "Your Recent Drafts" in page and f"/admin/posts/post/{first.pk}/change/" in page


def test_quick_draft_needs_a_title_and_the_right_to_write(client):
    """No title: nothing saved and a message says why; a GET is refused; staff who may
    not add posts cannot use it."""
    client.force_login(StaffFactory())
    client.post("/admin/posts/post/quick-draft/", {"title": "", "content": "Words"})
    assert not Post.objects.exists()
    assert "A quick draft needs a title." in client.get("/admin/").text
    assert client.get("/admin/posts/post/quick-draft/").status_code == 405
    client.force_login(StaffFactory(username="nobody", is_superuser=False))
    assert client.post("/admin/posts/post/quick-draft/", {"title": "x"}).status_code == 403
    assert not Post.objects.exists()


def test_contributors_quick_draft_is_theirs(client):
    """A Contributor may quick-draft (a draft is theirs to write)."""
    contributor = member_of("Contributor")
    client.force_login(contributor)
    client.post("/admin/posts/post/quick-draft/", {"title": "Mine"})
    assert Post.objects.get().author == contributor
