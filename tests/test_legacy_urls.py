"""Old WordPress addresses keep landing (issue 8 §5): each answers with the right page or a
permanent redirect to it, and one naming nothing is a 404, never the home page in silence."""

import datetime

import pytest

from posts.models import Post

from .factories import CategoryFactory, PageFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

AUG_19 = datetime.datetime(2011, 8, 19, 14, 0, tzinfo=datetime.UTC)


@pytest.fixture
def post():
    author = UserFactory(username="ada")
    parent = CategoryFactory(name="Birds", slug="birds")
    child = CategoryFactory(name="Owls", slug="owls", parent=parent)
    return PostFactory(
        slug="hello-world", author=author, published_at=AUG_19, categories=[child], tags=["night"]
    )


def moved_to(client, url):
    response = client.get(url)
    assert response.status_code == 301, (url, response.status_code)
    return response["Location"]


def test_query_links_redirect_to_their_archives(client, post):
    """?cat=ID, ?tag=slug, ?author=ID and ?m=YYYY[MM[DD]] move to the archive they name."""
    owls = post.categories.get()
    assert moved_to(client, f"/?cat={owls.pk}") == "/category/birds/owls/"
    assert moved_to(client, "/?tag=night") == "/tag/night/"
    assert moved_to(client, f"/?author={post.author.pk}") == "/author/ada/"
    assert moved_to(client, "/?m=2011") == "/2011/"
    assert moved_to(client, "/?m=201108") == "/2011/08/"
    assert moved_to(client, "/?m=20110819") == "/2011/08/19/"
    assert moved_to(client, "/?m=20110819143000") == "/2011/08/19/"


def test_paged_links_redirect_to_the_numbered_page(client, post):
    """?paged=N is /page/N/ of the listing named with it (the home page when alone); a
    search keeps its term."""
    owls = post.categories.get()
    assert moved_to(client, "/?paged=2") == "/page/2/"
    assert moved_to(client, "/?paged=1") == "/"
    assert moved_to(client, f"/?cat={owls.pk}&paged=3") == "/category/birds/owls/page/3/"
    assert moved_to(client, "/?s=owl+song&paged=2") == "/page/2/?s=owl+song"


def test_feed_links_redirect_to_the_feeds(client, post):
    """?feed=rss2 (rss, rdf, atom), with ?cat= or ?tag= their feeds, ?p=ID&feed= the post's
    comments feed, ?feed=comments-rss2 the comments feed; /feed/rss2/, /feed/rss/ and
    /feed/rdf/ the feed; /feed/atom/ and /comments/feed/ answer themselves."""
    owls = post.categories.get()
    assert moved_to(client, "/?feed=rss2") == "/feed/"
    assert moved_to(client, "/?feed=rss") == "/feed/"
    assert moved_to(client, "/?feed=rdf") == "/feed/"
    assert moved_to(client, "/?feed=atom") == "/feed/atom/"
    assert moved_to(client, "/?feed=comments-rss2") == "/comments/feed/"
    assert moved_to(client, f"/?cat={owls.pk}&feed=rss2") == "/category/birds/owls/feed/"
    assert moved_to(client, "/?tag=night&feed=rss2") == "/tag/night/feed/"
    assert moved_to(client, f"/?p={post.pk}&feed=rss2") == "/2011/08/19/hello-world/feed/"
    for name in ("rss2", "rss", "rdf"):
        assert moved_to(client, f"/feed/{name}/") == "/feed/"
    for url in ("/feed/", "/feed/atom/", "/comments/feed/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "hello-world" in response.text or url == "/comments/feed/"


def test_every_redirect_lands_on_a_page_that_answers(client, post):
    """Following each old link ends on a 200 page showing the post."""
    owls = post.categories.get()
    for url in (f"/?cat={owls.pk}", "/?tag=night", f"/?author={post.author.pk}", "/?m=201108"):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert post.title in response.text, url


def test_page_and_post_ids_redirect(client, post):
    """?p=ID and ?page_id=ID move to the post and the page."""
    page = PageFactory(slug="about")
    assert moved_to(client, f"/?p={post.pk}") == "/2011/08/19/hello-world/"
    assert moved_to(client, f"/?page_id={page.pk}") == "/about/"


@pytest.mark.parametrize(
    "url",
    [
        "/?cat=999999",
        "/?cat=abc",
        "/?cat=-3",
        "/?tag=no-such-tag",
        "/?author=999999",
        "/?author=x",
        "/?m=2011139",
        "/?m=201113",
        "/?m=abc",
        "/?paged=0",
        "/?paged=two",
        "/?feed=nonsense",
        "/?m=2011&feed=rss2",
        "/?p=999999",
    ],
)
def test_an_old_link_naming_nothing_is_a_404(client, post, url):
    """Nothing to find is a 404 (the themed page), never the home page."""
    response = client.get(url)
    assert response.status_code == 404, url


def test_an_author_with_nothing_published_is_not_revealed(client, post):
    """?author=ID of a user with no published post is a 404, as redirect_canonical() only
    redirects to the archive of an author with published posts."""
    quiet = UserFactory(username="quiet")
    PostFactory(author=quiet, status=Post.Status.DRAFT)
    assert client.get(f"/?author={quiet.pk}").status_code == 404


@pytest.mark.parametrize("query", ["utm_source=newsletter", "p=", "cat=&tag=", "paged="])
def test_unknown_keys_and_empty_values_still_show_the_home_page(client, post, query):
    """A query WordPress would ignore (utm_source, or a key with no value) is the home
    page, as before."""
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    assert post.title in response.text


@pytest.mark.parametrize("url", ["/wp-login.php", "/wp-admin/", "/wp-admin/post-new.php"])
def test_wordpress_admin_addresses_lead_to_the_admin_login(client, url):
    """/wp-login.php and /wp-admin/… move permanently to the admin's login."""
    location = moved_to(client, url)
    assert location == "/admin/login/?next=%2Fadmin%2F"
    assert client.get(location).status_code == 200


def test_an_upload_not_in_the_library_is_a_404(client):
    """/wp-content/uploads/… answers 404 while no library file has that old address (the
    media library fills posts.legacy.imported_upload)."""
    assert client.get("/wp-content/uploads/2011/08/photo.jpg").status_code == 404


def test_an_upload_the_library_knows_redirects(client, monkeypatch):
    """When the library knows the file, its old address moves there permanently."""
    monkeypatch.setattr(
        "posts.legacy.imported_upload",
        lambda path: f"/media/library/{path}" if path == "2011/08/photo.jpg" else None,
    )
    assert moved_to(client, "/wp-content/uploads/2011/08/photo.jpg") == (
        "/media/library/2011/08/photo.jpg"
    )
