"""WordPress attachments as media library items, and the old blog's file addresses.

WordPress keeps an upload at wp-content/uploads/<_wp_attached_file> ("2021/12/cafe.jpg") and
each of its sizes beside it as name-WxH.ext ("cafe-300x200.jpg"), made by
image_make_intermediate_size(). Since WordPress 5.3 a large original is stored as
name-scaled.jpg while its sizes keep the unscaled name (wp_create_image_subsizes()). Every
such address of an imported file leads to the library item's file of the same size.
"""

import re
from pathlib import Path

from django.core.files import File

_SIZE_SUFFIX = re.compile(r"^(?P<base>.+)-(?P<width>\d{1,5})x(?P<height>\d{1,5})(?P<ext>\.\w+)$")
_SCALED = "-scaled"


def size_variant(name):
    """'2021/12/cafe-300x200.jpg' → ('2021/12/cafe.jpg', (300, 200)); else (name, None)."""
    if match := _SIZE_SUFFIX.match(name):
        size = (int(match["width"]), int(match["height"]))
        return match["base"] + match["ext"], size
    return name, None


def _scaled(name):
    stem, dot, ext = name.rpartition(".")
    return f"{stem}{_SCALED}.{ext}" if dot else name


def candidates(name):
    """The _wp_attached_file values that may have served `name`."""
    base, size = size_variant(name)
    names = [name, _scaled(name), base, _scaled(base)] if size else [name, _scaled(name)]
    return list(dict.fromkeys(names))


def rendition_for(item, size):
    """The item's file for an old size (width, height): the one of those dimensions, else
    the smallest at least as wide, else the original."""
    renditions = item.renditions()  # smallest first
    for rendition in renditions:
        if (rendition.width, rendition.height) == size:
            return rendition
    wide_enough = [r for r in renditions if r.width >= size[0]]
    return wide_enough[0] if wide_enough else item.rendition("full")


def find(name, items):
    """The library file the old blog served as uploads/`name`, or None. `items` maps
    _wp_attached_file values to library items."""
    for key in (name, _scaled(name)):
        if item := items.get(key):
            return item.rendition("full")
    base, size = size_variant(name)
    if size:
        for key in (base, _scaled(base)):
            if item := items.get(key):
                return rendition_for(item, size)
    return None


def attached_file(value):
    """_wp_attached_file relative to the uploads folder (WordPress before 2.7 stored the
    server's absolute path: /home/…/wp-content/uploads/2008/01/a.jpg)."""
    value = value.strip().replace("\\", "/")
    _, marker, rest = value.rpartition("wp-content/uploads/")
    return (rest if marker else value).lstrip("/")


def open_in(media_dir, name):
    """The file uploads/`name` in `media_dir` as a Django File, or None when it is not there
    or would lie outside it ("../../etc/passwd", a symbolic link out)."""
    root = Path(media_dir).resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return File(path.open("rb"), name=path.name)


def upload_url(name):
    """The library URL of the imported file the old blog served at
    /wp-content/uploads/`name` (a size variant leads to the matching size), or None."""
    from .models import WordPressID

    rows = WordPressID.objects.filter(
        kind=WordPressID.Kind.ATTACHMENT, old_file__in=candidates(name), media_item__isnull=False
    ).select_related("media_item")
    rendition = find(name, {row.old_file: row.media_item for row in rows})
    return rendition.url if rendition else None


def attachment_url(wp_id):
    """The library URL of the imported attachment `wp_id` (its original), or None."""
    from .models import WordPressID

    row = (
        WordPressID.objects.filter(kind=WordPressID.Kind.ATTACHMENT, wp_id=wp_id)
        .exclude(media_item=None)
        .select_related("media_item")
        .first()
    )
    return row.media_item.file.url if row else None
