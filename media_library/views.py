"""Uploaded files served by Django (`make run`, BLOGCMS_SERVE_MEDIA): what the library keeps,
each with its own content type, never sniffed, never active.

Every image the library stores is a re-encoded JPEG, PNG, GIF or WebP, shown inline; every
other file is one of files.FILE_TYPES, checked by its first bytes and sent as a download
(Content-Disposition: attachment), so a PDF opens in the reader's own viewer, not as a page
of this site. MEDIA_ROOT may hold other things (a file copied in by hand): nothing else is
served, so no HTML or SVG from MEDIA ever runs as a page of this site. The sandbox CSP is
the belt to those braces: even a browser that renders the response treats it as a foreign
origin with no scripts. A production web server or bucket should send the same headers
(docs/media.md).
"""

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.utils._os import safe_join
from django.views import static

from .files import FILE_TYPES, HEAD_BYTES, extension, served_as

MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def serve(request, path):
    served = served_as(path)
    if served is None or (served[1] == "attachment" and not _is_what_its_name_says(path)):
        raise Http404("Only the media library's files are served.")
    content_type, disposition = served
    try:
        response = static.serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError as exc:  # a path the file system cannot hold (ENAMETOOLONG)
        raise Http404("No such file.") from exc
    if response.status_code == 200:
        response.headers["Content-Type"] = content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    response.headers["Content-Disposition"] = disposition
    return response


def _is_what_its_name_says(path):
    """A file copied into MEDIA_ROOT by hand passed no check: it is served only when its
    first bytes are those of its type, as the library checked its own (files.clean_file)."""
    try:
        with open(safe_join(settings.MEDIA_ROOT, path), "rb") as file:
            return FILE_TYPES[extension(path)].matches(file.read(HEAD_BYTES))
    except (OSError, SuspiciousFileOperation):
        return False
