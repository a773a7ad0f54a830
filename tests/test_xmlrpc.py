"""The XML-RPC endpoint: protocol faults for anything malformed or hostile, never a 500."""

import time
import tracemalloc
import xmlrpc.client

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/xmlrpc.php", "/xmlrpc/"]


def post_body(client, body, path="/xmlrpc.php", **extra):
    response = client.post(path, data=body, content_type="text/xml", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return response


def call(client, method, *params, path="/xmlrpc.php", **extra):
    """Call `method` as a real XML-RPC client would (`extra`: request META); the result,
    or the Fault."""
    response = post_body(client, xmlrpc.client.dumps(params, method), path, **extra)
    try:
        return xmlrpc.client.loads(response.content)[0][0]
    except xmlrpc.client.Fault as fault:
        return fault


@pytest.mark.parametrize("path", ENDPOINTS)
def test_get_is_refused_with_wordpress_message(client, path):
    """GET answers 405 "XML-RPC server accepts POST requests only." as WordPress does."""
    response = client.get(path)
    assert response.status_code == 405
    assert response.content == b"XML-RPC server accepts POST requests only."


@pytest.mark.parametrize("path", ENDPOINTS)
def test_list_methods_offers_pingback_and_no_multicall(client, path):
    """The advertised methods are exactly the pingback ones and introspection."""
    assert call(client, "system.listMethods", path=path) == [
        "pingback.extensions.getPingbacks",
        "pingback.ping",
        "system.listMethods",
        "system.methodHelp",
        "system.methodSignature",
    ]


def test_introspection_describes_pingback_ping(client):
    """methodHelp and methodSignature describe a method; an unknown one is -32601."""
    assert "sourceURI" in call(client, "system.methodHelp", "pingback.ping")
    assert call(client, "system.methodSignature", "pingback.ping") == [
        ["string", "string", "string"]
    ]
    assert call(client, "system.methodHelp", "nope").faultCode == -32601


def test_the_endpoint_needs_no_csrf_token():
    """Other blogs cannot send a CSRF token; the endpoint is exempt."""
    client = Client(enforce_csrf_checks=True)
    assert call(client, "system.listMethods") != []


@pytest.mark.parametrize(
    "method, params, code",
    [
        ("system.multicall", ([],), -32601),
        ("wp.getUsersBlogs", ("admin", "pw"), -32601),
        ("pingback.ping", ("http://a.example/",), -32602),
        ("pingback.ping", ("http://a.example/", "http://b.example/", "x"), -32602),
        ("pingback.ping", (1, 2), -32602),
        ("pingback.ping", (True, "http://b.example/"), -32602),
        ("pingback.ping", (["http://a.example/"], {"x": 1}), -32602),
        ("system.methodHelp", (7,), -32602),
    ],
)
def test_wrong_method_or_arguments_are_faults(client, method, params, code):
    """A wrong method is -32601; a wrong argument count or type is -32602."""
    result = call(client, method, *params)
    assert isinstance(result, xmlrpc.client.Fault) and result.faultCode == code


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<methodCall><methodName>pingback.ping</methodName><params>
<param><value><string>&lol9;</string></value></param>
<param><value><string>&lol9;</string></value></param>
</params></methodCall>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<methodCall><methodName>system.methodHelp</methodName><params>
<param><value><string>&xxe;</string></value></param></params></methodCall>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<methodCall><methodName>system.listMethods</methodName></methodCall>"""

DOCTYPE_ONLY = b"""<?xml version="1.0"?><!DOCTYPE methodCall>
<methodCall><methodName>system.listMethods</methodName></methodCall>"""


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY, DOCTYPE_ONLY], ids=str
)
def test_hostile_xml_is_refused_fast_in_bounded_memory(client, body):
    """Entity bombs, external entities and DTDs get -32700 within a second, in little memory."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        response = post_body(client, body)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(response.content)
    assert fault.value.faultCode == -32700
    assert b"root:" not in response.content
    assert elapsed < 1.0
    assert peak < 5 * 1024 * 1024


@pytest.mark.parametrize(
    "body, code",
    [
        (b"", -32700),
        (b"this is not xml", -32700),
        (b"<methodCall><methodName>x</methodName>", -32700),
        (b"<html><body>hello</body></html>", -32600),
        (xmlrpc.client.dumps(("a",), methodresponse=True).encode(), -32600),
        (xmlrpc.client.dumps(xmlrpc.client.Fault(1, "x"), methodresponse=True).encode(), -32600),
        (
            b"<methodCall><methodName>pingback.ping</methodName><params><param><value>"
            b"<int>abc</int></value></param></params></methodCall>",
            -32600,
        ),
        (
            b"<methodCall><methodName>pingback.ping</methodName><params><param><value>"
            b"<struct><member><value>1</value></member></struct></value></param></params>"
            b"</methodCall>",
            -32600,
        ),
        (
            b"<methodCall><methodName>pingback.ping</methodName><params><param><value>"
            b"<boolean>7</boolean></value></param></params></methodCall>",
            -32600,
        ),
        ("<methodCall><methodName>\u00e9</methodName></methodCall>".encode("utf-16"), -32601),
        *[
            (
                f'<?xml version="1.0" encoding="{name}"?><methodCall><methodName>'
                "pingback.ping</methodName></methodCall>".encode(),
                -32701,
            )
            for name in ("bogus", "hex", "idna", "undefined")
        ],
    ],
)
def test_malformed_bodies_are_protocol_faults(client, body, code):
    """Whatever arrives, the answer is an XML-RPC fault with HTTP 200, never a 500."""
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(post_body(client, body).content)
    assert fault.value.faultCode == code


def test_deep_nesting_is_an_argument_fault(client):
    """Over a thousand nested arrays parse without recursion and fail the type check."""
    depth = 1400  # just under the 64 KB body cap
    value = "<value><array><data>" * depth + "</data></array></value>" * depth
    body = (
        "<methodCall><methodName>pingback.ping</methodName><params>"
        f"<param>{value}</param><param><value>x</value></param></params></methodCall>"
    )
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(post_body(client, body.encode()).content)
    assert fault.value.faultCode == -32602


def test_a_huge_body_is_refused_unread(client):
    """A body over the cap is refused by its declared length, before parsing."""
    body = b"<methodCall><methodName>x</methodName>" + b" " * (2 * 1024 * 1024)
    started = time.monotonic()
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(post_body(client, body).content)
    assert fault.value.faultCode == -32600
    assert time.monotonic() - started < 1.0


def test_the_parser_protection_is_local_not_a_global_patch():
    """Our defused parsing does not depend on, or leave behind, a monkey-patched xmlrpc."""
    from comments.linkbacks.xmlrpc import loads

    assert xmlrpc.client.FastParser is None
    with pytest.raises(xmlrpc.client.Fault):
        loads(BILLION_LAUGHS)
