"""pingback.ping: verification against a real source page, every fault code, storage."""

import datetime
import xmlrpc.client
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, OperationalError
from django.utils import timezone

from blogcms.models import SiteSettings
from comments.linkbacks.verify import Reason
from comments.linkbacks.xmlrpc import FAULTS
from comments.models import Comment
from posts.models import Post
from tests.factories import CommentFactory, PostFactory
from tests.linkback_peers import Reply, StubBlog, linking_page, one_rate_window, permalink
from tests.test_ratelimit_cache import DATABASE_RATELIMIT
from tests.test_xmlrpc import call

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback_peers")]


@pytest.fixture
def post():
    return PostFactory(title="Serrano opposes the policy", slug="serrano")


def ping(client, source, target, **extra):
    return call(client, "pingback.ping", source, target, **extra)


def test_a_real_link_is_registered_as_a_held_pingback(client, stub, post):
    """A source that links to the post is stored with its title and "[…] context […]"."""
    source = stub.page(
        "/their-post/",
        linking_page(
            "  Their   take on it ",
            permalink(post),
            before="Earlier today " + "many words " * 30 + "the congressman said, as",
            after="reports, that the policy " + "goes on and on " * 20,
        ),
    )
    result = ping(client, source, permalink(post))
    assert result == (
        f"Pingback from {source} to {permalink(post)} registered. Keep the web talking! :-)"
    )
    response = Comment.objects.get(post=post)
    assert response.type == Comment.Type.PINGBACK
    assert response.author_name == "Their take on it"
    assert response.author_url == source and response.author_email == ""
    assert response.author_ip == "127.0.0.1"
    assert response.status == Comment.Status.PENDING  # linkbacks are never "previously approved"
    assert response.content.startswith("[…] ") and response.content.endswith(" […]")
    assert "the congressman said, as this post reports, that the policy" in response.content
    before, after = response.content[4:-4].split("this post")
    assert len(before.strip()) <= 100 and len(after.strip()) <= 100
    assert not before.startswith(" man") and "<" not in response.content


def test_behind_a_proxy_the_pingback_keeps_the_forwarded_address(client, stub, post, settings):
    """With BLOGCMS_CLIENT_IP_HEADER set, the stored pingback has the address the reverse
    proxy forwarded, not the proxy's own."""
    settings.BLOGCMS_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    source = stub.page("/s/", linking_page("Them", permalink(post)))
    result = call(
        client,
        "pingback.ping",
        source,
        permalink(post),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_REAL_IP="192.0.2.7",
    )
    assert "registered" in result
    assert Comment.objects.get(post=post).author_ip == "192.0.2.7"


def test_every_permalink_shape_is_a_target(client, stub, post):
    """The target may be the dated permalink, /?p=ID, or an old slug's permalink."""
    post.slug = "serrano-renamed"
    post.save()
    old = permalink(post).replace("serrano-renamed", "serrano")
    by_id = f"http://testserver/?p={post.pk}"
    for number, target in enumerate([permalink(post), by_id, old]):
        source = stub.page(f"/p{number}/", linking_page(f"Them {number}", target))
        assert "registered" in ping(client, source, target)
    assert post.responses.count() == 3


@pytest.mark.parametrize(
    "target",
    [
        "http://elsewhere.example/2020/01/01/serrano/",
        "http://testserver/2011/08/19/no-such-post/",
        "http://testserver/category/uncategorized/",
        "not a url",
    ],
)
def test_a_target_that_names_none_of_our_posts_is_32(client, stub, target):
    """A target not on this site, or naming no post, is fault 32."""
    source = stub.page("/s/", linking_page("Them", target))
    assert ping(client, source, target).faultCode == 32


NOT_PUBLIC = [
    {"status": Post.Status.DRAFT},
    {"status": Post.Status.PRIVATE},
    {"status": Post.Status.PENDING},
    {"published_at": timezone.now() + datetime.timedelta(days=1)},
]
NOT_PUBLIC_IDS = ["draft", "private", "pending", "scheduled"]


@pytest.mark.parametrize("change", NOT_PUBLIC, ids=NOT_PUBLIC_IDS)
def test_a_post_visitors_cannot_see_answers_as_one_that_does_not_exist(client, stub, change):
    """A draft, pending, private or scheduled post answers a pingback, and getPingbacks,
    with the very fault a post that does not exist gets (32), its source unfetched: the
    endpoint must not tell a stranger that an unpublished post is there."""
    post = PostFactory(**change)
    missing = permalink(post).replace(post.slug, "no-such-post")
    source = stub.page("/s/", linking_page("Them", permalink(post), missing))
    hidden, absent = ping(client, source, permalink(post)), ping(client, source, missing)
    assert (hidden.faultCode, hidden.faultString) == (absent.faultCode, absent.faultString)
    assert hidden.faultCode == 32
    by_id = ping(client, source, f"http://testserver/?p={post.pk}")
    assert (by_id.faultCode, by_id.faultString) == (absent.faultCode, absent.faultString)
    listed, none = (
        call(client, "pingback.extensions.getPingbacks", url) for url in (permalink(post), missing)
    )
    assert (listed.faultCode, listed.faultString) == (none.faultCode, none.faultString)
    assert not stub.received, "the source must not be fetched for a refused target"


def test_a_published_post_closed_to_pings_is_33(client, stub):
    """A post anyone can read whose pings are closed is fault 33 (Pingback 1.0: the target
    exists but is not a pingback-enabled resource); that tells nothing a visitor can't see."""
    post = PostFactory(pings_open=False)
    source = stub.page("/s/", linking_page("Them", permalink(post)))
    assert ping(client, source, permalink(post)).faultCode == 33
    assert not stub.received, "the source must not be fetched for a refused target"


@pytest.mark.parametrize(
    "source", ["STUB/missing/", "http://10.0.0.1/post/", "http://127.0.0.1:9/closed"]
)
def test_an_unfetchable_source_is_16(client, stub, post, source):
    """A 404 source, a private address and a closed port are fault 16."""
    source = source.replace("STUB", stub.base)
    assert ping(client, source, permalink(post)).faultCode == 16


def test_a_source_refused_for_its_address_is_answered_as_any_unfetchable_one(
    client, stub, post, settings
):
    """A source whose host resolves to a private or loopback address gets the fault a
    closed port or an unknown host gets, word for word: the answer does not name the
    address the host resolved to, so the endpoint is no oracle for our network."""
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = False
    port = stub._server.server_port
    stub.page("/s/", linking_page("Them", permalink(post)))
    faults = [
        ping(client, source, permalink(post))
        for source in (
            f"http://localhost:{port}/s/",  # a name that resolves to 127.0.0.1
            f"http://2130706433:{port}/s/",  # 127.0.0.1 spelt as a number
            f"http://[::ffff:127.0.0.1]:{port}/s/",
            "http://10.0.0.1/post/",
            "http://no-such-host.invalid/post/",
        )
    ]
    assert not stub.received
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = True
    faults.append(ping(client, "http://127.0.0.1:9/closed", permalink(post)))
    faults.append(ping(client, stub.url("/missing/"), permalink(post)))
    assert {(f.faultCode, f.faultString) for f in faults} == {
        (16, "The source URL does not exist.")
    }


def test_a_source_without_the_link_is_17(client, stub, post):
    """A source page that does not link to the target is fault 17."""
    source = stub.page("/s/", linking_page("Them", "http://testserver/elsewhere/"))
    fault = ping(client, source, permalink(post))
    assert fault.faultCode == 17
    assert "does not contain a link" in fault.faultString
    assert not post.responses.exists()


def test_a_repeated_pingback_is_48_and_fetches_nothing(client, stub, post):
    """The same source pinging the same post again is fault 48, answered before any fetch."""
    source = stub.page("/s/", linking_page("Them", permalink(post)))
    assert "registered" in ping(client, source, permalink(post))
    fetched = len(stub.received)
    fault = ping(client, source, permalink(post))
    assert fault.faultCode == 48
    assert len(stub.received) == fetched
    assert post.responses.count() == 1


def test_a_disallowed_source_is_49_without_a_fetch(client, stub, post):
    """A source matching the disallowed keys is fault 49, and is never fetched."""
    site = SiteSettings.load()
    site.disallowed_keys = "spam-farm\n127.0.0.1"
    site.save()
    source = stub.page("/s/", linking_page("Them", permalink(post)))
    assert ping(client, source, permalink(post)).faultCode == 49
    assert not stub.received


def test_a_disallowed_sender_is_49_and_disallowed_words_in_the_source_are_spam(client, stub, post):
    """The disallowed keys are matched as for comments: a sender whose user agent holds
    one is fault 49 unfetched; a source whose title holds one is stored as spam."""
    site = SiteSettings.load()
    site.disallowed_keys = "EvilBot\ncasino"
    site.save()
    source = stub.page("/s/", linking_page("Them", permalink(post)))
    fault = ping(client, source, permalink(post), HTTP_USER_AGENT="evilbot/2.0")
    assert fault.faultCode == 49 and not stub.received
    source = stub.page("/c/", linking_page("Casino bonus", permalink(post)))
    assert "registered" in ping(client, source, permalink(post))
    assert Comment.objects.get(post=post).status == Comment.Status.SPAM


def test_a_burst_from_one_host_is_rate_limited_without_fetching_each(client, stub, post):
    """100 pingbacks from one source host: the first 10 verified, 90 refused with 49 unfetched."""
    for number in range(100):
        stub.page(f"/s{number}/", linking_page(f"Them {number}", permalink(post)))
    codes = []
    with one_rate_window():
        for number in range(100):
            result = ping(client, stub.url(f"/s{number}/"), permalink(post))
            codes.append(result.faultCode if isinstance(result, xmlrpc.client.Fault) else "ok")
    assert codes.count("ok") == 10 and codes.count(49) == 90
    assert len(stub.received) == 10


def test_a_database_failure_is_50(client, stub, post):
    """A failure of a system we depend on (the database) is fault 50, not a 500."""
    source = stub.page("/s/", linking_page("Them", permalink(post)))
    with mock.patch("comments.linkbacks.verify.submit", side_effect=OperationalError("down")):
        assert ping(client, source, permalink(post)).faultCode == 50


def test_a_database_bug_is_not_disguised_as_50(client, stub, post):
    """An IntegrityError is a bug, not "try again later": it is raised, not fault 50."""
    source = stub.page("/s/", linking_page("Them", permalink(post)))
    with (
        mock.patch("comments.linkbacks.verify.submit", side_effect=IntegrityError("bug")),
        pytest.raises(IntegrityError),
    ):
        ping(client, source, permalink(post))


def test_source_and_target_the_same_is_0(client, post):
    """A post cannot ping itself: the generic fault 0."""
    assert ping(client, permalink(post), permalink(post)).faultCode == 0


def test_hidden_fault_details_answer_bare_zero_except_48(client, stub, post):
    """With pingback_hide_fault_details every fault but 48 is code 0 with no message."""
    site = SiteSettings.load()
    site.pingback_hide_fault_details = True
    site.save()
    fault = ping(
        client, stub.page("/s/", linking_page("Them", "http://x.example/")), permalink(post)
    )
    assert (fault.faultCode, fault.faultString) == (0, "")
    assert ping(client, "http://10.0.0.1/", permalink(post)).faultString == ""
    good = stub.page("/g/", linking_page("Them", permalink(post)))
    ping(client, good, permalink(post))
    assert ping(client, good, permalink(post)).faultCode == 48


def test_get_pingbacks_lists_approved_sources(client, post):
    """pingback.extensions.getPingbacks returns the approved pingbacks' source URLs."""
    CommentFactory(post=post, type=Comment.Type.PINGBACK, author_url="http://a.example/1")
    CommentFactory(
        post=post,
        type=Comment.Type.PINGBACK,
        author_url="http://b.example/2",
        status=Comment.Status.PENDING,
    )
    CommentFactory(post=post, author_url="http://c.example/")
    result = call(client, "pingback.extensions.getPingbacks", permalink(post))
    assert result == ["http://a.example/1"]
    missing = call(client, "pingback.extensions.getPingbacks", "http://testserver/2001/01/01/x/")
    assert missing.faultCode == 32


def test_post_pages_advertise_both_endpoints(client, post):
    """A published post that takes pings sends X-Pingback, Link and both <link> elements."""
    response = client.get(post.get_absolute_url())
    assert response["X-Pingback"] == "http://testserver/xmlrpc.php"
    assert response["Link"] == '<http://testserver/webmention/>; rel="webmention"'
    html = response.content.decode()
    assert '<link rel="pingback" href="http://testserver/xmlrpc.php">' in html
    assert '<link rel="webmention" href="http://testserver/webmention/">' in html


def test_posts_closed_to_pings_advertise_nothing(client):
    """No endpoint is advertised where pings would be refused."""
    post = PostFactory(pings_open=False)
    response = client.get(post.get_absolute_url())
    assert "X-Pingback" not in response and "Link" not in response
    assert 'rel="pingback"' not in response.content.decode()


def close_by_age(days=14):
    site = SiteSettings.load()
    site.close_comments_for_old_posts = True
    site.close_comments_days_old = days
    site.save()


def test_posts_closed_by_age_take_no_pings_and_advertise_none(client, stub):
    """Closing comments on old posts closes pings too (_close_comments_for_old_post)."""
    old = PostFactory(published_at=timezone.now() - datetime.timedelta(days=30))
    close_by_age()
    source = stub.page("/s/", linking_page("Them", permalink(old)))
    assert ping(client, source, permalink(old)).faultCode == 33
    response = client.get(old.get_absolute_url())
    assert "X-Pingback" not in response and 'rel="pingback"' not in response.text
    assert "Comments are closed." in response.text


@pytest.mark.parametrize("post_id", ["²", "١٢", "99999999999999999999999"])
def test_a_query_id_that_is_not_plain_digits_names_no_post(client, post, post_id):
    """?p= takes ASCII digits in range only ("²".isdigit() is true): 32 and 404, never 500."""
    target = f"http://testserver/?p={post_id}"
    assert ping(client, "http://source.example/a", target).faultCode == 32
    assert call(client, "pingback.extensions.getPingbacks", target).faultCode == 32
    assert client.get("/", {"p": post_id}).status_code == 404


def test_a_post_with_a_non_ascii_slug_takes_pings(client, stub):
    """/…/%C3%A9t%C3%A9-chaud/ (the percent-encoded permalink) names the post "été-chaud"."""
    post = PostFactory(slug="été-chaud")
    assert "%C3%A9t%C3%A9-chaud" in permalink(post)
    source = stub.page("/s/", linking_page("Them", permalink(post)))
    assert "registered" in ping(client, source, permalink(post))
    assert call(client, "pingback.extensions.getPingbacks", permalink(post)) == []


def test_the_rate_window_is_fixed_on_the_database_cache(client, stub, post, settings):
    """A host that keeps pinging is let in again when its window ends: with the database
    cache, incr() re-sets the key's expiry, so a sliding key would lock it out for good."""
    settings.CACHES = DATABASE_RATELIMIT
    call_command("createcachetable", verbosity=0)
    settings.BLOGCMS_LINKBACK_RATE = (2, 60)
    codes = []
    start = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)  # on a window's edge
    for number, seconds in enumerate([0, 1, 2, 50, 65, 66, 67]):
        source = stub.page(f"/s{number}/", linking_page(f"Them {number}", permalink(post)))
        with time_machine.travel(start + datetime.timedelta(seconds=seconds)):
            result = ping(client, source, permalink(post))
        codes.append(result.faultCode if isinstance(result, xmlrpc.client.Fault) else "ok")
    assert codes == ["ok", "ok", 49, 49, "ok", "ok", 49]


LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "localhost",
    "2130706433",
    "127.1",
    "0x7f.1",
    "0x7F000001",
    "017700000001",
    "0177.0.0.01",
    "１２７.０.０.１",  # full-width digits, NFKC-folded by IDNA
    "[::ffff:127.0.0.1]",
]


def test_every_spelling_of_one_address_shares_its_rate(client, stub, post):
    """Ten spellings of 127.0.0.1, ten pings each: 10 verified in all, 90 refused with 49."""
    port = stub._server.server_port
    codes = []
    with one_rate_window():
        for spelling in LOOPBACK_SPELLINGS:
            for _ in range(10):
                path = f"/{len(codes)}/"
                stub.page(path, linking_page(f"Them {len(codes)}", permalink(post)))
                result = ping(client, f"http://{spelling}:{port}{path}", permalink(post))
                codes.append(result.faultCode if isinstance(result, xmlrpc.client.Fault) else "ok")
    assert codes.count("ok") == 10 and codes.count(49) == 90
    assert len(stub.received) == 10


def test_redirects_count_against_the_address_they_lead_to(client, post, settings):
    """Sources on three hosts all redirecting to one victim: the victim's rate holds."""
    settings.BLOGCMS_LINKBACK_RATE = (3, 60)
    with (
        StubBlog("127.0.0.2") as victim,
        StubBlog("127.0.0.3") as a,
        StubBlog("127.0.0.4") as b,
        StubBlog("127.0.0.5") as c,
        one_rate_window(),
    ):
        codes = []
        for number, host in enumerate([a, b, c, a, b, c]):
            page = victim.page(f"/{number}/", linking_page(f"Victim {number}", permalink(post)))
            host.routes[f"/r{number}"] = Reply(302, {"Location": page})
            result = ping(client, host.url(f"/r{number}"), permalink(post))
            codes.append(result.faultCode if isinstance(result, xmlrpc.client.Fault) else "ok")
    assert codes == ["ok", "ok", "ok", 49, 49, 49]
    assert len(victim.received) == 3


def test_markup_written_as_text_in_the_source_stays_text(client, stub, post):
    """'&lt;a href=…&gt;' in the source is shown as text in the excerpt, never as a link."""
    words = '&lt;a href="http://evil.example/"&gt;win&lt;/a&gt; &amp; more'
    source = stub.page("/s/", linking_page("Them", permalink(post), before=words))
    assert "registered" in ping(client, source, permalink(post))
    response = Comment.objects.get(post=post)
    assert ">win</a>" not in response.content_html  # (the bare URL is linked, as any)
    assert "&lt;a href=" in response.content_html
    assert '&lt;a href="http://evil.example/"&gt;win&lt;/a&gt; &amp; more' in response.content


def test_the_excerpt_keeps_the_source_spacing(client, stub, post):
    """Punctuation that follows the link, and words glued to it, stay as the source has
    them: "the Serrano post. It", never "the Serrano post . It"."""
    html = (
        "<title>Them</title><p>Earlier (see <a href='TARGET'>the Serrano post</a>). It was"
        " a <em>long</em>day, <a href='TARGET'>quoted</a>&nbsp;twice.</p>"
    ).replace("TARGET", permalink(post))
    assert "registered" in ping(client, stub.page("/s/", html), permalink(post))
    assert Comment.objects.get(post=post).content == (
        "[…] Earlier (see the Serrano post). It was a longday, quoted twice. […]"
    )


def test_every_refusal_has_its_pingback_fault():
    """Each reason a linkback can be refused for has its one entry in the endpoint's fault
    table, so no refusal reaches XML-RPC as a 500."""
    assert set(FAULTS) == set(Reason)
