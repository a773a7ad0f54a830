"""Pages (About, Contact, Colophon), as visitors, commenters, other blogs and staff meet them
(issue 8 §1)."""

import datetime

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from blogcms.cache import content_generation
from blogcms.models import SiteSettings
from comments.models import Comment
from posts.models import Page, Post

from .comment_helpers import configure, post_comment
from .factories import CommentFactory, PageFactory, PostFactory, StaffFactory, UserFactory
from .linkback_peers import linking_page, permalink
from .test_sitemaps import sitemap_text
from .test_xmlrpc import call

pytestmark = pytest.mark.django_db

AUG_19 = datetime.datetime(2011, 8, 19, 14, 0, tzinfo=datetime.UTC)


def main(response):
    text = response.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def nav(response):
    text = response.content.decode()
    start = text.index('aria-label="Site"')
    return text[start : text.index("</nav>", start)]


@pytest.fixture
def about():
    return PageFactory(title="About us", slug="about", body="<p>We write about birds.</p>")


@pytest.fixture
def team(about):
    return PageFactory(title="The team", slug="team", parent=about)


def test_a_page_is_served_at_its_slug(client, about):
    """/about/ shows the page's title and body."""
    response = client.get("/about/")
    assert response.status_code == 200
    assert '<h1 class="entry-title">About us</h1>' in response.text
    assert "We write about birds." in response.text


def test_a_child_page_is_served_under_its_parent(client, team):
    """/about/team/ is the child page; /team/ alone is not it."""
    assert team.get_absolute_url() == "/about/team/"
    response = client.get("/about/team/")
    assert response.status_code == 200
    assert '<h1 class="entry-title">The team</h1>' in response.text
    assert client.get("/team/").status_code == 404


def test_a_page_shows_no_post_meta(client, about):
    """As WordPress's page.php: no "Posted on … by", no "This entry was posted in", no
    links to neighbouring posts."""
    PostFactory(title="A neighbour", published_at=AUG_19)
    page = main(client.get("/about/"))
    assert "Posted on" not in page
    assert "This entry was posted in" not in page
    assert "A neighbour" not in page
    assert 'rel="prev"' not in page and 'rel="next"' not in page


@pytest.mark.parametrize("status", [Post.Status.DRAFT, Post.Status.PRIVATE, Post.Status.PENDING])
def test_an_unpublished_page_is_hidden_from_visitors_and_previewed_by_staff(client, status):
    """A draft, private or pending page is a 404 to visitors; staff see it, never cached."""
    PageFactory(title="Secret plans", slug="plans", status=status)
    assert client.get("/plans/").status_code == 404
    client.force_login(StaffFactory())
    response = client.get("/plans/")
    assert response.status_code == 200
    assert "Secret plans" in response.text
    assert "no-cache" in response["Cache-Control"]


def test_a_page_created_as_a_post_row_is_a_page(about):
    """Page.objects holds only pages; Post.objects holds both, and each knows its type."""
    post = PostFactory()
    assert list(Page.objects.all()) == [about]
    assert {p.post_type for p in Post.objects.all()} == {"post", "page"}
    assert Post.objects.get(pk=about.pk).get_absolute_url() == "/about/"
    assert post.get_absolute_url().startswith("/20")


def test_page_id_query_redirects_permanently(client, team):
    """/?page_id=ID answers 301 to the page, as /?p=ID does; ?p= of a page also works, and
    ?page_id= of a post is a 404."""
    response = client.get(f"/?page_id={team.pk}")
    assert (response.status_code, response["Location"]) == (301, "/about/team/")
    assert client.get(f"/?p={team.pk}")["Location"] == "/about/team/"
    assert client.get(f"/?page_id={PostFactory().pk}").status_code == 404
    assert client.get("/?page_id=abc").status_code == 404


def test_a_page_wins_over_the_bare_slug_guess(client):
    """/about/ is the page about, even when a post's slug is also "about"; a bare slug with
    no page still finds its post with a 301."""
    post = PostFactory(slug="about", published_at=AUG_19)
    PostFactory(slug="hello-world", published_at=AUG_19)
    PageFactory(slug="about", title="About this blog")
    assert "About this blog" in client.get("/about/").text
    response = client.get("/hello-world/")
    assert (response.status_code, response["Location"]) == (301, "/2011/08/19/hello-world/")
    assert client.get(post.get_absolute_url()).status_code == 200


def test_a_page_never_shadows_the_date_permalinks_or_the_feed(client):
    """A page stored with a slug the site already answers (a year, "feed") does not take its
    address: the archive and the feed still answer there."""
    post = PostFactory(published_at=AUG_19)
    for slug in ("2011", "feed"):
        Page.objects.create(title=slug, slug=slug, body="x", author=post.author, status="publish")
    assert "Yearly Archives: 2011" in client.get("/2011/").text
    assert client.get("/feed/")["Content-Type"].startswith("application/rss+xml")
    assert client.get(post.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("slug", ["2011", "feed", "wp-admin"])
def test_a_page_may_not_take_an_address_the_site_uses(slug):
    """Validation refuses a page whose address belongs to another part of the site."""
    page = Page(title="x", slug=slug, body="x", author=UserFactory())
    with pytest.raises(ValidationError, match="belongs to another part of the site"):
        page.full_clean()


def test_page_slugs_are_unique_among_siblings_only(about):
    """As wp_unique_post_slug(): two parents may each have a "team" page, and a post may
    share a page's slug; the same address twice is refused."""
    other = PageFactory(slug="company")
    PageFactory(slug="team", parent=about)
    second = Page(title="Team", slug="team", parent=other, body="x", author=about.author)
    second.full_clean()
    second.save()
    assert second.get_absolute_url() == "/company/team/"
    same_as_post = PostFactory(slug="about")
    same_as_post.full_clean()
    with pytest.raises(ValidationError, match="already has the address /about/team/"):
        Page(title="T", slug="team", parent=about, body="x", author=about.author).full_clean()


def test_a_page_cannot_sit_under_itself_or_a_post(about, team):
    """Moving a page under its own child, or under a post, is refused; a post has no
    parent."""
    about.parent = team
    with pytest.raises(ValidationError, match="cannot sit under itself"):
        about.full_clean()
    post = PostFactory()
    team.parent = post
    with pytest.raises(ValidationError, match="not a post"):
        team.full_clean()
    post.parent = about
    with pytest.raises(ValidationError, match="Only pages"):
        post.full_clean()


def test_old_page_addresses_redirect(client, about, team):
    """A renamed page, and its children, keep answering at their old addresses with a 301."""
    about.slug = "who-we-are"
    about.save()
    assert client.get("/who-we-are/team/").status_code == 200
    response = client.get("/about/")
    assert (response.status_code, response["Location"]) == (301, "/who-we-are/")
    response = client.get("/about/team/")
    assert (response.status_code, response["Location"]) == (301, "/who-we-are/team/")


def test_a_page_takes_comments_through_the_same_moderation(client, about):
    """A visitor's comment on a page is held like one on a post (comment_moderation on),
    then shows on the page once approved."""
    configure(comment_moderation=True)
    response = post_comment(client, about, comment="Nice page.")
    assert response.status_code == 302
    assert response["Location"].startswith("/about/?unapproved=")
    comment = Comment.objects.get(post=about)
    assert comment.status == Comment.Status.PENDING
    assert "Nice page." not in Client().get("/about/").text
    comment.approve()
    assert "Nice page." in Client().get("/about/").text


def test_a_new_page_takes_no_comments_until_opened(client):
    """As WordPress's get_default_comment_status("page"): a new page has comments and pings
    closed, in code and in the admin's add form, while new posts follow the site default."""
    author = UserFactory()
    page = Page.objects.create(title="Contact", slug="contact", body="x", author=author)
    assert (page.comments_open, page.pings_open) == (False, False)
    assert Post.objects.create(title="P", body="x", author=author).comments_open
    client.force_login(StaffFactory())
    form = client.get(PAGE_ADD_URL).context["adminform"].form
    assert (form.initial["comments_open"], form.initial["pings_open"]) == (False, False)


def test_closed_comments_on_a_page_are_refused(client):
    """A page with comments closed shows no form and refuses a POST, as a post does."""
    page = PageFactory(slug="contact", comments_open=False)
    assert 'id="commentform"' not in client.get("/contact/").text
    assert post_comment(client, page).status_code == 403


def test_a_page_has_a_comments_feed(client, team):
    """/about/team/feed/ is the page's comments feed."""
    CommentFactory(post=team, author_name="Grace", content="Great team.")
    response = client.get("/about/team/feed/")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert feed.feed.title == "Comments on: The team"
    assert [e.title for e in feed.entries] == ["Comment on The team by Grace"]


def test_every_page_address_resolves_for_linkbacks(about, team):
    """PostQuerySet.at_url, the one resolver, knows nested page paths, ?page_id= and old
    page addresses; a date permalink never names a page."""
    assert Post.objects.at_url("http://testserver/about/team/") == team
    assert Post.objects.at_url("http://testserver/about/") == about
    assert Post.objects.at_url(f"http://testserver/?page_id={team.pk}") == team
    about.slug = "us"
    about.save()
    assert Post.objects.at_url("http://testserver/about/team/") == team
    assert Post.objects.at_url("http://testserver/2011/08/19/team/") is None
    assert Post.objects.at_url("http://testserver/nothing/here/") is None


@pytest.mark.usefixtures("loopback_peers")
def test_a_pingback_to_a_page_is_registered(client, stub, team):
    """A pingback whose target is a nested page is held for moderation on that page."""
    source = stub.page("/theirs/", linking_page("Their post", permalink(team)))
    result = call(client, "pingback.ping", source, permalink(team))
    assert "registered" in result
    assert Comment.objects.get(post=team).type == Comment.Type.PINGBACK


@pytest.mark.usefixtures("loopback_peers")
def test_a_webmention_to_a_page_is_stored(client, stub, team, django_capture_on_commit_callbacks):
    """A webmention whose target is a nested page is accepted (202) and verified onto it."""
    source = stub.page("/mention/", linking_page("Their note", permalink(team)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/webmention/", {"source": source, "target": permalink(team)})
    assert response.status_code == 202
    assert Comment.objects.get(post=team).type == Comment.Type.WEBMENTION


def test_a_page_closed_to_pings_refuses_them(client, stub):
    """A page with pings closed (a new page's default) is no linkback target (fault 33)."""
    page = Page.objects.create(
        title="Closed", slug="closed", body="x", author=UserFactory(), status="publish"
    )
    fault = call(client, "pingback.ping", "http://x.example/a", permalink(page))
    assert fault.faultCode == 33


def test_a_page_advertises_its_linkback_endpoints(client, about):
    """A page that takes pings says where, as a post does (headers and <head>)."""
    response = client.get("/about/")
    assert response["X-Pingback"] == "http://testserver/xmlrpc.php"
    assert 'rel="webmention"' in response["Link"]
    assert '<link rel="pingback" href="http://testserver/xmlrpc.php">' in response.text


def test_pages_are_in_no_listing(client):
    """A published page (with a category and a tag, as an import may bring) is absent from
    the home page, the date archives, category, tag and author archives, the feeds, the
    sidebar widgets and the links to neighbouring posts."""
    author = UserFactory(username="writer")
    post = PostFactory(title="A real post", author=author, published_at=AUG_19, tags=["birds"])
    earlier = AUG_19 - datetime.timedelta(hours=1)  # the post's previous neighbour, were it a post
    page = PageFactory(title="Colophon page", slug="colophon", author=author, published_at=earlier)
    page.categories.add(*post.categories.all())
    page.tags.add("birds", "pageonlytag")
    PageFactory(title="July page", author=author, published_at=AUG_19 - datetime.timedelta(days=40))
    urls = [
        "/",
        "/2011/",
        "/2011/08/",
        "/2011/08/19/",
        "/category/uncategorized/",
        "/tag/birds/",
        "/author/writer/",
        "/feed/",
        "/feed/atom/",
        "/category/uncategorized/feed/",
        "/tag/birds/feed/",
        post.get_absolute_url(),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "A real post" in response.text, url
        assert "Colophon page" not in response.text, url
        assert "pageonlytag" not in response.text, url
        assert "July page" not in response.text, url
    assert "Nothing Found" in client.get("/tag/pageonlytag/").text
    home = client.get("/").text
    assert "July 2011" not in home  # the archives widget: no month of pages only
    assert "Uncategorized</a> (1)" in home  # the categories widget counts posts
    assert client.get("/2011/").text.count('id="post-') == 1


def test_pages_are_in_the_sitemap_and_search(client, team):
    """The sitemap lists pages, in their own section; search finds them, without post meta."""
    sitemap = sitemap_text(client)
    assert "http://testserver/about/team/" in sitemap
    assert "http://testserver/about/" in sitemap
    results = client.get("/?s=team")
    assert "The team" in main(results)
    assert "This entry was posted in" not in main(results)


def test_navigation_lists_chosen_pages_in_order_in_both_themes(client, about):
    """Staff choose the pages in the navigation and their order; both themes label it the
    same: Home, then the page titles. Drafts and unchosen pages are not there."""
    about.show_in_menu, about.menu_order = True, 2
    about.save()
    PageFactory(title="Contact", slug="contact", show_in_menu=True, menu_order=1)
    PageFactory(title="Hidden page", slug="hidden")
    PageFactory(title="Draft page", slug="draft", show_in_menu=True, status="draft")
    labels = {}
    for theme in ("classic", "minimal"):
        configure(theme=theme)
        menu = nav(client.get("/"))
        assert "Hidden page" not in menu and "Draft page" not in menu, theme
        assert "Feed" not in menu and "Writing" not in menu and "RSS" not in menu, theme
        labels[theme] = [
            (menu.index(label), label) for label in ("Home", "Contact", "About us") if label in menu
        ]
        assert [label for _, label in sorted(labels[theme])] == ["Home", "Contact", "About us"]
        assert 'href="/contact/"' in menu and 'href="/about/"' in menu
    assert SiteSettings.load().theme == "minimal"


def test_the_navigation_changes_on_the_next_request(
    client, about, django_capture_on_commit_callbacks
):
    """The cached navigation moves with the content generation: a page added to it shows
    on the very next request (saving a Page bumps the generation)."""
    assert "About us" not in nav(client.get("/"))
    before = content_generation()
    with django_capture_on_commit_callbacks(execute=True):
        about.show_in_menu = True
        about.save()
    assert content_generation() != before
    assert "About us" in nav(client.get("/"))


def test_a_page_is_served_from_the_page_cache_and_invalidated(
    client, about, settings, django_capture_on_commit_callbacks
):
    """A page is cached for anonymous visitors like a post, and an edit shows at once."""
    settings.BLOGCMS_PAGE_CACHE = True
    assert client.get("/about/")["X-Cache"] == "miss"
    assert client.get("/about/")["X-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        about.title = "About the birds"
        about.save()
    response = client.get("/about/")
    assert response["X-Cache"] == "miss"
    assert "About the birds" in response.text


PAGE_ADD_URL = "/admin/posts/page/add/"


def page_form(**fields):
    """A complete add/change form for a page, as the admin posts it."""
    data = {
        "title": "Contact",
        "slug": "contact",
        "body": "<p>Write to us.</p>",
        "status": "publish",
        "published_at_0": "2024-01-02",
        "published_at_1": "10:00:00",
        "parent": "",
        "menu_order": "0",
        "comments_open": "on",
        "pings_open": "on",
        "old_slugs-TOTAL_FORMS": "0",
        "old_slugs-INITIAL_FORMS": "0",
        "old_slugs-MIN_NUM_FORMS": "0",
        "old_slugs-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def editor():
    from django.contrib.auth.models import Group

    user = UserFactory(username="editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


def test_an_editor_writes_a_page_in_the_admin(client, about):
    """An Editor adds a child page in the menu; it is a page at /about/contact/, without the
    default category posts get."""
    user = editor()
    client.force_login(user)
    response = client.post(
        PAGE_ADD_URL,
        page_form(author=user.pk, parent=about.pk, show_in_menu="on", menu_order="3"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    page = Page.objects.get(slug="contact")
    assert (page.post_type, page.get_absolute_url(), page.menu_order) == (
        "page",
        "/about/contact/",
        3,
    )
    assert page.show_in_menu and not page.categories.exists()
    assert client.get("/about/contact/").status_code == 200


def test_the_parent_choices_are_pages_by_address(client, team):
    """The parent field offers every page, by its address, and no post."""
    PostFactory(title="A blog post")
    client.force_login(StaffFactory())
    form = client.get(PAGE_ADD_URL).context["adminform"].form
    choices = [label for value, label in form.fields["parent"].choices if value]
    assert choices == ["/about/ (About us)", "/about/team/ (The team)"]


def test_pages_and_posts_have_their_own_admin_lists(client, about):
    """The posts list shows no page and the pages list no post."""
    PostFactory(title="A blog post")
    client.force_login(StaffFactory())
    posts = client.get("/admin/posts/post/").text
    pages = client.get("/admin/posts/page/").text
    assert "A blog post" in posts and "About us" not in posts
    assert "About us" in pages and "A blog post" not in pages


@pytest.mark.parametrize(
    ("slug", "message"),
    [("about", "Another page already has the address /about/."), ("feed", "belongs to another")],
)
def test_the_admin_refuses_a_page_address_that_is_taken(client, about, slug, message):
    """A page's address that another page or the site already answers is a form error,
    not a server error."""
    staff = StaffFactory()
    client.force_login(staff)
    response = client.post(PAGE_ADD_URL, page_form(slug=slug, author=staff.pk))
    assert response.status_code == 200
    assert message in response.text
    assert Page.objects.count() == 1


def test_the_admin_refuses_a_post_slug_that_is_taken(client):
    """Two posts may not share a slug (a form error, not a server error); a post may share
    a page's."""
    PostFactory(slug="taken")
    PageFactory(slug="about")
    staff = StaffFactory()
    client.force_login(staff)
    form = {
        **page_form(slug="taken", title="T", author=staff.pk),
        "excerpt": "",
        "tags": "",
    }
    form.pop("parent")
    form.pop("menu_order")
    response = client.post("/admin/posts/post/add/", form)
    assert response.status_code == 200
    assert "Another post already has this slug." in response.text
    response = client.post("/admin/posts/post/add/", {**form, "slug": "about"})
    assert response.status_code == 302
    assert Post.objects.filter(slug="about").count() == 2


def test_an_authors_has_no_pages(client):
    """Authors and Contributors have no page capability, as in WordPress."""
    from django.contrib.auth.models import Group

    author = UserFactory(username="author", is_staff=True)
    author.groups.add(Group.objects.get(name="Author"))
    client.force_login(author)
    assert client.get(PAGE_ADD_URL).status_code == 403


def test_an_old_page_address_can_be_kept_in_the_admin(client, about, team):
    """A renamed parent's old nested paths are listed on the page and it saves again."""
    about.slug = "us"
    about.save()
    old = team.old_slugs.get()
    assert old.slug == "about/team"
    staff = StaffFactory()
    client.force_login(staff)
    url = f"/admin/posts/page/{team.pk}/change/"
    assert "about/team" in client.get(url).text
    form = page_form(
        title="The team",
        slug="team",
        parent=about.pk,
        author=staff.pk,
        **{
            "old_slugs-TOTAL_FORMS": "1",
            "old_slugs-INITIAL_FORMS": "1",
            "old_slugs-0-id": old.pk,
            "old_slugs-0-post": team.pk,
            "old_slugs-0-slug": "/about/team/",
        },
    )
    response = client.post(url, form)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert client.get("/about/team/")["Location"] == "/us/team/"
