"""Sending: which links are pinged, endpoint discovery, the outcome records and retries."""

import datetime
import socket
import xmlrpc.client
from unittest import mock

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from blogcms.models import SiteSettings
from comments.linkbacks.models import MAX_ATTEMPTS, OutgoingPing
from comments.linkbacks.send import discover, links_to_ping
from comments.linkbacks.tasks import deliver_linkback
from posts.models import Post
from tests.factories import PostFactory, StaffFactory
from tests.linkback_peers import Reply

pytestmark = pytest.mark.django_db

SITE = "http://blog.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = True
    settings.BLOGCMS_SITE_URL = SITE


def pingback_page(stub, path="/their-post/"):
    return stub.page(
        path, "<title>Theirs</title><p>Hello</p>", headers={"X-Pingback": stub.url("/xmlrpc")}
    )


def publish(body, **fields):
    """Publish a post through the real save path, running the after-commit work."""
    return PostFactory(body=body, **fields)


def test_links_are_picked_as_wordpress_picks_them():
    """Only http(s) links with a dotted host and a path, not ours, each once, are pinged."""
    post = PostFactory.build(
        slug="x",
        published_at=timezone.now(),
        body=(
            '<p><a href="https://other.example/post/1">a</a>'
            '<a href="https://other.example/post/1">again</a>'
            '<a href="http://intranet/post">no dot</a>'
            '<a href="https://home.example/">home page</a>'
            '<a href="https://home.example/?p=3">a query is a page</a>'
            f'<a href="{SITE}/2020/01/01/ours/">ourselves</a>'
            '<a href="/relative/">relative, so ours</a>'
            '<a href="mailto:me@example.com">mail</a>'
            '<a href="ftp://files.example/x">ftp</a></p>'
        ),
    )
    assert links_to_ping(post) == ["https://other.example/post/1", "https://home.example/?p=3"]


def test_publishing_pings_each_linked_blog_once(stub, django_capture_on_commit_callbacks):
    """Publishing sends pingback.ping(our permalink, their URL); an edit does not repeat it."""
    theirs = pingback_page(stub)
    with django_capture_on_commit_callbacks(execute=True):
        post = publish(f'<p>See <a href="{theirs}">their post</a>.</p>')
    assert stub.pingbacks == [(SITE + post.get_absolute_url(), theirs)]
    record = OutgoingPing.objects.get(post=post)
    assert (record.status, record.protocol, record.attempts) == ("sent", "pingback", 1)
    assert record.endpoint == stub.url("/xmlrpc")
    with django_capture_on_commit_callbacks(execute=True):
        post.title = "Edited"
        post.save()
    assert len(stub.pingbacks) == 1


def test_an_edit_that_adds_a_link_pings_only_the_new_one(stub, django_capture_on_commit_callbacks):
    """A published post edited to add a link pings that link, and only it."""
    first, second = pingback_page(stub, "/one/"), pingback_page(stub, "/two/")
    with django_capture_on_commit_callbacks(execute=True):
        post = publish(f'<p><a href="{first}">one</a></p>')
    with django_capture_on_commit_callbacks(execute=True):
        post.body += f'<p><a href="{second}">two</a></p>'
        post.save()
    assert [target for _, target in stub.pingbacks] == [first, second]


def test_drafts_send_nothing_and_neither_does_a_site_with_the_flag_off(
    stub, django_capture_on_commit_callbacks
):
    """Nothing is sent for a draft, nor when default_pingback_flag is off."""
    theirs = pingback_page(stub)
    with django_capture_on_commit_callbacks(execute=True):
        publish(f'<a href="{theirs}">x</a>', status=Post.Status.DRAFT)
    site = SiteSettings.load()
    site.default_pingback_flag = False
    site.save()
    with django_capture_on_commit_callbacks(execute=True):
        publish(f'<a href="{theirs}">x</a>')
    assert stub.pingbacks == [] and not OutgoingPing.objects.exists()


def test_a_scheduled_post_is_sent_when_its_time_comes(settings):
    """A scheduled post's send task is enqueued to run at its publication time."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import task_backends

    when = (timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda f, **kw: f()):
        post = PostFactory(published_at=when, body='<a href="https://x.example/p">x</a>')
    [queued] = [r for r in task_backends["default"].results if r.task.name == "send_linkbacks"]
    assert queued.args == [post.pk] and queued.task.run_after == when


def test_webmention_is_preferred_when_both_are_offered(stub):
    """A page offering both endpoints gets a webmention, not a pingback."""
    theirs = stub.page(
        "/both/",
        '<link rel="pingback" href="/xmlrpc"><link rel="webmention" href="/webmention">',
        headers={"X-Pingback": stub.url("/xmlrpc")},
    )
    post = PostFactory(body=f'<a href="{theirs}">x</a>')
    record = OutgoingPing.objects.create(post=post, target_url=theirs)
    deliver_linkback.call(record.pk)
    record.refresh_from_db()
    assert (record.status, record.protocol) == ("sent", "webmention")
    assert stub.webmentions == [(SITE + post.get_absolute_url(), theirs)]
    assert stub.pingbacks == []


@pytest.mark.parametrize(
    "headers, html, expected",
    [
        # The Link header wins over the document; the document's first rel in order wins.
        (
            {"Link": '</from-header>; rel="webmention"'},
            '<link rel="webmention" href="/doc">',
            "/from-header",
        ),
        ({"Link": '<https://x.example/a>; rel="other", </wm>; rel="webmention"'}, "", "/wm"),
        ({"Link": "</wm?version=1>; rel=webmention"}, "", "/wm?version=1"),
        (
            {},
            '<a rel="webmention" href="/by-a">x</a><link rel="webmention" href="/by-link">',
            "/by-a",
        ),
        ({}, '<link rel="me webmention" href="relative/endpoint">', "/dir/relative/endpoint"),
        ({}, '<link rel="webmention" href="">', "/dir/page"),
        ({}, '<link rel="pingback" href="/xmlrpc">', "/xmlrpc"),
        ({}, '<a rel="pingback" href="/by-a">x</a><link rel="pingback" href="/rpc">', "/rpc"),
        (
            {"X-Pingback": "/from-x-pingback"},
            '<link rel="pingback" href="/doc">',
            "/from-x-pingback",
        ),
    ],
)
def test_endpoint_discovery_follows_the_specs(stub, headers, html, expected):
    """Webmention §3.1.2 order (Link header, then <link>/<a> in document order) and relative
    URLs resolved against the page; then X-Pingback, then <link rel="pingback">."""
    url = stub.page("/dir/page", f"<html><head>{html}</head></html>", headers=headers)
    _, endpoint = discover(url)
    assert endpoint == stub.url(expected)


def test_discovery_resolves_against_the_url_after_redirects(stub):
    """A relative endpoint is resolved against the final URL, not the one we asked for."""
    stub.routes["/old"] = Reply(301, {"Location": "/new/place/page"})
    stub.page("/new/place/page", '<link rel="webmention" href="endpoint">')
    assert discover(stub.url("/old"))[1] == stub.url("/new/place/endpoint")


def test_no_endpoint_is_recorded(stub):
    """A page with neither endpoint is recorded as such and not retried."""
    theirs = stub.page("/plain/", "<title>plain</title>")
    record = OutgoingPing.objects.create(post=PostFactory(), target_url=theirs)
    deliver_linkback.call(record.pk)
    record.refresh_from_db()
    assert (record.status, record.next_retry_at) == ("no_endpoint", None)


def test_fault_48_counts_as_done(stub):
    """Already registered on their side is success (WordPress does the same)."""
    stub.pingback_answer = xmlrpc.client.Fault(48, "The pingback has already been registered.")
    record = OutgoingPing.objects.create(post=PostFactory(), target_url=pingback_page(stub))
    deliver_linkback.call(record.pk)
    record.refresh_from_db()
    assert (record.status, record.fault_code, record.next_retry_at) == ("sent", 48, None)


def test_a_permanent_fault_is_recorded_and_not_retried(stub):
    """Fault 17 (no link found) is kept with its message, with no retry."""
    stub.pingback_answer = xmlrpc.client.Fault(17, "no link")
    record = OutgoingPing.objects.create(post=PostFactory(), target_url=pingback_page(stub))
    deliver_linkback.call(record.pk)
    record.refresh_from_db()
    assert (record.status, record.fault_code, record.message) == ("fault", 17, "no link")
    assert record.next_retry_at is None and record.is_done


def test_a_link_with_non_ascii_in_its_path_is_delivered(stub):
    """A post linking to …/café/ pings it (the path is sent percent-encoded) and records it."""
    stub.routes["/caf%C3%A9/"] = Reply(
        200, {"Content-Type": "text/html", "X-Pingback": stub.url("/xmlrpc")}, b"<p>Hi</p>"
    )
    record = OutgoingPing.objects.create(post=PostFactory(), target_url=stub.url("/café/"))
    deliver_linkback.call(record.pk)
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("sent", 1)
    assert stub.pingbacks[0][1] == stub.url("/café/")


@pytest.mark.parametrize(
    "answer",
    [
        b'<?xml version="1.0" encoding="bogus"?><methodResponse/>',
        b'<?xml version="1.0" encoding="idna"?><methodResponse/>',
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><methodResponse>&a;</methodResponse>',
        b"<methodResponse><params><param><value><int>x</int></value></param></params>",
        b"not xml at all",
    ],
    ids=["unknown-encoding", "undecodable-encoding", "entity", "bad-value", "not-xml"],
)
def test_a_hostile_xmlrpc_answer_is_recorded_as_an_error(stub, answer):
    """Whatever their endpoint answers, the attempt is recorded (and retried), never lost."""
    stub.routes["/xmlrpc"] = Reply(200, {"Content-Type": "text/xml"}, answer)
    record = OutgoingPing.objects.create(post=PostFactory(), target_url=pingback_page(stub))
    deliver_linkback.call(record.pk)
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("network_error", 1)
    assert record.message.startswith("not an XML-RPC response") and record.next_retry_at


def test_network_errors_retry_with_growing_waits_a_bounded_number_of_times(stub):
    """A failure is retried later and later, then given up after MAX_ATTEMPTS."""
    record = OutgoingPing.objects.create(
        post=PostFactory(), target_url="http://127.0.0.1:9/closed-port/post"
    )
    waits = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(MAX_ATTEMPTS):
            deliver_linkback.call(record.pk)
            record.refresh_from_db()
            if record.next_retry_at:
                waits.append(record.next_retry_at - timezone.now())
                clock.move_to(record.next_retry_at)
    assert record.status == "network_error" and record.attempts == MAX_ATTEMPTS
    assert record.next_retry_at is None and record.is_done
    assert waits == sorted(waits) and len(waits) == MAX_ATTEMPTS - 1


def test_an_endpoint_on_a_private_address_is_never_called(stub):
    """A page advertising a private XML-RPC endpoint gets a network error, not a call."""
    theirs = stub.page("/p/", "<p>x</p>", headers={"X-Pingback": "http://10.0.0.1/xmlrpc.php"})
    record = OutgoingPing.objects.create(post=PostFactory(), target_url=theirs)
    real_connect = socket.socket.connect

    def only_loopback(sock, address):
        assert address[0] == "127.0.0.1", f"connected to {address[0]}"
        return real_connect(sock, address)

    with mock.patch.object(socket.socket, "connect", only_loopback):
        deliver_linkback.call(record.pk)
    record.refresh_from_db()
    assert record.status == "network_error" and "private" in record.message


@override_settings(BLOGCMS_FETCH_ALLOW_LOOPBACK=True)
def test_staff_see_the_records_on_the_post_and_can_resend(
    client, stub, django_capture_on_commit_callbacks
):
    """The post's admin page lists its outgoing linkbacks; the action sends them again."""
    theirs = pingback_page(stub)
    with django_capture_on_commit_callbacks(execute=True):
        post = publish(f'<a href="{theirs}">x</a>')
    client.force_login(StaffFactory())
    page = client.get(f"/admin/posts/post/{post.pk}/change/").content.decode()
    assert "Outgoing linkbacks" in page and theirs in page and "Sent" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/posts/post/",
            {"action": "resend_post_linkbacks", "_selected_action": [post.pk]},
        )
    assert response.status_code == 302
    assert len(stub.pingbacks) == 2
    assert OutgoingPing.objects.get(post=post).attempts == 1


def _deliver_once(stub, target_path="/t/"):
    record = OutgoingPing.objects.create(post=PostFactory(), target_url=stub.url(target_path))
    deliver_linkback.call(record.pk)
    record.refresh_from_db()
    return record


def _pingback_target(stub, xmlrpc_reply):
    pingback_page(stub, "/t/")
    stub.routes["/xmlrpc"] = xmlrpc_reply


def _fault(code):
    body = xmlrpc.client.dumps(xmlrpc.client.Fault(code, "no"), methodresponse=True)
    return Reply(200, {"Content-Type": "text/xml"}, body.encode())


HUGE = b"<p>" + b"x" * 1_000_010

HOPELESS = {
    "address-refused": lambda stub: stub.page(
        "/t/", "<p>x</p>", headers={"X-Pingback": "http://10.0.0.1/xmlrpc.php"}
    ),
    "too-large": lambda stub: stub.routes.update(
        {"/t/": Reply(200, {"Content-Type": "text/html"}, HUGE)}
    ),
    "endpoint-answers-html": lambda stub: _pingback_target(
        stub, Reply(200, {"Content-Type": "text/html"}, b"<p>not XML-RPC</p>")
    ),
    "redirect-loop": lambda stub: stub.routes.update({"/t/": Reply(302, {"Location": "/t/"})}),
    "endpoint-404": lambda stub: _pingback_target(stub, Reply(404, body=b"gone")),
    "target-404": lambda stub: stub.routes.update({"/t/": Reply(404, body=b"gone")}),
    "fault-17": lambda stub: _pingback_target(stub, _fault(17)),
    "fault-32": lambda stub: _pingback_target(stub, _fault(32)),
    "fault-33": lambda stub: _pingback_target(stub, _fault(33)),
    "webmention-400": lambda stub: (
        stub.page("/t/", "<p>x</p>", headers={"Link": f'<{stub.url("/wm")}>; rel="webmention"'})
        and stub.routes.update({"/wm": Reply(400, body=b"no link")})
    ),
}

TRANSIENT = {
    "target-503": lambda stub: stub.routes.update({"/t/": Reply(503, body=b"busy")}),
    "endpoint-500": lambda stub: _pingback_target(stub, Reply(500, body=b"oops")),
    "closed-port": lambda stub: stub.page(
        "/t/", "<p>x</p>", headers={"X-Pingback": "http://127.0.0.1:9/xmlrpc.php"}
    ),
    "fault-50": lambda stub: _pingback_target(stub, _fault(50)),
    "webmention-503": lambda stub: (
        stub.page("/t/", "<p>x</p>", headers={"Link": f'<{stub.url("/wm")}>; rel="webmention"'})
        and stub.routes.update({"/wm": Reply(503, body=b"busy")})
    ),
}


@pytest.mark.parametrize("setup", HOPELESS.values(), ids=HOPELESS.keys())
def test_a_failure_that_cannot_succeed_is_not_retried(stub, setup):
    """An address we refuse, a body over the cap, an answer of the wrong type, a redirect
    loop, a 4xx, or fault 17/32/33 fails the same way next time: recorded once, no retry."""
    setup(stub)
    record = _deliver_once(stub)
    assert record.status != "sent" and record.attempts == 1
    assert record.next_retry_at is None and record.is_done


@pytest.mark.parametrize("setup", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_a_transient_failure_is_retried(stub, setup):
    """A 5xx, a connection refused or timed out, or fault 50 may heal: a retry is queued."""
    setup(stub)
    record = _deliver_once(stub)
    assert record.status != "sent" and record.attempts == 1
    assert record.next_retry_at is not None and not record.is_done


@pytest.mark.parametrize(
    "content_type, headers, expected",
    [
        ("application/pdf", {"Link": '</wm>; rel="webmention"'}, ("webmention", "/wm")),
        ("image/jpeg", {"X-Pingback": "/xmlrpc"}, ("pingback", "/xmlrpc")),
        ("text/plain", {}, (None, "")),
    ],
)
def test_a_target_that_is_not_html_is_discovered_by_its_headers(
    stub, content_type, headers, expected
):
    """Webmention §3.1.2 and Pingback 1.0 §2: the Link and X-Pingback headers of any
    response name the endpoint, a PDF or an image too; its body (here over the 1 MB cap)
    is never read."""
    body = b"%PDF" + b"x" * 2_000_000
    stub.routes["/file"] = Reply(200, {"Content-Type": content_type, **headers}, body)
    protocol, endpoint = discover(stub.url("/file"))
    assert (protocol, endpoint) == (expected[0], expected[1] and stub.url(expected[1]))
