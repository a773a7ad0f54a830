"""Library images where readers and writers meet them: in post bodies (srcset added on
display, WordPress's way), through the editor's allowlist, the editor's picker endpoints,
and the files themselves as the site serves them."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from media_library.models import MediaItem
from posts.models import Post

from .factories import MediaItemFactory, PostFactory, StaffFactory, UserFactory, image_upload
from .test_admin import member_of
from .test_media_library import png_claiming

pytestmark = pytest.mark.django_db

PICKER_URL = "/admin/media_library/mediaitem/picker/"
UPLOAD_URL = "/admin/media_library/mediaitem/picker/upload/"


def body_image(item, size="large", **extra):
    """What the editor stores for a library image: WordPress's markup."""
    rendition = item.rendition(size)
    attributes = "".join(f' {name}="{value}"' for name, value in extra.items())
    return (
        f'<p><img class="wp-image-{item.pk} size-{size}" src="{rendition.url}" '
        f'alt="{item.alt_text}" width="{rendition.width}" height="{rendition.height}"'
        f"{attributes}></p>"
    )


def test_body_images_get_srcset_sizes_and_lazy_loading_on_display():
    """A library image stored as <img class="wp-image-N size-large" …> is shown with the
    item's srcset and sizes, its width and height, and loading="lazy" below a featured
    image, as WordPress's wp_filter_content_tags() shows it."""
    item = MediaItemFactory(upload=image_upload(size=(1600, 1200)))
    post = PostFactory(body=body_image(item), featured_image=MediaItemFactory())
    assert f"wp-image-{item.pk} size-large" in Post.objects.get(pk=post.pk).body  # kept
    from django.test import Client

    page = Client().get(post.get_absolute_url()).text
    content = page[page.index('class="entry-content"') :]
    tag = content[content.index("<img") : content.index(">", content.index("<img")) + 1]
    assert f'src="{item.rendition("large").url}"' in tag
    assert f"{item.rendition('medium').url} 300w" in tag and f"{item.file.url} 1600w" in tag
    assert 'sizes="(max-width: 1024px) 100vw, 1024px"' in tag
    assert 'width="1024" height="768"' in tag and 'loading="lazy"' in tag


def test_first_image_of_a_post_without_featured_image_is_not_lazy(client):
    """The first image at the top of a page is loaded at once; later ones are lazy."""
    first, second = MediaItemFactory(), MediaItemFactory()
    post = PostFactory(body=body_image(first) + body_image(second, "medium"))
    page = client.get(post.get_absolute_url()).text
    content = page[page.index('class="entry-content"') :]
    tags = [content[i : content.index(">", i) + 1] for i in _find_all(content, "<img")]
    assert "loading" not in tags[0] and 'loading="lazy"' in tags[1]


def _find_all(text, needle):
    start = text.find(needle)
    while start != -1:
        yield start
        start = text.find(needle, start + 1)


def test_a_foreign_or_stale_image_is_left_alone_but_lazy(client):
    """An <img> that is not a file of the item it names gets no srcset (WordPress checks
    the file too), and an image from elsewhere just gets lazy loading."""
    item = MediaItemFactory()
    body = (
        '<p><img src="https://example.com/a.png" alt="elsewhere"></p>'
        f'<p><img class="wp-image-{item.pk}" src="/media/other.jpg" alt="renamed"></p>'
        '<p><img class="wp-image-999999" src="/media/gone.jpg" alt="deleted"></p>'
    )
    post = PostFactory(body=body, featured_image=MediaItemFactory())
    page = client.get(post.get_absolute_url()).text
    assert "srcset" not in page[page.index('class="entry-content"') :]
    assert page.count('loading="lazy"') >= 3


def test_listing_fetches_body_images_in_fixed_queries(client, django_assert_max_num_queries):
    """The home page's queries do not grow with the number of posts showing images."""

    def queries_for(count):
        Post.objects.all().delete()
        for _ in range(count):
            item = MediaItemFactory()
            PostFactory(body=body_image(item), featured_image=MediaItemFactory())
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            page = client.get("/").text
        assert page.count("srcset=") == 2 * count
        return len(captured)

    client.get("/")  # site settings and the like, cached from then on
    assert queries_for(2) == queries_for(6)


def test_editor_allowlist_keeps_library_markup_and_nothing_more():
    """The body's allowlist keeps an image's src, alt, width, height and the library's
    classes (wp-image-N, size-X, alignment), figure and figcaption bare, and drops other
    classes and attributes."""
    post = PostFactory(
        body='<figure class="wp-block-image" style="width:9px"><img class="wp-image-12 '
        'size-large alignleft evil-class" src="/media/a.jpg" alt="A" width="10" height="5" '
        'onerror="alert(1)" style="position:fixed" data-x="1" srcset="/x 1w">'
        '<figcaption class="c" onclick="x()">A <em>cap</em></figcaption></figure>'
        '<p class="wp-image-3">text</p>'
    )
    body = Post.objects.get(pk=post.pk).body
    assert body.startswith(
        '<figure><img class="wp-image-12 size-large alignleft" src="/media/a.jpg" alt="A" '
        'width="10" height="5"><figcaption>A <em>cap</em></figcaption></figure>'
    )
    assert "evil" not in body and "onerror" not in body and "style" not in body
    assert "srcset" not in body and "data-x" not in body and "<p>text</p>" in body
    assert "wp-block-image" not in body and "onclick" not in body


def test_picker_lists_and_searches_the_library_for_staff(client):
    """The editor's picker lists items newest first with their sizes, and searches."""
    older = MediaItemFactory(title="Harbour at dawn", alt_text="Boats")
    newer = MediaItemFactory(title="Market", alt_text="Stalls")
    client.force_login(member_of("Contributor"))  # may pick, not upload
    data = client.get(PICKER_URL).json()
    assert [r["id"] for r in data["results"]] == [newer.pk, older.pk]
    first = data["results"][0]
    assert first["sizes"]["large"] == {
        "url": newer.rendition("large").url,
        "width": 1024,
        "height": 768,
    }
    assert first["thumbnail"] == newer.rendition("thumbnail").url and first["alt"] == "Stalls"
    assert [r["id"] for r in client.get(PICKER_URL, {"q": "harb"}).json()["results"]] == [older.pk]


def test_picker_is_for_staff_only(client):
    """Visitors and non-staff users get the admin login, not the library."""
    MediaItemFactory()
    assert client.get(PICKER_URL).status_code == 302
    client.force_login(UserFactory())
    assert client.get(PICKER_URL).status_code == 302


def test_picker_upload_creates_an_item(client):
    """Uploading from the editor's dialog stores a cleaned item and answers with it."""
    author = member_of("Author")
    client.force_login(author)
    response = client.post(
        UPLOAD_URL,
        {"file": image_upload("Sunset.png", fmt="PNG"), "alt": "Red sky", "caption": "Evening"},
    )
    assert response.status_code == 201
    item = MediaItem.objects.get()
    assert response.json()["id"] == item.pk and item.alt_text == "Red sky"
    assert item.caption == "Evening" and response.json()["caption"] == "Evening"
    assert item.uploaded_by == author and item.file.name.endswith("/sunset.png")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.jpg", b"<html>hi</html>", "image/jpeg"), "valid image"),
        (SimpleUploadedFile("b.png", png_claiming(100_000, 100_000)), "too large to process"),
    ],
    ids=["html", "bomb"],
)
def test_picker_upload_refuses_with_a_message(client, upload, message):
    """A refused upload is a 400 with the reason, and nothing is stored."""
    client.force_login(StaffFactory())
    response = client.post(UPLOAD_URL, {"file": upload})
    assert response.status_code == 400 and message in response.json()["error"]
    assert not MediaItem.objects.exists()


def test_contributors_cannot_upload(client):
    """A Contributor picks from the library but cannot add to it (WordPress: upload_files)."""
    client.force_login(member_of("Contributor"))
    response = client.post(UPLOAD_URL, {"file": image_upload()})
    assert response.status_code == 403 and not MediaItem.objects.exists()


def test_picker_upload_needs_the_csrf_token(client):
    """The upload endpoint is a form POST like any other: no token, no upload."""
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(StaffFactory())
    response = csrf_client.post(UPLOAD_URL, {"file": image_upload()})
    assert response.status_code == 403 and not MediaItem.objects.exists()


@pytest.fixture
def media_on_disk(settings, tmp_path):
    """Real files under a MEDIA_ROOT served by Django (BLOGCMS_SERVE_MEDIA, `make run`)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_media_is_served_as_images_never_sniffed(client, media_on_disk, fmt, mime):
    """Stored images are served with their own content type, nosniff, and a sandbox CSP."""
    item = MediaItemFactory(upload=image_upload(f"pic.{fmt.lower()}", fmt=fmt))
    response = client.get(item.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == mime
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "x.svgz", "notes.txt", "noext", "a.xml"])
def test_nothing_but_images_is_served_from_media(client, media_on_disk, name):
    """A non-image file put into MEDIA_ROOT by hand is never served (no HTML or SVG runs
    as a page of this site), nor is markup named as a kind of file the library keeps
    (notes.txt holding a script)."""
    (media_on_disk / name).write_text("<svg onload=alert(1)><script>alert(1)</script></svg>")
    response = client.get(f"/media/{name}")
    assert response.status_code == 404
    assert "alert" not in response.content.decode()


def test_html_in_a_jpg_name_is_served_as_an_inert_image(client, media_on_disk):
    """Even a hand-placed HTML file named .jpg goes out as image/jpeg, nosniff, sandboxed."""
    (media_on_disk / "trick.jpg").write_text("<script>alert(1)</script>")
    response = client.get("/media/trick.jpg")
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_only_the_first_featured_image_of_a_listing_is_loaded_at_once(client):
    """On the home page the top post's featured image loads at once; the rest are lazy."""
    for days in (1, 2, 3):
        PostFactory(
            featured_image=MediaItemFactory(),
            published_at=timezone.now() - datetime.timedelta(days=days),
        )
    page = client.get("/").text
    marker = '<figure class="featured-image">'
    tags = [
        page[i + len(marker) : page.index(">", i + len(marker)) + 1]
        for i in _find_all(page, marker)
    ]
    assert len(tags) == 3
    assert "loading" not in tags[0]
    assert all('loading="lazy"' in tag and "srcset=" in tag for tag in tags[1:])


def test_featured_image_lookup_popup_offers_upload(client):
    """The post form's featured-image lookup opens the library, which offers "Add image";
    an image added there is handed back to the post form."""
    client.force_login(StaffFactory())
    popup = client.get("/admin/media_library/mediaitem/?_to_field=id&_popup=1").text
    add_link = popup[popup.index('<a href="/admin/media_library/mediaitem/add/') :]
    add_link = add_link[: add_link.index(">")]
    assert "_popup=1" in add_link and 'class="addlink"' in add_link
    response = client.post(
        "/admin/media_library/mediaitem/add/?_to_field=id&_popup=1",
        {"upload": image_upload(), "alt_text": "", "caption": "", "_popup": "1", "_to_field": "id"},
    )
    item = MediaItem.objects.get()
    assert response.status_code == 200
    assert (
        "popup_response" in response.text
        and f"&quot;value&quot;: &quot;{item.pk}&quot;" in response.text
    )


def test_library_change_page_shows_the_image(client):
    """An item's page in the admin shows the image and its details."""
    item = MediaItemFactory(upload=image_upload(size=(800, 600)))
    client.force_login(StaffFactory())
    page = client.get(f"/admin/media_library/mediaitem/{item.pk}/change/").text
    assert f'src="{item.rendition("medium").url}"' in page and "800 × 600" in page


def test_changing_an_image_refreshes_cached_pages(django_capture_on_commit_callbacks):
    """Pages show an item's alt text and files: editing or deleting it starts a new
    cache generation, as saving a post does."""
    from blogcms.cache import content_generation

    item = MediaItemFactory()
    before = content_generation()
    with django_capture_on_commit_callbacks(execute=True):
        item.alt_text = "Described anew"
        item.save()
    assert content_generation() != before


def test_feeds_carry_body_images_with_absolute_urls(client, django_assert_max_num_queries):
    """A feed's full text shows library images as the page does (srcset, sizes), with
    absolute URLs a feed reader can fetch, and no loading hints."""
    from defusedxml import ElementTree

    items = [MediaItemFactory() for _ in range(3)]
    for item in items:
        PostFactory(body=body_image(item))
    client.get("/feed/")  # site settings, cached from then on
    with django_assert_max_num_queries(6):  # one query for every post's images
        response = client.get("/feed/")
    namespace = {"content": "http://purl.org/rss/1.0/modules/content/"}
    encoded = ElementTree.fromstring(response.content).findall(".//content:encoded", namespace)
    html = "".join(element.text for element in encoded)
    for item in items:
        assert f'src="http://testserver{item.rendition("large").url}"' in html
        assert f"http://testserver{item.file.url} 1600w" in html
    assert 'sizes="(max-width: 1024px) 100vw, 1024px"' in html and "loading=" not in html
