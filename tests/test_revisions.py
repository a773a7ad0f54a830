"""Revisions of posts and pages: every save keeps one, staff compare any two side by side
and restore one; the open editor's autosave is kept apart and offered back."""

import datetime

import pytest
from django.utils import timezone

from posts.models import Post
from revisions.models import Revision

from .factories import PageFactory, PostFactory, StaffFactory
from .test_admin import member_of, post_form

pytestmark = pytest.mark.django_db


def change_url(post):
    kind = "page" if post.is_page else "post"
    return f"/admin/posts/{kind}/{post.pk}/change/"


def revisions_url(post):
    kind = "page" if post.is_page else "post"
    return f"/admin/posts/{kind}/{post.pk}/revisions/"


def edit(client, post, **fields):
    """Save `post` through its admin form with `fields` changed."""
    stored = {
        "title": post.title,
        "slug": post.slug,
        "body": post.body,
        "excerpt": post.excerpt,
        "status": post.status,
    }
    data = post_form(author=post.author, **{**stored, **fields})
    response = client.post(change_url(post), data)
    assert response.status_code == 302, response.content
    post.refresh_from_db()
    return post


def test_every_admin_save_keeps_a_revision_signed_by_the_editor(client):
    """Creating a post and each later save that changes its text keep a revision with the
    title, body, excerpt, who saved it and when."""
    boss = StaffFactory(username="boss")
    client.force_login(boss)
    client.post("/admin/posts/post/add/", post_form(author=boss, title="First words"))
    post = Post.objects.get(title="First words")
    edit(client, post, title="Second words", excerpt="In short.")
    revisions = list(post.revisions.all())
    assert [r.title for r in revisions] == ["Second words", "First words"]
    assert revisions[0].excerpt == "In short." and revisions[0].author == boss
    assert revisions[0].body == "<p>Written in the editor.</p>"
    assert revisions[0].created_at >= revisions[1].created_at


def test_a_save_that_changes_no_text_keeps_no_revision(client):
    """Saving again with the same title, body and excerpt adds no revision (WordPress:
    wp_save_post_revision skips unchanged posts); a status change alone is no revision."""
    boss = StaffFactory()
    client.force_login(boss)
    post = PostFactory(author=boss, slug="same")
    assert post.revisions.count() == 1  # made by code: kept too, signed by nobody
    assert post.revisions.get().author is None
    edit(client, post)
    edit(client, post, status="draft")
    assert post.revisions.count() == 1


def test_pages_keep_revisions_too(client):
    """A page's saves keep revisions like a post's, and its revisions screen lists them."""
    boss = StaffFactory()
    client.force_login(boss)
    page = PageFactory(author=boss, title="About", slug="about")
    page.title = "About us"
    page.save()
    response = client.get(revisions_url(page))
    assert response.status_code == 200
    assert list(page.revisions.values_list("title", flat=True)) == ["About us", "About"]


def test_fixtures_loaded_raw_make_no_revision():
    """Rows loaded as they are (loaddata, raw saves) are not revisions of anything."""
    post = PostFactory()
    Revision.objects.all().delete()
    Post.save_base(post, raw=True)
    assert not Revision.objects.exists()


def test_revisions_screen_compares_two_side_by_side_with_the_html_shown_as_text(client):
    """The comparison pairs the lines of two revisions: changed paragraphs side by side,
    the body's HTML escaped and shown as its source, unchanged fields marked so."""
    boss = StaffFactory()
    client.force_login(boss)
    post = PostFactory(author=boss, body="<p>Alpha.</p><p>Beta.</p>", excerpt="<b>Short</b>")
    first = post.revisions.get()
    post.body = "<p>Alpha.</p><p>Beta <script>x</script> changed.</p><p>Gamma.</p>"
    post.save()
    second = post.revisions.first()
    response = client.get(revisions_url(post), {"old": first.pk, "new": second.pk})
    assert response.status_code == 200
    html = response.text
    assert "<del>&lt;p&gt;Beta.&lt;/p&gt;</del>" in html
    # The editor's allowlist removed the script before it was stored; the rest is text.
    assert "<ins>&lt;p&gt;Beta  changed.&lt;/p&gt;</ins>" in html
    assert "<ins>&lt;p&gt;Gamma.&lt;/p&gt;</ins>" in html
    assert "<script>" not in html.split('id="diff-content"')[1]
    assert "Title (unchanged)" in html
    post.excerpt = "<i>Shorter</i>"
    post.save()
    html = client.get(revisions_url(post)).text  # by default: the last change made
    assert "<del>&lt;b&gt;Short&lt;/b&gt;</del>" in html
    assert "<ins>&lt;i&gt;Shorter&lt;/i&gt;</ins>" in html


def test_restore_makes_a_new_revision_and_changes_the_post(client):
    """Restoring an old revision puts its text back into the post, and that restore is
    itself a new revision, signed by who restored it."""
    boss = StaffFactory(username="boss")
    client.force_login(boss)
    post = PostFactory(author=boss, title="Old title", excerpt="Old excerpt")
    old = post.revisions.get()
    edit(client, post, title="New title", excerpt="New excerpt")
    response = client.post(f"{revisions_url(post)}{old.pk}/restore/")
    assert response.status_code == 302 and response.url == change_url(post)
    post.refresh_from_db()
    assert (post.title, post.excerpt) == ("Old title", "Old excerpt")
    titles = list(post.revisions.values_list("title", "author__username"))
    assert titles == [("Old title", "boss"), ("New title", "boss"), ("Old title", None)]
    assert "restored to the revision of" in client.get(change_url(post)).text


def test_restore_is_post_only(client):
    """A GET never changes a post (a link followed by a crawler or a prefetch)."""
    boss = StaffFactory()
    client.force_login(boss)
    post = PostFactory(author=boss)
    revision = post.revisions.get()
    assert client.get(f"{revisions_url(post)}{revision.pk}/restore/").status_code == 405


def test_only_who_may_change_the_post_sees_or_restores_its_revisions(client):
    """An Author cannot see another author's revisions (404, as the post itself); a
    Contributor may read their published post's revisions but not restore one."""
    editor = member_of("Editor")
    post = PostFactory(author=editor, title="Editor's")
    revision = post.revisions.get()
    client.force_login(member_of("Author"))
    assert client.get(revisions_url(post)).status_code in (302, 404)
    assert client.post(f"{revisions_url(post)}{revision.pk}/restore/").status_code in (302, 404)

    contributor = member_of("Contributor")
    theirs = PostFactory(author=contributor, status=Post.Status.PUBLISHED, title="Live")
    theirs.title = "Live, edited by an editor"
    theirs.save()
    client.force_login(contributor)
    page = client.get(revisions_url(theirs))
    assert page.status_code == 200 and "Restore this revision" not in page.text
    older = theirs.revisions.last()
    assert client.post(f"{revisions_url(theirs)}{older.pk}/restore/").status_code == 403
    theirs.refresh_from_db()
    assert theirs.title == "Live, edited by an editor"


def test_anonymous_visitors_reach_no_revision_screen(client):
    """The revisions screens are behind the admin login."""
    post = PostFactory()
    response = client.get(revisions_url(post))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_autosave_keeps_one_per_post_and_user_and_leaves_the_post_alone(client):
    """The editor's autosave stores the unsaved text as that user's one autosave, replaced
    by the next; the post and its saved revisions are unchanged."""
    boss = StaffFactory()
    client.force_login(boss)
    post = PostFactory(author=boss, title="Stored", body="<p>Stored.</p>")
    url = f"/admin/posts/post/{post.pk}/autosave/"
    for n in (1, 2):
        response = client.post(url, {"title": f"Typing {n}", "body": "<p>Half</p>"})
        assert response.status_code == 200 and "Autosaved at" in response.json()["message"]
    autosave = Revision.objects.get(is_autosave=True)
    assert (autosave.title, autosave.author, autosave.excerpt) == ("Typing 2", boss, "")
    post.refresh_from_db()
    assert post.title == "Stored" and post.revisions.saved().count() == 1


def test_autosave_body_passes_the_editor_allowlist(client):
    """An autosaved body is cleaned like any stored body: no script survives."""
    boss = StaffFactory()
    client.force_login(boss)
    post = PostFactory(author=boss)
    client.post(
        f"/admin/posts/post/{post.pk}/autosave/",
        {"title": "T", "body": '<p onclick="x()">Hi<script>alert(1)</script></p>'},
    )
    body = Revision.objects.get(is_autosave=True).body
    assert "script" not in body and "onclick" not in body and "Hi" in body


def test_autosave_needs_the_right_to_change_the_post(client):
    """Another author cannot autosave into a post that is not theirs, and GET is refused."""
    post = PostFactory(author=member_of("Editor"))
    client.force_login(member_of("Author"))
    url = f"/admin/posts/post/{post.pk}/autosave/"
    assert client.post(url, {"title": "Mine now"}).status_code in (302, 404)
    assert not Revision.objects.filter(is_autosave=True).exists()
    client.force_login(post.author)
    assert client.get(url).status_code == 405


def test_a_newer_autosave_is_offered_when_the_editor_reopens(client):
    """Reopening the editor with an autosave newer than the post shows WordPress's notice
    with a link comparing it; restoring it saves it as a revision and spends it."""
    boss = StaffFactory()
    client.force_login(boss)
    post = PostFactory(author=boss, title="Stored")
    Post.objects.filter(pk=post.pk).update(
        modified_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    client.post(f"/admin/posts/post/{post.pk}/autosave/", {"title": "Unsaved", "body": "<p>x</p>"})
    autosave = Revision.objects.get(is_autosave=True)
    page = client.get(change_url(post)).text
    assert "There is an autosave of this post that is more recent than the version below." in page
    link = f"{revisions_url(post)}?new={autosave.pk}"
    assert link in page
    compared = client.get(link).text
    assert "<ins>Unsaved</ins>" in compared and "Restore this autosave" in compared
    client.post(f"{revisions_url(post)}{autosave.pk}/restore/")
    post.refresh_from_db()
    assert post.title == "Unsaved"
    assert not Revision.objects.filter(is_autosave=True).exists()
    assert "There is an autosave" not in client.get(change_url(post)).text


def test_saving_the_post_spends_the_autosave(client):
    """Once the editor saves, its autosave is gone and no longer offered."""
    boss = StaffFactory()
    client.force_login(boss)
    post = PostFactory(author=boss)
    client.post(f"/admin/posts/post/{post.pk}/autosave/", {"title": "Typing"})
    edit(client, post, title="Saved at last")
    assert not Revision.objects.filter(is_autosave=True).exists()


def test_someone_elses_autosave_is_neither_offered_nor_restorable(client):
    """An autosave belongs to who typed it: another editor is not offered it."""
    boss, other = StaffFactory(username="boss"), StaffFactory(username="other")
    post = PostFactory(author=boss)
    Post.objects.filter(pk=post.pk).update(
        modified_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    client.force_login(other)
    client.post(f"/admin/posts/post/{post.pk}/autosave/", {"title": "Other's draft"})
    autosave = Revision.objects.get(is_autosave=True)
    client.force_login(boss)
    assert "There is an autosave" not in client.get(change_url(post)).text
    assert client.post(f"{revisions_url(post)}{autosave.pk}/restore/").status_code == 404
