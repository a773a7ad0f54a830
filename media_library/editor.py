"""The rich-text editor's image button (static/media_library/library-image.js) and what its
images may keep through the editor's allowlist (nh3, django-prose-editor's sanitize).

A body image is stored the way WordPress stores one:
    <img class="wp-image-12 size-large" src="/media/library/2026/11/cat-1024x768.jpg"
         alt="A cat" width="1024" height="768">
(inside <figure>…<figcaption> when it has a caption, as Gutenberg's image block) and srcset,
sizes and loading are added when the page is shown (media_library.content, as WordPress's
wp_filter_content_tags()), so they follow the library item. The allowlist gains exactly
that: <figure> and <figcaption> with no attributes, <img> with src, alt, width, height,
and class holding only wp-image-N, size-NAME and WordPress's align classes (which
imported bodies carry).

Settings import this module (DJANGO_PROSE_EDITOR_EXTENSIONS takes the processor itself):
it must not import models.
"""

import re

from django_prose_editor.config import add_tags_and_attributes

ALLOWED_IMAGE_CLASS = re.compile(
    r"wp-image-\d{1,18}|size-(?:thumbnail|medium|medium_large|large|full)"
    r"|align(?:left|right|center|none)"
)


def keep_library_classes(element, attribute, value):
    """nh3's attribute_filter: an <img>'s class keeps only the library's own classes."""
    if element == "img" and attribute == "class":
        kept = [name for name in value.split() if ALLOWED_IMAGE_CLASS.fullmatch(name)]
        return " ".join(kept) or None
    return value


def allow_library_images(config, nh3_config):
    """The allowlist processor for the LibraryImage editor extension."""
    add_tags_and_attributes(
        nh3_config,
        ["img", "figure", "figcaption"],
        {"img": ["src", "alt", "width", "height", "class"]},
    )
    nh3_config["attribute_filter"] = keep_library_classes
