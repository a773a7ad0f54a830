import json
import logging

from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponsePermanentRedirect
from django.template.response import TemplateResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from comments.linkbacks.ratelimit import Limit, sender

from . import csp
from .visitor import client_ip

# Each violation a browser reports, one line each (LOGGING routes it).
csp_log = logging.getLogger("blogcms.csp")

REPORT_TYPES = {"application/csp-report", "application/reports+json", "application/json"}
MAX_REPORT_BYTES = 64 * 1024
# Reports logged per address (an IPv6 /64 as one), in the linkbacks' fixed windows.
CSP_REPORTS = Limit("csp:reports", "BLOGCMS_CSP_REPORT_RATE", (30, 60))


def page_not_found(request, exception):
    """The active theme's 404 page."""
    response = TemplateResponse(request, "404.html", {"exception": exception}, status=404)
    return response.render()


def favicon(request):
    """/favicon.ico, which browsers and feed readers ask for whatever the page links: the
    collected (hashed, far-future cached) icon."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("favicon.ico"))


@csrf_exempt  # browsers send reports without cookies or tokens
@require_POST
def csp_report(request):
    """Log the Content-Security-Policy violations a browser reports: 204, or 429 over
    BLOGCMS_CSP_REPORT_RATE for this address (counted before anything is read), 415 for
    another type, 413 over MAX_REPORT_BYTES, 400 for a body that is not a report."""
    if not CSP_REPORTS.take(sender(client_ip(request))):
        response = HttpResponse("Too many reports from this address.", status=429)
        response["Retry-After"] = str(CSP_REPORTS.retry_after())
        return response
    if request.content_type not in REPORT_TYPES:
        return HttpResponse("Send application/csp-report or application/reports+json.", status=415)
    body = request.read(MAX_REPORT_BYTES + 1)  # never more, whatever Content-Length says
    if len(body) > MAX_REPORT_BYTES:
        return HttpResponse("Report too large.", status=413)
    try:
        violations = csp.violations(body)
    except ValueError:
        return HttpResponseBadRequest("Not a CSP violation report.")
    for violation in violations:
        # JSON keeps a report's own newlines and quotes from forging log lines.
        csp_log.warning("CSP violation %s", json.dumps(violation, sort_keys=True))
    return HttpResponse(status=204)
