"""blogcms settings, read from the environment with safe defaults.

Development and `make run` use this module directly; production deployments use
`blogcms.production`, which adds the HTTPS hardening and fails fast on missing secrets.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.urls import reverse_lazy
from js_asset import static_lazy

from media_library.editor import allow_library_images

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BLOGCMS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _secret_key():
    """SECRET_KEY from the environment, else generated once and kept in var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key.txt"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
# Unset, the local names plus the address `make run` listens on (HOST=192.168.1.5 make run
# is reached at that address, and its mails link there).
_listen_host = os.environ.get("HOST", "").strip("[]")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
if "ALLOWED_HOSTS" not in os.environ and _listen_host not in {"", "0.0.0.0", "::"}:  # noqa: S104
    ALLOWED_HOSTS.append(f"[{_listen_host}]" if ":" in _listen_host else _listen_host)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "blogcms",
    "media_library",
    "posts",
    "comments",
    "comments.linkbacks",
    "wxr",
    "revisions",
    "profiles",
    "federation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "taggit",
    "django_prose_editor",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
]

MIDDLEWARE = [
    # First: the negotiation below and the page cache's miss path look the address up.
    "blogcms.nulbytes.NulByteMiddleware",
    # Above the page cache: ActivityPub clients get a post's Article, never a cached page.
    "federation.middleware.ActivityNegotiationMiddleware",
    # First after it, so that a hit runs nothing else; its docstring has every rule.
    "blogcms.pagecache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a form body (CSRF, sessions, views): a 400 for non-UTF-8 forms.
    "blogcms.formcharset.FormCharsetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "blogcms.csp.SiteCSPMiddleware",
    "blogcms.themes.ThemeMiddleware",
    # Last, as django-axes asks: turns a locked-out login into blogcms.lockout's 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "blogcms.urls"
# Staff log in through the admin's login page (the mail's approve link sends them there).
LOGIN_URL = "admin:login"
LOGOUT_REDIRECT_URL = "/"
WSGI_APPLICATION = "blogcms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "blogcms.context_processors.site",
            ],
            # The theme loader looks in templates/themes/<active>/ first, then falls back
            # to the base templates; its cache is keyed by theme so a switch is immediate.
            "loaders": [
                (
                    "blogcms.themes.CachedThemeLoader",
                    [
                        "blogcms.themes.ThemeLoader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "builtins": ["blogcms.templatetags.blogcms_tags"],
        },
    }
]

# SQLite (the embedded default) runs in WAL mode with IMMEDIATE transactions, so
# concurrent writers from several gunicorn workers wait for the lock instead of failing.
SQLITE_OPTIONS = {
    "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'blogcms.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Every app host of one site shares this Redis: page cache, content generation, site
    # settings, flood windows (docs/scaling.md). Sites sharing one Redis need their own prefix.
    _prefix = os.environ.get("CACHE_KEY_PREFIX", "blogcms")
    _redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": _prefix,
    }
    CACHES = {"default": _redis, "ratelimit": {**_redis, "KEY_PREFIX": f"{_prefix}-rl"}}
else:
    CACHES = {
        # Pages and fragments: shared by every gunicorn worker on this host, nothing to run.
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        # Flood windows and rate limits need an atomic add() across processes, which the
        # file cache lacks; the database's unique key gives it (`createcachetable` makes it).
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "blogcms_ratelimit",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
    }

# The anonymous page cache (blogcms.pagecache): on unless BLOGCMS_PAGE_CACHE=0; a page lives
# this many seconds at most (scheduled posts still appear on time).
BLOGCMS_PAGE_CACHE = env_bool("BLOGCMS_PAGE_CACHE", True)
BLOGCMS_PAGE_CACHE_SECONDS = int(os.environ.get("BLOGCMS_PAGE_CACHE_SECONDS", "60"))

# Background work (pingbacks, mail) goes through the tasks API; the backend is config.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
BLOGCMS_SERVE_MEDIA = env_bool("BLOGCMS_SERVE_MEDIA", True)
# Uploaded images (media_library) go through the storage API: files under MEDIA_ROOT by
# default, or an S3-compatible bucket when BLOGCMS_S3_BUCKET is set (pip install
# ".[s3]"; docs/media.md). Image limits: BLOGCMS_IMAGE_MAX_BYTES, BLOGCMS_IMAGE_MAX_PIXELS;
# other files (a PDF): BLOGCMS_FILE_MAX_BYTES.
if os.environ.get("BLOGCMS_S3_BUCKET"):
    MEDIA_STORAGE = {
        # django-storages' S3Storage; files that are not images are sent as downloads.
        "BACKEND": "media_library.storage.LibraryS3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["BLOGCMS_S3_BUCKET"],
            "endpoint_url": os.environ.get("BLOGCMS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("BLOGCMS_S3_REGION") or None,
            "custom_domain": os.environ.get("BLOGCMS_S3_CUSTOM_DOMAIN") or None,
            "location": os.environ.get("BLOGCMS_S3_LOCATION", ""),
            "default_acl": None,
            "querystring_auth": env_bool("BLOGCMS_S3_QUERYSTRING_AUTH", False),
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if env_bool("BLOGCMS_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "blogcms@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TAGGIT_CASE_INSENSITIVE = True


def local_site_url(host, port):
    """Where `make run` is reached when it listens on HOST:PORT; a wildcard bind (0.0.0.0,
    ::) is reached on 127.0.0.1."""
    host = host or "127.0.0.1"
    if host in {"0.0.0.0", "::", "[::]"}:  # noqa: S104 (read, not bound)
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{port or '8000'}"


# Public base URL used where there is no request (tasks, mail, outgoing pingbacks); unset,
# it is `make run`'s own address, so PORT=8123 make run mails links that work.
BLOGCMS_SITE_URL = os.environ.get("BLOGCMS_SITE_URL") or local_site_url(
    os.environ.get("HOST"), os.environ.get("PORT")
)
# The safe fetcher refuses loopback unless this is on (tests and local demos only).
BLOGCMS_FETCH_ALLOW_LOOPBACK = env_bool("BLOGCMS_FETCH_ALLOW_LOOPBACK", False)
# Behind a reverse proxy: the request header holding the visitor's address (e.g.
# HTTP_X_REAL_IP), so flood limits and comment IPs are per visitor, not per proxy.
BLOGCMS_CLIENT_IP_HEADER = os.environ.get("BLOGCMS_CLIENT_IP_HEADER", "")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# Themes and the admin's editor load only our own assets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        # No inline style on the public site; the admin adds 'unsafe-inline' (blogcms.csp).
        "style-src": ["'self'"],
        # NONCE: only pages that ask for it (the admin's editor import map) get one.
        "script-src": ["'self'", NONCE],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        # Violations are reported to blogcms.views.csp_report, which logs them: report-uri
        # for Firefox and Safari, report-to (with Reporting-Endpoints, blogcms.csp) for Chromium.
        "report-uri": [reverse_lazy("csp-report")],
        "report-to": "csp-endpoint",
    }
}

# --- Brute force and floods ---------------------------------------------------------------
# Login throttling (django-axes), counted in the database so every worker and host shares the
# counts. Failures count per address AND per username: a spray of usernames from one address
# and a distributed guess at one username are both locked after BLOGCMS_LOGIN_FAILURE_LIMIT
# failures, until BLOGCMS_LOGIN_LOCKOUT_MINUTES after the last one, even with the right
# password (the defaults of WordPress's Limit Login Attempts plugin: 4 retries, 20 minutes).
# Staff unlock in the admin (Axes > Access attempts: delete) or `manage.py axes_reset_username`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_FAILURE_LIMIT = int(os.environ.get("BLOGCMS_LOGIN_FAILURE_LIMIT", "4"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("BLOGCMS_LOGIN_LOCKOUT_MINUTES", "20")))
# A success never wipes failures: one account of their own must not buy an attacker retries.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "blogcms.visitor.client_ip"  # the same address the comments see
AXES_LOCKOUT_CALLABLE = "blogcms.lockout.lockout_response"

# Powerful browser features the blog never uses, denied to it and to anything it embeds.
# (browsing-topics replaced FLoC's interest-cohort, which Chromium no longer knows.)
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# CSP violation reports logged per address (an IPv6 /64 as one) per window: (reports, seconds).
BLOGCMS_CSP_REPORT_RATE = (30, 60)
# The editor's image button picks from the media library (media_library/editor.py).
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("media_library/library-image.js")],
        "extensions": {"LibraryImage": allow_library_images},
    }
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
