"""{% image item "large" %} and {% content_images post.body %} for every theme."""

from django import template
from django.utils.safestring import mark_safe

from ..content import filter_content_images

register = template.Library()


@register.simple_tag
def image(item, size="large", lazy=True, css_class=""):
    """A library item as <img src srcset sizes width height alt loading>; nothing for None.
    Pass lazy=False for the image at the top of the page."""
    if not item:
        return ""
    return item.img_tag(size, lazy=lazy, css_class=css_class)


@register.simple_tag
def content_images(content, media=None, lazy_first=True):
    """A stored body with srcset, sizes, width, height and loading on its images (see
    media_library.content). The body was sanitised by the editor's allowlist when saved;
    only attributes made from library data and escaped here are added."""
    media = media if isinstance(media, dict) else None  # "" when the view did not prefetch
    return mark_safe(filter_content_images(content, media, lazy_first=lazy_first))  # noqa: S308
