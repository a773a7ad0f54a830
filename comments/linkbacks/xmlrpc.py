"""The XML-RPC endpoint at /xmlrpc.php (where WordPress blogs send pingbacks) and /xmlrpc/.

Python's xmlrpc machinery marshals values, but the body is parsed by defusedxml's expat
parser with DTDs, entity declarations and external references forbidden, so a billion-
laughs or XXE body is refused at its first declaration. Every answer is an XML-RPC
response with HTTP 200, faults included (the codes of the XML-RPC fault interop spec,
http://xmlrpc-epi.sourceforge.net/specs/rfc.fault_codes.php); there is no
system.multicall, so one request causes at most one source fetch.
"""

import logging
import xml.parsers.expat
import xmlrpc.client
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.xmlrpc import DefusedExpatParser
from django.http import HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from blogcms.models import SiteSettings
from blogcms.numbers import ascii_int
from comments.models import Comment
from comments.moderation import client_ip

from .verify import LinkbackRefused, Reason, accept, our_hosts, public_post, receive

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a pingback call is a few hundred bytes

NOT_WELL_FORMED = -32700
UNSUPPORTED_ENCODING = -32701
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602

XMLRPC_TYPES = {"string": str, "int": int, "boolean": bool, "array": list, "struct": dict}


@dataclass
class Method:
    function: object
    signature: list  # XML-RPC type names: the return type, then each argument's
    help: str


METHODS = {}


def method(name, signature):
    """Register an XML-RPC method; its docstring is what system.methodHelp answers."""

    def register(function):
        METHODS[name] = Method(function, signature, function.__doc__.strip())
        return function

    return register


def _unmarshal(body):
    """Parse an XML-RPC body with defusedxml: (unmarshaller) or the parser's exception."""
    unmarshaller = xmlrpc.client.Unmarshaller(use_builtin_types=True)
    parser = DefusedExpatParser(unmarshaller, forbid_dtd=True)
    parser.feed(body)
    parser.close()
    return unmarshaller


def loads(body):
    """(params, method name) from an XML-RPC request body, parsed with defusedxml."""
    try:
        unmarshaller = _unmarshal(body)
        params, name = unmarshaller.close(), unmarshaller.getmethodname()
    except (xml.parsers.expat.ExpatError, DefusedXmlException) as exc:
        raise xmlrpc.client.Fault(NOT_WELL_FORMED, f"parse error. not well formed: {exc}") from exc
    except UnicodeError as exc:  # <?xml encoding="idna"?>: a codec expat cannot stream
        raise xmlrpc.client.Fault(
            UNSUPPORTED_ENCODING, "parse error. unsupported encoding"
        ) from exc
    except (ValueError, TypeError, IndexError, xmlrpc.client.Error) as exc:
        # The unmarshaller's own complaints about a well-formed but invalid body.
        raise xmlrpc.client.Fault(INVALID_REQUEST, "server error. invalid xml-rpc.") from exc
    except LookupError as exc:  # <?xml encoding="bogus"?>: no such codec (after IndexError)
        raise xmlrpc.client.Fault(
            UNSUPPORTED_ENCODING, "parse error. unsupported encoding"
        ) from exc
    if not name:
        raise xmlrpc.client.Fault(INVALID_REQUEST, "server error. invalid xml-rpc. no method.")
    return params, name


def parse_response(body):
    """The value another server answered with; raises its Fault, or ValueError when the body
    is not an XML-RPC response (it is parsed as defensively as a request), whatever the
    reason: a hostile endpoint must not crash the task that called it."""
    try:
        unmarshaller = _unmarshal(body)
        if unmarshaller.getmethodname():
            raise ValueError("a method call, not a response")
        values = unmarshaller.close()  # raises the Fault a fault response carries
    except (
        xml.parsers.expat.ExpatError,
        ValueError,  # defusedxml's refusals and undecodable text are ValueErrors too
        LookupError,
        TypeError,
        IndexError,
        xmlrpc.client.ResponseError,
    ) as exc:
        raise ValueError(f"not an XML-RPC response: {exc}") from exc
    if len(values) != 1:
        raise ValueError("an XML-RPC response holds exactly one value")
    return values[0]


def check_params(name, params):
    """Argument count and types against the method's signature (-32602 when wrong)."""
    expected = METHODS[name].signature[1:]
    if len(params) != len(expected):
        raise xmlrpc.client.Fault(
            INVALID_PARAMS, f"{name} takes {len(expected)} parameter(s), {len(params)} given."
        )
    for position, (value, type_name) in enumerate(zip(params, expected, strict=True), 1):
        # bool is an int in Python but not in XML-RPC, hence `type(...) is`.
        if type(value) is not XMLRPC_TYPES[type_name]:
            raise xmlrpc.client.Fault(
                INVALID_PARAMS, f"{name}: parameter {position} must be a {type_name}."
            )


def dispatch(request, body):
    params, name = loads(body)
    if name not in METHODS:
        raise xmlrpc.client.Fault(
            METHOD_NOT_FOUND, f"server error. requested method {name} does not exist."
        )
    check_params(name, params)
    return METHODS[name].function(request, *params)


@csrf_exempt
def endpoint(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(
            ["POST"], "XML-RPC server accepts POST requests only.", content_type="text/plain"
        )
    declared = ascii_int(request.META.get("CONTENT_LENGTH") or "0")
    if declared is None or declared > MAX_BODY:
        answer = xmlrpc.client.Fault(INVALID_REQUEST, "server error. request too large.")
    else:
        try:
            answer = (dispatch(request, request.read(MAX_BODY)),)
        except xmlrpc.client.Fault as fault:
            answer = fault
    body = xmlrpc.client.dumps(answer, methodresponse=True, encoding="utf-8")
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


# Pingback 1.0 fault codes (https://www.hixie.ch/specs/pingback/pingback#TOC3).
GENERIC = 0
SOURCE_NOT_FOUND = 16
NO_LINK = 17
TARGET_NOT_FOUND = 32
TARGET_INVALID = 33
ALREADY_REGISTERED = 48
ACCESS_DENIED = 49
UPSTREAM_ERROR = 50

SOURCE_MISSING = (SOURCE_NOT_FOUND, "The source URL does not exist.")

# What a refused pingback is told, in WordPress's words (class-wp-xmlrpc-server.php,
# pingback_ping). Every way a source cannot be fetched is one answer: naming the reason
# would tell a stranger how a host resolves and which ports answer (the log keeps it).
FAULTS = {
    Reason.SOURCE_INVALID: SOURCE_MISSING,
    Reason.SOURCE_REFUSED: SOURCE_MISSING,
    Reason.SOURCE_UNFETCHABLE: SOURCE_MISSING,
    Reason.SOURCE_GONE: SOURCE_MISSING,
    Reason.SAME_RESOURCE: (
        GENERIC,
        "The source URL and the target URL cannot both point to the same resource.",
    ),
    Reason.NO_LINK: (
        NO_LINK,
        "The source URL does not contain a link to the target URL, and so cannot be used "
        "as a source.",
    ),
    Reason.TARGET_ELSEWHERE: (TARGET_NOT_FOUND, "The specified target URL is not on this site."),
    Reason.TARGET_MISSING: (TARGET_NOT_FOUND, "The specified target URL does not exist."),
    Reason.TARGET_CLOSED: (
        TARGET_INVALID,
        "The specified target URL cannot be used as a target. It either doesn't exist, or "
        "it is not a pingback-enabled resource.",
    ),
    Reason.ALREADY_REGISTERED: (ALREADY_REGISTERED, "The pingback has already been registered."),
    Reason.DISALLOWED: (ACCESS_DENIED, "Access denied."),
    Reason.RATE_LIMITED: (
        ACCESS_DENIED,
        "Too many pingbacks from that site; please try again later.",
    ),
    Reason.NOT_STORED: (
        UPSTREAM_ERROR,
        "The response could not be stored; please try again later.",
    ),
}


def fault_for(refused, *, hide_details=False):
    """The fault a refusal answers with; with `hide_details` every fault but 48 is a bare 0,
    so the endpoint cannot be used as a port scanner (WordPress 3.5.1,
    xmlrpc_pingback_error)."""
    code, message = FAULTS[refused.reason]
    if hide_details and code != ALREADY_REGISTERED:
        return xmlrpc.client.Fault(GENERIC, "")
    return xmlrpc.client.Fault(code, message)


@method("pingback.ping", ["string", "string", "string"])
def pingback_ping(request, source, target):
    """Notifies the server that a link has been added to sourceURI, pointing to targetURI."""
    try:
        receive(
            source,
            target,
            Comment.Type.PINGBACK,
            post=accept(source, target, our_hosts(request)),
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except LinkbackRefused as refused:
        log.info("pingback from %s refused: %s %s", source, refused.reason, refused.detail)
        hide = SiteSettings.load().pingback_hide_fault_details
        raise fault_for(refused, hide_details=hide) from refused
    return f"Pingback from {source} to {target} registered. Keep the web talking! :-)"


@method("pingback.extensions.getPingbacks", ["array", "string"])
def get_pingbacks(request, url):
    """Returns the source URLs of the approved pingbacks to the post at the given URL."""
    try:
        post = public_post(url, our_hosts(request))
    except LinkbackRefused as refused:
        raise fault_for(refused) from refused
    return list(
        Comment.objects.approved()
        .filter(post=post, type=Comment.Type.PINGBACK)
        .values_list("author_url", flat=True)
    )


@method("system.listMethods", ["array"])
def list_methods(request):
    """Returns a list of the methods the server has."""
    return sorted(METHODS)


@method("system.methodHelp", ["string", "string"])
def method_help(request, name):
    """Returns help text for the named method."""
    return _known(name).help


@method("system.methodSignature", ["array", "string"])
def method_signature(request, name):
    """Returns the signature of the named method: its return type, then its arguments'."""
    return [_known(name).signature]


def _known(name):
    if name not in METHODS:
        raise xmlrpc.client.Fault(
            METHOD_NOT_FOUND, f"server error. requested method {name} does not exist."
        )
    return METHODS[name]
