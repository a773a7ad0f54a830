"""A Mastodon-like account on 127.0.0.1 for the federation tests: it serves its actor
document (with a key generated here), records what reaches its inbox, and signs
activities the way Mastodon 4 does (draft-cavage, rsa-sha256, Digest) or the way Fedify 2
does (RFC 9421), so the blog's inbox can be driven through the test client."""

import base64
import hashlib
import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import http_message_signatures as hms
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from federation.models import generate_key_pair
from tests.linkback_peers import Reply, StubBlog

DATA = Path(__file__).parent / "data" / "mastodon"
CAPTURED_HOST = "https://mastodon.example"


class FakeMastodon(StubBlog):
    """An instance holding one user, `alice`."""

    def __init__(self, username="alice"):
        super().__init__()
        self.username = username
        self.private_pem, self.public_pem = generate_key_pair()
        self.key = serialization.load_pem_private_key(self.private_pem.encode(), None)
        self.routes[f"/users/{username}"] = self._actor
        self.routes[f"/users/{username}/inbox"] = Reply(202, {}, b"")
        self.routes["/inbox"] = Reply(202, {}, b"")

    @property
    def actor_id(self):
        return self.url(f"/users/{self.username}")

    @property
    def key_id(self):
        return f"{self.actor_id}#main-key"

    def actor_document(self):
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.actor_id,
            "type": "Person",
            "preferredUsername": self.username,
            "name": self.username.title(),
            "url": self.url(f"/@{self.username}"),
            "inbox": self.url(f"/users/{self.username}/inbox"),
            "endpoints": {"sharedInbox": self.url("/inbox")},
            "icon": {"type": "Image", "url": self.url("/avatar.png")},
            "publicKey": {
                "id": self.key_id,
                "owner": self.actor_id,
                "publicKeyPem": self.public_pem,
            },
        }

    def _actor(self, received):
        body = json.dumps(self.actor_document()).encode()
        return Reply(200, {"Content-Type": "application/activity+json"}, body)

    def captured(self, name, **fill):
        """A captured Mastodon activity, its host moved to this peer and {blog}, {post}
        filled in."""
        text = (DATA / f"{name}.json").read_text()
        text = text.replace(f"{CAPTURED_HOST}/users/alice", self.actor_id)
        text = text.replace(CAPTURED_HOST, self.base)
        for key, value in fill.items():
            text = text.replace("{" + key + "}", value)
        return json.loads(text)

    def inbox_posts(self):
        return [
            json.loads(r.body)
            for r in self.received
            if r.method == "POST" and r.path in ("/inbox", f"/users/{self.username}/inbox")
        ]

    # --- Signing as Mastodon and as Fedify ----------------------------------------------

    def cavage_headers(self, path, body, *, host="testserver", date=None, key=None, key_id=None):
        date = date or format_datetime(datetime.now(UTC), usegmt=True)
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        signing = f"(request-target): post {path}\nhost: {host}\ndate: {date}\ndigest: {digest}"
        signature = (key or self.key).sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
        return {
            "HTTP_HOST": host,
            "HTTP_DATE": date,
            "HTTP_DIGEST": digest,
            "HTTP_SIGNATURE": (
                f'keyId="{key_id or self.key_id}",algorithm="rsa-sha256",'
                f'headers="(request-target) host date digest",'
                f'signature="{base64.b64encode(signature).decode()}"'
            ),
        }

    def rfc9421_headers(self, url, body):
        message = _Message("POST", url, {"Content-Type": "application/activity+json"})
        signer = hms.HTTPMessageSigner(
            signature_algorithm=hms.algorithms.RSA_V1_5_SHA256,
            key_resolver=_Resolver(self.key),
        )
        signer.sign(
            message,
            key_id=self.key_id,
            label="sig1",
            covered_component_ids=("@method", "@target-uri", "content-digest"),
            body=body,
        )
        return {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in message.headers.items()
            if k.lower() != "content-type"
        }

    def deliver(self, client, activity, *, path="/activitypub/inbox/", form="cavage", **kw):
        """POST `activity` to the blog's inbox through the Django test client, signed."""
        body = json.dumps(activity).encode()
        if form == "cavage":
            headers = self.cavage_headers(path, body, **kw)
        else:
            headers = self.rfc9421_headers(f"http://testserver{path}", body)
        return client.post(path, body, content_type="application/activity+json", **headers)


class _Message:
    def __init__(self, method, url, headers):
        self.method, self.url, self.headers = method, url, dict(headers)


class _Resolver(hms.HTTPSignatureKeyResolver):
    def __init__(self, key):
        self.key = key

    def resolve_private_key(self, key_id):
        return self.key
