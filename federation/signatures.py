"""HTTP Signatures, both forms the Fediverse sends.

- draft-cavage-http-signatures-12, as Mastodon signs: `Signature: keyId="…",
  algorithm="rsa-sha256",headers="(request-target) host date digest",signature="…"` with a
  `Digest: SHA-256=…` of the body. We sign every outgoing GET and POST this way (Mastodon's
  secure mode refuses unsigned GETs) and verify it on the inbox. Small enough to own.
- RFC 9421 (`Signature-Input`, `Signature`, `Content-Digest`), as Fedify 2 signs: verified
  with the `http-message-signatures` library.

Both are refused (SignatureError) for a Date or `created` outside the window, a body whose
digest does not match, or a signature that does not verify with the key given.
"""

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

import http_message_signatures as hms
import http_sf
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

CAVAGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
# What a POST's signature must cover, as Mastodon requires (and GETs all but digest).
REQUIRED_POST = {"(request-target)", "host", "date", "digest"}
REQUIRED_GET = {"(request-target)", "host", "date"}


class SignatureError(Exception):
    """The request is not signed as we require; the message says why (for the 401)."""


def window():
    """How far a Date (or RFC 9421 `created`) may be from now (Mastodon: 1 hour back, 5
    minutes ahead; we use one span both ways, read when used)."""
    return getattr(settings, "BLOGCMS_FEDERATION_SIGNATURE_WINDOW", timedelta(minutes=5))


@dataclass
class SignedRequest:
    """What a signature covers of one incoming request; header names lower-case."""

    method: str
    url: str  # absolute
    headers: dict = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def from_django(cls, request):
        headers = {k.lower(): v for k, v in request.headers.items()}
        return cls(request.method, request.build_absolute_uri(), headers, request.body)

    @property
    def request_target(self):
        parts = urlsplit(self.url)
        path = parts.path or "/"
        return (
            f"{self.method.lower()} {path}?{parts.query}"
            if parts.query
            else (f"{self.method.lower()} {path}")
        )

    @property
    def is_rfc9421(self):
        return "signature-input" in self.headers


def sha256_digest(body):
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def _load_public(pem):
    try:
        key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"unreadable public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("only RSA keys are accepted")
    return key


# --- Signing (draft-cavage, as Mastodon) ---------------------------------------------------


def sign_headers(method, url, *, private_key, key_id, body=None, headers=None):
    """Headers to add to a request so that Mastodon, Fedify and bovine accept it: Host,
    Date, Digest (with a body) and Signature."""
    parts = urlsplit(url)
    target = f"{method.lower()} {parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    signed = {
        "host": parts.netloc,
        "date": format_datetime(datetime.now(UTC), usegmt=True),
    }
    if body is not None:
        signed["digest"] = f"SHA-256={sha256_digest(body)}"
    names = ["(request-target)", *signed]
    lines = [f"(request-target): {target}", *(f"{k}: {v}" for k, v in signed.items())]
    signature = private_key.sign("\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    value = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return {
        "Host": signed["host"],
        "Date": signed["date"],
        **({"Digest": signed["digest"]} if body is not None else {}),
        "Signature": value,
    }


# --- Verifying -----------------------------------------------------------------------------


def key_id_of(signed):
    """The keyId a request claims to be signed with, read before any key is fetched."""
    if signed.is_rfc9421:
        try:
            inputs = http_sf.parse(signed.headers["signature-input"].encode(), tltype="dictionary")
        except Exception as exc:  # http_sf raises ValueError and others on bad input
            raise SignatureError("malformed Signature-Input") from exc
        if len(inputs) != 1:
            raise SignatureError("exactly one signature is read")
        (_members, params) = next(iter(inputs.values()))
        key_id = params.get("keyid")
        if not isinstance(key_id, str) or not key_id:
            raise SignatureError("the signature names no keyid")
        return key_id
    params = _cavage_params(signed)
    return params["keyid"]


def _cavage_params(signed):
    header = signed.headers.get("signature", "")
    if not header:
        raise SignatureError("the request is not signed")
    params = {k.lower(): v for k, v in CAVAGE_PARAM.findall(header)}
    if not params.get("keyid") or not params.get("signature"):
        raise SignatureError("the Signature header lacks keyId or signature")
    return params


def _check_date(signed):
    value = signed.headers.get("date", "")
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        raise SignatureError("the request has no valid Date") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if abs(datetime.now(UTC) - when) > window():
        raise SignatureError("the Date is too far from now")


def _check_digest(signed):
    """The body is the one signed: Digest (RFC 3230) with SHA-256, as Mastodon sends it."""
    header = signed.headers.get("digest", "")
    values = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part.strip())
    expected = values.get("SHA-256") or values.get("sha-256")
    if expected is None:
        raise SignatureError("the request has no SHA-256 Digest")
    if expected != sha256_digest(signed.body):
        raise SignatureError("the Digest does not match the body")


def verify(signed, public_key_pem):
    """Raise SignatureError unless `signed` is signed by the key `public_key_pem`, within the
    time window, over its body."""
    key = _load_public(public_key_pem)
    if signed.is_rfc9421:
        return _verify_rfc9421(signed, key)
    params = _cavage_params(signed)
    if params.get("algorithm", "rsa-sha256").lower() not in ("rsa-sha256", "hs2019"):
        raise SignatureError("unsupported signature algorithm")
    names = params.get("headers", "date").lower().split()
    required = REQUIRED_POST if signed.method == "POST" else REQUIRED_GET
    if missing := required - set(names):
        raise SignatureError(f"the signature does not cover {', '.join(sorted(missing))}")
    _check_date(signed)
    if signed.method == "POST":
        _check_digest(signed)
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {signed.request_target}")
        elif name in signed.headers:
            lines.append(f"{name}: {signed.headers[name]}")
        else:
            raise SignatureError(f"the signed header {name} is missing")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
        key.verify(signature, "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, InvalidSignature) as exc:
        raise SignatureError("the signature does not verify") from exc
    return params["keyid"]


class _OneKey(hms.HTTPSignatureKeyResolver):
    def __init__(self, key):
        self.key = key

    def resolve_public_key(self, key_id):
        return self.key


@dataclass
class _Message:
    """The request as http-message-signatures reads one."""

    method: str
    url: str
    headers: dict


def _verify_rfc9421(signed, key):
    verifier = hms.HTTPMessageVerifier(
        signature_algorithm=hms.algorithms.RSA_V1_5_SHA256, key_resolver=_OneKey(key)
    )
    verifier.max_clock_skew = window()
    message = _Message(signed.method, signed.url, signed.headers)
    required = ["@method", "@target-uri"]
    if signed.method == "POST":
        required.append("content-digest")
    try:
        verifier.verify(
            message,
            max_age=window(),
            require_components=required,
            body=signed.body if signed.method == "POST" else None,
        )
    except hms.exceptions.HTTPMessageSignaturesException as exc:
        raise SignatureError(f"the signature does not verify: {exc}") from exc
    if "date" in signed.headers:
        _check_date(signed)
    return key_id_of(signed)
