"""End to end over real HTTP: blogcms (a live server, its database task queue and worker)
and a stub blog on 127.0.0.1 exchange pingbacks and webmentions in both directions."""

import urllib.parse
import urllib.request
import xmlrpc.client

import pytest
from django.core.management import call_command

from comments.linkbacks.models import OutgoingPing
from comments.models import Comment
from tests.factories import PostFactory
from tests.linkback_peers import StubBlog, linking_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _two_blogs_on_loopback(settings, live_server):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = True
    settings.BLOGCMS_SITE_URL = live_server.url


@pytest.fixture
def stub():
    with StubBlog() as blog:
        blog.verify_sources = True
        yield blog


def run_worker():
    """What `make run`'s db_worker does, until the queue is empty."""
    call_command("db_worker", batch=True, queue_name="*", interval=0, startup_delay=False)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers, response.read().decode()


def test_a_pingback_from_another_blog_shows_on_our_post(live_server, stub):
    """They link to our post and call our /xmlrpc.php; we verify and show it once approved."""
    post = PostFactory(title="Serrano opposes the policy")
    ours = live_server.url + post.get_absolute_url()
    headers, _ = get(ours)
    endpoint = headers["X-Pingback"]
    assert endpoint == f"{live_server.url}/xmlrpc.php"
    theirs = stub.page("/reply/", linking_page("A reply from the stub blog", ours))
    answer = xmlrpc.client.ServerProxy(endpoint).pingback.ping(theirs, ours)
    assert answer == f"Pingback from {theirs} to {ours} registered. Keep the web talking! :-)"
    with pytest.raises(xmlrpc.client.Fault) as again:
        xmlrpc.client.ServerProxy(endpoint).pingback.ping(theirs, ours)
    assert again.value.faultCode == 48
    Comment.objects.filter(post=post).update(status=Comment.Status.APPROVED)
    _, page = get(ours)
    assert "Pingback:" in page and "A reply from the stub blog" in page


def test_a_webmention_from_another_blog_is_verified_by_the_worker(live_server, stub):
    """They POST to the advertised endpoint; 202 now, the worker verifies and stores it."""
    post = PostFactory()
    ours = live_server.url + post.get_absolute_url()
    headers, _ = get(ours)
    endpoint = headers["Link"].split(">")[0].lstrip("<")
    theirs = stub.page("/mention/", linking_page("A mention from the stub blog", ours))
    body = urllib.parse.urlencode({"source": theirs, "target": ours}).encode()
    with urllib.request.urlopen(urllib.request.Request(endpoint, data=body), timeout=10) as r:
        assert r.status == 202
    assert not Comment.objects.exists()
    run_worker()
    stored = Comment.objects.get(post=post)
    assert (stored.type, stored.author_name) == ("webmention", "A mention from the stub blog")


def test_our_published_post_pings_the_blog_it_links_to(live_server, stub):
    """Publishing queues a task; the worker discovers their X-Pingback and calls it, and
    they fetch our post over HTTP and find the link."""
    theirs = stub.page(
        "/their-post/",
        "<title>Theirs</title><p>Hi</p>",
        headers={"X-Pingback": stub.url("/xmlrpc")},
    )
    post = PostFactory(body=f'<p>As <a href="{theirs}">they wrote</a>, indeed.</p>')
    assert stub.pingbacks == []  # nothing in the request that saved the post
    run_worker()
    ours = live_server.url + post.get_absolute_url()
    assert stub.pingbacks == [(ours, theirs)]
    record = OutgoingPing.objects.get(post=post)
    assert (record.status, record.protocol) == ("sent", "pingback"), record.message


def test_our_published_post_sends_a_webmention_where_one_is_offered(live_server, stub):
    """A target offering both endpoints gets a webmention, which they verify against us."""
    theirs = stub.page(
        "/their-post/",
        '<link rel="webmention" href="/webmention"><link rel="pingback" href="/xmlrpc">',
    )
    post = PostFactory(body=f'<p>See <a href="{theirs}">this</a>.</p>')
    run_worker()
    assert stub.webmentions == [(live_server.url + post.get_absolute_url(), theirs)]
    assert stub.pingbacks == []
    record = OutgoingPing.objects.get(post=post)
    assert (record.status, record.protocol) == ("sent", "webmention"), record.message
