from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_MAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register(deploy=True)
def mail_backend_check(app_configs, **kwargs):
    """Comment notifications and moderation mail must leave the machine in production."""
    if settings.EMAIL_BACKEND in LOCAL_MAIL_BACKENDS:
        return [
            Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: notification mail never leaves "
                "this machine.",
                hint="Set EMAIL_BACKEND (e.g. django.core.mail.backends.smtp.EmailBackend) "
                "and EMAIL_HOST in the environment.",
                id="blogcms.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def fetch_loopback_check(app_configs, **kwargs):
    """Loopback fetching is for tests and local demos; in production it opens SSRF."""
    if getattr(settings, "BLOGCMS_FETCH_ALLOW_LOOPBACK", False):
        return [
            Warning(
                "BLOGCMS_FETCH_ALLOW_LOOPBACK is on: pingback and webmention sources may "
                "make this site fetch its own loopback services.",
                hint="Unset BLOGCMS_FETCH_ALLOW_LOOPBACK in production.",
                id="blogcms.W001",
            )
        ]
    return []
