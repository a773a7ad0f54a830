from .models import SiteSettings


def site(request):
    """The site settings, for every template (loaded once per request by ThemeMiddleware)."""
    return {"site": getattr(request, "site_settings", None) or SiteSettings.load()}
