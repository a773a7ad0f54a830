"""Production settings: the defaults plus HTTPS hardening; missing secrets fail fast."""

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import env_bool

# BLOGCMS_SITE_URL names the site in mail and in the pingbacks it sends: a default of
# 127.0.0.1 would send other blogs links that lead nowhere.
for required in ("SECRET_KEY", "ALLOWED_HOSTS", "BLOGCMS_SITE_URL"):
    if not os.environ.get(required):
        raise ImproperlyConfigured(f"{required} must be set in the environment in production.")

DEBUG = False
BLOGCMS_SERVE_MEDIA = env_bool("BLOGCMS_SERVE_MEDIA", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# The preload directive only makes the site eligible; nothing is preloaded until the owner
# submits the domain at hstspreload.org, so it is on by default (Django check W021).
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
