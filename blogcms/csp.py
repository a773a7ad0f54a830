"""Content-Security-Policy: the public site allows no inline style at all; only the admin
(Django's own templates and the rich-text editor set style attributes) gets
'unsafe-inline' for styles. The policy itself is CONTENT_SECURITY_POLICY in settings.

Browsers report violations to blogcms.views.csp_report in one of two shapes: CSP Level 2's
report-uri ({"csp-report": {...}}, Firefox and Safari) and the Reporting API's report-to
([{"type": "csp-violation", "body": {...}}, ...], Chromium). `violations()` reads both.
"""

import json

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.urls import reverse

# What a violation report may say, by our name: (its report-uri key, its report-to key).
REPORT_FIELDS = {
    "document": ("document-uri", "documentURL"),
    "blocked": ("blocked-uri", "blockedURL"),
    "directive": ("effective-directive", "effectiveDirective"),
    "disposition": ("disposition", "disposition"),
    "source": ("source-file", "sourceFile"),
    "line": ("line-number", "lineNumber"),
    "sample": ("script-sample", "sample"),
}
MAX_REPORTS = 20  # per request; a Reporting API batch may hold more
MAX_FIELD = 300  # characters kept of each field


class SiteCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith(reverse("admin:index")):
            update = dict(parts.update or {})
            update["style-src"] = [*update.get("style-src", []), "'unsafe-inline'"]
            parts.update = update
        return parts

    def process_response(self, request, response):
        """Name the policy's report-to group's URL (Reporting API: Reporting-Endpoints)."""
        response = super().process_response(request, response)
        group = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].get("report-to")
        if group and HEADER in response and "Reporting-Endpoints" not in response:
            url = request.build_absolute_uri(reverse("csp-report"))
            response["Reporting-Endpoints"] = f'{group}="{url}"'
        return response


def violations(body):
    """The violations a report body describes, each a dict of REPORT_FIELDS cut to
    MAX_FIELD characters. Raises ValueError when the body is not a CSP report."""
    try:
        data = json.loads(body)
    except RecursionError as exc:  # deeply nested arrays
        raise ValueError("too deeply nested") from exc
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        return [_fields(data["csp-report"], 0)]
    if isinstance(data, list):
        return [
            _fields(report["body"], 1)
            for report in data[:MAX_REPORTS]
            if isinstance(report, dict)
            and report.get("type") == "csp-violation"
            and isinstance(report.get("body"), dict)
        ]
    raise ValueError("not a CSP violation report")


def _fields(report, shape):
    fields = {}
    for name, keys in REPORT_FIELDS.items():
        value = report.get(keys[shape])
        if name == "directive" and value is None and shape == 0:
            value = report.get("violated-directive")  # CSP Level 2 browsers
        if value is not None:
            fields[name] = str(value)[:MAX_FIELD]
    return fields
