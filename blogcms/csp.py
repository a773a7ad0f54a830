"""Content-Security-Policy: the public site allows no inline style at all; only the admin
(Django's own templates and the rich-text editor set style attributes) gets
'unsafe-inline' for styles. The policy itself is CONTENT_SECURITY_POLICY in settings."""

from csp.middleware import CSPMiddleware
from django.urls import reverse


class SiteCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith(reverse("admin:index")):
            update = dict(parts.update or {})
            update["style-src"] = [*update.get("style-src", []), "'unsafe-inline'"]
            parts.update = update
        return parts
