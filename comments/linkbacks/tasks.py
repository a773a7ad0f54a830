"""Linkback work that runs in the background worker (django-tasks), never in a request.

With the database backend (`make run`), tasks wait in the database until a worker
finishes them, and run_after holds a scheduled post's pings, and each retry, until due.
"""

import logging

from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)


def enqueue_at(a_task, when, *args):
    """Enqueue `a_task` to run at `when` (now if it has passed). A backend that cannot defer
    (the immediate one in tests) is asked to run nothing early: the caller's record keeps
    the time, and the next save or a staff re-send picks it up."""
    if when is None or when <= timezone.now():
        return a_task.enqueue(*args)
    if a_task.get_backend().supports_defer:
        return a_task.using(run_after=when).enqueue(*args)
    log.warning("task backend cannot defer %s to %s; not enqueued", a_task.name, when)
    return None


# Attempts at a webmention whose source address is over its rate, before it is given up.
THROTTLED_ATTEMPTS = 5


@task()
def verify_webmention(source, target, post_id, ip=None, user_agent="", attempt=1):
    """Fetch a webmention's source and store, update or remove the response it makes.

    The sender was answered 202, so a mention refused by the source rate is not dropped:
    it is queued again for after the window (later each time), a few times at most."""
    from .ratelimit import SOURCES
    from .webmention import process

    outcome = process(source, target, post_id, ip, user_agent)
    if outcome != "throttled":
        return outcome
    if attempt >= THROTTLED_ATTEMPTS:
        log.warning("webmention from %s given up: over the rate %d times", source, attempt)
        return "given up"
    args = (source, target, post_id, ip, user_agent, attempt + 1)
    enqueue_at(verify_webmention, SOURCES.later(attempt), *args)
    return "deferred"


@task()
def send_linkbacks(post_id):
    """Record each link of a published post and enqueue its delivery (once per target)."""
    from blogcms.models import SiteSettings
    from posts.models import Post

    from .models import OutgoingPing
    from .send import links_to_ping

    post = Post.objects.filter(pk=post_id).first()
    if post is None or not post.is_published or not SiteSettings.load().default_pingback_flag:
        return 0
    queued = 0
    for url in links_to_ping(post):
        ping, _ = OutgoingPing.objects.get_or_create(post=post, target_url=url)
        if ping.is_done or ping.next_retry_at:
            continue  # finished, or its retry is already queued
        deliver_linkback.enqueue(ping.pk)
        queued += 1
    return queued


@task()
def deliver_linkback(ping_id):
    """One attempt at one target; a retryable failure is enqueued again for its next time."""
    from .models import OutgoingPing
    from .send import deliver

    ping = OutgoingPing.objects.select_related("post").filter(pk=ping_id).first()
    if ping is None or ping.is_done:
        return None
    deliver(ping)
    if ping.next_retry_at:
        enqueue_at(deliver_linkback, ping.next_retry_at, ping.pk)
    return ping.status
