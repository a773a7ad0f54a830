"""Receiving webmentions: 400 with a reason on bad requests, 202 then verification in a
task; updates replace the stored mention and a deleted source removes it."""

import datetime
import socket
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from blogcms.models import SiteSettings
from comments.models import Comment
from posts.models import Post
from tests.factories import PostFactory
from tests.linkback_peers import Reply, linking_page, one_rate_window, permalink

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback_peers")]


@pytest.fixture
def post():
    return PostFactory(title="Ours", slug="ours")


def mention(client, source, target, capture, **extra):
    with capture(execute=True):
        return client.post("/webmention/", {"source": source, "target": target}, **extra)


@pytest.mark.parametrize(
    "source, target, reason",
    [
        ("", "TARGET", "required"),
        ("not a url", "TARGET", "source"),
        ("ftp://x.example/a", "TARGET", "source"),
        ("TARGET", "TARGET", "same resource"),
        ("http://x.example/a", "http://elsewhere.example/2020/01/01/ours/", "not on this site"),
        ("http://x.example/a", "http://testserver/2001/01/01/nothing/", "does not exist"),
        ("http://10.0.0.1/a", "TARGET", "source URL does not exist"),
        ("http://0xa.1/a", "TARGET", "source URL does not exist"),  # 10.0.0.1, read without DNS
    ],
)
def test_bad_requests_get_400_with_a_reason(
    client, post, source, target, reason, django_capture_on_commit_callbacks
):
    """Webmention §3.2.1: an invalid source or target is a 400 that says why."""
    target = target.replace("TARGET", permalink(post))
    source = source.replace("TARGET", permalink(post))
    response = mention(client, source, target, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert reason in response.content.decode()


def test_a_source_refused_for_its_address_names_no_address(
    client, post, django_capture_on_commit_callbacks
):
    """A source written as a private address is refused with the words any source that
    does not exist gets: the answer never says what the host is or resolves to."""
    answers = [
        mention(client, source, permalink(post), django_capture_on_commit_callbacks)
        for source in ("http://0xa.1/a", "http://[::ffff:10.0.0.1]/a", "not a url")
    ]
    assert {(a.status_code, a.content) for a in answers} == {
        (400, b"The source URL does not exist.")
    }


@pytest.mark.parametrize(
    "change",
    [
        {"status": Post.Status.DRAFT},
        {"status": Post.Status.PRIVATE},
        {"status": Post.Status.PENDING},
        {"published_at": timezone.now() + datetime.timedelta(days=1)},
    ],
    ids=["draft", "private", "pending", "scheduled"],
)
def test_a_post_visitors_cannot_see_answers_as_one_that_does_not_exist(
    client, change, django_capture_on_commit_callbacks
):
    """A draft, pending, private or scheduled target gets the very answer a post that
    does not exist gets: status and words alike."""
    post = PostFactory(**change)
    missing = permalink(post).replace(post.slug, "no-such-post")
    hidden, absent = (
        mention(client, "http://x.example/a", target, django_capture_on_commit_callbacks)
        for target in (permalink(post), missing)
    )
    assert (hidden.status_code, hidden.content) == (absent.status_code, absent.content)
    assert hidden.status_code == 400


def test_a_published_post_closed_to_pings_refuses_mentions(
    client, django_capture_on_commit_callbacks
):
    """A post anyone can read with pings closed cannot be a target (400)."""
    post = PostFactory(pings_open=False)
    response = mention(
        client, "http://x.example/a", permalink(post), django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert b"cannot be used as a target" in response.content


def test_a_mention_is_accepted_then_verified_and_stored(
    client, stub, post, django_capture_on_commit_callbacks
):
    """202 Accepted, then the task fetches the source and stores a held webmention."""
    source = stub.page("/reply/", linking_page("Their reply", permalink(post)))
    response = mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    assert response.status_code == 202
    stored = Comment.objects.get(post=post)
    assert stored.type == Comment.Type.WEBMENTION
    assert (stored.author_name, stored.author_url) == ("Their reply", source)
    assert stored.content == "[…] I read this post and I have thoughts about it. […]"
    assert stored.status == Comment.Status.PENDING


def test_behind_a_proxy_the_mention_keeps_the_forwarded_address(
    client, stub, post, settings, django_capture_on_commit_callbacks
):
    """With BLOGCMS_CLIENT_IP_HEADER set, the stored webmention has the address the reverse
    proxy forwarded, not the proxy's own."""
    settings.BLOGCMS_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    source = stub.page("/reply/", linking_page("Their reply", permalink(post)))
    response = mention(
        client,
        source,
        permalink(post),
        django_capture_on_commit_callbacks,
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_REAL_IP="192.0.2.7",
    )
    assert response.status_code == 202
    assert Comment.objects.get(post=post).author_ip == "192.0.2.7"


def test_a_source_without_the_link_stores_nothing(
    client, stub, post, django_capture_on_commit_callbacks
):
    """The task stores nothing when the source does not link to the target."""
    source = stub.page("/reply/", linking_page("Theirs", "http://testserver/other/"))
    assert (
        mention(client, source, permalink(post), django_capture_on_commit_callbacks).status_code
        == 202
    )
    assert not Comment.objects.exists()


def test_a_resent_mention_updates_the_stored_one(
    client, stub, post, django_capture_on_commit_callbacks
):
    """Sending again after the source changed updates the same response."""
    source = stub.page("/reply/", linking_page("First title", permalink(post)))
    mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    stub.page("/reply/", linking_page("Second title", permalink(post), before="Now I say"))
    mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    stored = Comment.objects.get(post=post)
    assert stored.author_name == "Second title"
    assert "Now I say this post" in stored.content


@pytest.mark.parametrize("removal", ["gone", "unlinked"])
def test_a_deleted_source_removes_the_mention(
    client, stub, post, removal, django_capture_on_commit_callbacks
):
    """A source that answers 410 Gone, or no longer links to us, removes the mention."""
    source = stub.page("/reply/", linking_page("Theirs", permalink(post)))
    mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    assert Comment.objects.count() == 1
    if removal == "gone":
        stub.routes["/reply/"] = Reply(410, body=b"gone")
    else:
        stub.page("/reply/", linking_page("Theirs", "http://testserver/other/"))
    mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    assert not Comment.objects.exists()


def test_an_unreachable_source_leaves_a_stored_mention_alone(
    client, stub, post, django_capture_on_commit_callbacks
):
    """A source that is down (500) is not taken for deleted."""
    source = stub.page("/reply/", linking_page("Theirs", permalink(post)))
    mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    stub.routes["/reply/"] = Reply(500, body=b"oops")
    mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    assert Comment.objects.count() == 1


def test_mentions_display_like_pingbacks(client, stub, post, django_capture_on_commit_callbacks):
    """An approved mention shows on the post as "Webmention: title"."""
    source = stub.page("/reply/", linking_page("Their reply", permalink(post)))
    mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    Comment.objects.update(status=Comment.Status.APPROVED)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Webmention:" in page and "Their reply" in page and source in page


def test_the_endpoint_rate_limits_a_source_written_as_an_address(
    client, stub, post, settings, django_capture_on_commit_callbacks
):
    """Past the per-address rate, a source whose host is an IP address is answered 429 at
    once (no DNS needed to know its address) and fetched no more."""
    settings.BLOGCMS_LINKBACK_RATE = (3, 60)
    codes = []
    with one_rate_window():
        for number in range(6):
            source = stub.page(f"/r{number}/", linking_page(f"T{number}", permalink(post)))
            answer = mention(client, source, permalink(post), django_capture_on_commit_callbacks)
            codes.append(answer.status_code)
    assert codes == [202, 202, 202, 429, 429, 429]
    assert len(stub.received) == 3


def test_get_is_not_allowed(client):
    """The endpoint takes POSTs only."""
    assert client.get("/webmention/").status_code == 405


def test_an_updated_mention_goes_through_moderation_again(
    client, stub, post, django_capture_on_commit_callbacks
):
    """An approved mention whose source now says a disallowed word is spam, not approved;
    one whose words merely changed waits for a moderator again; unchanged, it stays."""
    source = stub.page("/reply/", linking_page("Fine title", permalink(post)))
    mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    Comment.objects.update(status=Comment.Status.APPROVED)
    mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    assert Comment.objects.get().status == Comment.Status.APPROVED
    stub.page("/reply/", linking_page("Fine title", permalink(post), before="Now I say"))
    mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    assert Comment.objects.get().status == Comment.Status.PENDING
    Comment.objects.update(status=Comment.Status.APPROVED)
    site = SiteSettings.load()
    site.disallowed_keys = "casino"
    site.save()
    stub.page("/reply/", linking_page("Casino bonus", permalink(post)))
    mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    assert Comment.objects.get().status == Comment.Status.SPAM


def test_the_endpoint_looks_up_no_host_name(client, post, django_capture_on_commit_callbacks):
    """No network work in the request: the endpoint answers 202 and queues the task
    without resolving the source's host (only numeric reads, which never ask DNS); the
    task, stubbed here, gets the mention."""
    source = "http://blog.example/reply/"
    with (
        mock.patch("socket.getaddrinfo", side_effect=socket.getaddrinfo) as lookups,
        mock.patch("comments.linkbacks.webmention.process") as task_work,
    ):
        response = mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    assert response.status_code == 202
    name_lookups = [
        call
        for call in lookups.call_args_list
        if not call.kwargs.get("flags", 0) & socket.AI_NUMERICHOST
    ]
    assert not name_lookups, "the request resolved a host name"
    assert task_work.call_args.args[:3] == (source, permalink(post), post.pk)


def test_a_host_name_with_a_private_address_fails_in_the_task(
    client, stub, post, settings, django_capture_on_commit_callbacks
):
    """A source named by a host that resolves to a private address is accepted (202), then
    the task refuses to fetch it and stores nothing."""
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = False
    stub.page("/reply/", linking_page("Theirs", permalink(post)))
    source = f"http://localhost:{stub._server.server_port}/reply/"
    assert (
        mention(client, source, permalink(post), django_capture_on_commit_callbacks).status_code
        == 202
    )
    assert not stub.received
    assert not Comment.objects.exists()


def test_the_task_rate_limits_sources_named_by_host(
    client, stub, post, settings, django_capture_on_commit_callbacks
):
    """Sources named by a host name are all accepted (202); past the per-address rate the
    task fetches nothing and stores nothing."""
    settings.BLOGCMS_LINKBACK_RATE = (3, 60)
    codes = []
    with one_rate_window():
        for number in range(6):
            stub.page(f"/r{number}/", linking_page(f"T{number}", permalink(post)))
            source = f"http://localhost:{stub._server.server_port}/r{number}/"
            answer = mention(client, source, permalink(post), django_capture_on_commit_callbacks)
            codes.append(answer.status_code)
    assert codes == [202] * 6
    assert len(stub.received) == 3
    assert Comment.objects.count() == 3


def test_a_disallowed_source_is_accepted_then_dropped_unfetched(
    client, stub, post, django_capture_on_commit_callbacks
):
    """A source holding a disallowed word gets the same 202 as any (the endpoint tells
    nothing), and the task neither fetches it nor stores anything."""
    site = SiteSettings.load()
    site.disallowed_keys = "spam-farm"
    site.save()
    source = stub.page("/spam-farm/", linking_page("Them", permalink(post)))
    response = mention(client, source, permalink(post), django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert not stub.received
    assert not Comment.objects.exists()


def burst(client, post, capture, count, **extra):
    """`count` webmentions to `post` from one sender; the answers, and how many the task
    (stubbed: no source is fetched) was given."""
    with mock.patch("comments.linkbacks.webmention.process", return_value="stored") as task_work:
        answers = [
            mention(client, f"http://blog.example/{n}/", permalink(post), capture, **extra)
            for n in range(count)
        ]
    return answers, task_work.call_count


def test_a_burst_from_one_sender_is_capped_before_anything_is_queued(
    client, post, settings, django_capture_on_commit_callbacks
):
    """Past BLOGCMS_WEBMENTION_SENDER_RATE a sender's webmentions get 429 with a
    Retry-After of the seconds left in the window, and nothing more is queued; the cap
    needs no DNS (the sender is the client address), so it holds for host-name sources."""
    settings.BLOGCMS_WEBMENTION_SENDER_RATE = (3, 60)
    start = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    with time_machine.travel(start + datetime.timedelta(seconds=15), tick=False):
        answers, queued = burst(client, post, django_capture_on_commit_callbacks, 6)
    assert [a.status_code for a in answers] == [202, 202, 202, 429, 429, 429]
    assert queued == 3
    assert answers[-1]["Retry-After"] == "45"
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        answers, queued = burst(client, post, django_capture_on_commit_callbacks, 1)
    assert answers[0].status_code == 202 and queued == 1


def test_the_sender_cap_is_per_sender(client, post, settings, django_capture_on_commit_callbacks):
    """Another sender is not held back by a busy one; behind a proxy the sender is the
    forwarded address (BLOGCMS_CLIENT_IP_HEADER), as for comments; every address of one
    IPv6 /64 (RFC 6177: one site's) is one sender."""
    settings.BLOGCMS_WEBMENTION_SENDER_RATE = (2, 60)
    settings.BLOGCMS_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    capture = django_capture_on_commit_callbacks
    with one_rate_window():
        codes = {
            sender: [a.status_code for a in burst(client, post, capture, 3, **extra)[0]]
            for sender, extra in {
                "a": {"HTTP_X_REAL_IP": "192.0.2.1"},
                "b": {"HTTP_X_REAL_IP": "192.0.2.2"},
                "a-by-ipv6": {"HTTP_X_REAL_IP": "::ffff:192.0.2.1"},
                "v6": {"HTTP_X_REAL_IP": "2001:db8:1:2::1"},
                "v6-same-64": {"HTTP_X_REAL_IP": "2001:db8:1:2:ffff::9"},
                "v6-other-64": {"HTTP_X_REAL_IP": "2001:db8:1:3::1"},
            }.items()
        }
    assert codes == {
        "a": [202, 202, 429],
        "b": [202, 202, 429],
        "a-by-ipv6": [429, 429, 429],
        "v6": [202, 202, 429],
        "v6-same-64": [429, 429, 429],
        "v6-other-64": [202, 202, 429],
    }
