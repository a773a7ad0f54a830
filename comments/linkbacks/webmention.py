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

from . import ratelimit
from .verify import LinkbackRefused, Reason, accept, check_literal_address, our_hosts, receive

log = logging.getLogger(__name__)

SOURCE_MISSING = (400, "The source URL does not exist.")

# What a refused webmention is told (§3.2.1: 400 with a reason for a bad request). A
# source's address is never named, and a post visitors cannot see is one that does not
# exist. Refusals found later, in the task, are told to no one (§3.2.3: the 202 stands).
ANSWERS = {
    Reason.SOURCE_INVALID: SOURCE_MISSING,
    Reason.SOURCE_REFUSED: SOURCE_MISSING,
    Reason.SAME_RESOURCE: (
        400,
        "The source URL and the target URL cannot both point to the same resource.",
    ),
    Reason.TARGET_ELSEWHERE: (400, "The specified target URL is not on this site."),
    Reason.TARGET_MISSING: (400, "The specified target URL does not exist."),
    Reason.TARGET_CLOSED: (
        400,
        "The specified target URL cannot be used as a target: it does not accept webmentions.",
    ),
    Reason.RATE_LIMITED: (429, "Too many mentions from that source; please try again later."),
}


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
        post = accept(source, target, our_hosts(request))
        # The fetch waits for the task; what a literal address tells is known now.
        check_literal_address(source)
    except LinkbackRefused as refused:
        status, message = ANSWERS[refused.reason]
        if status == 429:
            return _too_many(message, ratelimit.SOURCES)
        return _text(message, status)
    from .tasks import verify_webmention

    agent = request.META.get("HTTP_USER_AGENT", "")
    transaction.on_commit(lambda: verify_webmention.enqueue(source, target, post.pk, ip, agent))
    return _text("Accepted: the mention will be verified shortly.", 202)


def process(source, target, post_id, ip=None, user_agent=""):
    """Verify a webmention and store, update or remove the response it made. Returns what
    happened, for the task's result: "throttled" when the task should try again later."""
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        return "post gone"
    try:
        return receive(
            source, target, Comment.Type.WEBMENTION, post=post, ip=ip, user_agent=user_agent
        )
    except LinkbackRefused as refused:
        log.info("webmention from %s refused: %s %s", source, refused.reason, refused.detail)
        return "throttled" if refused.reason == Reason.RATE_LIMITED else "refused"
