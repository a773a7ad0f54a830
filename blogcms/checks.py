from django.conf import settings
from django.core.checks import Tags, Warning, register


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
