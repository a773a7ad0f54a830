"""Preview of unsaved changes: the editor's form posted to …/preview/ shows the post as it
would look with the edits, in the active theme, to staff only, storing nothing."""

import pytest
from django.utils.html import escape

from blogcms.models import SiteSettings
from posts.models import Post
from revisions.models import Revision

from .factories import CategoryFactory, PageFactory, PostFactory, StaffFactory
from .test_admin import member_of, post_form

pytestmark = pytest.mark.django_db


def preview_url(post=None, kind="post"):
    if post is None:
        return f"/admin/posts/{kind}/preview/"
    return f"/admin/posts/{kind}/{post.pk}/preview/"


def form_of(post, **fields):
    stored = {
        "title": post.title,
        "slug": post.slug,
        "body": post.body,
        "excerpt": post.excerpt,
        "status": post.status,
        "published_at_0": post.published_at.strftime("%Y-%m-%d"),
        "published_at_1": post.published_at.strftime("%H:%M:%S"),
    }
    return post_form(author=post.author, **{**stored, **fields})


def test_preview_of_a_published_post_shows_the_edits_and_changes_nothing(client):
    """The public page stays as it was: the edits exist only in the preview, which is never
    cached and never indexed; no revision is made."""
    boss = StaffFactory()
    post = PostFactory(author=boss, title="As published", body="<p>Old words.</p>")
    client.force_login(boss)
    response = client.post(
        preview_url(post), form_of(post, title="As edited", body="<p>New words.</p>")
    )
    assert response.status_code == 200
    assert '<h1 class="entry-title">As edited</h1>' in response.text
    assert "New words." in response.text and "Old words." not in response.text
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    post.refresh_from_db()
    assert (post.title, post.body) == ("As published", "<p>Old words.</p>")
    assert post.revisions.count() == 1
    client.logout()
    public = client.get(post.get_absolute_url()).text
    assert '<h1 class="entry-title">As published</h1>' in public
    assert "Old words." in public and "New words." not in public


def test_preview_of_a_draft_shows_categories_and_tags_from_the_form(client):
    """A draft's preview shows the categories and tags ticked in the form, new tags
    included, without saving them."""
    boss = StaffFactory()
    birds = CategoryFactory(name="Birds", slug="birds")
    post = PostFactory(author=boss, status=Post.Status.DRAFT, title="Draft")
    client.force_login(boss)
    response = client.post(
        preview_url(post), form_of(post, categories=[birds.pk], tags="Owls, Herons")
    )
    assert response.status_code == 200
    assert ">Birds</a>" in response.text
    assert ">Owls</a>" in response.text and ">Herons</a>" in response.text
    assert list(post.categories.values_list("slug", flat=True)) == ["uncategorized"]
    assert not post.tags.exists()


def test_preview_renders_in_the_active_theme(client):
    """The preview is the theme's own post page."""
    site = SiteSettings.load()
    site.theme = "minimal"
    site.save()
    boss = StaffFactory()
    post = PostFactory(author=boss)
    client.force_login(boss)
    response = client.post(preview_url(post), form_of(post))
    assert "themes/minimal/" in response.text


def test_preview_of_a_post_never_saved(client):
    """The add form previews too, with nothing created (WordPress previews a new post)."""
    boss = StaffFactory()
    client.force_login(boss)
    response = client.post(preview_url(), post_form(author=boss, title="Not yet saved"))
    assert response.status_code == 200
    assert '<h1 class="entry-title">Not yet saved</h1>' in response.text
    assert ">Uncategorized</a>" in response.text
    assert not Post.objects.exists() and not Revision.objects.exists()


def test_preview_of_a_page(client):
    """A page's edits preview on the page template, its parent's address included."""
    boss = StaffFactory()
    about = PageFactory(author=boss, title="About", slug="about")
    client.force_login(boss)
    data = form_of(about, title="About us now", **{"old_slugs-TOTAL_FORMS": "0"})
    data.update({"menu_order": "0"})
    response = client.post(preview_url(about, kind="page"), data)
    assert response.status_code == 200
    assert "About us now" in response.text and "This entry was posted in" not in response.text


def test_preview_of_a_new_page_under_a_parent(client):
    """A page never saved previews at the address it would have under its parent."""
    boss = StaffFactory()
    about = PageFactory(author=boss, title="About", slug="about")
    client.force_login(boss)
    data = post_form(author=boss, title="Team", slug="team", parent=about.pk, menu_order="0")
    response = client.post(preview_url(kind="page"), data)
    assert response.status_code == 200
    assert 'href="http://testserver/about/team/"' in response.text
    assert not Post.objects.filter(slug="team").exists()


def test_preview_body_passes_the_editor_allowlist(client):
    """What the preview shows of the body is cleaned as a stored body would be: a forged
    form cannot run a script in a preview (a Contributor's preview seen by an Editor)."""
    boss = StaffFactory()
    post = PostFactory(author=boss)
    client.force_login(boss)
    body = '<p onmouseover="steal()">Hi</p><script>steal()</script>'
    response = client.post(preview_url(post), form_of(post, body=body))
    assert response.status_code == 200
    assert "steal()" not in response.text and "<p>Hi</p>" in response.text


def test_preview_with_form_errors_explains_and_stores_nothing(client):
    """A form that would not save (no title) is answered 400 with the error, not a page."""
    boss = StaffFactory()
    post = PostFactory(author=boss, title="Kept")
    client.force_login(boss)
    response = client.post(preview_url(post), form_of(post, title=""))
    assert response.status_code == 400
    assert "nothing to preview yet" in response.text
    assert escape("This field is required.") in response.text
    post.refresh_from_db()
    assert post.title == "Kept"


def test_preview_is_for_staff_who_may_change_the_post(client):
    """Visitors are sent to the login; an Author cannot preview another's post; GET is
    refused (the preview is a POST of the form, CSRF-protected like it)."""
    editor = member_of("Editor")
    post = PostFactory(author=editor)
    assert client.post(preview_url(post), form_of(post)).status_code == 302
    client.force_login(member_of("Author"))
    assert client.post(preview_url(post), form_of(post)).status_code in (302, 404)
    client.force_login(editor)
    assert client.get(preview_url(post)).status_code == 405


def test_preview_needs_the_csrf_token(client):
    """The preview answers only the form it served (Django's CSRF check on the POST)."""
    from django.test import Client

    boss = StaffFactory()
    post = PostFactory(author=boss)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(boss)
    assert strict.post(preview_url(post), form_of(post)).status_code == 403


def test_the_editor_offers_preview_in_a_new_tab(client):
    """The change form's Preview button posts the form to the preview in a new tab."""
    boss = StaffFactory()
    post = PostFactory(author=boss)
    client.force_login(boss)
    page = client.get(f"/admin/posts/post/{post.pk}/change/").text
    assert f'formaction="{preview_url(post)}" formtarget="_blank"' in page
