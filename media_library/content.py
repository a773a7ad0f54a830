"""Library images in a post body get srcset, sizes, width, height and loading when the page
is shown, as WordPress's wp_filter_content_tags() does with wp_image_add_srcset_and_sizes()
and wp_img_tag_add_loading_optimization_attrs().

The body keeps what the editor (or an import) stored, <img class="wp-image-12 size-large"
src=… width=… height=… alt=…>; the rest follows the library item, so a size made later or
a changed CDN shows up without re-saving posts. Bodies are stored through the editor's
allowlist (nh3), so their tags are well formed and their attribute values double-quoted.
"""

import html
import re
from urllib.parse import urlsplit

from django.utils.html import escape

from blogcms.numbers import ascii_int

from .models import MediaItem

IMG_TAG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
LIBRARY_ID = re.compile(r"(?:^|\s)wp-image-(\d{1,18})(?:\s|$)")


def _attributes(tag):
    inner = tag[4:-1].rstrip("/")
    found = {}
    for match in ATTRIBUTE.finditer(inner):
        name = match.group(1).lower()
        value = next((v for v in match.groups()[1:] if v is not None), "")
        found.setdefault(name, html.unescape(value))
    return found


def library_ids(content):
    """The ids of the library items whose images `content` shows (class wp-image-N)."""
    ids = set()
    for tag in IMG_TAG.findall(content or ""):
        if match := LIBRARY_ID.search(_attributes(tag).get("class", "")):
            ids.add(int(match.group(1)))
    return ids


def prefetch_content_media(objects, attribute="body"):
    """Fetch, in one query, the library items shown in the bodies of all `objects` (a
    page's posts), and hand the same map to each as `content_media`."""
    objects = list(objects)
    ids = set().union(*(library_ids(getattr(obj, attribute)) for obj in objects))
    items = MediaItem.objects.images().in_bulk(ids) if ids else {}
    for obj in objects:
        obj.content_media = items
    return objects


def _same_file(url, rendition):
    return urlsplit(url).path == urlsplit(rendition.url).path


def filter_content_images(content, media=None, *, lazy_first=True, absolute=None):
    """`content` with each <img> given what WordPress adds on display. `media` maps ids to
    library items (prefetch_content_media); without it they are fetched here. With
    `lazy_first` false, the first image is not lazy-loaded: it is the top of the page.
    For a feed, `absolute` makes the site's image URLs absolute (readers fetch them from
    elsewhere) and loading hints are left out."""
    if not content or "<img" not in content.lower():
        return content
    if media is None:
        ids = library_ids(content)
        media = MediaItem.objects.images().in_bulk(ids) if ids else {}
    seen = 0

    def add_attributes(match):
        nonlocal seen
        seen += 1
        attributes = _attributes(match.group(0))
        id_match = LIBRARY_ID.search(attributes.get("class", ""))
        item = media.get(int(id_match.group(1))) if id_match else None
        src = attributes.get("src", "")
        rendition = item and next((r for r in item.renditions() if _same_file(src, r)), None)
        if rendition:
            if "width" not in attributes and "height" not in attributes:
                attributes["width"], attributes["height"] = rendition.width, rendition.height
            if "srcset" not in attributes and (srcset := item.srcset(rendition.name)):
                attributes["srcset"] = srcset
                width = ascii_int(str(attributes.get("width", "")), rendition.width)
                attributes["sizes"] = item.sizes_attribute(width)
        if absolute:
            attributes["src"] = _absolute(src, absolute)
            if "srcset" in attributes:
                candidates = (c.strip().partition(" ") for c in attributes["srcset"].split(","))
                attributes["srcset"] = ", ".join(
                    f"{_absolute(url, absolute)} {descriptor}".strip()
                    for url, _, descriptor in candidates
                )
        else:
            if "loading" not in attributes and (lazy_first or seen > 1):
                attributes["loading"] = "lazy"
            attributes.setdefault("decoding", "async")
        # Rebuilt from its parsed attributes, every value escaped again.
        return (
            "<img"
            + "".join(f' {name}="{escape(value)}"' for name, value in attributes.items())
            + ">"
        )

    return IMG_TAG.sub(add_attributes, content)


def _absolute(url, absolute):
    """A site-relative URL (/media/…) made absolute."""
    if url.startswith("/") and not url.startswith("//"):
        return absolute(url)
    return url
