"""WordPress attachments as media library items, and the old blog's addresses of them.

An attachment (an image, or another file: a PDF, an MP3) had two kinds of address. Its
page, get_attachment_link(): its parent's permalink plus its slug
(/2011/08/19/post-slug/cafe/, /about/cafe/), /cafe/ when unattached, /?attachment_id=N with
plain permalinks; since WordPress 6.4 (wp_attachment_pages_enabled off) redirect_canonical()
answers it with a 301 to the file, and so does blogcms, for every shape: one rule,
attachment_url(). And its file: WordPress keeps an upload at
wp-content/uploads/<_wp_attached_file> ("2021/12/cafe.jpg") and
each of its sizes beside it as name-WxH.ext ("cafe-300x200.jpg"), made by
image_make_intermediate_size(). Since WordPress 5.3 a large original is stored as
name-scaled.jpg while its sizes keep the unscaled name (wp_create_image_subsizes()). Every
such address of an imported file leads to the library item's file of the same size.
"""

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from blogcms.numbers import ascii_int
from media_library import processing
from media_library.models import MediaItem
from posts.models import page_path

from .channel import Unusable, wordpress_date
from .models import WordPressID

Kind = WordPressID.Kind

_SIZE_SUFFIX = re.compile(r"^(?P<base>.+)-(?P<width>\d{1,5})x(?P<height>\d{1,5})(?P<ext>\.\w+)$")
_SCALED = "-scaled"
# uploads/YYYY/MM/name: the month folder WordPress keeps a file in (wp_upload_dir()).
_MONTH_FOLDER = re.compile(r"(?:^|/)(?P<year>\d{4})/(?P<month>0[1-9]|1[0-2])/[^/]+$")
_DATE_MONTH = re.compile(r"(?P<year>(?!0000)\d{4})-(?P<month>0[1-9]|1[0-2])-")


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
    _wp_attached_file values to library items. Only images have sizes."""
    for key in (name, _scaled(name)):
        if item := items.get(key):
            return item.rendition("full")
    base, size = size_variant(name)
    if size:
        for key in (base, _scaled(base)):
            if (item := items.get(key)) and item.is_image:
                return rendition_for(item, size)
    return None


def attached_file(value):
    """_wp_attached_file relative to the uploads folder (WordPress before 2.7 stored the
    server's absolute path: /home/…/wp-content/uploads/2008/01/a.jpg)."""
    value = value.strip().replace("\\", "/")
    _, marker, rest = value.rpartition("wp-content/uploads/")
    return (rest if marker else value).lstrip("/")


def upload_month(old_file, file_url, date):
    """The month folder ("2011/08") the old blog kept the file in, which the library keeps:
    _wp_attached_file's, else the file URL's, else the attachment's date (local), as
    WordPress's importer chooses the folder of an imported file (process_attachment())."""
    found = (
        _MONTH_FOLDER.search(old_file)
        or _MONTH_FOLDER.search(unquote(urlsplit(file_url.strip()).path))
        or _DATE_MONTH.match(date.strip())  # post_date, "2011-08-19 09:00:00"
    )
    return f"{found['year']}/{found['month']}" if found else None


def old_address(link, file_url, base_url):
    """The path of an attachment's page on the old blog, from its <link>
    (get_attachment_link()), relative to the blog's address ("2011/08/19/post-slug/cafe"),
    or "" when the link is /?attachment_id=N (answered by ID) or the file itself, or is
    no address we can keep: longer than the field holds, or with a NUL (which PostgreSQL
    refuses, and no request brings: blogcms.nulbytes)."""
    parts = urlsplit(link.strip())
    path = unquote(parts.path)
    if parts.query or not page_path(path) or path == unquote(urlsplit(file_url.strip()).path):
        return ""
    base = unquote(urlsplit(base_url.strip()).path).rstrip("/")
    if base and path.startswith(base + "/"):
        path = path[len(base) :]
    path = page_path(path)
    too_long = len(path) > WordPressID._meta.get_field("old_address").max_length
    return "" if too_long or "\x00" in path else path


def open_in(media_dir, name):
    """The file uploads/`name` in `media_dir` as a Django File, or None when it is not there
    or would lie outside it ("../../etc/passwd", a symbolic link out), or cannot be a file
    name at all (one longer than the file system allows)."""
    root = Path(media_dir).resolve()
    try:
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return File(path.open("rb"), name=path.name)
    except OSError:
        return None


def upload_url(name):
    """The library URL of the imported file the old blog served at
    /wp-content/uploads/`name` (a size variant leads to the matching size), or None."""
    rows = WordPressID.objects.filter(
        kind=WordPressID.Kind.ATTACHMENT, old_file__in=candidates(name), media_item__isnull=False
    ).select_related("media_item")
    rendition = find(name, {row.old_file: row.media_item for row in rows})
    return rendition.url if rendition else None


def attachment_url(*, wp_id=None, address=None):
    """Where the old blog's attachment page leads: the library URL of the file (its
    original) of the attachment `wp_id` (/?attachment_id=N) or at the page path `address`
    (/2011/08/19/post-slug/cafe/), or None."""
    if address is not None:
        address = page_path(address)
        item = WordPressID.attachment_file(old_address=address) if address else None
    else:
        item = WordPressID.attachment_file(wp_id=wp_id)
    return item.file.url if item else None


class Library:
    """An import's attachments: each becomes a library item, made from the copy of
    wp-content/uploads given as --media-dir (the file at its _wp_attached_file), with its
    title, caption (excerpt), alt text (_wp_attachment_image_alt), date and uploader. The
    file goes through the library's checks like any upload. Nothing is fetched from the old
    blog: without --media-dir, attachments are skipped and the summary says so (images an
    earlier run imported are still used)."""

    def __init__(self, summary, channel, media_dir=None):
        self.summary = summary
        self.channel = channel
        self.media_dir = media_dir
        self.base_url = ""  # the old blog's (wp:base_blog_url): attachment pages are below
        self.hosts = set()  # the old blog's, whose file URLs are rewritten
        # Where the old blog served uploads (from wp:attachment_url and _wp_attached_file).
        self.prefixes = {"/wp-content/uploads/"}
        self.pks = {}  # WordPress attachment ID → MediaItem pk
        self.images = set()  # the pks of those that are images (a PDF is never featured)
        self.files = {}  # _wp_attached_file → MediaItem
        self.entry_addresses = set()  # the old blog's posts' and pages' (note_entry)

    def note_host(self, url):
        if host := urlsplit(url.strip()).netloc.lower():
            self.hosts |= {host, host.removeprefix("www."), "www." + host}

    def note_entry(self, link):
        """A post's or page's address on the old blog: WordPress answered it with that
        entry, so an attachment page said to be there (on a /%postname%/ blog, an image
        uploaded before the post has its slug) was never seen, and is not kept."""
        if address := old_address(link, "", self.base_url):
            self.entry_addresses.add(address)

    def load(self):
        """The attachments imported before (by an earlier run too)."""
        rows = WordPressID.objects.filter(kind=Kind.ATTACHMENT, media_item__isnull=False)
        for row in rows.select_related("media_item"):
            self._known(row.wp_id, row.media_item, row.old_file)

    def _known(self, wp_id, media, old_file):
        self.pks[wp_id] = media.pk
        if media.is_image:
            self.images.add(media.pk)
        if old_file:
            self.files[old_file] = media

    def _kind(self, pk):
        """The summary's count a library item goes in."""
        return "images" if pk in self.images else "files"

    def add(self, item):
        old_file = attached_file(item.meta_value("_wp_attached_file"))
        url_path = unquote(urlsplit(item.attachment_url).path)
        if old_file and url_path.endswith("/" + old_file):
            self.prefixes.add(url_path[: -len(old_file)])
        address = old_address(item.link, item.attachment_url, self.base_url)
        if address in self.entry_addresses:
            address = ""
        if item.wp_id in self.pks:
            self.summary.existing[self._kind(self.pks[item.wp_id])] += 1
            if address:  # imported before old addresses were kept: it gets its own now
                WordPressID.objects.filter(
                    kind=Kind.ATTACHMENT, wp_id=item.wp_id, old_address=""
                ).update(old_address=address)
            return
        if not self.media_dir:
            self.summary.skip(
                "attachments: no --media-dir given (files are not downloaded from the old "
                "blog; import_wordpress --media-dir wp-content/uploads brings them)",
                item.label,
            )
            return
        if not old_file:
            self.summary.skip("attachments without _wp_attached_file", item.label)
            return
        upload = open_in(self.media_dir, old_file)
        if upload is None:
            self.summary.skip("attachments whose file is not in --media-dir", old_file)
            return
        try:
            media = self._store(item, upload, old_file, address)
        except ValidationError as exc:
            self.summary.skip(
                "attachments the media library refuses",
                f"{old_file}: {' '.join(exc.messages)}",
            )
            return
        except Unusable as exc:
            self.summary.skip(f"attachments: {exc}", item.label)
            return
        self._known(item.wp_id, media, old_file)
        self.summary.created[self._kind(media.pk)] += 1

    def _store(self, item, upload, old_file, address):
        """The item and its WordPress ID together, so a run cut short between them cannot
        make a second copy of the file next time. An image is checked and re-encoded,
        another file checked and kept as it is (MediaItem.create_from_upload), in the
        month folder it had."""
        media = None
        try:
            with upload, transaction.atomic():
                media = MediaItem.create_from_upload(
                    upload,
                    allow_files=True,
                    month=upload_month(old_file, item.attachment_url, item.date),
                    title=item.title.strip()[:200],
                    caption=item.excerpt.strip(),
                    alt_text=item.meta_value("_wp_attachment_image_alt").strip()[:300],
                    uploaded_by_id=self.channel.user_for(item.creator) if item.creator else None,
                    uploaded_at=wordpress_date(item.date, item.date_gmt, "post_date"),
                )
                WordPressID.objects.create(
                    kind=Kind.ATTACHMENT,
                    wp_id=item.wp_id,
                    media_item=media,
                    old_file=old_file,
                    old_address=address,
                )
        except BaseException:
            if media is not None:  # its row is rolled back: its files go too
                processing.delete_files(media.file_names())
            raise
        return media

    def rewrite_url(self, url):
        """The library address of an imported file at `url` of the old blog (the original
        or a size, http or https, with the old host or none), or None (kept)."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("", "http", "https"):
            return None
        if parts.netloc and parts.netloc.lower() not in self.hosts:
            return None
        path = unquote(parts.path)
        for prefix in self.prefixes:
            name = path[len(prefix) :] if path.startswith(prefix) else None
            if name and (found := find(name, self.files)):
                return found.url
        return None

    def relabel(self, number, src):
        """A body's wp-image-N (WordPress's attachment ID) → the library item's pk, or None
        when it was not imported, or is no image (content.relabel_images drops the class)."""
        pk = self.pks.get(number)
        return (pk if pk in self.images else None), src

    def featured_image(self, item):
        """_thumbnail_id: the pk of the library item shown as the post's featured image."""
        number = ascii_int(item.meta_value("_thumbnail_id").strip())
        if number is None:
            return None
        if (pk := self.pks.get(number)) in self.images:
            return pk
        if pk:
            self.summary.warn("featured images that are not images, left out", item.label)
        else:
            self.summary.warn("featured images whose attachment was not imported", item.label)
        return None
