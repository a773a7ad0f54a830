"""The anonymous page cache (blogcms.pagecache), as visitors and staff meet it over HTTP."""

import datetime
import json
import re

import pytest
import time_machine
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import include, path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from blogcms import urls as site_urls
from blogcms.cache import content_generation
from blogcms.models import SiteSettings
from blogcms.pagecache import page_key, unvalidated
from comments.cookies import DETAIL_COOKIES, HELD_COOKIE

from .factories import CommentFactory, PostFactory, StaffFactory

pytestmark = pytest.mark.django_db

TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


# Views whose answers the cache must refuse; served beside the real site's URLs.
def answer_with(mark):
    """A view whose 200 answer `mark` changes (a cookie, a Cache-Control)."""

    def view(request):
        response = HttpResponse("<p>not for sharing</p>")
        mark(response)
        return response

    return view


def starts_a_session(request):
    request.session["seen"] = True
    return HttpResponse("<p>welcome</p>")


def token_in_body(request):
    return HttpResponse(f"<p>{get_token(request)}</p>")


RENDERS = iter(range(1, 1000))


def page_with_a_render_number(request):
    """Words that change only when content does, and a number new on every render."""
    words = request.GET.get("s", "same words")
    return HttpResponse(f"<p>{words} {unvalidated(request, f'render-{next(RENDERS)}')}</p>")


@csrf_exempt
def plain_page(request):
    return HttpResponse(f"<p>{request.method}</p>")


urlpatterns = [
    path("t/cookie/", answer_with(lambda r: r.set_cookie("flavour", "chocolate"))),
    path("t/private/", answer_with(lambda r: patch_cache_control(r, private=True))),
    path("t/never/", answer_with(add_never_cache_headers)),
    path("t/no-store/", answer_with(lambda r: patch_cache_control(r, no_store=True))),
    path("t/token/", token_in_body),
    path("t/session/", starts_a_session),
    path("t/plain/", plain_page),
    path("t/render-number/", page_with_a_render_number),
    path("xmlrpc.php", plain_page),
    path("", include(site_urls)),
]
own_urls = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.BLOGCMS_PAGE_CACHE = True
    settings.BLOGCMS_PAGE_CACHE_SECONDS = 60


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Changes made inside `with committed():` run their after-commit work (the generation
    bump) on leaving it, as they would once committed on a live site."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def post():
    return PostFactory(title="Cached words", slug="cached-words")


def outcome(response):
    return response["X-Cache"]


def test_second_anonymous_view_comes_from_the_cache(client, post):
    """An anonymous visitor's second view of a page is a hit with the same page."""
    url = post.get_absolute_url()
    first = client.get(url)
    second = client.get(url)
    assert (first.status_code, outcome(first)) == (200, "miss")
    assert (second.status_code, outcome(second)) == (200, "hit")
    assert "Cached words" in second.text
    assert first.content == second.content


def test_a_hit_runs_no_sql(client, post, django_assert_num_queries):
    """A cached page is served without a single database query."""
    url = post.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0):
        assert outcome(client.get(url)) == "hit"


def test_every_public_page_type_is_cached(client, post):
    """Home, post, category, tag, archive, feed and search pages are all cached."""
    post.tags.add("cachetag")
    urls = ["/", post.get_absolute_url(), "/category/uncategorized/", "/tag/cachetag/"]
    urls += [f"/{post.published_at:%Y}/", "/feed/", "/?s=Cached"]
    for url in urls:
        assert outcome(client.get(url)) == "miss", url
        assert outcome(client.get(url)) == "hit", url


def test_query_strings_are_cached_apart(client, post):
    """Two searches are two pages: one never answers for the other."""
    client.get("/?s=Cached")
    other = client.get("/?s=zebra")
    assert outcome(other) == "miss"
    assert "Cached words" not in other.text.split("<aside")[0]


def test_a_new_approved_comment_shows_on_the_next_request(client, post, committed):
    """Approving a comment starts a new generation: the next view shows it."""
    url = post.get_absolute_url()
    client.get(url)
    with committed():
        comment = CommentFactory(post=post, content="Fresh thoughts here.", status="pending")
    assert "Fresh thoughts here." not in client.get(url).text
    with committed():
        comment.status = "approved"
        comment.save()
    response = client.get(url)
    assert outcome(response) == "miss"
    assert "Fresh thoughts here." in response.text


def test_an_edit_shows_on_the_next_request(client, post, committed):
    """Editing a post shows at once, on its page and on the home page."""
    client.get(post.get_absolute_url())
    client.get("/")
    with committed():
        post.title = "Edited words"
        post.save()
    assert "Edited words" in client.get(post.get_absolute_url()).text
    assert "Edited words" in client.get("/").text


def test_a_theme_switch_shows_on_the_next_request(client, post, committed):
    """Switching the theme in the site settings changes the next page served."""
    assert "themes/classic/style.css" in client.get("/").text
    with committed():
        site = SiteSettings.load()
        site.theme = "minimal"
        site.save()
    response = client.get("/")
    assert outcome(response) == "miss"
    assert "themes/minimal/style.css" in response.text


def test_scheduled_post_appears_when_its_time_comes(client, settings, time_machine):
    """A scheduled post shows on the home page at its time, however long pages may live."""
    settings.BLOGCMS_PAGE_CACHE_SECONDS = 24 * 3600
    time_machine.move_to(timezone.now(), tick=False)
    PostFactory(title="Old news")
    PostFactory(title="Tomorrow's news", published_at=timezone.now() + datetime.timedelta(hours=1))
    assert "Tomorrow&#x27;s news" not in client.get("/").text
    time_machine.shift(datetime.timedelta(minutes=59))
    assert outcome(client.get("/")) == "hit"
    time_machine.shift(datetime.timedelta(minutes=1, seconds=1))
    response = client.get("/")
    assert outcome(response) == "miss"
    assert "Tomorrow&#x27;s news" in response.text


def test_a_page_lives_no_longer_than_the_set_lifetime(client, post, settings, time_machine):
    """After BLOGCMS_PAGE_CACHE_SECONDS a page is rendered afresh."""
    time_machine.move_to(timezone.now(), tick=False)
    settings.BLOGCMS_PAGE_CACHE_SECONDS = 30
    client.get("/")
    time_machine.shift(29)
    assert outcome(client.get("/")) == "hit"
    time_machine.shift(2)
    assert outcome(client.get("/")) == "miss"
    # Kept again from then on, in the shared cache and in this worker's own copies.
    assert [outcome(client.get("/")) for _ in range(2)] == ["hit", "hit"]
    status, headers, _ = wsgi_get("/")
    assert (status, headers["X-Cache"]) == (200, "hit")


def test_logged_in_users_are_never_served_or_stored(client, post):
    """A logged-in user's pages are theirs: not from the cache, not into it, marked private."""
    url = post.get_absolute_url()
    client.get(url)
    client.force_login(StaffFactory())
    response = client.get(url)
    assert outcome(response) == "pass"
    assert "private" in response["Cache-Control"]
    client.logout()
    assert outcome(client.get(url)) == "hit"


@pytest.mark.parametrize(
    "cookie", ["sessionid", "messages", HELD_COOKIE, *DETAIL_COOKIES, "comment_author_5f4dcc3b"]
)
def test_personal_cookies_bypass_the_cache(client, post, cookie):
    """A session, flash messages, a commenter's saved details or their held-comment marker
    (the names comments.cookies sets) bypass the cache."""
    url = post.get_absolute_url()
    client.get(url)
    client.cookies[cookie] = "something"
    assert outcome(client.get(url)) == "pass"
    assert outcome(client.get(url)) == "pass"


def test_held_comment_marker_bypasses_the_cache(client, post):
    """The held commenter's "unapproved" marker gets their own page, never a shared one."""
    url = post.get_absolute_url()
    client.get(url)
    marked = f"{url}?unapproved=12&moderation-hash=abc"
    assert outcome(client.get(marked)) == "pass"
    assert outcome(client.get(marked)) == "pass"


def test_authorization_header_bypasses_the_cache(client, post):
    """A request with credentials is never answered from the cache."""
    client.get("/")
    assert outcome(client.get("/", HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==")) == "pass"


@own_urls
@pytest.mark.parametrize("url", ["/t/cookie/", "/t/private/", "/t/never/", "/t/no-store/"])
def test_answers_that_set_cookies_or_forbid_caching_are_not_stored(client, url):
    """Set-Cookie, private, no-cache and no-store answers are never stored."""
    assert outcome(client.get(url)) == "pass"
    assert outcome(client.get(url)) == "pass"


@own_urls
def test_a_page_that_starts_a_session_is_not_stored(client):
    """An answer that opens a session for the visitor (a cookie set later) is theirs."""
    assert outcome(Client().get("/t/session/")) == "pass"
    assert outcome(Client().get("/t/session/")) == "pass"


@own_urls
def test_a_page_with_a_real_csrf_token_is_not_stored(client):
    """When code puts a visitor's real CSRF token in the body, the page stays theirs."""
    assert outcome(client.get("/t/token/")) == "pass"
    assert outcome(client.get("/t/token/")) == "pass"


@own_urls
def test_a_value_marked_unvalidated_does_not_end_the_304s(client, settings, time_machine):
    """A page rendered again with only its unvalidated values changed (the form's stamp)
    keeps its ETag, so a returning visitor still gets 304; changed words end it."""
    time_machine.move_to(timezone.now(), tick=False)
    settings.BLOGCMS_PAGE_CACHE_SECONDS = 10
    first = client.get("/t/render-number/")
    time_machine.shift(11)
    again = client.get("/t/render-number/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert (outcome(again), again.status_code) == ("miss", 304)
    other = client.get("/t/render-number/?s=other+words", HTTP_IF_NONE_MATCH=first["ETag"])
    assert other.status_code == 200


@own_urls
def test_posts_are_never_cached(client):
    """A POST is never answered from the cache, nor stored for a later GET."""
    assert outcome(client.post("/t/plain/")) == "pass"
    assert outcome(client.post("/t/plain/")) == "pass"
    response = client.get("/t/plain/")
    assert (outcome(response), response.text) == ("miss", "<p>GET</p>")


@own_urls
def test_xmlrpc_endpoint_is_never_cached(client):
    """/xmlrpc.php is never cached, whatever it answers."""
    assert outcome(client.get("/xmlrpc.php")) == "pass"
    assert outcome(client.get("/xmlrpc.php")) == "pass"


def test_the_admin_is_never_cached(client):
    """The admin's pages, even its login page for anonymous visitors, are never cached."""
    client.get("/admin/login/")
    assert outcome(client.get("/admin/login/")) == "pass"


def test_not_found_pages_are_not_stored(client):
    """Only 200 answers are stored: a 404 is rendered each time."""
    assert client.get("/no/such/page/").status_code == 404
    response = client.get("/no/such/page/")
    assert (response.status_code, outcome(response)) == (404, "pass")


def test_head_is_answered_from_the_cache(client, post):
    """HEAD shares the GET page's cache entry."""
    client.get("/")
    response = client.head("/")
    assert (response.status_code, outcome(response)) == (200, "hit")


def test_switching_the_cache_off_bypasses_it(client, post, settings):
    """BLOGCMS_PAGE_CACHE=False renders every page afresh."""
    settings.BLOGCMS_PAGE_CACHE = False
    client.get("/")
    assert outcome(client.get("/")) == "pass"


def test_conditional_get_answers_304_from_the_cache(client, post):
    """An unchanged page is answered 304 to If-None-Match and to If-Modified-Since."""
    first = client.get("/")
    assert first["ETag"] and first["Last-Modified"]
    assert "max-age=0" in first["Cache-Control"]
    by_etag = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get("/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert (by_etag.status_code, by_date.status_code) == (304, 304)


def test_a_change_ends_the_304s(client, post, committed):
    """After a change the same validators get the new page, 200."""
    first = client.get("/")
    with committed():
        post.title = "Changed words"
        post.save()
    response = client.get(
        "/",
        HTTP_IF_NONE_MATCH=first["ETag"],
        HTTP_IF_MODIFIED_SINCE=http_date(timezone.now().timestamp() - 1),
    )
    assert response.status_code == 200
    assert "Changed words" in response.text


def test_a_post_page_keeps_answering_304_to_a_returning_visitor(client, post, settings):
    """An unchanged post page (with its comment form) is 304 on every repeat visit, from
    the cache or rendered again after it expired, to this visitor or any other."""
    url = post.get_absolute_url()
    first = client.get(url)
    assert 'id="commentform"' in first.text
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    cache.clear()  # expired everywhere: rendered anew, with a new "shown at" stamp
    from blogcms.pagecache import local_pages

    local_pages.clear()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (outcome(again), again.status_code) == ("miss", 304)


def test_an_expired_page_revalidated_is_kept_again(client, post, settings, time_machine):
    """Once a page expired, the first visitor revalidating it (If-None-Match, as browsers and
    feed readers do) gets a 304 and the page is kept again: the next revalidation is a hit,
    not another render."""
    time_machine.move_to(timezone.now(), tick=False)
    settings.BLOGCMS_PAGE_CACHE_SECONDS = 30
    url = post.get_absolute_url()
    first = client.get(url)
    time_machine.shift(31)
    after = [Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"]) for _ in range(3)]
    assert [(r.status_code, outcome(r)) for r in after] == [
        (304, "miss"),
        (304, "hit"),
        (304, "hit"),
    ]
    page = Client().get(url)
    assert (page.status_code, outcome(page), page["ETag"]) == (200, "hit", first["ETag"])


def test_a_page_that_is_not_kept_still_answers_304(client, post):
    """Conditions are put back for a page the cache does not keep (a logged-in user's
    pages pass by it; a view's own never_cache page): Django's ConditionalGetMiddleware
    answers them as before."""
    from django.test import override_settings

    with override_settings(BLOGCMS_PAGE_CACHE=True):
        first = client.get("/robots.txt")
        again = client.get("/robots.txt", HTTP_IF_NONE_MATCH=first["ETag"])
    assert first.status_code == 200 and again.status_code == 304


def test_cached_post_page_lets_a_second_visitor_comment():
    """A post page served from the cache to a second visitor lets them comment, with no
    token, from the site's own page (the Origin their browser sends)."""
    post = PostFactory(title="Open for comments", slug="open-for-comments")
    url = post.get_absolute_url()
    first_visitor = Client(enforce_csrf_checks=True)
    first_visitor.get(url)
    second_visitor = Client(enforce_csrf_checks=True)
    page = second_visitor.get(url)
    assert outcome(page) == "hit"
    assert "csrftoken" not in second_visitor.cookies
    response = second_visitor.post(
        f"/wp-comments-post/{post.pk}/",
        {
            "author": "Second Visitor",
            "email": "second@example.com",
            "comment": "Posted from a cached page.",
        },
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 302
    assert post.responses.filter(author_name="Second Visitor").exists()


def test_a_bot_posting_at_once_from_a_freshly_rendered_page_is_spam():
    """The form's "shown at" stamp is the page's render time: a bot that posts the moment
    the page is made is caught; one posting from a page cached long enough ago is not (the
    price of one page for everyone: the honeypot still catches it when it fills every
    field, see test_comments_flow)."""
    post = PostFactory(title="Open for comments", slug="open-for-comments")
    url = post.get_absolute_url()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        bot = Client()
        page = bot.get(url)
        assert outcome(page) == "miss"
        clock.shift(datetime.timedelta(seconds=1))
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
        bot.post(
            f"/wp-comments-post/{post.pk}/",
            {
                "author": "Quick Bot",
                "email": "bot@example.com",
                "comment": "Buy things.",
                "shown_at": fields["shown_at"],
            },
        )
        clock.shift(datetime.timedelta(seconds=30))
        assert Client().get(url).content == page.content  # the same stamp for all
    assert post.responses.get(author_name="Quick Bot").status == "spam"


def test_the_stored_page_holds_no_csrf_token(client, post):
    """What is kept in the cache, and every answer, has no CSRF token and sets no cookie."""
    url = post.get_absolute_url()
    response = client.get(url)
    assert not TOKEN_FIELD.search(response.text)
    assert "csrftoken" not in response.cookies
    key = page_key(RequestFactory().get(url), content_generation(), "classic")
    stored = cache.get(key).content.decode()
    assert 'id="commentform"' in stored
    assert "csrfmiddlewaretoken" not in stored


def test_held_and_spam_responses_leave_cached_pages_alone(client, post, committed):
    """A wave of held or spam comments does not empty the page cache; approving one does."""
    url = post.get_absolute_url()
    client.get(url)
    with committed():
        CommentFactory(post=post, status="pending")
        CommentFactory(post=post, status="spam")
    assert outcome(client.get(url)) == "hit"
    held = post.responses.get(status="pending")
    with committed():
        held.approve()
    assert outcome(client.get(url)) == "miss"
    with committed():
        held.set_status("spam")
    assert outcome(client.get(url)) == "miss"


def test_tagging_a_post_drops_cached_pages_but_a_users_groups_do_not(client, post, committed):
    """A post's tags and categories are what pages show; a user's groups are not."""
    from django.contrib.auth.models import Group

    url = post.get_absolute_url()
    client.get(url)
    with committed():
        StaffFactory().groups.add(Group.objects.get(name="Editor"))
    assert outcome(client.get(url)) == "hit"
    with committed():
        post.tags.add("bridges")
    assert outcome(client.get(url)) == "miss"
    with committed():
        post.categories.clear()
    assert outcome(client.get(url)) == "miss"


def wsgi_get(url, **headers):
    """GET `url` through blogcms.wsgi's application, as gunicorn calls it."""
    import io

    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from blogcms.wsgi import application

    path, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(response_headers)

    # As Django's test client: the test's database connection must outlive the request.
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        chunks = application(environ, start_response)
        body = b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
    finally:
        for signal in signals:
            signal.connect(close_old_connections)
    return answer["status"], answer["headers"], body


def test_a_non_latin_address_is_answered_through_the_wsgi_application():
    """A Cyrillic slug (WordPress percent-encodes it) reaches Django intact on a miss and is
    answered on the hit after it; an unknown one is a 404, never a 500. gunicorn hands the
    path over as PEP 3333 says: its bytes, decoded as Latin-1."""
    from urllib.parse import unquote_to_bytes

    post = PostFactory(title="Привет, мир", slug="привет-мир")
    url = post.get_absolute_url()
    raw = url.replace("привет-мир", "%d0%bf%d1%80%d0%b8%d0%b2%d0%b5%d1%82-%d0%bc%d0%b8%d1%80")
    as_gunicorn = unquote_to_bytes(raw).decode("latin-1")
    statuses = [wsgi_get(as_gunicorn) for _ in range(2)]
    assert [(s, h["X-Cache"]) for s, h, _ in statuses] == [(200, "miss"), (200, "hit")]
    assert "Привет, мир".encode() in statuses[0][2]
    missing = unquote_to_bytes("/%d0%bd%d0%b5%d1%82/").decode("latin-1")
    assert wsgi_get(missing)[0] == 404


def test_a_hit_before_django_varies_as_the_page_did(post):
    """A permalink also answers ActivityPub clients (Vary: Accept, set by the negotiation
    above the cache): a hit served before Django says so too, as Django's own hit does, so
    that no cache in front mixes the page and the Article."""
    url = post.get_absolute_url()
    rendered = Client().get(url)
    django_hit = Client().get(url)
    status, headers, _ = wsgi_get(url)
    assert (status, headers["X-Cache"], django_hit["X-Cache"]) == (200, "hit", "hit")
    for vary in (rendered["Vary"], django_hit["Vary"], headers["Vary"]):
        assert {"accept", "cookie"} <= {v.strip().lower() for v in vary.split(",")}, vary
    wsgi_get("/")  # rendered and kept; the home page is no object: it varies on Cookie only
    home = wsgi_get("/")
    assert home[1]["X-Cache"] == "hit" and "accept" not in home[1]["Vary"].lower()


def test_a_hit_is_answered_before_django_with_the_same_page(post, committed):
    """Through the WSGI application a hit is the page Django stored, headers included; a
    304 for an unchanged copy; and nothing stale once the content changes."""
    url = post.get_absolute_url()
    rendered = Client().get(url)
    status, headers, body = wsgi_get(url)
    assert (status, headers["X-Cache"], body) == (200, "hit", rendered.content)
    assert headers["ETag"] == rendered["ETag"]
    assert headers["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in headers
    assert wsgi_get(url, if_none_match=rendered["ETag"])[0] == 304
    assert wsgi_get(f"{url}?utm_source=feed")[2] == rendered.content
    with committed():
        post.title = "Renamed words"
        post.save()
    status, headers, body = wsgi_get(url)
    assert (status, headers["X-Cache"]) == (200, "miss")
    assert b"Renamed words" in body


def test_the_wsgi_layer_leaves_personal_requests_to_django(post):
    """A visitor with a session or a commenter's cookie never gets the shared page."""
    url = post.get_absolute_url()
    Client().get(url)
    assert wsgi_get(url, cookie="sessionid=abc")[1]["X-Cache"] == "pass"
    assert wsgi_get(url, cookie="comment_author_x=Ada")[1]["X-Cache"] == "pass"
    assert wsgi_get(url, authorization="Basic Zm9vOmJhcg==")[1]["X-Cache"] == "pass"


def test_query_strings_a_page_does_not_read_do_not_bypass_the_cache(client, post):
    """`?anything=…` is the page itself, from the cache; the view never sees it."""
    url = post.get_absolute_url()
    first = client.get(url)
    for junk in ("?x=1", "?utm_source=feed&utm_medium=rss", "?x=2&y=3"):
        response = client.get(f"{url}{junk}")
        assert (outcome(response), response.content) == ("hit", first.content), junk
    assert outcome(client.get("/?s=Cached&x=1")) == "miss"
    assert outcome(client.get("/?x=9&s=Cached")) == "hit"


def test_an_activitypub_client_never_gets_the_cached_html(post):
    """Mastodon asks a permalink for JSON (`Accept: application/activity+json`): even when
    the HTML page is cached, in this worker's memory or the shared cache, it gets the
    Article, not the page (the WSGI layer and the middleware both pass such requests)."""
    url = post.get_absolute_url()
    Client().get(url)
    assert wsgi_get(url)[1]["X-Cache"] == "hit"
    for accept in (
        "application/activity+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    ):
        status, headers, body = wsgi_get(url, accept=accept)
        assert status == 200 and "json" in headers["Content-Type"], accept
        assert json.loads(body)["type"] == "Article"
        answer = Client().get(url, HTTP_ACCEPT=accept)
        assert answer.json()["type"] == "Article"
