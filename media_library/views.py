"""Uploaded files served by Django (`make run`, BLOGCMS_SERVE_MEDIA): images only, each with
its own content type, never sniffed, never active.

Every file the library stores is a re-encoded JPEG, PNG, GIF or WebP, but MEDIA_ROOT may
hold other things (a file copied in by hand, an old upload): nothing else is served, so no
HTML or SVG from MEDIA ever runs as a page of this site. The sandbox CSP is the belt to
those braces: even a browser that renders the response treats it as a foreign origin with
no scripts. A production web server or bucket should send the same headers (docs/media.md).
"""

from django.conf import settings
from django.http import Http404
from django.views import static

from .processing import MIME_TYPES

MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def serve(request, path):
    extension = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if extension not in MIME_TYPES:
        raise Http404("Only images are served from the media library.")
    response = static.serve(request, path, document_root=settings.MEDIA_ROOT)
    if response.status_code == 200:
        response.headers["Content-Type"] = MIME_TYPES[extension]
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    response.headers["Content-Disposition"] = "inline"
    return response
