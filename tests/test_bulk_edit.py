"""From the post list: Quick edit of one post, Bulk edit of the categories, tags and status
of many, with the editor's rules."""

import pytest

from posts.models import Post

from .factories import CategoryFactory, PageFactory, PostFactory, StaffFactory
from .test_admin import member_of

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/posts/post/"


def quick_edit_url(post):
    return f"{LIST_URL}{post.pk}/quick-edit/"


def test_the_post_list_links_quick_edit_on_each_row(client):
    """Every row of the post list has its Quick edit link."""
    client.force_login(StaffFactory())
    post = PostFactory()
    assert f'href="{quick_edit_url(post)}" class="quick-edit"' in client.get(LIST_URL).text


def test_quick_edit_changes_title_slug_date_status_categories_and_tags(client):
    """Quick edit saves the six fields and goes back to the list; the body is untouched
    and the old slug keeps redirecting."""
    boss = StaffFactory()
    client.force_login(boss)
    birds = CategoryFactory(name="Birds")
    post = PostFactory(author=boss, title="Old", slug="old", body="<p>Body stays.</p>")
    form = client.get(quick_edit_url(post))
    assert form.status_code == 200 and 'name="published_at_0"' in form.text
    response = client.post(
        quick_edit_url(post),
        {
            "title": "New title",
            "slug": "new-title",
            "published_at_0": "2024-03-04",
            "published_at_1": "09:30:00",
            "status": "draft",
            "categories": [birds.pk],
            "tags": "owls, herons",
        },
    )
    assert response.status_code == 302 and response.url == LIST_URL
    post.refresh_from_db()
    assert (post.title, post.slug, post.status) == ("New title", "new-title", "draft")
    assert post.published_at.strftime("%Y-%m-%d %H:%M") == "2024-03-04 09:30"
    assert [c.name for c in post.categories.all()] == ["Birds"]
    assert sorted(t.name for t in post.tags.all()) == ["herons", "owls"]
    assert post.body == "<p>Body stays.</p>"
    assert post.old_slugs.filter(slug="old").exists()


def test_quick_edit_comes_back_to_the_filtered_list(client):
    """Opened from a filtered list, Quick edit returns to that list after Update."""
    boss = StaffFactory()
    client.force_login(boss)
    post = PostFactory(author=boss, slug="kept", status=Post.Status.DRAFT)
    listing = client.get(LIST_URL, {"status__exact": "draft"}).text
    link = f"{quick_edit_url(post)}?_changelist_filters=status__exact%3Ddraft"
    assert f'href="{link}"' in listing
    data = {
        "title": "T",
        "slug": "kept",
        "published_at_0": "2024-03-04",
        "published_at_1": "09:30:00",
        "status": "draft",
    }
    response = client.post(link, data)
    assert response.url == f"{LIST_URL}?status__exact=draft"


def test_quick_edit_refuses_a_taken_slug_with_a_message(client):
    """A slug another post has is refused in the form, and nothing is saved."""
    boss = StaffFactory()
    client.force_login(boss)
    PostFactory(slug="taken")
    post = PostFactory(author=boss, slug="mine", title="Mine")
    response = client.post(
        quick_edit_url(post),
        {
            "title": "Mine",
            "slug": "taken",
            "published_at_0": "2024-03-04",
            "published_at_1": "09:30:00",
            "status": "publish",
        },
    )
    assert response.status_code == 200
    assert "Another post already has this slug." in response.text
    post.refresh_from_db()
    assert post.slug == "mine"


def test_contributors_cannot_publish_by_quick_edit(client):
    """A Contributor's quick edit offers no Published and refuses a forged one."""
    contributor = member_of("Contributor")
    client.force_login(contributor)
    post = PostFactory(author=contributor, status=Post.Status.DRAFT, slug="draft")
    assert 'value="publish"' not in client.get(quick_edit_url(post)).text
    client.post(
        quick_edit_url(post),
        {
            "title": "T",
            "slug": "draft",
            "published_at_0": "2024-03-04",
            "published_at_1": "09:30:00",
            "status": "publish",
        },
    )
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


def test_quick_edit_of_someone_elses_post_is_refused(client):
    """An Author reaches no quick edit of another author's post."""
    post = PostFactory(author=member_of("Editor"))
    client.force_login(member_of("Author"))
    assert client.get(quick_edit_url(post)).status_code in (302, 404)


def bulk(client, posts, **fields):
    data = {"action": "bulk_edit", "_selected_action": [p.pk for p in posts], **fields}
    return client.post(LIST_URL, data)


def test_bulk_edit_asks_then_changes_categories_tags_and_status(client):
    """Bulk edit shows the selected posts and a form; applying it adds and removes
    categories and tags and sets the status of each."""
    client.force_login(StaffFactory())
    old, new = CategoryFactory(name="Old"), CategoryFactory(name="New")
    posts = [PostFactory(categories=[old], tags=["stale"]) for _ in range(3)]
    untouched = PostFactory(categories=[old])
    page = bulk(client, posts)
    assert page.status_code == 200 and 'id="bulk-edit-form"' in page.text
    assert all(p.title in page.text for p in posts)
    response = bulk(
        client,
        posts,
        apply="1",
        status="draft",
        add_categories=[new.pk],
        remove_categories=[old.pk],
        add_tags="fresh, new",
        remove_tags="stale",
    )
    assert response.status_code == 302
    for post in posts:
        post.refresh_from_db()
        assert post.status == Post.Status.DRAFT
        assert [c.name for c in post.categories.all()] == ["New"]
        assert sorted(t.name for t in post.tags.all()) == ["fresh", "new"]
    assert [c.name for c in untouched.categories.all()] == ["Old"]
    assert untouched.status == Post.Status.PUBLISHED
    assert "3 post(s) updated." in client.get(LIST_URL).text


def test_bulk_edit_leaves_no_post_without_a_category(client):
    """Removing a post's only category leaves it Uncategorized, as saving it would."""
    client.force_login(StaffFactory())
    only = CategoryFactory(name="Only")
    post = PostFactory(categories=[only])
    bulk(client, [post], apply="1", remove_categories=[only.pk])
    assert [c.slug for c in post.categories.all()] == ["uncategorized"]


def test_contributors_cannot_bulk_publish(client):
    """A Contributor's bulk edit offers no Published, refuses a forged one, and leaves
    posts they may not change alone."""
    contributor = member_of("Contributor")
    client.force_login(contributor)
    draft = PostFactory(author=contributor, status=Post.Status.DRAFT)
    assert 'value="publish"' not in bulk(client, [draft]).text
    bulk(client, [draft], apply="1", status="publish")
    draft.refresh_from_db()
    assert draft.status == Post.Status.DRAFT


def test_pages_bulk_edit_status_only(client):
    """Pages have no categories or tags: their bulk edit changes the status."""
    client.force_login(StaffFactory())
    pages = PageFactory.create_batch(2)
    form = client.post(
        "/admin/posts/page/", {"action": "bulk_edit", "_selected_action": [p.pk for p in pages]}
    )
    assert "add_categories" not in form.text and 'name="status"' in form.text
    client.post(
        "/admin/posts/page/",
        {
            "action": "bulk_edit",
            "_selected_action": [p.pk for p in pages],
            "apply": "1",
            "status": "draft",
        },
    )
    assert set(Post.objects.pages().values_list("status", flat=True)) == {"draft"}
