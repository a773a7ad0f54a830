"""The theme layer: templates/themes/<name>/ overrides only what it changes.

The active theme is a site setting. ThemeMiddleware puts it in a context variable for
the request; ThemeLoader looks in that theme's folder before the base templates, and
CachedThemeLoader keys its cache by theme so a switch in the admin shows on the next page.
"""

import contextvars
from pathlib import Path

from django.conf import settings
from django.template.loaders import cached, filesystem

active_theme = contextvars.ContextVar("active_theme", default="classic")


def themes_dir():
    return Path(settings.BASE_DIR) / "templates" / "themes"


def theme_choices():
    names = (
        sorted(p.name for p in themes_dir().iterdir() if p.is_dir())
        if themes_dir().is_dir()
        else []
    )
    return [(name, name.title()) for name in names] or [("classic", "Classic")]


class ThemeLoader(filesystem.Loader):
    """Looks in templates/themes/<active>/ first, then in the project's templates."""

    def get_dirs(self):
        base = [Path(d) for d in self.engine.dirs]
        theme = active_theme.get()
        return [themes_dir() / theme, *base]


class CachedThemeLoader(cached.Loader):
    def cache_key(self, template_name, skip=None):
        return f"{active_theme.get()}:{super().cache_key(template_name, skip)}"


class ThemeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .models import SiteSettings, current_site_settings

        site = getattr(request, "site_settings", None) or SiteSettings.load()
        request.site_settings = site
        theme_token = active_theme.set(site.theme)
        site_token = current_site_settings.set(site)
        try:
            return self.get_response(request)
        finally:
            current_site_settings.reset(site_token)
            active_theme.reset(theme_token)
