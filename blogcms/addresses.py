"""This site's public address, for work done outside a request (tasks, mail, pingbacks)."""

from urllib.parse import urlsplit

from django.conf import settings


def site_url(path=""):
    """An absolute URL on this site: BLOGCMS_SITE_URL (read when used) + `path`."""
    return settings.BLOGCMS_SITE_URL.rstrip("/") + path


def site_host():
    """The host[:port] of BLOGCMS_SITE_URL, lower-cased."""
    return urlsplit(settings.BLOGCMS_SITE_URL).netloc.lower()
