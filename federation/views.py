"""The blog's ActivityPub addresses: WebFinger, host-meta, NodeInfo, the actor, its
collections and the inbox. Thin: documents.py builds, inbox.py checks and handles."""

import json
import logging

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from blogcms.addresses import site_host, site_url
from blogcms.models import SiteSettings
from blogcms.numbers import ascii_int
from comments.models import Comment
from posts.models import Post

from . import documents
from .inbox import Refused, receive
from .models import BlogActor, FederatedPost, Follower
from .signatures import SignedRequest

log = logging.getLogger(__name__)

JRD = "application/jrd+json"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"


def activity_response(document, status=200):
    response = JsonResponse(document, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/activity+json; charset=utf-8"
    return response


def _hosts():
    """The host as WebFinger may name it: with and without the port."""
    host = site_host()
    return {host, host.rsplit(":", 1)[0] if not host.endswith("]") else host}


@require_safe
def webfinger(request):
    """RFC 7033: `acct:handle@host` (with or without the port), or the actor's id."""
    resource = request.GET.get("resource", "").strip()
    actor = BlogActor.load()
    names = {f"acct:{actor.username}@{host}".lower() for host in _hosts()}
    if resource.lower() not in names and resource not in (actor.ap_id, site_url("/")):
        if not resource:
            return JsonResponse({"error": "the resource parameter is required"}, status=400)
        raise Http404("No such account.")
    document = {
        "subject": f"acct:{actor.username}@{site_host().rsplit(':', 1)[0]}",
        "aliases": [actor.ap_id, site_url("/")],
        "links": [
            {"rel": "self", "type": documents.ACTIVITY_JSON, "href": actor.ap_id},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": site_url("/"),
            },
        ],
    }
    response = JsonResponse(document)
    response["Content-Type"] = JRD
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def host_meta(request):
    """RFC 6415: where WebFinger lives (older Fediverse software asks here first)."""
    template = site_url(reverse("federation:webfinger")) + "?resource={uri}"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/xrd+xml" template="{template}"/>\n'
        "</XRD>\n"
    )
    return HttpResponse(body, content_type="application/xrd+xml")


@require_safe
def nodeinfo_links(request):
    return JsonResponse(
        {"links": [{"rel": NODEINFO_SCHEMA, "href": site_url(reverse("federation:nodeinfo"))}]}
    )


@require_safe
def nodeinfo(request):
    """NodeInfo 2.1: what software this is and how much it holds."""
    site = SiteSettings.load()
    response = JsonResponse(
        {
            "version": "2.1",
            "software": {"name": "blogcms", "version": "0.1.0"},
            "protocols": ["activitypub"],
            "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
            "openRegistrations": False,
            "usage": {
                "users": {"total": 1, "activeMonth": 1, "activeHalfyear": 1},
                "localPosts": Post.objects.posts().published().count(),
                "localComments": Comment.objects.approved().count(),
            },
            "metadata": {"nodeName": site.title, "nodeDescription": site.tagline},
        }
    )
    response["Content-Type"] = f'application/json; profile="{NODEINFO_SCHEMA}#"'
    return response


@require_safe
def actor(request):
    """The actor document; a browser following the link is sent to the blog itself."""
    from .middleware import wants_activity_json

    if "text/html" in request.headers.get("Accept", "") and not wants_activity_json(request):
        return redirect(site_url("/"))
    return activity_response(documents.actor_document(BlogActor.load(), SiteSettings.load()))


def _page_number(request):
    value = request.GET.get("page", "")
    if not value:
        return None
    number = ascii_int(value, default=0)
    if number < 1:
        raise Http404("No such page.")
    return number


@require_safe
def outbox(request):
    """The blog's Create(Article) activities, newest first, paged (OrderedCollectionPage)."""
    blog = BlogActor.load()
    posts = (
        Post.objects.posts()
        .published()
        .select_related("federation")
        .prefetch_related("tags")
        .order_by("-published_at", "-id")
    )
    paginator = Paginator(posts, documents.PAGE_SIZE)
    page = _page_number(request)
    if page is None:
        first = f"{blog.outbox}?page=1"
        return activity_response(documents.ordered_collection(blog.outbox, paginator.count, first))
    try:
        page_obj = paginator.page(page)
    except EmptyPage as exc:
        raise Http404("No such page.") from exc
    items = []
    for post in page_obj.object_list:
        article = documents.article(post, blog)
        item = documents.activity("Create", blog, article, suffix="create")
        item.pop("@context")
        items.append(item)
    document = documents.collection_page(blog.outbox, page, items, page_obj.has_next())
    return activity_response(document)


@require_safe
def followers(request):
    """Who follows the blog, paged; only the count when staff hide nothing else."""
    blog = BlogActor.load()
    accepted = Follower.objects.accepted().select_related("actor").order_by("created_at", "id")
    paginator = Paginator(accepted, 50)
    page = _page_number(request)
    if page is None:
        first = f"{blog.followers_url}?page=1"
        return activity_response(
            documents.ordered_collection(blog.followers_url, paginator.count, first)
        )
    try:
        page_obj = paginator.page(page)
    except EmptyPage as exc:
        raise Http404("No such page.") from exc
    items = [f.actor.ap_id for f in page_obj.object_list]
    return activity_response(
        documents.collection_page(blog.followers_url, page, items, page_obj.has_next())
    )


@require_safe
def following(request):
    blog = BlogActor.load()
    return activity_response(documents.ordered_collection(blog.following_url, 0))


@require_safe
def note(request, pk):
    """A staff reply we sent as a Note, while it is approved and answers a Fediverse reply."""
    from .models import RemoteNote

    comment = (
        Comment.objects.approved()
        .select_related("post")
        .filter(pk=pk, user__isnull=False, parent__type=Comment.Type.FEDIVERSE)
        .first()
    )
    remote = (
        comment
        and RemoteNote.objects.select_related("actor").filter(comment_id=comment.parent_id).first()
    )
    if remote is None:
        raise Http404("No such note.")
    document = documents.reply_note(comment, BlogActor.load(), remote)
    document["@context"] = documents.AS_CONTEXT
    return activity_response(document)


@csrf_exempt
@require_POST
def inbox(request):
    """The blog's inbox and the shared inbox: every activity through inbox.receive."""
    try:
        outcome = receive(SignedRequest.from_django(request))
    except Refused as refusal:
        log.info("inbox refused (%s): %s", refusal.status, refusal.reason)
        response = JsonResponse({"error": refusal.reason}, status=refusal.status)
        if refusal.status == 429:
            from .inbox import INSTANCES

            response["Retry-After"] = str(INSTANCES.retry_after())
        return response
    return HttpResponse(
        json.dumps({"outcome": outcome}), status=202, content_type="application/json"
    )


def article_or_tombstone(request, path):
    """The answer to an ActivityPub client at a post's permalink: the Article, a
    Tombstone (410) for a post withdrawn or deleted, or None (the page answers)."""
    post = Post.objects.published().posts().select_related("federation").at_url(path)
    if post is not None:
        document = documents.article(post, BlogActor.load())
        document["@context"] = documents.CONTEXT
        return activity_response(document)
    record = FederatedPost.objects.filter(path=path, deleted_at__isnull=False).first()
    if record is None:
        record = FederatedPost.objects.filter(
            ap_id=site_url(path), deleted_at__isnull=False
        ).first()
    if record is not None:
        return activity_response(documents.tombstone(record), status=410)
    return None
