"""Every public URL of issue 2 §3, as a visitor (and a previewing editor) meets it."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from blogcms.models import SiteSettings
from posts.models import Post

from .factories import CategoryFactory, CommentFactory, PostFactory, StaffFactory, UserFactory
from .test_sitemaps import sitemap_text

pytestmark = pytest.mark.django_db

AUG_19 = datetime.datetime(2011, 8, 19, 14, 0, tzinfo=datetime.UTC)


def main(response):
    """The page's <main> element: what the view shows, without the sidebar widgets."""
    text = response.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def set_site(**fields):
    site = SiteSettings.load()
    for name, value in fields.items():
        setattr(site, name, value)
    site.save()


@pytest.fixture
def post():
    return PostFactory(title="Hello world", slug="hello-world", published_at=AUG_19)


def test_permalink_serves_the_post(client, post):
    """/YYYY/MM/DD/slug/ answers 200 with the post."""
    response = client.get("/2011/08/19/hello-world/")
    assert response.status_code == 200
    assert '<h1 class="entry-title">Hello world</h1>' in response.text


def test_permalink_with_wrong_date_is_404(client, post):
    """A slug under another date is not the post."""
    assert client.get("/2011/08/20/hello-world/").status_code == 404
    assert client.get("/2011/02/30/hello-world/").status_code == 404


def test_query_p_redirects_permanently_to_permalink(client, post):
    """/?p=ID answers 301 to the permalink, as WordPress's default links."""
    response = client.get(f"/?p={post.pk}")
    assert response.status_code == 301
    assert response["Location"] == "/2011/08/19/hello-world/"


def test_query_p_for_unknown_or_hidden_post_is_404(client, post):
    """/?p= for a missing, malformed or draft post is 404 to a visitor."""
    draft = PostFactory(status=Post.Status.DRAFT)
    assert client.get("/?p=999999").status_code == 404
    assert client.get("/?p=abc").status_code == 404
    assert client.get(f"/?p={draft.pk}").status_code == 404


def test_changed_slug_keeps_redirecting(client, post):
    """After a slug change the old permalink answers 301 to the new one."""
    post.slug = "hello-again"
    post.save()
    response = client.get("/2011/08/19/hello-world/")
    assert response.status_code == 301
    assert response["Location"] == "/2011/08/19/hello-again/"
    assert client.get("/2011/08/19/hello-again/").status_code == 200


def test_slug_changed_twice_still_redirects_from_first(client, post):
    """Every earlier slug redirects, not only the last one."""
    for slug in ("second", "third"):
        post.slug = slug
        post.save()
    response = client.get("/2011/08/19/hello-world/")
    assert response["Location"] == "/2011/08/19/third/"


@pytest.mark.parametrize("status", [Post.Status.DRAFT, Post.Status.PENDING, Post.Status.PRIVATE])
def test_hidden_statuses_are_404_to_visitors(client, status):
    """Drafts, pending and private posts are 404 at their permalink to visitors."""
    PostFactory(slug="secret", published_at=AUG_19, status=status)
    assert client.get("/2011/08/19/secret/").status_code == 404


def test_future_post_is_404_to_visitors(client):
    """A scheduled post is not shown before its time."""
    when = timezone.now() + datetime.timedelta(days=2)
    post = PostFactory(slug="soon", published_at=when)
    assert client.get(post.get_absolute_url()).status_code == 404
    assert client.get(f"/?p={post.pk}").status_code == 404


def test_scheduled_post_appears_by_itself_when_its_time_comes(client):
    """No cron: once the clock passes published_at the post is on the home page and at its URL."""
    with time_machine.travel(datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.UTC), tick=False):
        post = PostFactory(
            title="Tomorrow's news",
            slug="tomorrow",
            published_at=datetime.datetime(2030, 1, 2, 9, tzinfo=datetime.UTC),
        )
        assert "Tomorrow&#x27;s news" not in main(client.get("/"))
        assert client.get(post.get_absolute_url()).status_code == 404
    with time_machine.travel(datetime.datetime(2030, 1, 2, 9, 1, tzinfo=datetime.UTC), tick=False):
        assert "Tomorrow&#x27;s news" in main(client.get("/"))
        assert client.get(post.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("status", [Post.Status.DRAFT, Post.Status.PENDING, Post.Status.PRIVATE])
def test_staff_preview_is_never_cached_and_noindex(client, status):
    """Staff see a hidden post at its permalink, never cached, marked noindex."""
    PostFactory(slug="preview-me", title="Preview me", published_at=AUG_19, status=status)
    client.force_login(StaffFactory())
    response = client.get("/2011/08/19/preview-me/")
    assert response.status_code == 200
    assert "Preview me" in response.text
    assert "no-cache" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in response.text


def test_staff_preview_of_scheduled_post(client):
    """A scheduled post previews to staff with no-cache and noindex."""
    post = PostFactory(published_at=timezone.now() + datetime.timedelta(days=3))
    client.force_login(StaffFactory())
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert "noindex" in response.text


def test_published_post_is_indexable(client, post):
    """A public post carries no noindex and no no-cache header."""
    response = client.get(post.get_absolute_url())
    assert "noindex" not in response.text
    assert "no-cache" not in response.get("Cache-Control", "")


def test_contributor_cannot_preview_someone_elses_draft(client):
    """Previewing another author's draft takes the right to edit others' posts."""
    PostFactory(slug="not-yours", published_at=AUG_19, status=Post.Status.DRAFT)
    contributor = UserFactory(is_staff=True)
    client.force_login(contributor)
    assert client.get("/2011/08/19/not-yours/").status_code == 404
    PostFactory(slug="mine", published_at=AUG_19, status=Post.Status.DRAFT, author=contributor)
    assert client.get("/2011/08/19/mine/").status_code == 200


def test_unknown_page_gets_themed_404(client):
    """Unknown URLs answer 404 with the active theme's page and the site's title."""
    set_site(title="My Blog", theme="minimal")
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Not Found" in response.text
    assert "theme-minimal" in response.text
    assert "My Blog" in response.text


@pytest.mark.parametrize("url", ["/2011/", "/2011/08/", "/2011/08/19/"])
def test_date_archives_list_the_post(client, post, url):
    """Year, month and day archives list the posts of that period."""
    PostFactory(
        title="Another year", published_at=datetime.datetime(2012, 1, 1, tzinfo=datetime.UTC)
    )
    response = client.get(url)
    assert response.status_code == 200
    assert "Hello world" in main(response)
    assert "Another year" not in main(response)


def test_date_archive_titles(client, post):
    """Archive headings read as WordPress's do."""
    assert "Yearly Archives: 2011" in client.get("/2011/").text
    assert "Monthly Archives: August 2011" in client.get("/2011/08/").text
    assert "Daily Archives: August 19, 2011" in client.get("/2011/08/19/").text


def test_impossible_dates_are_404(client, post):
    """/2011/13/ and /2011/02/30/ are not archives."""
    assert client.get("/2011/13/").status_code == 404
    assert client.get("/2011/02/30/").status_code == 404


@pytest.fixture
def news_and_local():
    """News › Local, with one post in each."""
    parent = CategoryFactory(name="News", slug="news")
    child = CategoryFactory(name="Local", slug="local", parent=parent)
    PostFactory(title="Town hall tonight", categories=[child])
    PostFactory(title="World affairs", categories=[parent])


def test_empty_date_archives_are_404_but_empty_terms_are_not(client, post):
    """A date with no posts is 404 (WordPress handle_404); an existing, empty category or
    author shows "Nothing Found" with 200."""
    assert client.get("/2010/").status_code == 404
    assert client.get("/2011/07/").status_code == 404
    assert client.get("/2011/08/18/").status_code == 404
    CategoryFactory(slug="empty")
    UserFactory(username="quiet")
    for url in ("/category/empty/", "/author/quiet/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Nothing Found" in main(response)


def test_first_search_page_redirect_keeps_the_term(client, post):
    """/page/1/?s=term redirects to /?s=term, not to the home page."""
    response = client.get("/page/1/?s=hello")
    assert response.status_code == 301
    assert response["Location"] == "/?s=hello"


def test_category_and_nested_category(client, news_and_local):
    """/category/parent/ and /category/parent/child/ list their posts; a wrong path is 404."""
    response = client.get("/category/news/local/")
    assert response.status_code == 200
    assert "Category Archives: Local" in main(response)
    assert "Town hall tonight" in main(response)
    assert "World affairs" not in main(response)
    assert "World affairs" in main(client.get("/category/news/"))
    assert client.get("/category/local/").status_code == 404
    assert client.get("/category/nope/").status_code == 404


def test_nested_category_feed(client, news_and_local):
    """/category/parent/child/feed/ is the child's feed."""
    response = client.get("/category/news/local/feed/")
    assert response.status_code == 200
    assert "Town hall tonight" in response.text
    assert "World affairs" not in response.text
    assert client.get("/category/local/feed/").status_code == 404


def test_tag_archive(client):
    """/tag/slug/ lists the tagged posts; an unknown tag is 404."""
    PostFactory(title="Tagged one", tags=["Immigration"])
    PostFactory(title="Untagged one")
    response = client.get("/tag/immigration/")
    assert response.status_code == 200
    assert "Tagged one" in main(response)
    assert "Untagged one" not in main(response)
    assert client.get("/tag/nothing/").status_code == 404


def test_author_archive(client):
    """/author/username/ lists that author's published posts only."""
    jo = UserFactory(username="jo", first_name="Jo", last_name="March")
    PostFactory(title="By Jo", author=jo)
    PostFactory(title="Jo's draft", author=jo, status=Post.Status.DRAFT)
    PostFactory(title="By someone else")
    response = client.get("/author/jo/")
    assert response.status_code == 200
    assert "Author Archives: Jo March" in main(response)
    assert "By Jo" in main(response)
    assert "Jo&#x27;s draft" not in response.text
    assert "By someone else" not in main(response)
    assert client.get("/author/nobody/").status_code == 404


def test_listings_hide_unpublished_posts(client, post):
    """Home and archives never list drafts, pending, private or future posts."""
    PostFactory(title="Hidden draft", status=Post.Status.DRAFT, published_at=AUG_19)
    PostFactory(title="Hidden private", status=Post.Status.PRIVATE, published_at=AUG_19)
    PostFactory(title="Hidden future", published_at=timezone.now() + datetime.timedelta(days=1))
    for url in ("/", "/2011/", "/category/uncategorized/"):
        text = client.get(url).text
        assert "Hello world" in main(client.get(url))
        assert "Hidden" not in text


LISTINGS = [
    ("/", lambda: {}),
    ("/2011/", lambda: {}),
    ("/2011/08/", lambda: {}),
    ("/2011/08/19/", lambda: {}),
    ("/category/paged/", lambda: {"categories": [CategoryFactory(slug="paged")]}),
    ("/tag/paged/", lambda: {"tags": ["paged"]}),
    ("/author/pager/", lambda: {"author": UserFactory(username="pager")}),
]


@pytest.mark.parametrize(("base", "extra"), LISTINGS, ids=[u for u, _ in LISTINGS])
def test_every_listing_pages(client, base, extra):
    """/page/N/ works on every listing; /page/1/ redirects to the listing; past the end is 404."""
    set_site(posts_per_page=2)
    fields = extra()
    for n in range(5):
        PostFactory(
            title=f"Paged post {n}",
            published_at=AUG_19 + datetime.timedelta(minutes=n),
            **fields,
        )
    first = client.get(base)
    assert first.status_code == 200
    assert "Paged post 4" in main(first) and "Paged post 2" not in main(first)
    assert f'href="{base}page/2/"' in main(first)
    second = client.get(f"{base}page/2/")
    assert second.status_code == 200
    assert "Paged post 2" in main(second) and "Paged post 4" not in main(second)
    assert client.get(f"{base}page/3/").status_code == 200
    one = client.get(f"{base}page/1/")
    assert one.status_code == 301 and one["Location"] == base
    assert client.get(f"{base}page/4/").status_code == 404


def test_search_pages_keep_the_term(client):
    """Search results page with ?s= kept on the page links."""
    set_site(posts_per_page=1)
    PostFactory(title="Apple pie", published_at=AUG_19)
    PostFactory(title="Apple tart", published_at=AUG_19 + datetime.timedelta(hours=1))
    response = client.get("/?s=apple")
    assert "Search Results for: apple" in response.text
    assert 'href="/page/2/?s=apple"' in response.text
    assert client.get("/page/2/?s=apple").status_code == 200
    assert client.get("/page/3/?s=apple").status_code == 404


def test_search_finds_title_and_body_words(client):
    """?s= matches every word in the title or body of published posts only."""
    PostFactory(title="Secure Communities", body="<p>Deportation policy</p>")
    PostFactory(title="Gardening", body="<p>Tomatoes</p>")
    PostFactory(title="Secret draft about deportation", status=Post.Status.DRAFT)
    text = main(client.get("/?s=deportation"))
    assert "Secure Communities" in text
    assert "Gardening" not in text
    assert "Secret draft" not in text
    assert "Nothing Found" in client.get("/?s=zucchini").text


def test_empty_search_finds_nothing(client, post):
    """An empty ?s= is a search page with no results, not the home page."""
    response = client.get("/?s=")
    assert response.status_code == 200
    assert "Nothing Found" in response.text


def test_search_ranks_title_matches_first_on_postgresql(client):
    """PostgreSQL ranks a title match above a newer body match and stems words; SQLite
    finds the same posts newest first."""
    from django.db import connection

    PostFactory(
        title="A note",
        body="<p>deportation</p>",
        published_at=timezone.now() - datetime.timedelta(hours=1),
    )
    PostFactory(
        title="Deportation policy",
        body="<p>words</p>",
        published_at=timezone.now() - datetime.timedelta(days=9),
    )
    text = main(client.get("/?s=deportation"))
    if connection.vendor == "postgresql":
        assert text.index("Deportation policy") < text.index("A note")
        assert "A note" in main(client.get("/?s=deportations"))  # stemmed
    else:
        assert text.index("A note") < text.index("Deportation policy")


def test_previous_and_next_links(client):
    """A post links to the published posts just before and after it."""
    PostFactory(title="First", published_at=AUG_19 - datetime.timedelta(days=1))
    middle = PostFactory(title="Middle", published_at=AUG_19)
    PostFactory(title="Last", published_at=AUG_19 + datetime.timedelta(days=1))
    PostFactory(title="Unseen draft", published_at=AUG_19, status=Post.Status.DRAFT)
    text = client.get(middle.get_absolute_url()).text
    assert 'rel="prev">← First</a>' in text
    assert 'rel="next">Last →</a>' in text


def test_robots_txt(client):
    """robots.txt keeps crawlers out of the admin and names the sitemap."""
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in response.text
    assert "Sitemap: http://testserver/sitemap.xml" in response.text


def test_sitemap_lists_published_posts_only(client, post):
    """The sitemaps list public posts and their categories, not drafts."""
    PostFactory(slug="draft-one", status=Post.Status.DRAFT)
    text = sitemap_text(client)
    assert "http://testserver/2011/08/19/hello-world/" in text
    assert "draft-one" not in text
    assert "http://testserver/category/uncategorized/" in text


def test_sitemap_lastmod_moves_when_a_comment_is_approved(client, post):
    """Approving a comment moves the post's <lastmod> in its sitemap to the approval."""
    Post.objects.filter(pk=post.pk).update(modified_at=AUG_19)
    assert "<lastmod>2011-08-19</lastmod>" in sitemap_text(client)
    with time_machine.travel(datetime.datetime(2024, 5, 6, 12, tzinfo=datetime.UTC)):
        comment = CommentFactory(post=post, status="pending")
    assert "<lastmod>2011-08-19</lastmod>" in sitemap_text(client)
    with time_machine.travel(datetime.datetime(2024, 6, 7, 12, tzinfo=datetime.UTC)):
        comment.status = "approved"
        comment.save()
    assert "<lastmod>2024-06-07</lastmod>" in sitemap_text(client)


def test_a_post_body_is_cleaned_however_it_is_stored(client):
    """A body saved from code (not the admin form) loses script and event handlers too."""
    post = PostFactory(body='<p>Hi<script>alert(1)</script><img src="x" onerror="alert(2)"></p>')
    page = client.get(post.get_absolute_url()).text
    assert "<script>alert(1)" not in page and "onerror" not in page
    assert "<p>Hi" in page


def test_a_draft_preview_offers_no_comment_form(client):
    """Staff previewing a draft see the post, not a "Leave a Reply" form that cannot work."""
    draft = PostFactory(status="draft")
    client.force_login(StaffFactory())
    page = client.get(draft.get_absolute_url())
    assert page.status_code == 200 and "Leave a Reply" not in page.text


def broken_view(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", broken_view), path("", include("blogcms.urls"))]


@pytest.mark.urls(__name__)
def test_a_server_error_gets_a_plain_page_of_our_own():
    """A crash answers 500 with our own page, which needs neither the database nor a theme."""
    visitor = Client(raise_request_exception=False)
    response = visitor.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_a_bare_slug_finds_its_post(client):
    """/slug/ (and an old slug) redirect 301 to the permalink, as WordPress guesses; an
    unknown one or a draft's is the themed 404."""
    post = PostFactory(slug="your-comments-welcome")
    assert client.get("/your-comments-welcome/")["Location"] == post.get_absolute_url()
    assert client.get("/your-comments-welcome/").status_code == 301
    post.slug = "comments-welcome"
    post.save()
    assert client.get("/your-comments-welcome/")["Location"] == post.get_absolute_url()
    PostFactory(slug="not-yet", status="draft")
    assert client.get("/not-yet/").status_code == 404
    assert client.get("/no-such-thing/").status_code == 404


def test_the_canonical_link_is_absolute(client):
    """<link rel="canonical"> names the full address, as search engines want it."""
    post = PostFactory()
    page = client.get(post.get_absolute_url()).text
    assert f'<link rel="canonical" href="http://testserver{post.get_absolute_url()}">' in page
