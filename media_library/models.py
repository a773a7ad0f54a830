"""The media library (WordPress: attachments): uploaded images and their sizes, and other
files (a PDF, an MP3) kept as downloads."""

import os
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from . import files, processing


@dataclass(frozen=True)
class Rendition:
    """One stored file of an item: the original ("full") or one of WordPress's sizes."""

    name: str
    file: str
    width: int | None  # None for a file that is not an image
    height: int | None

    @property
    def url(self):
        return default_storage.url(self.file)


class MediaItemQuerySet(models.QuerySet):
    def images(self):
        """Images only: what a body, a featured image or the editor's picker may show."""
        return self.filter(mime_type__startswith="image/")


class MediaItem(models.Model):
    file = models.FileField(
        max_length=255,
        editable=False,
        help_text="The cleaned original (an image re-encoded; another file as it was).",
    )
    title = models.CharField(max_length=200, blank=True)
    alt_text = models.CharField(
        "alternative text",
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it.",
    )
    caption = models.TextField(blank=True)
    # None for a file that is not an image.
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    mime_type = models.CharField("MIME type", max_length=100, editable=False)
    file_size = models.PositiveIntegerField("size in bytes", editable=False, default=0)
    # {"thumbnail": {"file": "library/2026/11/cat-150x150.jpg", "width": 150, "height": 150},
    #  ...}: WordPress's _wp_attachment_metadata["sizes"]; a size the image is too small
    # for is absent.
    sizes = models.JSONField(default=dict, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="media_items",
        editable=False,
    )
    uploaded_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)

    objects = MediaItemQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "media item"
        verbose_name_plural = "media library"

    def __str__(self):
        return self.title or os.path.basename(self.file.name)

    @property
    def is_image(self):
        return self.mime_type.startswith("image/")

    @staticmethod
    def title_from(stem):
        """A title for an upload that came without one: its name ("ete-a-paris" → "Ete a paris")."""
        return stem.replace("-", " ").replace("_", " ").strip().capitalize()

    @classmethod
    def create_from_upload(cls, upload, *, month=None, allow_files=False, **fields):
        """A new item from `upload`, refused with a ValidationError unless it is a real
        image, or, with `allow_files`, one of the files kept as downloads
        (files.FILE_TYPES). `month` ("2011/08"): the folder it goes to, else this month's."""
        item = cls(**fields)
        if allow_files and files.is_file_type(upload.name):
            item.save_with_file(files.clean_file(upload), month)
        elif allow_files and not files.is_image_name(upload.name):
            files.refuse_type(upload.name)
        else:
            item.save_with_image(processing.clean_upload(upload), month)
        return item

    def save_with_file(self, clean, month=None):
        """Store a checked file (files.clean_file) as it is, then save; nothing is left
        behind on failure."""
        with clean.content:
            name = default_storage.save(
                f"{processing.library_folder(month)}{clean.stem}.{clean.extension}",
                clean.content,
            )
        self.file = name
        self.width = self.height = None
        self.mime_type = clean.mime_type
        self.file_size = clean.size
        self.sizes = {}
        self.title = self.title or self.title_from(clean.stem)
        try:
            with transaction.atomic():
                self.save()
        except Exception:
            processing.delete_files([name])
            raise

    def save_with_image(self, clean, month=None):
        """Store a cleaned image (processing.clean_upload) and its sizes, then save. Either
        everything is stored or nothing is: no orphan files, no rows without files."""
        stored = processing.store(clean, month=month)
        self.file = stored.name
        self.width, self.height = clean.original.width, clean.original.height
        self.mime_type = clean.mime_type
        self.file_size = len(clean.original.content)
        self.sizes = stored.sizes
        self.title = self.title or self.title_from(clean.stem)
        try:
            with transaction.atomic():
                self.save()
        except Exception:
            processing.delete_files(stored.names())
            raise

    def file_names(self):
        """Every stored file of this item."""
        return [self.file.name, *(size["file"] for size in self.sizes.values())]

    def renditions(self):
        """The original and every size made for it, smallest first."""
        found = [
            Rendition(name, size["file"], size["width"], size["height"])
            for name, size in self.sizes.items()
        ]
        found.append(Rendition("full", self.file.name, self.width, self.height))
        return sorted(found, key=lambda r: r.width)

    def rendition(self, size="full"):
        """The named size, or the original when the image is too small to have it (as
        WordPress's image_downsize() falls back to the full size)."""
        if data := self.sizes.get(size):
            return Rendition(size, data["file"], data["width"], data["height"])
        return Rendition("full", self.file.name, self.width, self.height)

    def srcset(self, size="full"):
        """WordPress's wp_calculate_image_srcset(): every file with the chosen size's
        aspect ratio (a cropped thumbnail is left out of a wide photo's set)."""
        chosen = self.rendition(size)
        candidates = [
            r
            for r in self.renditions()
            # Within a pixel of rounding, as WordPress's wp_image_matches_ratio().
            if abs(r.height - r.width * chosen.height / chosen.width) <= 1
        ]
        if len(candidates) < 2:
            return ""
        return ", ".join(f"{r.url} {r.width}w" for r in candidates)

    @staticmethod
    def sizes_attribute(width):
        """WordPress's wp_calculate_image_sizes(): full width up to the image's own."""
        return f"(max-width: {width}px) 100vw, {width}px"

    def img_tag(self, size="large", *, lazy=True, css_class=""):
        """An <img> with srcset, sizes, width and height (no layout shift) and, unless it
        is the first thing on the page, loading="lazy"."""
        chosen = self.rendition(size)
        srcset = self.srcset(size)
        return format_html(
            '<img src="{}"{}{} width="{}" height="{}" alt="{}"{} decoding="async"{}>',
            chosen.url,
            format_html(' srcset="{}"', srcset) if srcset else "",
            format_html(' sizes="{}"', self.sizes_attribute(chosen.width)) if srcset else "",
            chosen.width,
            chosen.height,
            self.alt_text,
            format_html(' class="{}"', css_class) if css_class else "",
            mark_safe(' loading="lazy"') if lazy else "",
        )

    def as_json(self):
        """What the editor's image picker needs to know about this item."""
        return {
            "id": self.pk,
            "title": str(self),
            "alt": self.alt_text,
            "caption": self.caption,
            "width": self.width,
            "height": self.height,
            "thumbnail": self.rendition("thumbnail").url,
            "sizes": {
                r.name: {"url": r.url, "width": r.width, "height": r.height}
                for r in self.renditions()
            },
        }
