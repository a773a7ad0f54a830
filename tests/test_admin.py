"""Writing in the admin: roles, bulk actions, filters, default category, featured images and
the rich-text editor under our Content-Security-Policy."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from media_library.models import MediaItem
from posts.models import Category, Post

from .factories import CategoryFactory, MediaItemFactory, PostFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/posts/post/add/"
LIST_URL = "/admin/posts/post/"


def member_of(role, username=None):
    """A staff user in one of the WordPress role groups made by blogcms/migrations/0002_roles.py."""
    user = UserFactory(username=username or role.lower(), is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def post_form(author=None, **fields):
    """A complete add/change form for a post, as the admin page posts it (with an author
    field for those who may choose one)."""
    data = {
        "title": "From the admin",
        "slug": "from-the-admin",
        "body": "<p>Written in the editor.</p>",
        "excerpt": "",
        "status": "publish",
        "published_at_0": "2024-01-02",
        "published_at_1": "10:00:00",
        "tags": "",
        "comments_open": "on",
        "pings_open": "on",
        "old_slugs-TOTAL_FORMS": "0",
        "old_slugs-INITIAL_FORMS": "0",
        "old_slugs-MIN_NUM_FORMS": "0",
        "old_slugs-MAX_NUM_FORMS": "1000",
    }
    if author:
        data["author"] = author.pk
    data.update(fields)
    return data


def test_roles_exist_as_groups():
    """Editor, Author and Contributor are groups made by a migration."""
    assert set(Group.objects.values_list("name", flat=True)) >= {"Editor", "Author", "Contributor"}


def test_contributor_post_goes_to_pending(client):
    """A Contributor cannot publish: a forged "publish" is refused, and their post is
    submitted for review as pending."""
    contributor = member_of("Contributor")
    client.force_login(contributor)
    refused = client.post(ADD_URL, post_form(status="publish"))
    assert refused.status_code == 200
    assert not Post.objects.exists()
    response = client.post(ADD_URL, post_form(status="pending"))
    assert response.status_code == 302
    post = Post.objects.get(slug="from-the-admin")
    assert post.status == Post.Status.PENDING
    assert post.author == contributor
    assert client.get(post.get_absolute_url()).status_code == 200  # their own preview
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 404


def test_contributor_cannot_publish_by_editing(client):
    """A Contributor editing their pending post still cannot make it public."""
    contributor = member_of("Contributor")
    post = PostFactory(author=contributor, status=Post.Status.PENDING, slug="mine")
    client.force_login(contributor)
    client.post(f"/admin/posts/post/{post.pk}/change/", post_form(slug="mine", status="publish"))
    post.refresh_from_db()
    assert post.status == Post.Status.PENDING


def test_contributor_is_not_offered_publish(client):
    """The Contributor's status menu offers only Draft and Pending review."""
    client.force_login(member_of("Contributor"))
    form = client.get(ADD_URL).context["adminform"].form
    assert [value for value, _ in form.fields["status"].choices] == ["draft", "pending"]


def test_author_publishes_own_post(client):
    """An Author publishes their own posts."""
    author = member_of("Author")
    client.force_login(author)
    client.post(ADD_URL, post_form(status="publish"))
    post = Post.objects.get(slug="from-the-admin")
    assert post.status == Post.Status.PUBLISHED and post.author == author


def test_author_cannot_edit_others_posts(client):
    """An Author neither sees nor edits another author's post."""
    other = PostFactory(title="Someone else's")
    client.force_login(member_of("Author"))
    assert "Someone else" not in client.get(LIST_URL).text
    change_url = f"/admin/posts/post/{other.pk}/change/"
    response = client.post(change_url, post_form(title="Hijacked", slug=other.slug))
    assert response.status_code in (302, 404)
    other.refresh_from_db()
    assert other.title == "Someone else's"


def test_editor_edits_others_posts(client):
    """An Editor edits and publishes anyone's post."""
    other = PostFactory(title="Draft by another", status=Post.Status.DRAFT)
    client.force_login(member_of("Editor"))
    response = client.post(
        f"/admin/posts/post/{other.pk}/change/",
        post_form(other.author, title="Edited by the editor", slug=other.slug),
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.title == "Edited by the editor"
    assert other.status == Post.Status.PUBLISHED


def test_new_post_without_category_is_uncategorized(client):
    """A post saved with no category gets "Uncategorized", as in WordPress."""
    boss = StaffFactory()
    client.force_login(boss)
    client.post(ADD_URL, post_form(boss))
    post = Post.objects.get(slug="from-the-admin")
    assert [c.slug for c in post.categories.all()] == ["uncategorized"]


def test_chosen_category_is_kept(client):
    """A chosen category is kept and Uncategorized is not added."""
    news = CategoryFactory(name="News", slug="news")
    boss = StaffFactory()
    client.force_login(boss)
    client.post(ADD_URL, post_form(boss, categories=[news.pk], tags="alpha, beta"))
    post = Post.objects.get(slug="from-the-admin")
    assert [c.slug for c in post.categories.all()] == ["news"]
    assert sorted(t.name for t in post.tags.all()) == ["alpha", "beta"]


def test_bulk_publish_and_unpublish(client):
    """Staff publish or move to draft many posts at once from the list."""
    drafts = [PostFactory(status=Post.Status.DRAFT) for _ in range(3)]
    client.force_login(StaffFactory())
    ids = [str(p.pk) for p in drafts]
    client.post(LIST_URL, {"action": "publish", "_selected_action": ids})
    assert set(Post.objects.values_list("status", flat=True)) == {"publish"}
    client.post(LIST_URL, {"action": "unpublish", "_selected_action": ids[:2]})
    assert sorted(Post.objects.values_list("status", flat=True)) == ["draft", "draft", "publish"]


def test_contributor_has_no_bulk_publish(client):
    """The publish actions are not offered to someone who cannot publish."""
    client.force_login(member_of("Contributor"))
    PostFactory(author=UserFactory(username="contributor"))
    action_form = client.get(LIST_URL).context["action_form"]
    actions = action_form.fields["action"].choices if action_form else []
    assert "publish" not in [name for name, _ in actions]


def test_list_filters_and_search(client):
    """The post list filters by status, category, author and date, and searches."""
    news = CategoryFactory(name="News", slug="news")
    jo = UserFactory(username="jo")
    PostFactory(title="Alpha news", categories=[news], author=jo)
    PostFactory(title="Beta draft", status=Post.Status.DRAFT)
    PostFactory(title="Gamma old", published_at=datetime.datetime(2015, 3, 1, tzinfo=datetime.UTC))
    client.force_login(StaffFactory())

    def titles(query):
        response = client.get(LIST_URL + query)
        assert response.status_code == 200
        return sorted(p.title for p in response.context["cl"].result_list)

    assert titles("?status__exact=draft") == ["Beta draft"]
    assert titles(f"?categories__id__exact={news.pk}") == ["Alpha news"]
    assert titles(f"?author__id__exact={jo.pk}") == ["Alpha news"]
    assert titles("?published_at__year=2015") == ["Gamma old"]
    assert titles("?q=beta") == ["Beta draft"]


def test_view_on_site_previews_a_draft(client):
    """ "View on site" takes staff to the draft's permalink, which they can read."""
    draft = PostFactory(title="Unfinished", status=Post.Status.DRAFT)
    client.force_login(StaffFactory())
    page = client.get(f"/admin/posts/post/{draft.pk}/change/").text
    assert "View on site" in page
    content_type = ContentType.objects.get_for_model(Post)
    response = client.get(f"/admin/r/{content_type.pk}/{draft.pk}/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(draft.get_absolute_url())
    assert "Unfinished" in response.text


def test_categories_and_tags_are_managed_in_the_admin(client):
    """Staff add a nested category and rename a tag in the admin."""
    news = CategoryFactory(name="News", slug="news")
    client.force_login(StaffFactory())
    response = client.post(
        "/admin/posts/category/add/",
        {"name": "Local", "slug": "local", "parent": news.pk, "description": ""},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Category.objects.get(slug="local").path == "news/local"
    PostFactory(tags=["Imigration"])
    from taggit.models import Tag

    tag = Tag.objects.get(name="Imigration")
    response = client.post(
        f"/admin/taggit/tag/{tag.pk}/change/",
        {
            "name": "Immigration",
            "slug": "immigration",
            "taggit_taggeditem_items-TOTAL_FORMS": "0",
            "taggit_taggeditem_items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert client.get("/tag/immigration/").status_code == 200


def test_category_list_counts_posts_in_fixed_queries(client, django_assert_max_num_queries):
    """The category list shows each category's post count without a query per row."""
    parent = None
    for _ in range(20):
        parent = CategoryFactory(parent=parent)
        PostFactory(categories=[parent])
    client.force_login(StaffFactory())
    with django_assert_max_num_queries(10):
        page = client.get("/admin/posts/category/").text
    assert page.count('<td class="field-post_count">1</td>') == 20


def test_category_cannot_be_its_own_ancestor(client):
    """Choosing a descendant as a category's parent is refused with a clear error."""
    news = CategoryFactory(name="News", slug="news")
    local = CategoryFactory(name="Local", slug="local", parent=news)
    client.force_login(StaffFactory())
    response = client.post(
        f"/admin/posts/category/{news.pk}/change/",
        {"name": "News", "slug": "news", "parent": local.pk, "description": ""},
    )
    assert response.status_code == 200
    assert "cannot sit inside itself" in response.text


def test_renaming_a_parent_category_moves_its_children(client):
    """A parent's new slug changes its children's URLs too."""
    news = CategoryFactory(name="News", slug="news")
    CategoryFactory(name="Local", slug="local", parent=news)
    news.slug = "stories"
    news.save()
    assert Category.objects.get(slug="local").get_absolute_url() == "/category/stories/local/"


def test_featured_image_is_picked_from_the_library_and_shown_by_both_themes(client):
    """A library image chosen as the featured image is shown by both themes with its
    srcset, width and height, and its alt text."""
    image = MediaItemFactory(alt_text="A teal square")
    boss = StaffFactory()
    client.force_login(boss)
    response = client.post(ADD_URL, post_form(boss, featured_image=image.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    post = Post.objects.get(slug="from-the-admin")
    assert post.featured_image == image
    from blogcms.models import SiteSettings

    for theme in ("classic", "minimal"):
        site = SiteSettings.load()
        site.theme = theme
        site.save()
        page = client.get(post.get_absolute_url()).text
        assert f'src="{image.rendition("large").url}"' in page
        assert 'alt="A teal square"' in page and 'width="1024" height="768"' in page
        assert f"{image.file.url} 1600w" in page


def test_post_form_shows_the_featured_image_and_a_library_lookup(client):
    """The post form shows the chosen image's thumbnail and the library's lookup popup,
    which lists images only (the library also keeps PDFs and other files)."""
    image = MediaItemFactory()
    post = PostFactory(featured_image=image)
    client.force_login(StaffFactory())
    page = client.get(f"/admin/posts/post/{post.pk}/change/").text
    lookup = "/admin/media_library/mediaitem/?mime_type__startswith=image%2F&amp;_to_field=id"
    assert f'href="{lookup}"' in page
    assert f'src="{image.rendition("thumbnail").url}"' in page
    pdf = MediaItem.create_from_upload(
        SimpleUploadedFile("menu.pdf", b"%PDF-1.4\n%%EOF\n"), allow_files=True
    )
    popup = client.get(lookup.replace("&amp;", "&") + "&_popup=1")
    assert popup.status_code == 200
    assert f"/{image.pk}/change/" in popup.text and f"/{pdf.pk}/change/" not in popup.text


def test_a_file_cannot_be_the_featured_image(client):
    """A PDF in the library is refused as a post's featured image."""
    pdf = MediaItem.create_from_upload(
        SimpleUploadedFile("menu.pdf", b"%PDF-1.4\n%%EOF\n"), allow_files=True
    )
    boss = StaffFactory()
    client.force_login(boss)
    response = client.post(ADD_URL, post_form(boss, featured_image=pdf.pk))
    assert response.status_code == 200
    assert "featured_image" in response.context["adminform"].form.errors
    assert not Post.objects.filter(slug="from-the-admin").exists()


def test_a_post_with_a_featured_image_saves_again_unchanged(client, settings, tmp_path):
    """Editing a post that has an image (no new upload) keeps it, on real files too."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path
    image = MediaItemFactory()
    boss = StaffFactory()
    client.force_login(boss)
    client.post(ADD_URL, post_form(boss, featured_image=image.pk))
    post = Post.objects.get(slug="from-the-admin")
    change_url = f"/admin/posts/post/{post.pk}/change/"
    response = client.post(
        change_url, post_form(boss, body="<p>Edited.</p>", featured_image=image.pk)
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "<p>Edited.</p>" and post.featured_image == image


@pytest.mark.browser
def test_rich_text_editor_loads_under_csp(live_server, transactional_db, monkeypatch):
    """The post form's body is a working rich-text editor in Chromium with our CSP on."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # Playwright's loop, our thread
    StaffFactory(username="boss", password="correct horse battery staple")
    problems = []  # script errors, and any of our URLs that failed (the favicon aside)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and "Failed to load resource" not in m.text
                and problems.append(m.text)
            ),
        )
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and not r.url.endswith("/favicon.ico")
                and problems.append(f"{r.status} {r.url}")
            ),
        )
        page.goto(f"{live_server.url}/admin/login/?next={ADD_URL}")
        page.fill("#id_username", "boss")
        page.fill("#id_password", "correct horse battery staple")
        page.click("input[type=submit]")
        page.wait_for_url(f"**{ADD_URL}")
        editor = page.locator(".ProseMirror[contenteditable=true]")
        editor.wait_for(timeout=10_000)
        editor.click()
        page.keyboard.type("Typed in the editor")
        page.keyboard.press("Control+b")
        page.keyboard.type(" bold")
        page.fill("#id_title", "Browser post")
        page.click("input[name=_save]")
        page.wait_for_url(f"**{LIST_URL}")
        browser.close()
    assert problems == []
    body = Post.objects.get(title="Browser post").body
    assert "Typed in the editor" in body
    assert "<strong>bold</strong>" in body or "<strong> bold</strong>" in body


def test_contributor_cannot_take_down_their_published_post(client):
    """A Contributor may read their published post in the admin but not change it."""
    contributor = member_of("Contributor")
    post = PostFactory(author=contributor, status=Post.Status.PUBLISHED, slug="theirs")
    client.force_login(contributor)
    url = f"/admin/posts/post/{post.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.post(url, {"title": "Changed", "status": "pending"}).status_code == 403
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED and post.title != "Changed"
    assert client.get(post.get_absolute_url()).status_code == 200


def test_scheduled_posts_read_as_scheduled(client):
    """A published post dated ahead is "Scheduled" in the list, under its own filter, and
    saving it says when it will appear."""
    boss = StaffFactory()
    client.force_login(boss)
    saved = client.post(
        ADD_URL,
        post_form(boss, published_at_0="2999-01-02", published_at_1="10:00:00"),
        follow=True,
    )
    assert "is scheduled for" in saved.text
    PostFactory(title="Already out", slug="already-out")
    scheduled = client.get("/admin/posts/post/?when=scheduled").text
    assert "From the admin" in scheduled and "Already out" not in scheduled
    assert '<td class="field-state">Scheduled</td>' in scheduled
