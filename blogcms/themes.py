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
        from .models import SiteSettings

        request.site_settings = SiteSettings.load()
        token = active_theme.set(request.site_settings.theme)
        try:
            return self.get_response(request)
        finally:
            active_theme.reset(token)
