"""A post's featured image becomes an item of the media library (WordPress: the
_thumbnail_id attachment). Each stored featured image is cleaned and resized as a new
upload would be (its EXIF and GPS go), its description becomes the item's alt text, and
the old file is removed once the migration has committed. A file that cannot be read is
kept as it is, so no post loses its image."""

import mimetypes
import os
from functools import partial

import django.db.models.deletion
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import migrations, models, transaction


def to_library(apps, schema_editor):
    from media_library import processing

    Post = apps.get_model("posts", "Post")
    MediaItem = apps.get_model("media_library", "MediaItem")
    replaced = []
    for post in Post.objects.exclude(featured_image="").exclude(featured_image__isnull=True):
        name = post.featured_image.name
        fields = {
            "file": name,
            "width": post.featured_image_width or 0,
            "height": post.featured_image_height or 0,
            "mime_type": mimetypes.guess_type(name)[0] or "",
            "sizes": {},
        }
        try:
            with default_storage.open(name) as handle:
                clean = processing.clean_upload(File(handle, name=os.path.basename(name)))
        except (OSError, ValidationError):
            pass  # kept as it was: the post keeps pointing at the same file
        else:
            stored = processing.store(clean)
            fields.update(
                file=stored.name,
                width=clean.original.width,
                height=clean.original.height,
                mime_type=clean.mime_type,
                file_size=len(clean.original.content),
                sizes=stored.sizes,
            )
            replaced.append(name)
        item = MediaItem.objects.create(
            title=os.path.splitext(os.path.basename(name))[0],
            alt_text=post.featured_image_alt,
            uploaded_by_id=post.author_id,
            uploaded_at=post.created_at,
            **fields,
        )
        Post.objects.filter(pk=post.pk).update(featured_media=item)
    if replaced:
        transaction.on_commit(partial(processing.delete_files, replaced))


def from_library(apps, schema_editor):
    Post = apps.get_model("posts", "Post")
    for post in Post.objects.filter(featured_media__isnull=False).select_related("featured_media"):
        item = post.featured_media
        Post.objects.filter(pk=post.pk).update(
            featured_image=item.file.name,
            featured_image_alt=item.alt_text,
            featured_image_width=item.width,
            featured_image_height=item.height,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0005_editors_manage_pages"),
        ("media_library", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="featured_media",
            field=models.ForeignKey(
                blank=True,
                help_text="Optional; shown above the post. Pick one from the media library or upload.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="featured_in",
                to="media_library.mediaitem",
            ),
        ),
        migrations.RunPython(to_library, from_library),
    ]
