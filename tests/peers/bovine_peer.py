"""A bovine-herd server (PyPI: bovine-herd, a Python Fediverse server) on 127.0.0.1 holding
one account, bob, for blogcms's federation tests.

Runs in its own environment (.venv-peers, made by .ci/run: bovine-herd needs
http-sf==1.0.7, which blogcms's own http-message-signatures does not accept). bovine
verifies the HTTP signature of everything that reaches bob's inbox, and refuses unsigned
GETs of its actors. Prints {"port": N, "actor": bob's id} once listening; a small control
API (/_control/...) drives bob through his own outbox (Moo-Auth-1, bovine's client flow).

Usage: python bovine_peer.py WORKDIR
"""

import asyncio
import json
import os
import socket
import sys
from pathlib import Path

from bovine import BovineClient
from bovine.crypto import generate_ed25519_private_key, private_key_to_did_key
from bovine_herd import BovineHerd, build_default_background_task_inbox
from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart, request

workdir = Path(sys.argv[1])
workdir.mkdir(parents=True, exist_ok=True)
db_url = f"sqlite://{workdir / 'bovine.sqlite3'}"
os.environ["BOVINE_DB_URL"] = db_url

with socket.socket() as probe:  # a free port, chosen now (others run tests at the same time)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
base = f"http://127.0.0.1:{port}"
secret = generate_ed25519_private_key()


async def register():
    from bovine_tool.store import InlineBovineStore
    from tortoise import Tortoise

    async with InlineBovineStore(domain=base) as store:
        await Tortoise.generate_schemas()
        name = await store.register("bob")
        await store.add_identity_string_to_actor(name, "tests", private_key_to_did_key(secret))
        actor = await store.actor_for_name(name)
        actor_id = actor.actor_object.id
        await actor.session.close()
        return actor_id


actor_id = asyncio.run(register())
received = []  # (verified submitter, activity), as bovine's inbox accepted them

app = Quart(__name__)
default_inbox = build_default_background_task_inbox(app)


async def record_then_process(item, actor):
    received.append({"submitter": item.submitter, "activity": item.data})
    await default_inbox(item, actor)


BovineHerd(app, start_background_task_inbox=record_then_process, db_url=db_url)
client = None


async def bob():
    global client
    if client is None:
        client = BovineClient(domain=base, actor_id=actor_id, secret=secret)
        await client.init()
    return client


@app.get("/_control/inbox")
async def control_inbox():
    return received


@app.post("/_control/<action>")
async def control(action):
    args = await request.get_json()
    me = await bob()
    activity_factory, object_factory = me.factories
    if action == "follow":
        activity = activity_factory.follow(args["blog"]).build()
    elif action in ("reply", "edit"):
        note = object_factory.note(
            to={"https://www.w3.org/ns/activitystreams#Public"},
            cc={args["blog"]},
            content=args["content"],
        ).build()
        if action == "edit":
            note["id"] = args["noteId"]  # bovine gives a new note its own id
        note["inReplyTo"] = args["inReplyTo"]
        kind = activity_factory.create if action == "reply" else activity_factory.update
        activity = kind(note).build()
    elif action == "delete":
        activity = activity_factory.delete(args["noteId"]).build()
        activity["cc"] = [args["blog"]]
    else:
        return {"error": f"unknown action {action}"}, 400
    response = await me.send_to_outbox(activity)
    return {"status": response.status, "activity": activity}


async def main():
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    print(json.dumps({"port": port, "actor": actor_id}), flush=True)
    await serve(app, config)


asyncio.run(main())
