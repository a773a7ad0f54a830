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
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "blogcms",
    "posts",
    "comments",
    "comments.linkbacks",
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
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a form body (CSRF, sessions, views): a 400 for non-UTF-8 forms.
    "blogcms.formcharset.FormCharsetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Below CSRF (sets each visitor's cookie) and ConditionalGet (304s); see its docstring.
    "blogcms.pagecache.PageCacheMiddleware",
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
                # Cacheable pages render a placeholder for the CSRF token (blogcms.pagecache).
                "blogcms.pagecache.csrf_placeholder",
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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

# Public base URL used where there is no request (tasks, mail, outgoing pingbacks).
BLOGCMS_SITE_URL = os.environ.get("BLOGCMS_SITE_URL", "http://127.0.0.1:8000")
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
