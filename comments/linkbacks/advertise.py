"""How a post page tells other blogs where to send linkbacks: the same two URLs in its
headers and in its <head>, built once here."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class LinkbackEndpoints:
    """Our pingback and webmention endpoints, as absolute URLs."""

    pingback: str
    webmention: str

    @classmethod
    def for_request(cls, request):
        return cls(
            pingback=request.build_absolute_uri(reverse("linkbacks:xmlrpc")),
            webmention=request.build_absolute_uri(reverse("linkbacks:webmention")),
        )

    def advertise(self, response):
        """X-Pingback (Pingback 1.0 §2) and a Link rel="webmention" (Webmention §3.1.2)
        header, for a published post that accepts pings; the page's <head> carries the
        same two URLs as <link> elements (templates/posts/post_detail.html)."""
        response["X-Pingback"] = self.pingback
        response["Link"] = f'<{self.webmention}>; rel="webmention"'
