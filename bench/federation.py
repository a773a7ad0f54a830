"""Time the Fediverse side: publishing a post to N followers (one signed POST per shared
inbox, run as the task worker would run them), and the inbox's cost per activity over real
HTTP on 127.0.0.1 (signature check with the key cached, then the activity handled), for a
Like, a reply (Create(Note) through moderation) and a forged or unsigned POST (refused).

    .venv/bin/python bench/federation.py [--followers 100] [--activities 50]

Uses a throwaway SQLite database in a temporary var/ directory; tasks run at once (the
immediate backend) so the publish time is the whole delivery; prints medians and p95.
"""

import argparse
import json
import os
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from pathlib import Path
from wsgiref.simple_server import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.linkbacks import QuietHandler, ThreadedWSGIServer, summary, timed  # noqa: E402


def setup(var_dir):
    os.environ.update(
        DJANGO_SETTINGS_MODULE="blogcms.settings",
        BLOGCMS_VAR_DIR=var_dir,
        BLOGCMS_FETCH_ALLOW_LOOPBACK="1",
        BLOGCMS_PLAIN_STATIC="1",
        BLOGCMS_PAGE_CACHE="0",
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    settings.BLOGCMS_FEDERATION_INBOX_RATE = (10**6, 60)  # the bench is one instance
    return settings


def post(url, body, headers):
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=100)
    parser.add_argument("--activities", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var_dir:
        settings = setup(var_dir)
        from django.contrib.auth import get_user_model
        from django.core.wsgi import get_wsgi_application
        from django.utils import timezone

        from blogcms.models import SiteSettings
        from federation.models import BlogActor, Delivery, Follower, RemoteActor
        from posts.models import Post
        from tests.fediverse_peers import FakeMastodon

        server = make_server(
            "127.0.0.1", 0, get_wsgi_application(), ThreadedWSGIServer, QuietHandler
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        settings.BLOGCMS_SITE_URL = base
        settings.ALLOWED_HOSTS = ["127.0.0.1"]
        site = SiteSettings.load()
        site.comment_flood_seconds = 0
        site.save()
        blog = BlogActor.load()
        author = get_user_model().objects.create(username="bench")
        yesterday = timezone.now() - timezone.timedelta(days=1)

        with FakeMastodon() as peer:
            for n in range(args.followers):
                actor = RemoteActor.objects.create(
                    ap_id=peer.url(f"/users/f{n}"), domain="127.0.0.1",
                    inbox=peer.url(f"/users/f{n}/inbox"), shared_inbox=peer.url(f"/inbox{n}"),
                )  # fmt: skip
                Follower.objects.create(
                    actor=actor, follow_id=peer.url(f"/f{n}"), status="accepted"
                )
                peer.routes[f"/inbox{n}"] = peer.routes["/inbox"]
            publish = []
            for n in range(3):
                timed(
                    publish,
                    lambda n=n: Post.objects.create(
                        title=f"Post {n}", slug=f"post-{n}", author=author,
                        body="<p>Words.</p>", status="publish", published_at=yesterday,
                    ),
                )  # fmt: skip
            sent = Delivery.objects.filter(status="sent").count()
            assert sent == 3 * args.followers, sent
            summary(f"publish to {args.followers} followers (all sent)", publish)
            each = [ms / args.followers for ms in publish]
            summary("  per follower inbox", each)

            target = base + Post.objects.first().get_absolute_url()
            inbox = f"{base}/activitypub/inbox/"
            host = base.split("//", 1)[1]

            def send(activity, **kw):
                body = json.dumps(activity).encode()
                signed = peer.cavage_headers("/activitypub/inbox/", body, host=host, **kw)
                headers = {k[5:].replace("_", "-").title(): v for k, v in signed.items()}
                headers["Content-Type"] = "application/activity+json"
                return post(inbox, body, headers)

            follow = {
                "id": peer.url("/follow"), "type": "Follow", "actor": peer.actor_id,
                "object": blog.ap_id,
            }  # fmt: skip
            assert send(follow) == 202  # the actor and its key are fetched once, here
            likes, replies, forged, unsigned = [], [], [], []
            from cryptography.hazmat.primitives import serialization

            from federation.models import generate_key_pair

            other = serialization.load_pem_private_key(generate_key_pair()[0].encode(), None)
            for n in range(args.activities):
                like = {
                    "id": peer.url(f"/likes/{n}"), "type": "Like", "actor": peer.actor_id,
                    "object": target,
                }  # fmt: skip
                assert timed(likes, lambda a=like: send(a)) == 202
                like_again = {**like, "id": peer.url(f"/likes/{n}")}  # already counted
                note = {
                    "id": peer.url(f"/notes/{n}"), "type": "Note", "attributedTo": peer.actor_id,
                    "inReplyTo": target, "content": f"<p>Reply number {n}, with thoughts.</p>",
                }  # fmt: skip
                create = {
                    "id": peer.url(f"/notes/{n}/activity"), "type": "Create",
                    "actor": peer.actor_id, "object": note,
                }  # fmt: skip
                assert timed(replies, lambda a=create: send(a)) == 202
                assert timed(forged, lambda a=like_again: send(a, key=other)) == 401
                body = json.dumps(like_again).encode()
                plain = {"Content-Type": "application/activity+json"}
                assert timed(unsigned, lambda b=body, h=plain: post(inbox, b, h)) == 401
        server.shutdown()
        summary("inbox: Like (verify + count)", likes)
        summary("inbox: reply (verify + moderate + store)", replies)
        summary("inbox: forged signature (401)", forged)
        summary("inbox: unsigned (401)", unsigned)


if __name__ == "__main__":
    main()
