"""Receiving webmentions (W3C Recommendation, https://www.w3.org/TR/webmention/#receiving).

The endpoint only validates (§3.2.1: 400 with a reason for a bad request) and answers 202;
it looks up no host name (no network work in a request), so only a source written as an
IP address can be refused there for its address or its rate. Each sender (the client
address of the POST) has a rate of its own, spent before anything is queued (429). The
source is resolved, fetched and verified later in a task (§3.2.2), through the same
verifier as pingbacks. A mention sent again updates the stored response, its new words
moderated again (verify.restate); a source that is gone (410) or no longer links to us
removes it.
"""

import logging

from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from comments.models import Comment
from comments.moderation import client_ip
from posts.models import Post

from . import ratelimit, verify

log = logging.getLogger(__name__)


def _text(message, status):
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _too_many(message, limit):
    response = _text(message, 429)
    response["Retry-After"] = str(limit.retry_after())
    return response


@csrf_exempt
@require_POST
def endpoint(request):
    ip = client_ip(request)
    # Every request counts against its sender before any is checked or queued, so a
    # burst from one address cannot fill the task queue (the address is the client's:
    # no DNS in the request).
    if not ratelimit.SENDERS.take(ratelimit.sender(ip)):
        return _too_many(
            "Too many webmentions from your address; please try again later.", ratelimit.SENDERS
        )
    source = request.POST.get("source", "").strip()
    target = request.POST.get("target", "").strip()
    if not (source and target):
        return _text("Both source and target are required.", 400)
    try:
        verify.check_source(source, target)
        post = verify.target_post(target, verify.our_hosts(request))
        verify.check_literal_address(source)
    except verify.RateLimited as refused:
        return _too_many(refused.message, ratelimit.SOURCES)
    except verify.LinkbackRefused as refused:
        return _text(refused.message, 400)
    from .tasks import verify_webmention

    agent = request.META.get("HTTP_USER_AGENT", "")
    transaction.on_commit(lambda: verify_webmention.enqueue(source, target, post.pk, ip, agent))
    return _text("Accepted: the mention will be verified shortly.", 202)


def process(source, target, post_id, ip=None, user_agent=""):
    """Verify a webmention and store, update or remove the response it made. Returns what
    happened, for the task's result."""
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        return "post gone"
    previous = verify.existing(post, source)
    response = verify.new_response(
        post, source, Comment.Type.WEBMENTION, ip=ip, user_agent=user_agent
    )
    try:
        verify.check_policy(response)
        mention = verify.read_source(source, target)
    except verify.RateLimited:
        return "throttled"  # the task tries again later
    except verify.LinkbackRefused as refused:
        if isinstance(refused, verify.SourceGone) or refused.code == verify.NO_LINK:
            if previous is not None:
                previous.delete()
                return "removed"
            return "refused"
        log.info("webmention from %s not verified: %s", source, refused.message)
        return "unverified"
    if previous is not None:
        return "updated" if verify.restate(previous, source, mention) else "unchanged"
    try:
        verify.store(mention.fill(response))
    except verify.LinkbackRefused as refused:
        log.info("webmention from %s refused: %s", source, refused.message)
        return "refused"
    return "stored"
