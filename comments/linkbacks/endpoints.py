"""How a post page tells other blogs where to send linkbacks."""

from django.urls import reverse


def advertise_linkback_endpoints(request, response):
    """X-Pingback (Pingback 1.0 §2) and a Link rel="webmention" (Webmention §3.1.2) header,
    for a published post that accepts pings; the page's <head> carries the same two links."""
    response["X-Pingback"] = request.build_absolute_uri(reverse("linkbacks:xmlrpc"))
    webmention = request.build_absolute_uri(reverse("linkbacks:webmention"))
    response["Link"] = f'<{webmention}>; rel="webmention"'
